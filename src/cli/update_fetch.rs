//! What `update` takes on the command line, and how a recorded skill is fetched again from
//! where it came from: shared by the update of a skills folder and of a project's lock.

use std::path::Path;

use clap::Args;
use skillpack::install::LockEntry;
use skillpack::sign::TrustedKey;
use skillpack::source::{Fetched, InRepo, Resolved, Session, SourceRecord};

use super::failure::source_failure;
use super::fetch::limits;
use super::pipeline::{confirm_unpinned, describe_resolved};
use super::{Failure, Printer};
use crate::{FetchArgs, TargetArgs};

#[derive(Debug, Args)]
pub struct UpdateArgs {
    /// Skills to update (default: every skill skillpack installed in the root)
    #[arg(value_name = "NAME")]
    pub names: Vec<String>,

    #[command(flatten)]
    pub target: TargetArgs,

    /// Replace skills even when they have local changes
    #[arg(long)]
    pub force: bool,

    /// Fetch and check newer versions, but change nothing
    #[arg(long)]
    pub dry_run: bool,

    /// Answer yes to every question
    #[arg(short, long)]
    pub yes: bool,

    #[command(flatten)]
    pub fetch: FetchArgs,
}

/// What fetching a recorded skill again found.
pub(crate) enum Refetch {
    /// Known to be up to date without installing anything: the key that verified its
    /// source this time, and the source as resolved this time (a branch's new commit), when
    /// they are known.
    Current {
        signed_by: Option<TrustedKey>,
        source: Option<SourceRecord>,
    },
    /// Something to run through the pipeline.
    Fetched(Fetched),
}

impl Refetch {
    fn current() -> Refetch {
        Refetch::Current {
            signed_by: None,
            source: None,
        }
    }

    fn current_as(fetched: Fetched) -> Refetch {
        Refetch::Current {
            signed_by: fetched.signed_by,
            source: Some(fetched.source),
        }
    }
}

/// Fetches `entry` again from where it came from; [`Refetch::Current`] when it is known to
/// be up to date without installing. A catalog or index entry that is not newer counts as
/// up to date.
pub(crate) fn refetch(
    p: &Printer,
    session: &mut Session<'_>,
    entry: &LockEntry,
    args: &UpdateArgs,
) -> Result<Refetch, Failure> {
    use skillpack::install::update::{self, Lookup, Verdict};
    match update::lookup(entry, args.fetch.index.as_deref()) {
        Lookup::Pinned(why) => {
            p.detail(format!("{} {why}", entry.name));
            Ok(Refetch::current())
        }
        Lookup::ByName { index } => {
            let resolved = session
                .resolve(&entry.name, index)
                .map_err(source_failure)?;
            describe_resolved(p, session, &resolved, index);
            match update::judge_resolved(entry, resolved.tree().as_deref(), resolved.version()) {
                Verdict::Current => Ok(Refetch::Current {
                    signed_by: match resolved {
                        Resolved::Index { signed_by, .. } => signed_by.map(|k| *k),
                        _ => None,
                    },
                    source: None,
                }),
                Verdict::InstalledIsNewer { installed, offered } => {
                    p.detail(format!(
                        "the installed {} is newer than {} offered for {}",
                        installed, offered, entry.name
                    ));
                    Ok(Refetch::current())
                }
                Verdict::Install => session
                    .fetch_resolved(&resolved)
                    .map(Refetch::Fetched)
                    .map_err(source_failure),
            }
        }
        Lookup::Github {
            repo,
            reference,
            path,
        } => session
            .fetch_github(repo, Some(reference), InRepo::Path(path), None)
            .map(Refetch::Fetched)
            .map_err(source_failure),
        Lookup::Git {
            url,
            reference,
            path,
        } => {
            let opened = session
                .open_git(url, Some(reference), None)
                .map_err(source_failure)?;
            let fetched = opened
                .take_path(path, &limits(&args.fetch.limits))
                .map_err(source_failure)?;
            if update::judge_fetched(entry, &fetched.sha256, &fetched.source) == Verdict::Current {
                return Ok(Refetch::current_as(fetched));
            }
            Ok(Refetch::Fetched(fetched))
        }
        Lookup::Url { url, folder } => {
            let opened = session.open_url(url, None).map_err(source_failure)?;
            let fetched = opened
                .take_path(folder, &limits(&args.fetch.limits))
                .map_err(source_failure)?;
            if update::judge_fetched(entry, &fetched.sha256, &fetched.source) == Verdict::Current {
                return Ok(Refetch::current_as(fetched));
            }
            if fetched.signed_by.is_none() {
                let mut again = Vec::new();
                if !folder.is_empty() {
                    again.extend(["--skill".to_string(), folder.to_string()]);
                }
                again.extend(super::restore::target_words(&args.target));
                confirm_unpinned(p, &fetched, (args.yes, args.dry_run), &again)?;
            }
            Ok(Refetch::Fetched(fetched))
        }
        Lookup::Local { path, folder } => {
            let opened = session
                .open_path(Path::new(path), None)
                .map_err(source_failure)?;
            let fetched = opened
                .take_path(folder, &limits(&args.fetch.limits))
                .map_err(source_failure)?;
            if update::judge_fetched(entry, &fetched.sha256, &fetched.source) == Verdict::Current {
                return Ok(Refetch::current_as(fetched));
            }
            Ok(Refetch::Fetched(fetched))
        }
    }
}
