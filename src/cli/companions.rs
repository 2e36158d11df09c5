//! `skillpack companions`.

use clap::Args;

use super::{CmdResult, Failure, Printer};

pub const LONG_ABOUT: &str = "";
pub const EXAMPLES: &str = "";

#[derive(Debug, Args)]
pub struct CompanionsArgs {}

pub fn run(_p: &Printer, _args: CompanionsArgs) -> CmdResult {
    Err(Failure::new("`companions` is not available in this build"))
}
