//! Agents × scopes → skills directories (DESIGN section 4).
//!
//! Pure path arithmetic: nothing here touches the file system except the
//! project-root search, which only asks whether a `.git` entry exists.

use std::fmt;
use std::path::PathBuf;

/// Where a folder of the agent table is measured from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Base {
    /// The home folder.
    Home,
    /// `$XDG_CONFIG_HOME`, else `~/.config`.
    Config,
    /// Claude Code's configuration folder: `$CLAUDE_CONFIG_DIR`, else `~/.claude`.
    ClaudeConfig,
    /// The project (the nearest folder holding `.git`, else the current folder).
    Project,
}

/// One row of the agent table: an agent that loads skills from folders, and its folders.
#[derive(Debug)]
pub struct AgentSpec {
    /// The name used on the command line and in records.
    pub id: &'static str,
    /// The product name, for messages such as "not visible to Claude Code".
    pub name: &'static str,
    /// The user-scope skills folder; `None` for an agent that reads only project skills.
    pub user: Option<(Base, &'static str)>,
    /// The project-scope skills folder, relative to the project.
    pub project: &'static str,
    /// Any of these existing means the agent is installed on this machine.
    pub detect: &'static [(Base, &'static str)],
    /// Where these facts come from.
    pub docs: &'static str,
}

/// The skills CLI's table of agents and folders, for agents whose own documentation
/// was not checked separately.
const SKILLS_CLI: &str = "https://github.com/vercel-labs/skills/blob/main/src/agents.ts";

use Base::{Config, Home};

macro_rules! agent {
    ($id:literal, $name:literal, user: $user:expr, project: $project:literal,
     detect: [$($detect:expr),* $(,)?], docs: $docs:expr) => {
        AgentSpec {
            id: $id,
            name: $name,
            user: $user,
            project: $project,
            detect: &[$($detect),*],
            docs: $docs,
        }
    };
}

