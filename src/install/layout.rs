//! Where skillpack keeps its state inside a skills root: `<root>/.skillpack/`.
//!
//! Claude Code reads only `<root>/<name>/SKILL.md`, so nothing under `.skillpack/` is ever
//! mistaken for a skill, and staging shares the target's file system so commits are renames.

use std::path::{Path, PathBuf};

use cap_std::fs::Dir;

use super::InstallError;
use super::rootfs;

pub const STATE_DIR: &str = ".skillpack";
pub const STAGING_DIR: &str = "staging";
pub const RUN_LOCK: &str = "run.lock";

/// The root and its state folders, opened; nothing below the root is reached by path.
#[derive(Debug)]
pub struct Opened {
    pub root: Dir,
    pub state: Dir,
    pub staging: Dir,
}

/// The root and, when present, its state folder, opened for reading.
#[derive(Debug)]
pub struct OpenedRead {
    pub root: Dir,
    pub state: Option<Dir>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Root {
    pub dir: PathBuf,
}

impl Root {
    pub fn new(dir: impl Into<PathBuf>) -> Root {
        Root { dir: dir.into() }
    }

    pub fn state_dir(&self) -> PathBuf {
        self.dir.join(STATE_DIR)
    }

    pub fn lock_file(&self) -> PathBuf {
        self.state_dir().join("lock.json")
    }

    pub fn staging_dir(&self) -> PathBuf {
        self.state_dir().join("staging")
    }

    pub fn run_lock(&self) -> PathBuf {
        self.state_dir().join("run.lock")
    }

    pub fn skill_dir(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }

    /// Creates what is missing of the root, `.skillpack/` and `staging/`, and opens them,
    /// refusing a state path that is not a real folder.
    pub fn open_write(&self) -> Result<Opened, InstallError> {
        let root = rootfs::create_root(&self.dir)?;
        let state = rootfs::child_dir(&root, &self.dir, STATE_DIR, true)?
            .ok_or_else(|| missing(self.state_dir()))?;
        let staging = rootfs::child_dir(&state, &self.state_dir(), STAGING_DIR, true)?
            .ok_or_else(|| missing(self.staging_dir()))?;
        Ok(Opened {
            root,
            state,
            staging,
        })
    }

    /// Opens the root and its state folder without creating anything; `None` when the root
    /// does not exist.
    pub fn open_read(&self) -> Result<Option<OpenedRead>, InstallError> {
        let root = match rootfs::open_root(&self.dir) {
            Ok(d) => d,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(InstallError::io("cannot open", &self.dir, e)),
        };
        let state = rootfs::child_dir(&root, &self.dir, STATE_DIR, false)?;
        Ok(Some(OpenedRead { root, state }))
    }

    /// Skill folders present in the root (holding a `SKILL.md`), sorted by name.
    pub fn present_skills(&self) -> Vec<String> {
        let Ok(rd) = std::fs::read_dir(&self.dir) else {
            return Vec::new();
        };
        let mut names: Vec<String> = rd
            .filter_map(Result::ok)
            // `DirEntry::file_type` does not follow links: a linked folder is not listed.
            .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
            .filter_map(|e| e.file_name().into_string().ok())
            .filter(|n| n != STATE_DIR && Path::new(&self.dir).join(n).join("SKILL.md").is_file())
            .collect();
        names.sort();
        names
    }
}

fn missing(path: PathBuf) -> InstallError {
    InstallError::io(
        "cannot create",
        path,
        std::io::Error::from(std::io::ErrorKind::NotFound),
    )
}
