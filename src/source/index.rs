//! Remote indexes: the `index.json` that `pack` writes, read from `--index URL` (or a local
//! file), with entry URLs resolved against it, and the version order that decides whether an
//! index entry overrides the embedded catalog.

use std::cmp::Ordering;
use std::path::Path;

use url::Url;

use super::SourceError;
use super::http::{self, Http, Progress};
use crate::bundle::index::{Index, IndexEntry};

/// Indexes are small; anything larger is not one.
const MAX_INDEX_SIZE: u64 = 16 * 1024 * 1024;

#[derive(Debug, Clone)]
pub struct RemoteIndex {
    /// Where the index was read from (https, loopback http, or a local file).
    pub location: Url,
    pub index: Index,
}

/// Where `spec` points: a URL when it has a scheme, else a local path (against `cwd`).
pub fn location(spec: &str, cwd: &Path) -> Result<Url, SourceError> {
    if spec.contains("://") {
        let url = http::parse_url(spec)?;
        if url.scheme() != "file" {
            http::check_url(&url)?;
        }
        return Ok(url);
    }
    let path = cwd.join(spec);
    Url::from_file_path(&path).map_err(|_| SourceError::BadUrl {
        url: spec.to_string(),
        message: "it is neither a URL nor a local path".into(),
    })
}

/// Reads the index at `location`.
pub fn load(
    client: &Http,
    location: Url,
    progress: &dyn Progress,
) -> Result<RemoteIndex, SourceError> {
    let bytes = if location.scheme() == "file" {
        let path = location.to_file_path().map_err(|_| SourceError::BadUrl {
            url: location.to_string(),
            message: "not a local path".into(),
        })?;
        std::fs::read(&path).map_err(|e| SourceError::io("cannot read the index", &path, e))?
    } else {
        client.get_bytes(&location, MAX_INDEX_SIZE, progress)?
    };
    RemoteIndex::parse(location, &bytes)
}

impl RemoteIndex {
    pub fn parse(location: Url, bytes: &[u8]) -> Result<RemoteIndex, SourceError> {
        let bad = |message: String| SourceError::Index {
            url: http::redact(&location),
            message,
        };
        let index: Index = serde_json::from_slice(bytes).map_err(|e| bad(e.to_string()))?;
        if index.version != crate::SCHEMA_VERSION {
            return Err(bad(format!(
                "version {} is not supported (this skillpack reads version {})",
                index.version,
                crate::SCHEMA_VERSION
            )));
        }
        Ok(RemoteIndex { location, index })
    }

    /// The index's address as it may be shown and recorded.
    pub fn shown(&self) -> String {
        http::redact(&self.location)
    }

    /// The entry called `name`; with several, the newest.
    pub fn entry(&self, name: &str) -> Option<&IndexEntry> {
        self.index
            .skills
            .iter()
            .filter(|e| e.name == name)
            .max_by(|a, b| compare_versions(&a.version, &b.version))
    }

    /// The names the index offers, for messages.
    pub fn names(&self) -> Vec<&str> {
        self.index.skills.iter().map(|e| e.name.as_str()).collect()
    }

    /// The archive URL of `entry`, resolved against the index. An index read over the
    /// network may not point at local files.
    pub fn archive_url(&self, entry: &IndexEntry) -> Result<Url, SourceError> {
        let url = self
            .location
            .join(&entry.url)
            .map_err(|e| SourceError::Index {
                url: self.shown(),
                message: format!("entry `{}` has a bad url: {e}", entry.name),
            })?;
        if url.scheme() == "file" && self.location.scheme() != "file" {
            return Err(SourceError::Index {
                url: self.shown(),
                message: format!("entry `{}` points at a local file", entry.name),
            });
        }
        Ok(url)
    }
}

/// Whether version `a` is newer than `b`.
pub fn newer(a: &str, b: &str) -> bool {
    compare_versions(a, b) == Ordering::Greater
}

/// Orders versions as SemVer does (numeric parts numerically, a pre-release before its
/// release, build metadata ignored), tolerating a leading `v` and missing parts.
pub fn compare_versions(a: &str, b: &str) -> Ordering {
    fn split(v: &str) -> (Vec<&str>, Option<Vec<&str>>) {
        let v = v.trim();
        let v = v.strip_prefix(['v', 'V']).unwrap_or(v);
        let v = v.split('+').next().unwrap_or(v);
        let (core, pre) = match v.split_once('-') {
            Some((c, p)) => (c, Some(p.split('.').collect())),
            None => (v, None),
        };
        (core.split('.').collect(), pre)
    }
    fn part(a: &str, b: &str) -> Ordering {
        match (a.parse::<u64>(), b.parse::<u64>()) {
            (Ok(x), Ok(y)) => x.cmp(&y),
            (Ok(_), Err(_)) => Ordering::Less,
            (Err(_), Ok(_)) => Ordering::Greater,
            (Err(_), Err(_)) => a.cmp(b),
        }
    }
    let (ca, pa) = split(a);
    let (cb, pb) = split(b);
    for i in 0..ca.len().max(cb.len()) {
        let o = part(ca.get(i).unwrap_or(&"0"), cb.get(i).unwrap_or(&"0"));
        if o != Ordering::Equal {
            return o;
        }
    }
    match (pa, pb) {
        (None, None) => Ordering::Equal,
        (None, Some(_)) => Ordering::Greater,
        (Some(_), None) => Ordering::Less,
        (Some(x), Some(y)) => {
            for (p, q) in x.iter().zip(&y) {
                let o = part(p, q);
                if o != Ordering::Equal {
                    return o;
                }
            }
            x.len().cmp(&y.len())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_order() {
        assert!(newer("0.2.0", "0.1.9"));
        assert!(newer("1.10.0", "1.9.0"));
        assert!(newer("v1.0.1", "1.0"));
        assert!(newer("1.0.0", "1.0.0-rc.1"));
        assert!(newer("1.0.0-rc.2", "1.0.0-rc.1"));
        assert!(!newer("1.0.0", "1.0.0+build.5"));
        assert!(!newer("0.1.0", "0.1.0"));
        assert!(!newer("0.0.9", "0.1.0"));
    }

    #[test]
    fn entry_urls_resolve_against_the_index() {
        let json = br#"{"version":1,"skills":[
            {"name":"a","version":"1.0.0","url":"a-1.0.0.zip","sha256":"00","tree":"sha256:00","size":1},
            {"name":"b","version":"1.0.0","url":"../other/b.zip","sha256":"00","tree":"sha256:00","size":1},
            {"name":"c","version":"1.0.0","url":"file:///etc/c.zip","sha256":"00","tree":"sha256:00","size":1}]}"#;
        let at = Url::parse("https://user:pw@example.com/dist/index.json").unwrap();
        let idx = RemoteIndex::parse(at, json).unwrap();
        let url = |n: &str| idx.archive_url(idx.entry(n).unwrap());
        assert_eq!(
            url("a").unwrap().path(),
            "/dist/a-1.0.0.zip",
            "relative to the index"
        );
        assert_eq!(url("b").unwrap().path(), "/other/b.zip");
        assert!(url("c").is_err());
        assert_eq!(idx.shown(), "https://example.com/dist/index.json");
    }
}
