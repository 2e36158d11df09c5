//! Where an installed skill came from, as `lock.json` records it: one variant per kind of
//! source, written as a JSON object tagged by `kind` (the version-1 layout).

use serde::{Deserialize, Serialize};

/// How a recorded name was resolved, beside its location: through the catalog compiled
/// into skillpack (written `"index": "catalog"`). Any other value is a damaged record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Via {
    #[serde(rename = "catalog")]
    Catalog,
}

/// A source, as recorded. Fields that every install of a kind writes are required; a
/// record without them is damaged.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum SourceRecord {
    /// The skill compiled into the binary.
    Embedded {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        index: Option<Via>,
    },
    /// A local folder, packed on the fly (its absolute path).
    Path { path: String },
    /// A local `.zip`/`.skill` file (its absolute path).
    File {
        path: String,
        /// The skill's folder inside an archive holding several (empty: the only one).
        #[serde(default, skip_serializing_if = "String::is_empty")]
        folder: String,
    },
    /// A zip downloaded from a URL (credentials removed).
    Url {
        url: String,
        /// The skill's folder inside an archive holding several (empty: the only one).
        #[serde(default, skip_serializing_if = "String::is_empty")]
        folder: String,
    },
    /// A folder of a GitHub repository archive at a ref.
    Github {
        repo: String,
        #[serde(rename = "ref")]
        reference: String,
        /// The folder inside the repository (empty: its root).
        #[serde(default)]
        path: String,
        /// [`Via::Catalog`] when the embedded catalog named it.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        index: Option<Via>,
        /// The commit the ref resolved to (40 hex), when the archive said.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        commit: Option<String>,
    },
    /// A folder of a git repository fetched with the system `git`.
    Git {
        url: String,
        #[serde(rename = "ref")]
        reference: String,
        /// The commit the ref resolved to (40 hex).
        commit: String,
        /// The folder inside the repository (empty: its root).
        #[serde(default)]
        path: String,
    },
    /// An entry of a remote index.
    Index { url: String, index: String },
}

impl SourceRecord {
    /// The stable kind id, as written in `lock.json`.
    pub fn kind(&self) -> &'static str {
        match self {
            SourceRecord::Embedded { .. } => "embedded",
            SourceRecord::Path { .. } => "path",
            SourceRecord::File { .. } => "file",
            SourceRecord::Url { .. } => "url",
            SourceRecord::Github { .. } => "github",
            SourceRecord::Git { .. } => "git",
            SourceRecord::Index { .. } => "index",
        }
    }

    /// Whether the skill is updated by resolving its name again (the catalog or an index)
    /// rather than by fetching its recorded location.
    pub fn resolves_by_name(&self) -> bool {
        match self {
            SourceRecord::Embedded { .. } | SourceRecord::Index { .. } => true,
            SourceRecord::Github { index, .. } => *index == Some(Via::Catalog),
            _ => false,
        }
    }

    /// The index a name was resolved through, when it was a remote one.
    pub fn remote_index(&self) -> Option<&str> {
        match self {
            SourceRecord::Index { index, .. } => Some(index),
            _ => None,
        }
    }

    /// The commit a repository source resolved to, when it is known.
    pub fn commit(&self) -> Option<&str> {
        match self {
            SourceRecord::Github { commit, .. } => commit.as_deref(),
            SourceRecord::Git { commit, .. } => Some(commit),
            _ => None,
        }
    }

    /// Whether the archive came over the network into the cache (and may be dropped from it).
    pub fn is_downloaded(&self) -> bool {
        matches!(
            self,
            SourceRecord::Url { .. }
                | SourceRecord::Github { .. }
                | SourceRecord::Git { .. }
                | SourceRecord::Index { .. }
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_keep_the_version_1_layout() {
        let r = SourceRecord::Github {
            repo: "o/r".into(),
            reference: "main".into(),
            path: "skills/x".into(),
            index: None,
            commit: None,
        };
        assert_eq!(
            serde_json::to_value(&r).unwrap(),
            serde_json::json!({"kind": "github", "repo": "o/r", "ref": "main", "path": "skills/x"})
        );
        let e: SourceRecord =
            serde_json::from_value(serde_json::json!({"kind": "embedded", "index": "catalog"}))
                .unwrap();
        assert!(e.resolves_by_name());
        assert!(
            serde_json::from_value::<SourceRecord>(serde_json::json!({"kind": "url"})).is_err()
        );
        // Only the catalog is recorded as the way a name was resolved.
        assert!(
            serde_json::from_value::<SourceRecord>(
                serde_json::json!({"kind": "embedded", "index": "elsewhere"})
            )
            .is_err()
        );
    }
}
