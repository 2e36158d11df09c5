//! The entries of a project's lock that `update --scope project` works on: which ones, what
//! each becomes once every folder holds its new tree, and how that is said.

use serde_json::json;
use skillpack::agents::Env;
use skillpack::install::project::{Locked, ProjectLock};
use skillpack::install::{self, Report};
use skillpack::source::Fetched;
use skillpack::text::escape;

use super::failure::install_failure;
use super::project::lock_failure;
use super::update_fetch::UpdateArgs;
use super::{Failure, Printer, display_path};

/// The names to update: those given (each must be locked), else every locked skill; with
/// `--agent` on the command line, only those locked for one of its agents.
pub(crate) fn chosen(
    env: &Env,
    args: &UpdateArgs,
    lock: &ProjectLock,
    path: &std::path::Path,
) -> Result<Vec<String>, Failure> {
    if let Some(missing) = args.names.iter().find(|n| !lock.skills.contains_key(*n)) {
        return Err(Failure {
            kind: Some("not-installed".into()),
            ..Failure::new(format!(
                "`{}` is not in {}",
                escape(missing),
                display_path(env, path)
            ))
        }
        .hint(super::restore::not_installed_hint(
            "update",
            missing,
            lock.skills.keys(),
            &args.target,
        )));
    }
    let agents: Vec<&str> = args
        .target
        .agent
        .resolve(env)
        .iter()
        .map(|a| a.id())
        .collect();
    Ok(lock
        .skills
        .values()
        .filter(|e| args.names.is_empty() || args.names.contains(&e.name))
        .filter(|e| {
            !args.target.agent_given || e.agents.iter().any(|a| agents.contains(&a.as_str()))
        })
        .map(|e| e.name.clone())
        .collect())
}

/// The entry `entry` becomes once every folder holds the new tree: as the first folder's
/// record says (source, commit, tree, key), for the agents the lock names. A dry run
/// records nothing: then as fetched.
pub(crate) fn relocked(
    entry: &Locked,
    fetched: &Fetched,
    report: &Report,
    root: &install::Root,
    base: &std::path::Path,
    dry_run: bool,
) -> Result<Locked, Failure> {
    let agents: Vec<&str> = entry.agents.iter().map(String::as_str).collect();
    let record;
    let (version, source, archive, tree, key) = if dry_run {
        let key = report.signed_by.as_ref().map(|k| k.base64().to_string());
        (
            report.version.as_deref(),
            &fetched.source,
            Some(fetched.sha256.as_str()),
            report.tree.as_str(),
            key.or_else(|| entry.key.clone()),
        )
    } else {
        record = install::read_lock(root).map_err(install_failure)?;
        let Some(e) = record.skills.get(&entry.name) else {
            return Err(Failure::new(format!(
                "{} is not recorded in {}",
                entry.name,
                root.dir.display()
            )));
        };
        (
            e.version.as_deref(),
            &e.source,
            e.archive_sha256.as_deref(),
            e.tree.as_str(),
            e.key.clone(),
        )
    };
    Locked::from_install(
        &entry.name,
        version,
        source,
        archive,
        tree,
        key.as_deref(),
        &agents,
        Some(base),
    )
    .map_err(lock_failure)
}

/// `name old → new`: versions, and commits when the source has them.
pub(crate) fn say_change(p: &Printer, old: &Locked, new: &Locked, dry_run: bool) {
    let side = |e: &Locked| {
        let mut s = escape(e.version.as_deref().unwrap_or("(unversioned)")).into_owned();
        if let Some(c) = &e.commit {
            s.push(' ');
            s.extend(c.chars().take(12));
        }
        s
    };
    let word = match (dry_run, old.commit != new.commit) {
        (true, _) => "Would update",
        (false, true) => "Moved",
        (false, false) => "Updated",
    };
    p.status(
        word,
        format!("{} {} → {}", escape(&old.name), side(old), side(new)),
    );
}

pub(crate) fn failure_json(p: &Printer, entry: &Locked, f: &Failure) -> serde_json::Value {
    if !p.json {
        p.failure(f);
    }
    json!({"name": entry.name, "from": entry.version, "action": "failed", "agents": entry.agents,
           "error": {"message": f.message, "hint": f.hint, "kind": f.kind}})
}
