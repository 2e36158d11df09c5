//! `skillpack.lock` kept by `install`, `uninstall` and `update` at project scope, and
//! `skillpack lock export`.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, Subcommand};
use serde_json::json;

use skillpack::agents::{Agent, Env, Scope};
use skillpack::install::project::{FILE_NAME, Locked, Origin, ProjectError, ProjectLock};
use skillpack::install::{self, Root};

use super::agents::Target;
use super::{CmdResult, Failure, Printer, process_env};
use crate::{ScopeArg, TargetArgs};

pub(crate) const LONG_ABOUT: &str = "\
Work with skillpack.lock, the list of skills a project (or a dotfiles repository) wants.

`skillpack lock export` prints a skillpack.lock describing what skillpack installed in the
skills folders of every agent at the scope (default user), for `skillpack sync --lock FILE`
on another machine. A lock of the user's folders says `scope = \"user\"`, so that sync
restores it into the user's folders wherever it runs.";

pub(crate) const EXAMPLES: &str = "\
Examples:
  skillpack lock export > ~/dotfiles/skills.lock
  skillpack sync --lock ~/dotfiles/skills.lock
  skillpack lock export --scope project        what this project has installed";

#[derive(Debug, Args)]
pub struct LockArgs {
    #[command(subcommand)]
    pub command: LockCommand,
}

#[derive(Debug, Subcommand)]
pub enum LockCommand {
    /// Print a skillpack.lock of what is installed
    Export(ExportArgs),
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    /// `user` (your home folder) or `project` (this project)
    #[arg(long, value_enum, default_value_t = ScopeArg::User)]
    pub scope: ScopeArg,
}

/// The project's lock file: `skillpack.lock` at the project root.
pub(crate) fn lock_path(env: &Env) -> PathBuf {
    env.project_dir().join(FILE_NAME)
}

/// Whether the target arguments mean the project's own roots (where skillpack.lock is kept).
pub(crate) fn keeps_lock(target: &TargetArgs) -> bool {
    target.scope == ScopeArg::Project && target.dir.is_none()
}

pub(crate) fn lock_failure(e: ProjectError) -> Failure {
    let hint = match &e {
        ProjectError::Damaged { path, .. } => Some(format!(
            "restore it from version control: `{}`",
            super::command(["git", "checkout", "--", &relative_to_cwd(path)])
        )),
        ProjectError::NotRegular { kind, .. } => Some(match kind {
            skillpack::install::Kind::Symlink => {
                "skillpack reads and writes it only as a regular file: replace the link with a copy of the file it points to".into()
            }
            _ => "move it away; skillpack reads and writes it only as a regular file".into(),
        }),
        ProjectError::HoldFolder { .. } => Some(
            "remove it (skillpack makes it again as a folder), or set SKILLPACK_CACHE_DIR to a folder of your own".into(),
        ),
        _ => None,
    };
    Failure {
        kind: Some(e.kind().into()),
        hint,
        ..Failure::new(e.to_string())
    }
}

/// `path` as the user would type it from the current folder: relative when it is below
/// it, else absolute.
fn relative_to_cwd(path: &Path) -> String {
    let full = super::absolute(path);
    match std::env::current_dir()
        .ok()
        .and_then(|cwd| full.strip_prefix(&cwd).ok().map(Path::to_path_buf))
    {
        Some(rel) if !rel.as_os_str().is_empty() => rel.to_string_lossy().into_owned(),
        _ => full.to_string_lossy().into_owned(),
    }
}

/// Every skills root of every agent at `scope`, each with the agents that read it.
pub(crate) fn all_roots(env: &Env, scope: Scope) -> Vec<Target> {
    let mut out: Vec<Target> = Vec::new();
    for agent in Agent::all() {
        let root = match scope {
            Scope::Project => {
                let (project, rel) = env.project_root(agent);
                Root::within(project, rel)
            }
            Scope::User => match env.skills_root(agent, Scope::User) {
                Some(dir) => Root::new(dir),
                None => continue,
            },
        };
        match out.iter_mut().find(|t| t.root.dir == root.dir) {
            Some(t) => t.agents.push(agent),
            None => out.push(Target {
                agents: vec![agent],
                root,
            }),
        }
    }
    out
}

/// Adds to `lock` the skills `names` as each root of `targets` records them, for the
/// agents of that root; warns about those that cannot be locked.
pub(crate) fn add_from_roots(
    p: &Printer,
    lock: &mut ProjectLock,
    targets: &[Target],
    names: Option<&BTreeSet<String>>,
    base: Option<&std::path::Path>,
) -> Result<(), Failure> {
    for t in targets {
        let record = install::read_lock(&t.root).map_err(super::failure::install_failure)?;
        let ids = t.ids();
        for e in record.skills.values() {
            if names.is_some_and(|n| !n.contains(&e.name)) {
                continue;
            }
            match Locked::from_install(
                &e.name,
                e.version.as_deref(),
                &e.source,
                e.archive_sha256.as_deref(),
                &e.tree,
                e.key.as_deref(),
                &ids,
                base,
            ) {
                Ok(entry) => lock.upsert(entry),
                Err(err) => p.warn(format!("{err}; it is left out of {FILE_NAME}")),
            }
        }
    }
    Ok(())
}

