//! `doctor`: which skills each agent really loads from the folders it reads, and why not.
//!
//! Which folders each agent reads, how it walks them and which copy of a name wins were
//! learned from the real clients (see [`crate::skill::loader`]); the verdict on each
//! `SKILL.md` comes from there. Skills skillpack manages are also re-hashed against the
//! record, and staging leftovers and records of vanished folders are reported. Nothing here
//! writes.

use std::collections::{BTreeMap, HashSet, VecDeque};
use std::path::{Path, PathBuf};

use serde::Serialize;

use super::layout::{Root, STATE_DIR};
use super::state::{TreeState, tree_state};
use crate::agents::{Agent, Env, Scope};
use crate::skill::loader::{self, Verdict};
use crate::skill::{Diagnostic, Severity};

/// A path in the JSON document: as text, with what is not UTF-8 in a file name replaced
/// by U+FFFD, as `validate` writes paths.
fn lossy<S: serde::Serializer>(path: &Path, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&path.to_string_lossy())
}

fn lossy_opt<S: serde::Serializer>(path: &Option<PathBuf>, s: S) -> Result<S::Ok, S::Error> {
    match path {
        Some(path) => lossy(path, s),
        None => s.serialize_none(),
    }
}

/// A finding, as the JSON document shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    pub rule: String,
    pub severity: Severity,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "lossy_opt")]
    pub file: Option<PathBuf>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub column: Option<usize>,
    /// The skill of skillpack's record the problem is about: the commands that deal with
    /// it (verify, uninstall) take this name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recorded: Option<String>,
    /// The folder the agent loads in this one's place (`shadowed`, `identical-copy`).
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "lossy_opt")]
    pub instead: Option<PathBuf>,
}

impl Problem {
    fn new(rule: &str, severity: Severity, message: impl Into<String>) -> Problem {
        Problem {
            rule: rule.into(),
            severity,
            message: message.into(),
            file: None,
            line: None,
            column: None,
            recorded: None,
            instead: None,
        }
    }

    fn at(mut self, file: &Path) -> Problem {
        self.file = Some(file.to_path_buf());
        self
    }

    fn recorded(mut self, name: &str) -> Problem {
        self.recorded = Some(name.to_string());
        self
    }
}

impl From<Diagnostic> for Problem {
    fn from(d: Diagnostic) -> Problem {
        Problem {
            rule: d.rule.into(),
            severity: d.severity,
            message: d.message,
            file: Some(d.file),
            line: (d.line > 0).then_some(d.line),
            column: (d.line > 0).then_some(d.col),
            recorded: None,
            instead: None,
        }
    }
}

/// One folder of a root and what the agent does with it.
#[derive(Debug, Clone, Serialize)]
pub struct SkillEntry {
    /// The folder, relative to the root (`.` for a `SKILL.md` in the root itself).
    pub folder: String,
    /// The name the agent lists it under, when it loads it.
    pub name: Option<String>,
    pub loads: bool,
    /// The `SKILL.md` the agent reads, when there is one.
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "lossy_opt")]
    pub file: Option<PathBuf>,
    /// The state against skillpack's record (`ok`, `modified`, …) when skillpack installed it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state: Option<&'static str>,
    pub problems: Vec<Problem>,
}

#[derive(Debug, Clone, Serialize)]
pub struct RootReport {
    #[serde(serialize_with = "lossy")]
    pub path: PathBuf,
    /// `user`, `project` or `plugin`.
    pub scope: &'static str,
    pub exists: bool,
    pub skills: Vec<SkillEntry>,
    /// Findings about the root rather than one folder: staging leftovers, records whose
    /// folder is gone.
    pub problems: Vec<Problem>,
}

/// A skill that only another agent's folders hold.
#[derive(Debug, Clone, Serialize)]
pub struct Elsewhere {
    pub name: String,
    #[serde(serialize_with = "lossy")]
    pub path: PathBuf,
    /// The agents that read it there.
    pub read_by: Vec<&'static str>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct AgentReport {
    pub agent: &'static str,
    pub roots: Vec<RootReport>,
    pub elsewhere: Vec<Elsewhere>,
    /// Findings about the agent's own files rather than a root: Claude Code's settings and
    /// plugin records, when they cannot be read.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub problems: Vec<Problem>,
}

