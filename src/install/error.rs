//! The errors of the install layer: one enum, each variant with a stable [`InstallError::kind`].

use std::path::PathBuf;

use crate::bundle::BundleError;
use crate::skill::SkillError;

#[derive(Debug, thiserror::Error)]
pub enum InstallError {
    #[error("archive digest mismatch: expected sha256:{expected}, got sha256:{actual}")]
    ArchiveDigest { expected: String, actual: String },

    #[error("tree digest mismatch for `{name}`: expected {expected}, got {actual}")]
    TreeDigest {
        name: String,
        expected: String,
        actual: String,
    },

    #[error(transparent)]
    Bundle(#[from] BundleError),

    #[error("{}", skill_failure(.0))]
    Skill(#[from] SkillError),

    #[error("the archive holds `{found}`, not the requested `{expected}`")]
    WrongSkill { expected: String, found: String },

    #[error("`{}` has local changes ({}); pass --force to overwrite them", path.display(), summary)]
    Modified { path: PathBuf, summary: String },

    #[error("`{}` exists and was not installed by skillpack; pass --force to replace it", path.display())]
    Unmanaged { path: PathBuf },

    #[error(
        "{name} {installed} is installed; {offered} is {}, and is not installed over it without --force",
        if *.unordered { "not a version skillpack can order (semantic versions are)" } else { "older" }
    )]
    Downgrade {
        name: String,
        installed: String,
        offered: String,
        /// `offered` is not a semantic version: not known to be older, only not newer.
        unordered: bool,
    },

    /// A `metadata.version` skillpack cannot keep in its records or print safely.
    #[error("{name}: its version `{shown}` is longer than the {max} bytes skillpack records", max = crate::install::project::MAX_VERSION)]
    BadVersion { name: String, shown: String },

