//! `skillpack companions`, and the companion step that follows `install`: which companion
//! skills are installed where, which are missing, and (only when the user says so) which
//! to install.

use std::collections::BTreeSet;
use std::process::ExitCode;

use clap::Args;
use serde_json::json;

use skillpack::agents::{Agent, Env};
use skillpack::install::companions::{self, Companion};
use skillpack::skill::is_valid_name;
use skillpack::source::{catalog, embedded};
use skillpack::text::escape;

use super::{
    CmdResult, Failure, Printer, column_width, command, display_path, pad, process_env, target_root,
};
use crate::TargetArgs;

pub(crate) const LONG_ABOUT: &str = "\
Show the companion skills a skill recommends: where each is installed (scope, path,
version), whether the agent can see it there, or that it is missing, with the command that
installs it.

Companions are read from the skill's own SKILL.md: `metadata.recommended_skills` (a comma-
or space-separated string) or a top-level `recommended_skills` list. Places searched: the
agent's user and project folders (the current folder up to the repository root), Claude
Code plugin skills, and other agents' folders, which are reported as not visible.";

pub(crate) const EXAMPLES: &str = "\
Examples:
  skillpack companions                         companions of account-management
  skillpack companions crm-management --depth 2
  skillpack companions --agent codex --json";

#[derive(Debug, Args)]
pub struct CompanionsArgs {
    /// The skill whose companions to show
    #[arg(value_name = "NAME", default_value = embedded::NAME)]
    pub name: String,

    /// Follow companions of companions this many levels deep
    #[arg(long, value_name = "N", default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=8))]
    pub depth: u32,

    #[command(flatten)]
    pub target: TargetArgs,
}

/// Warns about a declared companion name that is not a skill name; it is not looked for,
/// offered or put in a command.
fn warn_ignored(p: &Printer, of: &str, name: &str) {
    p.warn(format!(
        "ignoring the companion `{name}` declared by {of}: it is not a skill name (lowercase letters, digits and single hyphens)"
    ));
}

pub(crate) fn describe(name: &str) -> &'static str {
    catalog::find(name).map(|e| e.description).unwrap_or("")
}

pub(crate) fn companion_json(env: &Env, of: &str, c: &Companion) -> serde_json::Value {
    json!({
        "of": of,
        "name": c.name,
        "status": c.status(),
        "description": describe(&c.name),
        "locations": c.found.iter().map(|f| json!({
            "path": f.path,
            "display": display_path(env, &f.path),
            "scope": f.scope,
            "agent": f.agent.map(|a| a.id()),
            "visible": f.visible,
            "version": f.version,
        })).collect::<Vec<_>>(),
        "install": (!c.is_visible()).then(|| command(["skillpack", "install", c.name.as_str()])),
    })
}

/// "found in ~/.agents/skills, which Claude Code does not read" (not escaped).
fn not_visible(env: &Env, agent: Agent, f: &companions::Found) -> String {
    format!(
        "found in {}, which {} does not read",
        display_path(env, f.path.parent().unwrap_or(&f.path)),
        agent.display_name()
    )
}

/// The companions table on stdout: a header, then one line per companion, each missing one
/// with the command that installs it into `target`.
pub(crate) fn render(
    p: &Printer,
    env: &Env,
    agent: Agent,
    target: &TargetArgs,
    list: &[(String, Companion)],
) {
    let w = column_width(list.iter().map(|(_, c)| c.name.as_str()), 9);
    p.out(p.bold(&format!("{}  {:<11}  WHERE", pad("COMPANION", w), "STATUS")));
    for (_, c) in list {
        let status = match c.status() {
            "installed" => p.green("installed  "),
            "not-visible" => p.yellow("not visible"),
            _ => p.red("missing    "),
        };
        let detail = match c.found.first() {
            Some(f) if f.visible => format!(
                "{} {}{}",
                f.scope,
                display_path(env, &f.path),
                f.version
                    .as_deref()
                    .map(|v| format!(" ({v})"))
                    .unwrap_or_default()
            ),
            Some(f) => format!(
                "{}; `{}`",
                not_visible(env, agent, f),
                install_command(target, &[c.name.as_str()])
            ),
            None => format!("`{}`", install_command(target, &[c.name.as_str()])),
        };
        p.out(format!(
            "{}  {status}  {}",
            pad(&escape(&c.name), w),
            escape(&detail)
        ));
    }
}

/// The exact command that installs `missing` for the chosen target, every word quoted for
/// the shell (not escaped for the terminal).
pub(crate) fn install_command(target: &TargetArgs, missing: &[&str]) -> String {
    let dir = target.dir.as_ref().map(|d| d.to_string_lossy());
    let mut words: Vec<&str> = vec!["skillpack", "install"];
    words.extend(missing);
    if let Some(dir) = &dir {
        words.extend(["--dir", dir]);
    } else {
        let agent: Agent = target.agent.into();
        if agent != Agent::ClaudeCode {
            words.extend(["--agent", agent.id()]);
        }
        if target.scope == crate::ScopeArg::Project {
            words.extend(["--scope", "project"]);
        }
    }
    command(words)
}