/// Every agent skillpack can install for: the three it is tested with first, then the
/// others in name order. Copies go to these folders, never symlinks.
pub static TABLE: &[AgentSpec] = &[
    // https://code.claude.com/docs/en/skills: ~/.claude/skills/<name>/SKILL.md and
    // .claude/skills/<name>/SKILL.md; CLAUDE_CONFIG_DIR moves the first.
    agent!("claude-code", "Claude Code", user: Some((Base::ClaudeConfig, "skills")),
        project: ".claude/skills", detect: [(Base::ClaudeConfig, "")],
        docs: "https://code.claude.com/docs/en/skills"),
    // https://developers.openai.com/codex/skills: $HOME/.agents/skills and
    // .agents/skills from the working folder up to the repository root.
    agent!("codex", "Codex", user: Some((Home, ".agents/skills")), project: ".agents/skills",
        detect: [(Home, ".codex")], docs: "https://developers.openai.com/codex/skills"),
    // https://geminicli.com/docs/cli/skills/: ~/.gemini/skills, and the .agents/skills alias.
    agent!("gemini-cli", "Gemini CLI", user: Some((Home, ".gemini/skills")),
        project: ".agents/skills", detect: [(Home, ".gemini")],
        docs: "https://geminicli.com/docs/cli/skills/"),
    agent!("adal", "AdaL", user: Some((Home, ".adal/skills")), project: ".adal/skills",
        detect: [(Home, ".adal")], docs: SKILLS_CLI),
    agent!("aider-desk", "AiderDesk", user: Some((Home, ".aider-desk/skills")),
        project: ".aider-desk/skills", detect: [(Home, ".aider-desk")], docs: SKILLS_CLI),
    agent!("amp", "Amp", user: Some((Config, "agents/skills")), project: ".agents/skills",
        detect: [(Config, "amp")], docs: "https://ampcode.com/manual#agent-skills"),
    agent!("antigravity", "Antigravity", user: Some((Home, ".gemini/antigravity/skills")),
        project: ".agents/skills", detect: [(Home, ".gemini/antigravity")], docs: SKILLS_CLI),
    agent!("antigravity-cli", "Antigravity CLI", user: Some((Home, ".gemini/antigravity-cli/skills")), project: ".agents/skills",
        detect: [(Home, ".gemini/antigravity-cli")], docs: SKILLS_CLI),
    agent!("astrbot", "AstrBot", user: Some((Home, ".astrbot/data/skills")), project: "data/skills",
        detect: [(Home, ".astrbot")], docs: SKILLS_CLI),
    agent!("augment", "Augment", user: Some((Home, ".augment/skills")),
        project: ".augment/skills", detect: [(Home, ".augment")], docs: SKILLS_CLI),
    agent!("autohand-code", "Autohand Code CLI", user: Some((Home, ".autohand/skills")), project: ".autohand/skills",
        detect: [(Home, ".autohand")], docs: SKILLS_CLI),
    agent!("bob", "IBM Bob", user: Some((Home, ".bob/skills")), project: ".bob/skills",
        detect: [(Home, ".bob")], docs: SKILLS_CLI),
    agent!("cline", "Cline", user: Some((Home, ".agents/skills")), project: ".agents/skills",
        detect: [(Home, ".cline")], docs: SKILLS_CLI),
    agent!("codearts-agent", "CodeArts Agent", user: Some((Home, ".codeartsdoer/skills")), project: ".codeartsdoer/skills",
        detect: [(Home, ".codeartsdoer")], docs: SKILLS_CLI),
    agent!("codebuddy", "CodeBuddy", user: Some((Home, ".codebuddy/skills")),
        project: ".codebuddy/skills", detect: [(Home, ".codebuddy")], docs: SKILLS_CLI),
    agent!("codemaker", "Codemaker", user: Some((Home, ".codemaker/skills")), project: ".codemaker/skills",
        detect: [(Home, ".codemaker")], docs: SKILLS_CLI),
    agent!("codestudio", "Code Studio", user: Some((Home, ".codestudio/skills")), project: ".codestudio/skills",
        detect: [(Home, ".codestudio")], docs: SKILLS_CLI),
    agent!("codewhale", "CodeWhale", user: Some((Home, ".codewhale/skills")), project: ".codewhale/skills",
        detect: [(Home, ".codewhale")], docs: SKILLS_CLI),
    agent!("command-code", "Command Code", user: Some((Home, ".commandcode/skills")),
        project: ".commandcode/skills", detect: [(Home, ".commandcode")], docs: SKILLS_CLI),
    agent!("continue", "Continue", user: Some((Home, ".continue/skills")),
        project: ".continue/skills", detect: [(Home, ".continue")], docs: SKILLS_CLI),
    agent!("cortex", "Cortex Code", user: Some((Home, ".snowflake/cortex/skills")),
        project: ".cortex/skills", detect: [(Home, ".snowflake/cortex")], docs: SKILLS_CLI),
    agent!("crush", "Crush", user: Some((Config, "crush/skills")), project: ".crush/skills",
        detect: [(Config, "crush")], docs: SKILLS_CLI),
    agent!("cursor", "Cursor", user: Some((Home, ".cursor/skills")), project: ".agents/skills",
        detect: [(Home, ".cursor")], docs: "https://cursor.com/docs/context/skills"),
    agent!("deepagents", "Deep Agents", user: Some((Home, ".deepagents/agent/skills")),
        project: ".agents/skills", detect: [(Home, ".deepagents")], docs: SKILLS_CLI),
    agent!("devin", "Devin for Terminal", user: Some((Config, "devin/skills")),
        project: ".devin/skills", detect: [(Config, "devin")], docs: SKILLS_CLI),
    agent!("dexto", "Dexto", user: Some((Home, ".agents/skills")), project: ".agents/skills",
        detect: [(Home, ".dexto")], docs: SKILLS_CLI),
    agent!("droid", "Droid", user: Some((Home, ".factory/skills")), project: ".agents/skills",
        detect: [(Home, ".factory")], docs: SKILLS_CLI),
    // Reads only a project's skills.
    agent!("eve", "Eve", user: None, project: "agent/skills",
        detect: [(Base::Project, "agent/skills")], docs: SKILLS_CLI),
    agent!("firebender", "Firebender", user: Some((Home, ".firebender/skills")),
        project: ".agents/skills", detect: [(Home, ".firebender")], docs: SKILLS_CLI),
    agent!("forgecode", "ForgeCode", user: Some((Home, ".forge/skills")),
        project: ".forge/skills", detect: [(Home, ".forge")], docs: SKILLS_CLI),
    agent!("fx", "fx", user: Some((Home, ".fx/skills")), project: ".fx/skills",
        detect: [(Home, ".fx")], docs: SKILLS_CLI),
    agent!("github-copilot", "GitHub Copilot", user: Some((Home, ".copilot/skills")),
        project: ".agents/skills", detect: [(Home, ".copilot")],
        docs: "https://docs.github.com/en/copilot/concepts/agents/about-agent-skills"),
    agent!("goose", "Goose", user: Some((Config, "goose/skills")), project: ".goose/skills",
        detect: [(Config, "goose")], docs: SKILLS_CLI),
    agent!("grok", "Grok Build", user: Some((Home, ".grok/skills")), project: ".grok/skills",
        detect: [(Home, ".grok")], docs: SKILLS_CLI),
    agent!("hermes-agent", "Hermes Agent", user: Some((Home, ".hermes/skills")),
        project: ".hermes/skills", detect: [(Home, ".hermes")], docs: SKILLS_CLI),
    agent!("iflow-cli", "iFlow CLI", user: Some((Home, ".iflow/skills")),
        project: ".iflow/skills", detect: [(Home, ".iflow")], docs: SKILLS_CLI),
    agent!("inference-sh", "inference.sh", user: Some((Home, ".inferencesh/skills")), project: ".inferencesh/skills",
        detect: [(Home, ".inferencesh")], docs: SKILLS_CLI),
    agent!("jazz", "Jazz", user: Some((Home, ".jazz/skills")), project: ".jazz/skills",
        detect: [(Home, ".jazz")], docs: SKILLS_CLI),
    agent!("junie", "Junie", user: Some((Home, ".junie/skills")), project: ".junie/skills",
        detect: [(Home, ".junie")], docs: SKILLS_CLI),
    agent!("kilo", "Kilo Code", user: Some((Home, ".kilo/skills")), project: ".agents/skills",
        detect: [(Home, ".kilo"), (Home, ".kilocode")], docs: SKILLS_CLI),
    agent!("kimchi", "Kimchi", user: Some((Config, "kimchi/harness/skills")), project: ".kimchi/skills",
        detect: [(Config, "kimchi")], docs: SKILLS_CLI),
    agent!("kimi-code-cli", "Kimi Code CLI", user: Some((Home, ".agents/skills")),
        project: ".agents/skills", detect: [(Home, ".kimi-code"), (Home, ".kimi")],
        docs: SKILLS_CLI),
    agent!("kiro-cli", "Kiro CLI", user: Some((Home, ".kiro/skills")), project: ".kiro/skills",
        detect: [(Home, ".kiro")], docs: SKILLS_CLI),
    agent!("kode", "Kode", user: Some((Home, ".kode/skills")), project: ".kode/skills",
        detect: [(Home, ".kode")], docs: SKILLS_CLI),
    agent!("lingma", "Lingma", user: Some((Home, ".lingma/skills")), project: ".lingma/skills",
        detect: [(Home, ".lingma")], docs: SKILLS_CLI),
    agent!("loaf", "Loaf", user: Some((Home, ".agents/skills")), project: ".agents/skills",
        detect: [(Home, ".loaf")], docs: SKILLS_CLI),
    agent!("mcpjam", "MCPJam", user: Some((Home, ".mcpjam/skills")), project: ".mcpjam/skills",
        detect: [(Home, ".mcpjam")], docs: SKILLS_CLI),
    agent!("minimax-code", "MiniMax Code", user: Some((Home, ".minimax/skills")), project: ".minimax/skills",
        detect: [(Home, ".minimax")], docs: SKILLS_CLI),
    agent!("mistral-vibe", "Mistral Vibe", user: Some((Home, ".vibe/skills")),
        project: ".vibe/skills", detect: [(Home, ".vibe")], docs: SKILLS_CLI),
    agent!("moxby", "Moxby", user: Some((Home, ".moxby/skills")), project: ".moxby/skills",
        detect: [(Home, ".moxby")], docs: SKILLS_CLI),
    agent!("mux", "Mux", user: Some((Home, ".mux/skills")), project: ".mux/skills",
        detect: [(Home, ".mux")], docs: SKILLS_CLI),
    agent!("neovate", "Neovate", user: Some((Home, ".neovate/skills")),
        project: ".neovate/skills", detect: [(Home, ".neovate")], docs: SKILLS_CLI),
    agent!("ona", "Ona", user: Some((Home, ".ona/skills")), project: ".ona/skills",
        detect: [(Home, ".ona")], docs: SKILLS_CLI),
    agent!("openclaw", "OpenClaw", user: Some((Home, ".openclaw/skills")), project: "skills",
        detect: [(Home, ".openclaw")], docs: SKILLS_CLI),
    agent!("opencode", "OpenCode", user: Some((Config, "opencode/skills")),
        project: ".agents/skills", detect: [(Config, "opencode")],
        docs: "https://opencode.ai/docs/skills/"),
    agent!("openhands", "OpenHands", user: Some((Home, ".openhands/skills")),
        project: ".openhands/skills", detect: [(Home, ".openhands")], docs: SKILLS_CLI),
    agent!("pi", "Pi", user: Some((Home, ".pi/agent/skills")), project: ".pi/skills",
        detect: [(Home, ".pi/agent")], docs: SKILLS_CLI),
    agent!("pochi", "Pochi", user: Some((Home, ".pochi/skills")), project: ".pochi/skills",
        detect: [(Home, ".pochi")], docs: SKILLS_CLI),
    agent!("posit-assistant", "Posit Assistant", user: Some((Home, ".posit/assistant/skills")), project: ".posit/assistant/skills",
        detect: [(Home, ".posit/assistant"), (Home, ".positai")], docs: SKILLS_CLI),
    // Reads only a project's skills.
    agent!("promptscript", "PromptScript", user: None, project: ".agents/skills",
        detect: [(Base::Project, ".promptscript"), (Base::Project, "promptscript.yaml")], docs: SKILLS_CLI),
    agent!("qoder", "Qoder", user: Some((Home, ".qoder/skills")), project: ".qoder/skills",
        detect: [(Home, ".qoder")], docs: SKILLS_CLI),
    agent!("qoder-cn", "Qoder CN", user: Some((Home, ".qoder-cn/skills")), project: ".qoder/skills",
        detect: [(Home, ".qoder-cn")], docs: SKILLS_CLI),
    agent!("qwen-code", "Qwen Code", user: Some((Home, ".qwen/skills")),
        project: ".qwen/skills", detect: [(Home, ".qwen")], docs: SKILLS_CLI),
    agent!("reasonix", "Reasonix", user: Some((Home, ".reasonix/skills")), project: ".reasonix/skills",
        detect: [(Home, ".reasonix")], docs: SKILLS_CLI),
    agent!("replit", "Replit", user: Some((Config, "agents/skills")), project: ".agents/skills",
        detect: [(Base::Project, ".replit")], docs: SKILLS_CLI),
    agent!("roo", "Roo Code", user: Some((Home, ".roo/skills")), project: ".roo/skills",
        detect: [(Home, ".roo")], docs: SKILLS_CLI),
    agent!("rovodev", "Rovo Dev", user: Some((Home, ".rovodev/skills")),
        project: ".rovodev/skills", detect: [(Home, ".rovodev")], docs: SKILLS_CLI),
    agent!("sarvam-code", "Sarvam Code", user: Some((Home, ".agents/skills")), project: ".agents/skills",
        detect: [(Home, ".sarvam")], docs: SKILLS_CLI),
    agent!("tabnine-cli", "Tabnine CLI", user: Some((Home, ".tabnine/agent/skills")),
        project: ".tabnine/agent/skills", detect: [(Home, ".tabnine")], docs: SKILLS_CLI),
    agent!("terramind", "Terramind", user: Some((Home, ".terramind/skills")), project: ".terramind/skills",
        detect: [(Home, ".terramind")], docs: SKILLS_CLI),
    agent!("tinycloud", "Tinycloud", user: Some((Home, ".tinycloud/skills")), project: ".tinycloud/skills",
        detect: [(Home, ".tinycloud")], docs: SKILLS_CLI),
    agent!("trae", "Trae", user: Some((Home, ".trae/skills")), project: ".trae/skills",
        detect: [(Home, ".trae")], docs: SKILLS_CLI),
    agent!("trae-cn", "Trae CN", user: Some((Home, ".trae-cn/skills")),
        project: ".trae/skills", detect: [(Home, ".trae-cn")], docs: SKILLS_CLI),
    agent!("warp", "Warp", user: Some((Home, ".agents/skills")), project: ".agents/skills",
        detect: [(Home, ".warp")], docs: SKILLS_CLI),
    agent!("windsurf", "Windsurf", user: Some((Home, ".codeium/windsurf/skills")),
        project: ".windsurf/skills", detect: [(Home, ".codeium/windsurf")], docs: SKILLS_CLI),
    agent!("zcode", "ZCode", user: Some((Home, ".zcode/skills")), project: ".zcode/skills",
        detect: [(Home, ".zcode")], docs: SKILLS_CLI),
    agent!("zed", "Zed", user: Some((Home, ".agents/skills")), project: ".agents/skills",
        detect: [(Config, "zed")], docs: SKILLS_CLI),
    agent!("zencoder", "Zencoder", user: Some((Home, ".zencoder/skills")),
        project: ".zencoder/skills", detect: [(Home, ".zencoder")], docs: SKILLS_CLI),
    agent!("zenflow", "Zenflow", user: Some((Home, ".zencoder/skills")), project: ".zencoder/skills",
        detect: [(Home, ".zencoder")], docs: SKILLS_CLI),
];

