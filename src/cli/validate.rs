//! `skillpack validate`.

use clap::Args;

use super::{CmdResult, Failure, Printer};

pub const LONG_ABOUT: &str = "";
pub const EXAMPLES: &str = "";

#[derive(Debug, Args)]
pub struct ValidateArgs {}

pub fn run(_p: &Printer, _args: ValidateArgs) -> CmdResult {
    Err(Failure::new("`validate` is not available in this build"))
}
