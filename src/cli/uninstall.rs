//! `skillpack uninstall`: remove skills skillpack installed, never anything else.

use std::process::ExitCode;

use clap::Args;
use serde_json::json;

use skillpack::install;

use super::failure::install_failure_in;
use super::{CmdResult, Printer, display_path, process_env};
use crate::TargetArgs;

pub(crate) const LONG_ABOUT: &str = "\
Remove skills that skillpack installed.

Only folders recorded in the lock file are removed. A skill whose files were changed since
it was installed is kept unless --force is given; folders skillpack did not install are
never touched.";

pub(crate) const EXAMPLES: &str = "\
Examples:
  skillpack uninstall account-management
  skillpack uninstall account-management --force   also when its files were edited";

#[derive(Debug, Args)]
pub struct UninstallArgs {
    /// Skills to remove
    #[arg(value_name = "NAME", required = true)]
    pub names: Vec<String>,

    #[command(flatten)]
    pub target: TargetArgs,

    /// Remove even if the files were modified
    #[arg(long)]
    pub force: bool,
}

pub(crate) fn run(p: &Printer, args: UninstallArgs) -> CmdResult {
    let env = process_env()?;
    let mut targets = super::agents::existing_roots(&env, &args.target)?;
    super::project::check_before(&env, &args.target)?;
    // A folder several agents read is removed for all of them: say so (naming those found
    // on this machine or in the project's lock), and drop each of them from that lock.
    let locked: Vec<String> = match super::project::keeps_lock(&args.target) {
        true => skillpack::install::project::ProjectLock::load(&super::project::lock_path(&env))
            .ok()
            .flatten()
            .map(|l| {
                l.skills
                    .values()
                    .filter(|e| args.names.contains(&e.name))
                    .flat_map(|e| e.agents.clone())
                    .collect()
            })
            .unwrap_or_default(),
        false => Vec::new(),
    };
    let detected = env.detected_agents();
    let mut also: Vec<Vec<&'static str>> = Vec::new();
    for t in &mut targets {
        let named = t.ids();
        let all = super::agents::sharing(&env, &args.target, &t.root.dir);
        also.push(
            all.iter()
                .filter(|a| detected.contains(a) || locked.iter().any(|l| l == a.id()))
                .map(|a| a.id())
                .filter(|id| !named.contains(id))
                .collect(),
        );
        for a in all {
            if !t.agents.contains(&a) {
                t.agents.push(a);
            }
        }
    }
    let mut removed = Vec::new();
    // Names that were not installed: nothing was removed for them (as `rm -f`).
    let mut skipped = Vec::new();
    // A suggestion names every root the command reads: said once, not once per root.
    let mut hinted: Vec<String> = Vec::new();
    for (root, name, also) in targets
        .iter()
        .zip(&also)
        .flat_map(|(t, also)| args.names.iter().map(move |n| (&t.root, n, also)))
    {
        let mut on_wait = p.on_wait();
        let removal = install::uninstall(root, name, args.force, &mut on_wait)
            .map_err(|e| install_failure_in("uninstall", e))?;
        let previous = match removal {
            install::Removed::Now(state) => {
                let shared = match also.is_empty() {
                    true => String::new(),
                    false => format!(
                        " (also gone for {}, which read that folder)",
                        also.join(", ")
                    ),
                };
                p.status(
                    "Removed",
                    format!(
                        "{name} from {}{shared}",
                        display_path(&env, &root.skill_dir(name))
                    ),
                );
                state.id()
            }
            install::Removed::Absent => {
                p.status(
                    "Skipped",
                    format!(
                        "{name}: not installed in {}; nothing to remove",
                        display_path(&env, &root.dir)
                    ),
                );
                let lock = install::read_lock(root).unwrap_or_default();
                if let Some(hint) = super::restore::did_you_mean(
                    "uninstall",
                    name,
                    lock.skills.keys(),
                    &args.target,
                ) && !hinted.contains(&hint)
                {
                    p.hint(&hint);
                    hinted.push(hint);
                }
                "not-installed"
            }
            install::Removed::Finished => {
                p.status(
                    "Removed",
                    format!(
                        "{name} from {} (finished an interrupted removal)",
                        display_path(&env, &root.skill_dir(name))
                    ),
                );
                "interrupted"
            }
        };
        let item = json!({"name": name, "root": root.dir, "previous_state": previous});
        if previous == "not-installed" {
            skipped.push(item);
        } else {
            removed.push(item);
        }
    }
    if super::project::keeps_lock(&args.target) {
        super::project::forget(p, &env, &targets, &args.names)?;
    }
    if p.json {
        p.json_out(
            &json!({"version": skillpack::SCHEMA_VERSION, "root": targets[0].root.dir, "removed": removed, "not_installed": skipped}),
        );
    }
    Ok(ExitCode::SUCCESS)
}
