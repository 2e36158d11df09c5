//! `skillpack sync`: make the skills folders exactly what `skillpack.lock` says, or with
//! `--check` say what differs and change nothing.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, ValueEnum};
use serde_json::json;

use skillpack::agents::Scope;
use skillpack::install::project::{Locked, ProjectLock};
use skillpack::install::sync::{self, Difference, Plan};
use skillpack::install::{self, Root};
use skillpack::source::Fetched;

use super::agents::Target;
use super::failure::install_failure;
use super::install::limits;
use super::pipeline::{render, run_pipeline};
use super::progress::Transfer;
use super::project::{all_roots, lock_failure, lock_path};
use super::trust::Sessions;
use super::{CmdResult, Failure, Printer, command, display_path, process_env};
use crate::{FetchArgs, ScopeArg};

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
the user's own (for example from a dotfiles repository) and may name any folder.";

pub(crate) const EXAMPLES: &str = "\
Examples:
  skillpack sync                                 restore the project's skills
  skillpack sync --check --format github         in CI: annotate skillpack.lock, exit 1 on drift
  skillpack sync --force                         also overwrite skills changed by hand
  skillpack sync --from skills-lock.json         import the lock of the `skills` CLI
  skillpack sync --lock ~/dotfiles/skills.lock --scope user";

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SyncFormat {
    Human,
    Github,
}

#[derive(Debug, Args)]
pub struct SyncArgs {
    /// Change nothing; exit 1 when anything differs from the lock
    #[arg(long)]
    pub check: bool,

    /// How --check reports differences: human, or GitHub annotations on the lock
    #[arg(long, value_enum, default_value_t = SyncFormat::Human)]
    pub format: SyncFormat,

    /// Overwrite skills changed by hand, and folders skillpack did not install
    #[arg(long)]
    pub force: bool,

    /// Another lock file (e.g. from a dotfiles repository), trusted as the user's own
    #[arg(long, value_name = "FILE")]
    pub lock: Option<PathBuf>,

    /// Import the `skills` CLI's skills-lock.json into a new skillpack.lock first
    #[arg(long, value_name = "FILE")]
    pub from: Option<PathBuf>,

    /// `project` (default) or `user`: which skills folders the lock describes
    #[arg(long, value_enum, default_value_t = ScopeArg::Project)]
    pub scope: ScopeArg,

    /// The agents imported skills are locked for (with --from): ids separated by commas
    #[arg(long, value_name = "AGENTS", default_value = "claude-code", value_parser = super::agents::parse)]
    pub(crate) agent: super::agents::AgentsArg,

    /// Answer yes to every question
    #[arg(short, long)]
    pub yes: bool,

    #[command(flatten)]
    pub fetch: FetchArgs,
}

/// One root, the locked skills it should hold, and what sync does there.
struct RootWork<'l> {
    target: Target,
    wanted: Vec<&'l Locked>,
    plan: Plan,
}

pub(crate) fn run(p: &Printer, args: SyncArgs) -> CmdResult {
    let env = process_env()?;
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
    let lock = match ProjectLock::load(&path).map_err(lock_failure)? {
        Some(lock) if args.from.is_none() => lock,
        Some(_) => {
            return Err(Failure::usage(format!(
                "{} exists already; --from imports only into a project without one",
                path.display()
            ))
            .hint("remove --from to sync it"));
        }
        None => match super::import::offer(p, &env, &args, &path, &mut sessions)? {
            Some(lock) => lock,
            None => {
                return Err(Failure::new(format!("there is no {}", display_path(&env, &path))).hint(
                    "`skillpack install --scope project SOURCE` creates it; `skillpack lock export --scope project > skillpack.lock` writes one from what is installed",
                ));
            }
        },
    };
    let scope = Scope::from(args.scope);
    let trusted = args.lock.is_some();
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
        return check(p, &env, &args, &lock, &base, trusted, &work, &mut sessions);
    }
    apply(p, &env, &args, &lock, &base, trusted, &work, &mut sessions)
}

/// What one difference says, for a person.
fn describe(env: &skillpack::agents::Env, root: &Root, d: &Difference) -> String {
    let at = |name: &str| display_path(env, &root.skill_dir(name));
    match d {
        Difference::Missing { name } => format!(
            "{name} is locked but not installed in {}",
            display_path(env, &root.dir)
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
fn check(
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
            let kind = if f.kind.as_deref() == Some("tree-digest") {
                "source-changed"
            } else {
                "unavailable"
            };
            found.push((
                entry.name.clone(),
                format!(
                    "{}: the locked source does not reproduce it: {}",
                    entry.name, f.message
                ),
                kind,
            ));
        }
    }
    let shown = display_path(env, &lock_path_for(args, env));
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
                "::error file={file},line={line},title=skillpack sync --check::{}",
                annotation(message)
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
            "{} difference(s) from {shown}; `{}` restores the locked skills",
            found.len(),
            command(["skillpack", "sync"])
        ));
    }
    Ok(ExitCode::FAILURE)
}

