//! `skillpack update --scope project` in a project with a `skillpack.lock`: each locked
//! skill is looked up again as the lock says (a branch moves to its newest commit, a commit
//! stays), installed into the skills folder of every agent its entry names, and the lock is
//! rewritten only for the skills every one of those folders now holds.

use std::process::ExitCode;

use serde_json::json;
use skillpack::agents::{Env, Scope};
use skillpack::install::project::{Locked, ProjectLock};
use skillpack::install::{self, Action, Report};
use skillpack::source::Fetched;
use skillpack::text::escape;

use super::agents::Target;
use super::failure::install_failure;
use super::fetch::install_options;
use super::pipeline::{render, run_pipeline};
use super::project::{all_roots, keeps_lock, lock_failure, lock_path};
use super::trust::{self, Sessions};
use super::update_fetch::{UpdateArgs, refetch};
use super::{CmdResult, Failure, Printer, display_path};
use crate::TargetArgs;

/// The project's lock, when `target` means the project's own folders and there is one.
pub(crate) fn project_lock(env: &Env, target: &TargetArgs) -> Result<Option<ProjectLock>, Failure> {
    if !keeps_lock(target) {
        return Ok(None);
    }
    ProjectLock::load(&lock_path(env)).map_err(lock_failure)
}

/// What became of one locked skill.
enum Outcome {
    UpToDate,
    /// The new entry (agents as locked) and the report of each folder it went to.
    Changed(Box<Locked>, Vec<(Report, Vec<&'static str>)>),
}

pub(crate) fn run(
    p: &Printer,
    env: &Env,
    args: &UpdateArgs,
    mut lock: ProjectLock,
    sessions: &mut Sessions<'_, '_>,
) -> CmdResult {
    let path = lock_path(env);
    let base = env.project_dir();
    let names = chosen(env, args, &lock, &path)?;
    let roots = all_roots(env, Scope::Project);
    let opts = install::Options {
        force: args.force,
        dry_run: args.dry_run,
        ..install_options(&args.fetch.limits)
    };
    let mut results = Vec::new();
    let mut rows = Vec::new();
    let mut failed = false;
    let mut changed = false;
    for name in &names {
        let entry = lock.skills[name].clone();
        let record = match install::update::locked_record(&entry, &base) {
            Ok(r) => r,
            Err(why) => {
                let f = Failure::new(format!("{name}: {why}"));
                failed = true;
                rows.push((name.clone(), "failed", entry.version.clone(), None));
                results.push(failure_json(p, &entry, &f));
                continue;
            }
        };
        let targets: Vec<Target> = roots
            .iter()
            .filter_map(|t| {
                let agents: Vec<_> = t
                    .agents
                    .iter()
                    .copied()
                    .filter(|a| entry.agents.iter().any(|e| e == a.id()))
                    .collect();
                (!agents.is_empty()).then(|| Target {
                    agents,
                    root: t.root.clone(),
                })
            })
            .collect();
        let outcome = sessions
            .for_entry(&record)
            .and_then(|session| {
                let Some(mut fetched) = refetch(p, session, &record, args)? else {
                    return Ok(Outcome::UpToDate);
                };
                fetched.expected_name = Some(entry.name.clone());
                // Every folder must take it (none changed by hand, say) before one does:
                // the lock promises the same tree to every agent.
                if !args.dry_run && targets.len() > 1 {
                    let dry = install::Options {
                        dry_run: true,
                        ..opts.clone()
                    };
                    for t in &targets {
                        run_pipeline(p, &t.root, session, &fetched, &dry)?;
                    }
                }
                let mut reports = Vec::new();
                for t in &targets {
                    let report = run_pipeline(p, &t.root, session, &fetched, &opts)?;
                    reports.push((report, t.ids()));
                }
                if reports.iter().all(|(r, _)| r.action == Action::Unchanged) {
                    return Ok(Outcome::UpToDate);
                }
                let new = relocked(
                    &entry,
                    &fetched,
                    &reports[0].0,
                    &targets[0].root,
                    &base,
                    args.dry_run,
                )?;
                Ok(Outcome::Changed(Box::new(new), reports))
            })
            .map_err(|f| trust::explain(f, &record));
        match outcome {
            Ok(Outcome::UpToDate) => {
                rows.push((
                    name.clone(),
                    "up to date",
                    entry.version.clone(),
                    entry.version.clone(),
                ));
                if !args.dry_run {
                    let from = entry.version.as_deref().unwrap_or("(unversioned)");
                    p.status(
                        "Up to date",
                        format!("{} {} is up to date", escape(name), escape(from)),
                    );
                }
                results.push(json!({"name": name, "from": entry.version, "to": entry.version,
                                    "action": "up-to-date", "tree": entry.tree, "agents": entry.agents}));
            }
            Ok(Outcome::Changed(new, reports)) => {
                say_change(p, &entry, &new, args.dry_run);
                rows.push((
                    name.clone(),
                    "would install",
                    entry.version.clone(),
                    new.version.clone(),
                ));
                let paths: Vec<_> = reports.iter().map(|(r, _)| r.path.clone()).collect();
                let action = if args.dry_run {
                    "would-install"
                } else {
                    "updated"
                };
                results.push(
                    json!({"name": name, "from": entry.version, "to": new.version,
                                    "action": action, "tree": new.tree, "paths": paths,
                                    "agents": entry.agents, "from_commit": entry.commit,
                                    "to_commit": new.commit}),
                );
                if !args.dry_run {
                    for (report, ids) in &reports {
                        render(p, env, report, ids);
                    }
                    lock.skills.insert(name.clone(), *new);
                    changed = true;
                }
            }
            Err(f) => {
                failed = true;
                rows.push((name.clone(), "failed", entry.version.clone(), None));
                results.push(failure_json(p, &entry, &f));
            }
        }
    }
    if changed {
        lock.save(&path).map_err(lock_failure)?;
        p.detail(format!("recorded in {}", path.display()));
    }
    if args.dry_run && !rows.is_empty() {
        super::update_table::dry_run_table(p, &rows);
    }
    if p.json {
        p.json_out(&json!({
            "version": skillpack::SCHEMA_VERSION,
            "root": roots.first().map(|t| t.root.dir.clone()),
            "lock": path,
            "dry_run": args.dry_run,
            "skills": results,
        }));
    }
    Ok(if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

/// The names to update: those given (each must be locked), else every locked skill; with
/// `--agent` on the command line, only those locked for one of its agents.
fn chosen(
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
fn relocked(
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
fn say_change(p: &Printer, old: &Locked, new: &Locked, dry_run: bool) {
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

fn failure_json(p: &Printer, entry: &Locked, f: &Failure) -> serde_json::Value {
    if !p.json {
        p.failure(f);
    }
    json!({"name": entry.name, "from": entry.version, "action": "failed", "agents": entry.agents,
           "error": {"message": f.message, "hint": f.hint, "kind": f.kind}})
}
