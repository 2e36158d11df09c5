//! `skills-lock.json`, the project lock of the `skills` CLI: read, each entry mapped to a
//! source skillpack fetches, and its `computedHash` reproduced with that tool's algorithm
//! (SHA-256 over each file's relative path then its bytes, files ordered as JavaScript's
//! `localeCompare` orders their paths, `.git` and `node_modules` folders left out).

use std::cmp::Ordering;
use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;
use sha2::{Digest, Sha256};

use super::InstallError;
use super::project::ProjectError;
use crate::bundle::{self, Limits};
use crate::durable::Barrier;
use crate::source::Fetched;

/// Largest `skills-lock.json` read.
pub const CAP: u64 = 4 * 1024 * 1024;

/// One entry of `skills-lock.json`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Entry {
    pub source: String,
    pub source_type: String,
    #[serde(default, rename = "ref")]
    pub reference: Option<String>,
    #[serde(default)]
    pub skill_path: Option<String>,
    pub computed_hash: String,
}

#[derive(Deserialize)]
struct RawFile {
    version: u64,
    skills: BTreeMap<String, Entry>,
}

/// Reads the file at `path`: entries by skill name.
pub fn load(path: &Path) -> Result<BTreeMap<String, Entry>, ProjectError> {
    let damaged = |message: String| ProjectError::Damaged {
        path: path.into(),
        message,
    };
    let bytes = super::project::read_capped(path, CAP)?.ok_or_else(|| ProjectError::Io {
        action: "cannot read",
        path: path.into(),
        source: std::io::ErrorKind::NotFound.into(),
    })?;
    let raw: RawFile = serde_json::from_slice(&bytes).map_err(|e| damaged(e.to_string()))?;
    if raw.version != 1 {
        return Err(damaged(format!("version {} is not 1", raw.version)));
    }
    Ok(raw.skills)
}

/// Where skillpack fetches an entry from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Plan {
    /// A GitHub repository at the ref (default branch when none), the skill's folder.
    Github {
        repo: String,
        reference: Option<String>,
        folder: Option<String>,
    },
    /// A git repository by URL.
    Git {
        url: String,
        reference: Option<String>,
        folder: Option<String>,
    },
    /// Not something skillpack can reproduce: why.
    Unsupported(String),
}

/// The plan for `entry`. `skillPath` names the skill's `SKILL.md` in the repository.
pub fn plan(entry: &Entry) -> Plan {
    let folder = entry.skill_path.as_deref().map(|p| {
        p.trim_end_matches("SKILL.md")
            .trim_end_matches('/')
            .to_string()
    });
    let folder = folder.filter(|f| !f.is_empty());
    if folder
        .as_deref()
        .is_some_and(|f| f.split('/').any(|s| s == ".." || s == "." || s.is_empty()))
    {
        return Plan::Unsupported("its skillPath leaves the repository".into());
    }
    let reference = entry
        .reference
        .clone()
        .filter(|r| !r.is_empty() && !r.starts_with('-'));
    match entry.source_type.as_str() {
        "github" => {
            let parts: Vec<&str> = entry.source.trim_end_matches(".git").split('/').collect();
            match parts[..] {
                [o, r] if !o.is_empty() && !r.is_empty() => Plan::Github {
                    repo: format!("{o}/{r}"),
                    reference,
                    folder,
                },
                _ if entry.source.starts_with("https://github.com/")
                    || entry.source.starts_with("git@") =>
                {
                    Plan::Git {
                        url: entry.source.clone(),
                        reference,
                        folder,
                    }
                }
                _ => Plan::Unsupported(format!(
                    "`{}` is not owner/repo",
                    crate::text::escape(&entry.source)
                )),
            }
        }
        "git" if !entry.source.starts_with('-') => Plan::Git {
            url: entry.source.clone(),
            reference,
            folder,
        },
        other => Plan::Unsupported(format!(
            "its source type `{}` names no repository skillpack can fetch again",
            crate::text::escape(other)
        )),
    }
}

/// JavaScript's `a.localeCompare(b)` for file paths, as ICU's root collation orders them:
/// punctuation before digits before letters, letters compared without case first, then
/// lowercase before uppercase; characters past ASCII after letters, by code point.
pub fn locale_compare(a: &str, b: &str) -> Ordering {
    const PUNCT: &str = "_-,;:!?.'\"()[]{}@*/\\&#%`^+<=>|~$";
    let primary = |c: char| -> (u32, u32) {
        if c.is_whitespace() {
            (0, c as u32)
        } else if let Some(i) = PUNCT.find(c) {
            (1, i as u32)
        } else if c.is_ascii_digit() {
            (2, c as u32)
        } else if c.is_ascii_alphabetic() {
            (3, c.to_ascii_lowercase() as u32)
        } else {
            (4, c as u32)
        }
    };
    let key = |s: &str| s.chars().map(primary).collect::<Vec<_>>();
    key(a).cmp(&key(b)).then_with(|| {
        // Tertiary: lowercase first.
        let case = |s: &str| {
            s.chars()
                .map(|c| c.is_ascii_uppercase())
                .collect::<Vec<_>>()
        };
        case(a).cmp(&case(b))
    })
}

