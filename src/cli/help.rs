//! The command definition as users see it: option headings, pointers to the man pages, and
//! how usage errors are reported (with `--json`, as a JSON error document too).

use std::ffi::OsString;
use std::process::ExitCode;

use clap::error::ErrorKind;
use clap::parser::ValueSource;
use clap::{Args, CommandFactory, FromArgMatches};

use super::{Failure, Printer};
use crate::{Cli, ColorChoice, Command, GlobalArgs};

/// Option headings, beyond the ones the shared argument groups set themselves.
const HEADINGS: &[(&str, &str)] = &[
    ("sha256", "What to install"),
    ("skills", "What to install"),
    ("with_companions", "What to install"),
    ("no_companions", "What to install"),
    ("depth", "What to install"),
    ("out", "Where"),
    ("format", "Output"),
    ("max_annotations", "Output"),
    ("skill_files", "Output"),
];

/// The full command line definition: what is parsed, completed and documented.
pub(crate) fn command() -> clap::Command {
    let top_help = format!(
        "{}\n\nDocumentation: man skillpack, and one page per command: man skillpack-install \
         (or skillpack man install).",
        crate::EXAMPLES
    );
    let mut cmd = Cli::command().after_help(top_help);
    let names: Vec<String> = cmd
        .get_subcommands()
        .map(|s| s.get_name().to_string())
        .collect();
    let shared = shared_ids();
    for name in names {
        cmd = cmd.mut_subcommand(&name, |sub| {
            let more = format!("More: man skillpack-{name} (or skillpack man {name})");
            let after = match sub.get_after_help() {
                Some(text) => format!("{text}\n\n{more}"),
                None => more,
            };
            sub.after_help(after).mut_args(|arg| {
                match HEADINGS.iter().find(|(id, _)| arg.get_id() == *id) {
                    Some((_, heading)) => arg.help_heading(*heading),
                    // A flattened group's heading carries over to the options after it.
                    None if !shared.iter().any(|id| arg.get_id() == id.as_str()) => {
                        arg.help_heading(None::<&'static str>)
                    }
                    None => arg,
                }
            })
        });
    }
    cmd
}

/// The ids of the options the shared groups define, with their own headings.
fn shared_ids() -> Vec<String> {
    let groups = clap::Command::new("groups");
    let groups = crate::TargetArgs::augment_args(groups);
    let groups = crate::FetchArgs::augment_args(groups);
    crate::GlobalArgs::augment_args(groups)
        .get_arguments()
        .map(|a| a.get_id().to_string())
        .collect()
}

/// Parses the process arguments; a usage error is reported here and its exit code returned.
pub(crate) fn parse() -> Result<Cli, ExitCode> {
    let args: Vec<OsString> = std::env::args_os().collect();
    let mut cmd = command();
    let parsed = cmd
        .try_get_matches_from_mut(&args)
        .and_then(|mut m| {
            let given = ["install", "update"].iter().any(|c| {
                m.subcommand_matches(c)
                    .is_some_and(|i| i.value_source("agent") == Some(ValueSource::CommandLine))
            });
            let mut cli = Cli::from_arg_matches_mut(&mut m)?;
            match &mut cli.command {
                Command::Install(args) => args.target.agent_given = given,
                Command::Update(args) => args.target.agent_given = given,
                _ => {}
            }
            Ok(cli)
        })
        .and_then(|cli| refuse_json(&mut cmd, cli));
    parsed.map_err(|e| report(e, wants_json(&args)))
}

/// `completions` and `man` print a script or roff: `--json` has no meaning there.
fn refuse_json(cmd: &mut clap::Command, cli: Cli) -> Result<Cli, clap::Error> {
    let name = match cli.command {
        Command::Completions(_) => "completions",
        Command::Man(_) => "man",
        _ => return Ok(cli),
    };
    if !cli.global.json {
        return Ok(cli);
    }
    let sub = cmd
        .find_subcommand_mut(name)
        .expect("the subcommand exists");
    Err(sub.error(
        ErrorKind::ArgumentConflict,
        format!("--json cannot be used with `skillpack {name}`: it prints text for a shell or man"),
    ))
}

/// Whether `--json` was given (before any `--`), even though the arguments did not parse.
fn wants_json(args: &[OsString]) -> bool {
    args.iter()
        .skip(1)
        .take_while(|a| *a != "--")
        .any(|a| a == "--json")
}

/// Prints a clap error (help and version go to stdout as usual) and returns its exit code.
/// With `--json`, a usage error is the same JSON error document as any other failure.
fn report(e: clap::Error, json: bool) -> ExitCode {
    let code = u8::try_from(e.exit_code()).unwrap_or(2);
    let informational = matches!(e.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion);
    if !json || informational {
        // Nothing more can be done when stderr itself is gone.
        let _ = e.print();
        return ExitCode::from(code);
    }
    let text = e.render().to_string();
    let mut lines = text.lines().map(str::trim);
    let message = lines
        .clone()
        .find_map(|l| l.strip_prefix("error: "))
        .unwrap_or("a command is required")
        .to_string();
    let hint = lines
        .find_map(|l| l.strip_prefix("tip: "))
        .map(str::to_string)
        .unwrap_or_else(|| "run `skillpack --help` for the commands and options".into());
    let printer = Printer::new(&GlobalArgs {
        json: true,
        quiet: false,
        verbose: 0,
        color: ColorChoice::Auto,
    });
    printer.failure(&Failure {
        kind: Some("usage".into()),
        ..Failure::usage(message).hint(hint)
    });
    ExitCode::from(code)
}
