//! Trust on first use: a skill whose source a key verified at install is fetched again only
//! from a source that key signed, unless the user names another key on the command line
//! (`--trusted-key`; the keys of `SKILLPACK_TRUSTED_KEYS`, trusted for new sources, do not
//! replace a recorded one).

use std::collections::HashMap;

use skillpack::agents::Env;
use skillpack::install::LockEntry;
use skillpack::sign::TrustedKey;
use skillpack::source::Session;
use skillpack::source::http::Progress;

use super::Failure;
use crate::FetchArgs;

/// Fetch sessions by the keys they trust: one for the skills no key verified (the keys of
/// the command line, if any), one per key recorded in the lock (with those keys too).
pub(crate) struct Sessions<'a, 'p> {
    env: &'a Env,
    fetch: &'a FetchArgs,
    progress: &'p dyn Progress,
    by_keys: HashMap<Vec<String>, Session<'p>>,
}

impl<'a, 'p> Sessions<'a, 'p> {
    pub(crate) fn new(env: &'a Env, fetch: &'a FetchArgs, progress: &'p dyn Progress) -> Self {
        Sessions {
            env,
            fetch,
            progress,
            by_keys: HashMap::new(),
        }
    }

    /// The session for `entry`: its source must be signed by the key recorded for it, or
    /// by one the user gave.
    pub(crate) fn for_entry(&mut self, entry: &LockEntry) -> Result<&mut Session<'p>, Failure> {
        self.for_key(entry.key.as_deref(), None)
    }

    /// The session trusting `key` (recorded for a source) besides the user's keys, and
    /// resolving names through `index` when given.
    pub(crate) fn for_key(
        &mut self,
        key: Option<&str>,
        index: Option<&str>,
    ) -> Result<&mut Session<'p>, Failure> {
        let mut fetch = self.fetch.clone();
        if let Some(recorded) = key {
            // Keys trusted in general (SKILLPACK_TRUSTED_KEYS) do not replace the one that
            // verified this source; only a key named on the command line does.
            fetch.recorded_key_only = true;
            if !fetch.trusted_keys.iter().any(|k| k == recorded) {
                fetch.trusted_keys.push(recorded.to_string());
            }
        }
        if let Some(index) = index {
            fetch.index = Some(index.to_string());
        }
        let mut id = fetch.trusted_keys.clone();
        id.push(fetch.index.clone().unwrap_or_default());
        id.push(fetch.recorded_key_only.to_string());
        if !self.by_keys.contains_key(&id) {
            let session = super::fetch::session(self.env, &fetch, self.progress)?;
            self.by_keys.insert(id.clone(), session);
        }
        Ok(self.by_keys.get_mut(&id).expect("inserted above"))
    }
}

/// The kinds of failure that say the recorded key did not sign: another key did, or none.
const REFUSALS: &[&str] = &["untrusted-key", "no-signature", "no-checksums"];

/// `f`, with a hint naming the key recorded for `entry` when `f` refused a signature that
/// key should have made.
pub(crate) fn explain(f: Failure, entry: &LockEntry) -> Failure {
    let Some(recorded) = &entry.key else {
        return f;
    };
    if !f.kind.as_deref().is_some_and(|k| REFUSALS.contains(&k)) {
        return f;
    }
    let id = TrustedKey::parse(recorded)
        .map(|k| format!("key ID {}", k.id()))
        .unwrap_or_else(|_| format!("the key {recorded}"));
    f.hint(format!(
        "{} was installed from a source signed by {id} (recorded in lock.json), so nothing \
         else is trusted for it; if its publisher really changed keys, pass the new one with \
         --trusted-key",
        entry.name
    ))
}
