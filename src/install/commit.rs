//! Commit: swap a staged tree with the installed one so that a crash at any instant leaves
//! the old skill or the new one, never a mix, and only debris that [`recover`] cleans.
//!
//! On Linux the swap is one `renameat2(RENAME_EXCHANGE)`. Elsewhere (or on file systems
//! without it) the old tree is first moved aside into the transaction folder, then the new
//! one renamed in; a crash between the two renames is undone by [`recover`], which puts
//! the aside copy back. Every transaction folder holds a `txn.json` naming what it does,
//! written before the first rename, so recovery never guesses.

use std::fs;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::InstallError;
use super::layout::Root;
use super::lockfile::{LockEntry, LockFile, write_atomic};
use crate::bundle::{hash_tree, tree_digest};
use crate::durable::sync_dir;

/// What a transaction folder is for.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "lowercase")]
pub enum Txn {
    /// Put `tree/` in place as `<root>/<entry.name>` and record `entry`.
    Install { entry: Box<LockEntry> },
    /// Remove `<root>/<name>` and its record.
    Remove { name: String },
}

/// A folder under `<root>/.skillpack/staging/`, same file system as the root.
#[derive(Debug)]
pub struct Staging {
    pub dir: PathBuf,
}

impl Staging {
    pub fn create(root: &Root) -> Result<Staging, InstallError> {
        let parent = root.staging_dir();
        fs::create_dir_all(&parent).map_err(|e| InstallError::io("cannot create", &parent, e))?;
        let dir = tempfile::Builder::new()
            .prefix("txn-")
            .tempdir_in(&parent)
            .map_err(|e| InstallError::io("cannot create a staging folder in", &parent, e))?
            .keep();
        Ok(Staging { dir })
    }

    /// Where the bundle is unpacked.
    pub fn tree(&self) -> PathBuf {
        self.dir.join("tree")
    }

    /// Where the replaced tree waits for deletion on the move-aside path.
    fn aside(&self) -> PathBuf {
        self.dir.join("old")
    }

    fn txn_path(&self) -> PathBuf {
        self.dir.join("txn.json")
    }

    fn write_txn(&self, txn: &Txn) -> Result<(), InstallError> {
        let json = serde_json::to_vec(txn).expect("txn serialises");
        write_atomic(&self.txn_path(), &json)
    }

    /// Deletes the folder and everything in it.
    pub fn discard(self) {
        let _ = fs::remove_dir_all(&self.dir);
    }
}

/// Puts `staging.tree()` in place as `<root>/<name>`, records `entry` and deletes what was
/// replaced. The caller holds the run lock.
pub fn commit_install(
    root: &Root,
    staging: Staging,
    entry: LockEntry,
    lock: &mut LockFile,
) -> Result<(), InstallError> {
    let target = root.skill_dir(&entry.name);
    staging.write_txn(&Txn::Install {
        entry: Box::new(entry.clone()),
    })?;
    sync_dir(&staging.tree());
    let exists = fs::symlink_metadata(&target).is_ok();
    if !exists {
        rename(&staging.tree(), &target)?;
    } else if exchange(&staging.tree(), &target).is_err() {
        // No atomic exchange here: move the old tree aside, then the new one in.
        rename(&target, &staging.aside())?;
        rename(&staging.tree(), &target)?;
    }
    sync_dir(&root.dir);
    lock.skills.insert(entry.name.clone(), entry);
    lock.save(&root.lock_file())?;
    staging.discard();
    Ok(())
}

/// Moves `<root>/<name>` out of the root, drops its record, and deletes it.
pub fn commit_remove(root: &Root, name: &str, lock: &mut LockFile) -> Result<(), InstallError> {
    let staging = Staging::create(root)?;
    staging.write_txn(&Txn::Remove {
        name: name.to_string(),
    })?;
    let target = root.skill_dir(name);
    if fs::symlink_metadata(&target).is_ok() {
        rename(&target, &staging.tree())?;
        sync_dir(&root.dir);
    }
    lock.skills.remove(name);
    lock.save(&root.lock_file())?;
    staging.discard();
    Ok(())
}

/// Finishes or undoes what an interrupted run left under `staging/`, then deletes it.
/// Returns how many folders were cleaned. The caller holds the run lock.
pub fn recover(root: &Root, lock: &mut LockFile) -> Result<usize, InstallError> {
    let parent = root.staging_dir();
    let Ok(rd) = fs::read_dir(&parent) else {
        return Ok(0);
    };
    let mut cleaned = 0;
    for dir in rd.filter_map(Result::ok).map(|e| e.path()) {
        let staging = Staging { dir };
        let txn = fs::read(staging.txn_path())
            .ok()
            .and_then(|b| serde_json::from_slice::<Txn>(&b).ok());
        match txn {
            Some(Txn::Install { entry }) => {
                let target = root.skill_dir(&entry.name);
                if !target.exists() && staging.aside().exists() {
                    // Crashed between the two renames of the move-aside path: undo.
                    rename(&staging.aside(), &target)?;
                } else if current_digest(&target, &entry.name).as_deref()
                    == Some(entry.tree.as_str())
                    && lock.skills.get(&entry.name) != Some(&*entry)
                {
                    // The new tree is in place but was not recorded yet: record it.
                    lock.skills.insert(entry.name.clone(), *entry);
                    lock.save(&root.lock_file())?;
                }
            }
            // An interrupted removal whose folder is already gone: drop the record too.
            Some(Txn::Remove { name })
                if !root.skill_dir(&name).exists() && lock.skills.remove(&name).is_some() =>
            {
                lock.save(&root.lock_file())?;
            }
            Some(Txn::Remove { .. }) | None => {}
        }
        staging.discard();
        cleaned += 1;
    }
    Ok(cleaned)
}

fn current_digest(dir: &Path, name: &str) -> Option<String> {
    if !dir.is_dir() {
        return None;
    }
    hash_tree(dir).ok().map(|files| tree_digest(name, &files))
}

fn rename(from: &Path, to: &Path) -> Result<(), InstallError> {
    fs::rename(from, to).map_err(|e| InstallError::Commit {
        from: from.to_path_buf(),
        to: to.to_path_buf(),
        source: e,
    })
}

/// Atomically swaps two paths (Linux `renameat2(RENAME_EXCHANGE)`).
#[cfg(target_os = "linux")]
fn exchange(a: &Path, b: &Path) -> std::io::Result<()> {
    use std::ffi::CString;
    use std::os::unix::ffi::OsStrExt;
    let ca = CString::new(a.as_os_str().as_bytes())?;
    let cb = CString::new(b.as_os_str().as_bytes())?;
    // SAFETY: both pointers are valid NUL-terminated strings that outlive the call.
    let rc = unsafe {
        libc::syscall(
            libc::SYS_renameat2,
            libc::AT_FDCWD,
            ca.as_ptr(),
            libc::AT_FDCWD,
            cb.as_ptr(),
            libc::RENAME_EXCHANGE,
        )
    };
    if rc == 0 {
        Ok(())
    } else {
        Err(std::io::Error::last_os_error())
    }
}

#[cfg(not(target_os = "linux"))]
fn exchange(_a: &Path, _b: &Path) -> std::io::Result<()> {
    Err(std::io::Error::from(std::io::ErrorKind::Unsupported))
}
