//! The safety rules of DESIGN section 8 that concern archive entries: path shape and limits.
//!
//! This is the only copy of these rules; the reader, the extractor and the packer call it.

use super::error::{BundleError, SafetyRule};

/// Resource limits applied while reading an archive. Sizes are enforced while inflating.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Uncompressed total of all entries, in bytes.
    pub max_total: u64,
    /// Uncompressed size of a single entry, in bytes.
    pub max_entry: u64,
    pub max_entries: usize,
    /// Largest inflated/compressed ratio allowed for entries over `ratio_floor` bytes.
    pub max_ratio: u64,
    pub ratio_floor: u64,
}

pub(crate) const MIB: u64 = 1024 * 1024;

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_total: 128 * MIB,
            max_entry: 128 * MIB,
            max_entries: 10_000,
            max_ratio: 200,
            ratio_floor: MIB,
        }
    }
}

impl Limits {
    /// The refusal of the entry `name` of `size` (bytes, or `more than N`) over the
    /// per-entry limit.
    pub(crate) fn entry_too_large(&self, name: &str, size: impl std::fmt::Display) -> BundleError {
        BundleError::Limit {
            rule: SafetyRule::EntryTooLarge,
            message: format!("`{name}` is {size} bytes, the limit is {}", self.max_entry),
            flag: "--max-size",
        }
    }

    /// The refusal of `what` (`files`, `entries`) adding up past the total limit, at the
    /// entry `at` when one is named.
    pub(crate) fn total_too_large(&self, what: &str, at: Option<&str>) -> BundleError {
        let at = at.map(|a| format!(" (at `{a}`)")).unwrap_or_default();
        BundleError::Limit {
            rule: SafetyRule::TotalTooLarge,
            message: format!(
                "the {what} add up to more than {}{at}",
                crate::text::byte_count(self.max_total)
            ),
            flag: "--max-size",
        }
    }

    /// Counts the entry `name` of `size` bytes into `total`: refused when it is over the
    /// per-entry limit, or brings `total` over the total one (`what`, `at` as in
    /// [`Limits::total_too_large`]).
    pub(crate) fn count_entry(
        &self,
        total: &mut u64,
        name: &str,
        size: u64,
        (what, at): (&str, Option<&str>),
    ) -> Result<(), BundleError> {
        if size > self.max_entry {
            return Err(self.entry_too_large(name, size));
        }
        *total = total.saturating_add(size);
        if *total > self.max_total {
            return Err(self.total_too_large(what, at));
        }
        Ok(())
    }
}

/// Windows device names, refused as any path component (with or without extension).
const RESERVED_WINDOWS: &[&str] = &[
    "con", "prn", "aux", "nul", "com1", "com2", "com3", "com4", "com5", "com6", "com7", "com8",
    "com9", "lpt1", "lpt2", "lpt3", "lpt4", "lpt5", "lpt6", "lpt7", "lpt8", "lpt9",
];

