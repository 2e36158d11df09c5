//! Fetching a locked skill exactly as locked, and checking it in a scratch root before
//! anything real changes.

use skillpack::install::project::Locked;
use skillpack::install::sync::{self};
use skillpack::install::{self, Root};
use skillpack::source::Fetched;

use super::failure::install_failure;
use super::fetch::{install_options, limits};
use super::sync_args::SyncArgs;
use super::trust::Sessions;
use super::{Failure, Printer, command};

/// Fetches `entry` as locked, in the session that trusts its key.
pub(crate) fn fetch(
    p: &Printer,
    sessions: &mut Sessions<'_, '_>,
    entry: &Locked,
    base: &std::path::Path,
    trusted: bool,
    args: &SyncArgs,
) -> Result<Fetched, Failure> {
    let session = sessions.for_key(entry.key.as_deref(), index_of(entry))?;
    p.detail(format!("{} from {}", entry.name, entry.source.text()));
    let fetched = sync::fetch_locked(session, entry, base, trusted, &limits(&args.fetch.limits));
    super::pipeline::say_warnings(p, session);
    let fetched = fetched.map_err(|e| {
        let kind = e.kind();
        let f = match e {
            sync::SyncError::Source(s) => super::failure::source_failure(s),
            sync::SyncError::Key {
                ref name,
                signed_by: Some(ref key),
                ..
            } => {
                let hint = new_key_hint(name, key, args);
                Failure::new(e.to_string()).hint(hint)
            }
            other => Failure::new(other.to_string()),
        };
        Failure {
            kind: Some(kind.into()),
            ..f
        }
    })?;
    Ok(fetched)
}

/// How to trust `key`, which signed `name`'s source in place of the locked key: `update`
/// with that key named records it in the lock, after which sync accepts it.
fn new_key_hint(name: &str, key: &str, args: &SyncArgs) -> String {
    let scope = match args.lock {
        Some(_) => "user",
        None => "project",
    };
    let update = command([
        "skillpack",
        "update",
        name,
        "--scope",
        scope,
        "--trusted-key",
        key,
    ]);
    match &args.lock {
        None => format!(
            "if its publisher really changed keys, `{update}` records the new key in skillpack.lock; then sync again"
        ),
        Some(file) => format!(
            "if its publisher really changed keys, `{update}` records the new key for your skills, and `{} > {}` writes the lock again",
            command(["skillpack", "lock", "export", "--scope", "user"]),
            command([file.display().to_string().as_str()])
        ),
    }
}

/// A skills root in a temporary folder, where fetched skills are checked without
/// touching the real ones.
pub(crate) struct Scratch {
    _dir: tempfile::TempDir,
    root: Root,
}

impl Scratch {
    pub(crate) fn new() -> Result<Scratch, Failure> {
        let dir = tempfile::tempdir()
            .map_err(|e| Failure::new(format!("cannot create a temporary folder: {e}")))?;
        let root = Root::new(dir.path().join("skills"));
        Ok(Scratch { _dir: dir, root })
    }
}

/// Fetches `entry` as locked and runs it through the pipeline up to the check, in the
/// scratch root: the locked tree is verified and nothing real changes.
pub(crate) fn probe(
    p: &Printer,
    sessions: &mut Sessions<'_, '_>,
    entry: &Locked,
    base: &std::path::Path,
    trusted: bool,
    args: &SyncArgs,
    scratch: &Scratch,
) -> Result<Fetched, Failure> {
    let fetched = fetch(p, sessions, entry, base, trusted, args)?;
    let dry = install::Options {
        dry_run: true,
        ..install_options(&args.fetch.limits)
    };
    let session = sessions.for_key(entry.key.as_deref(), index_of(entry))?;
    install::install_fetched(session, &scratch.root, &fetched, &dry, &mut |_| {})
        .map_err(install_failure)?;
    Ok(fetched)
}

/// The index a locked name resolves through, when it came from one.
pub(crate) fn index_of(entry: &Locked) -> Option<&str> {
    match &entry.source {
        skillpack::install::project::Origin::Index(url) => Some(url.as_str()),
        _ => None,
    }
}