impl AgentReport {
    /// Folders the agent will not load, but for identical copies of a skill it loads from
    /// another folder.
    pub fn not_loaded(&self) -> usize {
        self.roots
            .iter()
            .flat_map(|r| &r.skills)
            .filter(|s| !s.loads && !s.problems.iter().any(|p| p.rule == IDENTICAL_COPY))
            .count()
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub version: u32,
    pub agents: Vec<AgentReport>,
}

impl Report {
    /// Whether every folder in every root loads.
    pub fn all_load(&self) -> bool {
        self.agents.iter().all(|a| a.not_loaded() == 0)
    }
}

/// How an agent walks a root.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Walk {
    /// Claude Code: each folder directly in the root (hidden ones too), links followed.
    Children,
    /// Gemini CLI: `SKILL.md` and `*/SKILL.md` (not hidden folders), links followed.
    Glob,
    /// Codex: every folder below the root that is not hidden, links to folders followed,
    /// a `SKILL.md` that is a link ignored.
    Recursive,
}

/// Which copy of a name the agent keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Wins {
    /// The first root in order, the first folder in a root (Claude Code: user over project).
    First,
    /// The last root in order, the first folder in a root (Gemini CLI: project over user,
    /// `~/.agents/skills` over `~/.gemini/skills`).
    LastRoot,
    /// Every copy is listed (Codex).
    All,
}

fn walk_of(agent: Agent) -> (Walk, Wins) {
    match agent {
        Agent::CLAUDE_CODE => (Walk::Children, Wins::First),
        Agent::CODEX => (Walk::Recursive, Wins::All),
        Agent::GEMINI_CLI => (Walk::Glob, Wins::LastRoot),
        // Not observed: the folder's children, as the open standard describes.
        _ => (Walk::Children, Wins::First),
    }
}

/// Every root `agent` reads, in its order, with the scope of each.
pub fn roots(env: &Env, agent: Agent) -> Vec<(PathBuf, Scope)> {
    let home = |rel: &str| env.home.as_ref().map(|h| h.join(rel));
    let user: Vec<Option<PathBuf>> = match agent {
        Agent::CLAUDE_CODE => vec![env.claude_dir().map(|d| d.join("skills"))],
        Agent::CODEX => vec![home(".agents/skills"), home(".codex/skills")],
        Agent::GEMINI_CLI => vec![home(".gemini/skills"), home(".agents/skills")],
        _ => vec![env.skills_root(agent, Scope::User)],
    };
    let project: &[&str] = match agent {
        Agent::CLAUDE_CODE => &[".claude/skills"],
        Agent::CODEX => &[".agents/skills"],
        Agent::GEMINI_CLI => &[".gemini/skills", ".agents/skills"],
        _ => std::slice::from_ref(&agent.spec().project),
    };
    let mut out: Vec<(PathBuf, Scope)> = user
        .into_iter()
        .flatten()
        .map(|p| (p, Scope::User))
        .collect();
    // Gemini CLI reads the folders of its workspace, the folder it was started in, alone
    // (its `targetDir`); the others walk up to the repository root.
    let walks_up = agent != Agent::GEMINI_CLI;
    for rel in project {
        for dir in env.cwd.ancestors() {
            let root = dir.join(rel);
            if !out.iter().any(|(p, _)| *p == root) {
                out.push((root, Scope::Project));
            }
            if !walks_up || dir.join(".git").exists() || Some(dir) == env.home.as_deref() {
                break;
            }
        }
    }
    out
}

/// The most of one of Claude Code's settings or plugin records doctor reads.
const SETTINGS_CAP: u64 = 16 * 1024 * 1024;

/// The most folders a walk that descends (Codex's) visits under one root: Codex itself
/// stops there, and a link to `/` in a root must not make doctor walk the file system.
/// Both walk breadth first, so a cut-short walk has looked at every shallower folder.
const MAX_DIRS: usize = 2000;

/// How many folders below a root Codex looks for a `SKILL.md` in: `<root>/a/b/c/d/e/f/SKILL.md`
/// loads, one folder deeper does not.
const MAX_DEPTH: usize = 6;

