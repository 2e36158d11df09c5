//! Changing what `lock.json` records about an installed skill without installing it again:
//! the key that now vouches for its source, or the commit its branch now points to, when
//! the tree is the one installed.

use std::path::Path;

use super::commit;
use super::error::InstallError;
use super::layout::Root;
use super::lockfile::LockFile;
use super::runlock::RunLock;
use crate::source::SourceRecord;

/// What to change in a skill's record.
#[derive(Debug, Clone, Default)]
pub struct Amend<'a> {
    /// The key (`RW…`) that verified the source this time.
    pub key: Option<&'a str>,
    /// The source as fetched this time (a branch at its new commit).
    pub source: Option<&'a SourceRecord>,
}

/// Records `change` for `name` in `root`, under the run lock, when `name` is recorded
/// there with the tree `tree` (a skill replaced meanwhile is left as it is). True when the
/// record changed.
pub fn amend_record(
    root: &Root,
    name: &str,
    tree: &str,
    change: &Amend<'_>,
    on_wait: &mut dyn FnMut(&Path),
) -> Result<bool, InstallError> {
    let Some(read) = root.open_read()? else {
        return Ok(false);
    };
    if read.state.is_none() {
        return Ok(false);
    }
    let opened = root.open_write()?;
    let _guard = RunLock::acquire(&opened.state, &root.state_dir(), on_wait)?;
    let mut lock = LockFile::load_in(&opened.state, &root.state_dir())?;
    commit::recover(root, &opened, &mut lock)?;
    let Some(entry) = lock.skills.get_mut(name).filter(|e| e.tree == tree) else {
        return Ok(false);
    };
    let before = entry.clone();
    if let Some(key) = change.key {
        entry.key = Some(key.to_string());
    }
    if let Some(source) = change.source {
        entry.source = source.clone();
    }
    if *entry == before {
        return Ok(false);
    }
    lock.save_in(&opened.state, &root.state_dir())?;
    Ok(true)
}
