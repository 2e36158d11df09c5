//! Which skills of a source to install: `--skill NAME` (repeatable), `--skill '*'`, the
//! only one, a picker on a terminal, or an error naming them and the command; and
//! the flags printed commands keep (`--list` is in [`super::source_list`]).

use console::Term;

use skillpack::source::{self, Fetched, Found, Opened, Pick, Session, SourceError, Spec};
use skillpack::text::escape;

use super::failure::source_failure;
use super::install_args::InstallArgs;
use super::picker::{self, Answer};
use super::pipeline::{confirm_unpinned, describe_resolved};
use super::source_hints;
use super::{Failure, Printer, command};

/// Opens a source that may hold several skills (fetching it once); `None` for a catalog
/// name, which names one skill.
pub(crate) fn open(
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
            for key in &args.fetch.trusted_keys {
                flags.extend(["--trusted-key".into(), key.clone()]);
            }
            flags.extend(super::fetch::limit_words(&args.fetch.limits));
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
    let kept = kept_words(args, asked.sha256);
    let pick = if skills.is_empty() {
        Pick::Only
    } else {
        Pick::Named(skills)
    };
    let chosen = match source::listing::pick(&opened.skills, pick, &opened.shown) {
        Ok(_) if folder_of_skills && skills.is_empty() && picks => ask(&opened)?,
        Ok(_) if folder_of_skills && skills.is_empty() => return Err(many(arg, &opened, &kept)),
        Ok(chosen) => chosen,
        Err(SourceError::ManySkills { .. }) if p.interactive() && !args.yes => ask(&opened)?,
        Err(SourceError::ManySkills { .. }) => return Err(many(arg, &opened, &kept)),
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
        // The pinned command names the skills chosen, as typed or picked, and the root.
        let mut again: Vec<String> = match skills.is_empty() && opened.skills.len() > 1 {
            true => chosen
                .iter()
                .flat_map(|f| ["--skill".into(), source::listing::word(&opened.skills, f)])
                .collect(),
            false => skills
                .iter()
                .flat_map(|s| ["--skill".to_string(), s.clone()])
                .collect(),
        };
        again.extend(super::restore::target_words(&args.target));
        confirm_unpinned(p, first, (args.yes, args.dry_run), &again)?;
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

/// The flags a command printed for a source keeps from the command line, so that it works
/// as the first did: the archive digest given, the index and trusted keys, the skills root.
pub(crate) fn kept_words(args: &InstallArgs, sha256: Option<&str>) -> Vec<String> {
    let mut words: Vec<String> = Vec::new();
    if let Some(sha) = sha256 {
        words.extend(["--sha256".into(), sha.into()]);
    }
    if let Some(index) = &args.fetch.index {
        words.extend(["--index".into(), index.clone()]);
    }
    for key in &args.fetch.trusted_keys {
        words.extend(["--trusted-key".into(), key.clone()]);
    }
    words.extend(super::restore::target_words(&args.target));
    words
}

/// `skillpack install ARG --skill WORD KEPT…`, shell-quoted.
pub(crate) fn install_one(arg: &str, word: &str, kept: &[String]) -> String {
    let mut words = vec!["skillpack", "install", arg, "--skill", word];
    words.extend(kept.iter().map(String::as_str));
    command(words)
}

/// Whether `f` would be refused at install because its SKILL.md names another skill than
/// its folder (a skill at the source's root takes its name from SKILL.md).
pub(crate) fn misnamed(f: &Found) -> bool {
    !f.path.is_empty() && f.declared.as_deref().is_some_and(|d| d != f.name)
}

/// Whether the skill `f` would install: its folder's name is a skill name and its
/// SKILL.md agrees with it.
pub(crate) fn installs(f: &Found) -> bool {
    !misnamed(f) && skillpack::skill::is_valid_name(&f.name)
}

/// The `--skill` word of the first skill of `opened` that would install; `None` when each
/// names another skill than its folder.
pub(crate) fn first_word(opened: &Opened) -> Option<String> {
    opened
        .skills
        .iter()
        .find(|f| installs(f))
        .map(|f| source::listing::word(&opened.skills, f))
}

/// The error for a source of several skills when nothing says which: the names, and the
/// commands that install one or all, with the flags the user gave (`kept`).
fn many(arg: &str, opened: &Opened, kept: &[String]) -> Failure {
    let names: Vec<&str> = opened.skills.iter().map(|f| f.name.as_str()).collect();
    let failure = Failure {
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
    };
    let all_install = opened.skills.iter().all(installs);
    failure.hint(match first_word(opened) {
        Some(first) if all_install => format!(
            "name the ones to install: `{}` (repeat --skill for more), or `{}` for all; --list shows them",
            install_one(arg, &first, kept),
            install_one(arg, "*", kept),
        ),
        Some(first) => format!(
            "name the ones to install: `{}` (repeat --skill for more); --list shows them and which would not install",
            install_one(arg, &first, kept),
        ),
        None => "none of them would install (a folder whose name is not a skill name, or whose SKILL.md names another skill); `skillpack validate` shows how to fix them".into(),
    })
}