/// The JSON in one of Claude Code's files (links followed, as Claude Code follows them);
/// null when it is missing or is not JSON. What is not a regular file (a FIFO, a device)
/// or is too large is never read, and is reported in `problems`.
fn read_json(path: &Path, problems: &mut Vec<Problem>) -> serde_json::Value {
    let why = match crate::durable::read_regular(path, true, SETTINGS_CAP) {
        Ok(Some(b)) => return serde_json::from_slice(&b).unwrap_or_default(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return serde_json::Value::Null;
        }
        Ok(None) => format!("it is over {} MiB", SETTINGS_CAP >> 20),
        Err(e) if e.kind() == std::io::ErrorKind::InvalidInput => {
            "it is not a regular file (a FIFO, socket or device)".to_string()
        }
        Err(e) => format!("it cannot be read: {e}"),
    };
    problems.push(
        Problem::new(
            "settings-unreadable",
            Severity::Warning,
            format!("{why}, so doctor did not read it and could not tell which plugin skills Claude Code loads; replace it with the file Claude Code writes"),
        )
        .at(path),
    );
    serde_json::Value::Null
}

/// The skills folders of the plugins Claude Code loads, as (plugin name, folder), in name
/// order: each plugin recorded in `plugins/installed_plugins.json` (at its `installPath`)
/// that the user's `settings.json` enables (`enabledPlugins`) and whose marketplace
/// `plugins/known_marketplaces.json` knows. Claude Code lists their skills as
/// `plugin:skill`. A file that could not be read is reported in `problems`.
pub fn plugin_roots(env: &Env, problems: &mut Vec<Problem>) -> Vec<(String, PathBuf)> {
    let Some(dir) = env.claude_dir() else {
        return Vec::new();
    };
    let settings = read_json(&dir.join("settings.json"), problems);
    let installed = read_json(&dir.join("plugins/installed_plugins.json"), problems);
    let markets = read_json(&dir.join("plugins/known_marketplaces.json"), problems);
    let mut out = Vec::new();
    let Some(plugins) = installed["plugins"].as_object() else {
        return out;
    };
    for (id, installs) in plugins {
        let Some((plugin, market)) = id.split_once('@') else {
            continue;
        };
        if settings["enabledPlugins"][id] != true || markets.get(market).is_none() {
            continue;
        }
        let path = installs
            .as_array()
            .into_iter()
            .flatten()
            .find(|i| i["scope"] == "user")
            .and_then(|i| i["installPath"].as_str());
        if let Some(path) = path {
            out.push((plugin.to_string(), Path::new(path).join("skills")));
        }
    }
    out.sort();
    out
}

/// What doctor looks at.
#[derive(Debug, Clone)]
pub struct Options {
    pub agents: Vec<Agent>,
    /// Only this scope's roots; `None`: all.
    pub scope: Option<Scope>,
}

/// Examines every root of every agent in `opts`.
pub fn examine(env: &Env, opts: &Options) -> Report {
    // Every agent is examined, so that a skill only another agent reads can be named.
    let every: Vec<Agent> = Agent::all().collect();
    // An agent not asked about counts only for the skills it loads. The agents whose
    // loader was not observed all read their folders the same way (see `walk_of`), so
    // those of them that read the same folders are examined once, as the first of them.
    let observed = [Agent::CLAUDE_CODE, Agent::CODEX, Agent::GEMINI_CLI];
    let mut first_reading: Vec<(Vec<(PathBuf, Scope)>, usize)> = Vec::new();
    let same_as: Vec<Option<usize>> = every
        .iter()
        .enumerate()
        .map(|(i, &agent)| {
            if opts.agents.contains(&agent) || observed.contains(&agent) {
                return None;
            }
            let read: Vec<(PathBuf, Scope)> = roots(env, agent)
                .into_iter()
                .filter(|(_, s)| opts.scope.is_none_or(|want| want == *s))
                .collect();
            match first_reading.iter().find(|(r, _)| *r == read) {
                Some((_, first)) => Some(*first),
                None => {
                    first_reading.push((read, i));
                    None
                }
            }
        })
        .collect();
    // Each agent's roots are looked at on their own: in parallel (the time goes waiting
    // on the file system), the order of the table kept.
    let examined: Vec<Option<AgentReport>> = {
        use rayon::prelude::*;
        every
            .par_iter()
            .zip(&same_as)
            .map(|(&agent, same)| {
                same.is_none()
                    .then(|| examine_agent(env, agent, opts.scope))
            })
            .collect()
    };
    let all: Vec<AgentReport> = examined
        .iter()
        .zip(&same_as)
        .zip(&every)
        .map(|((report, same), agent)| match (report, same) {
            (Some(r), _) => r.clone(),
            (None, Some(first)) => AgentReport {
                agent: agent.id(),
                ..examined[*first].clone().unwrap_or_default()
            },
            (None, None) => AgentReport::default(),
        })
        .collect();
    let mut agents = Vec::new();
    for (i, agent) in every.iter().enumerate() {
        if !opts.agents.contains(agent) {
            continue;
        }
        let mut report = all[i].clone();
        report.elsewhere = elsewhere(&all, i);
        agents.push(report);
    }
    Report {
        version: crate::SCHEMA_VERSION,
        agents,
    }
}

