//! Staging, commit, the lock file, the run lock and companion discovery: the stages of the
//! pipeline after the archive is fetched (`verify → inspect → stage → check → commit → record`).

pub mod commit;
pub mod companions;
pub mod layout;
pub mod lockfile;
pub mod runlock;
pub mod state;

use std::io::{Cursor, Read, Seek};
use std::path::{Path, PathBuf};
use std::time::SystemTime;

pub use commit::Staging;
pub use layout::Root;
pub use lockfile::{LockEntry, LockFile, SourceRecord};
pub use runlock::RunLock;
pub use state::{TreeState, tree_state};

use crate::bundle::{self, ArchiveData, BundleError, FileRecord, Limits};
use crate::skill::{self, SkillError};

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

    #[error("the skill does not load: {0}")]
    Skill(#[from] SkillError),

    #[error("the archive holds `{found}`, not the requested `{expected}`")]
    WrongSkill { expected: String, found: String },

    #[error("`{}` has local changes ({}); pass --force to overwrite them", path.display(), summary)]
    Modified { path: PathBuf, summary: String },

    #[error("`{}` exists and was not installed by skillpack; pass --force to replace it", path.display())]
    Unmanaged { path: PathBuf },

    #[error("`{name}` is not installed in `{}`", root.display())]
    NotInstalled { name: String, root: PathBuf },

    #[error("cannot move `{}` to `{}`: {source}", from.display(), to.display())]
    Commit {
        from: PathBuf,
        to: PathBuf,
        #[source]
        source: std::io::Error,
    },

    #[error("`{}` is damaged: {message}", path.display())]
    LockFile { path: PathBuf, message: String },

    #[error("{action} `{}`: {source}", path.display())]
    Io {
        action: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

impl InstallError {
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

/// One bundle to install, as the source stage resolved and fetched it.
#[derive(Debug, Clone)]
pub struct Request {
    pub archive: ArchiveData,
    /// SHA-256 of the archive bytes, computed while they were fetched.
    pub archive_sha256: String,
    /// Whether to record the archive digest (false when the archive was packed on the fly).
    pub record_archive: bool,
    pub expected_sha256: Option<String>,
    pub expected_tree: Option<String>,
    pub expected_name: Option<String>,
    /// Sub-folder of a repository archive holding the skill.
    pub subpath: Option<String>,
    pub source: SourceRecord,
}

#[derive(Debug, Clone, Default)]
pub struct Options {
    pub force: bool,
    pub dry_run: bool,
    pub limits: Limits,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Not there before.
    Installed,
    /// Replaced an older record (`from` is its version).
    Updated { from: Option<String> },
    /// The same tree was already installed and intact.
    Unchanged,
    /// `--dry-run`: this would be installed (`replaces` an existing folder).
    WouldInstall { replaces: bool },
}

impl Action {
    pub fn id(&self) -> &'static str {
        match self {
            Action::Installed => "installed",
            Action::Updated { .. } => "updated",
            Action::Unchanged => "unchanged",
            Action::WouldInstall { .. } => "would-install",
        }
    }
}

#[derive(Debug, Clone)]
pub struct Report {
    pub name: String,
    pub version: Option<String>,
    pub description: String,
    pub path: PathBuf,
    pub tree: String,
    pub files: usize,
    pub size: u64,
    pub companions: Vec<String>,
    pub action: Action,
    /// Staging folders of interrupted runs that were finished or cleaned first.
    pub recovered: usize,
}

fn open<'a>(data: &'a ArchiveData) -> Result<Box<dyn ReadSeek + 'a>, BundleError> {
    Ok(match data {
        ArchiveData::Memory(bytes) => Box::new(Cursor::new(bytes.as_slice())),
        // The handle the bytes were hashed through, never the path opened again.
        ArchiveData::File(file) => Box::new(file.reader()),
    })
}

