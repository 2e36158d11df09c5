//! The `human` format: rustc-style diagnostics on stderr, each with the line it is on and a
//! caret under the offending token.

use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use console::Style;
use skillpack::skill::{self, RuleId, Severity, SkillReport};
use skillpack::text::escape;

use super::paint;
use crate::cli::Printer;

/// rustc-style diagnostics on stderr, each with the offending line and a caret under it.
pub(super) fn print_human(p: &Printer, reports: &[SkillReport]) {
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
        Severity::Note => ("note", Style::new().bold()),
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
