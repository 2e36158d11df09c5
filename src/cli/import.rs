//! Importing the `skills` CLI's `skills-lock.json` into a new `skillpack.lock`: each GitHub
//! and git entry installed through skillpack, its `computedHash` checked first.

use std::collections::BTreeSet;
use std::path::Path;

use skillpack::agents::Env;
use skillpack::install::Kind;
use skillpack::install::Root;
use skillpack::install::import::{self, Existing, Plan};
use skillpack::install::project::ProjectLock;
use skillpack::source::{Fetched, Session};

use super::failure::{install_failure, source_failure};
use super::fetch::{install_options, limits};
use super::picker::{self, Answer};
use super::pipeline::{render, run_pipeline};
use super::project::{add_from_roots, lock_failure};
use super::sync_args::SyncArgs;
use super::trust::Sessions;
use super::{Failure, Printer, command, display_path};
use crate::TargetArgs;

const SKILLS_LOCK: &str = "skills-lock.json";

/// With `--from FILE`, or on a terminal when the project has a `skills-lock.json` and the
/// user agrees: imports it, writes `lock_path`, and returns the new lock. `None` when
/// there is nothing to import.
pub(crate) fn offer(
    p: &Printer,
    env: &Env,
    args: &SyncArgs,
    lock_path: &Path,
    sessions: &mut Sessions<'_, '_>,
) -> Result<Option<ProjectLock>, Failure> {
    let from = match &args.from {
        Some(f) => env.cwd.join(f),
        None => {
            let found = env.project_dir().join(SKILLS_LOCK);
            if args.lock.is_some() || !found.is_file() {
                return Ok(None);
            }
            let question = format!(
                "Import {} (the `skills` CLI's lock) into skillpack.lock?",
                display_path(env, &found)
            );
            let answer = if args.yes || !p.interactive() {
                None
            } else {
                picker::confirm(&console::Term::stderr(), &question).ok()
            };
            if let Some(Answer::Interrupted) = answer {
                return Err(Failure::interrupted("interrupted: nothing was imported"));
            }
            let yes = args.yes || matches!(answer, Some(Answer::Chosen(true)));
            if !yes {
                p.hint(format!(
                    "`{}` imports it",
                    command(["skillpack", "sync", "--from", SKILLS_LOCK])
                ));
                return Ok(None);
            }
            found
        }
    };
    let entries = import::load(&from).map_err(lock_failure)?;
    let target = TargetArgs {
        agent: args.agent.clone(),
        scope: args.scope.unwrap_or(crate::ScopeArg::Project),
        dir: None,
        agent_given: false,
        scope_given: true,
    };
    let targets = super::agents::target_roots(env, &target)?;
    let opts = skillpack::install::Options {
        force: args.force,
        ..install_options(&args.fetch.limits)
    };
    let mut imported = BTreeSet::new();
    let mut refused = Vec::new();
    for (name, entry) in &entries {
        let shown = skillpack::text::escape(name);
        let outcome = (|| {
            if !skillpack::skill::is_valid_name(name) {
                return Err(Failure::new(format!("`{shown}` is not a skill name")));
            }
            // What stands where each copy goes, seen without following a link: anything but
            // a real folder (or the `skills` CLI's link to its own copy) is refused before
            // anything is fetched, and left as it is.
            let copy = env.project_dir().join(".agents/skills").join(name);
            let mut before = Vec::new();
            for t in &targets {
                let found =
                    import::existing(&t.root, name, &opts.limits).map_err(install_failure)?;
                before.push(match found {
                    Existing::NotAFolder(Kind::Symlink)
                        if import::links_to(&t.root, name, &copy).map_err(install_failure)? =>
                    {
                        if !args.force {
                            return Err(layout_link(env, &t.root, name, &copy));
                        }
                        Before::Link
                    }
                    Existing::NotAFolder(kind) => {
                        return Err(not_a_folder(env, &t.root, name, kind));
                    }
                    // The folder the `skills` CLI copied, untouched since: replaced by the same files.
                    Existing::Folder(Some(h)) if h.eq_ignore_ascii_case(&entry.computed_hash) => {
                        Before::Copy
                    }
                    Existing::Folder(_) | Existing::Absent => Before::Other,
                });
            }
            let session = sessions.for_key(None, None)?;
            let mut fetched = fetch(session, name, &import::plan(entry), args)?;
            let (hash, tree) =
                import::hashes(&fetched, &opts.limits, &opts.scratch).map_err(install_failure)?;
            if !hash.eq_ignore_ascii_case(&entry.computed_hash) {
                return Err(Failure {
                    kind: Some("computed-hash".into()),
                    ..Failure::new(format!(
                        "{shown}: its source now holds other files than skills-lock.json recorded (computedHash {}, found {hash})",
                        skillpack::text::escape(&entry.computed_hash)
                    ))
                });
            }
            fetched.expected_tree = Some(tree);
            fetched.expected_name = Some(name.clone());
            for (t, before) in targets.iter().zip(before) {
                if before == Before::Link {
                    // Verified above: the link gives way to a copy of the same files.
                    import::remove_link(&t.root, name).map_err(install_failure)?;
                }
                let opts = skillpack::install::Options {
                    force: opts.force || before == Before::Copy,
                    ..opts.clone()
                };
                let report = run_pipeline(p, &t.root, session, &fetched, &opts)?;
                render(p, env, &report, &t.ids());
            }
            Ok(())
        })();
        match outcome {
            Ok(()) => {
                imported.insert(name.clone());
            }
            Err(f) => {
                // Each refusal says which entry it is about.
                let message = match f.message.starts_with(&format!("{shown}:")) {
                    true => f.message.clone(),
                    false => format!("{shown}: {}", f.message),
                };
                p.failure(&Failure {
                    message: format!("not imported: {message}"),
                    ..f
                });
                refused.push(name.clone());
            }
        }
    }
    let mut lock = ProjectLock::default();
    add_from_roots(p, &mut lock, &targets, Some(&imported), lock_path.parent())?;
    if imported.is_empty() {
        return Err(Failure::new(format!(
            "none of the {} entr{} of {} could be imported; nothing was installed and {} was not written",
            entries.len(),
            if entries.len() == 1 { "y" } else { "ies" },
            display_path(env, &from),
            display_path(env, lock_path)
        ))
        .hint(install_hints(&entries, &refused, &targets)));
    }
    super::lock_hold::amend(&mut p.on_wait(), lock_path, |now| {
        let now = now.get_or_insert_default();
        for e in lock.skills.values() {
            now.upsert(e.clone());
        }
        lock = now.clone();
        Ok(true)
    })?;
    p.status(
        "Imported",
        format!(
            "{} of {} skill(s) from {} into {}",
            imported.len(),
            entries.len(),
            display_path(env, &from),
            display_path(env, lock_path)
        ),
    );
    if !refused.is_empty() {
        return Err(Failure::new(format!(
            "{} entr{} of {} could not be imported; the others are installed and locked",
            refused.len(),
            if refused.len() == 1 { "y" } else { "ies" },
            display_path(env, &from)
        ))
        .hint(install_hints(&entries, &refused, &targets)));
    }
    Ok(Some(lock))
}