fn elsewhere(all: &[AgentReport], me: usize) -> Vec<Elsewhere> {
    let mine: HashSet<&str> = all[me]
        .roots
        .iter()
        .flat_map(|r| &r.skills)
        .filter(|s| s.loads)
        .filter_map(|s| s.name.as_deref())
        .collect();
    let my_roots: HashSet<&Path> = all[me].roots.iter().map(|r| r.path.as_path()).collect();
    let mut out: BTreeMap<(String, PathBuf), Vec<&'static str>> = BTreeMap::new();
    for (i, other) in all.iter().enumerate() {
        if i == me {
            continue;
        }
        for root in other
            .roots
            .iter()
            .filter(|r| !my_roots.contains(r.path.as_path()))
        {
            for s in root.skills.iter().filter(|s| s.loads) {
                let Some(name) = &s.name else { continue };
                if !mine.contains(name.as_str()) {
                    // Codex lists every copy: one agent is named once however many it reads.
                    let by = out.entry((name.clone(), root.path.clone())).or_default();
                    if !by.contains(&other.agent) {
                        by.push(other.agent);
                    }
                }
            }
        }
    }
    out.into_iter()
        .map(|((name, path), read_by)| Elsewhere {
            name,
            path,
            read_by,
        })
        .collect()
}

fn examine_agent(env: &Env, agent: Agent, scope: Option<Scope>) -> AgentReport {
    let (walk, wins) = walk_of(agent);
    let mut roots: Vec<RootReport> = roots(env, agent)
        .into_iter()
        .filter(|(_, s)| scope.is_none_or(|want| want == *s))
        .map(|(path, scope)| examine_root(agent, walk, &path, scope.id()))
        .collect();
    shadow(&mut roots, wins, agent);
    let mut problems = Vec::new();
    // Plugin skills are listed as `plugin:skill`, so they never shadow nor are shadowed.
    if agent == Agent::CLAUDE_CODE && scope.is_none_or(|s| s == Scope::User) {
        for (plugin, path) in plugin_roots(env, &mut problems) {
            let mut root = examine_root(agent, walk, &path, "plugin");
            for s in &mut root.skills {
                s.name = s.name.take().map(|n| format!("{plugin}:{n}"));
            }
            roots.push(root);
        }
    }
    AgentReport {
        agent: agent.id(),
        roots,
        elsewhere: Vec::new(),
        problems,
    }
}

/// The rule of a folder the agent passes over for another of the same name holding the
/// same files: nothing is lost, so it is a note and not a reason to fail.
pub const IDENTICAL_COPY: &str = "identical-copy";

