//! Commit: swap a staged tree with the installed one so that a crash at any instant leaves
//! the old skill or the new one, never a mix, and only debris that [`recover`] cleans.
//!
//! On Linux the swap is one `renameat2(RENAME_EXCHANGE)`. Elsewhere (or on file systems
//! without it) the old tree is first moved aside into the transaction folder, then the new
//! one renamed in; a crash between the two renames is undone by [`recover`], which puts
//! the aside copy back. Every transaction folder holds a `txn.json` naming what it does,
//! written before the first rename, so recovery never guesses. When the record cannot be
//! written after the swap (a full disk, a read-only state folder), the swap is undone
//! before the error is returned: a new tree is never left in place unrecorded.
//!
//! Every operation goes through the opened handles of [`Opened`]; names are single path
//! components checked with the skill-name rule, so nothing leaves the root.

use std::path::{Path, PathBuf};

use cap_std::fs::Dir;
use serde::{Deserialize, Serialize};

use super::error::InstallError;
use super::layout::{Opened, Root};
use super::lockfile::{LockEntry, LockFile};
use super::rootfs::{self, Kind};
use crate::bundle::{hash_tree_in, tree_digest};
use crate::durable::Barrier;
use crate::skill::is_valid_name;

/// How commits are made: the defaults, or for tests the move-aside path where an atomic
/// exchange exists, and a crash at a chosen instant.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CommitOptions {
    /// Never use an atomic exchange: move the old tree aside, then the new one in (the path
    /// taken on systems and file systems without `renameat2(RENAME_EXCHANGE)`).
    pub move_aside: bool,
    /// Abort the process, as a crash would, at this instant of a commit.
    pub crash_at: Option<CrashPoint>,
}

/// Instants of a commit at which [`CommitOptions::crash_at`] aborts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CrashPoint {
    /// On the move-aside path, after the old tree moved aside, before the new one moved in.
    BetweenRenames,
    /// After the new tree is in place, before the record is written.
    BeforeRecord,
}

impl CommitOptions {
    fn crash_if(&self, at: CrashPoint) {
        if self.crash_at == Some(at) {
            std::process::abort();
        }
    }
}

/// What a transaction folder is for.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "lowercase")]
pub(crate) enum Txn {
    /// Put `tree/` in place as `<root>/<entry.name>` and record `entry`.
    Install { entry: Box<LockEntry> },
    /// Remove `<root>/<name>` and its record.
    Remove { name: String },
}

impl Txn {
    fn name(&self) -> &str {
        match self {
            Txn::Install { entry } => &entry.name,
            Txn::Remove { name } => name,
        }
    }
}

const TXN_FILE: &str = "txn.json";
const TREE: &str = "tree";
const ASIDE: &str = "old";
/// Largest `txn.json` read (it holds one lock entry).
const TXN_CAP: u64 = 16 * 1024 * 1024;

/// A folder under `<root>/.skillpack/staging/`, same file system as the root, created
/// exclusively by this run and reached only through its handle.
#[derive(Debug)]
pub struct Staging {
    /// Where it is, for messages and for readers that take a path (the check stage).
    pub dir: PathBuf,
    name: String,
    handle: Dir,
    parent: Dir,
}

impl Staging {
    pub fn create(root: &Root, opened: &Opened) -> Result<Staging, InstallError> {
        let shown = root.staging_dir();
        let (name, handle) = rootfs::create_temp_dir(&opened.staging, &shown, "txn-")?;
        let parent = opened
            .staging
            .try_clone()
            .map_err(|e| InstallError::io("cannot open", &shown, e))?;
        Ok(Staging {
            dir: shown.join(&name),
            name,
            handle,
            parent,
        })
    }

    /// Where the bundle is unpacked, as a path (for messages and the check stage).
    pub fn tree(&self) -> PathBuf {
        self.dir.join(TREE)
    }

    /// The transaction folder's handle; the bundle is unpacked into `tree` inside it.
    pub fn handle(&self) -> &Dir {
        &self.handle
    }

    pub const TREE: &'static str = TREE;

