//! `--changed-since REF` and `--stdin-paths`: which of the skills found are checked, when
//! a pull request should check only the skills it touches.

use std::io::BufRead;
use std::path::PathBuf;

use skillpack::agents::Env;
use skillpack::git::{self, GitError};
use skillpack::skill::containing;

use super::plural;
use crate::cli::Failure;

/// The changed files the user named, by either or both ways.
pub(super) struct Changed {
    pub files: Vec<PathBuf>,
    /// Where they came from, for messages: `changed since main`, `read from stdin`.
    pub source: String,
}

/// The files changed since `rev` (git) and those read from stdin, as absolute paths.
pub(super) fn changed(env: &Env, since: Option<&str>, stdin: bool) -> Result<Changed, Failure> {
    let mut files = Vec::new();
    let mut sources = Vec::new();
    if let Some(rev) = since {
        files.extend(git::changed_files(&env.cwd, rev).map_err(git_failure)?);
        sources.push(format!("changed since {rev}"));
    }
    if stdin {
        for line in std::io::stdin().lock().lines() {
            let line =
                line.map_err(|e| Failure::new(format!("cannot read paths from stdin: {e}")))?;
            let line = line.trim_end_matches('\r');
            if !line.trim().is_empty() {
                files.push(env.cwd.join(line));
            }
        }
        sources.push("read from stdin".to_string());
    }
    Ok(Changed {
        files,
        source: sources.join(" or "),
    })
}

/// The skill folders among `dirs` that hold a changed file, and a line saying so.
pub(super) fn select(dirs: Vec<PathBuf>, changed: &Changed) -> (Vec<PathBuf>, String) {
    let total = dirs.len();
    let chosen = containing(&dirs, &changed.files);
    let line = format!(
        "{} of {}: those holding one of the {} {}",
        chosen.len(),
        plural(total, "skill"),
        plural(changed.files.len(), "file"),
        changed.source
    );
    (chosen, line)
}

fn git_failure(e: GitError) -> Failure {
    let message = e.to_string();
    match e {
        GitError::NotFound(_) => Failure::new(message)
            .hint("install git, or pipe the changed paths in with --stdin-paths"),
        GitError::NotARepository { .. } => Failure::usage(message)
            .hint("run from inside the repository, or pipe the changed paths in with --stdin-paths"),
        GitError::UnknownRevision { .. } => Failure::usage(message).hint(
            "name a branch, tag or commit that this clone has, e.g. origin/main; in GitHub Actions, check out with `fetch-depth: 0`",
        ),
        GitError::NoMergeBase { .. } => Failure::new(message).hint(
            "the clone is too shallow to find where the branch started: fetch more history (in GitHub Actions, check out with `fetch-depth: 0`)",
        ),
        GitError::Failed { .. } => Failure::new(message),
    }
}