/// Marks every copy of a name that the agent does not keep.
fn shadow(roots: &mut [RootReport], wins: Wins, agent: Agent) {
    if wins == Wins::All {
        return;
    }
    let mut keep: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    for (ri, root) in roots.iter().enumerate() {
        for (si, s) in root.skills.iter().enumerate() {
            let Some(name) = s.name.clone().filter(|_| s.loads) else {
                continue;
            };
            match keep.get(&name) {
                Some((kr, _)) if wins == Wins::First || *kr == ri => {}
                _ => {
                    keep.insert(name, (ri, si));
                }
            }
        }
    }
    let winners: Vec<(String, PathBuf)> = keep
        .iter()
        .map(|(n, (r, s))| (n.clone(), roots[*r].path.join(&roots[*r].skills[*s].folder)))
        .collect();
    for (ri, root) in roots.iter_mut().enumerate() {
        for (si, s) in root.skills.iter_mut().enumerate() {
            let Some(name) = s.name.clone().filter(|_| s.loads) else {
                continue;
            };
            if keep.get(&name) != Some(&(ri, si)) {
                let winner = winners.iter().find(|(n, _)| *n == name).map(|(_, p)| p);
                s.loads = false;
                let mine = root.path.join(&s.folder);
                let problem = match winner {
                    Some(w) if same_tree(w, &mine) => Problem::new(
                        IDENTICAL_COPY,
                        Severity::Note,
                        format!(
                            "{} loads `{name}` from {} instead, whose files are identical to these; one of the two copies may be removed",
                            agent.display_name(),
                            w.display()
                        ),
                    ),
                    _ => Problem::new(
                        "shadowed",
                        Severity::Warning,
                        format!(
                            "{} loads another skill named `{name}` instead, from {}; rename one of them",
                            agent.display_name(),
                            winner.map_or_else(String::new, |p| p.display().to_string())
                        ),
                    ),
                };
                let mut problem = problem;
                problem.instead = winner.cloned();
                s.problems.insert(0, problem);
            }
        }
    }
}

/// The largest file [`same_tree`] compares; past it, two folders are taken to differ.
const SAME_TREE_FILE_CAP: u64 = 16 * 1024 * 1024;

/// Whether folders `a` and `b` hold the same names, kinds of entry, file contents and link
/// targets (links not followed). Two paths to one folder are not copies: `false`.
fn same_tree(a: &Path, b: &Path) -> bool {
    if identity(a) == identity(b) {
        return false;
    }
    let list = |dir: &Path| {
        walkdir::WalkDir::new(dir)
            .min_depth(1)
            .follow_links(false)
            .sort_by_file_name()
            .into_iter()
            .collect::<Result<Vec<_>, _>>()
            .ok()
    };
    let (Some(xs), Some(ys)) = (list(a), list(b)) else {
        return false;
    };
    xs.len() == ys.len()
        && xs.iter().zip(&ys).all(|(x, y)| {
            let (tx, ty) = (x.file_type(), y.file_type());
            if x.path().strip_prefix(a).ok() != y.path().strip_prefix(b).ok()
                || tx.is_dir() != ty.is_dir()
                || tx.is_file() != ty.is_file()
                || tx.is_symlink() != ty.is_symlink()
            {
                return false;
            }
            if tx.is_symlink() {
                let (lx, ly) = (std::fs::read_link(x.path()), std::fs::read_link(y.path()));
                return lx.is_ok() && lx.ok() == ly.ok();
            }
            if tx.is_file() {
                return same_file_bytes(x.path(), y.path());
            }
            tx.is_dir()
        })
}

fn same_file_bytes(a: &Path, b: &Path) -> bool {
    let size = |p: &Path| std::fs::symlink_metadata(p).ok().map(|m| m.len());
    match (size(a), size(b)) {
        (Some(x), Some(y)) if x == y && x <= SAME_TREE_FILE_CAP => {}
        _ => return false,
    }
    match (std::fs::read(a), std::fs::read(b)) {
        (Ok(x), Ok(y)) => x == y,
        _ => false,
    }
}

/// A folder the walk found: where its `SKILL.md` would be, and why it is not a skill
/// when it is not.
struct Found {
    rel: String,
    dir: PathBuf,
    reason: Option<Problem>,
}

fn examine_root(agent: Agent, walk: Walk, path: &Path, scope: &'static str) -> RootReport {
    let mut report = RootReport {
        path: path.to_path_buf(),
        scope,
        exists: path.is_dir(),
        skills: Vec::new(),
        problems: Vec::new(),
    };
    if !report.exists {
        return report;
    }
    // Codex reports the skills of a linked root at the root's real path.
    let walked = match walk {
        Walk::Recursive if is_link(path) => path.canonicalize().unwrap_or_else(|_| path.into()),
        _ => path.to_path_buf(),
    };
    let mut walker = Walker {
        agent,
        walk,
        root: &walked,
        seen: HashSet::new(),
        out: Vec::new(),
        dirs: 0,
        queue: VecDeque::new(),
    };
    walker.walk(&walked);
    if walker.dirs > MAX_DIRS {
        report.problems.push(
            Problem::new(
                "walk-truncated",
                Severity::Warning,
                format!(
                    "{} looks at no more than {MAX_DIRS} folders under a root, and this one holds more: skills past them may not be listed; move what is not a skill out of it",
                    agent.display_name()
                ),
            )
            .at(path),
        );
    }
    for f in walker.out {
        report.skills.push(judge(agent, path, f));
    }
    managed(path, &mut report);
    report
}

