//! Staging, commit, the lock file, the run lock and companion discovery: the stages of the
//! pipeline after the archive is fetched (`verify → inspect → stage → check → commit → record`).

pub mod amend;
pub(crate) mod commit;
pub mod companions;
pub mod declined;
pub mod doctor;
mod error;
pub mod import;
pub(crate) mod layout;
pub(crate) mod lockfile;
pub mod project;
pub(crate) mod rootfs;
pub(crate) mod runlock;
pub(crate) mod state;
pub mod sync;
pub mod update;
mod view;

use std::path::{Path, PathBuf};
use std::time::SystemTime;

pub use crate::source::SourceRecord;
pub use commit::{CommitOptions, CrashPoint, Staging};
pub use error::InstallError;
pub use layout::Root;
use layout::scratch_dir;
pub use lockfile::read_lock;
use lockfile::read_root;
pub use lockfile::{LockEntry, LockFile};
pub use rootfs::Kind;
pub use runlock::RunLock;
pub use state::{TreeState, summarise, tree_state};
pub use view::{RootView, view};

use crate::bundle::{self, ArchiveData, BundleError, FileRecord, Limits};
use crate::durable::Barrier;
use crate::skill;

/// One bundle to install: what the source stage fetched, with the digests it must have.
pub use crate::source::Fetched as Request;

#[derive(Debug, Clone, Default)]
pub struct Options {
    pub force: bool,
    /// Install an older version over a newer one without `force` (`sync`: the lock says so).
    pub downgrade: bool,
    pub dry_run: bool,
    pub limits: Limits,
    pub commit: CommitOptions,
    /// The agents the skill is installed for: each must load it (its profile's errors).
    /// Empty: the check of [`skill::check_installable`].
    pub agents: Vec<crate::agents::Agent>,
    /// Where a dry run unpacks the bundle, in a folder of its own thrown away afterwards:
    /// the temporary folder the caller found (empty: the system's, as `tempfile` finds it).
    pub scratch: PathBuf,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Not there before.
    Installed,
    /// Replaced an older record (`from` is its version, `from_tree` its recorded tree
    /// digest; neither for a folder skillpack had not recorded).
    Updated {
        from: Option<String>,
        from_tree: Option<String>,
    },
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
    /// The trusted key whose signature vouched for the source, when one did.
    pub signed_by: Option<Box<crate::sign::TrustedKey>>,
    /// Where the skill came from (a repository's companions are looked for there first).
    pub source: Option<SourceRecord>,
    /// Problems each agent of [`Options::agents`] loads the skill in spite of.
    pub warnings: Vec<(crate::agents::Agent, skill::Diagnostic)>,
}

