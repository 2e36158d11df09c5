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

impl Index {
    /// An index of `skills`, sorted by name so that the same releases give the same bytes.
    pub fn new(mut skills: Vec<IndexEntry>) -> Index {
        skills.sort_by(|a, b| a.name.as_bytes().cmp(b.name.as_bytes()));
        Index {
            version: crate::SCHEMA_VERSION,
            skills,
        }
    }

    /// The entry named `name`, if any.
    pub fn get(&self, name: &str) -> Option<&IndexEntry> {
        self.skills.iter().find(|e| e.name == name)
    }

    /// The `index.json` bytes: pretty-printed, newline-terminated, fields in a fixed order.
    pub fn to_json(&self) -> Vec<u8> {
        let mut out = serde_json::to_vec_pretty(self).expect("an index always serialises");
        out.push(b'\n');
        out
    }

    pub fn from_json(bytes: &[u8]) -> Result<Index, serde_json::Error> {
        serde_json::from_slice(bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(name: &str) -> IndexEntry {
        IndexEntry {
            name: name.into(),
            version: "1.0.0".into(),
            description: String::new(),
            url: format!("{name}-1.0.0.zip"),
            sha256: "00".into(),
            tree: "sha256:00".into(),
            size: 1,
            companions: vec![],
        }
    }

    #[test]
    fn sorted_and_round_trips() {
        let index = Index::new(vec![entry("b"), entry("a")]);
        assert_eq!(index.skills[0].name, "a");
        assert_eq!(index.version, 1);
        let bytes = index.to_json();
        assert!(bytes.ends_with(b"}\n"));
        assert_eq!(Index::from_json(&bytes).unwrap(), index);
        assert!(index.get("b").is_some());
    }
}