/// An agent that loads skills from folders: a row of [`TABLE`].
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Agent(u8);

impl fmt::Debug for Agent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Agent({})", self.id())
    }
}

/// Where a skill is installed: for the user, or for the project in the current folder.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scope {
    User,
    Project,
}

impl Agent {
    pub const CLAUDE_CODE: Agent = Agent(0);
    pub const CODEX: Agent = Agent(1);
    pub const GEMINI_CLI: Agent = Agent(2);

    /// Every agent of the table, in its order.
    pub fn all() -> impl Iterator<Item = Agent> {
        (0..TABLE.len() as u8).map(Agent)
    }

    /// Its row of the table.
    /// The skills folder of this agent inside a project (`.claude/skills`…), relative.
    pub fn project_folder(self) -> PathBuf {
        self.spec().project.split('/').collect()
    }

    pub fn spec(self) -> &'static AgentSpec {
        &TABLE[usize::from(self.0)]
    }

    /// The name used on the command line and in output.
    pub fn id(self) -> &'static str {
        self.spec().id
    }

    /// The product name, for messages such as "not visible to Claude Code".
    pub fn display_name(self) -> &'static str {
        self.spec().name
    }

    pub fn from_id(id: &str) -> Option<Agent> {
        Agent::all().find(|a| a.id() == id)
    }
}

