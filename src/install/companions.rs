//! Companion discovery: where each companion of a skill is installed, whether the chosen
//! agent can see it there, or that it is missing. Reads folders only; installs nothing.
//!
//! Companion names come from skills, that is from whoever wrote them: only names that pass
//! the skill-name rule ([`crate::skill::is_valid_name`]) are looked for, shown or offered;
//! [`split_names`] tells the others apart so that they can be reported as ignored.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use crate::agents::{Agent, Env, Scope};
use crate::skill::{SkillFile, is_valid_name};
use crate::source::{Pick, Session, SourceRecord, embedded, listing};

/// Where a missing companion can be installed from: the repository of the skill that
/// recommends it (at the same commit), else the catalog or the index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// A folder of a GitHub repository, at `reference` (the commit, when it is known).
    Github {
        repo: String,
        reference: String,
        path: String,
    },
    /// A folder of a git repository, at `commit`.
    Git {
        url: String,
        commit: String,
        path: String,
    },
    /// A name the embedded catalog resolves.
    Catalog,
    /// A name the index at `index` resolves (as it was given: a URL or a path).
    Index { index: String },
    /// Nowhere skillpack looked: the places searched, for the user.
    Nowhere { searched: Vec<String> },
}

/// Where to install the companion `name` of a skill installed from `declarer` from: that
/// repository at the same commit (served from the archive the run already fetched), then
/// the catalog and the index (`index`, else the configured one).
pub fn locate(
    session: &mut Session<'_>,
    name: &str,
    declarer: Option<&SourceRecord>,
    index: Option<&str>,
) -> Origin {
    let mut searched = Vec::new();
    let wanted = [name.to_string()];
    let find = |opened: &crate::source::Opened| {
        listing::pick(&opened.skills, Pick::Named(&wanted), &opened.shown)
            .ok()
            .and_then(|mut v| v.pop())
            .filter(|f| f.name == name)
    };
    match declarer {
        Some(SourceRecord::Github {
            repo,
            reference,
            commit,
            index: None,
            ..
        }) => {
            let at = commit.clone().unwrap_or_else(|| reference.clone());
            searched.push(format!("{repo}@{at}"));
            if let Ok(opened) = session.open_github(repo, Some(&at), None, None)
                && let Some(found) = find(&opened)
            {
                return Origin::Github {
                    repo: repo.clone(),
                    reference: at,
                    path: found.path,
                };
            }
        }
        Some(SourceRecord::Git { url, commit, .. }) => {
            searched.push(format!("{url}#{commit}"));
            if let Ok(opened) = session.open_git(url, Some(commit), None)
                && let Some(found) = find(&opened)
            {
                return Origin::Git {
                    url: url.clone(),
                    commit: commit.clone(),
                    path: found.path,
                };
            }
        }
        _ => {}
    }
    match session.resolve(name, index) {
        Ok(crate::source::Resolved::Index { .. }) => {
            let index = index.or(session.configured_index()).unwrap_or_default();
            return Origin::Index {
                index: index.to_string(),
            };
        }
        Ok(_) => return Origin::Catalog,
        Err(_) => {}
    }
    searched.push("the catalog".into());
    if let Some(index) = index.or(session.configured_index()) {
        searched.push(format!("the index {index}"));
    }
    Origin::Nowhere { searched }
}

/// One place a companion was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    /// The skill folder.
    pub path: PathBuf,
    /// `user`, `project`, `plugin`, or `dir` for an explicit `--dir` root.
    pub scope: &'static str,
    /// The agent whose folder this is (`None` for plugin and explicit roots).
    pub agent: Option<Agent>,
    /// Whether the chosen agent loads skills from here.
    pub visible: bool,
    pub version: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Companion {
    pub name: String,
    /// Every place it was found, visible ones first.
    pub found: Vec<Found>,
}

impl Companion {
    /// Installed where the agent reads it.
    pub fn is_visible(&self) -> bool {
        self.found.iter().any(|f| f.visible)
    }

    pub fn is_missing(&self) -> bool {
        !self.is_visible()
    }

    /// `installed`, `not-visible` (only in folders the agent does not read) or `missing`.
    pub fn status(&self) -> &'static str {
        if self.is_visible() {
            "installed"
        } else if self.found.is_empty() {
            "missing"
        } else {
            "not-visible"
        }
    }
}

