//! `skillpack pack`.

use clap::Args;

use super::{CmdResult, Failure, Printer};

pub const LONG_ABOUT: &str = "";
pub const EXAMPLES: &str = "";

#[derive(Debug, Args)]
pub struct PackArgs {}

pub fn run(_p: &Printer, _args: PackArgs) -> CmdResult {
    Err(Failure::new("`pack` is not available in this build"))
}
