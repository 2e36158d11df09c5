//! `skillpack list`: installed skills with version, source and state.

use std::process::ExitCode;

use clap::Args;
use serde_json::json;

use skillpack::install::{self, SourceRecord};
use skillpack::text::escape;

use super::{CmdResult, Printer, column_width, display_path, pad, process_env, target_root};
use crate::TargetArgs;

pub(crate) const LONG_ABOUT: &str = "\
List the skills in a skills folder.

Each skill skillpack installed is re-hashed and shown as ok, modified (files changed or
added), missing-files, or missing (the folder is gone). Folders holding a SKILL.md that
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
        SourceRecord::Url { url } => url.clone(),
        SourceRecord::Github {
            repo, reference, ..
        } => {
            format!("{repo}@{}", prefix_chars(reference, 12))
        }
        SourceRecord::Path { path } | SourceRecord::File { path } => path.clone(),
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

pub(crate) fn run(p: &Printer, args: ListArgs) -> CmdResult {
    let env = process_env()?;
    let root = target_root(&env, &args.target)?;
    let mut on_wait = p.on_wait();
    let view = install::view(&root, &mut on_wait).map_err(super::failure::install_failure)?;
    super::pipeline::say_recovered(p, view.recovered);
    let lock = &view.lock;
    let mut rows = Vec::new();
    for (name, entry) in &lock.skills {
        let state = if view.pending.contains(name) {
            "pending"
        } else {
            view.states.get(name).map_or("missing", |s| s.id())
        };
        rows.push((name.clone(), entry.version.clone(), Some(entry), state));
    }
    for name in root.present_skills() {
        if !lock.skills.contains_key(&name) {
            let version =
                skillpack::skill::SkillFile::read(&root.skill_dir(&name).join("SKILL.md"))
                    .ok()
                    .and_then(|f| f.meta().version);
            rows.push((name, version, None, "unmanaged"));
        }
    }
    rows.sort_by(|a, b| a.0.cmp(&b.0));

    if p.json {
        p.json_out(&json!({
            "version": skillpack::SCHEMA_VERSION,
            "root": root.dir,
            "skills": rows.iter().map(|(name, version, entry, state)| json!({
                "name": name,
                "version": version,
                "managed": entry.is_some(),
                "state": state,
                "source": entry.map(|e| &e.source),
                "tree": entry.map(|e| &e.tree),
                "installed_at": entry.map(|e| &e.installed_at),
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
            p.err(format!(
                "  {}: `skillpack install` installs account-management",
                p.dim("hint")
            ));
        }
        return Ok(ExitCode::SUCCESS);
    }
    // Every cell but the state comes from records or skills: escaped before it is measured.
    let cells: Vec<(String, String, &str, String)> = rows
        .iter()
        .map(|(name, version, entry, state)| {
            let source = entry
                .map(|e| source_label(&e.source))
                .unwrap_or_else(|| "-".into());
            (
                escape(name).into_owned(),
                escape(version.as_deref().unwrap_or("-")).into_owned(),
                *state,
                escape(&source).into_owned(),
            )
        })
        .collect();
    let w = column_width(cells.iter().map(|c| c.0.as_str()), 4);
    let vw = column_width(cells.iter().map(|c| c.1.as_str()), 7);
    p.out_row(p.bold(&format!(
        "{}  {}  {:<13}  SOURCE",
        pad("NAME", w),
        pad("VERSION", vw),
        "STATE"
    )));
    for (name, version, state, source) in &cells {
        let painted = match *state {
            "ok" => p.green(state),
            "unmanaged" => p.dim(state),
            _ => p.red(state),
        };
        p.out_row(format!(
            "{}  {}  {}  {source}",
            pad(name, w),
            pad(version, vw),
            pad(&painted, 13)
        ));
    }
    p.out(p.dim(&format!("root: {}", escape(&display_path(&env, &root.dir)))));
    Ok(ExitCode::SUCCESS)
}
