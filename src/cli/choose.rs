//! Which skills of a source to install: `--skill NAME` (repeatable), `--skill '*'`, the
//! only one, a picker on a terminal, or an error naming them and the command; and
//! `--list`, which shows them and installs nothing.

use console::Term;
use serde_json::json;

use skillpack::source::{self, Fetched, Found, Opened, Pick, Session, SourceError, Spec};
use skillpack::text::escape;

use super::failure::source_failure;
use super::install_args::InstallArgs;
use super::picker::{self, Answer};
use super::pipeline::{confirm_unpinned, describe_resolved};
use super::source_hints;
use super::{Failure, Printer, column_width, command, pad};

/// Opens a source that may hold several skills (fetching it once); `None` for a catalog
/// name, which names one skill.
fn open(
    session: &mut Session<'_>,
    (arg, spec): (&str, &Spec),
    sha256: Option<&str>,
) -> Result<Option<Opened>, Failure> {
    let opened = match spec {
        Spec::Catalog { .. } => return Ok(None),
        Spec::Path(path) => session.open_path(path, sha256.map(str::to_string)),
        Spec::Url(url) => session.open_url(url, sha256),
        Spec::Github {
            repo,
            reference,
            path,
        } => session.open_github(repo, reference.as_deref(), path.as_deref(), sha256),
        Spec::Git {
            url,
            reference,
            path,
        } => session.open_git(url, reference.as_deref(), path.as_deref()),
    };
    opened
        .map(Some)
        .map_err(|e| source_hints::ref_not_found(&e, arg).unwrap_or_else(|| source_failure(e)))
}

/// What the user said of a SOURCE they typed: `--skill` and `--sha256`. A companion
/// installed after it gets neither.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Asked<'a> {
    pub skills: &'a [String],
    pub sha256: Option<&'a str>,
}

/// resolve + fetch for one SOURCE (`arg` as typed): the bundle of each skill to install,
/// `asked.skills` naming them in a source of several.
pub(crate) fn fetch_source(
    p: &Printer,
    session: &mut Session<'_>,
    (arg, spec): (&str, Spec),
    asked: Asked<'_>,
    args: &InstallArgs,
) -> Result<Vec<Fetched>, Failure> {
    let skills = asked.skills;
    // A local folder that is not itself a skill: what is found below it (a bounded search
    // that reads only SKILL.md files) is never installed unasked, even one skill alone.
    let folder_of_skills = matches!(&spec, Spec::Path(path)
        if std::fs::metadata(path).is_ok_and(|m| m.is_dir())
            && std::fs::symlink_metadata(path.join("SKILL.md")).is_err());
    let picks = p.interactive() && !args.yes;
    let Some(opened) = open(session, (arg, &spec), asked.sha256)? else {
        let Spec::Catalog { name, version } = spec else {
            unreachable!("only a catalog name opens to nothing")
        };
        let resolved = match version {
            Some(v) => session.resolve_version(&name, &v),
            None => session.resolve(&name, None),
        }
        .map_err(|e| {
            let mut flags = super::restore::target_words(&args.target);
            if let Some(index) = &args.fetch.index {
                flags.extend(["--index".into(), index.clone()]);
            }
            super::failure::source_failure_in(e, &flags)
        })?;
        describe_resolved(p, session, &resolved, args.fetch.index.as_deref());
        return Ok(vec![
            session.fetch_resolved(&resolved).map_err(source_failure)?,
        ]);
    };
    if let Some(commit) = opened.commit() {
        p.detail(format!("{} is commit {commit}", escape(&opened.shown)));
    }
    let pick = if skills.is_empty() {
        Pick::Only
    } else {
        Pick::Named(skills)
    };
    let chosen = match source::listing::pick(&opened.skills, pick, &opened.shown) {
        Ok(_) if folder_of_skills && skills.is_empty() && picks => ask(&opened)?,
        Ok(_) if folder_of_skills && skills.is_empty() => return Err(many(arg, &opened)),
        Ok(chosen) => chosen,
        Err(SourceError::ManySkills { .. }) if p.interactive() && !args.yes => ask(&opened)?,
        Err(SourceError::ManySkills { .. }) => return Err(many(arg, &opened)),
        Err(e @ SourceError::AmbiguousSkill { .. }) => {
            let flags = super::restore::target_words(&args.target);
            return Err(Failure {
                kind: Some(e.kind().into()),
                ..source_hints::failure(&e, Some((arg, &flags)))
            });
        }
        Err(e) => return Err(source_failure(e)),
    };
    if let Some(first) = opened.archive()
        && matches!(spec, Spec::Url(_))
        && asked.sha256.is_none()
        && first.signed_by.is_none()
    {
        confirm_unpinned(p, first, args.yes, args.dry_run)?;
    }
    let limits = super::fetch::limits(&args.fetch.limits);
    chosen
        .iter()
        .map(|f| opened.take(f, &limits).map_err(source_failure))
        .collect()
}

