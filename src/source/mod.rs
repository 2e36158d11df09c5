//! Resolving and fetching: turns a SOURCE argument into archive bytes on local disk or in
//! memory, with the digests they must have. Embedded, local folder and file, URL, GitHub
//! repository archive and remote index sources all end in the same [`Fetched`] value.

pub mod cache;
pub mod catalog;
pub mod embedded;
mod error;
pub mod github;
pub mod http;
pub mod index;
pub mod record;
pub mod sums;
pub mod url_policy;

use std::collections::HashMap;
use std::io::{self, Read, Seek};
use std::path::{Path, PathBuf};

use url::Url;

use crate::bundle::HashReader;
use crate::bundle::index::IndexEntry;
use crate::bundle::{self, ArchiveData, ArchiveFile, BundleError, Limits};
use crate::sign::TrustedKey;
use cache::{Cache, CachedArchive};
pub use error::SourceError;
use http::{Http, Progress};
use index::RemoteIndex;
pub use record::SourceRecord;

/// The cache key parts of a GitHub repository (none for a malformed name: never cached).
fn parts(repo: &str) -> Vec<&str> {
    github::cache_parts(repo).map(Vec::from).unwrap_or_default()
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
/// (`./`, `../`, `/`, `~`, a drive letter, a `.zip` or `.skill` name); `owner/repo[@ref]`;
/// else a catalog name.
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
        || arg == ".."
        || arg.ends_with(['/', '\\'])
        // No skill name holds a dot: `x.zip` and `x.skill` are files, present or not.
        || [".zip", ".skill"]
            .iter()
            .any(|ext| arg.to_ascii_lowercase().ends_with(ext));
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

/// Archive bytes and what they must be: what the source stage hands the install pipeline
/// (`install::install` takes it as it is).
#[derive(Debug, Clone)]
pub struct Fetched {
    pub archive: ArchiveData,
    /// SHA-256 of the archive bytes, computed while they were fetched or copied.
    pub sha256: String,
    /// False when the archive was packed on the fly (embedded, folder): no digest to record.
    pub record_archive: bool,
    pub expected_sha256: Option<String>,
    pub expected_tree: Option<String>,
    pub expected_name: Option<String>,
    /// Sub-folder of a repository archive holding the skill.
    pub subpath: Option<String>,
    pub source: SourceRecord,
    /// The trusted key whose signature vouched for the source (a signed index), when one did.
    pub signed_by: Option<TrustedKey>,
}

/// The embedded account-management skill.
pub fn fetch_embedded() -> Fetched {
    let bytes = embedded::archive(bundle::Packing::Transient);
    Fetched {
        sha256: bundle::sha256_hex(&bytes),
        archive: ArchiveData::Memory(bytes),
        record_archive: false,
        expected_sha256: None,
        expected_tree: Some(embedded::tree()),
        expected_name: Some(embedded::NAME.to_string()),
        subpath: None,
        signed_by: None,
        source: SourceRecord::Embedded {
            index: Some(record::CATALOG.into()),
        },
    }
}

/// A local skill folder, packed in memory by the deterministic packer. Nothing in the
/// folder is read unless it has a `SKILL.md` at its top, and then only under `limits`,
/// checked while reading, as for an archive.
pub fn fetch_dir(path: &Path, limits: &Limits) -> Result<Fetched, SourceError> {
    let canonical = std::fs::canonicalize(path).map_err(|e| SourceError::Io {
        action: "cannot resolve",
        path: path.to_path_buf(),
        source: e,
    })?;
    let top = canonical.join("SKILL.md");
    if !std::fs::symlink_metadata(&top).is_ok_and(|m| m.is_file()) {
        return Err(SourceError::NotASkillFolder { path: canonical });
    }
    let name = canonical
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let files = bundle::collect_dir_within(&canonical, limits)?;
    let bytes = bundle::pack_to_vec(&name, &files, None, bundle::Packing::Transient)?;
    Ok(Fetched {
        sha256: bundle::sha256_hex(&bytes),
        archive: ArchiveData::Memory(bytes),
        record_archive: false,
        expected_sha256: None,
        expected_tree: None,
        expected_name: None,
        subpath: None,
        signed_by: None,
        source: SourceRecord::Path {
            path: canonical.to_string_lossy().into_owned(),
        },
    })
}

/// Copies the regular file at `path` into `into` (a file only this process holds), hashing
/// the bytes as they pass and refusing more than `max_size` of them. The copy is what is
/// unpacked, so replacing `path` meanwhile cannot change what was hashed.
fn private_copy(
    path: &Path,
    mut into: std::fs::File,
    max_size: u64,
) -> Result<(ArchiveFile, String), SourceError> {
    let shown = path.to_string_lossy().into_owned();
    let source =
        bundle::open_regular(path, true).map_err(|e| SourceError::io("cannot read", path, e))?;
    let declared = source
        .metadata()
        .map_err(|e| SourceError::io("cannot read", path, e))?
        .len();
    if declared > max_size {
        return Err(SourceError::TooLarge {
            url: shown,
            limit: max_size,
        });
    }
    let mut reader = HashReader::new(source.take(max_size.saturating_add(1)));
    io::copy(&mut reader, &mut into).map_err(|e| SourceError::io("cannot copy", path, e))?;
    if reader.len() > max_size {
        return Err(SourceError::TooLarge {
            url: shown,
            limit: max_size,
        });
    }
    let (sha256, len) = reader.finish();
    into.rewind()
        .map_err(|e| SourceError::io("cannot read back the copy of", path, e))?;
    Ok((ArchiveFile::new(into, len, path), sha256))
}

/// Settings for fetching remote sources.
#[derive(Debug, Clone)]
pub struct Config {
    pub cache_dir: PathBuf,
    /// Base URL of repository archives (`SKILLPACK_GITHUB_URL`).
    pub github_base: String,
    /// The remote index consulted for catalog names (`--index` / `SKILLPACK_INDEX`).
    pub index: Option<String>,
    /// Limits on what is read: the largest download or local archive is `max_total` bytes.
    pub limits: Limits,
    pub http: http::Settings,
    /// Relative index paths are resolved against this folder.
    pub cwd: PathBuf,
    /// The keys an index must be signed by (`--trusted-key`, `SKILLPACK_TRUSTED_KEYS`);
    /// none: indexes are read unsigned, as before.
    pub trusted_keys: Vec<TrustedKey>,
}

impl Config {
    /// The configuration for one run: the folder relative paths start from, the index to
    /// consult, the archive limits, and the environment variables (`SKILLPACK_CACHE_DIR`,
    /// `SKILLPACK_GITHUB_URL`, the HTTP settings) looked up through `get`, which the
    /// command line reads once at start-up; library code reads no process globals.
    pub fn from_vars(
        cwd: PathBuf,
        index: Option<String>,
        limits: Limits,
        get: &dyn Fn(&str) -> Option<std::ffi::OsString>,
    ) -> Result<Config, http::SettingsError> {
        let text = |var: &str| get(var).map(|v| v.to_string_lossy().into_owned());
        Ok(Config {
            cache_dir: Cache::default_dir(get("SKILLPACK_CACHE_DIR")),
            github_base: github::base_or_default(text("SKILLPACK_GITHUB_URL")),
            index: index.filter(|i| !i.trim().is_empty()),
            limits,
            http: http::Settings::from_vars(get)?,
            cwd,
            trusted_keys: Vec::new(),
        })
    }

    /// The largest download or local archive, in bytes.
    pub fn max_size(&self) -> u64 {
        self.limits.max_total
    }
}

/// A catalog name, resolved: where its bundle comes from and what it must be, known before
/// anything is downloaded.
#[derive(Debug, Clone)]
pub enum Resolved {
    /// The skill compiled into the binary.
    Embedded,
    /// An entry of the embedded catalog fetched from its pinned repository commit.
    Catalog(&'static catalog::Entry),
    /// An entry of a remote index.
    Index {
        entry: Box<IndexEntry>,
        url: Url,
        /// The index's address, as recorded.
        index: String,
        /// The trusted key that signed the index, when one did.
        signed_by: Option<Box<TrustedKey>>,
    },
}

impl Resolved {
    pub fn name(&self) -> &str {
        match self {
            Resolved::Embedded => embedded::NAME,
            Resolved::Catalog(e) => e.name,
            Resolved::Index { entry, .. } => &entry.name,
        }
    }

    pub fn version(&self) -> &str {
        match self {
            Resolved::Embedded => catalog::find(embedded::NAME).map_or("", |e| e.version),
            Resolved::Catalog(e) => e.version,
            Resolved::Index { entry, .. } => &entry.version,
        }
    }

    /// The tree digest the installed skill will have.
    pub fn tree(&self) -> Option<String> {
        match self {
            Resolved::Embedded => Some(embedded::tree()),
            Resolved::Catalog(e) => e.tree.map(str::to_string),
            Resolved::Index { entry, .. } => Some(entry.tree.clone()),
        }
    }
}

/// Which folder of a repository archive to install.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InRepo<'s> {
    /// The skill called this (`--skill NAME`), found in the usual places.
    Named(&'s str),
    /// Exactly this folder (empty: the repository root), as the catalog or lock says.
    Path(&'s str),
    /// The skill at the repository's root, else its only skill.
    Only,
}

/// Resolves and fetches remote sources for one run. Downloads land in the cache; a
/// repository archive is downloaded once per run whatever number of skills it serves, and
/// one pinned to a commit is reused from the cache across runs.
pub struct Session<'p> {
    config: Config,
    cache: Cache,
    http: Http,
    progress: &'p dyn Progress,
    /// Indexes read in this run; `None` for one that could not be read.
    indexes: HashMap<String, Option<RemoteIndex>>,
    warnings: Vec<SourceError>,
    repos: HashMap<(String, String), CachedArchive>,
    /// Repository archives one of whose skills failed its pin: still served to the other
    /// skills of this run, dropped from the cache when the session ends.
    suspects: Vec<(SourceRecord, String)>,
}

impl Drop for Session<'_> {
    fn drop(&mut self) {
        for (source, sha256) in std::mem::take(&mut self.suspects) {
            self.forget(&source, &sha256);
        }
    }
}

impl<'p> Session<'p> {
    pub fn new(config: Config, progress: &'p dyn Progress) -> Session<'p> {
        Session {
            cache: Cache::new(config.cache_dir.clone()),
            http: Http::new(config.http.clone()),
            config,
            progress,
            indexes: HashMap::new(),
            warnings: Vec::new(),
            repos: HashMap::new(),
            suspects: Vec::new(),
        }
    }

    pub fn cache(&self) -> &Cache {
        &self.cache
    }

    /// The index at `spec` (a URL or a local path), read once per run.
    pub fn index(&mut self, spec: &str) -> Result<&RemoteIndex, SourceError> {
        if !self.indexes.contains_key(spec) {
            let loaded = index::location(spec, &self.config.cwd).and_then(|at| {
                index::load(&self.http, at, &self.config.trusted_keys, self.progress)
            });
            self.indexes
                .insert(spec.to_string(), loaded.as_ref().ok().cloned());
            loaded?;
        }
        self.indexes
            .get(spec)
            .and_then(Option::as_ref)
            .ok_or_else(|| SourceError::Index {
                url: spec.to_string(),
                message: "it could not be read earlier in this run".into(),
            })
    }

    /// Problems that did not stop the run (an unreadable index where the embedded catalog
    /// could answer instead), oldest first; taking them clears the list.
    pub fn take_warnings(&mut self) -> Vec<SourceError> {
        std::mem::take(&mut self.warnings)
    }

    /// Resolves a catalog name through the index at `index` (else the configured one) and
    /// the embedded catalog. An index entry overrides an embedded one only when its version
    /// is newer (DESIGN section 7). When the index cannot be read but the embedded catalog
    /// knows the name, the embedded entry is used and the error kept as a warning, so that
    /// what is compiled in still installs offline.
    pub fn resolve(&mut self, name: &str, index: Option<&str>) -> Result<Resolved, SourceError> {
        let embedded = catalog::find(name);
        let spec = index.or(self.config.index.as_deref()).map(str::to_string);
        let mut known: Vec<String> = catalog::ENTRIES
            .iter()
            .map(|e| e.name.to_string())
            .collect();
        if let Some(spec) = spec {
            match self.index(&spec) {
                Ok(idx) => {
                    if let Some(entry) = idx.entry(name)
                        && embedded.is_none_or(|e| index::newer(&entry.version, e.version))
                    {
                        return Ok(Resolved::Index {
                            url: idx.archive_url(entry)?,
                            entry: Box::new(entry.clone()),
                            index: idx.shown(),
                            signed_by: idx.signed_by.clone().map(Box::new),
                        });
                    }
                    known.extend(idx.names().into_iter().map(str::to_string));
                }
                // A refused signature is never passed over: it may be an attack.
                Err(e) if embedded.is_some() && !e.is_signature() => self.warnings.push(e),
                Err(e) => return Err(e),
            }
        }
        match embedded {
            Some(e) if e.origin == catalog::Origin::Embedded => Ok(Resolved::Embedded),
            Some(e) => Ok(Resolved::Catalog(e)),
            None => {
                known.sort();
                known.dedup();
                Err(SourceError::UnknownSkill {
                    name: name.to_string(),
                    hint: format!(" (known: {})", known.join(", ")),
                    suggestion: crate::text::closest(name, known.iter().map(String::as_str))
                        .map(str::to_string),
                })
            }
        }
    }

    /// Fetches what `resolved` names, with the digests it must have.
    pub fn fetch_resolved(&mut self, resolved: &Resolved) -> Result<Fetched, SourceError> {
        match resolved {
            Resolved::Embedded => Ok(fetch_embedded()),
            Resolved::Catalog(e) => {
                let catalog::Origin::Github { repo, commit, path } = &e.origin else {
                    return Ok(fetch_embedded());
                };
                let mut f = self.fetch_github(repo, Some(commit), InRepo::Path(path), None)?;
                f.expected_tree = e.tree.map(str::to_string);
                f.expected_name = Some(e.name.to_string());
                if let SourceRecord::Github { index, .. } = &mut f.source {
                    *index = Some(record::CATALOG.into());
                }
                Ok(f)
            }
            Resolved::Index {
                entry,
                url,
                index,
                signed_by,
            } => {
                let mut f = if url.scheme() == "file" {
                    let path = url.to_file_path().map_err(|_| SourceError::BadUrl {
                        url: url.to_string(),
                        message: "not a local path".into(),
                    })?;
                    self.fetch_path(&path, Some(entry.sha256.clone()))?
                } else {
                    self.fetch_url(url.as_str(), Some(&entry.sha256))?
                };
                f.expected_tree = Some(entry.tree.clone());
                f.expected_name = Some(entry.name.clone());
                f.source = SourceRecord::Index {
                    url: url_policy::redact(url),
                    index: index.clone(),
                };
                f.signed_by = signed_by.as_deref().cloned();
                Ok(f)
            }
        }
    }

    /// A local folder (see [`fetch_dir`]) or a `.zip`/`.skill` file, copied into the cache
    /// (else the temporary folder) while hashed, and unpacked from that copy.
    pub fn fetch_path(
        &self,
        path: &Path,
        expected_sha256: Option<String>,
    ) -> Result<Fetched, SourceError> {
        let meta = std::fs::metadata(path).map_err(|_| SourceError::NotFound {
            path: path.to_path_buf(),
        })?;
        if meta.is_dir() {
            return fetch_dir(path, &self.config.limits);
        }
        let copy = self.cache.private_file()?;
        let (archive, sha256) = private_copy(path, copy, self.config.max_size())?;
        let shown = path.to_string_lossy().into_owned();
        Ok(Fetched {
            sha256,
            archive: ArchiveData::File(archive),
            record_archive: true,
            expected_sha256,
            expected_tree: None,
            expected_name: None,
            subpath: None,
            signed_by: None,
            source: SourceRecord::File {
                path: std::fs::canonicalize(path)
                    .map(|p| p.to_string_lossy().into_owned())
                    .unwrap_or(shown),
            },
        })
    }

    /// Downloads the zip at `url` (https, or http on loopback). With `expected_sha256`, a
    /// cached copy is used when there is one, and a different download is refused before
    /// it enters the cache.
    pub fn fetch_url(
        &mut self,
        url: &str,
        expected_sha256: Option<&str>,
    ) -> Result<Fetched, SourceError> {
        let parsed = url_policy::parse_url(url)?;
        url_policy::check_url(&parsed)?;
        let cached =
            expected_sha256.and_then(|sha| self.cache.get(sha.trim_start_matches("sha256:")));
        let archive = match cached {
            Some(a) => a,
            None => self.http.download(
                &parsed,
                &self.cache,
                self.config.max_size(),
                expected_sha256,
                self.progress,
            )?,
        };
        Ok(Fetched {
            archive: ArchiveData::File(archive.file),
            sha256: archive.sha256,
            record_archive: true,
            expected_sha256: expected_sha256.map(str::to_string),
            expected_tree: None,
            expected_name: None,
            subpath: None,
            signed_by: None,
            source: SourceRecord::Url {
                url: url_policy::redact(&parsed),
            },
        })
    }

    /// The archive of `repo` at `reference` (default `HEAD`), and the folder in it that
    /// holds the skill `which` names.
    pub fn fetch_github(
        &mut self,
        repo: &str,
        reference: Option<&str>,
        which: InRepo<'_>,
        expected_sha256: Option<&str>,
    ) -> Result<Fetched, SourceError> {
        let reference = reference.unwrap_or(github::DEFAULT_REF);
        let spec = format!("{repo}@{reference}");
        let archive = self.repo_archive(repo, reference, expected_sha256)?;
        let listing = github::list(&archive.file)?;
        let subpath = match which {
            InRepo::Named(name) => listing.find(name, &spec)?,
            InRepo::Path(p) => p.trim_matches('/').to_string(),
            InRepo::Only => match &listing.skills[..] {
                [one] => one.clone(),
                _ if listing.skills.iter().any(String::is_empty) => String::new(),
                [] => {
                    return Err(BundleError::NoSkill {
                        hint: format!(" anywhere in `{spec}`"),
                    }
                    .into());
                }
                _ => {
                    return Err(SourceError::ManySkills {
                        spec,
                        available: listing.names(),
                    });
                }
            },
        };
        Ok(Fetched {
            archive: ArchiveData::File(archive.file),
            sha256: archive.sha256,
            record_archive: true,
            expected_sha256: expected_sha256.map(str::to_string),
            expected_tree: None,
            expected_name: None,
            subpath: Some(subpath.clone()),
            signed_by: None,
            source: SourceRecord::Github {
                repo: repo.to_string(),
                reference: reference.to_string(),
                path: subpath,
                index: None,
            },
        })
    }

    fn repo_archive(
        &mut self,
        repo: &str,
        reference: &str,
        expected_sha256: Option<&str>,
    ) -> Result<CachedArchive, SourceError> {
        let key = (repo.to_string(), reference.to_string());
        if let Some(a) = self.repos.get(&key) {
            return Ok(a.clone());
        }
        let pinned = github::is_commit(reference);
        // The ref file only says which cached archive to look at; the archive must say
        // itself that it is this commit (a repository archive carries its commit id as
        // the zip comment), or it is not used and the commit is downloaded again.
        let cached = if pinned {
            match self.cache.commit_archive(&parts(repo), reference) {
                Some(a)
                    if github::archive_commit(&a.file)
                        .is_some_and(|c| c.eq_ignore_ascii_case(reference)) =>
                {
                    Some(a)
                }
                Some(_) => {
                    self.cache.forget_commit(&parts(repo), reference);
                    None
                }
                None => None,
            }
        } else {
            None
        };
        let archive = match cached {
            Some(a) => a,
            None => {
                let url = github::archive_url(&self.config.github_base, repo, reference)?;
                let a = self
                    .http
                    .download(
                        &url,
                        &self.cache,
                        self.config.max_size(),
                        expected_sha256,
                        self.progress,
                    )
                    .map_err(|e| match e.last_attempt() {
                        SourceError::Status { status: 404, .. } => SourceError::RepoNotFound {
                            spec: format!("{repo}@{reference}"),
                        },
                        _ => e,
                    })?;
                if pinned {
                    match github::archive_commit(&a.file) {
                        Some(c) if c.eq_ignore_ascii_case(reference) => {
                            self.cache
                                .remember_commit(&parts(repo), reference, &a.sha256);
                        }
                        Some(found) => {
                            self.cache.forget(&a.sha256);
                            return Err(SourceError::WrongCommit {
                                spec: format!("{repo}@{reference}"),
                                found,
                            });
                        }
                        // A mirror that does not say which commit its archive is: used for
                        // this run, downloaded again the next.
                        None => {}
                    }
                }
                a
            }
        };
        self.repos.insert(key, archive.clone());
        Ok(archive)
    }

    /// Drops a downloaded archive that failed verification after it was fetched, so that
    /// the next run downloads it afresh rather than trusting the cached copy.
    /// `source` and `sha256` are those of the [`Fetched`] value.
    /// Like [`Session::forget`], but only once this run is over, for an archive other
    /// skills of the run may still come from.
    pub fn forget_after_run(&mut self, source: &SourceRecord, sha256: &str) {
        self.suspects.push((source.clone(), sha256.to_string()));
    }

    pub fn forget(&mut self, source: &SourceRecord, sha256: &str) {
        if !source.is_downloaded() {
            return;
        }
        if let SourceRecord::Github {
            repo, reference, ..
        } = source
        {
            self.cache.forget_commit(&parts(repo), reference);
        }
        self.repos.retain(|_, a| a.sha256 != sha256);
        self.cache.forget(sha256);
    }
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
