//! `skillpack update`: re-resolve the skills skillpack installed, each where it came from,
//! and put newer versions in place through the same pipeline as `install`.

use std::process::ExitCode;

use serde_json::json;
use skillpack::install::{self, Action, InstallError, LockEntry, Report};
use skillpack::source::Session;

use super::failure::install_failure;
use super::fetch::install_options;
use super::pipeline::{render, run_pipeline};
use super::progress::Transfer;
use super::trust::{self, Sessions};
pub(crate) use super::update_fetch::UpdateArgs;
use super::update_fetch::{Refetch, refetch};
use super::update_renew::Renewed;
use super::{CmdResult, Failure, Printer, display_path, process_env};

pub(crate) const LONG_ABOUT: &str = "\
Re-resolve installed skills and install newer versions.

Each skill recorded in <root>/.skillpack/lock.json is looked up again where it came from:
catalog names through the embedded catalog and the remote index (--index, SKILLPACK_INDEX,
else the index the skill was installed from); URLs, GitHub repositories, folders and files
from that same source. A skill whose pinned tree is the one installed is up to date without
a download; one pinned to a commit never changes. A newer version goes through the install
pipeline: verified, staged, checked to load, swapped in atomically and recorded.

In a project with a skillpack.lock, `--scope project` updates what the lock lists: each
skill is looked up again as locked (a branch moves to its newest commit; a commit stays),
installed into the skills folder of every agent its entry names, and the lock rewritten
once they all hold the new tree. --agent then only picks the skills locked for those agents.

Skills with local changes are left alone unless --force. A URL whose content changed is
installed only when confirmed, or with --yes, as at install time.

A skill whose source a signature verified at install (the key recorded in lock.json) is
updated only from a source signed by that same key; another key is trusted only when named
with --trusted-key on the command line (SKILLPACK_TRUSTED_KEYS does not replace a
recorded key), and is then recorded instead.";

pub(crate) const EXAMPLES: &str = "\
Examples:
  skillpack update                          every skill skillpack installed for Claude Code
  skillpack update crm-management           one skill
  skillpack update --dry-run                show what would change, change nothing
  skillpack update --scope project          what skillpack.lock lists, for each agent it names
                                            (the default inside a project that has one)
  skillpack update --index https://skills.example.com/index.json --json";

/// What became of one skill.
enum Outcome {
    /// Nothing newer; what its record should now say.
    UpToDate(Renewed),
    /// The pipeline ran (or would have, with `--dry-run`).
    Changed(Box<Report>),
}

