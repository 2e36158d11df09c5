//! The job summary: a Markdown report appended to `$GITHUB_STEP_SUMMARY`, which GitHub
//! Actions shows on the run's page: the verdict, problems per rule, a table of the skills
//! with problems, and the first problems with links to their lines.
//!
//! Everything from a skill (paths, messages quoting its frontmatter) is escaped so that it
//! renders as the text it is: no link, image or HTML can come from a skill.

use std::collections::BTreeMap;
use std::path::Path;

use skillpack::skill::{Diagnostic, RuleId, Severity, SkillReport, ValidateOptions, worst_first};
use skillpack::text::{escape, uri_path};

use super::{
    Totals, plural,
    sarif::{below, help_uri},
};

/// Rows of the skills table and items of the problem list, at most.
const MAX_SKILLS: usize = 50;
const MAX_PROBLEMS: usize = 20;

/// `s` as Markdown text: every ASCII punctuation character backslash-escaped (CommonMark
/// reads each as itself), control characters shown escaped, lines joined.
fn text(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for c in escape(s).chars() {
        if c.is_ascii_punctuation() {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// `s` as a code span for a table cell: `|` escaped so that the cell stays one cell (GitHub
/// reads `\|` in a table as `|`, even in code).
fn cell(s: &str) -> String {
    code(&s.replace('|', "\\|"))
}

/// `s` as a code span: fenced by more backquotes than any run inside it.
fn code(s: &str) -> String {
    let s = escape(s);
    let longest = s
        .split(|c| c != '`')
        .map(str::len)
        .max()
        .unwrap_or_default();
    let fence = "`".repeat(longest + 1);
    let pad = if s.starts_with('`') || s.ends_with('`') {
        " "
    } else {
        ""
    };
    format!("{fence}{pad}{s}{pad}{fence}")
}

/// A message as Markdown: the parts our messages put in backquotes as code, the rest as
/// text; a message whose backquotes do not pair is all text.
fn message(m: &str) -> String {
    let parts: Vec<&str> = m.split('`').collect();
    if parts.len().is_multiple_of(2) {
        return text(m);
    }
    parts
        .iter()
        .enumerate()
        .map(|(i, p)| if i % 2 == 1 { code(p) } else { text(p) })
        .collect()
}

/// Where a problem is, as a link to its line when the files can be browsed at `blob_url`
/// (the checkout `base`'s files at the commit).
fn location(d: &Diagnostic, cwd: &Path, base: &Path, blob_url: Option<&str>) -> String {
    let shown = if d.line > 0 {
        format!("{}:{}:{}", d.file.display(), d.line, d.col)
    } else {
        d.file.display().to_string()
    };
    match (blob_url, below(&d.file, cwd, base)) {
        (Some(base), Some(rel)) => {
            let anchor = if d.line > 0 {
                format!("#L{}", d.line)
            } else {
                String::new()
            };
            format!("[{}]({base}{}{anchor})", code(&shown), uri_path(&rel))
        }
        _ => code(&shown),
    }
}

/// The Markdown summary of a run.
pub(super) fn markdown(
    reports: &[SkillReport],
    t: &Totals,
    opts: &ValidateOptions,
    cwd: &Path,
    base: &Path,
    blob_url: Option<&str>,
) -> String {
    let profile = opts.profile.id();
    let strict = if opts.strict { ", strict" } else { "" };
    let mut md = String::from("## skillpack validate\n\n");
    if t.errors + t.warnings == 0 {
        md.push_str(&format!(
            "✅ {} checked: no problems (profile `{profile}`{strict})\n",
            plural(t.skills, "skill")
        ));
        return md;
    }
    let mut skills: Vec<&SkillReport> = reports
        .iter()
        .filter(|r| !r.diagnostics.is_empty())
        .collect();
    skills.sort_by_key(|r| (std::cmp::Reverse((r.errors(), r.warnings())), r.dir.clone()));
    let verdict = if t.errors > 0 { "❌" } else { "⚠️" };
    md.push_str(&format!(
        "{verdict} {} and {} in {} of {} (profile `{profile}`{strict})\n\n",
        plural(t.errors, "error"),
        plural(t.warnings, "warning"),
        skills.len(),
        plural(t.skills, "skill"),
    ));

    let mut per_rule: BTreeMap<&str, [usize; 2]> = BTreeMap::new();
    for d in reports.iter().flat_map(|r| &r.diagnostics) {
        per_rule.entry(d.rule).or_default()[usize::from(d.severity == Severity::Warning)] += 1;
    }
    let mut rules: Vec<(&str, [usize; 2])> = per_rule.into_iter().collect();
    rules.sort_by_key(|(id, [e, w])| (std::cmp::Reverse((*e, *w)), *id));
    md.push_str("### Problems by rule\n\n| rule | errors | warnings |\n|---|---:|---:|\n");
    for (id, [e, w]) in rules {
        let rule = match RuleId::from_id(id) {
            Some(r) => format!("[{}]({})", code(id), help_uri(r)),
            None => code(id),
        };
        md.push_str(&format!("| {rule} | {e} | {w} |\n"));
    }

    md.push_str("\n### Skills with problems\n\n| skill | errors | warnings |\n|---|---:|---:|\n");
    for r in skills.iter().take(MAX_SKILLS) {
        md.push_str(&format!(
            "| {} | {} | {} |\n",
            cell(&r.dir.display().to_string()),
            r.errors(),
            r.warnings()
        ));
    }
    if skills.len() > MAX_SKILLS {
        md.push_str(&format!(
            "\n… and {} more with problems.\n",
            plural(skills.len() - MAX_SKILLS, "skill")
        ));
    }

    let all = worst_first(reports.iter().flat_map(|r| &r.diagnostics));
    md.push_str(&format!(
        "\n### First problems\n\n{} of {}, errors first:\n\n",
        all.len().min(MAX_PROBLEMS),
        plural(all.len(), "problem")
    ));
    for d in all.iter().take(MAX_PROBLEMS) {
        let icon = match d.severity {
            Severity::Error => "❌",
            Severity::Warning => "⚠️",
            Severity::Note => "ℹ️",
        };
        md.push_str(&format!(
            "- {icon} {} {}: {}\n",
            location(d, cwd, base, blob_url),
            code(d.rule),
            message(&d.message)
        ));
    }
    md
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn skill_text_cannot_become_markdown() {
        assert_eq!(
            text("a [x](http://e) <b>"),
            "a \\[x\\]\\(http\\:\\/\\/e\\) \\<b\\>"
        );
        assert_eq!(code("a`b|c"), "``a`b|c``");
        assert_eq!(cell("a`b|c"), "``a`b\\|c``");
        assert_eq!(code("`x"), "`` `x ``");
        assert_eq!(
            message("`name` is `<img src=x>`; fix it"),
            "`name` is `<img src=x>`\\; fix it"
        );
        assert_eq!(message("odd ` quote"), "odd \\` quote");
        assert_eq!(text("line\nbreak\u{1b}"), "line\\\\nbreak\\\\u\\{1b\\}");
    }

    #[cfg(unix)]
    #[test]
    fn locations_link_to_the_line_when_files_can_be_browsed() {
        let d = Diagnostic {
            rule: "r",
            severity: Severity::Error,
            file: "/repo/my skills/a/SKILL.md".into(),
            line: 2,
            col: 7,
            message: String::new(),
        };
        let cwd = Path::new("/repo");
        assert_eq!(
            location(&d, cwd, cwd, Some("https://github.com/o/r/blob/abc/")),
            "[`/repo/my skills/a/SKILL.md:2:7`](https://github.com/o/r/blob/abc/my%20skills/a/SKILL.md#L2)"
        );
        assert_eq!(
            location(&d, cwd, cwd, None),
            "`/repo/my skills/a/SKILL.md:2:7`"
        );
        // Run from a folder of the checkout, on a relative path.
        let d = Diagnostic {
            file: "a/SKILL.md".into(),
            ..d
        };
        assert_eq!(
            location(&d, &cwd.join("skills"), cwd, Some("https://x/b/")),
            "[`a/SKILL.md:2:7`](https://x/b/skills/a/SKILL.md#L2)"
        );
    }
}