    /// Writes `txn.json`, once everything in `before` (the staged tree) and the record
    /// itself are on disk, so that no rename that follows can outrun them.
    fn write_txn(&self, txn: &Txn, before: &mut Barrier) -> Result<(), InstallError> {
        // Plain structs and maps of strings: serialising cannot fail.
        let json = serde_json::to_vec(txn).unwrap_or_default();
        rootfs::write_record_after(&self.handle, &self.dir, TXN_FILE, &json, before)
    }

    /// Deletes the folder and everything in it (links inside are removed, not followed).
    pub fn discard(self) {
        let Staging {
            name,
            handle,
            parent,
            ..
        } = self;
        // Windows refuses to delete a folder while a handle to it is open.
        drop(handle);
        let _ = parent.remove_dir_all(&name);
    }
}

/// Puts `staging`'s tree in place as `<root>/<name>`, records `entry` and deletes what was
/// replaced. The caller holds the run lock and has decided that whatever is at the target
/// may be replaced. `staged` holds the tree's unflushed writes.
///
/// Three waits for the disk, each flushing what it needs at once: the tree and `txn.json`
/// before the swap; the swapped root and the new `lock.json` before the lock is renamed
/// into place; the state folder after.
pub(crate) fn commit_install(
    root: &Root,
    opened: &Opened,
    staging: Staging,
    mut staged: Barrier,
    entry: LockEntry,
    lock: &mut LockFile,
    opts: &CommitOptions,
) -> Result<(), InstallError> {
    let name = entry.name.clone();
    if !is_valid_name(&name) {
        staging.discard();
        return Err(InstallError::BadName { name });
    }
    let target = root.skill_dir(&name);
    if let Err(e) = staging.write_txn(
        &Txn::Install {
            entry: Box::new(entry.clone()),
        },
        &mut staged,
    ) {
        staging.discard();
        return Err(e);
    }
    let exists = rootfs::kind(&opened.root, &name, &root.dir)?.is_some();
    enum How {
        Fresh,
        Exchanged,
        Aside,
    }
    let swapped = (|| {
        if !exists {
            rootfs::rename(
                &staging.handle,
                TREE,
                &opened.root,
                &name,
                "cannot install",
                &target,
            )?;
            return Ok(How::Fresh);
        }
        if !opts.move_aside && rootfs::exchange(&staging.handle, TREE, &opened.root, &name).is_ok()
        {
            return Ok(How::Exchanged);
        }
        // No atomic exchange here: move the old tree aside, then the new one in.
        rootfs::rename(
            &opened.root,
            &name,
            &staging.handle,
            ASIDE,
            "cannot replace",
            &target,
        )?;
        opts.crash_if(CrashPoint::BetweenRenames);
        if let Err(e) = rootfs::rename(
            &staging.handle,
            TREE,
            &opened.root,
            &name,
            "cannot replace",
            &target,
        ) {
            // Put the old tree back; if even that fails, the next run's recovery does.
            rootfs::rename(
                &staging.handle,
                ASIDE,
                &opened.root,
                &name,
                "cannot put back",
                &target,
            )?;
            return Err(e);
        }
        Ok(How::Aside)
    })();
    let how = match swapped {
        Ok(how) => how,
        Err(e) => {
            // Nothing of the new tree is in place: the transaction folder goes, unless the
            // old tree is still inside it awaiting recovery.
            if rootfs::kind(&staging.handle, ASIDE, &staging.dir)?.is_none() {
                staging.discard();
            }
            return Err(e);
        }
    };
    // The swap is made durable with the record that names it.
    let mut swapped = Barrier::default();
    swapped.add_dir(&opened.root);
    opts.crash_if(CrashPoint::BeforeRecord);
    let previous = lock.skills.insert(name.clone(), entry);
    if let Err(e) = lock.save_after(&opened.state, &root.state_dir(), &mut swapped) {
        // The record cannot be written: put the previous tree back before saying so.
        match previous {
            Some(p) => lock.skills.insert(name.clone(), p),
            None => lock.skills.remove(&name),
        };
        let undone = match how {
            How::Fresh => opened.root.rename(&name, &staging.handle, TREE),
            How::Exchanged => rootfs::exchange(&staging.handle, TREE, &opened.root, &name),
            How::Aside => opened
                .root
                .rename(&name, &staging.handle, TREE)
                .and_then(|()| staging.handle.rename(ASIDE, &opened.root, &name)),
        };
        rootfs::sync(&opened.root);
        if undone.is_ok() {
            staging.discard();
        }
        // Else the transaction folder stays, and the next run's recovery finishes it.
        return Err(e);
    }
    staging.discard();
    Ok(())
}

