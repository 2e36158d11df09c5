//! The state of an installed skill against its record: ok, modified, missing files, or
//! replaced by something that is not a folder.

use std::path::Path;

use cap_std::fs::Dir;

use super::error::InstallError;
use super::lockfile::LockEntry;
use super::rootfs::{self, Kind};
use crate::bundle::{tree_digest, walk_tree_in};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TreeState {
    Ok,
    /// Files whose contents changed, files added, files removed (paths relative to the
    /// skill); `record` when the files match the per-file hashes but not the tree digest
    /// recorded beside them (an edited record).
    Modified {
        changed: Vec<String>,
        added: Vec<String>,
        removed: Vec<String>,
        record: bool,
    },
    /// The skill folder itself is gone.
    Missing,
    /// Something other than a folder (a link, a file) stands where the skill was; it is
    /// never followed, hashed or deleted.
    NotAFolder(&'static str),
}

impl TreeState {
    pub fn id(&self) -> &'static str {
        match self {
            TreeState::Ok => "ok",
            TreeState::Modified {
                changed,
                added,
                record: false,
                ..
            } if changed.is_empty() && added.is_empty() => "missing-files",
            TreeState::Modified { .. } => "modified",
            TreeState::Missing => "missing",
            TreeState::NotAFolder(_) => "not-a-folder",
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
                record,
            } => changed
                .iter()
                .map(|p| (p.clone(), "modified"))
                .chain(added.iter().map(|p| (p.clone(), "added")))
                .chain(removed.iter().map(|p| (p.clone(), "missing")))
                .chain(record.then(|| ("(tree digest)".to_string(), "differs from the record")))
                .collect(),
            _ => Vec::new(),
        }
    }
}

/// Re-hashes `<root>/<entry.name>` and compares it with `entry`: each file's hash, and the
/// tree digest over them with the one recorded. `root_dir` is the opened root; the skill
/// folder is looked at without following a link, and links inside it are not followed.
pub fn tree_state(
    root_dir: &Dir,
    root_shown: &Path,
    entry: &LockEntry,
) -> Result<TreeState, InstallError> {
    match rootfs::kind(root_dir, &entry.name, root_shown)? {
        None => return Ok(TreeState::Missing),
        Some(Kind::Dir) => {}
        Some(other) => return Ok(TreeState::NotAFolder(other.describe())),
    }
    let (files, others) = walk_tree_in(root_dir, &entry.name, &root_shown.join(&entry.name))?;
    let mut changed = Vec::new();
    let mut added = Vec::new();
    for f in &files {
        match entry.files.get(&f.path) {
            Some(h) if *h == hex::encode(f.sha256) => {}
            Some(_) => changed.push(f.path.clone()),
            None => added.push(f.path.clone()),
        }
    }
    // A link or special file planted inside: not in the digest, never installed by
    // skillpack, and an agent may follow it.
    added.extend(others);
    let present: std::collections::BTreeSet<&str> = files.iter().map(|f| f.path.as_str()).collect();
    let removed: Vec<String> = entry
        .files
        .keys()
        .filter(|p| !present.contains(p.as_str()))
        .cloned()
        .collect();
    // Only worth saying when every file matches its own hash: otherwise the digest differs
    // because the files do.
    let record = changed.is_empty()
        && added.is_empty()
        && removed.is_empty()
        && tree_digest(&entry.name, &files) != entry.tree;
    if changed.is_empty() && added.is_empty() && removed.is_empty() && !record {
        Ok(TreeState::Ok)
    } else {
        Ok(TreeState::Modified {
            changed,
            added,
            removed,
            record,
        })
    }
}

/// "2 files modified: a, b" style summary of a tree state.
pub fn summarise(state: &TreeState) -> String {
    if let TreeState::NotAFolder(found) = state {
        return format!("it is now {found}");
    }
    let diffs = state.differences();
    let shown: Vec<String> = diffs
        .iter()
        .take(3)
        .map(|(p, what)| format!("{p} {what}"))
        .collect();
    let more = diffs.len().saturating_sub(3);
    let mut s = shown.join(", ");
    if more > 0 {
        s.push_str(&format!(" and {more} more"));
    }
    s
}
