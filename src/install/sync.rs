//! `sync`: what differs between a skills root and `skillpack.lock`, what to do about it, and
//! how each locked skill is fetched again exactly (its commit, its archive digest, its
//! local folder), with the tree it must have.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use super::project::{Locked, Origin, local_path};
use super::state::TreeState;
use super::view::RootView;
use crate::bundle::Limits;
use crate::source::{Fetched, InRepo, Resolved, Session, SourceError, SourceRecord};

/// One difference between a root and the lock.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Difference {
    /// Locked, not installed.
    Missing { name: String },
    /// Locked, and a folder skillpack did not install stands there.
    Unmanaged { name: String },
    /// Installed from another tree than the locked one.
    OtherTree { name: String, installed: String },
    /// Installed files changed since (each path with what happened to it).
    Modified {
        name: String,
        files: Vec<(String, &'static str)>,
    },
    /// Installed by skillpack, no longer locked.
    Extra { name: String },
}

impl Difference {
    pub fn name(&self) -> &str {
        match self {
            Difference::Missing { name }
            | Difference::Unmanaged { name }
            | Difference::OtherTree { name, .. }
            | Difference::Modified { name, .. }
            | Difference::Extra { name } => name,
        }
    }

    pub fn id(&self) -> &'static str {
        match self {
            Difference::Missing { .. } => "missing",
            Difference::Unmanaged { .. } => "unmanaged",
            Difference::OtherTree { .. } => "other-tree",
            Difference::Modified { .. } => "modified",
            Difference::Extra { .. } => "extra",
        }
    }
}

/// What `sync` does in one root.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Plan {
    /// Locked and installed as locked.
    pub present: Vec<String>,
    /// To fetch and install: missing, another tree, or (with force) changed by hand.
    pub install: Vec<String>,
    /// Locked, but changed by hand or held by a hand-made folder: kept without force.
    pub blocked: Vec<String>,
    /// Installed by skillpack, no longer locked, unchanged (or with force): removed.
    pub remove: Vec<String>,
    /// Installed by skillpack, no longer locked, changed by hand: kept, reported.
    pub keep: Vec<String>,
    /// Everything that differs, for `--check` and for the report.
    pub differences: Vec<Difference>,
}

impl Plan {
    pub fn is_noop(&self) -> bool {
        self.install.is_empty() && self.blocked.is_empty() && self.remove.is_empty()
    }
}

/// Decides what `sync` does in a root holding `view` (its record and each recorded
/// skill's state) and the folders `present`, for the locked skills `wanted`.
pub fn plan(wanted: &[&Locked], view: &RootView, present: &BTreeSet<String>, force: bool) -> Plan {
    let mut p = Plan::default();
    let locked: BTreeMap<&str, &Locked> = wanted.iter().map(|e| (e.name.as_str(), *e)).collect();
    for (name, entry) in &locked {
        let name = name.to_string();
        let Some(record) = view.lock.skills.get(&name) else {
            if present.contains(&name) {
                p.differences
                    .push(Difference::Unmanaged { name: name.clone() });
                if force {
                    p.install.push(name)
                } else {
                    p.blocked.push(name)
                }
            } else {
                p.differences
                    .push(Difference::Missing { name: name.clone() });
                p.install.push(name);
            }
            continue;
        };
        let state = view
            .states
            .get(&name)
            .cloned()
            .unwrap_or(TreeState::Missing);
        match state {
            TreeState::Ok if record.tree == entry.tree => p.present.push(name),
            TreeState::Ok => {
                p.differences.push(Difference::OtherTree {
                    name: name.clone(),
                    installed: record.tree.clone(),
                });
                p.install.push(name);
            }
            TreeState::Missing => {
                p.differences
                    .push(Difference::Missing { name: name.clone() });
                p.install.push(name);
            }
            other => {
                let files = match &other {
                    TreeState::NotAFolder(found) => vec![(String::new(), *found)],
                    s => s.differences(),
                };
                p.differences.push(Difference::Modified {
                    name: name.clone(),
                    files,
                });
                if record.tree != entry.tree {
                    p.differences.push(Difference::OtherTree {
                        name: name.clone(),
                        installed: record.tree.clone(),
                    });
                }
                if force {
                    p.install.push(name)
                } else {
                    p.blocked.push(name)
                }
            }
        }
    }
    for name in view.lock.skills.keys() {
        if locked.contains_key(name.as_str()) {
            continue;
        }
        p.differences.push(Difference::Extra { name: name.clone() });
        match view.states.get(name) {
            Some(TreeState::Modified { .. }) | Some(TreeState::NotAFolder(_)) if !force => {
                p.keep.push(name.clone())
            }
            _ => p.remove.push(name.clone()),
        }
    }
    p
}

