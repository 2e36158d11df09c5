//! `sync --check`: every difference between the skills folders, the sources and the lock,
//! for a person or as GitHub annotations; nothing is changed.

use std::path::PathBuf;
use std::process::ExitCode;

use serde_json::json;

use skillpack::install::Root;
use skillpack::install::project::ProjectLock;
use skillpack::install::sync::Difference;

use super::project::lock_path;
use super::sync_args::{RootWork, SyncArgs, SyncFormat};
use super::sync_fetch::{Scratch, probe};
use super::trust::Sessions;
use super::{CmdResult, Printer, command, display_path};

/// What one difference says, for a person.
pub(crate) fn describe(env: &skillpack::agents::Env, root: &Root, d: &Difference) -> String {
    let at = |name: &str| shown_path(env, &root.skill_dir(name));
    match d {
        Difference::Missing { name } => format!(
            "{name} is locked but not installed in {}",
            shown_path(env, &root.dir)
        ),
        Difference::Unmanaged { name } => format!(
            "{} was not installed by skillpack; the lock wants {name} there",
            at(name)
        ),
        Difference::OtherTree { name, installed } => {
            format!(
                "{} is another tree ({installed}) than the locked one",
                at(name)
            )
        }
        Difference::Modified { name, files } => {
            let shown: Vec<String> = files
                .iter()
                .map(|(f, what)| {
                    if f.is_empty() {
                        what.to_string()
                    } else {
                        format!("{f} {what}")
                    }
                })
                .collect();
            format!("{} has local changes: {}", at(name), shown.join(", "))
        }
        Difference::Extra { name } => format!(
            "{} was installed by skillpack but is not in the lock",
            at(name)
        ),
    }
}

