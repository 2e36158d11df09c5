//! Where skillpack keeps its state inside a skills root: `<root>/.skillpack/`.
//!
//! Claude Code reads only `<root>/<name>/SKILL.md`, so nothing under `.skillpack/` is ever
//! mistaken for a skill, and staging shares the target's file system so commits are renames.

use std::path::{Path, PathBuf};

pub const STATE_DIR: &str = ".skillpack";

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

    /// Skill folders present in the root (holding a `SKILL.md`), sorted by name.
    pub fn present_skills(&self) -> Vec<String> {
        let Ok(rd) = std::fs::read_dir(&self.dir) else {
            return Vec::new();
        };
        let mut names: Vec<String> = rd
            .filter_map(Result::ok)
            .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
            .filter_map(|e| e.file_name().into_string().ok())
            .filter(|n| n != STATE_DIR && Path::new(&self.dir).join(n).join("SKILL.md").is_file())
            .collect();
        names.sort();
        names
    }
}
