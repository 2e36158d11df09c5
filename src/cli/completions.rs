//! `skillpack completions`: shell completion scripts. The script calls skillpack back at
//! each <TAB>, so it completes what only the binary knows: the names of installed skills
//! and of the catalog, besides the commands and options.

use std::ffi::OsStr;
use std::io::Write;
use std::process::ExitCode;

use clap::Args;
use clap_complete::engine::{
    ArgValueCandidates, ArgValueCompleter, CompletionCandidate, PathCompleter, ValueCompleter,
};
use clap_complete::env::{Bash, Elvish, EnvCompleter, Fish, Powershell, Zsh};
use clap_complete::{CompleteEnv, Shell};

use skillpack::agents::{Agent, Scope};
use skillpack::install::{self, Root};
use skillpack::source::catalog;

use super::{CmdResult, Failure, Printer};

/// The environment variable through which a completion script asks skillpack for
/// candidates; unset (as in every ordinary run), skillpack only looks it up and goes on.
pub(crate) const VAR: &str = "SKILLPACK_COMPLETE";

pub(crate) const LONG_ABOUT: &str = "\
Print a completion script for SHELL on stdout.

The script asks skillpack for candidates at each <TAB>, so besides commands and options it
completes the names of installed skills (uninstall, verify, update, companions; in the
folder the --dir, --scope and --agent typed so far name) and catalog names and paths
(install; with the names of an --index that is a local file). Nothing is fetched over the
network while completing. Load it from your shell's start-up file, so that it always
matches the installed skillpack:
  bash        echo 'source <(skillpack completions bash)' >> ~/.bashrc
  zsh         echo 'source <(skillpack completions zsh)' >> ~/.zshrc
  fish        echo 'skillpack completions fish | source' >> ~/.config/fish/config.fish
  powershell  Add-Content $PROFILE 'skillpack completions powershell | Out-String | Invoke-Expression'
  elvish      echo 'eval (skillpack completions elvish | slurp)' >> ~/.config/elvish/rc.elv

The script runs the same skillpack that printed it (by its path when it was started by
path, else `skillpack` from PATH) with SKILLPACK_COMPLETE set to the shell's name.";

pub(crate) const EXAMPLES: &str = "\
Examples:
  source <(skillpack completions bash)
  skillpack completions fish > ~/.config/fish/completions/skillpack.fish";

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to generate for
    #[arg(value_enum, value_name = "SHELL")]
    pub shell: Shell,
}

/// Answers a completion request from a script `completions` printed, and exits; in any
/// other run it returns at once, having read one environment variable.
pub(crate) fn answer_if_asked() {
    CompleteEnv::with_factory(|| with_candidates(super::help::command()))
        .var(VAR)
        .bin("skillpack")
        .complete();
}

pub(crate) fn run(_p: &Printer, args: CompletionsArgs) -> CmdResult {
    let shell: &dyn EnvCompleter = match args.shell {
        Shell::Bash => &Bash,
        Shell::Zsh => &Zsh,
        Shell::Fish => &Fish,
        Shell::PowerShell => &Powershell,
        Shell::Elvish => &Elvish,
        other => {
            return Err(Failure::usage(format!("no completion script for {other}")));
        }
    };
    let mut out = Vec::new();
    shell
        .write_registration(VAR, "skillpack", "skillpack", &completer(), &mut out)
        .map_err(|e| Failure::new(format!("cannot write the completion script: {e}")))?;
    write_stdout(&out)
}

/// The program the script calls: this one by its absolute path when it was started by
/// path, else `skillpack`, found on PATH.
fn completer() -> String {
    let arg0 = std::env::args_os().next().unwrap_or_default();
    let path = std::path::Path::new(&arg0);
    if path.components().count() > 1 {
        let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
        return absolute.to_string_lossy().into_owned();
    }
    "skillpack".to_string()
}

/// `cmd` with the value candidates of each command's NAME and SOURCE arguments.
fn with_candidates(cmd: clap::Command) -> clap::Command {
    let installed = || ArgValueCandidates::new(installed_names);
    cmd.mut_subcommand("uninstall", |c| c.mut_arg("names", |a| a.add(installed())))
        .mut_subcommand("verify", |c| c.mut_arg("names", |a| a.add(installed())))
        .mut_subcommand("update", |c| c.mut_arg("names", |a| a.add(installed())))
        .mut_subcommand("companions", |c| {
            c.mut_arg("name", |a| a.add(ArgValueCandidates::new(known_names)))
        })
        .mut_subcommand("install", |c| {
            c.mut_arg("sources", |a| {
                a.add(ArgValueCompleter::new(source_candidates))
            })
        })
}

/// The words of the command line being completed, as the script passes them after `--`
/// (the program's name first), without the word being completed; empty in any other run.
fn typed_words() -> Vec<String> {
    let args: Vec<String> = std::env::args_os()
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    let Some(at) = args.iter().position(|a| a == "--") else {
        return Vec::new();
    };
    let mut words: Vec<String> = args[at + 1..].iter().skip(1).cloned().collect();
    words.pop();
    words
}