/// The folders of `dir` in name order, as (name, path).
fn children(dir: &Path) -> Vec<(String, PathBuf)> {
    let mut out: Vec<(String, PathBuf)> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .filter_map(Result::ok)
        .map(|e| (e.file_name().to_string_lossy().into_owned(), e.path()))
        .collect();
    out.sort();
    out
}

/// A path with `/` between its parts on every system. Only Windows separates them with
/// `\`; elsewhere a `\` is part of a file name and stays.
fn slashes(p: String) -> String {
    if cfg!(windows) {
        p.replace('\\', "/")
    } else {
        p
    }
}

fn is_link(p: &Path) -> bool {
    p.symlink_metadata()
        .is_ok_and(|m| m.file_type().is_symlink())
}

/// One walk of a root: what it found, and the folders it has been through.
struct Walker<'a> {
    agent: Agent,
    walk: Walk,
    root: &'a Path,
    seen: HashSet<Identity>,
    out: Vec<Found>,
    /// Folders descended into, or that would have been; past [`MAX_DIRS`] the walk goes
    /// no deeper.
    dirs: usize,
    /// Folders still to look in, with their depth below the root.
    queue: VecDeque<(PathBuf, usize)>,
}

impl Walker<'_> {
    fn rel(&self, p: &Path) -> String {
        p.strip_prefix(self.root)
            .ok()
            .map(|r| slashes(r.to_string_lossy().into_owned()))
            .filter(|r| !r.is_empty())
            .unwrap_or_else(|| ".".into())
    }

    /// Walks `root` breadth first, as Codex does: a folder reached by two ways (a link
    /// back up the tree) is reported where it is nearest the root.
    fn walk(&mut self, root: &Path) {
        self.seen.insert(identity(root));
        self.queue.push_back((root.to_path_buf(), 0));
        // The top-level folders descended into, said to hold no skill when nothing was
        // found under them.
        let mut tops = Vec::new();
        while let Some((dir, depth)) = self.queue.pop_front() {
            if depth == 1 {
                tops.push(dir.clone());
            }
            self.find(&dir, depth);
        }
        for top in tops {
            if !self.out.iter().any(|f| f.dir.starts_with(&top)) {
                let rel = self.rel(&top);
                self.out.push(not_a_skill(rel, top));
            }
        }
        // In name order, folder by folder, the root's own SKILL.md first.
        self.out.sort_by(|a, b| {
            let key = |f: &Found| {
                (
                    f.rel != ".",
                    f.rel.split('/').map(str::to_owned).collect::<Vec<_>>(),
                )
            };
            key(a).cmp(&key(b))
        });
    }

    fn find(&mut self, dir: &Path, depth: usize) {
        let (agent, walk) = (self.agent, self.walk);
        let name = agent.display_name();
        if depth == 0 && dir.join("SKILL.md").is_file() {
            let skill_md = dir.join("SKILL.md");
            let reason = match walk {
                Walk::Children => Some(Problem::new(
                    "skill-md-in-root",
                    Severity::Error,
                    format!("{name} reads only <root>/<name>/SKILL.md; move this SKILL.md into a folder named after the skill"),
                ).at(&skill_md)),
                Walk::Recursive if is_link(&skill_md) => Some(linked_file(name, &skill_md)),
                _ => None,
            };
            self.out.push(Found {
                rel: ".".into(),
                dir: dir.to_path_buf(),
                reason,
            });
        }
        if depth > 0 && walk != Walk::Recursive {
            return;
        }
        for (child, path) in children(dir) {
            if depth == 0 && child == STATE_DIR {
                continue;
            }
            // Codex and Gemini CLI pass over every name that starts with `.`, links too.
            let hidden = child.starts_with('.');
            if hidden && walk != Walk::Children && !path.is_dir() {
                continue;
            }
            if is_link(&path) && !path.exists() {
                // Only where a skill folder would be: deeper, a link to nothing is a part
                // of whatever the folder holds, which the agent passes over.
                if depth == 0 {
                    self.out.push(Found {
                        rel: self.rel(&path),
                        dir: path.clone(),
                        reason: Some(
                            Problem::new(
                                "broken-link",
                                Severity::Error,
                                "a symbolic link to nothing; remove it or point it at the skill folder",
                            )
                            .at(&path),
                        ),
                    });
                }
                continue;
            }
            if !path.is_dir() {
                continue;
            }
            let skill_md = path.join("SKILL.md");
            let has_skill = skill_md.is_file();
            if hidden && walk != Walk::Children {
                if has_skill {
                    self.out.push(Found {
                        rel: self.rel(&path),
                        dir: path.clone(),
                        reason: Some(
                            Problem::new(
                                "hidden-folder",
                                Severity::Error,
                                format!(
                                    "{name} skips folders whose name starts with `.`; rename the folder"
                                ),
                            )
                            .at(&path),
                        ),
                    });
                }
                continue;
            }
            if !self.seen.insert(identity(&path)) {
                continue;
            }
            match walk {
                Walk::Recursive if has_skill && is_link(&skill_md) => {
                    let rel = self.rel(&path);
                    self.out.push(Found {
                        rel,
                        dir: path.clone(),
                        reason: Some(linked_file(name, &skill_md)),
                    });
                }
                Walk::Recursive if !has_skill && depth + 1 == MAX_DEPTH => {
                    // The last level Codex reads: a skill one folder further down is not
                    // listed, and is named here rather than passed over.
                    for (_, deeper) in children(&path) {
                        if deeper.join("SKILL.md").is_file() && !is_link(&deeper) {
                            self.out.push(Found {
                                rel: self.rel(&deeper),
                                dir: deeper.clone(),
                                reason: Some(
                                    Problem::new(
                                        "too-deep",
                                        Severity::Error,
                                        format!(
                                            "{name} looks for SKILL.md at most {MAX_DEPTH} folders below the root, and this one is deeper; move the skill folder up"
                                        ),
                                    )
                                    .at(&deeper),
                                ),
                            });
                        }
                    }
                }
                Walk::Recursive if !has_skill && depth + 1 < MAX_DEPTH => {
                    self.dirs += 1;
                    if self.dirs > MAX_DIRS {
                        // Past the cap nothing more is descended into; what is directly in
                        // the folders already listed still is.
                        continue;
                    }
                    self.queue.push_back((path.clone(), depth + 1));
                }
                _ if has_skill || depth == 0 => {
                    let rel = self.rel(&path);
                    self.out.push(Found {
                        rel,
                        dir: path.clone(),
                        reason: None,
                    });
                }
                _ => {}
            }
        }
    }
}

