//! `lock.json`: the record of what skillpack installed in a root, written atomically.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::SystemTime;

use cap_std::fs::Dir;
use serde::{Deserialize, Serialize};

use super::error::InstallError;
use super::layout::Root;
use super::rootfs;
use crate::bundle::FileRecord;
use crate::skill::is_valid_name;
use crate::source::SourceRecord;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LockEntry {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    pub source: SourceRecord,
    /// SHA-256 of the archive the tree was unpacked from, when there was one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub archive_sha256: Option<String>,
    /// The minisign public key (`RW…`) whose signature vouched for the source, when one did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    pub tree: String,
    pub installed_at: String,
    /// Path (relative, forward slashes) → hex SHA-256.
    pub files: BTreeMap<String, String>,
}

impl LockEntry {
    pub fn file_map(records: &[FileRecord]) -> BTreeMap<String, String> {
        records
            .iter()
            .map(|r| (r.path.clone(), hex::encode(r.sha256)))
            .collect()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LockFile {
    pub version: u32,
    #[serde(default)]
    pub skills: BTreeMap<String, LockEntry>,
}

impl Default for LockFile {
    fn default() -> Self {
        LockFile {
            version: crate::SCHEMA_VERSION,
            skills: BTreeMap::new(),
        }
    }
}

/// Largest `lock.json` read: far above any real record (a skill of 10,000 files records
/// about 1 MiB), far below what would exhaust memory.
pub(crate) const LOCK_CAP: u64 = 64 * 1024 * 1024;

pub(crate) const LOCK_NAME: &str = "lock.json";

impl LockFile {
    /// Reads `lock.json` from the opened state folder `state` (shown as `state_shown`): a
    /// regular file of at most [`LOCK_CAP`] bytes, never followed through a link; a missing
    /// file is an empty record. Every skill name in it must pass the skill-name rule.
    pub fn load_in(state: &Dir, state_shown: &Path) -> Result<LockFile, InstallError> {
        let path = state_shown.join(LOCK_NAME);
        let Some(bytes) = rootfs::read_capped(state, state_shown, LOCK_NAME, LOCK_CAP)? else {
            return Ok(LockFile::default());
        };
        LockFile::parse(&bytes, &path)
    }

    /// Parses the bytes of a `lock.json` read from `path`.
    pub fn parse(bytes: &[u8], path: &Path) -> Result<LockFile, InstallError> {
        let damaged = |message: String| InstallError::LockFile {
            path: path.to_path_buf(),
            message,
        };
        #[derive(Deserialize)]
        struct Version {
            version: u64,
        }
        let version = serde_json::from_slice::<Version>(bytes)
            .map_err(|e| damaged(e.to_string()))?
            .version;
        if version > u64::from(crate::SCHEMA_VERSION) {
            return Err(InstallError::NewerLock {
                path: path.to_path_buf(),
                version,
            });
        }
        if version != u64::from(crate::SCHEMA_VERSION) {
            return Err(damaged(format!(
                "format version {version} does not exist (this skillpack reads version {})",
                crate::SCHEMA_VERSION
            )));
        }
        let lock: LockFile = serde_json::from_slice(bytes).map_err(|e| damaged(e.to_string()))?;
        let shown = |s: &str| crate::text::escape(s).into_owned();
        for (key, entry) in &lock.skills {
            if !is_valid_name(key) {
                return Err(damaged(format!(
                    "it records a skill named `{}`, which is not a valid skill name; nothing was done with it",
                    shown(key)
                )));
            }
            if entry.name != *key {
                return Err(damaged(format!(
                    "its entry `{key}` records a skill named `{}`: the two must be the same; nothing was done with it",
                    shown(&entry.name)
                )));
            }
            if let Some(file) = entry.files.keys().find(|f| {
                f.ends_with('/') || crate::bundle::rules::check_entry_name(f.as_bytes()).is_err()
            }) {
                return Err(damaged(format!(
                    "its entry `{key}` lists the file `{}`, which is not a path inside a skill folder; nothing was done with it",
                    shown(file)
                )));
            }
            if let Some(k) = &entry.key
                && (k.contains('\n') || crate::sign::TrustedKey::parse(k).is_err())
            {
                return Err(damaged(format!(
                    "its entry `{key}` records `{}` as the key that verified it, which is not a minisign public key; nothing was done with it",
                    crate::text::excerpt(k, 60)
                )));
            }
        }
        Ok(lock)
    }

    /// Writes `lock.json` in the opened state folder atomically.
    pub fn save_in(&self, state: &Dir, state_shown: &Path) -> Result<(), InstallError> {
        rootfs::write_record(state, state_shown, LOCK_NAME, &self.to_bytes())
    }

    /// [`save_in`](Self::save_in), the new file flushed together with `before`'s writes.
    pub fn save_after(
        &self,
        state: &Dir,
        state_shown: &Path,
        before: &mut crate::durable::Barrier,
    ) -> Result<(), InstallError> {
        rootfs::write_record_after(state, state_shown, LOCK_NAME, &self.to_bytes(), before)
    }

    fn to_bytes(&self) -> Vec<u8> {
        // A map of strings and plain structs: serialising it cannot fail.
        let mut json =
            crate::text::json_safe(serde_json::to_string_pretty(self).unwrap_or_default())
                .into_bytes();
        json.push(b'\n');
        json
    }
}

/// `SystemTime` → `YYYY-MM-DDTHH:MM:SSZ`.
pub(crate) fn rfc3339(t: SystemTime) -> String {
    let secs = t
        .duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let (y, m, d) = crate::bundle::pack::civil_from_days((secs / 86_400) as i64);
    let r = secs % 86_400;
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        r / 3600,
        (r % 3600) / 60,
        r % 60
    )
}

/// The record of `root` (empty when there is none), read without following links and
/// without the run lock: for decisions that a later locked step re-checks (`update`).
pub fn read_lock(root: &Root) -> Result<LockFile, InstallError> {
    Ok(read_root(root)?.map(|(_, l)| l).unwrap_or_default())
}

pub(crate) fn read_root(root: &Root) -> Result<Option<(cap_std::fs::Dir, LockFile)>, InstallError> {
    let Some(read) = root.open_read()? else {
        return Ok(None);
    };
    let lock = match &read.state {
        Some(state) => LockFile::load_in(state, &root.state_dir())?,
        None => LockFile::default(),
    };
    Ok(Some((read.root, lock)))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A version-1 `lock.json` with every kind of source, laid out as earlier releases
    /// wrote it: read, and written back byte for byte.
    const V1: &str = include_str!("../../tests/fixtures/lock-v1.json");

    #[test]
    fn reads_and_rewrites_a_version_1_lock_unchanged() {
        let lock = LockFile::parse(V1.as_bytes(), Path::new("lock.json")).unwrap();
        assert_eq!(lock.skills.len(), 6);
        let kinds: Vec<&str> = lock.skills.values().map(|e| e.source.kind()).collect();
        assert_eq!(
            kinds,
            ["embedded", "github", "path", "index", "url", "file"]
        );
        assert_eq!(String::from_utf8(lock.to_bytes()).unwrap(), V1);
    }
}
