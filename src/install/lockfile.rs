//! `lock.json`: the record of what skillpack installed in a root, written atomically.

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;
use std::time::SystemTime;

use serde::{Deserialize, Serialize};

use super::InstallError;
use crate::bundle::FileRecord;

/// Where a skill came from, as recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct SourceRecord {
    /// `embedded`, `path`, `file`, `url`, `github` or `index`.
    pub kind: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repo: Option<String>,
    #[serde(default, rename = "ref", skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// The catalog or index name the source was resolved from, for `update`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub index: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LockEntry {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    pub source: SourceRecord,
    /// SHA-256 of the archive the tree was unpacked from, when there was one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub archive_sha256: Option<String>,
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

impl LockFile {
    /// Reads `path`; a missing file is an empty record.
    pub fn load(path: &Path) -> Result<LockFile, InstallError> {
        let bytes = match fs::read(path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(LockFile::default()),
            Err(e) => return Err(InstallError::io("cannot read", path, e)),
        };
        let lock: LockFile =
            serde_json::from_slice(&bytes).map_err(|e| InstallError::LockFile {
                path: path.to_path_buf(),
                message: e.to_string(),
            })?;
        if lock.version != crate::SCHEMA_VERSION {
            return Err(InstallError::LockFile {
                path: path.to_path_buf(),
                message: format!(
                    "version {} is not supported (this skillpack reads version 1)",
                    lock.version
                ),
            });
        }
        Ok(lock)
    }

    /// Writes `path` atomically: a temporary file beside it, fsync, rename, fsync the folder.
    pub fn save(&self, path: &Path) -> Result<(), InstallError> {
        let mut json = serde_json::to_vec_pretty(self).expect("lock file serialises");
        json.push(b'\n');
        write_atomic(path, &json)
    }
}

/// Replaces `path` with `bytes` so that readers see the old or the new file, never a part.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), InstallError> {
    crate::durable::write_atomic(path, bytes, None)
        .map_err(|e| InstallError::io("cannot write", path, e))
}

/// `SystemTime` → `YYYY-MM-DDTHH:MM:SSZ`.
pub fn rfc3339(t: SystemTime) -> String {
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
