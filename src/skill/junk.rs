//! The one list of names that are never part of a skill: version control, OS litter and
//! caches. `pack` leaves them out of releases (and the embedded skill), `validate` reports
//! them (all but `.git`, which a skill being worked on has), and discovery does not search
//! them.

/// File and folder names that are never part of a skill.
pub const JUNK: &[&str] = &[
    ".git",
    ".DS_Store",
    "__pycache__",
    "node_modules",
    "__MACOSX",
    "Thumbs.db",
];

/// Whether one path component is junk: a name of [`JUNK`], or Python's compiled `*.pyc`.
pub fn is_junk(component: &str) -> bool {
    JUNK.contains(&component) || component.ends_with(".pyc")
}

/// What a junk name is, for the message that reports it.
pub fn what(component: &str) -> &'static str {
    match component {
        "__pycache__" => "Python's compiled cache",
        "node_modules" => "installed dependencies",
        "__MACOSX" => "macOS archive litter",
        ".git" => "version control",
        _ => "a generated file",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn junk_is_matched_per_component() {
        for name in JUNK.iter().copied().chain(["helper.pyc"]) {
            assert!(is_junk(name), "{name}");
        }
        for name in [
            "git",
            "SKILL.md",
            "scripts",
            ".gitignore",
            "pyc",
            "Thumbs.db.md",
        ] {
            assert!(!is_junk(name), "{name}");
        }
    }
}
