//! The skills a source holds: a repository archive, a zip or a folder may hold several.
//! Lists them (folder, name, description) and picks the ones asked for, reporting two
//! folders that would install under one name instead of taking whichever comes first.

use std::io::Read;
use std::path::Path;

use super::error::SourceError;
use crate::bundle::{self, ArchiveFile, BundleError, Limits, SafetyRule, is_junk};
use crate::skill::SkillFile;

/// The most of a `SKILL.md` read to describe a skill in a listing.
const MAX_SKILL_MD: u64 = 256 * 1024;

/// One skill of a source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    /// Its folder inside the source, with `/` (empty: the source's root).
    pub path: String,
    /// The name it installs under: its folder's name (the frontmatter's for a skill at
    /// the root of an archive).
    pub name: String,
    pub description: String,
    /// Its frontmatter `name`, when it has one (it may differ from the folder).
    pub declared: Option<String>,
}

/// What was asked of a source holding skills.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pick<'a> {
    /// The skill at its root, else its only skill.
    Only,
    /// Every skill (`--skill '*'`).
    All,
    /// These (`--skill NAME`, repeatable): names or folder paths.
    Named(&'a [String]),
}

/// Whether a skill folder (`/`-separated, empty: the root) is looked at: none of its
/// folders is junk (`.git`, `node_modules`, `__MACOSX`, …). Hidden folders are, since
/// `.claude/skills/` and `.agents/skills/` are where many repositories keep skills. The one
/// rule for archives and folders alike.
fn searched(dir: &str) -> bool {
    !dir.split('/').any(is_junk)
}

fn describe(path: String, text: Option<String>, fallback: Option<&str>) -> Found {
    let meta = text.map(|t| SkillFile::parse(Path::new("SKILL.md"), t).meta());
    let declared = meta
        .as_ref()
        .map(|m| m.name.clone())
        .filter(|n| !n.is_empty());
    let folder = path.rsplit('/').next().filter(|s| !s.is_empty());
    let name = folder
        .or(declared.as_deref())
        .or(fallback)
        .unwrap_or("")
        .to_string();
    Found {
        path,
        name,
        description: meta.map(|m| m.description).unwrap_or_default(),
        declared,
    }
}

/// The skills of the zip `file`: with `in_top`, paths are relative to its single top
/// folder (a repository archive), else to the archive root.
pub fn list_archive(file: &ArchiveFile, in_top: bool) -> Result<Vec<Found>, SourceError> {
    let mut archive = bundle::open_archive(file.reader())?;
    let names: Vec<String> = archive
        .file_names()
        .filter_map(|n| n.ok().map(|n| n.into_owned()))
        .collect();
    let mut out = Vec::new();
    for dir in bundle::skill_dirs(names.iter().map(String::as_str)) {
        if !searched(&dir) {
            continue;
        }
        let shown = if in_top {
            match dir.split_once('/') {
                Some((_top, rest)) => rest.to_string(),
                None if names.iter().any(|n| n.starts_with(&format!("{dir}/"))) => String::new(),
                None => continue,
            }
        } else {
            dir.clone()
        };
        let md = if dir.is_empty() {
            "SKILL.md".to_string()
        } else {
            format!("{dir}/SKILL.md")
        };
        let text = archive.by_name(&md).ok().and_then(|f| {
            let mut s = String::new();
            f.take(MAX_SKILL_MD).read_to_string(&mut s).ok().map(|_| s)
        });
        out.push(describe(shown, text, None));
    }
    out.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(out)
}