/// Checks the shape of an entry name; a trailing `/` marks a directory and is allowed.
/// Returns the name without the trailing slash.
pub(crate) fn check_entry_name(raw: &[u8]) -> Result<&str, BundleError> {
    let shown = String::from_utf8_lossy(raw).escape_debug().to_string();
    let unsafe_entry = |rule: SafetyRule, message: &str| BundleError::Unsafe {
        entry: shown.clone(),
        rule,
        message: message.to_string(),
    };
    let name = std::str::from_utf8(raw)
        .map_err(|_| unsafe_entry(SafetyRule::NonUtf8Name, "the name is not valid UTF-8"))?;
    if name.chars().any(|c| c == '\0' || c.is_control()) {
        return Err(unsafe_entry(
            SafetyRule::ControlCharacter,
            "the name holds a NUL or control character",
        ));
    }
    if name.contains('\\') {
        return Err(unsafe_entry(
            SafetyRule::Backslash,
            "the name holds a backslash, which Windows reads as a separator",
        ));
    }
    if name.starts_with('/') {
        return Err(unsafe_entry(
            SafetyRule::AbsolutePath,
            "the name is an absolute path",
        ));
    }
    let b = name.as_bytes();
    if b.len() >= 2 && b[0].is_ascii_alphabetic() && b[1] == b':' {
        return Err(unsafe_entry(
            SafetyRule::DriveLetter,
            "the name starts with a drive letter",
        ));
    }
    let trimmed = name.strip_suffix('/').unwrap_or(name);
    if trimmed.is_empty() {
        return Err(unsafe_entry(SafetyRule::EmptyName, "the name is empty"));
    }
    for comp in trimmed.split('/') {
        if comp == ".." {
            return Err(unsafe_entry(
                SafetyRule::PathTraversal,
                "the name has a `..` segment",
            ));
        }
        if comp.is_empty() || comp == "." {
            return Err(unsafe_entry(
                SafetyRule::EmptySegment,
                "the name has an empty or `.` segment",
            ));
        }
        if comp.len() > 255 {
            return Err(unsafe_entry(
                SafetyRule::NameTooLong,
                "a path component is longer than 255 bytes",
            ));
        }
        if comp.contains(':') {
            return Err(unsafe_entry(
                SafetyRule::Colon,
                "a path component holds `:`, which Windows refuses",
            ));
        }
        let stem = comp.split('.').next().unwrap_or(comp).to_ascii_lowercase();
        if RESERVED_WINDOWS.contains(&stem.trim_end()) {
            return Err(unsafe_entry(
                SafetyRule::ReservedName,
                "a path component is a reserved Windows device name",
            ));
        }
        if comp.ends_with('.') || comp.ends_with(' ') {
            return Err(unsafe_entry(
                SafetyRule::TrailingDot,
                "a path component ends with a dot or space, which Windows strips",
            ));
        }
    }
    Ok(trimmed)
}

/// The key two names collide under on case-insensitive file systems (macOS, Windows).
pub(crate) fn collision_key(path: &str) -> String {
    path.to_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(name: &[u8]) -> Option<&'static str> {
        check_entry_name(name).err().and_then(|e| e.rule())
    }

    #[test]
    fn accepts_ordinary_names() {
        assert_eq!(
            check_entry_name(b"skill/SKILL.md").unwrap(),
            "skill/SKILL.md"
        );
        assert_eq!(
            check_entry_name(b"skill/references/").unwrap(),
            "skill/references"
        );
        assert_eq!(
            check_entry_name("s/r\u{e9}sum\u{e9}.md".as_bytes()).unwrap(),
            "s/r\u{e9}sum\u{e9}.md"
        );
    }

    #[test]
    fn refuses_each_unsafe_shape() {
        assert_eq!(rule(b"/etc/passwd"), Some("absolute-path"));
        assert_eq!(rule(b"C:/x"), Some("drive-letter"));
        assert_eq!(rule(b"a/../../x"), Some("path-traversal"));
        assert_eq!(rule(b"a\\b"), Some("backslash"));
        assert_eq!(rule(b"a\0b"), Some("control-character"));
        assert_eq!(rule(b"a\nb"), Some("control-character"));
        assert_eq!(rule(b"a//b"), Some("empty-segment"));
        assert_eq!(rule(b"a/./b"), Some("empty-segment"));
        assert_eq!(rule(&[b'a'; 256]), Some("name-too-long"));
        assert_eq!(rule(b"s/CON.txt"), Some("reserved-name"));
        assert_eq!(rule(b"s/lpt1"), Some("reserved-name"));
        assert_eq!(rule(b"s/x."), Some("trailing-dot"));
        assert_eq!(rule(b"s/a:b"), Some("colon"));
        assert_eq!(rule(&[0xff, 0xfe]), Some("non-utf8-name"));
    }
}
