//! `install --list`: the skills each source holds (name, folder, description), which would
//! not install and why, and the command that installs one; nothing installed.

use serde_json::json;

use skillpack::source::{self, Opened, Session, Spec};
use skillpack::text::escape;

use super::choose::{first_word, install_one, installs, kept_words, misnamed, open};
use super::install_args::InstallArgs;
use super::{Failure, Printer, column_width, pad};

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
                    "declared": f.declared, "installs": installs(f),
                })).collect::<Vec<_>>(),
                "collisions": source::listing::collisions(&opened.skills).into_iter()
                    .map(|(n, paths)| json!({"name": n, "paths": paths})).collect::<Vec<_>>(),
            }));
            continue;
        }
        render_list(p, arg, &opened, &kept_words(args, args.sha256.as_deref()));
    }
    if p.json {
        p.json_out(&json!({"version": skillpack::SCHEMA_VERSION, "sources": docs}));
    }
    Ok(())
}

fn render_list(p: &Printer, arg: &str, opened: &Opened, kept: &[String]) {
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
    for f in opened.skills.iter().filter(|f| misnamed(f)) {
        p.warn(format!(
            "{}/SKILL.md names the skill `{}`, not `{}` as its folder: it would not install until they agree",
            escape(&f.path),
            escape(f.declared.as_deref().unwrap_or_default()),
            escape(&f.name)
        ));
    }
    for f in opened
        .skills
        .iter()
        .filter(|f| !misnamed(f) && !installs(f))
    {
        p.warn(format!(
            "{}: `{}` is not a skill name (lowercase letters, digits and single hyphens, \
             not at either end): it would not install",
            escape(if f.path.is_empty() { "." } else { &f.path }),
            escape(&f.name)
        ));
    }
    for (name, paths) in source::listing::collisions(&opened.skills) {
        let installable = opened
            .skills
            .iter()
            .filter(|f| paths.contains(&f.path))
            .any(installs);
        p.warn(format!(
            "{} folders hold a skill named `{}`: {}{}",
            paths.len(),
            escape(&name),
            escape(
                &paths
                    .iter()
                    .map(|p| source::listing::path_word(p))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            match installable {
                true => "; name one by its path with --skill",
                false => "",
            }
        ));
    }
    if !p.quiet
        && let Some(word) = first_word(opened)
    {
        // A name several folders answer to would be refused: the command names the path.
        p.err(format!(
            "  {}: {}",
            p.dim("install one with"),
            escape(&install_one(arg, &word, kept))
        ));
    }
}
