//! The `github` format: workflow commands that GitHub Actions turns into annotations, the
//! worst first and at most a given number per severity.

use std::io::Write;

use skillpack::skill::{Diagnostic, Severity, SkillReport, worst_first};

use super::plural;
use crate::cli::workflow::{escape_data, escape_property};

/// The annotations to print, worst first, at most `max` per severity, and how many errors
/// and warnings were left out.
fn select(reports: &[SkillReport], max: usize) -> (Vec<&Diagnostic>, usize, usize) {
    let (mut shown, mut errors, mut warnings) = (Vec::new(), 0, 0);
    let mut count = [0usize; 2];
    for d in worst_first(reports.iter().flat_map(|r| &r.diagnostics)) {
        let i = usize::from(d.severity == Severity::Warning);
        count[i] += 1;
        if count[i] <= max {
            shown.push(d);
        } else if i == 0 {
            errors += 1;
        } else {
            warnings += 1;
        }
    }
    (shown, errors, warnings)
}

/// Workflow commands on stdout, one per problem up to `max` per severity, then a line
/// saying how many were left out, if any.
/// Files are named relative to `base` (the checkout, which GitHub reads them against) when
/// they are below it, as given otherwise; `cwd` is the folder relative paths start from.
pub(super) fn print_github(
    reports: &[SkillReport],
    max: usize,
    cwd: &std::path::Path,
    base: &std::path::Path,
) {
    let (shown, errors, warnings) = select(reports, max);
    let mut out = String::new();
    for d in shown {
        let level = match d.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Note => "notice",
        };
        let file = super::sarif::below(&d.file, cwd, base)
            .map(|rel| {
                rel.components()
                    .map(|c| c.as_os_str().to_string_lossy().into_owned())
                    .collect::<Vec<_>>()
                    .join("/")
            })
            .unwrap_or_else(|| d.file.display().to_string());
        let mut props = format!("file={}", escape_property(&file));
        if d.line > 0 {
            props.push_str(&format!(",line={},col={}", d.line, d.col));
        }
        props.push_str(&format!(",title={}", escape_property(d.rule)));
        out.push_str(&format!("::{level} {props}::{}\n", escape_data(&d.message)));
    }
    if errors + warnings > 0 {
        out.push_str(&format!(
            "skillpack: {} not annotated ({} and {}): at most {max} annotations per severity (--max-annotations); run `skillpack validate` to see them all\n",
            plural(errors + warnings, "more problem"),
            plural(errors, "error"),
            plural(warnings, "warning"),
        ));
    }
    let _ = std::io::stdout().lock().write_all(out.as_bytes());
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    #[test]
    fn github_commands_are_escaped() {
        assert_eq!(escape_data("50% done\nnext"), "50%25 done%0Anext");
        assert_eq!(escape_property("a:b,c"), "a%3Ab%2Cc");
        assert_eq!(escape_data("a\u{1b}[2J\n"), "a\\u{1b}[2J%0A");
    }

    #[test]
    fn at_most_max_annotations_per_severity_worst_first() {
        let d = |severity, line| Diagnostic {
            rule: "r",
            severity,
            file: PathBuf::from("s/SKILL.md"),
            line,
            col: 1,
            message: String::new(),
        };
        let report = SkillReport {
            dir: PathBuf::from("s"),
            skill_md: None,
            meta: Default::default(),
            loads_as: None,
            diagnostics: vec![
                d(Severity::Warning, 1),
                d(Severity::Error, 2),
                d(Severity::Warning, 3),
                d(Severity::Error, 4),
                d(Severity::Error, 5),
            ],
        };
        let (shown, errors, warnings) = select(std::slice::from_ref(&report), 2);
        let lines: Vec<usize> = shown.iter().map(|d| d.line).collect();
        assert_eq!(lines, [2, 4, 1, 3]);
        assert_eq!((errors, warnings), (1, 0));
        let (shown, errors, warnings) = select(std::slice::from_ref(&report), 0);
        assert_eq!((shown.len(), errors, warnings), (0, 3, 2));
    }
}