trait ReadSeek: Read + Seek {}
impl<T: Read + Seek> ReadSeek for T {}

/// Runs verify → inspect → stage → check → commit → record for one bundle into `root`.
/// `on_wait` is called if another run holds the root's lock.
pub fn install(
    root: &Root,
    req: &Request,
    opts: &Options,
    on_wait: &mut dyn FnMut(&Path),
) -> Result<Report, InstallError> {
    // verify: before a single entry is read.
    if let Some(expected) = &req.expected_sha256 {
        let expected = expected.trim_start_matches("sha256:").to_ascii_lowercase();
        if expected != req.archive_sha256 {
            return Err(InstallError::ArchiveDigest {
                expected,
                actual: req.archive_sha256.clone(),
            });
        }
    }
    // inspect: the whole central directory, before anything is written.
    let mut archive = bundle::open_archive(open(&req.archive)?)?;
    let plan = bundle::inspect(&mut archive, &opts.limits, req.subpath.as_deref())?;

    if opts.dry_run {
        let tmp = tempfile::tempdir().map_err(|e| {
            InstallError::io("cannot create a temporary folder", std::env::temp_dir(), e)
        })?;
        let tree = tmp.path().join("tree");
        let records = bundle::extract(&mut archive, &plan, &tree, &opts.limits)?;
        let (name, meta, digest) = check(&tree, &plan, &records, req)?;
        let lock = LockFile::load(&root.lock_file())?;
        let target = root.skill_dir(&name);
        let action = match existing(&target, lock.skills.get(&name), &digest, opts.force)? {
            Existing::SameTree => Action::Unchanged,
            Existing::None => Action::WouldInstall { replaces: false },
            Existing::Replaceable => Action::WouldInstall { replaces: true },
        };
        return Ok(report(name, meta, target, digest, &records, action, 0));
    }

    std::fs::create_dir_all(&root.dir)
        .map_err(|e| InstallError::io("cannot create", &root.dir, e))?;
    let _guard = RunLock::acquire(root, on_wait)?;
    let mut lock = LockFile::load(&root.lock_file())?;
    let recovered = commit::recover(root, &mut lock)?;

    // stage
    let staging = Staging::create(root)?;
    let staged = (|| {
        let records = bundle::extract(&mut archive, &plan, &staging.tree(), &opts.limits)?;
        let (name, meta, digest) = check(&staging.tree(), &plan, &records, req)?;
        Ok::<_, InstallError>((records, name, meta, digest))
    })();
    let (records, name, meta, digest) = match staged {
        Ok(v) => v,
        Err(e) => {
            staging.discard();
            return Err(e);
        }
    };
    let target = root.skill_dir(&name);
    let previous = lock.skills.get(&name).cloned();
    match existing(&target, previous.as_ref(), &digest, opts.force) {
        Ok(Existing::SameTree) => {
            staging.discard();
            return Ok(report(
                name,
                meta,
                target,
                digest,
                &records,
                Action::Unchanged,
                recovered,
            ));
        }
        Ok(_) => {}
        Err(e) => {
            staging.discard();
            return Err(e);
        }
    }

    // commit + record
    let entry = LockEntry {
        name: name.clone(),
        version: meta.version.clone(),
        source: req.source.clone(),
        archive_sha256: req.record_archive.then(|| req.archive_sha256.clone()),
        tree: digest.clone(),
        installed_at: lockfile::rfc3339(SystemTime::now()),
        files: LockEntry::file_map(&records),
    };
    commit::commit_install(root, staging, entry, &mut lock)?;
    let action = match previous {
        Some(p) => Action::Updated { from: p.version },
        None => Action::Installed,
    };
    Ok(report(
        name, meta, target, digest, &records, action, recovered,
    ))
}

