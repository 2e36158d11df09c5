//! Agents × scopes → skills directories (DESIGN section 4).
//!
//! Pure path arithmetic: nothing here touches the file system except the
//! project-root search, which only asks whether a `.git` entry exists.

use std::fmt;
use std::path::{Path, PathBuf};

/// An agent that loads skills from folders.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Agent {
    ClaudeCode,
    Codex,
    GeminiCli,
}

/// Where a skill is installed: for the user, or for the project in the current folder.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scope {
    User,
    Project,
}

impl Agent {
    pub const ALL: [Agent; 3] = [Agent::ClaudeCode, Agent::Codex, Agent::GeminiCli];

    /// The name used on the command line and in output.
    pub fn id(self) -> &'static str {
        match self {
            Agent::ClaudeCode => "claude-code",
            Agent::Codex => "codex",
            Agent::GeminiCli => "gemini-cli",
        }
    }

    /// The product name, for messages such as "not visible to Claude Code".
    pub fn display_name(self) -> &'static str {
        match self {
            Agent::ClaudeCode => "Claude Code",
            Agent::Codex => "Codex",
            Agent::GeminiCli => "Gemini CLI",
        }
    }

    pub fn from_id(id: &str) -> Option<Agent> {
        Agent::ALL.into_iter().find(|a| a.id() == id)
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
        }
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
            github: GithubEnv::default(),
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
            Scope::User => match agent {
                Agent::ClaudeCode => self.claude_dir().map(|d| d.join("skills")),
                Agent::Codex => self.home.as_ref().map(|h| h.join(".agents").join("skills")),
                Agent::GeminiCli => self.home.as_ref().map(|h| h.join(".gemini").join("skills")),
            },
            Scope::Project => Some(self.project_dir().join(project_relative(agent))),
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
        (self.project_dir(), project_relative(agent))
    }

    /// Every project-scope root the agent reads: the current folder and each parent up
    /// to the repository root (the first folder holding `.git`), nearest first.
    pub fn project_roots(&self, agent: Agent) -> Vec<PathBuf> {
        let rel = project_relative(agent);
        let mut out = Vec::new();
        for dir in self.cwd.ancestors() {
            out.push(dir.join(&rel));
            if dir.join(".git").exists() || Some(dir) == self.home.as_deref() {
                break;
            }
        }
        out
    }
}

fn project_relative(agent: Agent) -> PathBuf {
    match agent {
        Agent::ClaudeCode => Path::new(".claude").join("skills"),
        Agent::Codex | Agent::GeminiCli => Path::new(".agents").join("skills"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env() -> Env {
        Env {
            home: Some(PathBuf::from("/h")),
            claude_config_dir: None,
            cwd: PathBuf::from("/p"),
            github: GithubEnv::default(),
        }
    }

    #[test]
    fn user_roots_follow_the_table() {
        let e = env();
        assert_eq!(
            e.skills_root(Agent::ClaudeCode, Scope::User).unwrap(),
            Path::new("/h/.claude/skills")
        );
        assert_eq!(
            e.skills_root(Agent::Codex, Scope::User).unwrap(),
            Path::new("/h/.agents/skills")
        );
        assert_eq!(
            e.skills_root(Agent::GeminiCli, Scope::User).unwrap(),
            Path::new("/h/.gemini/skills")
        );
    }

    #[test]
    fn claude_config_dir_overrides_home() {
        let mut e = env();
        e.claude_config_dir = Some(PathBuf::from("/c"));
        assert_eq!(
            e.skills_root(Agent::ClaudeCode, Scope::User).unwrap(),
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
                .skills_root(Agent::ClaudeCode, Scope::Project)
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
            e.skills_root(Agent::ClaudeCode, Scope::Project).unwrap(),
            Path::new("/p/.claude/skills")
        );
        assert_eq!(
            e.skills_root(Agent::GeminiCli, Scope::Project).unwrap(),
            Path::new("/p/.agents/skills")
        );
    }
}
