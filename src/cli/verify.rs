//! `skillpack verify`: re-hash installed trees against the lock file.

use std::process::ExitCode;

use clap::Args;
use serde_json::json;

use skillpack::install::{self, TreeState};
use skillpack::text::escape;

use super::{CmdResult, Failure, Printer, display_path, process_env};
use crate::TargetArgs;

pub(crate) const LONG_ABOUT: &str = "\
Re-hash installed skills and compare every file with the digest recorded at install time.

Exits 1 and names each differing file if anything was modified, added or removed.";

pub(crate) const EXAMPLES: &str = "\
Examples:
  skillpack verify                       every skill skillpack installed
  skillpack verify account-management
  skillpack verify --json";

#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// Skills to verify (default: all managed skills)
    #[arg(value_name = "NAME")]
    pub names: Vec<String>,

    #[command(flatten)]
    pub target: TargetArgs,
}

pub(crate) fn run(p: &Printer, args: VerifyArgs) -> CmdResult {
    let env = process_env()?;
    let targets = super::agents::existing_roots(&env, &args.target)?;
    let mut all_ok = true;
    let mut results = Vec::new();
    for t in &targets {
        let several = targets.len() > 1;
        all_ok &= verify_root(p, &env, &t.root, &args, several, &mut results)?;
    }
    if p.json {
        p.json_out(&json!({"version": skillpack::SCHEMA_VERSION, "root": targets[0].root.dir, "ok": all_ok, "skills": results}));
    }
    Ok(if all_ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// Verifies the skills of one root, adding a JSON result per skill to `results`; true
/// when every one is intact.
fn verify_root(
    p: &Printer,
    env: &skillpack::agents::Env,
    root: &skillpack::install::Root,
    args: &VerifyArgs,
    several: bool,
    results: &mut Vec<serde_json::Value>,
) -> Result<bool, Failure> {
    let env = env.clone();
    // With several roots, each line says which one it is about.
    let in_root = if several {
        format!(" in {}", display_path(&env, &root.dir))
    } else {
        String::new()
    };
    let mut on_wait = p.on_wait();
    let view = install::view(root, &mut on_wait).map_err(super::failure::install_failure)?;
    super::pipeline::say_recovered(p, view.recovered);
    let lock = &view.lock;
    let names: Vec<String> = if args.names.is_empty() {
        lock.skills.keys().cloned().collect()
    } else {
        args.names.clone()
    };
    if let Some(missing) = names.iter().find(|n| !lock.skills.contains_key(*n)) {
        return Err(Failure::new(format!(
            "`{missing}` was not installed by skillpack in {}",
            display_path(&env, &root.dir)
        ))
        .hint(super::restore::not_installed_hint(
            "verify",
            missing,
            lock.skills.keys(),
            &args.target,
        )));
    }
    let mut all_ok = true;
    for name in &names {
        let Some(entry) = lock.skills.get(name) else {
            continue;
        };
        let Some(state) = view.states.get(name) else {
            continue;
        };
        if view.pending.contains(name) {
            all_ok = false;
            p.status_warn(
                "Pending",
                format!("{name}: an interrupted skillpack run is unfinished here"),
            );
            if !p.json && !p.quiet {
                let mut words = vec!["skillpack".to_string(), "verify".to_string()];
                words.extend(super::restore::target_words(&args.target));
                p.err(format!(
                    "  {}: it is finished by the next skillpack run that can write {} (e.g. `{}` again once no other run is busy)",
                    p.dim("hint"),
                    display_path(&env, &root.dir),
                    escape(&super::command(words.iter().map(String::as_str)))
                ));
            }
            results.push(json!({
                "name": name,
                "root": root.dir,
                "state": "pending",
                "tree": entry.tree,
                "differences": [],
            }));
            continue;
        }
        all_ok &= state.is_ok();
        match state {
            TreeState::Ok => p.status(
                "Verified",
                format!(
                    "{name} ({} file{}, {}){in_root}",
                    entry.files.len(),
                    if entry.files.len() == 1 { "" } else { "s" },
                    entry.tree
                ),
            ),
            TreeState::Missing => p.status_warn(
                "Missing",
                format!(
                    "{name}: {} is gone",
                    display_path(&env, &root.skill_dir(name))
                ),
            ),
            TreeState::NotAFolder(found) => p.status_warn(
                "Replaced",
                format!(
                    "{name}: {} is {found}, not the folder skillpack installed",
                    display_path(&env, &root.skill_dir(name))
                ),
            ),
            TreeState::Modified { .. } => {
                p.status_warn("Modified", format!("{name}{in_root}"));
                if !p.json && !p.quiet {
                    for (path, what) in state.differences() {
                        p.err(format!(
                            "             {what:<8} {}",
                            escape(&format!("{name}/{path}"))
                        ));
                    }
                }
            }
        }
        results.push(json!({
            "name": name,
            "root": root.dir,
            "state": state.id(),
            "tree": entry.tree,
            "differences": state.differences().iter().map(|(path, what)| json!({"path": path, "change": what})).collect::<Vec<_>>(),
        }));
    }
    let changed: Vec<&String> = view
        .states
        .iter()
        .filter(|(n, s)| names.contains(n) && !s.is_ok() && !view.pending.contains(n))
        .map(|(n, _)| n)
        .collect();
    if !changed.is_empty() && !p.json {
        p.err(format!(
            "{}: installed files differ from the lock file",
            p.red("error")
        ));
        let restore: Vec<String> = changed
            .iter()
            .filter_map(|n| {
                let entry = view.lock.skills.get(*n)?;
                let words = super::restore::restore_words(&env, &args.target, &root.dir, several);
                Some(super::restore::restore_hint(n, entry, &words))
            })
            .collect();
        p.err(format!(
            "  hint: to restore {}: {}",
            if restore.len() == 1 { "it" } else { "them" },
            escape(&restore.join("; "))
        ));
    }
    Ok(all_ok)
}
