//! `validate --fix`: applies the library's safe fixes to each skill's `SKILL.md`, prints a
//! unified diff of every change on stdout, and says what was changed and what was not.

use std::io::Write;
use std::path::PathBuf;

use skillpack::skill::fix::{FixError, fix_file, unified_diff};
use skillpack::skill::{Profile, find_skill_md, folder_name};

use super::plural;
use crate::cli::Printer;

/// Fixes the skills in `dirs`; returns how many files changed.
pub(super) fn run(p: &Printer, dirs: &[PathBuf], profile: Profile) -> usize {
    let (mut files, mut changes) = (0, 0);
    for dir in dirs {
        let Some(path) = find_skill_md(dir) else {
            continue;
        };
        match fix_file(&path, profile, folder_name(dir).as_deref()) {
            Ok(fix) => {
                // Only Windows separates path parts with `\`; elsewhere it is part of a name.
                let label = path.to_string_lossy();
                let label = if cfg!(windows) {
                    label.replace('\\', "/")
                } else {
                    label.into_owned()
                };
                let diff = unified_diff(&label, &fix.before, &fix.fixed.text);
                if !diff.is_empty() {
                    files += 1;
                    changes += fix.fixed.applied.len();
                    let _ = std::io::stdout()
                        .lock()
                        .write_all(skillpack::text::escape_lines(&diff).as_bytes());
                }
                for note in &fix.fixed.applied {
                    p.detail(format!(
                        "{}:{}: fixed [{}]: {}",
                        path.display(),
                        note.line,
                        note.rule,
                        note.message
                    ));
                }
                for note in &fix.fixed.skipped {
                    p.warn(format!(
                        "{}:{}: not fixed [{}]: {}",
                        path.display(),
                        note.line,
                        note.rule,
                        note.message
                    ));
                }
            }
            Err(e @ FixError::Unfixable { .. }) | Err(e @ FixError::Symlink { .. }) => {
                p.warn(e.to_string())
            }
            Err(e) => p.err(format!(
                "error: {}",
                skillpack::text::escape(&e.to_string())
            )),
        }
    }
    if files > 0 {
        p.status(
            "Fixed",
            format!(
                "{} in {} ({} read)",
                plural(changes, "problem"),
                plural(files, "file"),
                plural(dirs.len(), "skill")
            ),
        );
    } else {
        p.status(
            "Fixed",
            format!(
                "nothing: no safe fix applies to the {} read",
                plural(dirs.len(), "skill")
            ),
        );
    }
    files
}
