//! What `update` records for a skill that is up to date: a key named on the command line
//! that now vouches for its source in place of the recorded one, and the commit its branch
//! has moved to when the skill's tree did not change.

use skillpack::agents::Env;
use skillpack::install::amend::{Amend, amend_record};
use skillpack::install::{LockEntry, Root};
use skillpack::sign::TrustedKey;
use skillpack::source::SourceRecord;
use skillpack::text::escape;

use super::failure::install_failure;
use super::update_fetch::UpdateArgs;
use super::{Failure, Printer};

/// The changes to the record of an up-to-date skill; empty when there are none.
#[derive(Debug, Default)]
pub(crate) struct Renewed {
    /// The key that verified the source this time, named on the command line, when it is
    /// not the recorded one.
    pub(crate) key: Option<TrustedKey>,
    /// The source as resolved this time, when its branch moved to another commit.
    pub(crate) source: Option<SourceRecord>,
}

impl Renewed {
    /// What changed for `entry`, up to date: `signed_by` verified its source this time,
    /// which resolved to `source` (when fetched).
    pub(crate) fn of(
        env: &Env,
        args: &UpdateArgs,
        entry: &LockEntry,
        signed_by: Option<&TrustedKey>,
        source: Option<&SourceRecord>,
    ) -> Renewed {
        // Only a key the user named replaces a recorded one (a key trusted in general, from
        // the environment, does not).
        let named = |k: &TrustedKey| {
            args.fetch.trusted_keys.iter().any(|arg| {
                TrustedKey::from_arg(arg, &env.cwd).is_ok_and(|given| given.id() == k.id())
            })
        };
        let key = signed_by
            .filter(|k| entry.key.as_deref() != Some(k.base64()) && named(k))
            .cloned();
        let source = source
            .filter(|s| s.commit().is_some() && s.commit() != entry.source.commit())
            .cloned();
        Renewed { key, source }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.key.is_none() && self.source.is_none()
    }

    /// The new commit, when the branch moved.
    pub(crate) fn commit(&self) -> Option<&str> {
        self.source.as_ref().and_then(SourceRecord::commit)
    }

    /// ` (now at commit 0123456789ab)` when the branch moved.
    pub(crate) fn at(&self) -> String {
        match self.commit() {
            Some(c) => format!(" (now at commit {})", &c[..c.len().min(12)]),
            None => String::new(),
        }
    }

    /// Records the changes in `root`'s lock.json, when `entry` is recorded there with the
    /// same tree.
    pub(crate) fn record(
        &self,
        p: &Printer,
        root: &Root,
        entry: &LockEntry,
    ) -> Result<bool, Failure> {
        let change = Amend {
            key: self.key.as_ref().map(TrustedKey::base64),
            source: self.source.as_ref(),
        };
        let mut on_wait = p.on_wait();
        amend_record(root, &entry.name, &entry.tree, &change, &mut on_wait).map_err(install_failure)
    }

    /// Says that `name` is now trusted by the new key, instead of `was`.
    pub(crate) fn say_key(&self, p: &Printer, name: &str, was: Option<&str>) {
        let Some(key) = &self.key else { return };
        let was = match was.map(TrustedKey::parse) {
            Some(Ok(k)) => format!(" (was key ID {})", k.id()),
            Some(Err(_)) => " (was another key)".to_string(),
            None => " (was unsigned)".to_string(),
        };
        p.status(
            "Trusted",
            format!("{}: now trusted by key ID {}{was}", escape(name), key.id()),
        );
    }
}
