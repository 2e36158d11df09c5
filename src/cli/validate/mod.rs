//! `skillpack validate`: checks skills against the rules of a profile and reports every
//! problem with its file, line and column, as text, JSON, GitHub annotations or SARIF;
//! with `--fix`, first applies the fixes that are safe. Each format renders in a module
//! of its own.

mod fix;
mod github;
mod human;
mod json;
mod sarif;
mod select;
mod summary;

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, ValueEnum};
use console::Style;

use skillpack::agents::Env;
use skillpack::skill::{self, DiscoverError, Profile, SkillReport, ValidateOptions, discover};

use super::{CmdResult, Failure, Printer, ProfileArg, plural, process_env};

pub(crate) const LONG_ABOUT: &str = "\
Check skills against the Agent Skills rules and report every problem with its file, line
and column, a stable rule id, and how to fix it.

Each PATH is a skill folder, a SKILL.md file, or a folder searched for skills (every folder
below it holding a SKILL.md; .git, node_modules and .skillpack are skipped). With no PATH,
the current folder is searched. Skills are checked in parallel and reported in path order.

Profiles:
  spec          the Agent Skills specification, as its reference validator applies it
  claude-code   what Claude Code loads, learned from the client: an error only where
                Claude Code skips the skill (the fields it reads are type-checked);
                what it loads but the specification rejects is a warning
  codex         the same for Codex
  gemini-cli    the same for Gemini CLI
  upload        the specification plus what claude.ai upload and the Skills API accept:
                no < or > in the description, an ASCII name without `anthropic` or `claude`

Every profile also warns about a body over 500 lines, links and references/, scripts/ or
assets/ paths that point to missing files, files over 1 MiB, and junk files (.DS_Store,
__pycache__, *.pyc). Every problem names its rule id; --json gives the same fields.

In CI: --format github annotates a pull request (the worst problems first, at most
--max-annotations per severity) and --format sarif writes a SARIF 2.1.0 log for code
scanning; with either, a Markdown summary is appended to $GITHUB_STEP_SUMMARY when it is
set. --changed-since REF (or --stdin-paths) checks only the skills holding a changed file.

--fix first applies the fixes that are safe and mechanical, printing a diff of each file:
it removes a byte-order mark, quotes a boolean or number where a string is expected, and
moves keys no agent reads under `metadata`, keeping their values. A file whose frontmatter
does not parse is never rewritten.";

pub(crate) const EXAMPLES: &str = "\
Examples:
  skillpack validate                                 every skill under the current folder
  skillpack validate skill/account-management        one skill
  skillpack validate skills --format github          annotate a pull request
  skillpack validate skills --format sarif > skillpack.sarif
                                                     a log for GitHub code scanning
  skillpack validate --changed-since origin/main     only the skills a branch touches
  git diff --name-only main | skillpack validate --stdin-paths
  skillpack validate skills --fix                    apply the safe fixes, show the diff
  skillpack validate skills --profile upload --strict
  skillpack validate my-skill/SKILL.md --json        machine-readable report

Exit codes: 0 no errors (warnings allowed unless --strict), 1 errors found, 2 usage error.";

#[derive(Debug, Args)]
pub struct ValidateArgs {
    /// Skill folders, SKILL.md files, or folders to search for skills [default: .]
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,

    /// The rules to check against
    #[arg(long, value_enum, default_value_t = ProfileArg::Spec)]
    pub profile: ProfileArg,

    /// How to report: text for people, one JSON document, GitHub annotations, or a SARIF
    /// log [default: human; --json means json]
    #[arg(long, value_enum, value_name = "FORMAT")]
    pub format: Option<Format>,

    /// Treat warnings as errors
    #[arg(long)]
    pub strict: bool,

    /// With --format github: annotate at most N problems of each severity, the worst first
    #[arg(long, value_name = "N", default_value_t = 50)]
    pub max_annotations: usize,

    /// Check only the skills holding a file changed since the branch left REF (committed,
    /// uncommitted or untracked), as the system git sees it
    #[arg(long, value_name = "REF")]
    pub changed_since: Option<String>,

    /// Check only the skills holding one of the paths read from stdin, one per line
    #[arg(long)]
    pub stdin_paths: bool,

    /// Apply the safe fixes first and print a diff of each changed file
    #[arg(long)]
    pub fix: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Human,
    Json,
    Github,
    Sarif,
}

