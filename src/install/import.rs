//! `skills-lock.json`, the project lock of the `skills` CLI: read, each entry mapped to a
//! source skillpack fetches, and its `computedHash` reproduced with that tool's algorithm
//! (SHA-256 over each file's relative path then its bytes, files ordered as JavaScript's
//! `localeCompare` orders their paths, `.git` and `node_modules` folders left out).

use std::cmp::Ordering;
use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;
use sha2::{Digest, Sha256};

use std::io::Read;

use cap_fs_ext::{DirExt, FollowSymlinks, OpenOptionsFollowExt, OpenOptionsSyncExt};
use cap_std::fs::Dir;

use super::error::InstallError;
use super::layout::Root;
use super::project::ProjectError;
use super::rootfs::{self, Kind};
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
    /// A `skillPath` that does not name a folder inside the repository: why.
    BadPath(String),
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
        return Plan::BadPath(format!(
            "its skillPath `{}` is not a path inside the repository (no `.` or `..` segment)",
            crate::text::escape(entry.skill_path.as_deref().unwrap_or_default())
        ));
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
pub fn hashes(
    fetched: &Fetched,
    limits: &Limits,
    scratch: &Path,
) -> Result<(String, String), InstallError> {
    let tmp = super::layout::scratch_dir(scratch)?;
    let dir = super::rootfs::open_root(tmp.path())
        .map_err(|e| InstallError::io("cannot open", tmp.path(), e))?;
    let mut archive = bundle::open_archive(fetched.archive.open())?;
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
    // Each file streamed into the hash in the order that tool uses, none held whole.
    let mut paths: Vec<&str> = records
        .iter()
        .map(|r| r.path.as_str())
        .filter(|p| !p.split('/').any(|s| s == ".git" || s == "node_modules"))
        .collect();
    paths.sort_by(|a, b| locale_compare(a, b));
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 64 * 1024];
    for path in paths {
        let at = tree.join(path);
        let file = std::fs::File::open(&at).map_err(|e| InstallError::io("cannot read", &at, e))?;
        h.update(path.as_bytes());
        feed(&mut h, file, &mut buf, u64::MAX)
            .map_err(|e| InstallError::io("cannot read", &at, e))?;
    }
    Ok((
        hex::encode(h.finalize()),
        bundle::tree_digest(&name, &records),
    ))
}

/// Reads `from` to its end into `h`; its length, or an error past `cap` bytes.
fn feed(h: &mut Sha256, mut from: impl Read, buf: &mut [u8], cap: u64) -> std::io::Result<u64> {
    let mut size = 0u64;
    loop {
        let n = from.read(buf)?;
        if n == 0 {
            return Ok(size);
        }
        size += n as u64;
        if size > cap {
            return Err(std::io::Error::other("larger than the limit"));
        }
        h.update(&buf[..n]);
    }
}

/// What stands at `<root>/<name>` before an import.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Existing {
    /// Nothing.
    Absent,
    /// A real folder, with its `computedHash` when it could be read as a copied skill: no
    /// link or special file in it, and within the limits.
    Folder(Option<String>),
    /// Something else: a link (never followed), a file, a FIFO or a device.
    NotAFolder(Kind),
}

/// What stands at `name` in `root`, seen through the opened root without following a link;
/// a real folder is hashed as the `skills` CLI hashes a skill, each file read through a
/// handle opened without following links or blocking, at most `limits` bytes and files.
pub fn existing(root: &Root, name: &str, limits: &Limits) -> Result<Existing, InstallError> {
    let Some(dir) = root.open_dir(false)? else {
        return Ok(Existing::Absent);
    };
    match rootfs::kind(&dir, name, &root.dir)? {
        None => Ok(Existing::Absent),
        Some(Kind::Dir) => {
            let Some(folder) = rootfs::child_dir(&dir, &root.dir, name, false)? else {
                return Ok(Existing::Absent);
            };
            Ok(Existing::Folder(folder_hash(&folder, limits)))
        }
        Some(other) => Ok(Existing::NotAFolder(other)),
    }
}

/// Whether `<root>/<name>` is a link to `copy` (the `skills` CLI's layout: one copy in
/// `.agents/skills/<name>`, a relative link to it in every other agent's folder). The link
/// is read without being followed and its target resolved by its text alone; `copy` must
/// be a real folder, not a link itself.
pub fn links_to(root: &Root, name: &str, copy: &Path) -> Result<bool, InstallError> {
    let Some(dir) = root.open_dir(false)? else {
        return Ok(false);
    };
    let Ok(target) = dir.read_link(name) else {
        return Ok(false);
    };
    let resolved = crate::paths::lexical(&root.dir.join(target));
    let real_copy = std::fs::symlink_metadata(copy).is_ok_and(|m| m.is_dir());
    Ok(real_copy && resolved == crate::paths::lexical(copy))
}

