//! The error type of the archive stage: every variant names what failed and where.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum BundleError {
    #[error("the archive is not a readable zip ({reason})")]
    NotAZip { reason: String },

    #[error("the archive is damaged or truncated at entry `{entry}` ({reason})")]
    Corrupt { entry: String, reason: String },

    /// An entry breaks one of the safety rules; `rule` is a stable id such as `path-traversal`.
    #[error("refused entry `{entry}`: {message} [{rule}]")]
    Unsafe {
        entry: String,
        rule: &'static str,
        message: String,
    },

    #[error("the archive has no SKILL.md{hint}")]
    NoSkill { hint: String },

    #[error("the archive holds more than one skill: {roots}")]
    MultipleSkills { roots: String },

    #[error(
        "a limit was exceeded: {message} [{rule}] (raise it with {flag} if you trust this archive)"
    )]
    Limit {
        rule: &'static str,
        message: String,
        flag: &'static str,
    },

    #[error("cannot pack `{path}`: {message}")]
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
            BundleError::Unsafe { rule, .. } | BundleError::Limit { rule, .. } => Some(rule),
            BundleError::NotAZip { .. } => Some("not-a-zip"),
            BundleError::Corrupt { .. } => Some("corrupt"),
            BundleError::NoSkill { .. } => Some("no-skill"),
            BundleError::MultipleSkills { .. } => Some("multiple-skills"),
            _ => None,
        }
    }
}
