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

/// The commands that print text for a shell or man, for which `--json` is refused.
const REFUSE_JSON: &[&str] = &["completions", "man"];

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
        cmd = cmd.mut_subcommand(&name, |mut sub| {
            if REFUSE_JSON.contains(&name.as_str()) {
                // An option of their own, hidden, stands in for the global `--json`: it is
                // still parsed (and refused) but neither shown in their help nor completed.
                sub = sub.arg(
                    clap::Arg::new("json")
                        .long("json")
                        .action(clap::ArgAction::SetTrue)
                        .hide(true),
                );
            }
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
            let scope_given = m
                .subcommand_matches("update")
                .is_some_and(|u| u.value_source("scope") == Some(ValueSource::CommandLine));
            let mut cli = Cli::from_arg_matches_mut(&mut m)?;
            match &mut cli.command {
                Command::Install(args) => args.target.agent_given = given,
                Command::Update(args) => {
                    args.target.agent_given = given;
                    args.target.scope_given = scope_given;
                }
                _ => {}
            }
            Ok(cli)
        })
        .and_then(|cli| refuse_json(&mut cmd, cli));
    parsed.map_err(|e| report(e, &args))
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

/// Reports a clap error: help and version go to stdout as usual (and help for a missing
/// command to stderr, without --json); a usage error is one `error:` line and at most one `hint:` line,
/// like every other failure, and with `--json` also the JSON error document.
fn report(e: clap::Error, args: &[OsString]) -> ExitCode {
    let code = u8::try_from(e.exit_code()).unwrap_or(2);
    let json = wants_json(args);
    let help = match e.kind() {
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => true,
        // With --json, a missing command is an error document like any other.
        ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => !json,
        _ => false,
    };
    if help {
        // Nothing more can be done when stderr itself is gone.
        let _ = e.print();
        return ExitCode::from(code);
    }
    // The command the arguments name, for errors whose text has no usage line.
    let cmd = command();
    let named = args
        .iter()
        .skip(1)
        .take_while(|a| *a != "--")
        .find_map(|a| cmd.find_subcommand(a).map(|c| c.get_name().to_string()));
    let (message, hint) = one_line(&e.render().to_string(), named.as_deref());
    let printer = Printer::new(&GlobalArgs {
        json,
        quiet: false,
        verbose: 0,
        color: color_choice(args),
    });
    printer.failure(&Failure {
        kind: Some("usage".into()),
        ..Failure::usage(message).hint(hint)
    });
    ExitCode::from(code)
}

/// clap's rendering of a usage error as one message and one hint: the `error:` paragraph
/// joined into a line; clap's tips (a similar subcommand, value or option), else the
/// command whose `--help` shows the usage.
fn one_line(text: &str, named: Option<&str>) -> (String, String) {
    let lines: Vec<&str> = text.lines().map(str::trim).collect();
    let message = match lines.iter().position(|l| l.starts_with("error: ")) {
        Some(at) => {
            let mut parts = vec![lines[at].trim_start_matches("error: ")];
            parts.extend(lines[at + 1..].iter().take_while(|l| !l.is_empty()));
            parts.join(" ")
        }
        None => "a command is required".into(),
    };
    let tips: Vec<&str> = lines
        .iter()
        .filter_map(|l| l.strip_prefix("tip: "))
        .collect();
    let hint = if tips.is_empty() {
        // `Usage: skillpack install [OPTIONS] …`: the command's own words.
        let words: Vec<&str> = lines
            .iter()
            .find_map(|l| l.strip_prefix("Usage: "))
            .map(|u| {
                u.split_whitespace()
                    .take_while(|w| !w.starts_with(['[', '<']))
                    .collect()
            })
            .unwrap_or_else(|| ["skillpack"].into_iter().chain(named).collect());
        format!("`{} --help` shows the usage", words.join(" "))
    } else {
        tips.join("; ")
    };
    (message, hint)
}

/// `--color WHEN` as given, though the arguments did not parse.
fn color_choice(args: &[OsString]) -> ColorChoice {
    let mut given = None;
    let mut next_is_value = false;
    for a in args.iter().skip(1).take_while(|a| *a != "--") {
        let a = a.to_string_lossy();
        let value = if next_is_value {
            Some(&*a)
        } else {
            a.strip_prefix("--color=")
        };
        next_is_value = a == "--color";
        match value {
            Some("never") => given = Some(ColorChoice::Never),
            Some("always") => given = Some(ColorChoice::Always),
            Some("auto") => given = Some(ColorChoice::Auto),
            _ => {}
        }
    }
    given.unwrap_or(ColorChoice::Auto)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_usage_error_is_one_message_and_one_hint() {
        let text = "error: unrecognized subcommand 'instal'\n\n  tip: a similar subcommand exists: 'install'\n\nUsage: skillpack [OPTIONS] <COMMAND>\n\nFor more information, try '--help'.\n";
        let (message, hint) = one_line(text, None);
        assert_eq!(message, "unrecognized subcommand 'instal'");
        assert_eq!(hint, "a similar subcommand exists: 'install'");
        let text = "error: the following required arguments were not provided:\n  <NAMES>...\n\nUsage: skillpack uninstall <NAMES>...\n\nFor more information, try '--help'.\n";
        let (message, hint) = one_line(text, Some("uninstall"));
        assert_eq!(
            message,
            "the following required arguments were not provided: <NAMES>..."
        );
        assert_eq!(hint, "`skillpack uninstall --help` shows the usage");
        let text = "error: invalid value 'galaxy' for '--scope <SCOPE>'\n  [possible values: user, project]\n\nFor more information, try '--help'.\n";
        let (message, hint) = one_line(text, Some("install"));
        assert_eq!(
            message,
            "invalid value 'galaxy' for '--scope <SCOPE>' [possible values: user, project]"
        );
        assert_eq!(hint, "`skillpack install --help` shows the usage");
    }
}
