//! `skillpack completions`.

use clap::Args;

use super::{CmdResult, Failure, Printer};

pub const LONG_ABOUT: &str = "";
pub const EXAMPLES: &str = "";

#[derive(Debug, Args)]
pub struct CompletionsArgs {}

pub fn run(_p: &Printer, _args: CompletionsArgs) -> CmdResult {
    Err(Failure::new("`completions` is not available in this build"))
}
