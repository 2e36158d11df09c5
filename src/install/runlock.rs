//! The per-root run lock: concurrent skillpack runs on one root take turns.
//!
//! An advisory lock on `<root>/.skillpack/run.lock`, released by the OS when the process
//! exits however it exits, so a killed run never leaves a stale lock behind. Runs that
//! change the root take it exclusively; `list` and `verify` take it shared, so they never
//! see an install half-way. The file is opened without following links and without
//! blocking, and must be a regular file.

use std::fs::{File, TryLockError};
use std::path::Path;

use cap_std::fs::Dir;

use super::error::InstallError;
use super::layout::RUN_LOCK;
use super::rootfs::{self, Access};

#[derive(Debug)]
pub struct RunLock {
    _file: File,
}

impl RunLock {
    /// Takes the lock exclusively, calling `on_wait` once if another run holds it, then
    /// blocking. `state` is the opened state folder, shown as `state_shown`.
    pub fn acquire(
        state: &Dir,
        state_shown: &Path,
        on_wait: &mut dyn FnMut(&Path),
    ) -> Result<RunLock, InstallError> {
        let path = state_shown.join(RUN_LOCK);
        let file = rootfs::state_file(state, state_shown, RUN_LOCK, Access::ReadWriteCreate)?
            .ok_or_else(|| {
                InstallError::io("cannot open", &path, std::io::ErrorKind::NotFound.into())
            })?;
        match file.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => {
                on_wait(&path);
                file.lock()
                    .map_err(|e| InstallError::io("cannot lock", &path, e))?;
            }
            Err(TryLockError::Error(e)) => return Err(InstallError::io("cannot lock", &path, e)),
        }
        Ok(RunLock { _file: file })
    }

    /// Takes the lock shared (readers), waiting for a run that changes the root. `None`
    /// when there is no lock file yet (nothing was ever installed here) or it cannot be
    /// opened for writing (a read-only root, where no run can change anything either).
    pub fn acquire_shared(
        state: &Dir,
        state_shown: &Path,
        on_wait: &mut dyn FnMut(&Path),
    ) -> Result<Option<RunLock>, InstallError> {
        let path = state_shown.join(RUN_LOCK);
        let file = match rootfs::state_file(state, state_shown, RUN_LOCK, Access::Read)? {
            Some(f) => f,
            None => return Ok(None),
        };
        match file.try_lock_shared() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => {
                on_wait(&path);
                file.lock_shared()
                    .map_err(|e| InstallError::io("cannot lock", &path, e))?;
            }
            Err(TryLockError::Error(e)) => return Err(InstallError::io("cannot lock", &path, e)),
        }
        Ok(Some(RunLock { _file: file }))
    }

    /// Tries to take the lock exclusively without waiting; `None` if another run holds it.
    pub fn try_acquire(state: &Dir, state_shown: &Path) -> Result<Option<RunLock>, InstallError> {
        let path = state_shown.join(RUN_LOCK);
        let Some(file) = rootfs::state_file(state, state_shown, RUN_LOCK, Access::ReadWriteCreate)?
        else {
            return Ok(None);
        };
        match file.try_lock() {
            Ok(()) => Ok(Some(RunLock { _file: file })),
            Err(TryLockError::WouldBlock) => Ok(None),
            Err(TryLockError::Error(e)) => Err(InstallError::io("cannot lock", &path, e)),
        }
    }
}