/// The skills of the local folder `dir`, found as in an archive: every `SKILL.md` at any
/// depth outside junk folders. The walk never follows a link (so it cannot leave the
/// folder) and reads nothing but the `SKILL.md` files it finds; it counts every entry and
/// adds up file sizes as it goes, and stops at the archive limits, so that pointing at a
/// large folder (a home folder) ends quickly. A folder without `SKILL.md` at its top that
/// holds none below it, or that is too large to search, is refused.
pub fn list_dir(dir: &Path, limits: &Limits) -> Result<Vec<Found>, SourceError> {
    let is_file = |p: &Path| std::fs::symlink_metadata(p).is_ok_and(|m| m.is_file());
    let rooted = is_file(&dir.join("SKILL.md"));
    let dirs = match skill_dirs_in(dir, limits) {
        Ok(dirs) => dirs,
        Err(BundleError::Limit { message, flag, .. }) if !rooted => {
            return Err(SourceError::NoSkillInFolder {
                path: dir.to_path_buf(),
                reason: format!(
                    "and it is too large to search: {message}; name the skill's own folder, \
                     or raise the limit with {flag}"
                ),
            });
        }
        Err(e) => return Err(e.into()),
    };
    let read = |p: &Path| -> Option<String> {
        let f = std::fs::File::open(p).ok()?;
        let mut s = String::new();
        f.take(MAX_SKILL_MD).read_to_string(&mut s).ok()?;
        Some(s)
    };
    let fallback = dir.file_name().map(|n| n.to_string_lossy().into_owned());
    let mut out: Vec<Found> = dirs
        .into_iter()
        .filter(|rel| searched(rel))
        .map(|rel| {
            let md = if rel.is_empty() {
                dir.join("SKILL.md")
            } else {
                dir.join(&rel).join("SKILL.md")
            };
            describe(rel, read(&md), fallback.as_deref())
        })
        .collect();
    if out.is_empty() {
        return Err(SourceError::NoSkillInFolder {
            path: dir.to_path_buf(),
            reason: "and no folder below it holds one (junk folders such as .git and \
                     node_modules aside)"
                .into(),
        });
    }
    out.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(out)
}

/// The folders of `dir` (relative, with `/`; empty: `dir` itself) holding a regular
/// `SKILL.md`, junk folders and links left out: files (and, apart, folders) counted against
/// `max_entries`, every file's size against `max_entry` and `max_total`.
fn skill_dirs_in(dir: &Path, limits: &Limits) -> Result<Vec<String>, BundleError> {
    let mut dirs = Vec::new();
    let (mut files, mut folders, mut total) = (0usize, 0usize, 0u64);
    for entry in bundle::walk(dir) {
        let entry = entry?;
        if entry.depth() == 0 {
            continue;
        }
        let rel = entry
            .path()
            .strip_prefix(dir)
            .unwrap_or(entry.path())
            .components()
            .map(|c| c.as_os_str().to_string_lossy())
            .collect::<Vec<_>>()
            .join("/");
        // Files and folders are counted apart, files as the packer counts them.
        let is_dir = entry.file_type().is_dir();
        let count = if is_dir { &mut folders } else { &mut files };
        *count += 1;
        if *count > limits.max_entries {
            return Err(BundleError::Limit {
                rule: SafetyRule::TooManyEntries,
                message: format!(
                    "`{}` holds more than {} {} (at `{rel}`)",
                    dir.display(),
                    limits.max_entries,
                    if is_dir { "folders" } else { "files" }
                ),
                flag: "--max-files",
            });
        }
        if !entry.file_type().is_file() {
            continue;
        }
        let size = entry
            .metadata()
            .map_err(|e| BundleError::io("cannot read", entry.path(), e.into()))?
            .len();
        limits.count_entry(&mut total, &rel, size, ("files", Some(&rel)))?;
        if entry.file_name() == "SKILL.md" {
            dirs.push(match rel.rsplit_once('/') {
                Some((parent, _)) => parent.to_string(),
                None => String::new(),
            });
        }
    }
    Ok(dirs)
}

/// The skills of `found` under the folder `within` (the skill there, or those below it),
/// of the source shown as `spec`; none there is an error naming the folders it does hold.
pub fn within(found: Vec<Found>, within: &str, spec: &str) -> Result<Vec<Found>, SourceError> {
    let within = within.trim_matches('/');
    if within.is_empty() {
        return Ok(found);
    }
    let prefix = format!("{within}/");
    let (inside, outside): (Vec<Found>, Vec<Found>) = found
        .into_iter()
        .partition(|f| f.path == within || f.path.starts_with(&prefix));
    if inside.is_empty() {
        return Err(SourceError::NothingUnder {
            within: within.to_string(),
            repo: spec.to_string(),
            holds: outside.into_iter().map(|f| f.path).collect(),
        });
    }
    Ok(inside)
}

