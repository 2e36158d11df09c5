//! Turns the paths a user names into the skill folders to validate: a skill folder, a
//! `SKILL.md` file, or a tree searched for every folder holding a `SKILL.md`.

use std::collections::HashSet;
use std::ffi::OsStr;
use std::path::{Path, PathBuf};

use rayon::prelude::*;

/// Folders never searched for skills beside [`super::junk::JUNK`]: other version control
/// systems, and skillpack's own state (whose staging area holds copies of skills).
const ALSO_SKIPPED: &[&str] = &[".hg", ".svn", ".skillpack"];

#[derive(Debug, thiserror::Error)]
pub enum DiscoverError {
    #[error("`{}` does not exist", path.display())]
    NotFound { path: PathBuf },

    #[error("`{}` is neither a folder nor a SKILL.md file", path.display())]
    NotASkill { path: PathBuf },

    #[error("cannot search `{}`: {source}", path.display())]
    Walk {
        path: PathBuf,
        #[source]
        source: walkdir::Error,
    },
}

impl DiscoverError {
    /// The stable id of the error.
    pub fn kind(&self) -> &'static str {
        match self {
            DiscoverError::NotFound { .. } => "not-found",
            DiscoverError::NotASkill { .. } => "not-a-skill",
            DiscoverError::Walk { .. } => "io",
        }
    }
}

/// The skill folders under `paths`, in a stable order: per path in the order given, the
/// folders found sorted by path; a folder named twice is kept once. A folder that holds
/// no skill at all is returned as it is, so that validating it reports the missing
/// `SKILL.md`.
pub fn discover(paths: &[PathBuf]) -> Result<Vec<PathBuf>, DiscoverError> {
    let mut out: Vec<PathBuf> = Vec::new();
    let mut seen: HashSet<PathBuf> = HashSet::new();
    for path in paths {
        let found = discover_one(path)?;
        if paths.len() == 1 {
            return Ok(found);
        }
        for dir in found {
            // Spellings differ (`a`, `./a`, `a/SKILL.md`); the folder on disk does not.
            let key = dir.canonicalize().unwrap_or_else(|_| dir.clone());
            if seen.insert(key) {
                out.push(dir);
            }
        }
    }
    Ok(out)
}

/// The skill folders among `dirs` (as [`discover`] returns them) that hold one of `files`,
/// in the order of `dirs`: each file belongs to the innermost skill folder around it, so a
/// change to a nested skill does not select the one it sits in. Files need not exist (a
/// deleted file still names its skill); relative ones are taken from the current folder.
pub fn containing(dirs: &[PathBuf], files: &[PathBuf]) -> Vec<PathBuf> {
    let index: std::collections::HashMap<PathBuf, usize> = dirs
        .iter()
        .enumerate()
        .filter_map(|(i, d)| d.canonicalize().ok().map(|c| (c, i)))
        .collect();
    let mut hit = vec![false; dirs.len()];
    let mut known: std::collections::HashMap<PathBuf, Option<usize>> = Default::default();
    for file in files {
        for dir in file.ancestors().skip(1) {
            let dir = if dir.as_os_str().is_empty() {
                Path::new(".")
            } else {
                dir
            };
            let found = *known
                .entry(dir.to_path_buf())
                .or_insert_with(|| dir.canonicalize().ok().and_then(|c| index.get(&c).copied()));
            if let Some(i) = found {
                hit[i] = true;
                break;
            }
        }
    }
    dirs.iter()
        .zip(hit)
        .filter(|(_, hit)| *hit)
        .map(|(d, _)| d.clone())
        .collect()
}

fn discover_one(path: &Path) -> Result<Vec<PathBuf>, DiscoverError> {
    let meta = std::fs::metadata(path).map_err(|_| DiscoverError::NotFound {
        path: path.to_path_buf(),
    })?;
    if meta.is_file() {
        let is_skill_md = path
            .file_name()
            .is_some_and(|n| n.eq_ignore_ascii_case("SKILL.md"));
        if !is_skill_md {
            return Err(DiscoverError::NotASkill {
                path: path.to_path_buf(),
            });
        }
        return Ok(vec![match path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        }]);
    }
    if !meta.is_dir() {
        return Err(DiscoverError::NotASkill {
            path: path.to_path_buf(),
        });
    }
    let mut found = search(path)?;
    if found.is_empty() {
        found.push(path.to_path_buf());
    }
    Ok(found)
}

fn is_skill_md(name: &OsStr) -> bool {
    name == "SKILL.md" || name == "skill.md"
}