impl fmt::Display for Agent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}

impl Scope {
    pub fn id(self) -> &'static str {
        match self {
            Scope::User => "user",
            Scope::Project => "project",
        }
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}

/// The environment the directory table is evaluated in, captured once so that
/// library code never reads process globals and tests can pass their own.
#[derive(Debug, Clone)]
pub struct Env {
    pub home: Option<PathBuf>,
    pub claude_config_dir: Option<PathBuf>,
    pub cwd: PathBuf,
    /// `$XDG_CONFIG_HOME` (empty counts as unset).
    pub xdg_config: Option<PathBuf>,
    /// What GitHub Actions tells a step about where it runs ([`GithubEnv`]).
    pub github: GithubEnv,
}

/// The GitHub Actions settings skillpack uses, read once at start-up like the rest of
/// [`Env`]; all unset outside Actions.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GithubEnv {
    /// `$GITHUB_STEP_SUMMARY`: the Markdown file shown as the job's summary.
    pub step_summary: Option<PathBuf>,
    /// Where the checked-out commit's files are browsed:
    /// `$GITHUB_SERVER_URL/$GITHUB_REPOSITORY/blob/$GITHUB_SHA/`, when all three are set.
    pub blob_url: Option<String>,
    /// The checkout (`$GITHUB_WORKSPACE`): links and SARIF locations are relative to it.
    pub workspace: Option<PathBuf>,
}