pub(crate) fn run(p: &Printer, args: ValidateArgs) -> CmdResult {
    let format = match (p.json, args.format) {
        (true, Some(f)) if f != Format::Json => {
            return Err(Failure::usage(
                "--json asks for JSON output, which conflicts with --format",
            )
            .hint("use one of them: --json is the same as --format json"));
        }
        (true, _) => Format::Json,
        (false, f) => f.unwrap_or(Format::Human),
    };
    if args.fix && format != Format::Human {
        return Err(Failure::usage(
            "--fix prints a diff on stdout, which only the human format leaves free",
        )
        .hint("run `skillpack validate --fix` first, then validate with the format you need"));
    }
    let env = process_env()?;
    let paths = if args.paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        args.paths
    };
    let mut dirs = discover(&paths).map_err(discover_failure)?;
    if args.changed_since.is_some() || args.stdin_paths {
        let changed = select::changed(&env, args.changed_since.as_deref(), args.stdin_paths)?;
        let (chosen, line) = select::select(dirs, &changed);
        dirs = chosen;
        p.status("Selected", line);
    }
    let opts = ValidateOptions {
        profile: args.profile.into(),
        strict: args.strict,
    };
    if args.fix {
        fix::run(p, &dirs, opts.profile);
    }
    let reports = skill::validate_all(&dirs, &opts);
    let totals = Totals::of(&reports);
    match format {
        Format::Human => {
            human::print_human(p, &reports);
            print_summary(p, &totals, opts.profile);
        }
        Format::Github => {
            github::print_github(&reports, args.max_annotations, &env.cwd, checkout(&env));
            print_summary(p, &totals, opts.profile);
        }
        Format::Json => json::print_json(&json::report_json(&reports, &totals, &opts)),
        Format::Sarif => {
            let log = sarif::log(&reports, &opts, &env.cwd, checkout(&env));
            let _ = std::io::stdout().lock().write_all(log.as_bytes());
        }
    }
    if matches!(format, Format::Github | Format::Sarif) {
        write_step_summary(p, &env, &reports, &totals, &opts);
    }
    Ok(if totals.errors > 0 {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

/// The repository's checkout, which locations are relative to: `$GITHUB_WORKSPACE` in
/// GitHub Actions, else the current folder.
fn checkout(env: &Env) -> &std::path::Path {
    env.github.workspace.as_deref().unwrap_or(&env.cwd)
}

/// Appends the Markdown summary to `$GITHUB_STEP_SUMMARY`, when GitHub Actions set it; a
/// summary that cannot be written is a warning, not a failed check.
fn write_step_summary(
    p: &Printer,
    env: &Env,
    reports: &[SkillReport],
    totals: &Totals,
    opts: &ValidateOptions,
) {
    let Some(path) = &env.github.step_summary else {
        return;
    };
    let md = summary::markdown(
        reports,
        totals,
        opts,
        &env.cwd,
        checkout(env),
        env.github.blob_url.as_deref(),
    );
    let written = std::fs::OpenOptions::new()
        .append(true)
        .create(true)
        .open(path)
        .and_then(|mut f| f.write_all(format!("{md}\n").as_bytes()));
    if let Err(e) = written {
        p.warn(format!(
            "cannot write the job summary to {}: {e}",
            path.display()
        ));
    }
}

fn discover_failure(e: DiscoverError) -> Failure {
    // The path named as install names it: absolute, which the printer writes `~/…`.
    let e = match e {
        DiscoverError::NotFound { path } => DiscoverError::NotFound {
            path: super::absolute(&path),
        },
        DiscoverError::NotASkill { path } => DiscoverError::NotASkill {
            path: super::absolute(&path),
        },
        other => other,
    };
    match e {
        DiscoverError::NotFound { .. } | DiscoverError::NotASkill { .. } => {
            Failure::usage(e.to_string())
                .hint("name a skill folder, its SKILL.md, or a folder to search for skills")
        }
        DiscoverError::Walk { .. } => {
            Failure::new(e.to_string()).hint("check the folder's permissions")
        }
    }
}

/// Counts over all reports.
struct Totals {
    skills: usize,
    invalid: usize,
    with_warnings: usize,
    errors: usize,
    warnings: usize,
}

impl Totals {
    fn of(reports: &[SkillReport]) -> Totals {
        Totals {
            skills: reports.len(),
            invalid: reports.iter().filter(|r| r.has_errors()).count(),
            with_warnings: reports.iter().filter(|r| r.warnings() > 0).count(),
            errors: reports.iter().map(SkillReport::errors).sum(),
            warnings: reports.iter().map(SkillReport::warnings).sum(),
        }
    }
}

/// The closing line on stderr: what was checked and what was found.
fn print_summary(p: &Printer, t: &Totals, profile: Profile) {
    let of = format!("{} of {}", t.invalid, plural(t.skills, "skill"));
    let profile = profile.id();
    if t.errors > 0 {
        let warnings = if t.warnings > 0 && !p.quiet {
            format!(" and {}", plural(t.warnings, "warning"))
        } else {
            String::new()
        };
        p.err(format!(
            "{}: {}{warnings} in {of} (profile {profile})",
            paint(Style::new().red().bold(), "error"),
            plural(t.errors, "error"),
        ));
    } else if t.warnings > 0 {
        p.warn(format!(
            "{} in {} of {} (profile {profile}); no errors",
            plural(t.warnings, "warning"),
            t.with_warnings,
            plural(t.skills, "skill")
        ));
    } else {
        p.status(
            "Validated",
            format!(
                "{}: no problems (profile {profile})",
                plural(t.skills, "skill")
            ),
        );
    }
}

/// Applies `style` when stderr takes colour (the printer decided that at start-up).
pub(super) fn paint(style: Style, text: &str) -> String {
    if console::colors_enabled_stderr() {
        style.for_stderr().apply_to(text).to_string()
    } else {
        text.to_string()
    }
}
