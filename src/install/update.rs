//! Update policy: for a recorded skill, where a newer version may come from, and whether
//! what was found is newer. The command line fetches and installs; the decisions are here.

use std::collections::BTreeMap;
use std::path::Path;

use super::lockfile::LockEntry;
use super::project::{Locked, Origin, local_path};
use crate::source::SourceRecord;
use crate::source::github::is_commit;
use crate::source::index;

/// Where to look for a newer version of a recorded skill.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Lookup<'a> {
    /// Resolve its name again through the catalog, or this index (`--index`, else the one
    /// it was installed from).
    ByName { index: Option<&'a str> },
    /// The repository folder at the recorded ref (a branch or tag may have moved).
    Github {
        repo: &'a str,
        reference: &'a str,
        path: &'a str,
    },
    /// A git repository's folder at the recorded ref, fetched again with `git`.
    Git {
        url: &'a str,
        reference: &'a str,
        path: &'a str,
    },
    /// The recorded URL, downloaded again (`folder`: the skill's, in an archive of several).
    Url { url: &'a str, folder: &'a str },
    /// The local folder or file it came from, read again.
    Local { path: &'a str, folder: &'a str },
    /// Nothing can move: the reason, for the user.
    Pinned(&'static str),
}

/// Where to look for a newer `entry`; `index` is the `--index` the user gave, if any.
pub fn lookup<'a>(entry: &'a LockEntry, index: Option<&'a str>) -> Lookup<'a> {
    let src = &entry.source;
    if src.resolves_by_name() {
        return Lookup::ByName {
            index: index.or(src.remote_index()),
        };
    }
    match src {
        // A commit never moves.
        SourceRecord::Github { reference, .. } if is_commit(reference) => {
            Lookup::Pinned("is pinned to a commit")
        }
        SourceRecord::Github {
            repo,
            reference,
            path,
            ..
        } => Lookup::Github {
            repo,
            reference,
            path,
        },
        SourceRecord::Git { reference, .. } if is_commit(reference) => {
            Lookup::Pinned("is pinned to a commit")
        }
        SourceRecord::Git {
            url,
            reference,
            path,
            ..
        } => Lookup::Git {
            url,
            reference,
            path,
        },
        SourceRecord::Url { url, folder } => Lookup::Url { url, folder },
        SourceRecord::Path { path } => Lookup::Local { path, folder: "" },
        SourceRecord::File { path, folder } => Lookup::Local { path, folder },
        SourceRecord::Embedded { .. } | SourceRecord::Index { .. } => Lookup::ByName { index },
    }
}

/// The record `update` looks up again for an entry of a project's `skillpack.lock`: its
/// source as the lock says it, with the ref the user asked for (so that a branch moves to
/// its newest commit and a commit stays), and its version, tree, archive digest and key.
/// `base` is the lock's folder, which a `path:` source must stay inside.
pub fn locked_record(entry: &Locked, base: &Path) -> Result<LockEntry, String> {
    let inner = entry.path.clone().unwrap_or_default();
    let asked = || entry.reference.clone().unwrap_or_else(|| "HEAD".into());
    let source = match &entry.source {
        Origin::Catalog(_) => SourceRecord::Embedded { index: None },
        Origin::Index(index) => SourceRecord::Index {
            url: String::new(),
            index: index.clone(),
        },
        Origin::Github(repo) => SourceRecord::Github {
            repo: repo.clone(),
            reference: asked(),
            path: inner,
            index: None,
            commit: entry.commit.clone(),
        },
        Origin::Git(url) => SourceRecord::Git {
            url: url.clone(),
            reference: asked(),
            commit: entry.commit.clone().unwrap_or_default(),
            path: inner,
        },
        Origin::Url(url) => SourceRecord::Url {
            url: url.clone(),
            folder: inner,
        },
        Origin::Path(p) => {
            let path = local_path(p, base, false)?.to_string_lossy().into_owned();
            // A zip or .skill file has its archive digest locked; a folder is packed anew.
            match entry.archive {
                Some(_) => SourceRecord::File {
                    path,
                    folder: inner,
                },
                None => SourceRecord::Path { path },
            }
        }
    };
    Ok(LockEntry {
        name: entry.name.clone(),
        version: entry.version.clone(),
        source,
        archive_sha256: entry.archive_hex().map(str::to_string),
        key: entry.key.clone(),
        tree: entry.tree.clone(),
        installed_at: String::new(),
        files: BTreeMap::new(),
    })
}

/// What to do with a candidate found for a recorded skill.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// The same archive or tree: nothing to do.
    Current,
    /// What is installed is newer than what was offered: never downgraded by `update`.
    InstalledIsNewer { installed: String, offered: String },
    /// Install it.
    Install,
}

