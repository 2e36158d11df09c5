//! Splits a `SKILL.md` into its YAML frontmatter and Markdown body, keeping line numbers.

/// The two parts of a `SKILL.md`, borrowed from its text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Split<'a> {
    pub yaml: &'a str,
    /// Line number (1-based) of the first YAML line: 2, after the opening `---`.
    pub yaml_line: usize,
    pub body: &'a str,
    /// Line number of the first body line.
    pub body_line: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SplitError {
    /// Line 1 is not `---`.
    NoOpening,
    /// No closing `---` line.
    NotClosed,
}

fn is_fence(line: &str) -> bool {
    line.trim_end_matches(['\r', '\n']).trim_end() == "---"
}

/// Finds the frontmatter: `---` on line 1, then lines up to the next `---` line.
pub fn split(text: &str) -> Result<Split<'_>, SplitError> {
    let mut lines = text.split_inclusive('\n');
    let first = lines.next().ok_or(SplitError::NoOpening)?;
    if !is_fence(first) {
        return Err(SplitError::NoOpening);
    }
    let yaml_start = first.len();
    let mut offset = yaml_start;
    for (line_no, line) in (2..).zip(lines) {
        if is_fence(line) {
            return Ok(Split {
                yaml: &text[yaml_start..offset],
                yaml_line: 2,
                body: &text[offset + line.len()..],
                body_line: line_no + 1,
            });
        }
        offset += line.len();
    }
    Err(SplitError::NotClosed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_with_line_numbers() {
        let s = split("---\nname: a\n---\n# Body\n").unwrap();
        assert_eq!(s.yaml, "name: a\n");
        assert_eq!(s.body, "# Body\n");
        assert_eq!(s.body_line, 4);
    }

    #[test]
    fn crlf_and_missing_parts() {
        assert!(split("---\r\nname: a\r\n---\r\n").is_ok());
        assert_eq!(split("name: a\n"), Err(SplitError::NoOpening));
        assert_eq!(split("---\nname: a\n"), Err(SplitError::NotClosed));
        assert_eq!(split(""), Err(SplitError::NoOpening));
    }
}
