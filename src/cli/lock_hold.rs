//! Taking turns on a project's `skillpack.lock`: every command that reads it in order to
//! write it back holds it from the reading to the writing, so that runs at the same time (an
//! install for Claude Code beside one for Codex) never lose each other's entries.

use std::path::{Path, PathBuf};

use skillpack::install::project::{Hold, ProjectLock};

use super::Failure;
use super::fetch::base_config;
use super::project::lock_failure;

/// The folder the holds are kept in: `project-locks` in skillpack's cache folder, so that
/// nothing is left in the project.
fn holds_dir() -> Result<PathBuf, Failure> {
    let config = base_config(PathBuf::new(), None, Default::default())?;
    Ok(config.cache_dir.join("project-locks"))
}

/// Holds the lock at `path` until the returned value is dropped; `on_wait` is called when
/// another run has it.
pub(crate) fn hold(on_wait: &mut dyn FnMut(&Path), path: &Path) -> Result<Hold, Failure> {
    Hold::take(path, &holds_dir()?, on_wait).map_err(lock_failure)
}

/// Reads the lock at `path` (`None`: there is none) while holding it, hands it to `change`,
/// and saves it when `change` returns true (a lock it left `None` is not written); whether
/// it was saved.
pub(crate) fn amend(
    on_wait: &mut dyn FnMut(&Path),
    path: &Path,
    change: impl FnOnce(&mut Option<ProjectLock>) -> Result<bool, Failure>,
) -> Result<bool, Failure> {
    let _hold = hold(on_wait, path)?;
    let mut lock = ProjectLock::load(path).map_err(lock_failure)?;
    if !change(&mut lock)? {
        return Ok(false);
    }
    match &lock {
        Some(lock) => lock.save(path).map_err(lock_failure)?,
        None => return Ok(false),
    }
    Ok(true)
}