impl GithubEnv {
    /// From the values of `GITHUB_STEP_SUMMARY`, `GITHUB_SERVER_URL`, `GITHUB_REPOSITORY`
    /// and `GITHUB_SHA` (empty counts as unset).
    pub fn new(
        step_summary: Option<std::ffi::OsString>,
        server: Option<String>,
        repository: Option<String>,
        sha: Option<String>,
    ) -> GithubEnv {
        let set = |v: Option<String>| v.filter(|v| !v.is_empty());
        let blob_url = match (set(server), set(repository), set(sha)) {
            (Some(server), Some(repo), Some(sha)) => Some(format!(
                "{}/{repo}/blob/{sha}/",
                server.trim_end_matches('/')
            )),
            _ => None,
        };
        GithubEnv {
            step_summary: step_summary.filter(|v| !v.is_empty()).map(PathBuf::from),
            blob_url,
            workspace: None,
        }
    }

    /// The same settings, with `$GITHUB_WORKSPACE` as the caller read it (empty counts as
    /// unset; a relative value is ignored).
    pub fn with_workspace(mut self, dir: Option<std::ffi::OsString>) -> GithubEnv {
        self.workspace = dir.map(PathBuf::from).filter(|d| d.is_absolute());
        self
    }
}

impl Env {
    /// The environment from values the caller read: the home folder, `$CLAUDE_CONFIG_DIR`
    /// (empty counts as unset) and the current folder.
    pub fn new(
        home: Option<PathBuf>,
        claude_config_dir: Option<std::ffi::OsString>,
        cwd: PathBuf,
    ) -> Env {
        Env {
            home,
            claude_config_dir: claude_config_dir
                .filter(|v| !v.is_empty())
                .map(PathBuf::from),
            cwd,
            xdg_config: None,
            github: GithubEnv::default(),
        }
    }