/// Runs verify → inspect → stage → check → commit → record for one bundle into `root`.
/// `on_wait` is called if another run holds the root's lock.
pub fn install(
    root: &Root,
    req: &Request,
    opts: &Options,
    on_wait: &mut dyn FnMut(&Path),
) -> Result<Report, InstallError> {
    // verify: before a single entry is read.
    if let Some(Err((expected, actual))) = req
        .expected_sha256
        .as_deref()
        .map(|e| bundle::check_sha256(e, &req.sha256))
    {
        return Err(InstallError::ArchiveDigest { expected, actual });
    }
    // inspect: the whole central directory, before anything is written.
    let mut archive = bundle::open_archive(req.archive.open())?;
    let plan = bundle::inspect(&mut archive, &opts.limits, &req.at)?;

    if opts.dry_run {
        let tmp = scratch_dir(&opts.scratch)?;
        let tmp_dir = rootfs::open_root(tmp.path())
            .map_err(|e| InstallError::io("cannot open", tmp.path(), e))?;
        let tree = tmp.path().join("tree");
        // Looked at and thrown away: never waited for.
        let records = bundle::extract(
            &mut archive,
            &plan,
            &tmp_dir,
            "tree",
            &tree,
            &opts.limits,
            &mut Barrier::default(),
        )?;
        let (name, meta, digest, warnings) = check(&tree, &plan, &records, req, &opts.agents)?;
        let target = root.skill_dir(&name);
        let found = match read_root(root)? {
            Some((dir, lock)) => {
                keep_key(&name, lock.skills.get(&name), req.signed_by.is_some())?;
                existing(
                    root,
                    &dir,
                    &name,
                    lock.skills.get(&name),
                    &digest,
                    meta.version.as_deref(),
                    opts,
                )?
            }
            None => Existing::None,
        };
        let action = match found {
            Existing::SameTree => Action::Unchanged,
            Existing::None => Action::WouldInstall { replaces: false },
            Existing::Replaceable => Action::WouldInstall { replaces: true },
        };
        let mut r = report(name, meta, target, digest, &records, action, 0);
        r.warnings = warnings;
        return Ok(r);
    }

    let opened = root.open_write()?;
    let _guard = RunLock::acquire(&opened.state, &root.state_dir(), on_wait)?;
    let mut lock = LockFile::load_in(&opened.state, &root.state_dir())?;
    let recovered = commit::recover(root, &opened, &mut lock)?.cleaned;

    // stage
    let staging = Staging::create(root, &opened)?;
    // The staged tree's writes, flushed by the commit together with its record.
    let mut durable = Barrier::default();
    let staged = (|| {
        let records = bundle::extract(
            &mut archive,
            &plan,
            staging.handle(),
            Staging::TREE,
            &staging.tree(),
            &opts.limits,
            &mut durable,
        )?;
        let checked = check(&staging.tree(), &plan, &records, req, &opts.agents)?;
        Ok::<_, InstallError>((records, checked))
    })();
    let (records, (name, meta, digest, warnings)) = match staged {
        Ok(v) => v,
        Err(e) => {
            let e = staged_error(
                e,
                &staging.dir,
                &staging.tree(),
                &skill_named(req, &plan),
                root,
            );
            staging.discard();
            return Err(e);
        }
    };
    let target = root.skill_dir(&name);
    let previous = lock.skills.get(&name).cloned();
    let found = keep_key(&name, previous.as_ref(), req.signed_by.is_some()).and_then(|()| {
        existing(
            root,
            &opened.root,
            &name,
            previous.as_ref(),
            &digest,
            meta.version.as_deref(),
            opts,
        )
    });
    // A recorded skill whose folder is gone is installed again, not replaced.
    let replaces = matches!(found, Ok(Existing::Replaceable));
    match found {
        Ok(Existing::SameTree) => {
            staging.discard();
            let mut r = report(
                name,
                meta,
                target,
                digest,
                &records,
                Action::Unchanged,
                recovered,
            );
            r.warnings = warnings;
            return Ok(r);
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
        archive_sha256: req.record_archive.then(|| req.sha256.clone()),
        key: req.signed_by.as_ref().map(|k| k.base64().to_string()),
        tree: digest.clone(),
        installed_at: lockfile::rfc3339(SystemTime::now()),
        files: LockEntry::file_map(&records),
    };
    let (txn_dir, tree) = (staging.dir.clone(), staging.tree());
    commit::commit_install(
        root,
        &opened,
        staging,
        durable,
        entry,
        &mut lock,
        &opts.commit,
    )
    .map_err(|e| staged_error(e, &txn_dir, &tree, &name, root))?;
    // A folder that was there (recorded, or hand-made and replaced with --force) was
    // replaced; a recorded skill whose folder was gone is installed again.
    let action = match previous {
        _ if !replaces => Action::Installed,
        Some(p) => Action::Updated {
            from: p.version,
            from_tree: Some(p.tree),
        },
        None => Action::Updated {
            from: None,
            from_tree: None,
        },
    };
    let mut r = report(name, meta, target, digest, &records, action, recovered);
    r.warnings = warnings;
    Ok(r)
}

/// [`install`] for a bundle `session` fetched. When the bundle is refused for its digests,
/// the downloaded archive is dropped from the cache so that the next run fetches it afresh
/// instead of trusting it (a repository archive only once this run is over, since other
/// skills of the run may come from it).
pub fn install_fetched(
    session: &mut crate::source::Session<'_>,
    root: &Root,
    fetched: &Request,
    opts: &Options,
    on_wait: &mut dyn FnMut(&Path),
) -> Result<Report, InstallError> {
    let result = install(root, fetched, opts, on_wait).map(|mut report| {
        report.signed_by = fetched.signed_by.clone().map(Box::new);
        report.source = Some(fetched.source.clone());
        report
    });
    if let Err(e) = &result
        && matches!(fetched.archive, ArchiveData::File(_))
    {
        let (record, sha256) = (&fetched.source, fetched.sha256.as_str());
        match e {
            InstallError::ArchiveDigest { .. } => session.forget(record, sha256),
            InstallError::TreeDigest { .. } if matches!(record, SourceRecord::Github { .. }) => {
                session.forget_after_run(record, sha256)
            }
            InstallError::TreeDigest { .. } => session.forget(record, sha256),
            _ => {}
        }
    }
    result
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
        signed_by: None,
        source: None,
        warnings: Vec::new(),
    }
}

