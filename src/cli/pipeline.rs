//! The steps `install` and `update` share: describing what was resolved, confirming an
//! unpinned download, running the library pipeline, and rendering its report.

use serde_json::json;
use skillpack::agents::Env;
use skillpack::install::{self, Action, Report, Root};
use skillpack::source::{self, Fetched, Resolved, Session, SourceRecord};

use super::failure::install_failure;
use super::picker::{self, Answer};
use super::progress::human_size;
use super::{Failure, Printer, command, display_path};

/// The problems resolution passed over (an index that could not be read), as warnings.
pub(crate) fn say_warnings(p: &Printer, session: &mut Session<'_>) {
    for w in session.take_warnings() {
        match w {
            source::SourceError::SavedIndex { .. } => p.warn(w.to_string()),
            w => p.warn(format!("{w}; using the catalog compiled into skillpack")),
        }
    }
}

/// A `-v` line saying where a catalog name resolved to, after any warning the resolution
/// left (an index that could not be read, entries of the index `index` that were set aside).
pub(crate) fn describe_resolved(
    p: &Printer,
    session: &mut Session<'_>,
    resolved: &Resolved,
    index: Option<&str>,
) {
    say_warnings(p, session);
    // Read once per run already: this looks the index up again, it does not fetch it again.
    if let Some(spec) = index.filter(|i| !i.trim().is_empty())
        && let Ok(idx) = session.index(spec)
    {
        for name in &idx.ignored {
            p.warn_once(
                &format!("index-entry\0{spec}\0{name}"),
                format!(
                    "ignoring the entry `{name}` of the index {}: it is not a skill name (lowercase letters, digits and single hyphens)",
                    idx.shown()
                ),
            );
        }
    }
    match resolved {
        Resolved::Embedded => p.detail(format!("{} is compiled into skillpack", resolved.name())),
        Resolved::Catalog(e) => {
            if let source::catalog::Origin::Github { repo, commit, path } = &e.origin {
                p.detail(format!(
                    "{} {} is {path} of {repo} at {commit}",
                    e.name, e.version
                ));
            }
        }
        Resolved::Index {
            entry,
            index,
            signed_by,
            ..
        } => {
            if let Some(key) = signed_by {
                p.status(
                    "Verified",
                    format!("the signature of {index} by trusted key ID {}", key.id()),
                );
            }
            p.detail(format!(
                "{} {} comes from the index {index}",
                entry.name, entry.version
            ))
        }
    }
}

/// A download nothing vouches for is installed only when the user says so: on a terminal
/// by answering a question, elsewhere with `--yes`. Its digest is recorded either way.
/// `again` are the flags the pinned command repeats after `--sha256` (the skills chosen,
/// the skills root).
pub(crate) fn confirm_unpinned(
    p: &Printer,
    fetched: &Fetched,
    (yes, dry_run): (bool, bool),
    again: &[String],
) -> Result<(), Failure> {
    let url = match &fetched.source {
        SourceRecord::Url { url, .. } | SourceRecord::Index { url, .. } => url.as_str(),
        _ => "the download",
    };
    let digest = &fetched.sha256;
    if dry_run {
        p.warn(format!(
            "`{url}` is not pinned with --sha256; its sha256 is {digest}"
        ));
        return Ok(());
    }
    if yes {
        p.warn(format!(
            "installing `{url}` without --sha256; recording its sha256 {digest}"
        ));
        return Ok(());
    }
    let mut pinned = vec!["skillpack", "install", url, "--sha256", digest];
    pinned.extend(again.iter().map(String::as_str));
    let pin_hint = format!(
        "its sha256 is {digest}; if its publisher confirms that, run `{}`, or pass --yes to trust it as it is",
        command(pinned)
    );
    if p.interactive() {
        // The details on their own line (it may wrap: it is written once); the question
        // on one row, fitted to the terminal.
        p.warn(format!(
            "`{url}` is not pinned with --sha256; its sha256 is {digest}"
        ));
        let question = "Install it as it is, unpinned?";
        return match picker::confirm(&console::Term::stderr(), question) {
            Ok(Answer::Chosen(true)) => Ok(()),
            Ok(Answer::Interrupted) => Err(Failure::interrupted(format!(
                "interrupted: did not install `{url}`"
            ))),
            _ => Err(Failure::new(format!("did not install `{url}`")).hint(pin_hint)),
        };
    }
    Err(Failure {
        kind: Some("unpinned".into()),
        ..Failure::new(format!(
            "refusing to install `{url}` without --sha256: nothing vouches for its content"
        ))
        .hint(pin_hint)
    })
}

