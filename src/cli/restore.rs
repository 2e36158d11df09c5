//! The command that puts a managed skill back as its record says: the same source, pinned
//! where the record pins it, into the same skills root. Hints print it so that it works
//! as written.

use std::path::Path;

use skillpack::agents::{Agent, Env, Scope};
use skillpack::install::LockEntry;
use skillpack::source::record::{SourceRecord, Via};

use super::command;
use crate::{ScopeArg, TargetArgs};

/// How to put `name` back, for a hint: the [`restore_command`] in backquotes, said to copy
/// a local folder as it is now (nothing pins a folder's content), or, when that folder is
/// gone, that it must come from its source again.
pub(crate) fn restore_hint(name: &str, entry: &LockEntry, target: &[String]) -> String {
    let command = restore_command(name, entry, target);
    match &entry.source {
        SourceRecord::Path { path } if std::fs::symlink_metadata(path).is_err() => format!(
            "{name} was installed from {path}, which is gone: install it again from where it came from"
        ),
        SourceRecord::Path { path } => format!("`{command}` (copies {path} as it is now)"),
        _ => format!("`{command}`"),
    }
}

/// `skillpack install --force …` restoring `name` from `entry`'s source into the root the
/// flags `target` name (see [`target_words`], [`root_words`]).
pub(crate) fn restore_command(name: &str, entry: &LockEntry, target: &[String]) -> String {
    let mut words: Vec<String> = vec!["skillpack".into(), "install".into(), "--force".into()];
    match &entry.source {
        SourceRecord::Embedded { .. } => words.push(name.into()),
        SourceRecord::Path { path } => words.push(path.clone()),
        SourceRecord::File { path, folder } => {
            words.push(path.clone());
            if let Some(sha) = &entry.archive_sha256 {
                words.extend(["--sha256".into(), sha.clone()]);
            }
            if !folder.is_empty() {
                words.extend(["--skill".into(), folder.clone()]);
            }
        }
        SourceRecord::Url { url, folder } => {
            words.push(url.clone());
            if let Some(sha) = &entry.archive_sha256 {
                words.extend(["--sha256".into(), sha.clone()]);
            }
            if !folder.is_empty() {
                words.extend(["--skill".into(), folder.clone()]);
            }
        }
        SourceRecord::Git {
            url, commit, path, ..
        } => {
            words.push(format!("{url}#{commit}"));
            words.extend(["--skill".into(), skill_arg(name, path)]);
        }
        SourceRecord::Github {
            index: Some(Via::Catalog),
            ..
        } => words.push(name.into()),
        SourceRecord::Github {
            repo,
            reference,
            commit,
            path,
            ..
        } => {
            words.push(format!("{repo}@{}", commit.as_deref().unwrap_or(reference)));
            words.extend(["--skill".into(), skill_arg(name, path)]);
        }
        // Pinned to the recorded version: the index may hold a newer one by now.
        SourceRecord::Index { index, .. } => {
            let pinned = match &entry.version {
                Some(version) => format!("{name}@{version}"),
                None => name.into(),
            };
            words.extend([pinned, "--index".into(), index.clone()]);
        }
    }
    // A source a key verified is replaced only by one that key signs: named, so that the
    // command is checked as the install was.
    if let Some(key) = &entry.key {
        words.extend(["--trusted-key".into(), key.clone()]);
    }
    words.extend(target.iter().cloned());
    command(words.iter().map(String::as_str))
}

/// The flags a restore command for the root `dir` takes: those the user gave, or with
/// several roots (`--agent a,b`) those naming `dir` alone, so that a command meant for one
/// copy never forces the others.
pub(crate) fn restore_words(
    env: &Env,
    target: &TargetArgs,
    dir: &Path,
    several: bool,
) -> Vec<String> {
    if several {
        root_words(env, dir)
    } else {
        target_words(target)
    }
}

/// What `--skill` takes for a skill of a repository: its folder, which names it exactly,
/// else its name.
fn skill_arg(name: &str, path: &str) -> String {
    if path.is_empty() {
        name.to_string()
    } else {
        path.to_string()
    }
}

/// The flags that name the skills root `target` chose, as the user would type them.
pub(crate) fn target_words(target: &TargetArgs) -> Vec<String> {
    let mut words = Vec::new();
    if let Some(dir) = &target.dir {
        words.extend(["--dir".into(), dir.to_string_lossy().into_owned()]);
        return words;
    }
    words.extend(target.agent.words());
    if target.scope == ScopeArg::Project {
        words.extend(["--scope".into(), "project".into()]);
    }
    words
}

/// The flags that name the skills root at `dir` as the user would type them: nothing for
/// Claude Code's user folder, `--agent`/`--scope` for another agent's folder or a project's,
/// else `--dir DIR`.
pub(crate) fn root_words(env: &Env, dir: &Path) -> Vec<String> {
    for agent in Agent::all() {
        let mut words: Vec<String> = Vec::new();
        if agent != Agent::CLAUDE_CODE {
            words.extend(["--agent".into(), agent.id().into()]);
        }
        if env.skills_root(agent, Scope::User).as_deref() == Some(dir) {
            return words;
        }
        let (project, rel) = env.project_root(agent);
        if project.join(rel) == dir {
            words.extend(["--scope".into(), "project".into()]);
            return words;
        }
    }
    vec!["--dir".into(), dir.to_string_lossy().into_owned()]
}

/// `skillpack VERB ARGS… FLAGS` for the skills root at `dir`, shell-quoted.
pub(crate) fn command_for_root(env: &Env, dir: &Path, verb: &str, args: &[&str]) -> String {
    let mut words: Vec<String> = vec!["skillpack".into(), verb.into()];
    words.extend(args.iter().map(|a| a.to_string()));
    words.extend(root_words(env, dir));
    command(words.iter().map(String::as_str))
}

/// `did you mean …?` with the same command for the installed name `name` most resembles,
/// in the root `target` names; `None` when no installed name is close.
pub(crate) fn did_you_mean<'a>(
    verb: &str,
    name: &str,
    installed: impl IntoIterator<Item = &'a String>,
    target: &TargetArgs,
) -> Option<String> {
    let near = skillpack::text::closest(name, installed.into_iter().map(String::as_str))?;
    let mut words = vec!["skillpack".to_owned(), verb.to_owned(), near.to_owned()];
    words.extend(target_words(target));
    Some(format!(
        "did you mean `{}`?",
        command(words.iter().map(String::as_str))
    ))
}

/// The hint for `name`, which is not installed in the root `target` names: the same
/// command with the installed name it most resembles, else how to see what is installed.
pub(crate) fn not_installed_hint<'a>(
    verb: &str,
    name: &str,
    installed: impl IntoIterator<Item = &'a String>,
    target: &TargetArgs,
) -> String {
    did_you_mean(verb, name, installed, target).unwrap_or_else(|| {
        let mut words = vec!["skillpack".to_owned(), "list".to_owned()];
        words.extend(target_words(target));
        format!(
            "`{}` shows what is installed there",
            command(words.iter().map(String::as_str))
        )
    })
}
