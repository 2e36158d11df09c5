//! `index.json`: the catalog `pack` writes beside release zips and `--index` reads.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Index {
    pub version: u32,
    pub skills: Vec<IndexEntry>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IndexEntry {
    pub name: String,
    pub version: String,
    #[serde(default)]
    pub description: String,
    /// Archive location, resolved relative to the index URL.
    pub url: String,
    /// Hex SHA-256 of the archive.
    pub sha256: String,
    /// Tree digest, `sha256:<hex>`.
    pub tree: String,
    /// Archive size in bytes.
    pub size: u64,
    #[serde(default)]
    pub companions: Vec<String>,
}
