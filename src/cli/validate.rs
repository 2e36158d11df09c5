//! `skillpack validate`: checks skills against the rules of a profile and reports every
//! problem with its file, line and column, as text, JSON or GitHub annotations.

use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, ValueEnum};
use console::Style;
use serde_json::json;

use skillpack::skill::{
    self, DiscoverError, Profile, RuleId, Severity, SkillReport, ValidateOptions, discover,
};

use skillpack::text::escape;

use super::{CmdResult, Failure, Printer, ProfileArg};

pub(crate) const LONG_ABOUT: &str = "\
Check skills against the Agent Skills rules and report every problem with its file, line
and column, a stable rule id, and how to fix it.

Each PATH is a skill folder, a SKILL.md file, or a folder searched for skills (every folder
below it holding a SKILL.md; .git, node_modules and .skillpack are skipped). With no PATH,
the current folder is searched. Skills are checked in parallel and reported in path order.

Profiles:
  spec          the Agent Skills specification, as its reference validator applies it
  claude-code   the specification plus the fields Claude Code reads, each type-checked;
                other unknown fields are warnings
  upload        the specification plus what claude.ai upload and the Skills API accept:
                no < or > in the description, an ASCII name without `anthropic` or `claude`

Every profile also warns about a body over 500 lines, links and references/, scripts/ or
assets/ paths that point to missing files, files over 1 MiB, and junk files (.DS_Store,
__pycache__, *.pyc). The rule list and the JSON schema are in docs/validate.md.";