/// A skills folder to search, and what it means for the chosen agent.
#[derive(Debug, Clone)]
struct Place {
    root: PathBuf,
    scope: &'static str,
    agent: Option<Agent>,
    visible: bool,
}

/// The folders `agent` reads skills from, then other agents' folders, without duplicates.
fn places(env: &Env, agent: Agent, explicit: Option<&Path>) -> Vec<Place> {
    let mut out = Vec::new();
    if let Some(dir) = explicit {
        out.push(Place {
            root: dir.to_path_buf(),
            scope: "dir",
            agent: None,
            visible: true,
        });
    }
    let chain = env.project_chain();
    let add_agent = |a: Agent, visible: bool, out: &mut Vec<Place>| {
        if let Some(root) = env.skills_root(a, Scope::User) {
            out.push(Place {
                root,
                scope: "user",
                agent: Some(a),
                visible,
            });
        }
        for root in Env::roots_in(&chain, a) {
            out.push(Place {
                root,
                scope: "project",
                agent: Some(a),
                visible,
            });
        }
    };
    add_agent(agent, true, &mut out);
    if agent == Agent::CLAUDE_CODE {
        for root in plugin_skill_roots(env) {
            out.push(Place {
                root,
                scope: "plugin",
                agent: None,
                visible: true,
            });
        }
    }
    for other in Agent::all().filter(|a| *a != agent) {
        add_agent(other, false, &mut out);
    }
    let mut seen = BTreeSet::new();
    // Most agents' folders do not exist: one look at each root spares a look per name.
    out.retain(|p| seen.insert(p.root.clone()) && p.root.is_dir());
    out
}

/// `skills/` folders of Claude Code plugins under `<claude config>/plugins`.
fn plugin_skill_roots(env: &Env) -> Vec<PathBuf> {
    let Some(plugins) = env.claude_dir().map(|d| d.join("plugins")) else {
        return Vec::new();
    };
    if !plugins.is_dir() {
        return Vec::new();
    }
    let mut roots: Vec<PathBuf> = walkdir::WalkDir::new(&plugins)
        .max_depth(6)
        .follow_links(false)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_dir() && e.file_name() == "skills")
        .map(|e| e.into_path())
        .collect();
    roots.sort();
    roots
}

/// Declared companion names split into valid skill names and the rest (`..`, paths, shell
/// syntax, control characters…), each in declaration order.
pub fn split_names(names: &[String]) -> (Vec<String>, Vec<String>) {
    names.iter().cloned().partition(|n| is_valid_name(n))
}

/// Looks for each of `names` in every place `agent` reads skills, and in other agents'
/// folders. `explicit` is an additional root the user chose with `--dir`. A name that is not
/// a valid skill name is skipped: no path is built from it.
pub fn discover(
    env: &Env,
    agent: Agent,
    explicit: Option<&Path>,
    names: &[String],
) -> Vec<Companion> {
    if !names.iter().any(|n| is_valid_name(n)) {
        // Nothing to look for: not even a look at which folders exist.
        return Vec::new();
    }
    let places = places(env, agent, explicit);
    names
        .iter()
        .filter(|name| is_valid_name(name))
        .map(|name| {
            let mut found: Vec<Found> = places
                .iter()
                .filter_map(|p| {
                    let dir = p.root.join(name);
                    let version = match std::fs::symlink_metadata(&dir).ok()? {
                        // A link (made by hand, never by skillpack) is not followed: the
                        // agent may load what it points at, but nothing is read through it.
                        m if m.file_type().is_symlink() => None,
                        m if m.is_dir() => read_version(&dir)?,
                        _ => return None,
                    };
                    Some(Found {
                        version,
                        path: dir,
                        scope: p.scope,
                        agent: p.agent,
                        visible: p.visible,
                    })
                })
                .collect();
            found.sort_by_key(|f| !f.visible);
            Companion {
                name: name.clone(),
                found,
            }
        })
        .collect()
}

/// `Some(version)` when `dir` (a real folder) holds a `SKILL.md` that is a regular file,
/// read without following a link in its place and within the size a skill file may have;
/// `None` when there is no such file.
fn read_version(dir: &Path) -> Option<Option<String>> {
    let file = read_skill_file(dir)?;
    Some(file.ok().and_then(|f| f.meta().version))
}