/// The `computedHash` of a skill whose files are `files` (relative path, bytes).
pub fn computed_hash(files: &mut [(String, Vec<u8>)]) -> String {
    files.sort_by(|a, b| locale_compare(&a.0, &b.0));
    let mut h = Sha256::new();
    for (path, bytes) in files.iter() {
        h.update(path.as_bytes());
        h.update(bytes);
    }
    hex::encode(h.finalize())
}

/// Unpacks `fetched` into a temporary folder and returns its `computedHash` and its tree
/// digest: nothing is installed. (The install that follows must then have that tree.)
pub fn hashes(fetched: &Fetched, limits: &Limits) -> Result<(String, String), InstallError> {
    let tmp = tempfile::tempdir().map_err(|e| {
        InstallError::io("cannot create a temporary folder", std::env::temp_dir(), e)
    })?;
    let dir = super::rootfs::open_root(tmp.path())
        .map_err(|e| InstallError::io("cannot open", tmp.path(), e))?;
    let mut archive = bundle::open_archive(super::open(&fetched.archive)?)?;
    let plan = bundle::inspect(&mut archive, limits, &fetched.at)?;
    let tree = tmp.path().join("tree");
    // Looked at and thrown away: never waited for.
    let records = bundle::extract(
        &mut archive,
        &plan,
        &dir,
        "tree",
        &tree,
        limits,
        &mut Barrier::default(),
    )?;
    let name = fetched
        .expected_name
        .clone()
        .or_else(|| plan.folder_name().map(str::to_string))
        .unwrap_or_default();
    let mut files = Vec::new();
    for r in &records {
        if r.path
            .split('/')
            .any(|s| s == ".git" || s == "node_modules")
        {
            continue;
        }
        let bytes = std::fs::read(tree.join(&r.path))
            .map_err(|e| InstallError::io("cannot read", tree.join(&r.path), e))?;
        files.push((r.path.clone(), bytes));
    }
    Ok((
        computed_hash(&mut files),
        bundle::tree_digest(&name, &records),
    ))
}

/// The `computedHash` of the folder `dir` as it is on disk; `None` when it cannot be read
/// or holds a link (which that tool would not have made for a copied skill).
pub fn folder_hash(dir: &Path) -> Option<String> {
    let mut files = Vec::new();
    let walk = walkdir::WalkDir::new(dir).follow_links(false).into_iter();
    for entry in walk.filter_entry(|e| {
        e.depth() == 0
            || !(e.file_type().is_dir()
                && (e.file_name() == ".git" || e.file_name() == "node_modules"))
    }) {
        let entry = entry.ok()?;
        let kind = entry.file_type();
        if kind.is_symlink() {
            return None;
        }
        if !kind.is_file() {
            continue;
        }
        let rel = entry.path().strip_prefix(dir).ok()?;
        let rel: Vec<String> = rel
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect();
        files.push((rel.join("/"), std::fs::read(entry.path()).ok()?));
    }
    Some(computed_hash(&mut files))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_hash_orders_paths_as_locale_compare_does() {
        // localeCompare puts references/x.md before SKILL.md (case is not primary).
        let mut files = vec![
            ("SKILL.md".to_string(), b"a".to_vec()),
            ("references/x.md".to_string(), b"b".to_vec()),
        ];
        let want = hex::encode(Sha256::digest(b"references/x.mdbSKILL.mda"));
        assert_eq!(computed_hash(&mut files), want);
        assert_eq!(locale_compare("a-b", "a_b"), Ordering::Greater);
        assert_eq!(locale_compare("a/b", "a.b"), Ordering::Greater);
        assert_eq!(locale_compare("a1", "aa"), Ordering::Less);
        assert_eq!(locale_compare("a", "A"), Ordering::Less);
    }

    #[test]
    fn a_folder_on_disk_hashes_as_its_files() {
        let tmp = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(tmp.path().join("references")).unwrap();
        std::fs::create_dir_all(tmp.path().join(".git")).unwrap();
        std::fs::write(tmp.path().join("SKILL.md"), "a").unwrap();
        std::fs::write(tmp.path().join("references/x.md"), "b").unwrap();
        std::fs::write(tmp.path().join(".git/HEAD"), "ignored").unwrap();
        let want = hex::encode(Sha256::digest(b"references/x.mdbSKILL.mda"));
        assert_eq!(folder_hash(tmp.path()).as_deref(), Some(want.as_str()));
    }

    #[test]
    fn entries_map_to_repositories_or_are_reported() {
        let e = |t: &str, s: &str, p: Option<&str>| Entry {
            source: s.into(),
            source_type: t.into(),
            reference: None,
            skill_path: p.map(str::to_string),
            computed_hash: String::new(),
        };
        assert_eq!(
            plan(&e("github", "acme/skills", Some("skills/alpha/SKILL.md"))),
            Plan::Github {
                repo: "acme/skills".into(),
                reference: None,
                folder: Some("skills/alpha".into())
            }
        );
        assert!(matches!(
            plan(&e("local", "./x", None)),
            Plan::Unsupported(_)
        ));
        assert!(matches!(
            plan(&e("github", "acme/skills", Some("../x/SKILL.md"))),
            Plan::Unsupported(_)
        ));
        assert!(matches!(
            plan(&e("git", "https://example.com/r.git", None)),
            Plan::Git { .. }
        ));
    }
}