/// The last value given to `flag` among `words`, as `--flag VALUE` or `--flag=VALUE`.
fn flag_value(words: &[String], flag: &str) -> Option<String> {
    let mut value = None;
    let mut it = words.iter();
    while let Some(w) = it.next() {
        if w == flag {
            value = it.next().cloned();
        } else if let Some(v) = w.strip_prefix(flag).and_then(|r| r.strip_prefix('=')) {
            value = Some(v.to_string());
        }
    }
    value
}

/// The skills roots the typed `--dir`, `--scope` and `--agent` name; `None` when none of
/// them was typed (and none when they name no root that exists).
fn typed_roots(env: &skillpack::agents::Env, words: &[String]) -> Option<Vec<Root>> {
    use clap::{Args as _, FromArgMatches as _};
    let mut argv = vec!["skillpack".to_string()];
    for flag in ["--dir", "--scope", "--agent"] {
        if let Some(v) = flag_value(words, flag) {
            argv.extend([flag.to_string(), v]);
        }
    }
    if argv.len() == 1 {
        return None;
    }
    let target = crate::TargetArgs::augment_args(clap::Command::new("skillpack"))
        .try_get_matches_from(argv)
        .ok()
        .and_then(|m| crate::TargetArgs::from_arg_matches(&m).ok());
    let roots = target.and_then(|t| super::agents::existing_roots(env, &t).ok());
    Some(roots.into_iter().flatten().map(|t| t.root).collect())
}

/// The skills skillpack installed in the roots the typed `--dir`/`--scope`/`--agent`
/// name; without them, for every agent, in the user's and this project's roots.
fn installed_names() -> Vec<CompletionCandidate> {
    let Ok(env) = super::process_env() else {
        return Vec::new();
    };
    let mut names: Vec<String> = Vec::new();
    if let Some(roots) = typed_roots(&env, &typed_words()) {
        for root in roots {
            if let Ok(lock) = install::read_lock(&root) {
                names.extend(lock.skills.into_keys());
            }
        }
        names.sort();
        names.dedup();
        return names.into_iter().map(CompletionCandidate::new).collect();
    }
    let mut seen = std::collections::BTreeSet::new();
    for agent in Agent::all() {
        let (project, rel) = env.project_root(agent);
        let roots = env
            .skills_root(agent, Scope::User)
            .map(Root::new)
            .into_iter()
            .chain([Root::within(project, rel)]);
        for root in roots {
            // Several agents share a folder: each is read once.
            if !seen.insert(root.dir.clone()) || !root.dir.is_dir() {
                continue;
            }
            if let Ok(lock) = install::read_lock(&root) {
                names.extend(lock.skills.into_keys());
            }
        }
    }
    names.sort();
    names.dedup();
    names.into_iter().map(CompletionCandidate::new).collect()
}

fn catalog_names() -> Vec<CompletionCandidate> {
    catalog::ENTRIES
        .iter()
        .map(|e| CompletionCandidate::new(e.name).help(Some(e.description.into())))
        .collect()
}

/// Installed skills, then the catalog's, each once.
fn known_names() -> Vec<CompletionCandidate> {
    let mut out = installed_names();
    for c in catalog_names() {
        if !out.iter().any(|o| o.get_value() == c.get_value()) {
            out.push(c);
        }
    }
    out
}

/// The names of the typed `--index` when it is a file on this machine (a path, or a
/// `file://` URL). An index on the network is never fetched while completing: a <TAB>
/// must answer at once and send nothing anywhere.
fn typed_index_names() -> Vec<CompletionCandidate> {
    let Some(index) = flag_value(&typed_words(), "--index") else {
        return Vec::new();
    };
    let path = match index.strip_prefix("file://") {
        Some(path) => path.to_string(),
        None if index.contains("://") => return Vec::new(),
        None => index,
    };
    // A regular file only (a FIFO is never waited on: a <TAB> answers at once), capped.
    let Ok(Some(bytes)) =
        skillpack::durable::read_regular(std::path::Path::new(&path), true, 16 << 20)
    else {
        return Vec::new();
    };
    let Ok(index) = skillpack::bundle::index::Index::from_json(&bytes) else {
        return Vec::new();
    };
    index
        .skills
        .into_iter()
        .filter(|e| skillpack::skill::is_valid_name(&e.name))
        .map(|e| CompletionCandidate::new(e.name).help(Some(e.description.into())))
        .collect()
}

/// What `install` takes: the names of a local `--index` and the catalog's starting with
/// `current`, and paths.
fn source_candidates(current: &OsStr) -> Vec<CompletionCandidate> {
    let prefix = current.to_string_lossy();
    let mut out: Vec<CompletionCandidate> = Vec::new();
    for c in typed_index_names().into_iter().chain(catalog_names()) {
        if c.get_value().to_string_lossy().starts_with(prefix.as_ref())
            && !out.iter().any(|o| o.get_value() == c.get_value())
        {
            out.push(c);
        }
    }
    out.extend(PathCompleter::any().complete(current));
    out
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