/// verify → inspect → stage → check → commit → record, with progress lines.
pub(crate) fn install_one(
    p: &Printer,
    env: &Env,
    root: &Root,
    session: &mut Session<'_>,
    fetched: &Fetched,
    opts: &install::Options,
    agents: &[&str],
) -> Result<Report, Failure> {
    let report = run_pipeline(p, root, session, fetched, opts)?;
    render(p, env, &report, agents);
    Ok(report)
}

/// The pipeline alone, reporting only waits for the root's lock and recovered debris.
pub(crate) fn run_pipeline(
    p: &Printer,
    root: &Root,
    session: &mut Session<'_>,
    fetched: &Fetched,
    opts: &install::Options,
) -> Result<Report, Failure> {
    p.detail(format!("archive sha256:{}", fetched.sha256));
    let mut on_wait = p.on_wait();
    let report = install::install_fetched(session, root, fetched, opts, &mut on_wait)
        .map_err(|e| in_archive(p, &fetched.source, e))?;
    // Said once the archive matched the digest the signed list gives, never before.
    if let (SourceRecord::Url { .. }, Some(key)) = (&fetched.source, &fetched.signed_by) {
        p.status(
            "Verified",
            format!(
                "the archive against SHA256SUMS signed by trusted key ID {}",
                key.id()
            ),
        );
    }
    say_recovered(p, report.recovered);
    Ok(report)
}

/// The archive whose entries a diagnostic names by their path inside it, as shown: a
/// local zip (`~/…`) or a URL. `None` for folders (their diagnostics name real files).
fn archive_of(p: &Printer, source: &SourceRecord) -> Option<String> {
    match source {
        SourceRecord::File { path, .. } => Some(p.path_text(path)),
        SourceRecord::Url { url, .. } => Some(url.clone()),
        _ => None,
    }
}

/// [`install_failure`], with a diagnostic about an entry of an archive naming the archive
/// first (`~/wn.zip: wrongname/SKILL.md:2:7: …`).
pub(crate) fn in_archive(p: &Printer, source: &SourceRecord, e: install::InstallError) -> Failure {
    use skillpack::skill::SkillError;
    let entry = match &e {
        install::InstallError::Skill(
            SkillError::Invalid { diagnostics } | SkillError::NotLoaded { diagnostics, .. },
        ) => diagnostics
            .first()
            .filter(|d| d.file.is_relative())
            .map(|d| d.file.display().to_string()),
        _ => None,
    };
    let mut f = install_failure(e);
    if let (Some(entry), Some(archive)) = (entry, archive_of(p, source)) {
        f.message = f
            .message
            .replacen(&entry, &format!("{archive}: {entry}"), 1);
    }
    f
}

/// A diagnostic as its Display writes it, with its file as the rest of the output shows
/// paths: `~/…`, or inside `archive` for an entry of one.
fn diagnostic_text(p: &Printer, archive: Option<&str>, d: &skillpack::skill::Diagnostic) -> String {
    let file = d.file.to_string_lossy();
    let at = match archive {
        _ if d.file.is_absolute() => p.path_text(&file),
        Some(archive) => format!("{archive}: {file}"),
        None => file.into_owned(),
    };
    let pos = if d.line > 0 {
        format!(":{}:{}", d.line, d.col)
    } else {
        String::new()
    };
    format!("{at}{pos}: {}[{}]: {}", d.severity, d.rule, d.message)
}

/// Says that `cleaned` folders left by an interrupted run were finished or removed.
pub(crate) fn say_recovered(p: &Printer, cleaned: usize) {
    if cleaned > 0 {
        p.status_warn(
            "Recovered",
            format!("cleaned {cleaned} folder(s) left by an interrupted run"),
        );
    }
}