/// The picker over a source's skills; none chosen is a failure that installs nothing.
fn ask(opened: &Opened) -> Result<Vec<Found>, Failure> {
    let items: Vec<(String, String)> = opened
        .skills
        .iter()
        .map(|f| {
            (
                escape(&f.name).into_owned(),
                escape(&f.description).into_owned(),
            )
        })
        .collect();
    let prompt = format!("Install which skills of {}?", escape(&opened.shown));
    match picker::pick(&Term::stderr(), &prompt, &items) {
        Ok(Answer::Chosen(picked)) if !picked.is_empty() => {
            let chosen: Vec<Found> = picked.iter().map(|i| opened.skills[*i].clone()).collect();
            if let Some((name, paths)) = source::listing::collisions(&chosen).into_iter().next() {
                return Err(source_failure(SourceError::AmbiguousSkill {
                    name,
                    repo: opened.shown.clone(),
                    paths,
                }));
            }
            Ok(chosen)
        }
        Ok(Answer::Interrupted) => Err(Failure::interrupted("interrupted: nothing was installed")),
        _ => Err(Failure::new("no skill chosen: nothing was installed")),
    }
}

/// The error for a source of several skills when nothing says which: the names, and the
/// commands that install one or all.
fn many(arg: &str, opened: &Opened) -> Failure {
    let names: Vec<&str> = opened.skills.iter().map(|f| f.name.as_str()).collect();
    let first = opened
        .skills
        .first()
        .map(|f| source::listing::word(&opened.skills, f))
        .unwrap_or_else(|| "NAME".into());
    Failure {
        kind: Some("several-skills".into()),
        ..Failure::usage(match names.len() {
            1 => format!(
                "`{}` is not a skill folder (no SKILL.md at its top), but holds one below it: {}",
                escape(&opened.shown),
                escape(names[0])
            ),
            n => format!(
                "`{}` holds {n} skills: {}",
                escape(&opened.shown),
                escape(&names.join(", "))
            ),
        })
        .hint(format!(
            "name the ones to install: `{}` (repeat --skill for more), or `{}` for all; --list shows them",
            command(["skillpack", "install", arg, "--skill", &first]),
            command(["skillpack", "install", arg, "--skill", "*"]),
        ))
    }
}

/// `install --list`: the skills each source holds (name, description, folder), nothing
/// installed.
pub(crate) fn list(
    p: &Printer,
    session: &mut Session<'_>,
    sources: &[(String, Spec)],
    args: &InstallArgs,
) -> Result<(), Failure> {
    let mut docs = Vec::new();
    for (arg, spec) in sources {
        let Some(opened) = open(session, (arg, spec), args.sha256.as_deref())? else {
            return Err(Failure::usage(format!(
                "`{arg}` is a catalog name: it names one skill, there is nothing to list"
            ))
            .hint("--list applies to a repository, a folder or a zip"));
        };
        if p.json {
            docs.push(json!({
                "source": arg,
                "shown": opened.shown,
                "commit": opened.commit(),
                "skills": opened.skills.iter().map(|f| json!({
                    "name": f.name, "description": f.description, "path": f.path,
                })).collect::<Vec<_>>(),
                "collisions": source::listing::collisions(&opened.skills).into_iter()
                    .map(|(n, paths)| json!({"name": n, "paths": paths})).collect::<Vec<_>>(),
            }));
            continue;
        }
        render_list(p, arg, &opened);
    }
    if p.json {
        p.json_out(&json!({"version": skillpack::SCHEMA_VERSION, "sources": docs}));
    }
    Ok(())
}

fn render_list(p: &Printer, arg: &str, opened: &Opened) {
    let count = opened.skills.len();
    p.status(
        "Found",
        format!(
            "{count} skill{} in {}",
            if count == 1 { "" } else { "s" },
            escape(&p.path_text(&opened.shown))
        ),
    );
    if count == 0 {
        return;
    }
    let cells: Vec<(String, String, String)> = opened
        .skills
        .iter()
        .map(|f| {
            let path = if f.path.is_empty() { "." } else { &f.path };
            (
                escape(&f.name).into_owned(),
                escape(path).into_owned(),
                escape(&f.description).into_owned(),
            )
        })
        .collect();
    let w = column_width(cells.iter().map(|c| c.0.as_str()), 4);
    let pw = column_width(cells.iter().map(|c| c.1.as_str()), 4);
    p.out_row(p.bold(&format!(
        "{}  {}  DESCRIPTION",
        pad("NAME", w),
        pad("PATH", pw)
    )));
    for (name, path, description) in &cells {
        p.out_row(format!(
            "{}  {}  {description}",
            pad(name, w),
            pad(path, pw)
        ));
    }
    for (name, paths) in source::listing::collisions(&opened.skills) {
        p.warn(format!(
            "{} folders hold a skill named `{}`: {}; name one by its path with --skill",
            paths.len(),
            escape(&name),
            escape(
                &paths
                    .iter()
                    .map(|p| source::listing::path_word(p))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        ));
    }
    if !p.quiet {
        // A name several folders answer to would be refused: the command names the path.
        let word = source::listing::word(&opened.skills, &opened.skills[0]);
        p.err(format!(
            "  {}: {}",
            p.dim("install one with"),
            escape(&command(["skillpack", "install", arg, "--skill", &word]))
        ));
    }
}