fn skipped(name: &OsStr) -> bool {
    let name = name.to_string_lossy();
    super::junk::is_junk(&name) || ALSO_SKIPPED.contains(&&*name)
}

/// Every folder under `root` (itself included) holding a `SKILL.md`, sorted. The folders
/// at the top are searched in parallel: a search of thousands of skills mostly waits on
/// the file system. Skills are recognised by the names the listing gives, without a
/// `stat` per folder.
fn search(root: &Path) -> Result<Vec<PathBuf>, DiscoverError> {
    let walk_error = |source: walkdir::Error| DiscoverError::Walk {
        path: root.to_path_buf(),
        source,
    };
    let mut found = Vec::new();
    let mut subdirs = Vec::new();
    for entry in walkdir::WalkDir::new(root).min_depth(1).max_depth(1) {
        let entry = entry.map_err(walk_error)?;
        if entry.file_type().is_dir() {
            if !skipped(entry.file_name()) {
                subdirs.push(entry.into_path());
            }
        } else if is_skill_md(entry.file_name()) {
            found.push(display_path(root, root));
        }
    }
    let nested: Vec<Result<Vec<PathBuf>, walkdir::Error>> = subdirs
        .par_iter()
        .map(|dir| {
            let mut found = Vec::new();
            let walk = walkdir::WalkDir::new(dir)
                .follow_links(false)
                .into_iter()
                .filter_entry(|e| !(e.file_type().is_dir() && skipped(e.file_name())));
            for entry in walk {
                let entry = entry?;
                if !entry.file_type().is_dir()
                    && is_skill_md(entry.file_name())
                    && let Some(parent) = entry.path().parent()
                {
                    found.push(display_path(root, parent));
                }
            }
            Ok(found)
        })
        .collect();
    for part in nested {
        found.extend(part.map_err(walk_error)?);
    }
    // Sorting also brings a folder's `SKILL.md` and `skill.md` together, to be kept once.
    found.sort();
    found.dedup();
    Ok(found)
}

/// `entry` as the user would write it: without the `./` that searching `.` adds.
fn display_path(root: &Path, entry: &Path) -> PathBuf {
    if root == Path::new(".") && entry == root {
        return root.to_path_buf();
    }
    if root == Path::new(".")
        && let Ok(rest) = entry.strip_prefix(".")
        && !rest.as_os_str().is_empty()
    {
        return rest.to_path_buf();
    }
    entry.to_path_buf()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn skill(root: &Path, rel: &str) {
        let dir = root.join(rel);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("SKILL.md"), "---\n---\n").unwrap();
    }

    #[test]
    fn finds_every_skill_folder_in_path_order() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path();
        skill(root, "b-skill");
        skill(root, "a/z-skill");
        skill(root, "a/z-skill/examples/inner");
        skill(root, "node_modules/dep");
        skill(root, ".git/x");
        std::fs::create_dir_all(root.join("empty")).unwrap();
        let found = discover(&[root.to_path_buf()]).unwrap();
        let rel: Vec<_> = found
            .iter()
            .map(|p| p.strip_prefix(root).unwrap().to_string_lossy().into_owned())
            .collect();
        assert_eq!(rel, ["a/z-skill", "a/z-skill/examples/inner", "b-skill"]);
    }

    #[test]
    fn changed_files_select_the_innermost_skill_around_them() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path();
        skill(root, "a");
        skill(root, "a/examples/inner");
        skill(root, "b");
        skill(root, "c");
        let dirs = discover(&[root.to_path_buf()]).unwrap();
        let files = [
            root.join("a/examples/inner/SKILL.md"),
            root.join("c/references/deleted.md"),
            root.join("README.md"),
            root.join("gone/SKILL.md"),
        ];
        assert_eq!(
            containing(&dirs, &files),
            [root.join("a/examples/inner"), root.join("c")]
        );
        assert!(containing(&dirs, &[]).is_empty());
    }

    #[test]
    fn files_repeats_and_missing_paths() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path();
        skill(root, "s");
        let md = root.join("s/SKILL.md");
        let found = discover(&[root.join("s"), md.clone(), root.to_path_buf()]).unwrap();
        assert_eq!(found, [root.join("s")]);
        assert!(matches!(
            discover(&[root.join("nope")]),
            Err(DiscoverError::NotFound { .. })
        ));
        std::fs::write(root.join("README.md"), "").unwrap();
        assert!(matches!(
            discover(&[root.join("README.md")]),
            Err(DiscoverError::NotASkill { .. })
        ));
        let empty = root.join("empty");
        std::fs::create_dir(&empty).unwrap();
        assert_eq!(discover(std::slice::from_ref(&empty)).unwrap(), [empty]);
    }
}