/// Why a locked skill could not be fetched as locked.
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    #[error(transparent)]
    Source(#[from] SourceError),

    #[error("{name}: {message}")]
    Path { name: String, message: String },

    #[error("{name}: the lock says key {expected} verified it, but {found}")]
    Key {
        name: String,
        expected: String,
        found: String,
        /// The key (`RW…`) that signed the source instead, when one did.
        signed_by: Option<String>,
    },
}

impl SyncError {
    pub fn kind(&self) -> &'static str {
        match self {
            SyncError::Source(e) => e.kind(),
            SyncError::Path { .. } => "path-outside",
            SyncError::Key { .. } => "untrusted-key",
        }
    }
}

/// Fetches `entry` exactly as locked: a repository at its commit (served from the cache
/// offline), a URL with its archive digest, a local folder relative to `base`, a catalog or
/// index name at its version. The result must have the locked tree and name; with a key
/// locked, the source must be signed by that key. `trusted`: the lock was named by the
/// user, so its local paths may leave `base`.
pub fn fetch_locked(
    session: &mut Session<'_>,
    entry: &Locked,
    base: &Path,
    trusted: bool,
    limits: &Limits,
) -> Result<Fetched, SyncError> {
    let inner = entry.path.as_deref().unwrap_or("");
    let mut fetched = match &entry.source {
        Origin::Catalog(name) | Origin::Index(name) => {
            let name = if matches!(entry.source, Origin::Catalog(_)) {
                name.as_str()
            } else {
                entry.name.as_str()
            };
            let index = match &entry.source {
                Origin::Index(url) => Some(url.as_str()),
                _ => None,
            };
            let newest = session.resolve(name, index)?;
            let resolved = match (&entry.version, newest.tree()) {
                (_, Some(t)) if t == entry.tree => newest,
                (Some(v), _) => session.resolve_version(name, v)?,
                (None, _) => newest,
            };
            let mut f = session.fetch_resolved(&resolved)?;
            if let (Resolved::Index { .. }, Some(a)) = (&resolved, entry.archive_hex()) {
                f.expected_sha256 = Some(a.to_string());
            }
            f
        }
        Origin::Github(repo) => {
            let commit = entry.commit.as_deref();
            session.fetch_github_tree(repo, commit, InRepo::Path(inner), &entry.tree)?
        }
        Origin::Git(url) => session
            .open_git(url, entry.commit.as_deref(), None)?
            .take_path(inner, limits)?,
        Origin::Url(url) => session
            .open_url(url, entry.archive_hex())?
            .take_path(inner, limits)?,
        Origin::Path(p) => {
            let at = local_path(p, base, trusted).map_err(|message| SyncError::Path {
                name: entry.name.clone(),
                message,
            })?;
            let archive = entry.archive_hex().map(str::to_string);
            session.open_path(&at, archive)?.take_path(inner, limits)?
        }
    };
    fetched.expected_tree = Some(entry.tree.clone());
    fetched.expected_name = Some(entry.name.clone());
    // Recorded with the ref the user asked for (fetched at its locked commit), so that
    // `update` moves a branch and keeps a pin.
    if let SourceRecord::Github { reference, .. } | SourceRecord::Git { reference, .. } =
        &mut fetched.source
    {
        *reference = entry.reference.clone().unwrap_or_else(|| "HEAD".into());
    }
    if let Some(key) = &entry.key {
        let found = match &fetched.signed_by {
            Some(k) if k.base64() == key => None,
            Some(k) => Some(format!("the source is signed by key ID {} instead", k.id())),
            None => Some("the source came without a signature by it".to_string()),
        };
        if let Some(found) = found {
            let expected = crate::sign::TrustedKey::parse(key)
                .map(|k| format!("ID {}", k.id()))
                .unwrap_or_else(|_| key.clone());
            return Err(SyncError::Key {
                name: entry.name.clone(),
                expected,
                found,
                signed_by: fetched.signed_by.as_ref().map(|k| k.base64().to_string()),
            });
        }
    }
    Ok(fetched)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::install::{LockEntry, LockFile};

    fn t(n: u8) -> String {
        format!("sha256:{}", hex::encode([n; 32]))
    }

    fn locked(name: &str, tree: u8) -> Locked {
        Locked::from_install(
            name,
            None,
            &SourceRecord::Path { path: "/p".into() },
            None,
            &t(tree),
            None,
            &["claude-code"],
            None,
        )
        .unwrap()
    }

    fn view(installed: &[(&str, u8, TreeState)]) -> RootView {
        let mut lock = LockFile::default();
        let mut states = BTreeMap::new();
        for (name, tree, state) in installed {
            lock.skills.insert(
                name.to_string(),
                LockEntry {
                    name: name.to_string(),
                    version: None,
                    source: SourceRecord::Path { path: "/p".into() },
                    archive_sha256: None,
                    key: None,
                    tree: t(*tree),
                    installed_at: String::new(),
                    files: BTreeMap::new(),
                },
            );
            states.insert(name.to_string(), state.clone());
        }
        RootView {
            lock,
            states,
            ..RootView::default()
        }
    }

    fn modified() -> TreeState {
        TreeState::Modified {
            changed: vec!["SKILL.md".into()],
            added: vec![],
            removed: vec![],
            record: false,
        }
    }

    #[test]
    fn a_root_as_locked_is_a_noop() {
        let (a, b) = (locked("a", 1), locked("b", 2));
        let v = view(&[("a", 1, TreeState::Ok), ("b", 2, TreeState::Ok)]);
        let p = plan(&[&a, &b], &v, &["a".into(), "b".into()].into(), false);
        assert!(p.is_noop() && p.differences.is_empty());
        assert_eq!(p.present, ["a", "b"]);
    }

    #[test]
    fn missing_other_tree_and_extra_skills_are_fixed() {
        let (a, b) = (locked("a", 1), locked("b", 2));
        let v = view(&[
            ("b", 9, TreeState::Ok),
            ("c", 3, TreeState::Ok),
            ("d", 4, TreeState::Missing),
        ]);
        let p = plan(&[&a, &b], &v, &["b".into(), "c".into()].into(), false);
        assert_eq!(p.install, ["a", "b"]);
        assert_eq!(p.remove, ["c", "d"]);
        let ids: Vec<&str> = p.differences.iter().map(Difference::id).collect();
        assert_eq!(ids, ["missing", "other-tree", "extra", "extra"]);
    }

    #[test]
    fn hand_changes_and_hand_made_folders_are_kept_without_force() {
        let (a, b) = (locked("a", 1), locked("b", 2));
        let v = view(&[("a", 1, modified()), ("c", 3, modified())]);
        let present: BTreeSet<String> = ["a".into(), "b".into(), "c".into()].into();
        let p = plan(&[&a, &b], &v, &present, false);
        assert_eq!(
            (p.blocked.clone(), p.keep.clone()),
            (vec!["a".into(), "b".into()], vec!["c".to_string()])
        );
        assert!(p.install.is_empty() && p.remove.is_empty());
        assert_eq!(
            p.differences[0],
            Difference::Modified {
                name: "a".into(),
                files: vec![("SKILL.md".into(), "modified")]
            }
        );
        let forced = plan(&[&a, &b], &v, &present, true);
        assert_eq!(
            (forced.install, forced.remove),
            (vec!["a".into(), "b".into()], vec!["c".to_string()])
        );
    }
}