/// What stood where an imported skill goes.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Before {
    /// The `skills` CLI's link to its copy in `.agents/skills` (replaced, with --force).
    Link,
    /// The folder the `skills` CLI copied, unchanged since.
    Copy,
    /// Nothing, or a folder changed since (kept unless --force).
    Other,
}

/// The `skills` CLI's link to its own copy, met without --force.
fn layout_link(env: &Env, root: &Root, name: &str, copy: &Path) -> Failure {
    Failure {
        kind: Some("not-a-folder".into()),
        ..Failure::new(format!(
            "`{}` is a symbolic link to {} (the `skills` CLI's layout); skillpack keeps a verified copy in each agent's folder, and leaves the link as it is without --force",
            display_path(env, &root.skill_dir(name)),
            display_path(env, copy)
        ))
    }
    .hint(format!(
        "`{}` replaces the link with a verified copy of the same files",
        command(["skillpack", "sync", "--from", SKILLS_LOCK, "--force"])
    ))
}

/// The `skillpack install` of each entry of `refused`, for the agents of `targets`.
fn install_hints(
    entries: &std::collections::BTreeMap<String, import::Entry>,
    refused: &[String],
    targets: &[super::agents::Target],
) -> String {
    let agents: Vec<&str> = targets.iter().flat_map(|t| t.ids()).collect();
    let agents = agents.join(",");
    let lines: Vec<String> = refused
        .iter()
        .filter_map(|name| {
            let source = match import::plan(&entries[name]) {
                Plan::Github {
                    repo,
                    reference,
                    folder,
                } => {
                    let at = reference.map(|r| format!("@{r}")).unwrap_or_default();
                    match folder {
                        Some(f) => vec![format!("{repo}/{f}{at}")],
                        None => vec![format!("{repo}{at}"), "--skill".into(), name.clone()],
                    }
                }
                Plan::Git {
                    url,
                    reference,
                    folder,
                } => {
                    let at = reference.map(|r| format!("#{r}")).unwrap_or_default();
                    vec![
                        format!("{url}{at}"),
                        "--skill".into(),
                        folder.unwrap_or_else(|| name.clone()),
                    ]
                }
                Plan::Unsupported(_) | Plan::BadPath(_) => return None,
            };
            let mut words = vec!["skillpack", "install", "--scope", "project"];
            words.extend(source.iter().map(String::as_str));
            words.extend(["--agent", agents.as_str()]);
            Some(format!("{name}: `{}`", command(words)))
        })
        .collect();
    if lines.is_empty() {
        return "fix those entries in skills-lock.json, or install them with `skillpack install --scope project SOURCE`".into();
    }
    format!(
        "install each once what stopped it is dealt with: {}",
        lines.join("; ")
    )
}

/// A link, file or special file where an imported skill's folder goes.
fn not_a_folder(env: &Env, root: &Root, name: &str, kind: Kind) -> Failure {
    Failure {
        kind: Some("not-a-folder".into()),
        ..Failure::new(format!(
            "`{}` is {}, not a skill folder; it is left as it is",
            display_path(env, &root.skill_dir(name)),
            kind.describe()
        ))
    }
    .hint("remove it, then import again")
}

fn fetch(
    session: &mut Session<'_>,
    name: &str,
    plan: &Plan,
    args: &SyncArgs,
) -> Result<Fetched, Failure> {
    let limits = limits(&args.fetch.limits);
    let opened = match plan {
        Plan::Github {
            repo, reference, ..
        } => session.open_github(repo, reference.as_deref(), None, None),
        Plan::Git { url, reference, .. } => session.open_git(url, reference.as_deref(), None),
        Plan::Unsupported(why) => {
            return Err(Failure::new(format!("{name}: {why}"))
                .hint("skillpack installs it from a repository only"));
        }
        Plan::BadPath(why) => {
            return Err(Failure::new(format!("{name}: {why}")).hint(
                "fix its skillPath in skills-lock.json: the path of the skill's SKILL.md inside the repository",
            ));
        }
    }
    .map_err(source_failure)?;
    let folder = match plan {
        Plan::Github { folder, .. } | Plan::Git { folder, .. } => folder.clone(),
        Plan::Unsupported(_) | Plan::BadPath(_) => None,
    };
    opened
        .take_path(folder.as_deref().unwrap_or(name), &limits)
        .map_err(source_failure)
}
