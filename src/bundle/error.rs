//! The error type of the archive stage: every variant names what failed and where.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum BundleError {
    #[error("the archive is not a readable zip ({reason})")]
    NotAZip { reason: String },

    #[error("the archive is damaged or truncated at entry `{entry}` ({reason})")]
    Corrupt { entry: String, reason: String },

    /// An entry breaks one of the safety rules.
    #[error("refused entry `{entry}`: {message} [{}]", rule.id())]
    Unsafe {
        entry: String,
        rule: SafetyRule,
        message: String,
    },

    #[error("the archive has no SKILL.md{hint}")]
    NoSkill { hint: String },

    #[error("the archive holds more than one skill: {roots}")]
    MultipleSkills { roots: String },

    #[error(
        "a limit was exceeded: {message} [{}] (raise it with {flag} if you trust this archive)",
        rule.id()
    )]
    Limit {
        rule: SafetyRule,
        message: String,
        flag: &'static str,
    },

    #[error("{}", pack_message(path, *reason, message))]
    Pack {
        path: PathBuf,
        /// What kind of problem it is, for callers that act on it.
        reason: PackReason,
        message: String,
    },

    #[error(transparent)]
    Sign(#[from] crate::sign::SignError),

    #[error("{action} `{path}`: {source}")]
    Io {
        action: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// The rules an archive's entries, and the archive as a whole, are checked against before
/// anything is unpacked (and while it is). [`SafetyRule::id`] is the stable id the JSON
/// output, hints and documentation use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SafetyRule {
    NonUtf8Name,
    ControlCharacter,
    Backslash,
    AbsolutePath,
    DriveLetter,
    EmptyName,
    PathTraversal,
    EmptySegment,
    NameTooLong,
    Colon,
    ReservedName,
    TrailingDot,
    Collision,
    CompressionRatio,
    EntryTooLarge,
    OutsideSkillRoot,
    OverlappingEntries,
    SizeMismatch,
    TooManyEntries,
    TotalTooLarge,
    Encrypted,
    Symlink,
    SpecialFile,
    UnsupportedCompression,
}

impl SafetyRule {
    /// Every rule, for documentation and tests.
    pub const ALL: &'static [SafetyRule] = &[
        SafetyRule::NonUtf8Name,
        SafetyRule::ControlCharacter,
        SafetyRule::Backslash,
        SafetyRule::AbsolutePath,
        SafetyRule::DriveLetter,
        SafetyRule::EmptyName,
        SafetyRule::PathTraversal,
        SafetyRule::EmptySegment,
        SafetyRule::NameTooLong,
        SafetyRule::Colon,
        SafetyRule::ReservedName,
        SafetyRule::TrailingDot,
        SafetyRule::Collision,
        SafetyRule::CompressionRatio,
        SafetyRule::EntryTooLarge,
        SafetyRule::OutsideSkillRoot,
        SafetyRule::OverlappingEntries,
        SafetyRule::SizeMismatch,
        SafetyRule::TooManyEntries,
        SafetyRule::TotalTooLarge,
        SafetyRule::Encrypted,
        SafetyRule::Symlink,
        SafetyRule::SpecialFile,
        SafetyRule::UnsupportedCompression,
    ];

    pub fn id(self) -> &'static str {
        match self {
            SafetyRule::NonUtf8Name => "non-utf8-name",
            SafetyRule::ControlCharacter => "control-character",
            SafetyRule::Backslash => "backslash",
            SafetyRule::AbsolutePath => "absolute-path",
            SafetyRule::DriveLetter => "drive-letter",
            SafetyRule::EmptyName => "empty-name",
            SafetyRule::PathTraversal => "path-traversal",
            SafetyRule::EmptySegment => "empty-segment",
            SafetyRule::NameTooLong => "name-too-long",
            SafetyRule::Colon => "colon",
            SafetyRule::ReservedName => "reserved-name",
            SafetyRule::TrailingDot => "trailing-dot",
            SafetyRule::Collision => "collision",
            SafetyRule::CompressionRatio => "compression-ratio",
            SafetyRule::EntryTooLarge => "entry-too-large",
            SafetyRule::OutsideSkillRoot => "outside-skill-root",
            SafetyRule::OverlappingEntries => "overlapping-entries",
            SafetyRule::SizeMismatch => "size-mismatch",
            SafetyRule::TooManyEntries => "too-many-entries",
            SafetyRule::TotalTooLarge => "total-too-large",
            SafetyRule::Encrypted => "encrypted",
            SafetyRule::Symlink => "symlink",
            SafetyRule::SpecialFile => "special-file",
            SafetyRule::UnsupportedCompression => "unsupported-compression",
        }
    }
}