/// What [`check`] found: the skill's name, model and tree digest, and the problems the
/// agents load it in spite of.
/// The skill an archive holds, as far as is known before its `SKILL.md` is read.
fn skill_named(req: &Request, plan: &bundle::Plan) -> String {
    req.expected_name
        .clone()
        .or_else(|| plan.folder_name().map(str::to_string))
        .unwrap_or_else(|| "the skill".to_string())
}

/// `e`, when it names a path inside the transaction folder `txn` (deleted before the error
/// is shown), as what was being written of `skill` and where it was going; else `e`.
fn staged_error(
    e: InstallError,
    txn: &Path,
    tree: &Path,
    skill: &str,
    root: &Root,
) -> InstallError {
    let (action, path, source) = match e {
        InstallError::Io {
            action,
            path,
            source,
        }
        | InstallError::Bundle(BundleError::Io {
            action,
            path,
            source,
        }) if path.starts_with(txn) => (action, path, source),
        other => return other,
    };
    let entry = path
        .strip_prefix(tree)
        .ok()
        .filter(|rel| !rel.as_os_str().is_empty())
        .map(|rel| {
            rel.components()
                .map(|c| c.as_os_str().to_string_lossy())
                .collect::<Vec<_>>()
                .join("/")
        });
    InstallError::Staged {
        action,
        entry,
        skill: skill.to_string(),
        root: root.dir.clone(),
        source,
    }
}

type Checked = (
    String,
    skill::SkillMeta,
    String,
    Vec<(crate::agents::Agent, skill::Diagnostic)>,
);

/// check: the staged skill loads, is the one requested, and has the pinned tree digest.
fn check(
    tree: &Path,
    plan: &bundle::Plan,
    records: &[FileRecord],
    req: &Request,
    agents: &[crate::agents::Agent],
) -> Result<Checked, InstallError> {
    // The folder name decides where the skill goes; a bare archive is named by its frontmatter.
    let name = match plan.folder_name() {
        Some(folder) => folder.to_string(),
        None => skill::SkillFile::read(&tree.join("SKILL.md"))?.meta().name,
    };
    // Problems in a local folder are shown at that folder, where the user can fix them.
    let origin = match (&req.source, &req.at) {
        (SourceRecord::Path { path }, bundle::SkillAt::Find) => Some(Path::new(path)),
        _ => None,
    };
    let (meta, warnings) = if agents.is_empty() {
        (skill::check_installable(tree, &name, origin)?, Vec::new())
    } else {
        skill::check_loads(tree, &name, origin, agents)?
    };
    // Control characters are kept (and escaped wherever shown); a version longer than the
    // records hold is refused here, before anything changes.
    if let Some(v) = &meta.version
        && v.len() > project::MAX_VERSION
    {
        return Err(InstallError::BadVersion {
            name,
            shown: crate::text::excerpt(v, 40),
        });
    }
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
    Ok((name, meta, digest, warnings))
}

enum Existing {
    None,
    SameTree,
    Replaceable,
}

/// Trust on first use: what a key verified is replaced only by what a trusted key signed,
/// whatever else is asked (`--force` included; an uninstall lets another source in).
fn keep_key(name: &str, entry: Option<&LockEntry>, signed: bool) -> Result<(), InstallError> {
    match entry.and_then(|e| e.key.as_deref()) {
        Some(key) if !signed => Err(InstallError::KeyRequired {
            name: name.to_string(),
            key_id: crate::sign::TrustedKey::parse(key)
                .map(|k| k.id().to_string())
                .unwrap_or_else(|_| key.to_string()),
        }),
        _ => Ok(()),
    }
}

