//! Which folders `skillpack pack` was asked for, and where its output goes.

use std::path::{Component, Path, PathBuf};

use skillpack::skill::find_skill_md;

use crate::cli::{Failure, command};

/// One PATH argument, resolved to its skill folder.
pub(super) struct Input {
    /// As the user wrote it, for messages.
    pub(super) dir: PathBuf,
    /// Absolute and symlink-free, to compare folders.
    pub(super) canonical: PathBuf,
}

/// Resolves PATH arguments to skill folders, dropping repeats of the same folder.
pub(super) fn resolve_inputs(paths: &[PathBuf]) -> Result<Vec<Input>, Failure> {
    let mut inputs: Vec<Input> = Vec::new();
    for path in paths {
        let dir = if path.is_file()
            && path
                .file_name()
                .is_some_and(|n| n.eq_ignore_ascii_case("SKILL.md"))
        {
            match path.parent() {
                Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
                _ => PathBuf::from("."),
            }
        } else {
            path.clone()
        };
        let canonical = std::fs::canonicalize(&dir).map_err(|_| {
            Failure::usage(format!(
                "no such folder: `{}`",
                crate::cli::absolute(path).display()
            ))
            .hint("name a skill folder, the one holding SKILL.md")
        })?;
        if !canonical.is_dir() {
            return Err(Failure::new(format!(
                "`{}` is not a skill folder",
                crate::cli::absolute(path).display()
            ))
            .hint("name a skill folder, the one holding SKILL.md"));
        }
        if find_skill_md(&dir).is_none() {
            return Err(no_skill_md(&dir));
        }
        if !inputs.iter().any(|i| i.canonical == canonical) {
            inputs.push(Input { dir, canonical });
        }
    }
    Ok(inputs)
}

/// A folder without SKILL.md; when it holds skill folders, say how to name them.
fn no_skill_md(dir: &Path) -> Failure {
    let mut children: Vec<PathBuf> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_dir() && find_skill_md(p).is_some())
        .collect();
    children.sort();
    let failure = Failure::new(format!(
        "no SKILL.md in `{}`: a skill is a folder holding SKILL.md",
        dir.display()
    ));
    if children.is_empty() {
        return failure.hint("name a skill folder, the one holding SKILL.md");
    }
    let shown: Vec<String> = children
        .iter()
        .take(3)
        .map(|c| c.to_string_lossy().into_owned())
        .collect();
    let more = if children.len() > 3 { " …" } else { "" };
    let mut words = vec!["skillpack", "pack"];
    words.extend(shown.iter().map(String::as_str));
    failure.hint(format!(
        "it holds {} skill folder{}; name them: {}{more}",
        children.len(),
        if children.len() == 1 { "" } else { "s" },
        command(words)
    ))
}

/// The absolute form of `path` with symlinks resolved as far as it exists, so that it can
/// be compared with canonical skill folders before it is created.
pub(super) fn resolve_out(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for part in path.components() {
        match part {
            Component::CurDir => {}
            // `out` is canonical while it exists, so its parent is the real one.
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
        if let Ok(real) = std::fs::canonicalize(&out) {
            out = real;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn out_folder_is_resolved_before_it_exists() {
        let tmp = tempfile::tempdir().unwrap();
        let base = std::fs::canonicalize(tmp.path()).unwrap();
        assert_eq!(resolve_out(&base.join("a/b")), base.join("a/b"));
        assert_eq!(resolve_out(&base.join("a/../c")), base.join("c"));
        assert_eq!(resolve_out(&base.join("./d")), base.join("d"));
        std::fs::create_dir(base.join("e")).unwrap();
        assert_eq!(resolve_out(&base.join("e/../f/./g")), base.join("f/g"));
        #[cfg(unix)]
        {
            std::os::unix::fs::symlink(base.join("e"), base.join("link")).unwrap();
            assert_eq!(resolve_out(&base.join("link/h")), base.join("e/h"));
        }
    }
}