fn linked_file(name: &str, skill_md: &Path) -> Problem {
    Problem::new(
        "linked-skill-md",
        Severity::Error,
        format!(
            "SKILL.md is a symbolic link, which {name} does not follow; copy the file in its place"
        ),
    )
    .at(skill_md)
}

fn not_a_skill(rel: String, dir: PathBuf) -> Found {
    Found {
        rel,
        dir,
        reason: None,
    }
}

fn judge(agent: Agent, root: &Path, f: Found) -> SkillEntry {
    let skill_md = f.dir.join("SKILL.md");
    if let Some(reason) = f.reason {
        return SkillEntry {
            folder: f.rel,
            name: None,
            loads: false,
            file: skill_md.is_file().then_some(skill_md),
            state: None,
            problems: vec![reason],
        };
    }
    let folder = if f.rel == "." {
        root.file_name()
    } else {
        f.dir.file_name()
    }
    .map(|n| n.to_string_lossy().into_owned())
    .unwrap_or_default();
    let Verdict {
        loads,
        name,
        mut problems,
    } = crate::skill::judge(agent, &f.dir, &folder);
    if !skill_md.is_file() && agent != Agent::CODEX {
        problems.retain(|d| d.rule != loader::NOT_LOADED);
    }
    if depth_of(&f.rel) == 1 && !skill_md.is_file() && agent == Agent::CLAUDE_CODE {
        nested_hint(agent, &f.dir, &mut problems);
    }
    SkillEntry {
        folder: f.rel,
        name,
        loads,
        file: skill_md.is_file().then_some(skill_md),
        state: None,
        problems: problems.into_iter().map(Problem::from).collect(),
    }
}