/// The names `f` answers to on `--skill`: its folder's, and its declared one.
fn answers_to(f: &Found) -> impl Iterator<Item = &str> {
    std::iter::once(f.name.as_str()).chain(f.declared.as_deref().filter(|d| *d != f.name))
}

/// Names that more than one folder of `found` answers to (by folder or by declared
/// name): `(name, paths)`.
pub fn collisions(found: &[Found]) -> Vec<(String, Vec<String>)> {
    let mut by: std::collections::BTreeMap<&str, Vec<String>> = Default::default();
    for f in found {
        for name in answers_to(f) {
            by.entry(name).or_default().push(f.path.clone());
        }
    }
    by.into_iter()
        .filter(|(_, paths)| paths.len() > 1)
        .map(|(n, paths)| (n.to_string(), paths))
        .collect()
}

/// The `--skill` word that picks `f` alone among `found`: its name when no other skill
/// answers to it, else its folder path (`./NAME` for a folder at the top, `.` for the root).
pub fn word(found: &[Found], f: &Found) -> String {
    let shared = found
        .iter()
        .any(|o| o.path != f.path && answers_to(o).any(|n| n == f.name));
    if shared || f.name.is_empty() {
        path_word(&f.path)
    } else {
        f.name.clone()
    }
}

/// The `--skill` word for the folder `path`: always read as a path, never as a name.
pub fn path_word(path: &str) -> String {
    match path {
        "" => ".".into(),
        p if p.contains('/') => p.to_string(),
        p => format!("./{p}"),
    }
}

/// The names of `found`, for messages.
pub fn names(found: &[Found]) -> String {
    let mut names: Vec<&str> = found.iter().map(|f| f.name.as_str()).collect();
    names.sort();
    names.dedup();
    if names.is_empty() {
        "no skills".into()
    } else {
        names.join(", ")
    }
}

/// The skills `pick` asks for among `found` (of the source shown as `spec`).
pub fn pick(found: &[Found], pick: Pick<'_>, spec: &str) -> Result<Vec<Found>, SourceError> {
    let collide = |name: &str, paths: Vec<String>| SourceError::AmbiguousSkill {
        name: name.to_string(),
        repo: spec.to_string(),
        paths,
    };
    match pick {
        Pick::Only => match found {
            [] => Err(bundle::BundleError::NoSkill {
                hint: format!(" anywhere in `{spec}`"),
            }
            .into()),
            [one] => Ok(vec![one.clone()]),
            _ => match found.iter().find(|f| f.path.is_empty()) {
                Some(root) => Ok(vec![root.clone()]),
                None => Err(SourceError::ManySkills {
                    spec: spec.to_string(),
                    available: names(found),
                }),
            },
        },
        Pick::All => {
            if let Some((name, paths)) = collisions(found).into_iter().next() {
                return Err(collide(&name, paths));
            }
            if found.is_empty() {
                return Err(bundle::BundleError::NoSkill {
                    hint: format!(" anywhere in `{spec}`"),
                }
                .into());
            }
            Ok(found.to_vec())
        }
        Pick::Named(wanted) => {
            let mut out: Vec<Found> = Vec::new();
            for w in wanted {
                if w == "*" {
                    for f in pick_all(found, spec)? {
                        if !out.contains(&f) {
                            out.push(f);
                        }
                    }
                    continue;
                }
                let f = named(found, w, spec)?;
                if !out.contains(&f) {
                    out.push(f);
                }
            }
            if let Some((name, paths)) = collisions(&out).into_iter().next() {
                return Err(collide(&name, paths));
            }
            Ok(out)
        }
    }
}

fn pick_all(found: &[Found], spec: &str) -> Result<Vec<Found>, SourceError> {
    pick(found, Pick::All, spec)
}

