//! `skillpack update --scope project` in a project with a `skillpack.lock`: each locked
//! skill is looked up again as the lock says (a branch moves to its newest commit, a commit
//! stays), installed into the skills folder of every agent its entry names, and the lock is
//! rewritten only for the skills every one of those folders now holds.

use std::process::ExitCode;

use serde_json::json;
use skillpack::agents::{Env, Scope};
use skillpack::install::project::{Locked, ProjectLock};
use skillpack::install::{self, Action, Report};
use skillpack::text::escape;

use super::agents::Target;
use super::fetch::install_options;
use super::pipeline::{render, run_pipeline};
use super::project::{all_roots, keeps_lock, lock_failure, lock_path};
use super::trust::{self, Sessions};
use super::update_fetch::{Refetch, UpdateArgs, refetch};
use super::update_locked::{chosen, failure_json, relocked, say_change};
use super::update_renew::Renewed;
use super::{CmdResult, Failure, Printer};
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
    /// Nothing to install; what its record should now say.
    UpToDate(Renewed),
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
    // Each folder's record and the state of its skills, as list and verify read them: a
    // locked source that has not moved does not make a folder changed by hand up to date.
    let mut views = Vec::new();
    for t in &roots {
        let mut on_wait = p.on_wait();
        let view = install::view(&t.root, &mut on_wait).map_err(super::failure::install_failure)?;
        super::pipeline::say_recovered(p, view.recovered);
        views.push(view);
    }
    let mut results = Vec::new();
    let mut rows = Vec::new();
    let mut failed = false;
    // The entries rewritten, saved into the lock as it is then.
    let mut changed = std::collections::BTreeSet::new();
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
                let mut fetched = match refetch(p, session, &record, args)? {
                    Refetch::Fetched(f) => f,
                    Refetch::Current { signed_by, source } => {
                        let renewed =
                            Renewed::of(env, args, &record, signed_by.as_ref(), source.as_ref());
                        return Ok(Outcome::UpToDate(renewed));
                    }
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
                    let signed_by = fetched.signed_by.as_ref();
                    let renewed = Renewed::of(env, args, &record, signed_by, Some(&fetched.source));
                    return Ok(Outcome::UpToDate(renewed));
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
            Ok(Outcome::UpToDate(renewed)) => {
                // The same tree, now vouched for by another key or at a branch's new
                // commit: recorded in every folder, then in the lock.
                let recorded = match args.dry_run || renewed.is_empty() {
                    true => Ok(false),
                    false => targets
                        .iter()
                        .try_for_each(|t| renewed.record(p, &t.root, &record).map(drop))
                        .map(|()| true),
                };
                let recorded = match recorded {
                    Ok(r) => r,
                    Err(f) => {
                        failed = true;
                        rows.push((name.clone(), "failed", entry.version.clone(), None));
                        results.push(failure_json(p, &entry, &f));
                        continue;
                    }
                };
                if recorded && let Some(e) = lock.skills.get_mut(name) {
                    if let Some(k) = &renewed.key {
                        e.key = Some(k.base64().to_string());
                    }
                    if let Some(c) = renewed.commit() {
                        e.commit = Some(c.to_string());
                    }
                    changed.insert(name.clone());
                    renewed.say_key(p, name, entry.key.as_deref());
                }
                let here = roots.iter().zip(&views).find_map(|(t, v)| {
                    let served = t
                        .agents
                        .iter()
                        .any(|a| entry.agents.iter().any(|e| e == a.id()));
                    match v.states.get(name.as_str()) {
                        _ if !served => None,
                        _ if v.pending.contains(name) => Some((t, "pending", None)),
                        Some(state) if !state.is_ok() => Some((t, state.id(), Some(state))),
                        _ => None,
                    }
                });
                // The folder's state in list's words, when it is not what was recorded.
                let word = here.map_or("up to date", |h| h.1);
                rows.push((
                    name.clone(),
                    word,
                    entry.version.clone(),
                    entry.version.clone(),
                ));
                if let Some((t, id, state)) = here {
                    if !args.dry_run {
                        let hint = match id {
                            "missing" => "`skillpack sync` puts it back as skillpack.lock says",
                            _ => {
                                "`skillpack sync --force` puts back what skillpack.lock says, over the changes made by hand"
                            }
                        };
                        let about = (name.as_str(), entry.version.as_deref());
                        super::update_table::say_changed_here(
                            p, env, &t.root, about, id, state, hint,
                        );
                    }
                } else if !args.dry_run {
                    let from = entry.version.as_deref().unwrap_or("(unversioned)");
                    p.status(
                        "Up to date",
                        format!(
                            "{} {} is up to date{}",
                            escape(name),
                            escape(from),
                            renewed.at()
                        ),
                    );
                }
                let now = lock.skills.get(name).unwrap_or(&entry);
                results.push(json!({"name": name, "from": entry.version, "to": entry.version,
                                    "action": "up-to-date", "tree": entry.tree, "agents": entry.agents,
                                    "state": here.map_or("ok", |h| h.1),
                                    "from_commit": entry.commit, "to_commit": now.commit,
                                    "key_changed": entry.key != now.key}));
            }
            Ok(Outcome::Changed(new, reports)) => {
                say_change(p, &entry, &new, args.dry_run);
                rows.push((
                    name.clone(),
                    "would update",
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
                    changed.insert(name.clone());
                }
            }
            Err(f) => {
                failed = true;
                rows.push((name.clone(), "failed", entry.version.clone(), None));
                results.push(failure_json(p, &entry, &f));
            }
        }
    }
    if !changed.is_empty() {
        // Read again, held until saved: what other runs locked meanwhile is kept, and an
        // entry removed meanwhile stays removed.
        super::lock_hold::amend(&mut p.on_wait(), &path, |now| {
            let Some(now) = now else { return Ok(false) };
            for name in &changed {
                if let (Some(slot), Some(new)) = (now.skills.get_mut(name), lock.skills.get(name)) {
                    // Agents another run added to the entry meanwhile stay in it.
                    let mut agents = new.agents.clone();
                    agents.extend(slot.agents.iter().cloned());
                    agents.sort();
                    agents.dedup();
                    *slot = Locked {
                        agents,
                        ..new.clone()
                    };
                }
            }
            Ok(true)
        })?;
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