pub(crate) fn run(p: &Printer, args: CompanionsArgs) -> CmdResult {
    let env = process_env()?;
    let agent: Agent = args.target.agent.into();
    let explicit = match &args.target.dir {
        Some(_) => Some(target_root(&env, &args.target)?.dir),
        None => None,
    };
    if !is_valid_name(&args.name) {
        return Err(Failure::usage(format!(
            "`{}` is not a skill name: skill names are lowercase letters, digits and single hyphens",
            args.name
        ))
        .hint("`skillpack list` shows the installed skills by name"));
    }
    let graph = companions::resolve(&env, agent, explicit.as_deref(), &args.name, args.depth)
        .ok_or_else(|| {
            Failure::new(format!(
                "`{}` is not installed where {} reads skills, and not in the catalog",
                args.name,
                agent.display_name()
            ))
            .hint("install it first, or pass --agent/--scope/--dir to look elsewhere")
        })?;
    for (of, name) in &graph.ignored {
        warn_ignored(p, of, name);
    }
    let list = graph.list;
    if p.json {
        p.json_out(&json!({
            "version": skillpack::SCHEMA_VERSION,
            "skill": args.name,
            "agent": agent.id(),
            "companions": list.iter().map(|(of, c)| companion_json(&env, of, c)).collect::<Vec<_>>(),
        }));
        return Ok(ExitCode::SUCCESS);
    }
    if list.is_empty() {
        p.status(
            "Companions",
            format!("{} recommends no companion skills", args.name),
        );
        return Ok(ExitCode::SUCCESS);
    }
    render(p, &env, agent, &args.target, &list);
    let missing: Vec<&str> = list
        .iter()
        .filter(|(_, c)| c.is_missing())
        .map(|(_, c)| c.name.as_str())
        .collect();
    if !missing.is_empty() && !p.quiet {
        p.err(format!(
            "  {}: {}",
            p.dim("install the missing ones with"),
            escape(&install_command(&args.target, &missing))
        ));
    }
    Ok(ExitCode::SUCCESS)
}

/// What to do about missing companions after an install.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Step {
    /// Ask on a terminal (none pre-selected); otherwise print the command and install nothing.
    Ask,
    /// `--with-companions`: install every missing one.
    All,
    /// `--no-companions`.
    Skip,
}

/// The companion step after `install`: reports the companions of the installed skills and
/// returns the ones to install now (chosen by the user, or all with `--with-companions`),
/// with a JSON description of each.
pub(crate) fn after_install(
    p: &Printer,
    env: &Env,
    target: &TargetArgs,
    explicit: Option<&std::path::Path>,
    installed: &[skillpack::install::Report],
    step: Step,
) -> (Vec<String>, Vec<serde_json::Value>) {
    if step == Step::Skip {
        return (Vec::new(), Vec::new());
    }
    let agent: Agent = target.agent.into();
    let just: BTreeSet<&str> = installed.iter().map(|r| r.name.as_str()).collect();
    let mut seen = BTreeSet::new();
    let mut list: Vec<(String, Companion)> = Vec::new();
    for r in installed {
        let (valid, invalid) = companions::split_names(&r.companions);
        for name in &invalid {
            warn_ignored(p, &r.name, name);
        }
        let names: Vec<String> = valid
            .iter()
            .filter(|c| !just.contains(c.as_str()) && seen.insert((*c).clone()))
            .cloned()
            .collect();
        for c in companions::discover(env, agent, explicit, &names) {
            list.push((r.name.clone(), c));
        }
    }
    let json: Vec<serde_json::Value> = list
        .iter()
        .map(|(of, c)| companion_json(env, of, c))
        .collect();
    let missing: Vec<&str> = list
        .iter()
        .filter(|(_, c)| c.is_missing())
        .map(|(_, c)| c.name.as_str())
        .collect();
    if list.is_empty() {
        return (Vec::new(), json);
    }
    let owners: BTreeSet<&str> = list.iter().map(|(of, _)| of.as_str()).collect();
    let owners = owners.into_iter().collect::<Vec<_>>().join(", ");
    if missing.is_empty() {
        p.status(
            "Companions",
            format!("all {} companions of {owners} are installed", list.len()),
        );
        return (Vec::new(), json);
    }
    if !p.quiet && !p.json {
        p.status(
            "Companions",
            format!(
                "{} of {} companions of {owners} are not available to {}",
                missing.len(),
                list.len(),
                agent.display_name()
            ),
        );
        render_to_stderr(p, env, agent, &list);
    }
    let chosen: Vec<String> = match step {
        Step::All => missing.iter().map(|s| s.to_string()).collect(),
        Step::Ask if p.interactive() => {
            let items: Vec<String> = missing
                .iter()
                .map(|n| {
                    let d = describe(n);
                    if d.is_empty() {
                        n.to_string()
                    } else {
                        format!("{n} - {d}")
                    }
                })
                .collect();
            let picked = dialoguer::MultiSelect::new()
                .with_prompt("Install companions? (space selects, enter confirms; none is fine)")
                .items(&items)
                .interact_opt()
                .ok()
                .flatten()
                .unwrap_or_default();
            picked
                .into_iter()
                .filter_map(|i| missing.get(i).map(|s| s.to_string()))
                .collect()
        }
        Step::Ask | Step::Skip => {
            if !p.quiet && !p.json {
                p.err(format!(
                    "  {}: {}",
                    p.dim("to install them"),
                    escape(&install_command(target, &missing))
                ));
                p.err(format!("  {}", p.dim("or re-run with --with-companions")));
            }
            Vec::new()
        }
    };
    (chosen, json)
}

/// The companion table on stderr (stdout is kept for the command's own output).
fn render_to_stderr(p: &Printer, env: &Env, agent: Agent, list: &[(String, Companion)]) {
    for (_, c) in list {
        let (status, detail) = match (c.status(), c.found.first()) {
            ("installed", Some(f)) => (p.green("installed"), display_path(env, &f.path)),
            ("not-visible", Some(f)) => (p.yellow("not visible"), not_visible(env, agent, f)),
            _ => (p.red("missing"), describe(&c.name).to_string()),
        };
        p.err(format!(
            "             {} {status}  {}",
            pad(&escape(&c.name), 26),
            p.dim(&escape(&detail))
        ));
    }
}
