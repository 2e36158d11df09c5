//! `skillpack agents`: the agents skillpack installs for, their folders, and which are
//! found on this machine.

use std::process::ExitCode;

use clap::Args;
use serde_json::json;

use skillpack::agents::{Agent, Scope};

use super::{CmdResult, Printer, column_width, display_path, pad, process_env};

pub(crate) const LONG_ABOUT: &str = "\
List the agents skillpack can install skills for.

Each agent reads skills from a folder in your home (user scope) and one in the project
(project scope); several agents share the open-standard .agents/skills folders, and one
copy there serves them all. An agent is found when its configuration folder exists:
`--agent all` means every agent found, or Claude Code when none is.";

pub(crate) const EXAMPLES: &str = "\
Examples:
  skillpack agents                    every agent, its folders, and whether it is found
  skillpack agents --found            only the agents found on this machine
  skillpack install --agent all       install for every agent found";

#[derive(Debug, Args)]
pub struct AgentsArgs {
    /// Only the agents found on this machine
    #[arg(long)]
    pub found: bool,
}

pub(crate) fn run(p: &Printer, args: AgentsArgs) -> CmdResult {
    let env = process_env()?;
    let rows: Vec<(Agent, String, String, bool)> = Agent::all()
        .map(|a| {
            let user = env
                .skills_root(a, Scope::User)
                .map_or_else(|| "-".into(), |d| display_path(&env, &d));
            (a, user, a.spec().project.to_string(), env.is_detected(a))
        })
        .filter(|r| r.3 || !args.found)
        .collect();
    if p.json {
        p.json_out(&json!({
            "version": skillpack::SCHEMA_VERSION,
            "agents": rows.iter().map(|(a, user, project, found)| json!({
                "id": a.id(),
                "name": a.display_name(),
                "user": env.skills_root(*a, Scope::User),
                "user_shown": user,
                "project": project,
                "found": found,
                "docs": a.spec().docs,
            })).collect::<Vec<_>>(),
        }));
        return Ok(ExitCode::SUCCESS);
    }
    let w = column_width(rows.iter().map(|r| r.0.id()), 5);
    let uw = column_width(rows.iter().map(|r| r.1.as_str()), 11);
    let pw = column_width(rows.iter().map(|r| r.2.as_str()), 14);
    p.out_row(p.bold(&format!(
        "{}  {}  {}  FOUND",
        pad("AGENT", w),
        pad("USER FOLDER", uw),
        pad("PROJECT FOLDER", pw)
    )));
    for (a, user, project, found) in &rows {
        let found = if *found { p.green("yes") } else { p.dim("no") };
        p.out_row(format!(
            "{}  {}  {}  {found}",
            pad(a.id(), w),
            pad(user, uw),
            pad(project, pw)
        ));
    }
    Ok(ExitCode::SUCCESS)
}
