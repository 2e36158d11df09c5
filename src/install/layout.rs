//! Where skillpack keeps its state inside a skills root: `<root>/.skillpack/`.
//!
//! Claude Code reads only `<root>/<name>/SKILL.md`, so nothing under `.skillpack/` is ever
//! mistaken for a skill, and staging shares the target's file system so commits are renames.

use std::path::{Path, PathBuf};

use cap_std::fs::Dir;

use super::error::InstallError;
use super::rootfs;

pub(crate) const STATE_DIR: &str = ".skillpack";
pub(crate) const STAGING_DIR: &str = "staging";
pub(crate) const RUN_LOCK: &str = "run.lock";

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
    /// For a project-scope root: the project folder, from which the folders down to `dir`
    /// (`.claude/skills`) are reached without following a link, so that a repository
    /// cannot point its skills folder outside itself.
    pub base: Option<PathBuf>,
}

impl Root {
    /// A root the user named (`--dir`, or a user-scope folder): opened as given.
    pub fn new(dir: impl Into<PathBuf>) -> Root {
        Root {
            dir: dir.into(),
            base: None,
        }
    }

    /// `base/rel`, where every folder below `base` must be a real folder.
    pub fn within(base: impl Into<PathBuf>, rel: impl AsRef<Path>) -> Root {
        let base = base.into();
        Root {
            dir: base.join(rel),
            base: Some(base),
        }
    }

    /// Opens the root folder (creating what is missing when `create`); `None` when it does
    /// not exist and `create` is false.
    pub(crate) fn open_dir(&self, create: bool) -> Result<Option<Dir>, InstallError> {
        let Some(base) = &self.base else {
            return if create {
                rootfs::create_root(&self.dir).map(Some)
            } else {
                match rootfs::open_root(&self.dir) {
                    Ok(d) => Ok(Some(d)),
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
                    Err(e) => Err(InstallError::io("cannot open", &self.dir, e)),
                }
            };
        };
        let mut dir = match rootfs::open_root(base) {
            Ok(d) => d,
            Err(e) => return Err(InstallError::io("cannot open", base, e)),
        };
        let mut shown = base.clone();
        let rel = self.dir.strip_prefix(base).unwrap_or(Path::new(""));
        for part in rel.components() {
            let name = part.as_os_str().to_string_lossy();
            // Each folder down from the project is a real folder of it, never a link.
            let child = rootfs::child_dir(&dir, &shown, &name, create).map_err(|e| match e {
                InstallError::UnsafeState { path, found, .. } => InstallError::ProjectFolder {
                    link: found == rootfs::Kind::Symlink.describe(),
                    path,
                    found,
                },
                other => other,
            });
            match child? {
                Some(d) => dir = d,
                None => return Ok(None),
            }
            shown.push(&*name);
        }
        Ok(Some(dir))
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

    pub fn skill_dir(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }

    /// Creates what is missing of the root, `.skillpack/` and `staging/`, and opens them,
    /// refusing a state path that is not a real folder.
    pub fn open_write(&self) -> Result<Opened, InstallError> {
        let root = self
            .open_dir(true)?
            .ok_or_else(|| missing(self.dir.clone()))?;
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
        let Some(root) = self.open_dir(false)? else {
            return Ok(None);
        };
        let state = rootfs::child_dir(&root, &self.dir, STATE_DIR, false)?;
        Ok(Some(OpenedRead { root, state }))
    }

    /// Skill folders present in the root (holding a `SKILL.md`), sorted by name. Seen
    /// through the opened root without following a link: a linked folder, or a folder whose
    /// `SKILL.md` is a link, is not listed.
    pub fn present_skills(&self) -> Vec<String> {
        let Ok(Some(root)) = self.open_dir(false) else {
            return Vec::new();
        };
        let Ok(entries) = root.entries() else {
            return Vec::new();
        };
        let mut names: Vec<String> = entries
            .filter_map(Result::ok)
            // The entry's own type, not its target's.
            .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
            .filter_map(|e| e.file_name().into_string().ok())
            .filter(|n| n != STATE_DIR)
            .filter(|n| {
                matches!(
                    rootfs::child_dir(&root, &self.dir, n, false),
                    Ok(Some(d)) if matches!(
                        rootfs::kind(&d, "SKILL.md", &self.dir.join(n)),
                        Ok(Some(rootfs::Kind::File))
                    )
                )
            })
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

/// A new temporary folder in `scratch` (empty: the system's temporary folder).
pub(crate) fn scratch_dir(scratch: &Path) -> Result<tempfile::TempDir, InstallError> {
    let made = if scratch.as_os_str().is_empty() {
        tempfile::tempdir()
    } else {
        tempfile::tempdir_in(scratch)
    };
    made.map_err(|e| InstallError::io("cannot create a temporary folder in", scratch, e))
}