/// The `SKILL.md` of the real folder `dir`, never through a link (the folder's or the
/// file's): `None` when there is none, `Some(Err(_))` when it cannot be read as one.
fn read_skill_file(dir: &Path) -> Option<Result<SkillFile, crate::skill::SkillError>> {
    if !std::fs::symlink_metadata(dir).ok()?.is_dir() {
        return None;
    }
    let md = dir.join("SKILL.md");
    if !std::fs::symlink_metadata(&md).ok()?.is_file() {
        return None;
    }
    Some(SkillFile::read_no_follow(&md))
}

/// The companions an installed skill declares, read from its `SKILL.md` (not through a
/// link).
pub fn declared(skill_dir: &Path) -> Option<Vec<String>> {
    read_skill_file(skill_dir)?
        .ok()
        .map(|f| f.meta().companions)
}

/// Why the companions of a skill cannot be looked up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unresolved {
    /// Not installed where the agent reads skills, and not in the catalog.
    Unknown,
    /// Its installed folder is a link (never read through) or holds no readable
    /// `SKILL.md`.
    Unreadable { path: PathBuf, link: bool },
}

/// The companions `name` declares: from its installed copy in a place the agent reads,
/// else from the catalog's embedded copy.
fn declared_by(
    env: &Env,
    agent: Agent,
    explicit: Option<&Path>,
    name: &str,
) -> Result<Vec<String>, Unresolved> {
    let found = discover(env, agent, explicit, &[name.to_string()]);
    if let Some(f) = found.first().and_then(|c| c.found.first()) {
        return declared(&f.path).ok_or_else(|| Unresolved::Unreadable {
            path: f.path.clone(),
            link: std::fs::symlink_metadata(&f.path).is_ok_and(|m| m.file_type().is_symlink()),
        });
    }
    if name == embedded::NAME {
        let file = SkillFile::parse(Path::new("SKILL.md"), embedded::skill_md().to_string());
        return Ok(file.meta().companions);
    }
    Err(Unresolved::Unknown)
}

/// The companion graph of a skill: each companion with the skill that declared it, and the
/// declared names that are not skill names, which are ignored (also with their declarer).
#[derive(Debug, Default)]
pub struct Graph {
    pub list: Vec<(String, Companion)>,
    pub ignored: Vec<(String, String)>,
}

