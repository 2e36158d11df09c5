//! `skillpack sync`: make the skills folders exactly what `skillpack.lock` says, or with
//! `--check` say what differs and change nothing.

use std::collections::BTreeSet;
use std::path::PathBuf;

use skillpack::agents::Scope;
use skillpack::install::project::{Locked, ProjectLock};
use skillpack::install::sync;
use skillpack::install::{self};

use super::failure::install_failure;
use super::progress::Transfer;
use super::project::{all_roots, lock_failure, lock_path};
pub(crate) use super::sync_args::{RootWork, SyncArgs};
use super::trust::Sessions;
use super::{CmdResult, Failure, Printer, display_path, process_env};

pub(crate) const LONG_ABOUT: &str = "\
Make the project's skills exactly what skillpack.lock says.

skillpack.lock sits at the project root (the nearest folder holding .git) and is written by
`skillpack install --scope project` and `uninstall --scope project`. `sync` installs each
locked skill into the skills folder of every agent the lock names: fetched from its commit,
its URL with its archive digest, or its local folder, and checked against the locked tree
digest before anything is put in place. Skills skillpack installed that the lock no longer
lists are removed when unchanged. Folders skillpack did not install are never touched, and
a skill with local changes is not overwritten without --force. When everything is as
locked, nothing is fetched. Repository archives pinned to a commit come from the cache, so
a second machine or CI works offline once the cache holds them.

--check changes nothing: it fetches each locked source, checks that it still produces the
locked tree, compares the installed skills file by file, and exits 1 on any difference.

A skill whose source a minisign key verified is recorded with that key, and sync installs
it only from a source signed by the same key.

Local folders in a project's lock must be inside the project. A lock named with --lock is
the user's own (for example from a dotfiles repository) and may name any folder; it is
synced into the folders of the scope it says (`scope = \"user\"`, written by `skillpack
lock export --scope user`), unless --scope says otherwise.";

pub(crate) const EXAMPLES: &str = "\
Examples:
  skillpack sync                                 restore the project's skills
  skillpack sync --check --format github         in CI: annotate skillpack.lock, exit 1 on drift
  skillpack sync --force                         also overwrite skills changed by hand
  skillpack sync --from skills-lock.json         import the lock of the `skills` CLI
  skillpack sync --lock ~/dotfiles/skills.lock   into the folders its scope names";

/// What --lock takes.
const LOCK_HINT: &str =
    "pass a regular file, such as one `skillpack lock export --scope user > FILE` wrote";

/// The skills folders `lock` is synced into: --scope when given; else the scope a lock the
/// user named says. A project's own lock always restores into the project: one that a
/// repository brought along does not choose the user's folders.
fn scope_of(p: &Printer, args: &SyncArgs, lock: &ProjectLock, trusted: bool) -> Scope {
    match (args.scope, lock.scope) {
        (Some(given), _) => Scope::from(given),
        (None, Some(said)) if trusted => said,
        (None, Some(Scope::User)) => {
            p.warn(
                "skillpack.lock says scope = \"user\"; a project's own lock restores into the project's folders (`--scope user` restores it into yours)",
            );
            Scope::Project
        }
        _ => Scope::Project,
    }
}

pub(crate) fn run(p: &Printer, mut args: SyncArgs) -> CmdResult {
    let env = process_env()?;
    // Locked versions are restored from a saved index when it cannot be reached.
    args.fetch.saved_index = true;
    let path = match &args.lock {
        Some(f) => env.cwd.join(f),
        None => lock_path(&env),
    };
    let base = path
        .parent()
        .map(PathBuf::from)
        .unwrap_or_else(|| env.cwd.clone());
    let transfer = Transfer::new(p);
    let mut sessions = Sessions::new(&env, &args.fetch, &transfer);
    if args.lock.as_ref().is_some_and(|f| f.as_os_str() == "-") {
        return Err(
            Failure::usage("--lock names a file; `-` (standard input) is not read").hint(LOCK_HINT),
        );
    }
    let loaded = ProjectLock::load(&path).map_err(|e| match (&args.lock, &e) {
        // The user's own file: one skillpack can read again, never a pipe or a link.
        (Some(_), skillpack::install::project::ProjectError::NotRegular { .. }) => Failure {
            hint: Some(LOCK_HINT.into()),
            ..lock_failure(e)
        },
        _ => lock_failure(e),
    })?;
    let lock = match loaded {
        Some(lock) if args.from.is_none() => lock,
        Some(_) => {
            return Err(Failure::usage(format!(
                "{} exists already; --from imports only into a project without one",
                path.display()
            ))
            .hint("remove --from to sync it"));
        }
        None => match super::import::offer(p, &env, &args, &path, &mut sessions)? {
            Some(lock) => {
                args.imported = true;
                lock
            }
            None => {
                let there_is_none =
                    Failure::new(format!("there is no {}", display_path(&env, &path)));
                return Err(match &args.lock {
                    Some(f) => there_is_none.hint(format!(
                        "`{} > {}` writes one from the skills installed in your folders",
                        super::command(["skillpack", "lock", "export", "--scope", "user"]),
                        super::command([f.to_string_lossy().as_ref()])
                    )),
                    None => there_is_none.hint(
                        "`skillpack install --scope project SOURCE` creates it; `skillpack lock export --scope project > skillpack.lock` writes one from what is installed",
                    ),
                });
            }
        },
    };
    let trusted = args.lock.is_some();
    // A project's own lock names only folders inside the project, whether or not the
    // skill is installed yet: refused before anything is looked at through it.
    for e in lock.skills.values() {
        if let skillpack::install::project::Origin::Path(at) = &e.source
            && let Err(why) = skillpack::install::project::local_path(at, &base, trusted)
        {
            return Err(Failure {
                kind: Some("path-outside".into()),
                ..Failure::new(format!(
                    "{}: {}: {why}; nothing was changed",
                    display_path(&env, &path),
                    e.name
                ))
                .hint("fix that entry (or remove it) in the lock; a local skill of the project is written as path:./FOLDER")
            });
        }
    }
    let scope = scope_of(p, &args, &lock, trusted);
    let mut work = Vec::new();
    for target in all_roots(&env, scope) {
        let ids = target.ids();
        let wanted: Vec<&Locked> = lock
            .skills
            .values()
            .filter(|e| e.agents.iter().any(|a| ids.contains(&a.as_str())))
            .collect();
        let mut on_wait = p.on_wait();
        let view = install::view(&target.root, &mut on_wait).map_err(install_failure)?;
        if wanted.is_empty() && view.lock.skills.is_empty() {
            continue;
        }
        super::pipeline::say_recovered(p, view.recovered);
        let present: BTreeSet<String> = wanted
            .iter()
            .filter(|e| std::fs::symlink_metadata(target.root.skill_dir(&e.name)).is_ok())
            .map(|e| e.name.clone())
            .collect();
        let plan = sync::plan(&wanted, &view, &present, args.force);
        work.push(RootWork {
            target,
            wanted,
            plan,
        });
    }
    if args.check {
        return super::sync_check::check(
            p,
            &env,
            &args,
            &lock,
            &base,
            trusted,
            &work,
            &mut sessions,
        );
    }
    super::sync_apply::apply(p, &env, &args, &lock, &base, trusted, &work, &mut sessions)
}
