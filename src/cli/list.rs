//! `skillpack list`: installed skills with version, source and state.

use std::process::ExitCode;

use clap::Args;
use serde_json::json;

use skillpack::install::{self, SourceRecord};
use skillpack::text::escape;

use super::{CmdResult, Printer, column_width, display_path, fit, pad, process_env};
use crate::TargetArgs;

pub(crate) const LONG_ABOUT: &str = "\
List the skills in a skills folder.

Each skill skillpack installed is re-hashed and shown as installed (intact), modified (files
changed or added), missing-files, or missing (the folder is gone); `--json` calls the first
state `ok`. Folders holding a SKILL.md that
skillpack did not install are shown as unmanaged; skillpack never touches them.";

pub(crate) const EXAMPLES: &str = "\
Examples:
  skillpack list
  skillpack list --scope project
  skillpack list --json | jq '.skills[] | select(.state != \"ok\")'";

#[derive(Debug, Args)]
pub struct ListArgs {
    #[command(flatten)]
    pub target: TargetArgs,
}

/// Where a skill came from, in a few words (a commit shortened to 12 characters). Not
/// escaped: the caller escapes it for the terminal.
pub(crate) fn source_label(s: &SourceRecord) -> String {
    match s {
        SourceRecord::Url { url, .. } => url.clone(),
        SourceRecord::Github {
            repo,
            reference,
            commit,
            ..
        } => match commit.as_deref() {
            Some(c) if c != reference => format!(
                "{repo}@{} ({})",
                prefix_chars(reference, 12),
                prefix_chars(c, 12)
            ),
            _ => format!("{repo}@{}", prefix_chars(reference, 12)),
        },
        SourceRecord::Git { url, reference, .. } => {
            format!("{url}#{}", prefix_chars(reference, 12))
        }
        SourceRecord::Path { path } | SourceRecord::File { path, .. } => path.clone(),
        SourceRecord::Embedded { .. } | SourceRecord::Index { .. } => s.kind().to_string(),
    }
}

/// The first `n` characters of `s` (not bytes: a record may hold any text).
fn prefix_chars(s: &str, n: usize) -> &str {
    match s.char_indices().nth(n) {
        Some((end, _)) => &s[..end],
        None => s,
    }
}

/// The widest state word, `missing-files`.
const STATE_WIDTH: usize = 13;

/// Versions longer than this are cut with `…`.
const MAX_VERSION_WIDTH: usize = 12;

/// One skill across the roots listed: its state in each, and the agents that have it.
struct Row<'a> {
    name: String,
    version: Option<String>,
    entry: Option<&'a install::LockEntry>,
    state: &'static str,
    agents: Vec<&'static str>,
    trees: Vec<&'a str>,
    /// Each root's copy.
    copies: Vec<Copy<'a>>,
}

/// One root's copy of a skill: the root, the agents that read it, its own state, and
/// what that root records of it.
struct Copy<'a> {
    dir: &'a std::path::Path,
    agents: Vec<&'static str>,
    state: &'static str,
    version: Option<String>,
    entry: Option<&'a install::LockEntry>,
}

