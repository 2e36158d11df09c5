//! Remote indexes: the `index.json` that `pack` writes, read from `--index URL` (or a local
//! file), with entry URLs resolved against it, and the version order that decides whether an
//! index entry overrides the embedded catalog.
//!
//! An index is input from whoever serves it: entries whose name is not a skill name are set
//! aside (and kept, for the command line to report) before anything looks at them.

use std::cmp::Ordering;
use std::path::Path;

use url::Url;

use super::error::SourceError;
use super::http::{Http, Progress};
use crate::bundle::index::{Index, IndexEntry};
use crate::sign::{MAX_SIG_SIZE, SIG_SUFFIX, TrustedKey};
use crate::skill::is_valid_name;

/// Indexes are small; anything larger is not one.
pub(crate) const MAX_INDEX_SIZE: u64 = 16 * 1024 * 1024;

#[derive(Debug, Clone)]
pub struct RemoteIndex {
    /// Where the index was read from (https, loopback http, or a local file).
    pub location: Url,
    /// The entries whose name is a skill name.
    pub index: Index,
    /// The names of the entries set aside because they are not skill names, as written.
    pub ignored: Vec<String>,
    /// The trusted key whose signature (`index.json.minisig`) vouched for the index.
    pub signed_by: Option<TrustedKey>,
}

/// Where `spec` points: a URL when it has a scheme, else a local path (against `cwd`).
pub(crate) fn location(spec: &str, cwd: &Path) -> Result<Url, SourceError> {
    if spec.contains("://") {
        let url = super::url_policy::parse_url(spec)?;
        if url.scheme() != "file" {
            super::url_policy::check_url(&url)?;
        }
        return Ok(url);
    }
    let path = cwd.join(spec);
    Url::from_file_path(&path).map_err(|_| SourceError::BadUrl {
        url: spec.to_string(),
        message: "it is neither a URL nor a local path".into(),
    })
}

/// The bytes of an index and, when keys are trusted, of its signature, as fetched.
pub(crate) struct IndexBytes {
    pub bytes: Vec<u8>,
    pub signature: Option<String>,
}

/// The file name an index's signature names it by.
fn file_name_of(location: &Url) -> &str {
    location
        .path_segments()
        .and_then(|mut s| s.next_back())
        .filter(|n| !n.is_empty())
        .unwrap_or("index.json")
}

/// Reads the index at `location`. With `trusted` keys, the index must also come with a
/// signature (`<location>.minisig`) by one of them, checked before the index is parsed;
/// with none, no signature is looked for.
pub(crate) fn load(
    client: &Http,
    location: Url,
    trusted: &[TrustedKey],
    progress: &dyn Progress,
) -> Result<(RemoteIndex, IndexBytes), SourceError> {
    let got = fetch(client, &location, trusted, progress)?;
    let index = verify(location, &got, trusted)?;
    Ok((index, got))
}

/// The index at `location` and its signature (when keys are trusted), unchecked.
fn fetch(
    client: &Http,
    location: &Url,
    trusted: &[TrustedKey],
    progress: &dyn Progress,
) -> Result<IndexBytes, SourceError> {
    let bytes = if location.scheme() == "file" {
        let path = location.to_file_path().map_err(|_| SourceError::BadUrl {
            url: location.to_string(),
            message: "not a local path".into(),
        })?;
        read_local(&path, MAX_INDEX_SIZE, location)?
            .ok_or_else(|| SourceError::io("cannot read the index", &path, io_not_found()))?
    } else {
        client.get_bytes(location, MAX_INDEX_SIZE, progress)?
    };
    let signature = if trusted.is_empty() {
        None
    } else {
        let mut sig_at = location.clone();
        sig_at.set_path(&format!("{}{SIG_SUFFIX}", location.path()));
        read_signature(client, &sig_at, file_name_of(location), progress).map_err(|source| {
            match source {
                Ok(e) => e,
                Err(source) => SourceError::Signature {
                    url: super::url_policy::redact(location),
                    source,
                },
            }
        })?
    };
    Ok(IndexBytes { bytes, signature })
}