/// Moves `<root>/<name>` out of the root, drops its record, and deletes it. Only a real
/// folder is ever moved; the caller checked it is the one recorded.
pub(crate) fn commit_remove(
    root: &Root,
    opened: &Opened,
    name: &str,
    lock: &mut LockFile,
) -> Result<(), InstallError> {
    if !is_valid_name(name) {
        return Err(InstallError::BadName {
            name: name.to_string(),
        });
    }
    let target = root.skill_dir(name);
    let found = rootfs::kind(&opened.root, name, &root.dir)?;
    if let Some(k) = found.filter(|k| *k != Kind::Dir) {
        return Err(InstallError::NotAFolder {
            name: name.to_string(),
            path: target,
            found: k.describe(),
        });
    }
    let staging = Staging::create(root, opened)?;
    if let Err(e) = staging.write_txn(
        &Txn::Remove {
            name: name.to_string(),
        },
        &mut Barrier::default(),
    ) {
        staging.discard();
        return Err(e);
    }
    let moved = found.is_some();
    if moved
        && let Err(e) = rootfs::rename(
            &opened.root,
            name,
            &staging.handle,
            TREE,
            "cannot remove",
            &target,
        )
    {
        staging.discard();
        return Err(e);
    }
    let mut moved_out = Barrier::default();
    moved_out.add_dir(&opened.root);
    let previous = lock.skills.remove(name);
    if let Err(e) = lock.save_after(&opened.state, &root.state_dir(), &mut moved_out) {
        if let Some(p) = previous {
            lock.skills.insert(name.to_string(), p);
        }
        let undone = !moved || staging.handle.rename(TREE, &opened.root, name).is_ok();
        rootfs::sync(&opened.root);
        if undone {
            staging.discard();
        }
        return Err(e);
    }
    staging.discard();
    Ok(())
}

/// What [`recover`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Recovered {
    /// Transaction folders finished or undone, then deleted.
    pub cleaned: usize,
    /// Skills whose interrupted removal was finished.
    pub removed: Vec<String>,
}

/// Interrupted runs' transactions under `staging/`, each with the skill it concerns:
/// what `list` and `verify` report when they cannot finish them.
pub(crate) fn pending(root: &Root, state: &Dir) -> Result<Vec<String>, InstallError> {
    let Some(staging) =
        rootfs::child_dir(state, &root.state_dir(), super::layout::STAGING_DIR, false)?
    else {
        return Ok(Vec::new());
    };
    let mut names = Vec::new();
    for (_, _, txn) in transactions(root, &staging)? {
        if let Some(txn) = txn {
            names.push(txn.name().to_string());
        }
    }
    names.sort();
    names.dedup();
    Ok(names)
}

/// The transaction folders under `staging/`, opened, and what each one's `txn.json` says
/// (`None` for a folder without one, which a run killed before its first rename leaves).
/// Refuses anything but real folders, and records naming an invalid skill.
fn transactions(
    root: &Root,
    staging: &Dir,
) -> Result<Vec<(String, Dir, Option<Txn>)>, InstallError> {
    let shown = root.staging_dir();
    let entries = staging
        .entries()
        .map_err(|e| InstallError::io("cannot read", &shown, e))?;
    let mut out = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| InstallError::io("cannot read", &shown, e))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let path = shown.join(&name);
        let Some(dir) = rootfs::child_dir(staging, &shown, &name, false)? else {
            continue;
        };
        let txn = match rootfs::read_capped(&dir, &path, TXN_FILE, TXN_CAP)? {
            None => None,
            Some(bytes) => {
                let txn = serde_json::from_slice::<Txn>(&bytes).map_err(|e| {
                    InstallError::DamagedTxn {
                        path: path.join(TXN_FILE),
                        message: e.to_string(),
                    }
                })?;
                let named = txn.name();
                if !is_valid_name(named) {
                    return Err(InstallError::DamagedTxn {
                        path: path.join(TXN_FILE),
                        message: format!(
                            "it names `{}`, which is not a valid skill name",
                            crate::text::escape(named)
                        ),
                    });
                }
                Some(txn)
            }
        };
        out.push((name, dir, txn));
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(out)
}