/// A message as a GitHub annotation: `%`, CR and LF escaped.
fn annotation(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

fn lock_path_for(args: &SyncArgs, env: &skillpack::agents::Env) -> PathBuf {
    match &args.lock {
        Some(f) => env.cwd.join(f),
        None => lock_path(env),
    }
}

/// Fetches `entry` as locked, in the session that trusts its key.
fn fetch(
    p: &Printer,
    sessions: &mut Sessions<'_, '_>,
    entry: &Locked,
    base: &std::path::Path,
    trusted: bool,
    args: &SyncArgs,
) -> Result<Fetched, Failure> {
    let session = sessions.for_key(entry.key.as_deref(), index_of(entry))?;
    p.detail(format!("{} from {}", entry.name, entry.source.text()));
    let fetched = sync::fetch_locked(session, entry, base, trusted, &limits(&args.fetch.limits))
        .map_err(|e| {
            let kind = e.kind();
            let f = match e {
                sync::SyncError::Source(s) => super::failure::source_failure(s),
                other => Failure::new(other.to_string()),
            };
            Failure {
                kind: Some(kind.into()),
                ..f
            }
        })?;
    Ok(fetched)
}

/// A skills root in a temporary folder, where fetched skills are checked without
/// touching the real ones.
struct Scratch {
    _dir: tempfile::TempDir,
    root: Root,
}

impl Scratch {
    fn new() -> Result<Scratch, Failure> {
        let dir = tempfile::tempdir()
            .map_err(|e| Failure::new(format!("cannot create a temporary folder: {e}")))?;
        let root = Root::new(dir.path().join("skills"));
        Ok(Scratch { _dir: dir, root })
    }
}

/// Fetches `entry` as locked and runs it through the pipeline up to the check, in the
/// scratch root: the locked tree is verified and nothing real changes.
fn probe(
    p: &Printer,
    sessions: &mut Sessions<'_, '_>,
    entry: &Locked,
    base: &std::path::Path,
    trusted: bool,
    args: &SyncArgs,
    scratch: &Scratch,
) -> Result<Fetched, Failure> {
    let fetched = fetch(p, sessions, entry, base, trusted, args)?;
    let dry = install::Options {
        dry_run: true,
        limits: limits(&args.fetch.limits),
        ..install::Options::default()
    };
    let session = sessions.for_key(entry.key.as_deref(), index_of(entry))?;
    install::install_fetched(session, &scratch.root, &fetched, &dry, &mut |_| {})
        .map_err(install_failure)?;
    Ok(fetched)
}

/// The index a locked name resolves through, when it came from one.
fn index_of(entry: &Locked) -> Option<&str> {
    match &entry.source {
        skillpack::install::project::Origin::Index(url) => Some(url.as_str()),
        _ => None,
    }
}

#[allow(clippy::too_many_arguments)]
fn apply(
    p: &Printer,
    env: &skillpack::agents::Env,
    args: &SyncArgs,
    _lock: &ProjectLock,
    base: &std::path::Path,
    trusted: bool,
    work: &[RootWork<'_>],
    sessions: &mut Sessions<'_, '_>,
) -> CmdResult {
    let shown = display_path(env, &lock_path_for(args, env));
    let present: usize = work.iter().map(|w| w.plan.present.len()).sum();
    if work.iter().all(|w| w.plan.is_noop()) {
        for w in work {
            for name in &w.plan.keep {
                p.warn(format!(
                    "{} is not in the lock but has local changes; kept (--force removes it)",
                    display_path(env, &w.target.root.skill_dir(name))
                ));
            }
        }
        if p.json {
            p.json_out(&json!({"version": skillpack::SCHEMA_VERSION, "lock": shown, "ok": true, "changed": false, "skills": present}));
        } else {
            p.status(
                "Up to date",
                format!("{present} skill(s) are installed as {shown} says; nothing to do"),
            );
        }
        return Ok(ExitCode::SUCCESS);
    }
    let opts = install::Options {
        force: args.force,
        downgrade: true,
        limits: limits(&args.fetch.limits),
        commit: super::commit_options(),
        ..install::Options::default()
    };
    let mut fetched: BTreeMap<String, Fetched> = BTreeMap::new();
    let mut results = Vec::new();
    let mut failed = 0usize;
    // Every skill to install is fetched and checked against the lock first: one that the
    // source no longer reproduces stops the sync before anything changes.
    let scratch = Scratch::new()?;
    for w in work {
        for name in &w.plan.install {
            let Some(entry) = w.wanted.iter().find(|e| &e.name == name) else {
                continue;
            };
            if fetched.contains_key(name) {
                continue;
            }
            match probe(p, sessions, entry, base, trusted, args, &scratch) {
                Ok(f) => {
                    fetched.insert(name.clone(), f);
                }
                Err(e) => failed += fail(p, &mut results, name, &w.target.root, e),
            }
        }
    }
    if failed > 0 {
        if p.json {
            p.json_out(&json!({"version": skillpack::SCHEMA_VERSION, "lock": shown, "ok": false, "changed": false, "skills": results}));
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
                            display_path(env, &w.target.root.skill_dir(name))
                        ),
                    );
                    results.push(
                        json!({"name": name, "root": w.target.root.dir, "action": "removed"}),
                    );
                }
                Err(e) => failed += fail(p, &mut results, name, &w.target.root, install_failure(e)),
            }
        }
        for name in &w.plan.keep {
            p.warn(format!(
                "{} is not in the lock but has local changes; kept (--force removes it)",
                display_path(env, &w.target.root.skill_dir(name))
            ));
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
                command(["skillpack", "sync", "--force"])
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
                    render(p, env, &r, &ids);
                    results.push(json!({"name": name, "root": w.target.root.dir,
                                        "action": r.action.id(), "tree": r.tree}));
                }
                Err(e) => failed += fail(p, &mut results, name, &w.target.root, e),
            }
        }
    }
    if p.json {
        p.json_out(&json!({"version": skillpack::SCHEMA_VERSION, "lock": shown, "ok": failed == 0, "changed": true, "skills": results}));
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
    f: Failure,
) -> usize {
    if !p.json {
        p.failure(&f);
    }
    results.push(json!({"name": name, "root": root.dir, "action": "failed",
                        "error": {"message": f.message, "hint": f.hint, "kind": f.kind}}));
    1
}