/// The skill `--skill WORD` names. A word holding `/` (`skills/a`, `./a`, `a/`) or `.` is
/// a folder path, matched exactly; any other is a name, matched against every skill's
/// folder name and declared name: one match is taken, several are refused with their
/// paths (never resolved by where they sit).
pub fn named(found: &[Found], word: &str, spec: &str) -> Result<Found, SourceError> {
    let not_there = || SourceError::SkillNotInRepo {
        name: word.to_string(),
        repo: spec.to_string(),
        available: names(found),
    };
    if word == "." || word.contains('/') {
        let path = word.strip_prefix("./").unwrap_or(word).trim_matches('/');
        let path = if path == "." { "" } else { path };
        return found
            .iter()
            .find(|f| f.path == path)
            .cloned()
            .ok_or_else(not_there);
    }
    let matches: Vec<&Found> = found
        .iter()
        .filter(|f| answers_to(f).any(|n| n == word))
        .collect();
    match matches[..] {
        [one] => Ok(one.clone()),
        [] => Err(not_there()),
        _ => Err(SourceError::AmbiguousSkill {
            name: word.to_string(),
            repo: spec.to_string(),
            paths: matches.iter().map(|f| f.path.clone()).collect(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(paths: &[&str]) -> Vec<Found> {
        paths
            .iter()
            .map(|p| describe(p.to_string(), None, None))
            .collect()
    }

    #[test]
    fn a_name_is_never_resolved_by_where_it_sits() {
        let l = found(&["", "a", "docs/deep/c", "skills/a", ".claude/skills/b"]);
        let one =
            |n: &str| pick(&l, Pick::Named(&[n.to_string()]), "o/r").map(|v| v[0].path.clone());
        // `a` is both `a` and `skills/a`: refused, with both paths.
        match one("a").unwrap_err() {
            SourceError::AmbiguousSkill { paths, .. } => assert_eq!(paths, ["a", "skills/a"]),
            e => panic!("{e}"),
        }
        assert_eq!(one("./a").unwrap(), "a");
        assert_eq!(one("a/").unwrap(), "a");
        assert_eq!(one("skills/a").unwrap(), "skills/a");
        assert_eq!(one(".").unwrap(), "");
        assert_eq!(one("b").unwrap(), ".claude/skills/b");
        assert_eq!(one("c").unwrap(), "docs/deep/c");
        let e = one("z").unwrap_err().to_string();
        assert!(e.contains("a, b, c"), "{e}");
        assert!(one("d").is_err() && one("skills/z").is_err());
        // The word that picks each one alone.
        let words: Vec<String> = l.iter().map(|f| word(&l, f)).collect();
        assert_eq!(words, [".", "./a", "c", "skills/a", "b"]);
    }

    #[test]
    fn a_declared_name_clashes_like_a_folder_name() {
        let mut l = found(&["x1", "x2", "y"]);
        l[0].declared = Some("same".into());
        l[1].declared = Some("same".into());
        assert_eq!(
            collisions(&l),
            [("same".to_string(), vec!["x1".to_string(), "x2".to_string()])]
        );
        assert!(matches!(
            pick(&l, Pick::Named(&["same".into()]), "s"),
            Err(SourceError::AmbiguousSkill { .. })
        ));
        assert!(pick(&l, Pick::All, "s").is_err());
        assert_eq!(
            pick(&l, Pick::Named(&["x1".into()]), "s").unwrap()[0].path,
            "x1"
        );
    }

    #[test]
    fn every_skill_unless_two_share_a_name() {
        let l = found(&["skills/a", "skills/b"]);
        assert_eq!(pick(&l, Pick::All, "s").unwrap().len(), 2);
        assert_eq!(pick(&l, Pick::Named(&["*".into()]), "s").unwrap().len(), 2);
        assert!(matches!(
            pick(&l, Pick::Only, "s"),
            Err(SourceError::ManySkills { .. })
        ));
        let clash = found(&["x/d", "y/d", "z"]);
        let e = pick(&clash, Pick::All, "s").unwrap_err().to_string();
        assert!(e.contains("x/d, y/d"), "{e}");
        // The root skill is the one meant when none is named.
        let rooted = found(&["", "skills/b"]);
        assert_eq!(pick(&rooted, Pick::Only, "s").unwrap()[0].path, "");
        assert_eq!(within(l.clone(), "skills/b", "s").unwrap().len(), 1);
        let e = within(l, "skills/z", "s").unwrap_err().to_string();
        assert_eq!(
            e,
            "no skill under `skills/z` in s; it holds: skills/a, skills/b"
        );
    }
}