    /// The same environment, with `$XDG_CONFIG_HOME` as the caller read it.
    pub fn with_xdg_config(mut self, dir: Option<std::ffi::OsString>) -> Env {
        self.xdg_config = dir.filter(|v| !v.is_empty()).map(PathBuf::from);
        self
    }

    /// The folder `base` names; `None` when the home folder is unknown.
    pub fn base(&self, base: Base) -> Option<PathBuf> {
        match base {
            Base::Home => self.home.clone(),
            Base::Config => self
                .xdg_config
                .clone()
                .or_else(|| self.home.as_ref().map(|h| h.join(".config"))),
            Base::ClaudeConfig => self.claude_dir(),
            Base::Project => Some(self.project_dir()),
        }
    }

    /// Whether `agent` looks installed on this machine: one of its configuration folders
    /// exists.
    pub fn is_detected(&self, agent: Agent) -> bool {
        agent.spec().detect.iter().any(|(base, rel)| {
            self.base(*base)
                .is_some_and(|b| b.join(rel).symlink_metadata().is_ok())
        })
    }

    /// The agents detected on this machine ([`Env::is_detected`]), in table order; the
    /// default agent (Claude Code) when none is.
    pub fn detected_agents(&self) -> Vec<Agent> {
        let found: Vec<Agent> = Agent::all().filter(|a| self.is_detected(*a)).collect();
        if found.is_empty() {
            vec![Agent::CLAUDE_CODE]
        } else {
            found
        }
    }

