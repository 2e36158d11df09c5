//! `skillpack man`: the man pages, skillpack(1) and one skillpack-COMMAND(1) per command,
//! generated from the same definitions the binary parses, with the sections clap does not
//! know (EXAMPLES laid out as written, ENVIRONMENT, FILES, EXIT STATUS).

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;
use clap_mangen::Man;
use roff::{Roff, bold, roman};

use super::completions::write_stdout;
use super::{CmdResult, Failure, Printer};

pub(crate) const LONG_ABOUT: &str = "\
Print a man page (roff) on stdout: skillpack(1), or skillpack-COMMAND(1) for one command.
With --out DIR, write every page into DIR instead (skillpack.1, skillpack-install.1, …).";

pub(crate) const EXAMPLES: &str = "\
Examples:
  skillpack man install | man -l -             read skillpack-install(1) without installing it
  skillpack man --out /usr/local/share/man/man1";

#[derive(Debug, Args)]
pub struct ManArgs {
    /// The command whose page to print (default: the skillpack(1) overview)
    #[arg(value_name = "COMMAND")]
    pub command: Option<String>,

    /// Write every page into DIR (created if missing) instead of printing one
    #[arg(long, value_name = "DIR", conflicts_with = "command")]
    pub out: Option<PathBuf>,
}

/// Environment variables skillpack reads, with what each one does.
const ENVIRONMENT: &[(&str, &str)] = &[
    (
        "SKILLPACK_INDEX",
        "A remote catalog to resolve names through, as --index.",
    ),
    (
        "SKILLPACK_CACHE_DIR",
        "The download cache (default: the platform cache folder).",
    ),
    (
        "SKILLPACK_GITHUB_URL",
        "A mirror of https://codeload.github.com for owner/repo sources.",
    ),
    (
        "SKILLPACK_HTTP_TIMEOUT",
        "Seconds a download may stall (default 30), and at most the wait for a connection (15 s by default).",
    ),
    (
        "SKILLPACK_HTTP_DEADLINE",
        "Seconds a whole download may take (default 900).",
    ),
    (
        "SKILLPACK_HTTP_MIN_RATE",
        "Bytes per second a download must average (default 100).",
    ),
    (
        "SKILLPACK_RETRY_BASE_MS",
        "The first delay between retries, in milliseconds.",
    ),
    (
        "HTTPS_PROXY",
        "A proxy for HTTPS requests (NO_PROXY lists hosts to reach directly).",
    ),
    (
        "CLAUDE_CONFIG_DIR",
        "Claude Code's folder: user skills go to $CLAUDE_CONFIG_DIR/skills.",
    ),
    (
        "NO_COLOR",
        "When set and not empty, --color auto prints no colour.",
    ),
    (
        "SOURCE_DATE_EPOCH",
        "pack: the timestamp of every zip entry (default 1980-01-01).",
    ),
    (
        "GITHUB_STEP_SUMMARY",
        "validate: a Markdown summary is appended to this file in CI.",
    ),
    (
        "SKILLPACK_TRUSTED_KEYS",
        "Minisign public keys (or .pub files) to trust, comma- or space-separated, as --trusted-key.",
    ),
    (
        "SKILLPACK_COMPLETE",
        "Set by the completion scripts (skillpack completions SHELL) to ask for candidates.",
    ),
];

const FILES: &[(&str, &str)] = &[
    (
        "~/.claude/skills/NAME/",
        "A skill installed for Claude Code (--agent, --scope and --dir choose the root).",
    ),
    (
        "ROOT/.skillpack/lock.json",
        "What skillpack installed in the skills root ROOT: source, version, tree digest, each file's SHA-256.",
    ),
    (
        "ROOT/.skillpack/declined.json",
        "The companion skills declined in ROOT, so that later installs do not offer them again (removing it brings the offers back).",
    ),
    (
        "ROOT/.skillpack/staging/",
        "Where bundles are unpacked and checked before the swap into ROOT/NAME.",
    ),
    (
        "PROJECT/skillpack.lock",
        "The skills a project uses, committed with it: written by install and uninstall at project scope, restored by sync.",
    ),
    (
        "~/.cache/skillpack/",
        "Downloaded archives, by SHA-256, and the commits fetched from git repositories (SKILLPACK_CACHE_DIR; ~/Library/Caches/skillpack on macOS, %LOCALAPPDATA%\\skillpack on Windows).",
    ),
];

const EXIT_STATUS: &str = "0 success; 1 the operation failed or validation found errors; 2 usage error \
(an unknown command, option or value, an environment variable out of range, or a PATH or \
--dir that does not exist); 130 interrupted with Ctrl-C at a prompt.";

pub(crate) fn run(_p: &Printer, args: ManArgs) -> CmdResult {
    let top = top_command();
    if let Some(dir) = &args.out {
        std::fs::create_dir_all(dir).map_err(|e| {
            Failure::new(format!("cannot create `{}`: {e}", dir.display()))
                .hint("choose another --out folder")
        })?;
        for (file, page) in all_pages(&top)? {
            let path = dir.join(&file);
            std::fs::write(&path, page)
                .map_err(|e| Failure::new(format!("cannot write `{}`: {e}", path.display())))?;
        }
        return Ok(ExitCode::SUCCESS);
    }
    let page = match args.command.as_deref() {
        None => render(&top, None)?,
        Some(name) => {
            let sub = top
                .get_subcommands()
                .find(|s| s.get_name() == name || s.get_all_aliases().any(|a| a == name))
                .filter(|s| s.get_name() != "help")
                .ok_or_else(|| {
                    Failure::usage(format!("no such command: `{name}`"))
                        .hint(format!("commands: {}", names(&top).join(", ")))
                })?;
            render(sub, Some(sub.get_name()))?
        }
    };
    write_stdout(&page)
}

