//! Commands: each turns parsed arguments into library calls and renders the result.
//! This is the only module that prints.

pub(crate) mod agents;
pub(crate) mod agents_cmd;
pub(crate) mod choose;
pub(crate) mod companions;
pub(crate) mod companions_table;
pub(crate) mod completions;
pub(crate) mod doctor;
pub(crate) mod failure;
pub(crate) mod fetch;
pub(crate) mod help;
pub(crate) mod import;
pub(crate) mod install;
pub(crate) mod install_args;
pub(crate) mod key;
pub(crate) mod list;
pub(crate) mod lock_hold;
pub(crate) mod man;
pub(crate) mod offer;
pub(crate) mod origin;
pub(crate) mod output;
pub(crate) mod pack;
pub(crate) mod password;
pub(crate) mod picker;
pub(crate) mod pipeline;
pub(crate) mod progress;
pub(crate) mod project;
pub(crate) mod raw;
pub(crate) mod restore;
pub(crate) mod settings;
pub(crate) mod size;
pub(crate) mod source_hints;
pub(crate) mod source_list;
pub(crate) mod sync;
pub(crate) mod sync_apply;
pub(crate) mod sync_args;
pub(crate) mod sync_check;
pub(crate) mod sync_fetch;
pub(crate) mod trust;
pub(crate) mod uninstall;
pub(crate) mod update;
pub(crate) mod update_fetch;
pub(crate) mod update_locked;
pub(crate) mod update_project;
pub(crate) mod update_renew;
pub(crate) mod update_table;
pub(crate) mod validate;
pub(crate) mod verify;
pub(crate) mod workflow;

use std::process::ExitCode;

use clap::ValueEnum;
use skillpack::agents::{Env, GithubEnv, Scope};
use skillpack::install::{CommitOptions, Root};
use skillpack::skill::Profile;

use crate::{Cli, Command, ScopeArg, TargetArgs};
pub(crate) use output::Printer;

/// A failure to report: the message, an optional hint, and the exit code.
#[derive(Debug)]
pub(crate) struct Failure {
    pub message: String,
    pub hint: Option<String>,
    pub code: u8,
    /// A stable id for `--json` consumers (e.g. a refusal rule).
    pub kind: Option<String>,
}

impl Failure {
    pub(crate) fn new(message: impl Into<String>) -> Failure {
        Failure {
            message: message.into(),
            hint: None,
            code: 1,
            kind: None,
        }
    }

    pub(crate) fn hint(mut self, hint: impl Into<String>) -> Failure {
        self.hint = Some(hint.into());
        self
    }

    /// Ctrl-C at a prompt: exit status 130, as a shell reports an interrupted command.
    pub(crate) fn interrupted(message: impl Into<String>) -> Failure {
        Failure {
            code: picker::INTERRUPTED,
            kind: Some("interrupted".into()),
            ..Failure::new(message)
        }
    }

    pub(crate) fn usage(message: impl Into<String>) -> Failure {
        Failure {
            code: 2,
            ..Failure::new(message)
        }
    }
}

pub(crate) type CmdResult = Result<ExitCode, Failure>;

pub(crate) fn run(cli: Cli) -> ExitCode {
    let printer = Printer::new(&cli.global);
    let result = match cli.command {
        Command::Install(args) => install::run(&printer, args),
        Command::List(args) => list::run(&printer, args),
        Command::Verify(args) => verify::run(&printer, args),
        Command::Uninstall(args) => uninstall::run(&printer, args),
        Command::Update(args) => update::run(&printer, args),
        Command::Companions(args) => companions::run(&printer, args),
        Command::Validate(args) => validate::run(&printer, args),
        Command::Pack(args) => pack::run(&printer, args),
        Command::Agents(args) => agents_cmd::run(&printer, args),
        Command::Key(args) => key::run(&printer, args),
        Command::Sync(args) => sync::run(&printer, args),
        Command::Lock(args) => project::run(&printer, args),
        Command::Completions(args) => completions::run(&printer, args),
        Command::Doctor(args) => doctor::run(&printer, args),
        Command::Man(args) => man::run(&printer, args),
    };
    match result {
        Ok(code) => code,
        Err(f) => {
            printer.failure(&f);
            ExitCode::from(f.code)
        }
    }
}

/// `--profile`: which validation rules decide what is an error (`validate` and `pack`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ProfileArg {
    Spec,
    ClaudeCode,
    Codex,
    GeminiCli,
    Upload,
}

impl From<ProfileArg> for Profile {
    fn from(p: ProfileArg) -> Profile {
        match p {
            ProfileArg::Spec => Profile::Spec,
            ProfileArg::ClaudeCode => Profile::ClaudeCode,
            ProfileArg::Codex => Profile::Codex,
            ProfileArg::GeminiCli => Profile::GeminiCli,
            ProfileArg::Upload => Profile::Upload,
        }
    }
}

impl From<ScopeArg> for Scope {
    fn from(s: ScopeArg) -> Scope {
        match s {
            ScopeArg::User => Scope::User,
            ScopeArg::Project => Scope::Project,
        }
    }
}