fn report(
    name: String,
    meta: skill::SkillMeta,
    path: PathBuf,
    tree: String,
    records: &[FileRecord],
    action: Action,
    recovered: usize,
) -> Report {
    Report {
        name,
        version: meta.version,
        description: meta.description,
        path,
        tree,
        files: records.len(),
        size: records.iter().map(|r| r.size).sum(),
        companions: meta.companions,
        action,
        recovered,
    }
}

/// check: the staged skill loads, is the one requested, and has the pinned tree digest.
fn check(
    tree: &Path,
    plan: &bundle::Plan,
    records: &[FileRecord],
    req: &Request,
) -> Result<(String, skill::SkillMeta, String), InstallError> {
    // The folder name decides where the skill goes; a bare archive is named by its frontmatter.
    let name = match plan.folder_name() {
        Some(folder) => folder.to_string(),
        None => skill::SkillFile::read(&tree.join("SKILL.md"))?.meta().name,
    };
    let meta = skill::check_installable(tree, &name)?;
    if let Some(expected) = &req.expected_name
        && *expected != name
    {
        return Err(InstallError::WrongSkill {
            expected: expected.clone(),
            found: name,
        });
    }
    let digest = bundle::tree_digest(&name, records);
    if let Some(expected) = &req.expected_tree
        && *expected != digest
    {
        return Err(InstallError::TreeDigest {
            name,
            expected: expected.clone(),
            actual: digest,
        });
    }
    Ok((name, meta, digest))
}

enum Existing {
    None,
    SameTree,
    Replaceable,
}

/// Decides what to do about whatever is already at `target`.
fn existing(
    target: &Path,
    entry: Option<&LockEntry>,
    digest: &str,
    force: bool,
) -> Result<Existing, InstallError> {
    if std::fs::symlink_metadata(target).is_err() {
        return Ok(Existing::None);
    }
    let Some(entry) = entry else {
        return if force {
            Ok(Existing::Replaceable)
        } else {
            Err(InstallError::Unmanaged {
                path: target.to_path_buf(),
            })
        };
    };
    let state = tree_state(target, entry)?;
    if state.is_ok() && entry.tree == digest {
        return Ok(Existing::SameTree);
    }
    if !state.is_ok() && !force {
        return Err(InstallError::Modified {
            path: target.to_path_buf(),
            summary: summarise(&state),
        });
    }
    Ok(Existing::Replaceable)
}

/// "2 files modified: a, b" style summary of a tree state.
pub fn summarise(state: &TreeState) -> String {
    let diffs = state.differences();
    let shown: Vec<String> = diffs
        .iter()
        .take(3)
        .map(|(p, what)| format!("{p} {what}"))
        .collect();
    let more = diffs.len().saturating_sub(3);
    let mut s = shown.join(", ");
    if more > 0 {
        s.push_str(&format!(" and {more} more"));
    }
    s
}

/// Removes a managed skill. Refuses a modified tree unless `force`.
pub fn uninstall(
    root: &Root,
    name: &str,
    force: bool,
    on_wait: &mut dyn FnMut(&Path),
) -> Result<TreeState, InstallError> {
    if !root.state_dir().is_dir() {
        return Err(not_installed(root, name));
    }
    let _guard = RunLock::acquire(root, on_wait)?;
    let mut lock = LockFile::load(&root.lock_file())?;
    commit::recover(root, &mut lock)?;
    let target = root.skill_dir(name);
    let Some(entry) = lock.skills.get(name) else {
        return Err(if target.exists() {
            InstallError::Unmanaged { path: target }
        } else {
            not_installed(root, name)
        });
    };
    let state = tree_state(&target, entry)?;
    if matches!(state, TreeState::Modified { .. }) && !force {
        return Err(InstallError::Modified {
            path: target,
            summary: summarise(&state),
        });
    }
    commit::commit_remove(root, name, &mut lock)?;
    Ok(state)
}

fn not_installed(root: &Root, name: &str) -> InstallError {
    InstallError::NotInstalled {
        name: name.to_string(),
        root: root.dir.clone(),
    }
}