/// Decides what to do about whatever is already at `<root>/<name>` (looked at through the
/// opened root, without following a link). Without `force`, a hand-made folder, a modified
/// tree and (without `downgrade`) a newer installed version than `version` are kept.
fn existing(
    root: &Root,
    root_dir: &cap_std::fs::Dir,
    name: &str,
    entry: Option<&LockEntry>,
    digest: &str,
    version: Option<&str>,
    opts: &Options,
) -> Result<Existing, InstallError> {
    let force = opts.force;
    let target = root.skill_dir(name);
    if rootfs::kind(root_dir, name, &root.dir)?.is_none() {
        return Ok(Existing::None);
    }
    let Some(entry) = entry else {
        return if force {
            Ok(Existing::Replaceable)
        } else {
            Err(InstallError::Unmanaged { path: target })
        };
    };
    let state = tree_state(root_dir, &root.dir, entry)?;
    if state.is_ok() && entry.tree == digest {
        return Ok(Existing::SameTree);
    }
    if !state.is_ok() && !force {
        return Err(InstallError::Modified {
            path: target,
            summary: summarise(&state),
        });
    }
    if let (Some(installed), Some(offered)) = (entry.version.as_deref(), version)
        && crate::source::index::newer(installed, offered)
        && !force
        && !opts.downgrade
    {
        return Err(InstallError::Downgrade {
            name: name.to_string(),
            installed: installed.to_string(),
            offered: offered.to_string(),
            unordered: crate::source::index::parse_version(offered).is_none(),
        });
    }
    Ok(Existing::Replaceable)
}

/// What [`uninstall`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Removed {
    /// The folder was removed; its state just before.
    Now(TreeState),
    /// An interrupted removal of it was finished by recovery.
    Finished,
    /// Nothing of that name is in the root: there was nothing to remove.
    Absent,
}

/// Removes a managed skill. Refuses a modified tree unless `force`, and anything that is
/// not the folder skillpack recorded (a link, a file) always.
pub fn uninstall(
    root: &Root,
    name: &str,
    force: bool,
    on_wait: &mut dyn FnMut(&Path),
) -> Result<Removed, InstallError> {
    if !skill::is_valid_name(name) {
        return Err(InstallError::BadName {
            name: name.to_string(),
        });
    }
    let Some(view) = root.open_read()? else {
        return Ok(Removed::Absent);
    };
    if view.state.is_none() {
        return match rootfs::kind(&view.root, name, &root.dir)? {
            Some(_) => Err(InstallError::NotOurs {
                path: root.skill_dir(name),
            }),
            None => Ok(Removed::Absent),
        };
    }
    let opened = root.open_write()?;
    let _guard = RunLock::acquire(&opened.state, &root.state_dir(), on_wait)?;
    let mut lock = LockFile::load_in(&opened.state, &root.state_dir())?;
    let recovered = commit::recover(root, &opened, &mut lock)?;
    let target = root.skill_dir(name);
    let Some(entry) = lock.skills.get(name) else {
        if recovered.removed.iter().any(|n| n == name) {
            return Ok(Removed::Finished);
        }
        return match rootfs::kind(&opened.root, name, &root.dir)? {
            Some(_) => Err(InstallError::NotOurs { path: target }),
            None => Ok(Removed::Absent),
        };
    };
    if let Some(k) =
        rootfs::kind(&opened.root, name, &root.dir)?.filter(|k| *k != rootfs::Kind::Dir)
    {
        return Err(InstallError::NotAFolder {
            name: name.to_string(),
            path: target,
            found: k.describe(),
        });
    }
    let state = tree_state(&opened.root, &root.dir, entry)?;
    if matches!(state, TreeState::Modified { .. }) && !force {
        return Err(InstallError::Modified {
            path: target,
            summary: summarise(&state),
        });
    }
    commit::commit_remove(root, &opened, name, &mut lock)?;
    Ok(Removed::Now(state))
}