/// The status line for what the pipeline did; `agents`, when given, are those the root
/// serves.
pub(crate) fn render(p: &Printer, env: &Env, report: &Report, agents: &[&str]) {
    let mut where_ = display_path(env, &report.path);
    if !agents.is_empty() {
        where_.push_str(&format!(" [{}]", agents.join(", ")));
    }
    let version = report
        .version
        .as_deref()
        .map(|v| format!(" {v}"))
        .unwrap_or_default();
    let what = format!("{}{version}", report.name);
    let size = format!(
        "{} file{}, {}",
        report.files,
        if report.files == 1 { "" } else { "s" },
        human_size(report.size)
    );
    match &report.action {
        Action::Installed => p.status("Installed", format!("{what} to {where_} ({size})")),
        // The recorded tree put back: what `verify`'s hint to reinstall leads to.
        Action::Updated { from, from_tree }
            if from_tree.as_deref() == Some(report.tree.as_str())
                && from.as_deref() == report.version.as_deref() =>
        {
            p.status(
                "Restored",
                format!("{what} at {where_} as it was recorded ({size})"),
            )
        }
        Action::Updated { from, .. } => p.status("Replaced", {
            let new = report.version.as_deref();
            let change = match (from.as_deref(), new) {
                (Some(old), Some(new)) if old != new => format!("{old} with {new}"),
                (Some(old), Some(_)) => {
                    format!(
                        "{old} with another copy of {old} (its files differ from those recorded)"
                    )
                }
                (Some(old), None) => format!("{old} with an unversioned copy"),
                (None, Some(new)) => format!("(unversioned) with {new}"),
                (None, None) => "(unversioned) with another copy".to_string(),
            };
            format!("{} {change} at {where_} ({size})", report.name)
        }),
        Action::Unchanged => p.status(
            "Up to date",
            format!("{what} is already installed at {where_}"),
        ),
        Action::WouldInstall { replaces } => p.status(
            "Would install",
            format!(
                "{what} to {where_} ({size}){}; nothing was changed",
                if *replaces { ", replacing it" } else { "" }
            ),
        ),
    }
    p.detail(format!("tree {}", report.tree));
    say_loaded_in_spite(p, report);
}

/// The problems the named agents load the skill in spite of, each once with the agents
/// it concerns: worth fixing, not a reason to refuse.
fn say_loaded_in_spite(p: &Printer, report: &Report) {
    let archive = report.source.as_ref().and_then(|s| archive_of(p, s));
    let mut seen: Vec<(String, Vec<&str>)> = Vec::new();
    for (agent, d) in &report.warnings {
        let text = diagnostic_text(p, archive.as_deref(), d);
        match seen.iter_mut().find(|(t, _)| *t == text) {
            Some((_, agents)) => agents.push(agent.display_name()),
            None => seen.push((text, vec![agent.display_name()])),
        }
    }
    for (text, agents) in seen {
        let verb = if agents.len() == 1 { "loads" } else { "load" };
        p.warn(format!(
            "{} {verb} {} in spite of: {}",
            agents.join(", "),
            report.name,
            skillpack::text::escape(&text)
        ));
    }
}

pub(crate) fn report_json(r: &Report, agents: &[&str]) -> serde_json::Value {
    json!({
        "agents": agents,
        "name": r.name,
        "version": r.version,
        "action": r.action.id(),
        "path": r.path,
        "tree": r.tree,
        "files": r.files,
        "size": r.size,
        "signed": r.signed_by.is_some(),
        "warnings": r.warnings.iter().map(|(a, d)| json!({
            "agent": a.id(), "rule": d.rule, "message": d.message,
            "file": d.file, "line": d.line, "column": d.col,
        })).collect::<Vec<_>>(),
        "key_id": r.signed_by.as_ref().map(|k| k.id().to_string()),
        "key": r.signed_by.as_ref().map(|k| k.base64()),
        // Only names that are skill names: the others were reported as ignored.
        "companions": r.companions.iter().filter(|c| skillpack::skill::is_valid_name(c)).collect::<Vec<_>>(),
    })
}
