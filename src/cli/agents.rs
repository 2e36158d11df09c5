//! `--agent`: one agent, a comma-separated list, or `all`; and the skills roots they name.

use skillpack::agents::{Agent, Env, Scope};
use skillpack::install::Root;

use super::Failure;
use crate::{ScopeArg, TargetArgs};

/// What `--agent` said.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum AgentsArg {
    /// Every agent detected on this machine (the default agent when none is).
    All,
    /// These agents, in the order given, without repeats.
    List(Vec<Agent>),
}

/// Parses `--agent`: `all`, or agent ids separated by commas.
pub(crate) fn parse(text: &str) -> Result<AgentsArg, String> {
    if text.trim() == "all" {
        return Ok(AgentsArg::All);
    }
    let mut agents = Vec::new();
    for id in text.split(',').map(str::trim) {
        if id == "all" {
            return Err(
                "`all` means every agent found on this machine and stands alone: \
                 `--agent all`, or a list of agents such as `--agent claude-code,codex`"
                    .into(),
            );
        }
        let Some(agent) = Agent::from_id(id) else {
            let ids = Agent::all().map(Agent::id);
            let near = skillpack::text::closest(id, ids)
                .map(|n| format!(" (did you mean `{n}`?)"))
                .unwrap_or_default();
            return Err(format!(
                "`{id}` is not an agent skillpack knows{near}; `skillpack agents` lists them, \
                 and `all` means every agent found on this machine"
            ));
        };
        if agents.contains(&agent) {
            continue;
        }
        agents.push(agent);
    }
    if agents.is_empty() {
        return Err("name at least one agent, e.g. claude-code, or `all`".into());
    }
    Ok(AgentsArg::List(agents))
}

impl AgentsArg {
    /// The agents meant, with `all` looked up on this machine.
    pub(crate) fn resolve(&self, env: &Env) -> Vec<Agent> {
        match self {
            AgentsArg::All => env.detected_agents(),
            AgentsArg::List(list) => list.clone(),
        }
    }

    /// The first agent meant: the one whose view companions are looked up from.
    pub(crate) fn primary(&self, env: &Env) -> Agent {
        self.resolve(env)
            .first()
            .copied()
            .unwrap_or(Agent::CLAUDE_CODE)
    }

    /// `--agent …` as the user would type it again; nothing for the default.
    pub(crate) fn words(&self) -> Vec<String> {
        match self {
            AgentsArg::All => vec!["--agent".into(), "all".into()],
            AgentsArg::List(list) if list[..] == [Agent::CLAUDE_CODE] => Vec::new(),
            AgentsArg::List(list) => vec![
                "--agent".into(),
                list.iter().map(|a| a.id()).collect::<Vec<_>>().join(","),
            ],
        }
    }
}

/// One skills root and the agents that read it (several agents share `.agents/skills`).
#[derive(Debug, Clone)]
pub(crate) struct Target {
    pub agents: Vec<Agent>,
    pub root: Root,
}

impl Target {
    /// The agents' ids, for output.
    pub(crate) fn ids(&self) -> Vec<&'static str> {
        self.agents.iter().map(|a| a.id()).collect()
    }
}

/// Every agent that reads the skills folder `dir` at the scope of `target` (agents share
/// folders: `.agents/skills` is read by several), whichever of them were named.
pub(crate) fn sharing(env: &Env, target: &TargetArgs, dir: &std::path::Path) -> Vec<Agent> {
    if target.dir.is_some() {
        return Vec::new();
    }
    // The project is looked for once, not once per agent.
    let project = (target.scope == ScopeArg::Project).then(|| env.project_dir());
    Agent::all()
        .filter(|&agent| match &project {
            Some(project) => project.join(agent.project_folder()) == dir,
            None => env
                .skills_root(agent, Scope::User)
                .is_some_and(|r| r == dir),
        })
        .collect()
}

/// [`target_roots`] for a command that only reads or removes what is there (list, verify,
/// update, uninstall, companions): a `--dir` that names nothing is a usage error, as any
/// missing PATH is, rather than an empty root that passes.
pub(crate) fn existing_roots(env: &Env, target: &TargetArgs) -> Result<Vec<Target>, Failure> {
    let targets = target_roots(env, target)?;
    if target.dir.is_some()
        && let Some(t) = targets.first()
        && std::fs::symlink_metadata(&t.root.dir).is_err()
    {
        let mut f = Failure::usage(format!(
            "no such file or folder: `{}`",
            super::display_path(env, &t.root.dir)
        ))
        .hint("check the path given to --dir: a relative one starts from the current folder");
        f.kind = Some("not-found".into());
        return Err(f);
    }
    Ok(targets)
}

/// The skills roots the target arguments name, each once, in the order of `--agent`.
pub(crate) fn target_roots(env: &Env, target: &TargetArgs) -> Result<Vec<Target>, Failure> {
    let mut agents = target.agent.resolve(env);
    // In a project, `all` also means every agent whose skills folder the project has (a
    // clone's folders are checked even where that agent is not installed).
    if matches!(target.agent, AgentsArg::All) && target.scope == ScopeArg::Project {
        let project = env.project_dir();
        for agent in Agent::all() {
            if !agents.contains(&agent)
                && std::fs::symlink_metadata(project.join(agent.project_folder()))
                    .is_ok_and(|m| m.is_dir())
            {
                agents.push(agent);
            }
        }
    }
    if let Some(dir) = &target.dir {
        let dir = if dir.is_absolute() {
            dir.clone()
        } else {
            env.cwd.join(dir)
        };
        return Ok(vec![Target {
            agents,
            root: Root::new(dir),
        }]);
    }
    let mut out: Vec<Target> = Vec::new();
    for agent in agents {
        let root = if target.scope == ScopeArg::Project {
            let (project, rel) = env.project_root(agent);
            Root::within(project, rel)
        } else {
            let Some(dir) = env.skills_root(agent, Scope::User) else {
                if env.home.is_none() {
                    return Err(Failure::new("cannot find your home folder")
                        .hint("set HOME, or pass --dir DIR to choose the skills folder"));
                }
                return Err(Failure::usage(format!(
                    "{} reads skills only from a project: it has no user skills folder",
                    agent.display_name()
                ))
                .hint("pass --scope project"));
            };
            Root::new(dir)
        };
        match out.iter_mut().find(|t| t.root.dir == root.dir) {
            Some(t) => t.agents.push(agent),
            None => out.push(Target {
                agents: vec![agent],
                root,
            }),
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_lists_and_all() {
        assert_eq!(parse("all").unwrap(), AgentsArg::All);
        assert_eq!(
            parse("codex, claude-code,codex").unwrap(),
            AgentsArg::List(vec![Agent::CODEX, Agent::CLAUDE_CODE])
        );
        let e = parse("claude").unwrap_err();
        assert!(e.contains("did you mean `claude-code`"), "{e}");
        assert!(parse("").is_err());
        let e = parse("all,codex").unwrap_err();
        assert!(e.contains("stands alone"), "{e}");
        assert!(!e.contains("is not an agent"), "{e}");
    }
}