/// A catalog or index entry offered for `entry`, with its tree digest and version.
pub fn judge_resolved(entry: &LockEntry, tree: Option<&str>, version: &str) -> Verdict {
    if tree == Some(entry.tree.as_str()) {
        return Verdict::Current;
    }
    match &entry.version {
        Some(installed) if index::newer(installed, version) => Verdict::InstalledIsNewer {
            installed: installed.clone(),
            offered: version.to_string(),
        },
        _ => Verdict::Install,
    }
}

/// A bundle fetched again from the recorded location: `fetched` is its record. The same
/// archive digest as recorded is current (a URL or a file that did not change); a git
/// repository whose ref still resolves to the recorded commit is current; anything else
/// goes through the pipeline, which reports an unchanged tree as unchanged.
pub fn judge_fetched(entry: &LockEntry, archive_sha256: &str, fetched: &SourceRecord) -> Verdict {
    let same_archive = entry.archive_sha256.as_deref() == Some(archive_sha256);
    match &entry.source {
        SourceRecord::Url { .. } | SourceRecord::File { .. } if same_archive => Verdict::Current,
        SourceRecord::Git { commit, .. } if fetched.commit() == Some(commit.as_str()) => {
            Verdict::Current
        }
        _ => Verdict::Install,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(source: SourceRecord, version: Option<&str>) -> LockEntry {
        LockEntry {
            name: "demo".into(),
            version: version.map(str::to_string),
            source,
            archive_sha256: Some("aa".into()),
            key: None,
            tree: "sha256:t1".into(),
            installed_at: "2026-01-01T00:00:00Z".into(),
            files: BTreeMap::new(),
        }
    }

    fn github(reference: &str) -> SourceRecord {
        SourceRecord::Github {
            repo: "o/r".into(),
            reference: reference.into(),
            path: "skills/demo".into(),
            index: None,
            commit: None,
        }
    }

    #[test]
    fn a_commit_pinned_ref_never_moves_and_a_branch_is_fetched_again() {
        let pinned = entry(github(&"a".repeat(40)), None);
        assert!(matches!(lookup(&pinned, None), Lookup::Pinned(_)));
        let branch = entry(github("main"), None);
        assert_eq!(
            lookup(&branch, None),
            Lookup::Github {
                repo: "o/r",
                reference: "main",
                path: "skills/demo"
            }
        );
    }

    #[test]
    fn a_git_source_pinned_to_a_commit_never_moves() {
        let git = |reference: &str| SourceRecord::Git {
            url: "https://git.test/r.git".into(),
            reference: reference.into(),
            commit: "c".repeat(40),
            path: "skills/demo".into(),
        };
        assert!(matches!(
            lookup(&entry(git(&"c".repeat(40)), None), None),
            Lookup::Pinned(_)
        ));
        assert_eq!(
            lookup(&entry(git("main"), None), None),
            Lookup::Git {
                url: "https://git.test/r.git",
                reference: "main",
                path: "skills/demo"
            }
        );
    }

    #[test]
    fn catalog_and_index_entries_resolve_by_name_through_the_recorded_index() {
        let catalog = entry(
            SourceRecord::Github {
                repo: "o/r".into(),
                reference: "b".repeat(40),
                path: "skills/demo".into(),
                index: Some(crate::source::record::Via::Catalog),
                commit: None,
            },
            Some("1.0.0"),
        );
        assert_eq!(lookup(&catalog, None), Lookup::ByName { index: None });
        let indexed = entry(
            SourceRecord::Index {
                url: "https://x.test/a.zip".into(),
                index: "https://x.test/index.json".into(),
            },
            Some("1.0.0"),
        );
        assert_eq!(
            lookup(&indexed, None),
            Lookup::ByName {
                index: Some("https://x.test/index.json")
            }
        );
        assert_eq!(
            lookup(&indexed, Some("./other.json")),
            Lookup::ByName {
                index: Some("./other.json")
            }
        );
    }

    #[test]
    fn the_same_url_digest_is_current_and_another_is_installed() {
        let e = entry(
            SourceRecord::Url {
                url: "https://x.test/a.zip".into(),
                folder: String::new(),
            },
            None,
        );
        assert_eq!(judge_fetched(&e, "aa", &e.source), Verdict::Current);
        assert_eq!(judge_fetched(&e, "bb", &e.source), Verdict::Install);
        // A folder is packed afresh each time: the pipeline decides.
        let folder = entry(SourceRecord::Path { path: "/s".into() }, None);
        assert_eq!(
            judge_fetched(&folder, "aa", &folder.source),
            Verdict::Install
        );
    }

    #[test]
    fn a_git_ref_still_at_the_recorded_commit_is_current() {
        let git = |commit: &str| SourceRecord::Git {
            url: "https://git.example/r.git".into(),
            reference: "main".into(),
            commit: commit.into(),
            path: String::new(),
        };
        let (old, new) = ("a".repeat(40), "b".repeat(40));
        let e = entry(git(&old), Some("1.0.0"));
        // A git archive is made afresh: its digest says nothing; the commit does.
        assert_eq!(judge_fetched(&e, "zz", &git(&old)), Verdict::Current);
        assert_eq!(judge_fetched(&e, "aa", &git(&new)), Verdict::Install);
    }

    #[test]
    fn a_locked_entry_is_looked_up_at_the_ref_asked_for_and_a_commit_stays() {
        let commit = "c".repeat(40);
        let locked = |reference: Option<&str>| Locked {
            name: "demo".into(),
            version: Some("1.0.0".into()),
            source: Origin::Github("o/r".into()),
            path: Some("skills/demo".into()),
            reference: reference.map(str::to_string),
            commit: Some(commit.clone()),
            archive: None,
            tree: "sha256:t1".into(),
            agents: vec!["claude-code".into(), "codex".into()],
            key: None,
        };
        let base = Path::new("/p");
        let branch = locked_record(&locked(Some("main")), base).unwrap();
        assert_eq!(
            lookup(&branch, None),
            Lookup::Github {
                repo: "o/r",
                reference: "main",
                path: "skills/demo"
            }
        );
        assert_eq!(branch.source.commit(), Some(commit.as_str()));
        let default = locked_record(&locked(None), base).unwrap();
        assert!(matches!(
            lookup(&default, None),
            Lookup::Github {
                reference: "HEAD",
                ..
            }
        ));
        let pinned = locked_record(&locked(Some(&commit)), base).unwrap();
        assert!(matches!(lookup(&pinned, None), Lookup::Pinned(_)));
        let mut outside = locked(None);
        outside.source = Origin::Path("../elsewhere".into());
        assert!(locked_record(&outside, base).is_err());
    }

    #[test]
    fn a_newer_installed_version_is_never_downgraded() {
        let e = entry(SourceRecord::Embedded { index: None }, Some("2.0.0"));
        assert_eq!(
            judge_resolved(&e, Some("sha256:t2"), "1.9.0"),
            Verdict::InstalledIsNewer {
                installed: "2.0.0".into(),
                offered: "1.9.0".into()
            }
        );
        assert_eq!(
            judge_resolved(&e, Some("sha256:t2"), "2.1.0"),
            Verdict::Install
        );
        assert_eq!(
            judge_resolved(&e, Some("sha256:t1"), "0.1.0"),
            Verdict::Current
        );
        // Not a version: never taken as newer than the installed one, nor older.
        assert_eq!(
            judge_resolved(&e, Some("sha256:t2"), "zzz"),
            Verdict::InstalledIsNewer {
                installed: "2.0.0".into(),
                offered: "zzz".into()
            }
        );
    }
}
