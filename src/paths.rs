//! Paths resolved as written: `.` and `..` taken lexically, without asking the file system
//! (so a link keeps the name it was reached by). The one place this is done.

use std::path::{Component, Path, PathBuf};

/// The absolute `path` with `.` dropped and each `..` taking off the component before it
/// (`..` at the root stays at the root).
pub fn lexical(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

/// The relative `path` resolved as written, when it stays inside the folder it starts
/// from: `None` for an absolute path, or one whose `..` climbs above its start.
pub fn within(path: &Path) -> Option<PathBuf> {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::Normal(part) => out.push(part),
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    return None;
                }
            }
            Component::RootDir | Component::Prefix(_) => return None,
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dots_are_resolved_as_written() {
        assert_eq!(lexical(Path::new("/a/./b/../c")), Path::new("/a/c"));
        assert_eq!(lexical(Path::new("/../a")), Path::new("/a"));
        assert_eq!(within(Path::new("a/./b/../c")), Some(PathBuf::from("a/c")));
        assert_eq!(within(Path::new("a/../..")), None);
        assert_eq!(within(Path::new("/etc")), None);
        assert_eq!(within(Path::new("a/..")), Some(PathBuf::new()));
    }
}
