//! Diagnostics: what a rule found, where, and how to fix it.

use std::fmt;
use std::path::PathBuf;

use sha2::{Digest, Sha256};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
    /// Worth knowing, nothing to fix (`doctor` only: validation rules are errors or
    /// warnings).
    Note,
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Note => "note",
        })
    }
}

/// One finding, positioned at a 1-based line and column of `file` (0 when the finding
/// concerns the file or folder as a whole). Columns count characters, not bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// The stable id of the rule: [`RuleId::id`](super::rules::RuleId::id) for what
    /// validation finds.
    pub rule: &'static str,
    pub severity: Severity,
    pub file: PathBuf,
    pub line: usize,
    pub col: usize,
    pub message: String,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file.display())?;
        if self.line > 0 {
            write!(f, ":{}:{}", self.line, self.col)?;
        }
        write!(f, ": {}[{}]: {}", self.severity, self.rule, self.message)
    }
}

/// Serialised with the file as text, so that a file name that is not UTF-8 cannot make a
/// report unwritable.
impl serde::Serialize for Diagnostic {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut st = s.serialize_struct("Diagnostic", 6)?;
        st.serialize_field("rule", self.rule)?;
        st.serialize_field("severity", &self.severity)?;
        st.serialize_field("file", &self.file.to_string_lossy())?;
        st.serialize_field("line", &self.line)?;
        st.serialize_field("col", &self.col)?;
        st.serialize_field("message", &self.message)?;
        st.end()
    }
}

/// `diagnostics` errors first, then warnings, each by file, line and column (a stable
/// sort: equal ones keep their order): the order in which to show the most important
/// problems when only some can be shown.
pub fn worst_first<'a>(
    diagnostics: impl IntoIterator<Item = &'a Diagnostic>,
) -> Vec<&'a Diagnostic> {
    let mut all: Vec<&Diagnostic> = diagnostics.into_iter().collect();
    all.sort_by(|a, b| {
        (a.severity, &a.file, a.line, a.col).cmp(&(b.severity, &b.file, b.line, b.col))
    });
    all
}

/// The identity of a finding across runs: the hex SHA-256 of the rule id, the file's path
/// relative to the folder validated from (forward slashes), and the message with runs of
/// digits and of whitespace each made one placeholder. The line is left out, so that an
/// edit above a problem does not make it a new one, and so are the numbers in the message
/// (a description 1,100 characters long that grows to 1,200 is the same problem).
pub fn fingerprint(rule: &str, rel_path: &str, message: &str) -> String {
    let mut normal = String::with_capacity(message.len());
    let mut last: Option<char> = None;
    for c in message.chars() {
        let class = if c.is_ascii_digit() {
            '0'
        } else if c.is_whitespace() {
            ' '
        } else {
            c
        };
        if !(matches!(class, '0' | ' ') && last == Some(class)) {
            normal.push(class);
        }
        last = Some(class);
    }
    let mut h = Sha256::new();
    for part in [rule, rel_path, normal.trim()] {
        h.update(part.as_bytes());
        h.update([0]);
    }
    hex::encode(h.finalize())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn worst_first_puts_errors_first_then_orders_by_file_and_line() {
        let d = |severity, file: &str, line| Diagnostic {
            rule: "r",
            severity,
            file: PathBuf::from(file),
            line,
            col: 1,
            message: String::new(),
        };
        let all = [
            d(Severity::Warning, "a/SKILL.md", 1),
            d(Severity::Error, "b/SKILL.md", 9),
            d(Severity::Error, "b/SKILL.md", 2),
            d(Severity::Error, "a/SKILL.md", 5),
        ];
        let order: Vec<(Severity, usize)> = worst_first(&all)
            .iter()
            .map(|d| (d.severity, d.line))
            .collect();
        assert_eq!(
            order,
            [
                (Severity::Error, 5),
                (Severity::Error, 2),
                (Severity::Error, 9),
                (Severity::Warning, 1)
            ]
        );
    }

    #[test]
    fn fingerprints_ignore_numbers_and_spacing_but_not_rule_file_or_words() {
        let a = fingerprint(
            "description-too-long",
            "s/SKILL.md",
            "is 1100 characters long",
        );
        assert_eq!(a.len(), 64);
        assert_eq!(
            a,
            fingerprint(
                "description-too-long",
                "s/SKILL.md",
                "is 1200  characters long"
            )
        );
        assert_ne!(
            a,
            fingerprint("name-too-long", "s/SKILL.md", "is 1100 characters long")
        );
        assert_ne!(
            a,
            fingerprint(
                "description-too-long",
                "t/SKILL.md",
                "is 1100 characters long"
            )
        );
        assert_ne!(
            a,
            fingerprint("description-too-long", "s/SKILL.md", "is 1100 bytes long")
        );
        // The parts are kept apart: moving text from one to the next changes the hash.
        assert_ne!(fingerprint("a", "bc", "d"), fingerprint("ab", "c", "d"));
    }
}