/// Before a command that will record its changes in the project's skillpack.lock: the
/// lock must be readable, so that a damaged one is reported before anything changes, not
/// after the skills were installed or removed. A dry run is checked too: it says what the
/// real run would do, and that run would stop here.
pub(crate) fn check_before(env: &Env, target: &TargetArgs) -> Result<(), Failure> {
    if !keeps_lock(target) {
        return Ok(());
    }
    let path = lock_path(env);
    // The turns taken on the lock are checked too (taken and let go at once): a cache
    // folder that cannot hold them stops the run before any skill changes.
    drop(super::lock_hold::hold(&mut |_| {}, &path)?);
    ProjectLock::load(&path).map(drop).map_err(lock_failure)
}

/// After an install at project scope: records `names` (as the roots now hold them) in the
/// project's skillpack.lock.
pub(crate) fn record(
    p: &Printer,
    env: &Env,
    targets: &[Target],
    names: &BTreeSet<String>,
) -> Result<(), Failure> {
    if names.is_empty() {
        return Ok(());
    }
    let path = lock_path(env);
    super::lock_hold::amend(&mut p.on_wait(), &path, |lock| {
        let lock = lock.get_or_insert_default();
        add_from_roots(p, lock, targets, Some(names), Some(&env.project_dir()))?;
        for e in lock.skills.values().filter(|e| names.contains(&e.name)) {
            if let Origin::Path(at) = &e.source
                && !at.starts_with("./")
                && at != "."
            {
                p.warn(format!(
                    "{} comes from {}, outside the project: `skillpack sync` of the project's lock refuses it, so teammates cannot restore it",
                    e.name,
                    skillpack::text::escape(at)
                ));
            }
        }
        Ok(true)
    })?;
    p.detail(format!("recorded in {}", path.display()));
    Ok(())
}

/// After `install`: at project scope (and not a dry run), records each skill of the JSON
/// reports `all` in skillpack.lock.
pub(crate) fn after_install(
    p: &Printer,
    env: &Env,
    target: &TargetArgs,
    dry_run: bool,
    targets: &[Target],
    all: &[serde_json::Value],
) -> Result<(), Failure> {
    if dry_run || !keeps_lock(target) {
        return Ok(());
    }
    let names: BTreeSet<String> = all
        .iter()
        .filter_map(|r| r["name"].as_str().map(str::to_string))
        .collect();
    record(p, env, targets, &names)
}

/// Says that `update` moved `entry` to another commit (`old → new`); the new commit.
pub(crate) fn say_moved<'r>(
    p: &Printer,
    entry: &install::LockEntry,
    report: &'r install::Report,
) -> Option<&'r str> {
    let new = report.source.as_ref().and_then(|s| s.commit());
    if let (Some(old), Some(new)) = (entry.source.commit(), new)
        && old != new
    {
        let short = |c: &str| c.chars().take(12).collect::<String>();
        let version = |v: Option<&str>| v.unwrap_or("(unversioned)").to_string();
        p.status(
            "Moved",
            format!(
                "{} {} {} → {} {}",
                entry.name,
                version(entry.version.as_deref()),
                short(old),
                version(report.version.as_deref()),
                short(new)
            ),
        );
    }
    new
}

/// After an uninstall at project scope: drops `name` for the agents of `targets`.
pub(crate) fn forget(
    p: &Printer,
    env: &Env,
    targets: &[Target],
    names: &[String],
) -> Result<(), Failure> {
    let agents: Vec<&str> = targets.iter().flat_map(|t| t.ids()).collect();
    super::lock_hold::amend(&mut p.on_wait(), &lock_path(env), |lock| {
        let Some(lock) = lock else { return Ok(false) };
        let mut changed = false;
        for name in names {
            changed |= lock.remove(name, &agents);
        }
        Ok(changed)
    })?;
    Ok(())
}

pub(crate) fn run(p: &Printer, args: LockArgs) -> CmdResult {
    let LockCommand::Export(args) = args.command;
    let env = process_env()?;
    let scope = Scope::from(args.scope);
    // A folder several agents read is locked for the first of them: sync puts it there.
    let targets: Vec<Target> = all_roots(&env, scope)
        .into_iter()
        .map(|t| Target {
            agents: t.agents[..1].to_vec(),
            root: t.root,
        })
        .collect();
    // A lock of the user's folders says so, for `sync --lock FILE`; a project's says nothing.
    let mut lock = ProjectLock {
        scope: (scope == Scope::User).then_some(Scope::User),
        ..ProjectLock::default()
    };
    let base = (scope == Scope::Project).then(|| env.project_dir());
    add_from_roots(p, &mut lock, &targets, None, base.as_deref())?;
    if p.json {
        let skills: Vec<_> = lock
            .skills
            .values()
            .map(|e| {
                json!({"name": e.name, "version": e.version, "source": e.source.text(),
                       "path": e.path, "ref": e.reference, "commit": e.commit,
                       "archive": e.archive, "tree": e.tree, "agents": e.agents, "key": e.key})
            })
            .collect();
        p.json_out(
            &json!({"version": skillpack::SCHEMA_VERSION, "scope": scope.id(), "lock": lock.render(), "skills": skills}),
        );
    } else {
        print!("{}", lock.render());
    }
    Ok(ExitCode::SUCCESS)
}