pub(crate) const EXAMPLES: &str = "\
Examples:
  skillpack validate                                 every skill under the current folder
  skillpack validate skill/account-management        one skill
  skillpack validate skills --format github          annotate a pull request
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

    /// How to report: text for people, one JSON document, or GitHub annotations
    /// [default: human; --json means json]
    #[arg(long, value_enum, value_name = "FORMAT")]
    pub format: Option<Format>,

    /// Treat warnings as errors
    #[arg(long)]
    pub strict: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Human,
    Json,
    Github,
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
    let paths = if args.paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        args.paths
    };
    let dirs = discover(&paths).map_err(discover_failure)?;
    let opts = ValidateOptions {
        profile: args.profile.into(),
        strict: args.strict,
    };
    let reports = skill::validate_all(&dirs, &opts);
    let totals = Totals::of(&reports);
    match format {
        Format::Human => {
            print_human(p, &reports);
            print_summary(p, &totals, opts.profile);
        }
        Format::Github => {
            print_github(&reports);
            print_summary(p, &totals, opts.profile);
        }
        Format::Json => print_json(&report_json(&reports, &totals, &opts)),
    }
    Ok(if totals.errors > 0 {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

fn discover_failure(e: DiscoverError) -> Failure {
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

fn plural(n: usize, word: &str) -> String {
    format!("{n} {word}{}", if n == 1 { "" } else { "s" })
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
fn paint(style: Style, text: &str) -> String {
    if console::colors_enabled_stderr() {
        style.for_stderr().apply_to(text).to_string()
    } else {
        text.to_string()
    }
}

/// rustc-style diagnostics on stderr, each with the offending line and a caret under it.
fn print_human(p: &Printer, reports: &[SkillReport]) {
    let mut sources: HashMap<PathBuf, Option<String>> = HashMap::new();
    let mut out = String::new();
    for report in reports {
        if p.verbose > 0 {
            let state = if report.has_errors() {
                "invalid"
            } else if report.warnings() > 0 {
                "warnings"
            } else {
                "ok"
            };
            let _ = std::io::stderr().lock().write_all(out.as_bytes());
            out.clear();
            p.detail(format!("{state:8} {}", report.dir.display()));
        }
        for d in &report.diagnostics {
            if p.quiet && d.severity == Severity::Warning {
                continue;
            }
            let source = sources
                .entry(d.file.clone())
                .or_insert_with(|| read_source(&d.file, d.line));
            out.push_str(&render_human(d, source.as_deref()));
        }
    }
    let _ = std::io::stderr().lock().write_all(out.as_bytes());
}

/// The text of a file that diagnostics point into (none for whole-file findings).
fn read_source(path: &Path, line: usize) -> Option<String> {
    if line == 0 {
        return None;
    }
    std::fs::read(path)
        .ok()
        .map(|b| String::from_utf8_lossy(&b).into_owned())
}

fn render_human(d: &skill::Diagnostic, source: Option<&str>) -> String {
    let (label, style) = match d.severity {
        Severity::Error => ("error", Style::new().red().bold()),
        Severity::Warning => ("warning", Style::new().yellow().bold()),
    };
    let gutter = Style::new().blue().bold();
    let mut out = format!(
        "{}{}\n",
        paint(style.clone(), &format!("{label}[{}]", d.rule)),
        paint(Style::new().bold(), &format!(": {}", escape(&d.message))),
    );
    let text = (d.line > 0)
        .then(|| source.and_then(|s| s.lines().nth(d.line - 1)))
        .flatten();
    let width = if text.is_some() {
        d.line.to_string().len()
    } else {
        1
    };
    let pad = " ".repeat(width);
    out.push_str(&format!(
        "{pad}{} {}",
        paint(gutter.clone(), "-->"),
        escape(&d.file.display().to_string())
    ));
    if d.line > 0 {
        out.push_str(&format!(":{}:{}", d.line, d.col));
    }
    out.push('\n');
    if let Some(text) = text {
        // Tabs would shift the caret; one space keeps every later column in place.
        let text = text.replace('\t', " ").trim_end().to_string();
        let start = text
            .char_indices()
            .nth(d.col.saturating_sub(1))
            .map_or(text.len(), |(i, _)| i);
        // The line is shown escaped, so the caret is placed and sized on escaped text.
        let indent = console::measure_text_width(&escape(&text[..start]));
        let rest = &text[start..];
        let len = match RuleId::from_id(d.rule) {
            Some(RuleId::BrokenLink | RuleId::LinkOutsideSkill | RuleId::MissingReference) => rest
                .split(|c: char| c.is_whitespace() || "()<>`'\"".contains(c))
                .next()
                .unwrap_or_default(),
            _ => token(rest),
        };
        let len = console::measure_text_width(&escape(len)).max(1);
        let bar = paint(gutter.clone(), "|");
        out.push_str(&format!("{pad} {bar}\n"));
        out.push_str(&format!(
            "{} {bar} {}\n",
            paint(gutter.clone(), &d.line.to_string()),
            escape(&text)
        ));
        out.push_str(&format!(
            "{pad} {bar} {}{}\n",
            " ".repeat(indent),
            paint(style, &"^".repeat(len))
        ));
    }
    out.push('\n');
    out
}

/// The YAML token that starts `rest`, for the caret: a quoted string, or text up to a
/// `: `, a comment or the end of the line. (Paths in the body end at a space or bracket.)
fn token(rest: &str) -> &str {
    if let Some(q) = rest.chars().next().filter(|c| matches!(c, '"' | '\'')) {
        let mut escaped = false;
        for (i, c) in rest.char_indices().skip(1) {
            if c == q && !(escaped && q == '"') {
                return &rest[..i + 1];
            }
            escaped = c == '\\' && !escaped;
        }
        return rest;
    }
    let end = [rest.find(": "), rest.find(" #")]
        .into_iter()
        .flatten()
        .min()
        .unwrap_or(rest.len());
    let token = rest[..end].trim_end();
    token.strip_suffix(':').unwrap_or(token)
}

/// One workflow command per problem, on stdout, as GitHub Actions reads them.
fn print_github(reports: &[SkillReport]) {
    let mut out = String::new();
    for d in reports.iter().flat_map(|r| &r.diagnostics) {
        let level = match d.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        let mut props = format!("file={}", escape_property(&d.file.display().to_string()));
        if d.line > 0 {
            props.push_str(&format!(",line={},col={}", d.line, d.col));
        }
        props.push_str(&format!(",title={}", escape_property(d.rule)));
        out.push_str(&format!("::{level} {props}::{}\n", escape_data(&d.message)));
    }
    let _ = std::io::stdout().lock().write_all(out.as_bytes());
}

/// Workflow command data: `%`, CR and LF are escaped as GitHub reads them, and any other
/// control character as the terminal output does, so that a log cannot be rewritten.
fn escape_data(s: &str) -> String {
    let data = s
        .replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A");
    escape(&data).into_owned()
}

/// Workflow command property values: the data escapes, plus `:` and `,`.
fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

/// Writes a JSON document on stdout in one piece: a report on thousands of skills is
/// megabytes, which line-buffered output would write a line at a time.
fn print_json(doc: &serde_json::Value) {
    let mut text = serde_json::to_string_pretty(doc).unwrap_or_default();
    text.push('\n');
    let _ = std::io::stdout().lock().write_all(text.as_bytes());
}

/// The `--format json` document; its schema is in docs/validate.md.
fn report_json(reports: &[SkillReport], t: &Totals, opts: &ValidateOptions) -> serde_json::Value {
    let path = |p: &Path| p.to_string_lossy().into_owned();
    json!({
        "version": skillpack::SCHEMA_VERSION,
        "profile": opts.profile.id(),
        "strict": opts.strict,
        "summary": {
            "skills": t.skills,
            "valid": t.skills - t.invalid,
            "invalid": t.invalid,
            "errors": t.errors,
            "warnings": t.warnings,
        },
        "skills": reports.iter().map(|r| json!({
            "path": path(&r.dir),
            "skill_md": r.skill_md.as_deref().map(path),
            "name": (!r.meta.name.is_empty()).then_some(&r.meta.name),
            "valid": !r.has_errors(),
            "errors": r.errors(),
            "warnings": r.warnings(),
            "diagnostics": r.diagnostics,
        })).collect::<Vec<_>>(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn caret_covers_the_token() {
        assert_eq!(token("My-Skill"), "My-Skill");
        assert_eq!(token("version: 1.0"), "version");
        assert_eq!(token("\"a: \\\"b\\\"\" # c"), "\"a: \\\"b\\\"\"");
        assert_eq!(token("foo # comment"), "foo");
        assert_eq!(token("key:"), "key");
    }

    #[test]
    fn github_commands_are_escaped() {
        assert_eq!(escape_data("50% done\nnext"), "50%25 done%0Anext");
        assert_eq!(escape_property("a:b,c"), "a%3Ab%2Cc");
        assert_eq!(escape_data("a\u{1b}[2J\n"), "a\\u{1b}[2J%0A");
    }

    #[test]
    fn human_diagnostic_shows_the_line_and_a_caret() {
        console::set_colors_enabled_stderr(false);
        let d = skill::Diagnostic {
            rule: RuleId::NameMismatch.id(),
            severity: Severity::Error,
            file: PathBuf::from("s/SKILL.md"),
            line: 2,
            col: 7,
            message: "fix it".into(),
        };
        let text = render_human(&d, Some("---\nname: other\n---\n"));
        assert_eq!(
            text,
            "error[name-mismatch]: fix it\n --> s/SKILL.md:2:7\n  |\n2 | name: other\n  |       ^^^^^\n\n"
        );
    }

    #[test]
    fn human_diagnostic_escapes_what_the_file_holds() {
        console::set_colors_enabled_stderr(false);
        let d = skill::Diagnostic {
            rule: RuleId::NameInvalidChar.id(),
            severity: Severity::Error,
            file: PathBuf::from("s/SKILL.md"),
            line: 2,
            col: 7,
            message: "`a\u{1b}[2Jb` is bad".into(),
        };
        let text = render_human(&d, Some("---\nname: a\u{1b}[2Jb\n---\n"));
        assert!(!text.contains('\u{1b}'), "{text}");
        assert!(text.contains("2 | name: a\\u{1b}[2Jb\n"), "{text}");
        assert!(text.contains("  |       ^^^^^^^^^^^\n"), "{text}");
    }
}