/// The index in `got`, its signature checked first against `trusted` (when any): the same
/// check for an index just fetched and for the copy of one saved earlier.
pub(crate) fn verify(
    location: Url,
    got: &IndexBytes,
    trusted: &[TrustedKey],
) -> Result<RemoteIndex, SourceError> {
    let signed_by = if trusted.is_empty() {
        None
    } else {
        let name = file_name_of(&location);
        let key = crate::sign::verify(trusted, name, &got.bytes, got.signature.as_deref())
            .map_err(|source| SourceError::Signature {
                url: super::url_policy::redact(&location),
                source,
            })?;
        Some(key.clone())
    };
    let mut index = RemoteIndex::parse(location, &got.bytes)?;
    index.signed_by = signed_by;
    Ok(index)
}

fn io_not_found() -> std::io::Error {
    std::io::Error::from(std::io::ErrorKind::NotFound)
}

/// The regular file `path` (never a FIFO or device, which would hang or never end), or
/// `None` when it is missing; larger than `cap` bytes: refused as too large.
fn read_local(path: &std::path::Path, cap: u64, url: &Url) -> Result<Option<Vec<u8>>, SourceError> {
    match crate::durable::read_regular(path, true, cap) {
        Ok(Some(bytes)) => Ok(Some(bytes)),
        Ok(None) => Err(SourceError::TooLarge {
            url: super::url_policy::redact(url),
            limit: cap,
        }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(SourceError::io("cannot read", path, e)),
    }
}

/// The signature at `at` of the file `file`, as text, or `None` when there is none. A file
/// too large to be a minisign signature is a damaged signature (`Err(Err(_))`); other
/// failures to fetch it are `Err(Ok(_))`.
pub(super) fn read_signature(
    client: &Http,
    at: &Url,
    file: &str,
    progress: &dyn Progress,
) -> Result<Option<String>, Result<SourceError, crate::sign::SignError>> {
    match read_optional(client, at, MAX_SIG_SIZE, progress) {
        Ok(bytes) => Ok(bytes.map(|b| String::from_utf8_lossy(&b).into_owned())),
        Err(SourceError::TooLarge { limit, .. }) => {
            Err(Err(crate::sign::SignError::BadSignature {
                file: file.to_string(),
                message: format!("it is larger than {limit} bytes, which no minisign signature is"),
            }))
        }
        Err(e) => Err(Ok(e)),
    }
}

/// The bytes at `at` (a local file or a URL), or `None` when there is no such file (a
/// missing file, or a 404 or 410 answer).
pub(super) fn read_optional(
    client: &Http,
    at: &Url,
    max_size: u64,
    progress: &dyn Progress,
) -> Result<Option<Vec<u8>>, SourceError> {
    if at.scheme() == "file" {
        let path = at.to_file_path().map_err(|_| SourceError::BadUrl {
            url: at.to_string(),
            message: "not a local path".into(),
        })?;
        return read_local(&path, max_size, at);
    }
    match client.get_bytes(at, max_size, progress) {
        Ok(bytes) => Ok(Some(bytes)),
        Err(e)
            if matches!(
                e.last_attempt(),
                SourceError::Status {
                    status: 404 | 410,
                    ..
                }
            ) =>
        {
            Ok(None)
        }
        Err(e) => Err(e),
    }
}

impl RemoteIndex {
    pub fn parse(location: Url, bytes: &[u8]) -> Result<RemoteIndex, SourceError> {
        let bad = |message: String| SourceError::Index {
            url: super::url_policy::redact(&location),
            message,
        };
        let mut index: Index = serde_json::from_slice(bytes).map_err(|e| bad(e.to_string()))?;
        if index.version != crate::SCHEMA_VERSION {
            return Err(bad(format!(
                "version {} is not supported (this skillpack reads version {})",
                index.version,
                crate::SCHEMA_VERSION
            )));
        }
        let (valid, invalid): (Vec<IndexEntry>, Vec<IndexEntry>) =
            std::mem::take(&mut index.skills)
                .into_iter()
                .partition(|e| is_valid_name(&e.name));
        index.skills = valid;
        Ok(RemoteIndex {
            location,
            index,
            ignored: invalid.into_iter().map(|e| e.name).collect(),
            signed_by: None,
        })
    }

    /// The index's address as it may be shown and recorded.
    pub fn shown(&self) -> String {
        super::url_policy::redact(&self.location)
    }

    /// The entry called `name`; with several, the newest.
    pub fn entry(&self, name: &str) -> Option<&IndexEntry> {
        self.index
            .skills
            .iter()
            .filter(|e| e.name == name)
            .max_by(|a, b| compare_versions(&a.version, &b.version))
    }

    /// Every entry called `name` (an index may offer several versions).
    pub fn entries(&self, name: &str) -> impl Iterator<Item = &IndexEntry> {
        self.index.skills.iter().filter(move |e| e.name == name)
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

/// Whether version `a` is newer than `b`: only ever when `a` is a version (see
/// [`compare_versions`]), so that an index entry whose version is `zzz` or `latest` never
/// replaces a released one.
pub(crate) fn newer(a: &str, b: &str) -> bool {
    compare_versions(a, b) == Ordering::Greater
}

/// A version as SemVer reads it, tolerating what skill authors commonly write: a leading `v`
/// and a missing minor or patch number (`1.2` is `1.2.0`). Anything else is not a version.
pub(crate) fn parse_version(v: &str) -> Option<semver::Version> {
    let v = v.trim();
    let v = v.strip_prefix(['v', 'V']).unwrap_or(v);
    if let Ok(parsed) = semver::Version::parse(v) {
        return Some(parsed);
    }
    // `1` or `1.2`, optionally with a pre-release or build: pad the core to three parts.
    let core_end = v.find(['-', '+']).unwrap_or(v.len());
    let (core, rest) = v.split_at(core_end);
    let parts = core.split('.').count();
    if !(1..=2).contains(&parts) {
        return None;
    }
    let padded = format!("{core}{}{rest}", ".0".repeat(3 - parts));
    semver::Version::parse(&padded).ok()
}

/// Orders versions by SemVer precedence (numeric parts numerically, a pre-release before its
/// release, pre-release identifiers as SemVer orders them, build metadata ignored). Anything
/// that is not a version ([`parse_version`]) comes before every version, and such strings are
/// all equal to each other: none of them is ever newer than another.
pub(crate) fn compare_versions(a: &str, b: &str) -> Ordering {
    match (parse_version(a), parse_version(b)) {
        (Some(x), Some(y)) => x.cmp_precedence(&y),
        (Some(_), None) => Ordering::Greater,
        (None, Some(_)) => Ordering::Less,
        (None, None) => Ordering::Equal,
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
        assert!(newer("1.2", "1.1.9"));
        assert!(!newer("1.2", "1.2.0"));
    }

    #[test]
    fn what_is_not_a_version_is_never_newer() {
        for junk in [
            "zzz",
            "latest",
            "",
            "1.2.3.4",
            "99999999999999999999999.0.0",
            "\u{1b}[2J",
        ] {
            assert!(!newer(junk, "0.1.0"), "{junk:?}");
            assert!(newer("0.1.0", junk), "{junk:?}");
            assert!(!newer(junk, "zzz"), "{junk:?}");
        }
    }

    #[test]
    fn pre_releases_order_as_semver_says() {
        let order = [
            "1.0.0-alpha",
            "1.0.0-alpha.1",
            "1.0.0-alpha.beta",
            "1.0.0-beta",
            "1.0.0-beta.2",
            "1.0.0-beta.11",
            "1.0.0-rc.1",
            "1.0.0",
        ];
        for pair in order.windows(2) {
            assert!(newer(pair[1], pair[0]), "{} > {}", pair[1], pair[0]);
            assert!(!newer(pair[0], pair[1]), "{} < {}", pair[0], pair[1]);
        }
    }

    #[test]
    fn entries_whose_name_is_not_a_skill_name_are_set_aside() {
        let json = br#"{"version":1,"skills":[
            {"name":"ok-skill","version":"1.0.0","url":"a.zip","sha256":"00","tree":"sha256:00","size":1},
            {"name":"../../etc","version":"1.0.0","url":"b.zip","sha256":"00","tree":"sha256:00","size":1},
            {"name":"x; sh #","version":"1.0.0","url":"c.zip","sha256":"00","tree":"sha256:00","size":1}]}"#;
        let at = Url::parse("https://example.com/index.json").unwrap();
        let idx = RemoteIndex::parse(at, json).unwrap();
        assert_eq!(idx.names(), ["ok-skill"]);
        assert_eq!(idx.ignored, ["../../etc", "x; sh #"]);
        assert!(idx.entry("../../etc").is_none());
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