/// Resolves the companion graph from `name`, `depth` levels deep, visiting each skill once
/// (companion graphs have cycles).
pub fn resolve(
    env: &Env,
    agent: Agent,
    explicit: Option<&Path>,
    name: &str,
    depth: u32,
) -> Result<Graph, Unresolved> {
    let mut visited: BTreeSet<String> = BTreeSet::from([name.to_string()]);
    let mut out = Vec::new();
    let mut ignored = Vec::new();
    let mut frontier = vec![name.to_string()];
    let root_declared = declared_by(env, agent, explicit, name)?;
    for level in 0..depth {
        let mut next = Vec::new();
        for parent in &frontier {
            let names = if level == 0 {
                root_declared.clone()
            } else {
                declared_by(env, agent, explicit, parent).unwrap_or_default()
            };
            let (valid, invalid) = split_names(&names);
            ignored.extend(invalid.into_iter().map(|n| (parent.clone(), n)));
            let fresh: Vec<String> = valid
                .into_iter()
                .filter(|n| visited.insert(n.clone()))
                .collect();
            for c in discover(env, agent, explicit, &fresh) {
                next.push(c.name.clone());
                out.push((parent.clone(), c));
            }
        }
        frontier = next;
    }
    Ok(Graph { list: out, ignored })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn skill(root: &Path, name: &str) {
        std::fs::create_dir_all(root.join(name)).unwrap();
        std::fs::write(
            root.join(name).join("SKILL.md"),
            format!("---\nname: {name}\ndescription: d\nmetadata:\n  version: \"2.0\"\n---\n"),
        )
        .unwrap();
    }

    #[test]
    fn finds_user_project_plugin_and_invisible_copies() {
        let tmp = tempfile::tempdir().unwrap();
        let home = tmp.path().join("home");
        let proj = tmp.path().join("proj");
        std::fs::create_dir_all(proj.join(".git")).unwrap();
        let env = Env {
            xdg_config: None,
            home: Some(home.clone()),
            claude_config_dir: None,
            cwd: proj.join("sub"),
            github: Default::default(),
        };
        skill(&home.join(".claude/skills"), "a");
        skill(&proj.join(".claude/skills"), "b");
        skill(&home.join(".claude/plugins/cache/x/y/skills"), "c");
        skill(&home.join(".agents/skills"), "d");
        let names: Vec<String> = ["a", "b", "c", "d", "e"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let got = discover(&env, Agent::CLAUDE_CODE, None, &names);
        let status: Vec<_> = got.iter().map(|c| (c.name.as_str(), c.status())).collect();
        assert_eq!(
            status,
            [
                ("a", "installed"),
                ("b", "installed"),
                ("c", "installed"),
                ("d", "not-visible"),
                ("e", "missing")
            ]
        );
        assert_eq!(got[0].found[0].scope, "user");
        assert_eq!(got[0].found[0].version.as_deref(), Some("2.0"));
        assert_eq!(got[1].found[0].scope, "project");
        assert_eq!(got[2].found[0].scope, "plugin");
        assert_eq!(got[3].found[0].agent, Some(Agent::CODEX));
        // The same folder seen from Codex is visible.
        let codex = discover(&env, Agent::CODEX, None, &names);
        assert_eq!(codex[3].status(), "installed");
        assert_eq!(codex[0].status(), "not-visible");
    }

    #[test]
    fn names_that_are_not_skill_names_are_never_looked_up() {
        let tmp = tempfile::tempdir().unwrap();
        let home = tmp.path().join("home");
        let env = Env {
            xdg_config: None,
            home: Some(home.clone()),
            claude_config_dir: None,
            cwd: tmp.path().to_path_buf(),
            github: Default::default(),
        };
        skill(&home.join(".claude/skills"), "a");
        let names: Vec<String> = ["a", "../skills/a", "x; rm -rf ~; #", "..", "b\u{1b}[2J"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let (valid, ignored) = split_names(&names);
        assert_eq!(valid, ["a"]);
        assert_eq!(ignored.len(), 4);
        let got = discover(&env, Agent::CLAUDE_CODE, None, &names);
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].name, "a");
    }

    fn skill_with(root: &Path, name: &str, companions: &str) {
        std::fs::create_dir_all(root.join(name)).unwrap();
        std::fs::write(
            root.join(name).join("SKILL.md"),
            format!(
                "---\nname: {name}\ndescription: d\nmetadata:\n  recommended_skills: \"{companions}\"\n---\n"
            ),
        )
        .unwrap();
    }

    #[test]
    fn the_graph_walk_visits_each_skill_once_to_the_depth_asked() {
        let tmp = tempfile::tempdir().unwrap();
        let home = tmp.path().join("home");
        let env = Env {
            xdg_config: None,
            home: Some(home.clone()),
            claude_config_dir: None,
            cwd: tmp.path().to_path_buf(),
            github: Default::default(),
        };
        let root = home.join(".claude/skills");
        // a -> b, c; b -> a (a cycle), d, ../x (not a name); c -> d; d -> e
        skill_with(&root, "a", "b, c");
        skill_with(&root, "b", "a ../x d");
        skill_with(&root, "c", "d");
        skill_with(&root, "d", "e");
        let names = |g: &Graph| -> Vec<(String, String)> {
            g.list
                .iter()
                .map(|(p, c)| (p.clone(), c.name.clone()))
                .collect()
        };
        let one = resolve(&env, Agent::CLAUDE_CODE, None, "a", 1).unwrap();
        assert_eq!(
            names(&one),
            [("a".into(), "b".into()), ("a".into(), "c".into())]
        );
        let two = resolve(&env, Agent::CLAUDE_CODE, None, "a", 2).unwrap();
        assert_eq!(
            names(&two),
            [
                ("a".into(), "b".into()),
                ("a".into(), "c".into()),
                ("b".into(), "d".into())
            ]
        );
        assert_eq!(two.ignored, [("b".to_string(), "../x".to_string())]);
        let deep = resolve(&env, Agent::CLAUDE_CODE, None, "a", 10).unwrap();
        let mut seen: Vec<String> = deep.list.iter().map(|(_, c)| c.name.clone()).collect();
        seen.sort();
        assert_eq!(
            seen,
            ["b", "c", "d", "e"],
            "each once, the cycle back to a cut"
        );
        assert!(
            resolve(&env, Agent::CLAUDE_CODE, None, "unknown", 1)
                .is_err_and(|e| e == Unresolved::Unknown)
        );
    }
}