    /// The same environment, with the GitHub Actions settings `github`.
    pub fn with_github(mut self, github: GithubEnv) -> Env {
        self.github = github;
        self
    }

    /// Claude Code's configuration folder: `$CLAUDE_CONFIG_DIR`, else `~/.claude`.
    pub fn claude_dir(&self) -> Option<PathBuf> {
        self.claude_config_dir
            .clone()
            .or_else(|| self.home.as_ref().map(|h| h.join(".claude")))
    }

    /// The skills root of `agent` in `scope`; `None` when the home folder is unknown.
    pub fn skills_root(&self, agent: Agent, scope: Scope) -> Option<PathBuf> {
        match scope {
            Scope::User => {
                let (base, rel) = agent.spec().user?;
                self.base(base).map(|b| b.join(rel))
            }
            Scope::Project => Some(self.project_dir().join(agent.project_folder())),
        }
    }

    /// The project: the nearest folder from the current one up holding `.git` (not looking
    /// above the home folder), else the current folder itself.
    pub fn project_dir(&self) -> PathBuf {
        for dir in self.cwd.ancestors() {
            if dir.join(".git").exists() {
                return dir.to_path_buf();
            }
            if Some(dir) == self.home.as_deref() {
                break;
            }
        }
        self.cwd.clone()
    }

    /// The project-scope root as (project folder, path of the root inside it).
    pub fn project_root(&self, agent: Agent) -> (PathBuf, PathBuf) {
        (self.project_dir(), agent.project_folder())
    }

    /// The folders whose project-scope roots agents read: the current folder and each
    /// parent up to the repository root, nearest first. Searched once, for
    /// [`Env::roots_in`] to serve every agent.
    pub fn project_chain(&self) -> Vec<PathBuf> {
        let mut out = Vec::new();
        for dir in self.cwd.ancestors() {
            out.push(dir.to_path_buf());
            if dir.join(".git").exists() || Some(dir) == self.home.as_deref() {
                break;
            }
        }
        out
    }