/// The agents' view of the environment, from the settings read at start-up.
pub(crate) fn process_env() -> Result<Env, Failure> {
    let s = settings::get();
    let cwd = s
        .cwd
        .clone()
        .map_err(|e| Failure::new(format!("cannot read the current folder: {e}")))?;
    Ok(Env::new(s.home.clone(), s.var_os("CLAUDE_CONFIG_DIR"), cwd)
        .with_xdg_config(s.var_os("XDG_CONFIG_HOME"))
        .with_github(
            GithubEnv::new(
                s.var_os("GITHUB_STEP_SUMMARY"),
                s.var("GITHUB_SERVER_URL"),
                s.var("GITHUB_REPOSITORY"),
                s.var("GITHUB_SHA"),
            )
            .with_workspace(s.var_os("GITHUB_WORKSPACE")),
        ))
}

/// Where dry runs and other throw-away work unpack: the temporary folder.
pub(crate) fn scratch_dir() -> std::path::PathBuf {
    settings::get().temp.clone()
}

/// How commits are made. Debug builds (the ones the test suite runs) honour
/// `SKILLPACK_TEST_COMMIT=move-aside` (the commit path of systems without an atomic
/// exchange) and `SKILLPACK_TEST_CRASH=between-renames|before-record` (abort at that
/// instant, as a crash would); release builds ignore both.
pub(crate) fn commit_options() -> CommitOptions {
    #[cfg(debug_assertions)]
    {
        let var = |name: &str| settings::get().var(name).unwrap_or_default();
        CommitOptions {
            move_aside: var("SKILLPACK_TEST_COMMIT") == "move-aside",
            crash_at: match var("SKILLPACK_TEST_CRASH").as_str() {
                "between-renames" => Some(skillpack::install::CrashPoint::BetweenRenames),
                "before-record" => Some(skillpack::install::CrashPoint::BeforeRecord),
                _ => None,
            },
        }
    }
    #[cfg(not(debug_assertions))]
    CommitOptions::default()
}

/// The first skills root the target arguments name, which must exist when given with
/// `--dir` (see [`agents::existing_roots`]).
pub(crate) fn target_root(env: &Env, target: &TargetArgs) -> Result<Root, Failure> {
    let mut roots = agents::existing_roots(env, target)?;
    Ok(roots.remove(0).root)
}

/// `text` padded with spaces to `width` terminal columns (wide characters count twice).
pub(crate) fn pad(text: &str, width: usize) -> String {
    let used = console::measure_text_width(text);
    format!("{text}{}", " ".repeat(width.saturating_sub(used)))
}

/// `text` cut to `width` terminal columns, ending in `…` when it had to be cut (colours
/// kept intact).
pub(crate) fn fit(text: &str, width: usize) -> String {
    console::truncate_str(text, width, "…").into_owned()
}

/// The widest of `texts` in terminal columns, at least `min`.
pub(crate) fn column_width<'a>(texts: impl IntoIterator<Item = &'a str>, min: usize) -> usize {
    texts
        .into_iter()
        .map(console::measure_text_width)
        .max()
        .unwrap_or(0)
        .max(min)
}

/// `n word` or `n words`.
pub(crate) fn plural(n: usize, word: &str) -> String {
    format!("{n} {word}{}", if n == 1 { "" } else { "s" })
}

/// A command for the user to run, each word shell-quoted. The value of an option that
/// begins with `-` (a skill folder named `-rf`) is joined to its option (`--skill=-rf`),
/// so that it is not read as an option of its own.
pub(crate) fn command<'a>(words: impl IntoIterator<Item = &'a str>) -> String {
    const TAKES_VALUE: &[&str] = &[
        "--skill",
        "--dir",
        "--agent",
        "--scope",
        "--index",
        "--trusted-key",
        "--sha256",
        "--lock",
        "--from",
    ];
    let mut out: Vec<std::borrow::Cow<'a, str>> = Vec::new();
    let mut words = words.into_iter().peekable();
    while let Some(word) = words.next() {
        match words.peek() {
            Some(value) if TAKES_VALUE.contains(&word) && value.starts_with('-') => {
                out.push(format!("{word}={value}").into());
                words.next();
            }
            _ => out.push(word.into()),
        }
    }
    skillpack::text::shell_command(out.iter().map(|w| w.as_ref()))
}

/// `path` made absolute from the current folder, `.` and `..` steps taken, for messages
/// (which write the home folder `~`); as it is when the current folder cannot be read.
pub(crate) fn absolute(path: &std::path::Path) -> std::path::PathBuf {
    let Ok(full) = std::path::absolute(path) else {
        return path.to_path_buf();
    };
    let mut clean = std::path::PathBuf::new();
    for part in full.components() {
        match part {
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir => {
                clean.pop();
            }
            other => clean.push(other),
        }
    }
    clean
}

/// `path` as one word of a command to paste: `~/…` when it is under the home folder and
/// the rest needs no quoting (a quoted `~` would not expand), else the absolute path,
/// quoted as needed.
pub(crate) fn path_word(path: &std::path::Path) -> String {
    if let Some(home) = settings::get()
        .home
        .as_deref()
        .filter(|h| h.as_os_str().len() > 1)
        && let Ok(rest) = path.strip_prefix(home)
        && let Some(rest) = rest.to_str()
        && !rest.is_empty()
        && skillpack::text::shell_quote(rest) == rest
    {
        return format!("~/{rest}");
    }
    skillpack::text::shell_quote(&path.to_string_lossy()).into_owned()
}

/// Shortens a path under the home folder to `~/…` for display.
pub(crate) fn display_path(env: &Env, p: &std::path::Path) -> String {
    if let Some(home) = &env.home
        && let Ok(rest) = p.strip_prefix(home)
    {
        return format!("~/{}", rest.display());
    }
    p.display().to_string()
}