impl std::fmt::Display for SafetyRule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.id())
    }
}

/// Why a folder could not be packed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PackReason {
    /// The path given is not a folder.
    NotAFolder,
    /// The folder holds a symbolic link.
    Symlink,
    /// The folder holds something that is neither a file, a folder nor a link.
    SpecialFile,
    /// A file's path inside the folder cannot be an archive entry name.
    EntryName,
    /// The release name or version cannot be part of a file name.
    ReleaseName,
    /// The folder has no `SKILL.md`.
    NoSkillMd,
    /// The archive could not be written.
    Archive,
    /// `install` would refuse the archive.
    WouldNotInstall,
}

/// What stops a folder from being a skill is said the same for `install` and `pack`;
/// what only packing does (naming the release, writing the zip) says so.
fn pack_message(path: &std::path::Path, reason: PackReason, message: &str) -> String {
    match reason {
        PackReason::Symlink | PackReason::SpecialFile | PackReason::EntryName => {
            format!("`{}` cannot be part of a skill: {message}", path.display())
        }
        _ => format!("cannot pack `{}`: {message}", path.display()),
    }
}

impl PackReason {
    /// The stable id of the reason, as [`BundleError::kind`] gives it.
    pub fn id(self) -> &'static str {
        match self {
            PackReason::NotAFolder => "not-a-folder",
            PackReason::Symlink => "symlink",
            PackReason::SpecialFile => "special-file",
            PackReason::EntryName => "entry-name",
            PackReason::ReleaseName => "release-name",
            PackReason::NoSkillMd => "no-skill-md",
            PackReason::Archive => "archive",
            PackReason::WouldNotInstall => "would-not-install",
        }
    }
}

impl BundleError {
    pub(crate) fn io(
        action: &'static str,
        path: impl Into<PathBuf>,
        source: std::io::Error,
    ) -> Self {
        BundleError::Io {
            action,
            path: path.into(),
            source,
        }
    }

    /// The stable rule id of a refusal, for `--json` output and tests.
    pub fn rule(&self) -> Option<&'static str> {
        match self {
            BundleError::Unsafe { rule, .. } | BundleError::Limit { rule, .. } => Some(rule.id()),
            BundleError::NotAZip { .. } => Some("not-a-zip"),
            BundleError::Corrupt { .. } => Some("corrupt"),
            BundleError::NoSkill { .. } => Some("no-skill"),
            BundleError::MultipleSkills { .. } => Some("multiple-skills"),
            _ => None,
        }
    }

    /// The stable id of the error, as the JSON output and hints give it: the rule a refused
    /// archive broke, why a folder cannot be packed, the signature problem, or `io`.
    pub fn kind(&self) -> &'static str {
        match self {
            BundleError::Pack { reason, .. } => reason.id(),
            BundleError::Sign(e) => e.kind(),
            BundleError::Io { .. } => "io",
            other => other.rule().unwrap_or("bundle"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn safety_rule_ids_are_unique_and_documented() {
        let doc = include_str!("../../docs/json.md");
        let mut seen = std::collections::BTreeSet::new();
        for rule in SafetyRule::ALL {
            let id = rule.id();
            assert!(seen.insert(id), "{id} twice");
            assert!(
                id.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'),
                "{id}"
            );
            assert!(
                doc.contains(&format!("`{id}`")),
                "{id} is not in docs/json.md"
            );
        }
    }
}