/// Removes the link `<root>/<name>` (never what it leads to); a folder put there meanwhile
/// is not removed.
pub fn remove_link(root: &Root, name: &str) -> Result<(), InstallError> {
    let path = root.skill_dir(name);
    let dir = root.open_dir(false)?.ok_or_else(|| {
        InstallError::io(
            "cannot open",
            &root.dir,
            std::io::ErrorKind::NotFound.into(),
        )
    })?;
    match rootfs::kind(&dir, name, &root.dir)? {
        Some(Kind::Symlink) => dir
            .remove_file(name)
            .map_err(|e| InstallError::io("cannot remove", &path, e)),
        _ => Err(InstallError::io(
            "cannot remove",
            &path,
            std::io::ErrorKind::InvalidInput.into(),
        )),
    }
}

/// The `computedHash` of the opened folder `top`; `None` when it holds a link or a special
/// file (which that tool would not have made for a copied skill), cannot be read, or passes
/// `limits`.
fn folder_hash(top: &Dir, limits: &Limits) -> Option<String> {
    let mut dirs = vec![top.try_clone().ok()?];
    let mut files: Vec<(String, usize)> = Vec::new();
    let mut pending = vec![(0usize, String::new())];
    while let Some((at, prefix)) = pending.pop() {
        for entry in dirs[at].entries().ok()? {
            let entry = entry.ok()?;
            let name = entry.file_name().into_string().ok()?;
            let rel = if prefix.is_empty() {
                name.clone()
            } else {
                format!("{prefix}/{name}")
            };
            // The entry's own type: a link is never followed.
            let kind = entry.file_type().ok()?;
            if kind.is_dir() {
                if name == ".git" || name == "node_modules" {
                    continue;
                }
                let sub = dirs[at].open_dir_nofollow(&name).ok()?;
                dirs.push(sub);
                pending.push((dirs.len() - 1, rel));
            } else if kind.is_file() {
                files.push((rel, at));
                if files.len() > limits.max_entries {
                    return None;
                }
            } else {
                return None;
            }
        }
    }
    files.sort_by(|a, b| locale_compare(&a.0, &b.0));
    let mut h = Sha256::new();
    let mut total = 0u64;
    let mut buf = vec![0u8; 64 * 1024];
    for (rel, at) in &files {
        let name = rel.rsplit('/').next().unwrap_or(rel);
        let mut opts = cap_std::fs::OpenOptions::new();
        opts.read(true).follow(FollowSymlinks::No).nonblock(true);
        let mut file = dirs[*at].open_with(name, &opts).ok()?;
        // Swapped for a FIFO or a device since the listing: not read.
        if !file.metadata().ok()?.is_file() {
            return None;
        }
        h.update(rel.as_bytes());
        let cap = limits.max_entry.min(limits.max_total.saturating_sub(total));
        total += feed(&mut h, &mut file, &mut buf, cap).ok()?;
    }
    Some(hex::encode(h.finalize()))
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
    fn a_folder_on_disk_hashes_as_its_files_and_a_link_is_never_followed() {
        let tmp = tempfile::tempdir().unwrap();
        let skill = tmp.path().join("root/demo");
        std::fs::create_dir_all(skill.join("references")).unwrap();
        std::fs::create_dir_all(skill.join(".git")).unwrap();
        std::fs::write(skill.join("SKILL.md"), "a").unwrap();
        std::fs::write(skill.join("references/x.md"), "b").unwrap();
        std::fs::write(skill.join(".git/HEAD"), "ignored").unwrap();
        let root = Root::new(tmp.path().join("root"));
        let limits = Limits::default();
        let want = hex::encode(Sha256::digest(b"references/x.mdbSKILL.mda"));
        assert_eq!(
            existing(&root, "demo", &limits).unwrap(),
            Existing::Folder(Some(want))
        );
        assert_eq!(existing(&root, "none", &limits).unwrap(), Existing::Absent);
        let small = Limits {
            max_entry: 0,
            ..Limits::default()
        };
        assert_eq!(
            existing(&root, "demo", &small).unwrap(),
            Existing::Folder(None)
        );
        #[cfg(unix)]
        {
            std::os::unix::fs::symlink(&skill, tmp.path().join("root/linked")).unwrap();
            assert_eq!(
                existing(&root, "linked", &limits).unwrap(),
                Existing::NotAFolder(Kind::Symlink)
            );
            std::os::unix::fs::symlink("/", skill.join("references/up")).unwrap();
            assert_eq!(
                existing(&root, "demo", &limits).unwrap(),
                Existing::Folder(None)
            );
        }
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
            Plan::BadPath(_)
        ));
        assert!(matches!(
            plan(&e("git", "https://example.com/r.git", None)),
            Plan::Git { .. }
        ));
    }
}