pub(crate) fn run(p: &Printer, args: ListArgs) -> CmdResult {
    let env = process_env()?;
    let targets = super::agents::existing_roots(&env, &args.target)?;
    let root = targets[0].root.clone();
    let mut views = Vec::new();
    for t in &targets {
        let mut on_wait = p.on_wait();
        let view = install::view(&t.root, &mut on_wait).map_err(super::failure::install_failure)?;
        super::pipeline::say_recovered(p, view.recovered);
        views.push(view);
    }
    let mut rows: Vec<Row<'_>> = Vec::new();
    for (t, view) in targets.iter().zip(&views) {
        let lock = &view.lock;
        let mut here = Vec::new();
        for (name, entry) in &lock.skills {
            let state = if view.pending.contains(name) {
                "pending"
            } else {
                view.states.get(name).map_or("missing", |s| s.id())
            };
            here.push((name.clone(), entry.version.clone(), Some(entry), state));
        }
        for name in t.root.present_skills() {
            if !lock.skills.contains_key(&name) {
                let version =
                    skillpack::skill::SkillFile::read(&t.root.skill_dir(&name).join("SKILL.md"))
                        .ok()
                        .and_then(|f| f.meta().version);
                here.push((name, version, None, "unmanaged"));
            }
        }
        for (name, version, entry, state) in here {
            let tree = entry.map_or("", |e| e.tree.as_str());
            let copy = Copy {
                dir: &t.root.dir,
                agents: t.ids(),
                state,
                version: version.clone(),
                entry,
            };
            match rows.iter_mut().find(|r| r.name == name) {
                Some(r) => {
                    r.agents.extend(t.ids());
                    r.trees.push(tree);
                    r.copies.push(copy);
                    if r.state == "ok" && state != "ok" {
                        r.state = state;
                    }
                    if r.entry.is_none() {
                        r.entry = entry;
                    }
                }
                None => rows.push(Row {
                    name,
                    version,
                    entry,
                    state,
                    agents: t.ids(),
                    trees: vec![tree],
                    copies: vec![copy],
                }),
            }
        }
    }
    // Copies that are each intact but hold different trees.
    for r in &mut rows {
        if r.state == "ok" && r.trees.iter().any(|t| *t != r.trees[0]) {
            r.state = "differs";
        }
    }
    rows.sort_by(|a, b| a.name.cmp(&b.name));
    let several = targets.len() > 1;

    if p.json {
        p.json_out(&json!({
            "version": skillpack::SCHEMA_VERSION,
            "root": root.dir,
            "roots": targets.iter().map(|t| json!({"dir": t.root.dir, "agents": t.ids()})).collect::<Vec<_>>(),
            "skills": rows.iter().map(|r| json!({
                "name": r.name,
                "version": r.version,
                "managed": r.entry.is_some(),
                "state": r.state,
                "agents": r.agents,
                // The same recorded tree in every root, and each copy still that tree.
                "copies_agree": r.trees.iter().all(|t| *t == r.trees[0])
                    && (r.copies.len() < 2 || r.copies.iter().all(|c| c.state == "ok")),
                "copies": r.copies.iter().map(|c| json!({
                    "root": c.dir,
                    "agents": c.agents,
                    "state": c.state,
                    "version": c.version,
                    "tree": c.entry.map(|e| &e.tree),
                    "source": c.entry.map(|e| &e.source),
                })).collect::<Vec<_>>(),
                "source": r.entry.map(|e| &e.source),
                "tree": r.entry.map(|e| &e.tree),
                "installed_at": r.entry.map(|e| &e.installed_at),
            })).collect::<Vec<_>>(),
        }));
        return Ok(ExitCode::SUCCESS);
    }
    if rows.is_empty() {
        p.status_warn(
            "Empty",
            format!("no skills in {}", display_path(&env, &root.dir)),
        );
        if !p.quiet {
            let mut words = vec!["skillpack".to_string(), "install".to_string()];
            words.extend(super::restore::target_words(&args.target));
            p.err(format!(
                "  {}: `{}` installs account-management",
                p.dim("hint"),
                escape(&super::command(words.iter().map(String::as_str)))
            ));
        }
        return Ok(ExitCode::SUCCESS);
    }
    // Every cell but the state comes from records or skills: escaped before it is measured.
    let cells: Vec<(String, String, &str, String)> = rows
        .iter()
        .map(|r| {
            let source = r
                .entry
                .map(|e| p.path_text(&source_label(&e.source)))
                .unwrap_or_else(|| "-".into());
            (
                escape(&r.name).into_owned(),
                escape(r.version.as_deref().unwrap_or("-")).into_owned(),
                r.state,
                escape(&source).into_owned(),
            )
        })
        .collect();
    // NAME and STATE first, and never pushed off a narrow terminal: on a terminal a long
    // name or version is cut with `…` (the state column is as wide as its longest word).
    let cols = console::Term::stdout()
        .size_checked()
        .map_or(usize::MAX, |(_, c)| usize::from(c));
    let w = column_width(cells.iter().map(|c| c.0.as_str()), 4)
        .min(cols.saturating_sub(1 + 2 + STATE_WIDTH).max(12));
    let vw = column_width(cells.iter().map(|c| c.1.as_str()), 7);
    // A pipe gets every cell whole.
    let vw = if cols == usize::MAX {
        vw
    } else {
        vw.min(MAX_VERSION_WIDTH)
    };
    // With several roots, the agents that have each skill, in a column of their own.
    // A copy whose state is not the row's `ok` says so next to its agents, and one that
    // holds another tree than the first copy (the one VERSION and SOURCE describe) gives
    // its own version.
    let agents: Vec<String> = rows
        .iter()
        .map(|r| {
            let first = r.copies[0].entry.map(|e| e.tree.as_str());
            r.copies
                .iter()
                .map(|c| {
                    let ids = c.agents.join(",");
                    let tree = c.entry.map(|e| e.tree.as_str());
                    match c.state {
                        _ if r.copies.len() < 2 => ids,
                        "ok" if tree == first => ids,
                        "ok" => match c.version.as_deref() {
                            Some(v) if c.version != r.copies[0].version => {
                                format!("{ids}({})", escape(v))
                            }
                            _ => format!("{ids}(other files)"),
                        },
                        other => format!("{ids}({other})"),
                    }
                })
                .collect::<Vec<_>>()
                .join(",")
        })
        .collect();
    let aw = column_width(agents.iter().map(String::as_str), 6);
    let agents_cell = |a: &str| {
        if several {
            format!("{}  ", pad(a, aw))
        } else {
            String::new()
        }
    };
    p.out_row(p.bold(&format!(
        "{}  {}  {}  {}SOURCE",
        pad("NAME", w),
        pad("STATE", STATE_WIDTH),
        pad("VERSION", vw),
        agents_cell("AGENTS")
    )));
    for ((name, version, state, source), agents) in cells.iter().zip(&agents) {
        let source = format!("{}{source}", agents_cell(agents));
        // The human word for the `ok` state is the one the companions table uses.
        let painted = match *state {
            "ok" => p.green("installed"),
            "unmanaged" => p.dim(state),
            _ => p.red(state),
        };
        p.out_row(format!(
            "{}  {}  {}  {source}",
            pad(&fit(name, w), w),
            pad(&painted, STATE_WIDTH),
            pad(&fit(version, vw), vw)
        ));
    }
    for t in &targets {
        let agents = if several {
            format!(" ({})", t.ids().join(", "))
        } else {
            String::new()
        };
        p.out(p.dim(&format!(
            "root: {}{agents}",
            escape(&display_path(&env, &t.root.dir))
        )));
    }
    Ok(ExitCode::SUCCESS)
}
