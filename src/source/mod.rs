//! Resolving and fetching: turns a SOURCE argument into archive bytes on local disk or in
//! memory, with the digests they must have. Embedded, local folder and file, URL, GitHub
//! repository archive and remote index sources all end in the same [`Fetched`] value.

pub mod catalog;
pub mod embedded;

use std::path::{Path, PathBuf};

use crate::bundle::{self, ArchiveData, BundleError};
use crate::install::{Request, SourceRecord};

#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    #[error("unknown skill `{name}`: it is not in the catalog{hint}")]
    UnknownSkill { name: String, hint: String },

    #[error("`{spec}` is a GitHub repository; name the skill in it with --skill NAME")]
    NeedsSkill { spec: String },

    #[error("no such file or folder: `{}`", path.display())]
    NotFound { path: PathBuf },

    #[error("cannot use `{url}`: {message}")]
    BadUrl { url: String, message: String },

    #[error(transparent)]
    Bundle(#[from] BundleError),

    #[error("{action} `{}`: {source}", path.display())]
    Io {
        action: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// A SOURCE argument, classified (DESIGN section 2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Spec {
    /// A name looked up in the catalog (or a remote index).
    Catalog(String),
    /// A local folder or `.zip`/`.skill` file.
    Path(PathBuf),
    /// An `https://` (or loopback `http://`) URL of a zip.
    Url(String),
    /// `owner/repo[@ref]`.
    Github {
        repo: String,
        reference: Option<String>,
    },
}

/// Classifies `arg`: URLs by scheme; paths when they exist or look like paths
/// (`./`, `../`, `/`, `~`, a drive letter); `owner/repo[@ref]`; else a catalog name.
pub fn parse_spec(arg: &str, home: Option<&Path>, cwd: &Path) -> Spec {
    if arg.starts_with("https://") || arg.starts_with("http://") {
        return Spec::Url(arg.to_string());
    }
    let b = arg.as_bytes();
    let drive = b.len() >= 2 && b[0].is_ascii_alphabetic() && b[1] == b':';
    if let Some(rest) = arg.strip_prefix('~')
        && (rest.is_empty() || rest.starts_with('/') || rest.starts_with('\\'))
    {
        let home = home.map(Path::to_path_buf).unwrap_or_default();
        return Spec::Path(home.join(rest.trim_start_matches(['/', '\\'])));
    }
    let looks_like_path = arg.starts_with("./")
        || arg.starts_with("../")
        || arg.starts_with('/')
        || arg.starts_with(".\\")
        || arg.starts_with("..\\")
        || drive
        || arg == "."
        || arg == "..";
    let joined = cwd.join(arg);
    if looks_like_path || joined.exists() {
        return Spec::Path(joined);
    }
    let (repo, reference) = match arg.split_once('@') {
        Some((r, f)) => (r, Some(f.to_string())),
        None => (arg, None),
    };
    let is_part = |s: &str| {
        !s.is_empty()
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
    };
    if let Some((owner, name)) = repo.split_once('/')
        && is_part(owner)
        && is_part(name)
    {
        return Spec::Github {
            repo: repo.to_string(),
            reference,
        };
    }
    Spec::Catalog(arg.to_string())
}

/// Archive bytes and what they must be, ready for the install pipeline.
#[derive(Debug, Clone)]
pub struct Fetched {
    pub archive: ArchiveData,
    pub sha256: String,
    /// False when the archive was packed on the fly (embedded, folder): no digest to record.
    pub record_archive: bool,
    pub expected_sha256: Option<String>,
    pub expected_tree: Option<String>,
    pub expected_name: Option<String>,
    pub subpath: Option<String>,
    pub source: SourceRecord,
}

impl Fetched {
    pub fn into_request(self) -> Request {
        Request {
            archive: self.archive,
            archive_sha256: self.sha256,
            record_archive: self.record_archive,
            expected_sha256: self.expected_sha256,
            expected_tree: self.expected_tree,
            expected_name: self.expected_name,
            subpath: self.subpath,
            source: self.source,
        }
    }
}

/// The embedded account-management skill.
pub fn fetch_embedded() -> Fetched {
    let bytes = embedded::archive();
    Fetched {
        sha256: bundle::sha256_hex(&bytes),
        archive: ArchiveData::Memory(bytes),
        record_archive: false,
        expected_sha256: None,
        expected_tree: Some(embedded::tree()),
        expected_name: Some(embedded::NAME.to_string()),
        subpath: None,
        source: SourceRecord {
            kind: "embedded".into(),
            index: Some("catalog".into()),
            ..Default::default()
        },
    }
}

/// A local folder (packed in memory by the deterministic packer) or a `.zip`/`.skill` file.
pub fn fetch_path(path: &Path, expected_sha256: Option<String>) -> Result<Fetched, SourceError> {
    let meta = std::fs::metadata(path).map_err(|_| SourceError::NotFound {
        path: path.to_path_buf(),
    })?;
    let shown = path.to_string_lossy().into_owned();
    if meta.is_dir() {
        let canonical = std::fs::canonicalize(path).map_err(|e| SourceError::Io {
            action: "cannot resolve",
            path: path.to_path_buf(),
            source: e,
        })?;
        let name = canonical
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let files = bundle::collect_dir(&canonical)?;
        let bytes = bundle::pack_to_vec(&name, &files, None)?;
        return Ok(Fetched {
            sha256: bundle::sha256_hex(&bytes),
            archive: ArchiveData::Memory(bytes),
            record_archive: false,
            expected_sha256: None,
            expected_tree: None,
            expected_name: None,
            subpath: None,
            source: SourceRecord {
                kind: "path".into(),
                path: Some(canonical.to_string_lossy().into_owned()),
                ..Default::default()
            },
        });
    }
    let (sha, _) = bundle::digest::hash_file(path)?;
    Ok(Fetched {
        sha256: hex::encode(sha),
        archive: ArchiveData::File(path.to_path_buf()),
        record_archive: true,
        expected_sha256,
        expected_tree: None,
        expected_name: None,
        subpath: None,
        source: SourceRecord {
            kind: "file".into(),
            path: Some(
                std::fs::canonicalize(path)
                    .map(|p| p.to_string_lossy().into_owned())
                    .unwrap_or(shown),
            ),
            ..Default::default()
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_sources() {
        let cwd = Path::new("/nonexistent-cwd");
        let home = Some(Path::new("/h"));
        assert_eq!(
            parse_spec("account-management", home, cwd),
            Spec::Catalog("account-management".into())
        );
        assert_eq!(
            parse_spec("https://x.test/a.zip", home, cwd),
            Spec::Url("https://x.test/a.zip".into())
        );
        assert_eq!(parse_spec("./s", home, cwd), Spec::Path(cwd.join("./s")));
        assert_eq!(
            parse_spec("/abs/s.zip", home, cwd),
            Spec::Path(PathBuf::from("/abs/s.zip"))
        );
        assert_eq!(
            parse_spec("~/s", home, cwd),
            Spec::Path(PathBuf::from("/h/s"))
        );
        assert_eq!(
            parse_spec("C:\\s", home, cwd),
            Spec::Path(cwd.join("C:\\s"))
        );
        assert_eq!(
            parse_spec("owner/repo@v1", home, cwd),
            Spec::Github {
                repo: "owner/repo".into(),
                reference: Some("v1".into())
            }
        );
    }
}
