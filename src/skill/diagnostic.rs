//! Diagnostics: what a rule found, where, and how to fix it.

use std::fmt;
use std::path::PathBuf;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
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
