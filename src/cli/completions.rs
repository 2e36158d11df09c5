//! `skillpack completions`: shell completion scripts, generated from the same argument
//! definitions the binary parses.

use std::io::Write;
use std::process::ExitCode;

use clap::Args;
use clap_complete::Shell;

use super::{CmdResult, Failure, Printer};

pub(crate) const LONG_ABOUT: &str = "\
Print a completion script for SHELL on stdout.

Install it where your shell looks for completions, for example:
  bash        skillpack completions bash > ~/.local/share/bash-completion/completions/skillpack
  zsh         skillpack completions zsh > \"${fpath[1]}/_skillpack\"
  fish        skillpack completions fish > ~/.config/fish/completions/skillpack.fish
  powershell  skillpack completions powershell >> $PROFILE
  elvish      skillpack completions elvish >> ~/.config/elvish/rc.elv";

pub(crate) const EXAMPLES: &str = "\
Examples:
  skillpack completions bash > /etc/bash_completion.d/skillpack
  source <(skillpack completions zsh)";

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to generate for
    #[arg(value_enum, value_name = "SHELL")]
    pub shell: Shell,
}

pub(crate) fn run(_p: &Printer, args: CompletionsArgs) -> CmdResult {
    let mut cmd = super::help::command();
    let mut out = Vec::new();
    clap_complete::generate(args.shell, &mut cmd, "skillpack", &mut out);
    write_stdout(&out)
}

/// Writes `bytes` to stdout; a closed pipe (`| head`) is not an error.
pub(crate) fn write_stdout(bytes: &[u8]) -> CmdResult {
    let mut stdout = std::io::stdout().lock();
    match stdout.write_all(bytes).and_then(|_| stdout.flush()) {
        Ok(()) => Ok(ExitCode::SUCCESS),
        // A closed pipe (`| head`) is not an error worth reporting.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(ExitCode::SUCCESS),
        Err(e) => Err(Failure::new(format!("cannot write to stdout: {e}"))),
    }
}
