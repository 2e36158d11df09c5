//! What `list` and `verify` read of a root: its record and the state of each recorded
//! skill, seen under the shared run lock.

use std::path::Path;

use super::commit;
use super::error::InstallError;
use super::layout::Root;
use super::lockfile::LockFile;
use super::runlock::RunLock;
use super::state::{TreeState, tree_state};

/// The record of a root and the state of each recorded skill, read under the shared run
/// lock so that a concurrent install is never seen half-way. Interrupted runs are finished
/// first when the root can be written; otherwise their skills are reported as pending.
#[derive(Debug, Clone, Default)]
pub struct RootView {
    pub lock: LockFile,
    /// Each recorded skill's state, by name.
    pub states: std::collections::BTreeMap<String, TreeState>,
    /// Skills an interrupted run left unfinished (and this run could not finish).
    pub pending: Vec<String>,
    /// Transaction folders this run finished.
    pub recovered: usize,
}

/// Reads `root` for `list` and `verify`: see [`RootView`]. `on_wait` is called if an
/// install holds the root.
pub fn view(root: &Root, on_wait: &mut dyn FnMut(&Path)) -> Result<RootView, InstallError> {
    let Some(read) = root.open_read()? else {
        return Ok(RootView::default());
    };
    let Some(state) = read.state else {
        return Ok(RootView::default());
    };
    let mut recovered = 0;
    // Finish interrupted runs when no other run is busy and the root can be written.
    // (Looked at before the lock, so a concurrent run's own folder may vanish meanwhile:
    // errors here are seen again, and reported, under the lock below.)
    if commit::pending(root, &state).is_ok_and(|p| !p.is_empty())
        && let Ok(opened) = root.open_write()
        && let Ok(Some(_guard)) = RunLock::try_acquire(&opened.state, &root.state_dir())
    {
        let mut lock = LockFile::load_in(&opened.state, &root.state_dir())?;
        recovered = commit::recover(root, &opened, &mut lock)?.cleaned;
    }
    let _shared = RunLock::acquire_shared(&state, &root.state_dir(), on_wait)?;
    let lock = LockFile::load_in(&state, &root.state_dir())?;
    let pending = commit::pending(root, &state)?;
    let mut states = std::collections::BTreeMap::new();
    for (name, entry) in &lock.skills {
        states.insert(name.clone(), tree_state(&read.root, &root.dir, entry)?);
    }
    Ok(RootView {
        lock,
        states,
        pending,
        recovered,
    })
}
