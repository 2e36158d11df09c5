//! `sync` without `--check`: fetch and verify every skill to install, then remove what is
//! no longer locked and install the rest, each root in turn.

use std::collections::BTreeMap;
use std::process::ExitCode;

use serde_json::json;

use skillpack::install::project::ProjectLock;
use skillpack::install::sync::Difference;
use skillpack::install::{self, Root};
use skillpack::source::Fetched;

use super::failure::install_failure_in;
use super::fetch::install_options;
use super::pipeline::{render, run_pipeline};
use super::sync_args::{RootWork, SyncArgs};
use super::sync_check::{describe, lock_path_for, shown_path, sync_command};
use super::sync_fetch::{Scratch, index_of, probe};
use super::trust::Sessions;
use super::{CmdResult, Failure, Printer};

#[allow(clippy::too_many_arguments)]
pub(crate) fn apply(
    p: &Printer,
    env: &skillpack::agents::Env,
    args: &SyncArgs,
    lock: &ProjectLock,
    base: &std::path::Path,
    trusted: bool,
    work: &[RootWork<'_>],
    sessions: &mut Sessions<'_, '_>,
) -> CmdResult {
    let shown = shown_path(env, &lock_path_for(args, env));
    let present: usize = work.iter().map(|w| w.plan.present.len()).sum();
    // Skills no longer locked but changed by hand: kept, and said so, whatever else runs.
    let kept: Vec<serde_json::Value> = work
        .iter()
        .flat_map(|w| {
            w.plan.keep.iter().map(|name| {
                p.warn(format!(
                    "{} is not in the lock but has local changes; kept (--force removes it)",
                    shown_path(env, &w.target.root.skill_dir(name))
                ));
                json!({"name": name, "root": w.target.root.dir})
            })
        })
        .collect();
    if work.iter().all(|w| w.plan.is_noop()) {
        if p.json {
            p.json_out(
                &json!({"version": skillpack::SCHEMA_VERSION, "lock": shown, "ok": true,
                               "changed": false, "skills": present, "kept": kept}),
            );
        } else {
            let skills: std::collections::BTreeSet<&String> =
                work.iter().flat_map(|w| &w.plan.present).collect();
            let copies = match present == skills.len() {
                true => String::new(),
                false => format!(" ({present} copies)"),
            };
            let installed = format!(
                "{} skill(s){copies} are installed as {shown} says",
                skills.len()
            );
            if kept.is_empty() {
                // Right after an import, which said what it installed, there is nothing to add.
                if !args.imported {
                    p.status("Up to date", format!("{installed}; nothing to do"));
                }
            } else {
                p.status(
                    "Kept",
                    format!(
                        "{installed}; {} skill(s) no longer locked were kept for their local changes",
                        kept.len()
                    ),
                );
                p.hint(format!(
                    "`{}` removes them; `{}` reports them until then",
                    sync_command(args, Some("--force")),
                    sync_command(args, Some("--check"))
                ));
            }
        }
        return Ok(ExitCode::SUCCESS);
    }
    let opts = install::Options {
        force: args.force,
        downgrade: true,
        ..install_options(&args.fetch.limits)
    };
    let mut fetched: BTreeMap<String, Fetched> = BTreeMap::new();
    let mut unfetched = std::collections::BTreeSet::new();
    let mut results = Vec::new();
    let mut failed = 0usize;
    // The keys that verified skills locked without one.
    let mut signed: BTreeMap<String, String> = BTreeMap::new();
    // Every skill to install is fetched and checked against the lock first: one that the
    // source no longer reproduces stops the sync before anything changes.
    let scratch = Scratch::new()?;
    for w in work {
        for name in &w.plan.install {
            let Some(entry) = w.wanted.iter().find(|e| &e.name == name) else {
                continue;
            };
            // One fetch per locked skill, however many folders it goes to; a failure is
            // reported (and counted) once.
            if fetched.contains_key(name) || unfetched.contains(name) {
                continue;
            }
            match probe(p, sessions, entry, base, trusted, args, &scratch) {
                Ok(f) => {
                    fetched.insert(name.clone(), f);
                }
                Err(e) => {
                    unfetched.insert(name.clone());
                    failed += fail(p, &mut results, name, &w.target.root, e);
                }
            }
        }
    }
    if failed > 0 {
        if p.json {
            p.json_out(&json!({"version": skillpack::SCHEMA_VERSION, "lock": shown, "ok": false, "changed": false, "skills": results, "kept": kept}));
        } else {
            p.err(format!(
                "{}: {failed} locked skill(s) could not be fetched as locked; nothing was changed",
                p.red("error")
            ));
        }
        return Ok(ExitCode::FAILURE);
    }
    for w in work {
        let ids = w.target.ids();
        for name in &w.plan.remove {
            let mut on_wait = p.on_wait();
            match install::uninstall(&w.target.root, name, args.force, &mut on_wait) {
                Ok(_) => {
                    p.status(
                        "Removed",
                        format!(
                            "{name} from {} (no longer locked)",
                            shown_path(env, &w.target.root.skill_dir(name))
                        ),
                    );
                    results.push(
                        json!({"name": name, "root": w.target.root.dir, "action": "removed"}),
                    );
                }
                Err(e) => {
                    let f = install_failure_in("uninstall", e);
                    failed += fail(p, &mut results, name, &w.target.root, f)
                }
            }
        }
        for name in &w.plan.keep {
            results.push(json!({"name": name, "root": w.target.root.dir, "action": "kept"}));
        }
        for name in &w.plan.blocked {
            let d = w.plan.differences.iter().find(|d| {
                d.name() == name
                    && matches!(
                        d,
                        Difference::Modified { .. } | Difference::Unmanaged { .. }
                    )
            });
            let message = d
                .map(|d| describe(env, &w.target.root, d))
                .unwrap_or_else(|| name.clone());
            let f = Failure {
                kind: Some("modified".into()),
                ..Failure::new(format!("{message}; not overwritten"))
            }
            .hint(format!(
                "`{}` overwrites it",
                sync_command(args, Some("--force"))
            ));
            failed += fail(p, &mut results, name, &w.target.root, f);
        }
        for name in &w.plan.install {
            let Some(entry) = w.wanted.iter().find(|e| &e.name == name) else {
                continue;
            };
            // One fetch per skill, whatever the number of roots: each gets the same tree.
            let Some(f) = fetched.get(name) else { continue };
            let outcome = sessions
                .for_key(entry.key.as_deref(), index_of(entry))
                .and_then(|session| run_pipeline(p, &w.target.root, session, f, &opts));
            match outcome {
                Ok(r) => {
                    // The agents the lock names for it, of those this folder serves.
                    let ids: Vec<&str> = ids
                        .iter()
                        .copied()
                        .filter(|a| entry.agents.iter().any(|e| e == a))
                        .collect();
                    render(p, env, &r, &ids);
                    if let (None, Some(k)) = (&entry.key, &r.signed_by) {
                        signed.insert(name.clone(), k.base64().to_string());
                    }
                    results.push(json!({"name": name, "root": w.target.root.dir,
                                        "action": r.action.id(), "tree": r.tree}));
                }
                Err(e) => failed += fail(p, &mut results, name, &w.target.root, e),
            }
        }
    }
    // A key that verified a skill the lock has no key for is recorded in the project's
    // lock, as install does, so that the lock and every folder's record agree.
    if args.lock.is_none() && !signed.is_empty() {
        // Read again, held until saved, so that entries other runs locked meanwhile stay.
        let saved = super::lock_hold::amend(&mut p.on_wait(), &lock_path_for(args, env), |now| {
            let Some(now) = now else { return Ok(false) };
            for (name, key) in &signed {
                if let Some(e) = now.skills.get_mut(name)
                    && lock.skills.get(name) == Some(e)
                {
                    e.key = Some(key.clone());
                }
            }
            Ok(true)
        });
        match saved {
            Ok(_) => p.detail(format!(
                "recorded the signing key of {} in {shown}",
                signed.keys().cloned().collect::<Vec<_>>().join(", ")
            )),
            Err(f) => {
                failed += fail(
                    p,
                    &mut results,
                    signed.keys().next().map_or("", |n| n),
                    &work[0].target.root,
                    f,
                )
            }
        }
    }
    if p.json {
        p.json_out(
            &json!({"version": skillpack::SCHEMA_VERSION, "lock": shown, "ok": failed == 0,
                           "changed": true, "skills": results, "kept": kept}),
        );
    }
    if failed > 0 {
        if !p.json {
            p.err(format!(
                "{}: {failed} skill(s) could not be synced; the others are as {shown} says",
                p.red("error")
            ));
        }
        return Ok(ExitCode::FAILURE);
    }
    Ok(ExitCode::SUCCESS)
}

/// Reports `f` for `name` and records it; returns 1.
fn fail(
    p: &Printer,
    results: &mut Vec<serde_json::Value>,
    name: &str,
    root: &Root,
    mut f: Failure,
) -> usize {
    // Each failure says which locked skill it is about.
    if !f.message.starts_with(name) {
        f.message = format!("{name}: {}", f.message);
    }
    if !p.json {
        p.failure(&f);
    }
    results.push(json!({"name": name, "root": root.dir, "action": "failed",
                        "error": {"message": f.message, "hint": f.hint, "kind": f.kind}}));
    1
}
