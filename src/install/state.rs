//! The state of an installed skill against its record: ok, modified, or missing files.

use std::path::Path;

use super::lockfile::LockEntry;
use crate::bundle::{BundleError, hash_tree};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TreeState {
    Ok,
    /// Files whose contents changed, files added, files removed (paths relative to the skill).
    Modified {
        changed: Vec<String>,
        added: Vec<String>,
        removed: Vec<String>,
    },
    /// The skill folder itself is gone.
    Missing,
}

impl TreeState {
    pub fn id(&self) -> &'static str {
        match self {
            TreeState::Ok => "ok",
            TreeState::Modified { changed, added, .. }
                if changed.is_empty() && added.is_empty() =>
            {
                "missing-files"
            }
            TreeState::Modified { .. } => "modified",
            TreeState::Missing => "missing",
        }
    }

    pub fn is_ok(&self) -> bool {
        *self == TreeState::Ok
    }

    /// Every differing path, each with what happened to it.
    pub fn differences(&self) -> Vec<(String, &'static str)> {
        match self {
            TreeState::Modified {
                changed,
                added,
                removed,
            } => changed
                .iter()
                .map(|p| (p.clone(), "modified"))
                .chain(added.iter().map(|p| (p.clone(), "added")))
                .chain(removed.iter().map(|p| (p.clone(), "missing")))
                .collect(),
            _ => Vec::new(),
        }
    }
}

/// Re-hashes `dir` and compares it with `entry`'s file list.
pub fn tree_state(dir: &Path, entry: &LockEntry) -> Result<TreeState, BundleError> {
    if !dir.is_dir() {
        return Ok(TreeState::Missing);
    }
    let files = hash_tree(dir)?;
    let mut changed = Vec::new();
    let mut added = Vec::new();
    for f in &files {
        match entry.files.get(&f.path) {
            Some(h) if *h == hex::encode(f.sha256) => {}
            Some(_) => changed.push(f.path.clone()),
            None => added.push(f.path.clone()),
        }
    }
    let removed: Vec<String> = entry
        .files
        .keys()
        .filter(|p| !files.iter().any(|f| &f.path == *p))
        .cloned()
        .collect();
    if changed.is_empty() && added.is_empty() && removed.is_empty() {
        Ok(TreeState::Ok)
    } else {
        Ok(TreeState::Modified {
            changed,
            added,
            removed,
        })
    }
}