pub(crate) fn run(p: &Printer, mut args: UpdateArgs) -> CmdResult {
    let env = process_env()?;
    // In a project with a skillpack.lock, as `sync` does: the project's skills, unless a
    // scope or folder is named.
    if !args.target.scope_given
        && args.target.dir.is_none()
        && super::project::lock_path(&env).is_file()
    {
        args.target.scope = crate::ScopeArg::Project;
        p.detail(format!(
            "updating what {} lists (`--scope user` updates your own skills)",
            display_path(&env, &super::project::lock_path(&env))
        ));
    }
    let targets = super::agents::existing_roots(&env, &args.target)?;
    let transfer = Transfer::new(p);
    let mut sessions = Sessions::new(&env, &args.fetch, &transfer);
    if let Some(lock) = super::update_project::project_lock(&env, &args.target)? {
        return super::update_project::run(p, &env, &args, lock, &mut sessions);
    }
    let mut results = Vec::new();
    let mut failed = false;
    for t in &targets {
        // With several roots, each root's lines (and dry-run table) come under its name.
        if targets.len() > 1 {
            let heading = format!(
                "{} ({})",
                display_path(&env, &t.root.dir),
                t.ids().join(", ")
            );
            if args.dry_run {
                p.out_row(p.bold(&heading));
            } else {
                p.status("Checking", heading);
            }
        }
        let several = targets.len() > 1;
        failed |= update_root(
            p,
            &env,
            &t.root,
            &mut sessions,
            &args,
            several,
            &mut results,
        )?;
    }
    if !args.dry_run && super::project::keeps_lock(&args.target) {
        let changed: Vec<serde_json::Value> = results
            .iter()
            .filter(|r| matches!(r["action"].as_str(), Some("installed" | "updated")))
            .cloned()
            .collect();
        super::project::after_install(p, &env, &args.target, false, &targets, &changed)?;
    }
    if p.json {
        p.json_out(&json!({
            "version": skillpack::SCHEMA_VERSION,
            "root": targets[0].root.dir,
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

/// Updates the skills of one root, adding a JSON result per skill to `results`; true when
/// one of them failed.
fn update_root(
    p: &Printer,
    env: &skillpack::agents::Env,
    root: &install::Root,
    sessions: &mut Sessions<'_, '_>,
    args: &UpdateArgs,
    several: bool,
    results: &mut Vec<serde_json::Value>,
) -> Result<bool, Failure> {
    let env = env.clone();
    // The record and the state of each recorded folder, read as list and verify read them
    // (an interrupted run finished first): a source that has not moved does not make a
    // folder changed or removed by hand "up to date".
    let mut on_wait = p.on_wait();
    let view = install::view(root, &mut on_wait).map_err(install_failure)?;
    super::pipeline::say_recovered(p, view.recovered);
    let lock = &view.lock;
    let names: Vec<String> = if args.names.is_empty() {
        lock.skills.keys().cloned().collect()
    } else {
        if let Some(missing) = args.names.iter().find(|n| !lock.skills.contains_key(*n)) {
            return Err(install_failure(InstallError::NotInstalled {
                name: missing.clone(),
                root: root.dir.clone(),
            })
            .hint(super::restore::not_installed_hint(
                "update",
                missing,
                lock.skills.keys(),
                &args.target,
            )));
        }
        args.names.clone()
    };
    if names.is_empty() {
        p.status(
            "Empty",
            format!(
                "no skills installed by skillpack in {}",
                display_path(&env, &root.dir)
            ),
        );
    }
    let opts = install::Options {
        force: args.force,
        dry_run: args.dry_run,
        ..install_options(&args.fetch.limits)
    };
    let mut rows = Vec::new();
    let mut failed = false;
    for name in &names {
        // Every name is a key of the lock: taken from it, or checked against it above.
        let entry = &lock.skills[name];
        let from = entry.version.as_deref().unwrap_or("(unversioned)");
        let outcome = sessions
            .for_entry(entry)
            .and_then(|session| update_one(p, &env, root, session, entry, args, &opts))
            .map_err(|f| trust::explain(f, entry))
            .map_err(|f| match f.kind.as_deref() {
                // Changed by hand: the update that replaces the changes, for this folder.
                Some("modified") => {
                    let mut words = vec!["skillpack", "update", name.as_str(), "--force"];
                    let target =
                        super::restore::restore_words(&env, &args.target, &root.dir, several);
                    words.extend(target.iter().map(String::as_str));
                    let force = super::command(words);
                    let hint = match &f.hint {
                        Some(h) => format!("{h}; `{force}` replaces them"),
                        None => format!("`{force}` replaces them"),
                    };
                    f.hint(hint)
                }
                _ => f,
            });
        let result = match outcome {
            Ok(Outcome::UpToDate(renewed)) => {
                // The same tree, now vouched for by another key or at a branch's new
                // commit: recorded.
                let recorded = match args.dry_run || renewed.is_empty() {
                    true => Ok(false),
                    false => renewed.record(p, root, entry),
                };
                let here = match view.states.get(name.as_str()) {
                    _ if view.pending.contains(name) => Some(("pending", None)),
                    Some(state) if !state.is_ok() => Some((state.id(), Some(state))),
                    _ => None,
                };
                match recorded {
                    Ok(recorded) => {
                        if recorded {
                            renewed.say_key(p, name, entry.key.as_deref());
                        }
                        match here {
                            None => {
                                rows.push((name, "up to date", entry.version.clone()));
                                if !args.dry_run {
                                    let at = renewed.at();
                                    p.status(
                                        "Up to date",
                                        format!("{name} {from} is up to date{at}"),
                                    );
                                }
                            }
                            Some((id, state)) => {
                                rows.push((name, id, entry.version.clone()));
                                if !args.dry_run {
                                    let words = super::restore::restore_words(
                                        &env,
                                        &args.target,
                                        &root.dir,
                                        several,
                                    );
                                    let hint = super::restore::restore_hint(name, entry, &words);
                                    let about = (name.as_str(), entry.version.as_deref());
                                    super::update_table::say_changed_here(
                                        p, &env, root, about, id, state, &hint,
                                    );
                                }
                            }
                        }
                        json!({"name": name, "from": entry.version, "to": entry.version,
                               "action": "up-to-date", "tree": entry.tree,
                               "state": here.map_or("ok", |h| h.0),
                               "from_commit": entry.source.commit(),
                               "to_commit": renewed.commit().or(entry.source.commit()),
                               "key_changed": recorded && renewed.key.is_some()})
                    }
                    Err(f) => failed_json(p, &mut rows, &mut failed, name, entry, f),
                }
            }
            Ok(Outcome::Changed(report)) => {
                rows.push((name, "would update", report.version.clone()));
                let new = super::project::say_moved(p, entry, &report);
                if !args.dry_run {
                    render(p, &env, &report, &[]);
                }
                json!({"name": name, "from": entry.version, "to": report.version,
                       "action": report.action.id(), "tree": report.tree, "path": report.path,
                       "from_commit": entry.source.commit(), "to_commit": new})
            }
            Err(f) => failed_json(p, &mut rows, &mut failed, name, entry, f),
        };
        results.push(result);
    }
    if args.dry_run && !rows.is_empty() {
        let rows: Vec<_> = rows
            .into_iter()
            .map(|(name, status, to)| {
                let from = lock.skills[name].version.clone();
                (name.clone(), status, from, to)
            })
            .collect();
        super::update_table::dry_run_table(p, &rows);
    }
    Ok(failed)
}

/// Reports the failure `f` of `name`; its JSON result.
fn failed_json<'n>(
    p: &Printer,
    rows: &mut Vec<(&'n String, &'static str, Option<String>)>,
    failed: &mut bool,
    name: &'n String,
    entry: &LockEntry,
    f: Failure,
) -> serde_json::Value {
    // A refusal of changes made by hand is not a failure of the update itself.
    let word = match f.kind.as_deref() {
        Some("modified") => "modified",
        _ => "failed",
    };
    rows.push((name, word, None));
    *failed = true;
    if !p.json {
        p.failure(&f);
    }
    json!({"name": name, "from": entry.version, "action": "failed",
           "error": {"message": f.message, "hint": f.hint, "kind": f.kind}})
}

fn update_one(
    p: &Printer,
    env: &skillpack::agents::Env,
    root: &install::Root,
    session: &mut Session<'_>,
    entry: &LockEntry,
    args: &UpdateArgs,
    opts: &install::Options,
) -> Result<Outcome, Failure> {
    let mut fetched = match refetch(p, session, entry, args)? {
        Refetch::Fetched(f) => f,
        Refetch::Current { signed_by, source } => {
            let renewed = Renewed::of(env, args, entry, signed_by.as_ref(), source.as_ref());
            return Ok(Outcome::UpToDate(renewed));
        }
    };
    // Whatever the source now holds, it must still be this skill.
    fetched.expected_name = Some(entry.name.clone());
    let report = run_pipeline(p, root, session, &fetched, opts)?;
    Ok(match report.action {
        Action::Unchanged => Outcome::UpToDate(Renewed::of(
            env,
            args,
            entry,
            fetched.signed_by.as_ref(),
            Some(&fetched.source),
        )),
        _ => Outcome::Changed(Box::new(report)),
    })
}