    /// A skill a key verified at install, offered again by a source no trusted key signed.
    #[error(
        "{name} was installed from a source signed by key ID {key_id}; this source carries no signature by a trusted key, so it does not replace it"
    )]
    KeyRequired { name: String, key_id: String },

    #[error("`{name}` is not installed in `{}`", root.display())]
    NotInstalled { name: String, root: PathBuf },

    /// A folder skillpack did not install: `uninstall` never removes one.
    #[error("`{}` was not installed by skillpack, and skillpack never removes a folder it did not install", path.display())]
    NotOurs { path: PathBuf },

    /// A skill folder could not be put in place, moved aside or put back.
    #[error("{action} `{}`: {source}", path.display())]
    Commit {
        action: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    /// Writing the copy of a skill being installed failed. The copy is unpacked in a
    /// transaction folder deleted before this is reported, so the message names what was
    /// being written (`entry`, the path inside the skill) and where the skill was going.
    #[error(
        "{action} {} into `{}`: {source}",
        staged_what(.entry.as_deref(), .skill),
        root.display()
    )]
    Staged {
        action: &'static str,
        /// The path inside the skill; `None` for the copy as a whole or its record.
        entry: Option<String>,
        skill: String,
        root: PathBuf,
        #[source]
        source: std::io::Error,
    },

    #[error(
        "`{}` is damaged: {message}. Move it aside (for example to lock.json.damaged) and run again: the skills then show as unmanaged, and reinstalling each from its original source with --force records it again",
        path.display()
    )]
    LockFile { path: PathBuf, message: String },

    #[error(
        "`{}` was written by a newer skillpack (format version {version}; this one reads version 1): upgrade skillpack to use this skills folder",
        path.display()
    )]
    NewerLock { path: PathBuf, version: u64 },

    #[error(
        "`{}` is {found}, but skillpack keeps {expected} there and did not make this one; nothing was read, changed or cleaned through it. Remove it (or move it out of the skills folder) and run again",
        path.display()
    )]
    UnsafeState {
        path: PathBuf,
        found: &'static str,
        expected: &'static str,
    },

    /// A folder between a project and its skills root (`.claude`, `.claude/skills`, …) that
    /// is a link or not a folder: a cloned repository could point it anywhere.
    #[error("{}", project_folder(.path, .found, *.link))]
    ProjectFolder {
        path: PathBuf,
        found: &'static str,
        /// It is a symbolic link (else a file or special file).
        link: bool,
    },

    #[error(
        "`{}` is larger than {cap} bytes, which no record skillpack writes reaches; move it aside and run again",
        path.display()
    )]
    TooLarge { path: PathBuf, cap: u64 },

    #[error("`{}` is damaged: {message}", path.display())]
    Damaged { path: PathBuf, message: String },

    #[error(
        "`{}` is a damaged record of an interrupted run: {message}; nothing was done with it. Remove that folder and run again",
        path.display()
    )]
    DamagedTxn { path: PathBuf, message: String },

    #[error("`{}` is not a valid skill name (lowercase letters, digits and single hyphens)", crate::text::escape(.name))]
    BadName { name: String },

    #[error(
        "`{}` is {found}, not the folder skillpack installed; nothing was removed. Remove it yourself if you no longer need it, then run `skillpack uninstall {name}` again to drop the record",
        path.display()
    )]
    NotAFolder {
        name: String,
        path: PathBuf,
        found: &'static str,
    },

    #[error("{action} `{}`: {source}", path.display())]
    Io {
        action: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

impl InstallError {
    /// A stable id for the kind of failure (`--json` consumers match on it, never on text).
    pub fn kind(&self) -> &'static str {
        match self {
            InstallError::ArchiveDigest { .. } => "archive-digest",
            InstallError::TreeDigest { .. } => "tree-digest",
            InstallError::Bundle(b) => b.kind(),
            InstallError::Skill(_) => "invalid-skill",
            InstallError::WrongSkill { .. } => "wrong-skill",
            InstallError::Modified { .. } => "modified",
            InstallError::Unmanaged { .. } => "unmanaged",
            InstallError::NotInstalled { .. } => "not-installed",
            InstallError::Downgrade { .. } => "downgrade",
            InstallError::KeyRequired { .. } => "untrusted-key",
            InstallError::BadVersion { .. } => "bad-version",
            InstallError::NotOurs { .. } => "not-ours",
            InstallError::Commit { .. } => "commit",
            InstallError::LockFile { .. } => "damaged-lock",
            InstallError::NewerLock { .. } => "newer-lock",
            InstallError::UnsafeState { .. } | InstallError::ProjectFolder { .. } => "unsafe-state",
            InstallError::TooLarge { .. } => "state-too-large",
            InstallError::Damaged { .. } => "damaged-state",
            InstallError::DamagedTxn { .. } => "damaged-record",
            InstallError::BadName { .. } => "bad-name",
            InstallError::NotAFolder { .. } => "not-a-folder",
            InstallError::Io { .. } | InstallError::Staged { .. } => "io",
        }
    }

    pub(crate) fn io(
        action: &'static str,
        path: impl Into<PathBuf>,
        source: std::io::Error,
    ) -> Self {
        InstallError::Io {
            action,
            path: path.into(),
            source,
        }
    }
}

fn staged_what(entry: Option<&str>, skill: &str) -> String {
    match entry {
        Some(entry) => format!("`{}` of {}", crate::text::escape(entry), skill),
        None => format!("the copy of {skill} being installed"),
    }
}

fn project_folder(path: &std::path::Path, found: &str, link: bool) -> String {
    if link {
        format!(
            "`{}` is a symbolic link, which may lead out of the project; skillpack does not install through links in a project, because a cloned repository could point them anywhere. Nothing was read or changed through it",
            path.display()
        )
    } else {
        format!(
            "`{}` is {found}, not a folder; skillpack keeps a project's skills in real folders inside it. Nothing was read or changed there",
            path.display()
        )
    }
}

/// An agent that loads the skill, but not as the file says, is told apart from one that
/// skips it.
fn skill_failure(e: &SkillError) -> String {
    match e {
        SkillError::NotLoaded { loads: true, .. } => {
            format!("the skill does not load as written: {e}")
        }
        _ => format!("the skill does not load: {e}"),
    }
}