#[allow(clippy::too_many_arguments)]
pub(crate) fn check(
    p: &Printer,
    env: &skillpack::agents::Env,
    args: &SyncArgs,
    lock: &ProjectLock,
    base: &std::path::Path,
    trusted: bool,
    work: &[RootWork<'_>],
    sessions: &mut Sessions<'_, '_>,
) -> CmdResult {
    // (name or "", message)
    let mut found: Vec<(String, String, &'static str)> = Vec::new();
    for w in work {
        for d in &w.plan.differences {
            found.push((
                d.name().to_string(),
                describe(env, &w.target.root, d),
                d.id(),
            ));
        }
    }
    // Each locked source must still produce the locked tree: checked in a scratch root.
    let scratch = Scratch::new()?;
    for entry in lock.skills.values() {
        if let Err(f) = probe(p, sessions, entry, base, trusted, args, &scratch) {
            // A source that could not be reached says nothing about its content: reported
            // as unchecked, not as changed.
            let (kind, said) = match f.kind.as_deref() {
                Some("tree-digest") => {
                    ("source-changed", "the locked source does not reproduce it")
                }
                Some(
                    "unreachable" | "network" | "truncated" | "too-slow" | "deadline" | "tls"
                    | "redirect" | "client",
                ) => (
                    "unavailable",
                    "its locked source could not be fetched to check it",
                ),
                _ => ("unavailable", "the locked source does not reproduce it"),
            };
            found.push((
                entry.name.clone(),
                format!("{}: {said}: {}", entry.name, f.message),
                kind,
            ));
        }
    }
    let shown = shown_path(env, &lock_path_for(args, env));
    if p.json {
        let diffs: Vec<_> = found
            .iter()
            .map(|(n, m, k)| json!({"name": n, "kind": k, "message": m}))
            .collect();
        p.json_out(
            &json!({"version": skillpack::SCHEMA_VERSION, "lock": shown, "check": true,
                           "ok": found.is_empty(), "differences": diffs}),
        );
    } else if args.format == SyncFormat::Github {
        let file = if args.lock.is_some() {
            shown.clone()
        } else {
            skillpack::install::project::FILE_NAME.to_string()
        };
        for (name, message, _) in &found {
            let line = lock.lines.get(name).copied().unwrap_or(1);
            p.out(format!(
                "::error file={},line={line},title=skillpack sync --check::{}",
                super::workflow::escape_property(&file),
                super::workflow::escape_data(message)
            ));
        }
    } else {
        for (_, message, _) in &found {
            p.err(format!(
                "{}: {}",
                p.red("error"),
                skillpack::text::escape(message)
            ));
        }
    }
    if found.is_empty() {
        p.status(
            "Checked",
            format!("{} skill(s) are exactly as {shown} says", lock.skills.len()),
        );
        return Ok(ExitCode::SUCCESS);
    }
    if !p.json {
        p.hint(format!(
            "{} difference(s) from {shown}; {}",
            found.len(),
            remedy(args, work, &found)
        ));
    }
    Ok(ExitCode::FAILURE)
}

/// The `skillpack sync` of the same lock and folders as this run (its --lock and --scope),
/// with `extra` (`--force`, `--check`).
pub(crate) fn sync_command(args: &SyncArgs, extra: Option<&str>) -> String {
    let lock = args.lock.as_ref().map(|f| f.to_string_lossy().into_owned());
    let scope = args.scope.map(|s| skillpack::agents::Scope::from(s).id());
    let mut words = vec!["skillpack", "sync"];
    if let Some(f) = &lock {
        words.extend(["--lock", f.as_str()]);
    }
    if let Some(s) = scope {
        words.extend(["--scope", s]);
    }
    words.extend(extra);
    command(words)
}

/// What would make the skills as locked again, by the kinds of difference `found`.
fn remedy(
    args: &SyncArgs,
    work: &[RootWork<'_>],
    found: &[(String, String, &'static str)],
) -> String {
    let names = |kinds: &[&str]| {
        let mut n: Vec<&str> = found
            .iter()
            .filter(|(_, _, k)| kinds.contains(k))
            .map(|(n, _, _)| n.as_str())
            .collect();
        n.dedup();
        n.join(", ")
    };
    let mut said = Vec::new();
    let source = names(&["source-changed"]);
    if !source.is_empty() {
        said.push(format!(
            "sync cannot restore {source}: its locked source no longer produces the locked tree (install it again from a source that does, which locks it anew)"
        ));
    }
    let unavailable = names(&["unavailable"]);
    if !unavailable.is_empty() {
        said.push(format!(
            "{unavailable} could not be checked against its source; run the check again once it can be reached"
        ));
    }
    // Changed by hand, or a folder skillpack did not install: plain sync keeps them.
    let forced: Vec<&str> = work
        .iter()
        .flat_map(|w| w.plan.blocked.iter().chain(&w.plan.keep))
        .map(String::as_str)
        .collect();
    let rest = found.iter().any(|(n, _, k)| {
        !matches!(*k, "source-changed" | "unavailable") && !forced.contains(&n.as_str())
    });
    if !forced.is_empty() {
        let mut forced = forced;
        forced.sort();
        forced.dedup();
        said.push(format!(
            "`{}` restores {}, overwriting local changes (plain sync keeps them)",
            sync_command(args, Some("--force")),
            forced.join(", ")
        ));
    } else if rest {
        said.push(format!(
            "`{}` restores the locked skills",
            sync_command(args, None)
        ));
    }
    said.join("; ")
}

/// A path as the user would type it: relative to the working folder when inside.
pub(crate) fn shown_path(env: &skillpack::agents::Env, path: &std::path::Path) -> String {
    match path.strip_prefix(&env.cwd) {
        Ok(rel) => rel.display().to_string(),
        Err(_) => display_path(env, path),
    }
}

pub(crate) fn lock_path_for(args: &SyncArgs, env: &skillpack::agents::Env) -> PathBuf {
    match &args.lock {
        Some(f) => env.cwd.join(f),
        None => lock_path(env),
    }
}
