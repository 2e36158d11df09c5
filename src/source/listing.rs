//! The skills a source holds: a repository archive, a zip or a folder may hold several.
//! Lists them (folder, name, description) and picks the ones asked for, reporting two
//! folders that would install under one name instead of taking whichever comes first.

use std::io::Read;
use std::path::Path;

use super::error::SourceError;
use crate::bundle::{self, ArchiveFile};
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

/// Where repositories usually keep skills, most common first: a name found in several
/// folders is taken from the first of these that holds it.
const USUAL_PARENTS: &[&str] = &[
    "skills/",
    "",
    ".claude/skills/",
    ".agents/skills/",
    "skill/",
];

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

/// The skills of the local folder `dir`: itself when it holds a `SKILL.md`, else the
/// folders in the usual places that do (`NAME/`, `skills/NAME/`, `.claude/skills/NAME/`,
/// …). Only those places are looked at, never through a link, so that pointing at a large
/// folder (a home folder) reads nothing else.
pub fn list_dir(dir: &Path) -> Vec<Found> {
    let is_file = |p: &Path| std::fs::symlink_metadata(p).is_ok_and(|m| m.is_file());
    let read = |p: &Path| -> Option<String> {
        let f = std::fs::File::open(p).ok()?;
        let mut s = String::new();
        f.take(MAX_SKILL_MD).read_to_string(&mut s).ok()?;
        Some(s)
    };
    if is_file(&dir.join("SKILL.md")) {
        let fallback = dir.file_name().map(|n| n.to_string_lossy().into_owned());
        return vec![describe(
            String::new(),
            read(&dir.join("SKILL.md")),
            fallback.as_deref(),
        )];
    }
    let mut out: Vec<Found> = Vec::new();
    for parent in USUAL_PARENTS {
        let base = dir.join(parent.trim_end_matches('/'));
        if !std::fs::symlink_metadata(&base).is_ok_and(|m| m.is_dir()) {
            continue;
        }
        let Ok(entries) = std::fs::read_dir(&base) else {
            continue;
        };
        let mut names: Vec<String> = entries
            .filter_map(Result::ok)
            .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        for name in names {
            let md = base.join(&name).join("SKILL.md");
            let rel = format!("{parent}{name}");
            if is_file(&md) && !out.iter().any(|f| f.path == rel) {
                out.push(describe(rel, read(&md), None));
            }
        }
    }
    out.sort_by(|a, b| a.path.cmp(&b.path));
    out
}

/// The skills of `found` under the folder `within` (the skill there, or those below it).
pub fn within(found: Vec<Found>, within: &str) -> Vec<Found> {
    let within = within.trim_matches('/');
    if within.is_empty() {
        return found;
    }
    let prefix = format!("{within}/");
    found
        .into_iter()
        .filter(|f| f.path == within || f.path.starts_with(&prefix))
        .collect()
}

/// Names held by more than one folder of `found`: `(name, paths)`.
pub fn collisions(found: &[Found]) -> Vec<(String, Vec<String>)> {
    let mut by: std::collections::BTreeMap<&str, Vec<String>> = Default::default();
    for f in found {
        by.entry(&f.name).or_default().push(f.path.clone());
    }
    by.into_iter()
        .filter(|(_, paths)| paths.len() > 1)
        .map(|(n, paths)| (n.to_string(), paths))
        .collect()
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
        paths: paths.join(", "),
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

/// The skill called `name` (its folder, its declared name, or its exact folder path);
/// a name in several folders is taken from the usual place when one holds it.
fn named(found: &[Found], name: &str, spec: &str) -> Result<Found, SourceError> {
    let name = name.trim_matches('/');
    let at = |p: &str| found.iter().find(|f| f.path == p);
    if let Some(f) = USUAL_PARENTS
        .iter()
        .find_map(|parent| at(&format!("{parent}{name}")))
        .or_else(|| at(name))
    {
        return Ok(f.clone());
    }
    let matches: Vec<&Found> = found
        .iter()
        .filter(|f| f.name == name || f.declared.as_deref() == Some(name))
        .collect();
    match matches[..] {
        [one] => Ok(one.clone()),
        [] => Err(SourceError::SkillNotInRepo {
            name: name.to_string(),
            repo: spec.to_string(),
            available: names(found),
        }),
        _ => USUAL_PARENTS
            .iter()
            .find_map(|parent| {
                let p = format!("{parent}{name}");
                matches.iter().find(|f| f.path == p)
            })
            .map(|f| (*f).clone())
            .ok_or_else(|| SourceError::AmbiguousSkill {
                name: name.to_string(),
                repo: spec.to_string(),
                paths: matches
                    .iter()
                    .map(|f| f.path.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
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
    fn names_are_found_in_the_usual_places() {
        let l = found(&["", "a", "docs/deep/c", "skills/a", ".claude/skills/b"]);
        let one =
            |n: &str| pick(&l, Pick::Named(&[n.to_string()]), "o/r").map(|v| v[0].path.clone());
        assert_eq!(one("a").unwrap(), "skills/a");
        assert_eq!(one("b").unwrap(), ".claude/skills/b");
        assert_eq!(one("c").unwrap(), "docs/deep/c");
        assert_eq!(one("docs/deep/c").unwrap(), "docs/deep/c");
        let e = one("z").unwrap_err().to_string();
        assert!(e.contains("a, b, c"), "{e}");
        assert!(one("d").is_err());
        let two = found(&["x/d", "y/d"]);
        assert!(pick(&two, Pick::Named(&["d".into()]), "o/r").is_err());
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
        assert_eq!(within(l, "skills/b").len(), 1);
    }
}