/// Finishes or undoes what interrupted runs left under `staging/`, then deletes it, and
/// removes temporary files a killed record write left in `.skillpack/`. The caller holds
/// the run lock exclusively.
///
/// Debris is freed before any record is written, so that a full disk never wedges the
/// root: if the record write then fails, only the small `txn.json` files remain for the
/// next run.
pub(crate) fn recover(
    root: &Root,
    opened: &Opened,
    lock: &mut LockFile,
) -> Result<Recovered, InstallError> {
    sweep_temp_files(&opened.state);
    let txns = transactions(root, &opened.staging)?;
    let mut done = Recovered::default();
    // Folders whose record change is still to be written: they go once it is.
    let mut keep_txn = Vec::new();
    for (dir_name, dir, txn) in txns {
        let shown = root.staging_dir().join(&dir_name);
        match txn {
            Some(Txn::Install { entry }) => {
                let name = entry.name.clone();
                let target_kind = rootfs::kind(&opened.root, &name, &root.dir)?;
                if target_kind.is_none() && rootfs::kind(&dir, ASIDE, &shown)? == Some(Kind::Dir) {
                    // Crashed between the two renames of the move-aside path: undo.
                    rootfs::rename(
                        &dir,
                        ASIDE,
                        &opened.root,
                        &name,
                        "cannot put back",
                        &root.skill_dir(&name),
                    )?;
                    rootfs::sync(&opened.root);
                } else if target_kind == Some(Kind::Dir)
                    && current_digest(&opened.root, &root.skill_dir(&name), &name).as_deref()
                        == Some(entry.tree.as_str())
                    && lock.skills.get(&name) != Some(&*entry)
                {
                    // The new tree is in place but was not recorded yet: record it.
                    lock.skills.insert(name, *entry);
                    keep_txn.push(dir_name.clone());
                }
            }
            // An interrupted removal whose folder is already gone: drop the record too.
            Some(Txn::Remove { name })
                if rootfs::kind(&opened.root, &name, &root.dir)?.is_none() =>
            {
                // Only a recorded skill was being removed: a record of a removal of
                // something never recorded (planted, or already finished) changes nothing.
                if lock.skills.remove(&name).is_some() {
                    keep_txn.push(dir_name.clone());
                    done.removed.push(name);
                }
            }
            Some(Txn::Remove { .. }) | None => {}
        }
        // Free the trees first; the folder itself (with its txn.json) goes once recorded.
        let _ = rootfs::remove_tree(&dir, TREE);
        let _ = rootfs::remove_tree(&dir, ASIDE);
        // Windows refuses to delete a folder while a handle to it is open.
        drop(dir);
        if !keep_txn.contains(&dir_name) {
            opened
                .staging
                .remove_dir_all(&dir_name)
                .map_err(|e| InstallError::io("cannot remove", &shown, e))?;
        }
        done.cleaned += 1;
    }
    if !keep_txn.is_empty() {
        lock.save_in(&opened.state, &root.state_dir())?;
    }
    for dir_name in keep_txn {
        let _ = opened.staging.remove_dir_all(&dir_name);
    }
    Ok(done)
}

/// Removes the temporary files of record writes that a killed run left in `.skillpack/`.
fn sweep_temp_files(state: &Dir) {
    let Ok(entries) = state.entries() else { return };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if rootfs::is_temp_name(&name) && entry.file_type().is_ok_and(|t| t.is_file()) {
            let _ = state.remove_file(&name);
        }
    }
}

fn current_digest(root: &Dir, shown: &Path, name: &str) -> Option<String> {
    hash_tree_in(root, name, shown)
        .ok()
        .map(|files| tree_digest(name, &files))
}
