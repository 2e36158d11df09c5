//! `skillpack doctor`: what each agent really loads from its folders, and why not.

use std::path::Path;
use std::process::ExitCode;

use clap::Args;

use skillpack::agents::{Agent, Env};
use skillpack::install::doctor::{self, AgentReport, Options, Problem, RootReport};
use skillpack::skill::Severity;
use skillpack::text::escape;

use super::agents::AgentsArg;
use super::restore::command_for_root;
use super::{CmdResult, Failure, Printer, display_path, process_env};
use crate::ScopeArg;

pub(crate) const LONG_ABOUT: &str = "\
Show what each agent will really load from every folder it reads skills from, and why not.

For every root an agent reads (user and project scope), each folder is judged the way that
agent's own loader judges it: loaded, and under which name, or skipped, with the file, line
and column of the reason and how to fix it. A skill hidden by another of the same name, a
skill that sits only in another agent's folder, skills skillpack installed that were
modified, records whose folder is gone and leftovers of interrupted runs are reported too.

The loaders were learned from Claude Code 2.1.330, Codex 0.169.0 and Gemini CLI 0.61.0.
Exits 1 when any folder will not load.";

pub(crate) const EXAMPLES: &str = "\
Examples:
  skillpack doctor                          every agent, both scopes
  skillpack doctor --agent claude-code
  skillpack doctor --agent codex,gemini-cli --scope project
  skillpack doctor --json | jq '.agents[].roots[].skills[] | select(.loads | not)'";

#[derive(Debug, Args)]
pub struct DoctorArgs {
    /// The agents to examine, comma-separated, or `all` (the three whose loaders were
    /// observed, and every other agent found on this machine)
    #[arg(long, value_name = "AGENTS", default_value = "all", value_parser = super::agents::parse)]
    pub(crate) agent: AgentsArg,

    /// Only this scope's folders (default: both)
    #[arg(long, value_enum)]
    pub scope: Option<ScopeArg>,
}

pub(crate) fn run(p: &Printer, args: DoctorArgs) -> CmdResult {
    let env = process_env()?;
    let agents: Vec<Agent> = match &args.agent {
        AgentsArg::All => {
            let mut all = vec![Agent::CLAUDE_CODE, Agent::CODEX, Agent::GEMINI_CLI];
            for a in env.detected_agents() {
                if !all.contains(&a) {
                    all.push(a);
                }
            }
            all
        }
        AgentsArg::List(list) => list.clone(),
    };
    if env.home.is_none() {
        return Err(Failure::new("cannot find your home folder").hint("set HOME"));
    }
    let report = doctor::examine(
        &env,
        &Options {
            agents,
            scope: args.scope.map(Into::into),
        },
    );
    let code = if report.all_load() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    };
    if p.json {
        let value = serde_json::to_value(&report)
            .map_err(|e| Failure::new(format!("cannot write the report: {e}")))?;
        p.json_out(&value);
        return Ok(code);
    }
    let mut folders = 0;
    let mut skipped = 0;
    for agent in &report.agents {
        render_agent(p, &env, agent);
        folders += agent.roots.iter().map(|r| r.skills.len()).sum::<usize>();
        skipped += agent.not_loaded();
    }
    let n = report.agents.len();
    let agents = format!("{n} agent{}", if n == 1 { "" } else { "s" });
    if skipped == 0 {
        p.status(
            "Checked",
            format!("{folders} folders for {agents}: every skill loads"),
        );
    } else {
        p.status_warn(
            "Checked",
            format!("{folders} folders for {agents}: {skipped} will not load"),
        );
    }
    Ok(code)
}

fn render_agent(p: &Printer, env: &Env, agent: &AgentReport) {
    let display = Agent::from_id(agent.agent).map_or(agent.agent, |a| a.display_name());
    p.out(p.bold(&format!("{display} ({})", agent.agent)));
    if !agent.problems.is_empty() {
        p.out(format!("  {}", p.yellow("settings")));
        // Settings problems name no skill: no command for a root is added to them.
        let settings = env.claude_dir().unwrap_or_default();
        for problem in &agent.problems {
            render_problem(p, env, &settings, problem);
        }
    }
    let mut any = false;
    for root in agent.roots.iter().filter(|r| r.exists) {
        any = true;
        render_root(p, env, root);
    }
    if !any {
        p.out(format!("  {}", p.dim("no skills folders")));
    }
    for e in &agent.elsewhere {
        p.out(format!(
            "  {} {}: in {}, which {display} does not read (read by {}); install it for {} too",
            p.yellow("elsewhere"),
            escape(&e.name),
            escape(&display_path(env, &e.path)),
            e.read_by.join(", "),
            agent.agent,
        ));
    }
    p.out("");
}

fn render_root(p: &Printer, env: &Env, root: &RootReport) {
    p.out(format!(
        "  {} {}",
        escape(&display_path(env, &root.path)),
        p.dim(&format!("({})", root.scope))
    ));
    if root.skills.is_empty() && root.problems.is_empty() {
        p.out(format!("    {}", p.dim("empty")));
    }
    for s in &root.skills {
        let folder = escape(&s.folder);
        let line = match (&s.name, s.loads) {
            (Some(name), true) if *name == s.folder => {
                format!("    {}  {folder}", p.green("loads"))
            }
            (Some(name), true) => {
                format!("    {}  {folder} as `{}`", p.green("loads"), escape(name))
            }
            _ => format!("    {}  {folder}", p.red("skips")),
        };
        p.out(line);
        for problem in &s.problems {
            render_problem(p, env, &root.path, problem);
        }
    }
    // Findings about the folder itself, under a label of their own rather than under the
    // last skill.
    if !root.problems.is_empty() {
        p.out(format!(
            "    {}   {}",
            p.yellow("root"),
            p.dim("the folder itself")
        ));
    }
    for problem in &root.problems {
        render_problem(p, env, &root.path, problem);
    }
}

/// What to run about a problem with a skill of the record in the root at `dir`.
fn advice(env: &Env, dir: &Path, problem: &Problem) -> String {
    let Some(name) = problem.recorded.as_deref() else {
        return String::new();
    };
    let verify = command_for_root(env, dir, "verify", &[name]);
    if problem.rule == "lock-entry-missing" {
        let uninstall = command_for_root(env, dir, "uninstall", &[name]);
        format!("; `{uninstall}` forgets it, `{verify}` says how to restore it")
    } else {
        format!("; `{verify}` lists the files")
    }
}

fn render_problem(p: &Printer, env: &Env, dir: &Path, problem: &Problem) {
    let severity = match problem.severity {
        Severity::Error => p.red("error"),
        Severity::Warning => p.yellow("warning"),
        Severity::Note => p.dim("note"),
    };
    let mut at = problem
        .file
        .as_deref()
        .map(|f| display_path(env, f))
        .unwrap_or_default();
    if let (Some(line), Some(col)) = (problem.line, problem.column) {
        at = format!("{at}:{line}:{col}");
    }
    let at = if at.is_empty() {
        String::new()
    } else {
        format!("{}: ", escape(&at))
    };
    // The folder loaded instead is shown as every other path is (`~` for HOME).
    let message = match &problem.instead {
        Some(instead) => problem
            .message
            .replace(&instead.display().to_string(), &display_path(env, instead)),
        None => problem.message.clone(),
    };
    p.out(format!(
        "           {severity}[{}] {at}{}",
        problem.rule,
        escape(&format!("{message}{}", advice(env, dir, problem)))
    ));
}