/// Every page as (file name, roff): skillpack.1, then skillpack-COMMAND.1 for each command.
pub(crate) fn all_pages(top: &clap::Command) -> Result<Vec<(String, Vec<u8>)>, Failure> {
    let mut pages = vec![("skillpack.1".to_string(), render(top, None)?)];
    for name in names(top) {
        let sub = top.find_subcommand(&name).expect("listed above");
        pages.push((format!("skillpack-{name}.1"), render(sub, Some(&name))?));
    }
    Ok(pages)
}

/// The command definition with global options propagated into every command.
fn top_command() -> clap::Command {
    let mut cmd = super::help::command();
    cmd.build();
    cmd
}

fn names(top: &clap::Command) -> Vec<String> {
    top.get_subcommands()
        .map(|s| s.get_name().to_string())
        .filter(|n| n != "help")
        .collect()
}

/// One page: clap_mangen's title, NAME, SYNOPSIS, DESCRIPTION and OPTIONS (and COMMANDS
/// on the top page), then the sections written here.
fn render(cmd: &clap::Command, sub: Option<&str>) -> Result<Vec<u8>, Failure> {
    let title = sub.map_or("skillpack".to_string(), |n| format!("skillpack-{n}"));
    let man = Man::new(cmd.clone().after_help("").after_long_help(""))
        .title(title)
        .source(format!("skillpack {}", env!("CARGO_PKG_VERSION")))
        .manual("skillpack manual");
    let mut out = Vec::new();
    let fail = |e: std::io::Error| Failure::new(format!("cannot render the man page: {e}"));
    man.render_title(&mut out).map_err(fail)?;
    man.render_name_section(&mut out).map_err(fail)?;
    man.render_synopsis_section(&mut out).map_err(fail)?;
    description(cmd).to_writer(&mut out).map_err(fail)?;
    man.render_options_section(&mut out).map_err(fail)?;
    if sub.is_none() {
        man.render_subcommands_section(&mut out).map_err(fail)?;
    }
    sections(cmd, sub).to_writer(&mut out).map_err(fail)?;
    Ok(out)
}

/// DESCRIPTION from the long help: prose is filled, a paragraph with indented lines (a
/// table, a list of commands) is kept as written.
fn description(cmd: &clap::Command) -> Roff {
    let text = cmd
        .get_long_about()
        .or(cmd.get_about())
        .map(|s| s.to_string())
        .unwrap_or_default();
    let mut roff = Roff::default();
    roff.control("SH", ["DESCRIPTION"]);
    for (i, para) in text.split("\n\n").enumerate() {
        if i > 0 {
            roff.control("PP", []);
        }
        if para.lines().any(|l| l.starts_with(' ')) {
            roff.control("nf", []);
            for line in para.lines() {
                roff.text([roman(line)]);
            }
            roff.control("fi", []);
        } else {
            roff.text([roman(para.replace('\n', " "))]);
        }
    }
    roff
}

/// EXAMPLES (from the help's examples, line for line), ENVIRONMENT, FILES, EXIT STATUS and
/// SEE ALSO.
fn sections(cmd: &clap::Command, sub: Option<&str>) -> Roff {
    let after = cmd
        .get_after_help()
        .map(|s| s.to_string())
        .unwrap_or_default();
    let mut examples = Vec::new();
    let mut exit_status = EXIT_STATUS.to_string();
    for para in after.split("\n\n") {
        let mut lines = para.lines();
        match lines.next().unwrap_or("") {
            "Examples:" => examples.extend(lines.map(|l| l.strip_prefix("  ").unwrap_or(l))),
            first if first.starts_with("Exit codes:") => {
                exit_status = para
                    .trim_start_matches("Exit codes:")
                    .trim()
                    .replace('\n', " ");
            }
            first if first.starts_with("More:") || first.starts_with("Documentation:") => {}
            _ => {
                examples.push("");
                examples.extend(para.lines());
            }
        }
    }
    let mut roff = Roff::default();
    if !examples.is_empty() {
        roff.control("SH", ["EXAMPLES"])
            .control("nf", [])
            .control("RS", ["2"]);
        for line in examples {
            roff.text([roman(line)]);
        }
        roff.control("RE", []).control("fi", []);
    }
    roff.control("SH", ["ENVIRONMENT"]);
    for (name, what) in ENVIRONMENT {
        roff.control("TP", [])
            .text([bold(*name)])
            .text([roman(*what)]);
    }
    roff.control("SH", ["FILES"]);
    for (path, what) in FILES {
        roff.control("TP", [])
            .text([bold(*path)])
            .text([roman(*what)]);
    }
    roff.control("SH", ["EXIT STATUS"])
        .text([roman(exit_status)]);
    roff.control("SH", ["SEE ALSO"]);
    let see_also = match sub {
        Some(_) => "skillpack(1)".to_string(),
        None => "skillpack-install(1), skillpack-list(1), skillpack-validate(1), \
                 skillpack-pack(1), and the other skillpack-COMMAND(1) pages"
            .to_string(),
    };
    roff.text([roman(see_also)]);
    roff
}
