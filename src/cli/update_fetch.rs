//! What `update` takes on the command line, and how a recorded skill is fetched again from
//! where it came from: shared by the update of a skills folder and of a project's lock.

use std::path::Path;

use clap::Args;
use skillpack::install::LockEntry;
use skillpack::source::{Fetched, InRepo, Session};

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

/// Fetches `entry` again from where it came from; `None` when it is known to be up to date
/// without a download. A catalog or index entry that is not newer counts as up to date.
pub(crate) fn refetch(
    p: &Printer,
    session: &mut Session<'_>,
    entry: &LockEntry,
    args: &UpdateArgs,
) -> Result<Option<Fetched>, Failure> {
    use skillpack::install::update::{self, Lookup, Verdict};
    match update::lookup(entry, args.fetch.index.as_deref()) {
        Lookup::Pinned(why) => {
            p.detail(format!("{} {why}", entry.name));
            Ok(None)
        }
        Lookup::ByName { index } => {
            let resolved = session
                .resolve(&entry.name, index)
                .map_err(source_failure)?;
            describe_resolved(p, session, &resolved, index);
            match update::judge_resolved(entry, resolved.tree().as_deref(), resolved.version()) {
                Verdict::Current => Ok(None),
                Verdict::InstalledIsNewer { installed, offered } => {
                    p.detail(format!(
                        "the installed {} is newer than {} offered for {}",
                        installed, offered, entry.name
                    ));
                    Ok(None)
                }
                Verdict::Install => session
                    .fetch_resolved(&resolved)
                    .map(Some)
                    .map_err(source_failure),
            }
        }
        Lookup::Github {
            repo,
            reference,
            path,
        } => session
            .fetch_github(repo, Some(reference), InRepo::Path(path), None)
            .map(Some)
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
                return Ok(None);
            }
            Ok(Some(fetched))
        }
        Lookup::Url { url, folder } => {
            let opened = session.open_url(url, None).map_err(source_failure)?;
            let fetched = opened
                .take_path(folder, &limits(&args.fetch.limits))
                .map_err(source_failure)?;
            if update::judge_fetched(entry, &fetched.sha256, &fetched.source) == Verdict::Current {
                return Ok(None);
            }
            if fetched.signed_by.is_none() {
                let mut again = Vec::new();
                if !folder.is_empty() {
                    again.extend(["--skill".to_string(), folder.to_string()]);
                }
                again.extend(super::restore::target_words(&args.target));
                confirm_unpinned(p, &fetched, (args.yes, args.dry_run), &again)?;
            }
            Ok(Some(fetched))
        }
        Lookup::Local { path, folder } => {
            let opened = session
                .open_path(Path::new(path), None)
                .map_err(source_failure)?;
            let fetched = opened
                .take_path(folder, &limits(&args.fetch.limits))
                .map_err(source_failure)?;
            if update::judge_fetched(entry, &fetched.sha256, &fetched.source) == Verdict::Current {
                return Ok(None);
            }
            Ok(Some(fetched))
        }
    }
}
