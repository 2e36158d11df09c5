//! The per-root run lock: concurrent skillpack runs on one root take turns.
//!
//! An advisory lock on `<root>/.skillpack/run.lock`, released by the OS when the process
//! exits however it exits, so a killed run never leaves a stale lock behind.

use std::fs::{self, File, OpenOptions};
use std::path::Path;

use super::InstallError;
use super::layout::Root;

#[derive(Debug)]
pub struct RunLock {
    _file: File,
}

impl RunLock {
    /// Takes the lock, calling `on_wait` once if another run holds it, then blocking.
    pub fn acquire(root: &Root, on_wait: &mut dyn FnMut(&Path)) -> Result<RunLock, InstallError> {
        let state = root.state_dir();
        fs::create_dir_all(&state).map_err(|e| InstallError::io("cannot create", &state, e))?;
        let path = root.run_lock();
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(|e| InstallError::io("cannot open", &path, e))?;
        match file.try_lock() {
            Ok(()) => {}
            Err(fs::TryLockError::WouldBlock) => {
                on_wait(&path);
                file.lock()
                    .map_err(|e| InstallError::io("cannot lock", &path, e))?;
            }
            Err(fs::TryLockError::Error(e)) => {
                return Err(InstallError::io("cannot lock", &path, e));
            }
        }
        Ok(RunLock { _file: file })
    }
}
