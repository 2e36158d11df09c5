//! `skillpack update`.

use clap::Args;

use super::{CmdResult, Failure, Printer};

pub const LONG_ABOUT: &str = "";
pub const EXAMPLES: &str = "";

#[derive(Debug, Args)]
pub struct UpdateArgs {}

pub fn run(_p: &Printer, _args: UpdateArgs) -> CmdResult {
    Err(Failure::new("`update` is not available in this build"))
}