fn depth_of(rel: &str) -> usize {
    rel.split('/').count()
}

/// A folder without a `SKILL.md` that holds skills further down: Claude Code and Gemini
/// CLI do not look there.
fn nested_hint(agent: Agent, dir: &Path, problems: &mut Vec<Diagnostic>) {
    let nested = walkdir::WalkDir::new(dir)
        .min_depth(2)
        .max_depth(4)
        .into_iter()
        .filter_map(Result::ok)
        .find(|e| e.file_name() == "SKILL.md");
    if let Some(e) = nested {
        problems.insert(
            0,
            Diagnostic {
                rule: "nested-skill",
                severity: Severity::Error,
                file: e.path().to_path_buf(),
                line: 0,
                col: 0,
                message: format!(
                    "{} reads only <root>/<name>/SKILL.md, not folders nested deeper; move `{}` up into the root",
                    agent.display_name(),
                    e.path().parent().unwrap_or(dir).display()
                ),
            },
        );
    }
}

/// skillpack's own record: modified or incomplete skills, records of vanished folders,
/// staging leftovers.
fn managed(path: &Path, report: &mut RootReport) {
    let root = Root::new(path);
    let read = match root.open_read() {
        Ok(Some(read)) => read,
        Ok(None) => return,
        Err(e) => {
            report.problems.push(state_problem(&e, &root));
            return;
        }
    };
    match super::lockfile::read_lock(&root) {
        Err(e) => report.problems.push(state_problem(&e, &root)),
        Ok(lock) => {
            for (name, entry) in &lock.skills {
                let state = tree_state(&read.root, path, entry);
                let skill = report.skills.iter_mut().find(|s| s.folder == *name);
                match (state, skill) {
                    (Ok(TreeState::Missing), _) | (_, None) => report.problems.push(
                        Problem::new(
                            "lock-entry-missing",
                            Severity::Warning,
                            format!("skillpack's record lists `{name}`, but its folder is gone"),
                        )
                        .at(&root.lock_file())
                        .recorded(name),
                    ),
                    (Ok(state), Some(skill)) => {
                        skill.state = Some(state.id());
                        if !state.is_ok() {
                            skill.problems.push(
                                Problem::new(
                                    state.id(),
                                    Severity::Warning,
                                    format!(
                                        "changed since skillpack installed it ({})",
                                        super::state::summarise(&state)
                                    ),
                                )
                                .recorded(name),
                            );
                        }
                    }
                    (Err(_), Some(_)) => {}
                }
            }
        }
    }
    let staging = root.staging_dir();
    for (child, p) in children(&staging) {
        report.problems.push(
            Problem::new(
                "staging-leftover",
                Severity::Warning,
                format!("`{child}` was left in skillpack's staging folder by an interrupted run; the next install cleans it, or delete it"),
            )
            .at(&p),
        );
    }
}

/// skillpack's record of a root cannot be read: what is wrong, and how to recover (the
/// error says both).
fn state_problem(e: &super::error::InstallError, root: &Root) -> Problem {
    let rule = match e {
        super::error::InstallError::NewerLock { .. } => "lock-newer",
        _ => "lock-damaged",
    };
    Problem::new(
        rule,
        Severity::Warning,
        format!("skillpack cannot tell which skills it installed here: {e}"),
    )
    .at(&root.lock_file())
}

/// What a folder is, whatever path reached it: its device and inode on Unix (one `stat`),
/// else its canonical path. A folder reached twice (through links, or a loop) is walked once.
#[derive(Debug, PartialEq, Eq, Hash)]
enum Identity {
    #[cfg(unix)]
    Inode(u64, u64),
    Path(PathBuf),
}

fn identity(path: &Path) -> Identity {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        if let Ok(m) = std::fs::metadata(path) {
            return Identity::Inode(m.dev(), m.ino());
        }
    }
    Identity::Path(path.canonicalize().unwrap_or_else(|_| path.to_path_buf()))
}