    /// Every project-scope root `agent` reads, given the folders of [`Env::project_chain`]:
    /// the current folder and each parent up to the repository root, nearest first.
    pub fn roots_in(chain: &[PathBuf], agent: Agent) -> Vec<PathBuf> {
        let rel = agent.project_folder();
        chain.iter().map(|dir| dir.join(&rel)).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn env() -> Env {
        Env {
            home: Some(PathBuf::from("/h")),
            claude_config_dir: None,
            cwd: PathBuf::from("/p"),
            xdg_config: None,
            github: GithubEnv::default(),
        }
    }

    #[test]
    fn the_table_has_one_row_per_id_and_only_relative_folders() {
        let mut ids: Vec<&str> = TABLE.iter().map(|a| a.id).collect();
        ids.sort();
        let before = ids.len();
        ids.dedup();
        assert_eq!(ids.len(), before, "an id appears twice");
        for a in TABLE {
            let rels = a
                .user
                .iter()
                .map(|(_, r)| *r)
                .chain([a.project])
                .chain(a.detect.iter().map(|(_, r)| *r));
            for rel in rels {
                assert!(
                    !rel.starts_with('/') && !rel.split('/').any(|p| p == ".."),
                    "{}: {rel}",
                    a.id
                );
            }
            assert!(a.docs.starts_with("https://"), "{}", a.id);
            assert!(crate::skill::is_valid_name(a.id), "{}", a.id);
        }
        assert_eq!(Agent::from_id("claude-code"), Some(Agent::CLAUDE_CODE));
        assert_eq!(Agent::from_id("gemini-cli"), Some(Agent::GEMINI_CLI));
    }

    #[test]
    fn user_roots_follow_the_table() {
        let e = env();
        assert_eq!(
            e.skills_root(Agent::CLAUDE_CODE, Scope::User).unwrap(),
            Path::new("/h/.claude/skills")
        );
        assert_eq!(
            e.skills_root(Agent::CODEX, Scope::User).unwrap(),
            Path::new("/h/.agents/skills")
        );
        assert_eq!(
            e.skills_root(Agent::GEMINI_CLI, Scope::User).unwrap(),
            Path::new("/h/.gemini/skills")
        );
    }

    #[test]
    fn claude_config_dir_overrides_home() {
        let mut e = env();
        e.claude_config_dir = Some(PathBuf::from("/c"));
        assert_eq!(
            e.skills_root(Agent::CLAUDE_CODE, Scope::User).unwrap(),
            Path::new("/c/skills")
        );
    }

    #[test]
    fn github_links_need_server_repository_and_commit() {
        let g = GithubEnv::new(
            Some("/tmp/summary.md".into()),
            Some("https://github.com/".into()),
            Some("o/r".into()),
            Some("abc".into()),
        );
        assert_eq!(
            g.step_summary.as_deref(),
            Some(Path::new("/tmp/summary.md"))
        );
        assert_eq!(
            g.blob_url.as_deref(),
            Some("https://github.com/o/r/blob/abc/")
        );
        let g = GithubEnv::new(
            Some("".into()),
            None,
            Some("o/r".into()),
            Some("abc".into()),
        );
        assert_eq!(g, GithubEnv::default());
    }

    #[test]
    fn the_project_is_the_nearest_repository_else_the_current_folder() {
        let tmp = tempfile::tempdir().unwrap();
        let repo = tmp.path().join("repo");
        let deep = repo.join("a/b");
        std::fs::create_dir_all(&deep).unwrap();
        let at = |cwd: &Path| Env {
            cwd: cwd.to_path_buf(),
            home: Some(tmp.path().to_path_buf()),
            ..env()
        };
        assert_eq!(at(&deep).project_dir(), deep);
        std::fs::create_dir(repo.join(".git")).unwrap();
        assert_eq!(at(&deep).project_dir(), repo);
        assert_eq!(
            at(&deep)
                .skills_root(Agent::CLAUDE_CODE, Scope::Project)
                .unwrap(),
            repo.join(".claude/skills")
        );
        // Not above the home folder.
        std::fs::create_dir(tmp.path().join(".git")).unwrap();
        let home = tmp.path().join("home");
        let inside = home.join("notes");
        std::fs::create_dir_all(&inside).unwrap();
        let env = Env {
            cwd: inside.clone(),
            home: Some(home),
            ..env()
        };
        assert_eq!(env.project_dir(), inside);
    }

    #[test]
    fn project_roots_are_relative_to_cwd() {
        let e = env();
        assert_eq!(
            e.skills_root(Agent::CLAUDE_CODE, Scope::Project).unwrap(),
            Path::new("/p/.claude/skills")
        );
        assert_eq!(
            e.skills_root(Agent::GEMINI_CLI, Scope::Project).unwrap(),
            Path::new("/p/.agents/skills")
        );
        // No `.git` anywhere: every folder up to the file system's root.
        let chain = e.project_chain();
        assert_eq!(chain, [Path::new("/p"), Path::new("/")]);
        assert_eq!(
            Env::roots_in(&chain, Agent::CODEX),
            [Path::new("/p/.agents/skills"), Path::new("/.agents/skills")]
        );
    }
}
