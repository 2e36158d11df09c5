//! Resolving and fetching: turns a SOURCE argument into archive bytes on local disk or in
//! memory, with the digests they must have. Embedded, local folder and file, URL, GitHub
//! repository archive and remote index sources all end in the same [`Fetched`] value.

pub(crate) mod cache;
pub mod catalog;
pub mod embedded;
mod error;
pub(crate) mod github;
pub mod http;
pub(crate) mod index;
pub mod listing;
pub mod record;
mod spec;
pub(crate) mod sums;
mod tls;
pub(crate) mod url_policy;

use std::collections::HashMap;
use std::io::{self, Read, Seek};
use std::path::{Path, PathBuf};

use url::Url;

use crate::bundle::HashReader;
use crate::bundle::index::IndexEntry;
use crate::bundle::{self, ArchiveData, ArchiveFile, Limits, SkillAt};
use crate::sign::TrustedKey;
use cache::{Cache, CachedArchive};
pub use error::SourceError;
use http::{Http, Progress};
use index::RemoteIndex;
pub use listing::{Found, Pick};
pub use record::SourceRecord;
pub use spec::{Spec, parse_spec, slash_ref_shorthand};

/// The cache key parts of a GitHub repository (none for a malformed name: never cached).
fn parts(repo: &str) -> Vec<&str> {
    github::cache_parts(repo).map(Vec::from).unwrap_or_default()
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
    /// Where the skill is in the archive.
    pub at: SkillAt,
    pub source: SourceRecord,
    /// The trusted key whose signature vouched for the source (a signed index), when one did.
    pub signed_by: Option<TrustedKey>,
}

impl Fetched {
    /// A downloaded or copied archive file, recorded with its digest, the skill found in it
    /// as usual until a folder is chosen.
    fn of_file(
        file: ArchiveFile,
        sha256: String,
        expected_sha256: Option<&str>,
        source: SourceRecord,
    ) -> Fetched {
        Fetched {
            archive: ArchiveData::File(file),
            sha256,
            record_archive: true,
            expected_sha256: expected_sha256.map(str::to_string),
            expected_tree: None,
            expected_name: None,
            at: SkillAt::Find,
            signed_by: None,
            source,
        }
    }
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
        at: SkillAt::Find,
        signed_by: None,
        source: SourceRecord::Embedded {
            index: Some(record::Via::Catalog),
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
        at: SkillAt::Find,
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
    let mut reader = HashReader::background(source.take(max_size.saturating_add(1)), declared);
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
    /// Where a file that cannot be made in the cache is made instead.
    pub temp_dir: PathBuf,
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
    /// When an index cannot be reached, use the copy saved the last time it was read
    /// (checked as then), with a warning: for restoring locked versions offline.
    pub saved_index: bool,
}

/// Folders of the machine a session works in, as the caller found them (the library reads
/// no environment): the platform's cache folder and the temporary folder.
#[derive(Debug, Clone, Default)]
pub struct Places {
    pub cache_home: Option<PathBuf>,
    pub temp: PathBuf,
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
        places: &Places,
        get: &dyn Fn(&str) -> Option<std::ffi::OsString>,
    ) -> Result<Config, http::SettingsError> {
        let text = |var: &str| get(var).map(|v| v.to_string_lossy().into_owned());
        Ok(Config {
            cache_dir: Cache::default_dir(
                get("SKILLPACK_CACHE_DIR"),
                places.cache_home.as_deref(),
                &places.temp,
            ),
            temp_dir: places.temp.clone(),
            github_base: github::base_or_default(text("SKILLPACK_GITHUB_URL")),
            index: index.filter(|i| !i.trim().is_empty()),
            limits,
            http: http::Settings::from_vars(get)?,
            cwd,
            trusted_keys: Vec::new(),
            saved_index: false,
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
    /// The skill called this (`--skill NAME`): one skill answering to the name, or the
    /// folder a word holding `/` names.
    Named(&'s str),
    /// Exactly this folder (empty: the repository root), as the catalog or lock says.
    Path(&'s str),
    /// The skill at the repository's root, else its only skill.
    Only,
}

/// What holds the skills of an opened source.
#[derive(Debug)]
enum Holder {
    /// An archive: a repository's (`in_top`: paths inside its single top folder) or a zip.
    Archive { base: Box<Fetched>, in_top: bool },
    /// A local folder.
    Dir(PathBuf),
}

/// A source fetched once, and the skills it holds: each skill asked for is taken from it
/// without fetching again.
#[derive(Debug)]
pub struct Opened {
    /// The skills found, by folder.
    pub skills: Vec<Found>,
    /// The source as messages name it.
    pub shown: String,
    holder: Holder,
}

impl Opened {
    fn of_archive(fetched: Fetched, shown: String) -> Result<Opened, SourceError> {
        // Local files and downloads are always files; a bundle packed in memory is one
        // skill, found as usual.
        let skills = match &fetched.archive {
            ArchiveData::File(file) => listing::list_archive(file, false)?,
            ArchiveData::Memory(_) => Vec::new(),
        };
        Ok(Opened {
            skills,
            shown,
            holder: Holder::Archive {
                base: Box::new(fetched),
                in_top: false,
            },
        })
    }

    /// The archive's SHA-256 and record, when the source is one archive.
    pub fn archive(&self) -> Option<&Fetched> {
        match &self.holder {
            Holder::Archive { base, .. } => Some(base),
            Holder::Dir(_) => None,
        }
    }

    /// The commit a repository source resolved to.
    pub fn commit(&self) -> Option<&str> {
        match &self.holder {
            Holder::Archive { base, .. } => base.source.commit(),
            Holder::Dir(_) => None,
        }
    }

    /// The bundle of the skill in the folder `path` (empty: the only one), else of the
    /// skill named `path`.
    pub fn take_path(&self, path: &str, limits: &Limits) -> Result<Fetched, SourceError> {
        let path = path.trim_matches('/');
        let found = match self.skills.iter().find(|f| f.path == path) {
            Some(f) if !path.is_empty() => f.clone(),
            _ if path.is_empty() => listing::pick(&self.skills, Pick::Only, &self.shown)?.remove(0),
            _ => listing::named(&self.skills, path, &self.shown)?,
        };
        self.take(&found, limits)
    }

    /// The bundle of the skill `found` (one of [`Opened::skills`]).
    pub fn take(&self, found: &Found, limits: &Limits) -> Result<Fetched, SourceError> {
        match &self.holder {
            Holder::Dir(dir) => {
                let sub = if found.path.is_empty() {
                    dir.clone()
                } else {
                    dir.join(&found.path)
                };
                fetch_dir(&sub, limits)
            }
            Holder::Archive { base, in_top } => {
                let mut f = (**base).clone();
                let path = found.path.clone();
                f.at = if *in_top {
                    SkillAt::InTop(path.clone())
                } else if self.skills.len() <= 1 {
                    // The only skill: found as before, so that a stray entry beside it is
                    // still refused.
                    SkillAt::Find
                } else {
                    SkillAt::Exact(path.clone())
                };
                match &mut f.source {
                    SourceRecord::Github { path: p, .. } | SourceRecord::Git { path: p, .. } => {
                        *p = path
                    }
                    SourceRecord::Url { folder, .. } | SourceRecord::File { folder, .. } => {
                        if matches!(f.at, SkillAt::Exact(_)) {
                            *folder = path
                        }
                    }
                    _ => {}
                }
                Ok(f)
            }
        }
    }
}

/// Resolves and fetches remote sources for one run. Downloads land in the cache; a
/// repository archive is downloaded once per run whatever number of skills it serves, and
/// one pinned to a commit is reused from the cache across runs.
pub struct Session<'p> {
    config: Config,
    cache: Cache,
    http: Http,
    progress: &'p dyn Progress,
    /// Indexes read in this run; for one that could not be used, why (said again to each
    /// later skill that needs it).
    indexes: HashMap<String, Result<RemoteIndex, std::sync::Arc<SourceError>>>,
    warnings: Vec<SourceError>,
    repos: HashMap<(String, String), CachedArchive>,
    /// Repository archives one of whose skills failed its pin: still served to the other
    /// skills of this run, dropped from the cache when the session ends.
    suspects: Vec<(SourceRecord, String)>,
    /// Whether a cached archive of a pinned commit may serve the fetch under way (see
    /// [`Session::fetch_github_tree`]).
    reuse_pinned: bool,
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
            cache: Cache::new(config.cache_dir.clone())
                .with_temp(config.temp_dir.clone())
                .with_max_size(config.max_size()),
            http: Http::new(config.http.clone()),
            config,
            progress,
            indexes: HashMap::new(),
            warnings: Vec::new(),
            repos: HashMap::new(),
            suspects: Vec::new(),
            reuse_pinned: false,
        }
    }

    pub fn cache(&self) -> &Cache {
        &self.cache
    }

    /// The index names are resolved through unless a call names another.
    pub fn configured_index(&self) -> Option<&str> {
        self.config.index.as_deref()
    }

    /// The index at `spec` (a URL or a local path), read once per run.
    pub fn index(&mut self, spec: &str) -> Result<&RemoteIndex, SourceError> {
        if !self.indexes.contains_key(spec) {
            let loaded = index::location(spec, &self.config.cwd).and_then(|at| {
                let keys = &self.config.trusted_keys;
                let remote = at.scheme() != "file";
                match index::load(&self.http, at.clone(), keys, self.progress) {
                    Ok((idx, got)) => {
                        // Kept for a run that cannot reach it (`saved_index`).
                        if remote {
                            self.cache.save_doc(at.as_str(), ".json", Some(&got.bytes));
                            let sig = got.signature.as_deref().map(str::as_bytes);
                            self.cache.save_doc(at.as_str(), ".json.minisig", sig);
                        }
                        Ok((idx, None))
                    }
                    Err(e) if remote && self.config.saved_index && e.is_unreachable() => {
                        let Some(bytes) =
                            self.cache
                                .saved_doc(at.as_str(), ".json", index::MAX_INDEX_SIZE)
                        else {
                            return Err(e);
                        };
                        let signature = self
                            .cache
                            .saved_doc(at.as_str(), ".json.minisig", crate::sign::MAX_SIG_SIZE)
                            .map(|b| String::from_utf8_lossy(&b).into_owned());
                        // Checked as when it was fetched: a saved copy is no more trusted.
                        let saved = index::IndexBytes { bytes, signature };
                        let idx = index::verify(at.clone(), &saved, keys)?;
                        Ok((idx, Some(e)))
                    }
                    Err(e) => Err(e),
                }
            });
            let loaded = match loaded {
                Ok((idx, unreachable)) => {
                    if let Some(e) = unreachable {
                        self.warnings.push(SourceError::SavedIndex {
                            url: spec.to_string(),
                            reason: e.to_string(),
                        });
                    }
                    Ok(idx)
                }
                Err(e) => Err(e),
            };
            self.indexes
                .insert(spec.to_string(), loaded.map_err(std::sync::Arc::new));
        }
        match self.indexes.get(spec) {
            Some(Ok(idx)) => Ok(idx),
            Some(Err(e)) => Err(SourceError::Shared(e.clone())),
            None => unreachable!("the index was read above"),
        }
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
            // An index that failed earlier in this run was warned about then.
            let failed_before = self.indexes.get(&spec).is_some_and(Result::is_err);
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
                Err(_) if embedded.is_some() && failed_before => {}
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

    /// Resolves `name` at exactly `version`: the embedded catalog's entry or one of the
    /// index's entries of that name; otherwise an error naming the versions there are.
    pub fn resolve_version(&mut self, name: &str, version: &str) -> Result<Resolved, SourceError> {
        let newest = self.resolve(name, None)?;
        if newest.version() == version {
            return Ok(newest);
        }
        let mut available = vec![newest.version().to_string()];
        if let Some(e) = catalog::find(name) {
            if e.version == version {
                return Ok(match e.origin {
                    catalog::Origin::Embedded => Resolved::Embedded,
                    _ => Resolved::Catalog(e),
                });
            }
            available.push(e.version.to_string());
        }
        if let Some(spec) = self.config.index.clone()
            && let Ok(idx) = self.index(&spec)
        {
            for entry in idx.entries(name) {
                if entry.version == version {
                    return Ok(Resolved::Index {
                        url: idx.archive_url(entry)?,
                        entry: Box::new(entry.clone()),
                        index: idx.shown(),
                        signed_by: idx.signed_by.clone().map(Box::new),
                    });
                }
                available.push(entry.version.clone());
            }
        }
        available.sort_by(|a, b| index::compare_versions(a, b));
        available.dedup();
        Err(SourceError::NoSuchVersion {
            name: name.to_string(),
            version: version.to_string(),
            available,
        })
    }

    /// Fetches what `resolved` names, with the digests it must have.
    pub fn fetch_resolved(&mut self, resolved: &Resolved) -> Result<Fetched, SourceError> {
        match resolved {
            Resolved::Embedded => Ok(fetch_embedded()),
            Resolved::Catalog(e) => {
                let catalog::Origin::Github { repo, commit, path } = &e.origin else {
                    return Ok(fetch_embedded());
                };
                let mut f = match e.tree {
                    Some(tree) => {
                        self.fetch_github_tree(repo, Some(commit), InRepo::Path(path), tree)?
                    }
                    None => self.fetch_github(repo, Some(commit), InRepo::Path(path), None)?,
                };
                f.expected_name = Some(e.name.to_string());
                if let SourceRecord::Github { index, .. } = &mut f.source {
                    *index = Some(record::Via::Catalog);
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
        Ok(Fetched::of_file(
            archive,
            sha256,
            expected_sha256.as_deref(),
            SourceRecord::File {
                path: std::fs::canonicalize(path)
                    .map(|p| p.to_string_lossy().into_owned())
                    .unwrap_or(shown),
                folder: String::new(),
            },
        ))
    }

    /// Downloads the zip at `url`, as [`Session::fetch_url`] does. With trusted keys, the
    /// `SHA256SUMS` of the folder `url` is in must be signed by one of them and list the
    /// archive: its line is the digest the download must have (and `expected_sha256`, when
    /// given too, must be the same). Nothing is downloaded from `url` unless it is.
    pub fn fetch_release_url(
        &mut self,
        url: &str,
        expected_sha256: Option<&str>,
    ) -> Result<Fetched, SourceError> {
        if self.config.trusted_keys.is_empty() {
            return self.fetch_url(url, expected_sha256);
        }
        let parsed = url_policy::parse_url(url)?;
        url_policy::check_url(&parsed)?;
        let (digest, key) = sums::signed_digest(
            &self.http,
            self.progress,
            &self.config.trusted_keys,
            &parsed,
        )?;
        if let Some(given) = expected_sha256
            && !given
                .trim_start_matches("sha256:")
                .eq_ignore_ascii_case(&digest)
        {
            return Err(SourceError::SumsDisagree {
                url: url_policy::redact(&parsed),
                given: given.to_string(),
                listed: digest,
            });
        }
        let mut fetched = self.fetch_url(url, Some(&digest))?;
        fetched.signed_by = Some(key);
        Ok(fetched)
    }

    /// Downloads the zip at `url` (https, or http on loopback). With `expected_sha256`, a
    /// cached copy is used when there is one; the install pipeline refuses a different
    /// archive (and drops it from the cache).
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
            None => {
                self.http
                    .download(&parsed, &self.cache, self.config.max_size(), self.progress)?
            }
        };
        Ok(Fetched::of_file(
            archive.file,
            archive.sha256,
            expected_sha256,
            SourceRecord::Url {
                url: url_policy::redact(&parsed),
                folder: String::new(),
            },
        ))
    }

    /// [`Session::fetch_github`] of a skill whose tree is recorded (a lock, the catalog):
    /// the result must have `tree`, checked by the install pipeline, so a cached archive
    /// of a pinned commit may serve it offline. Any other fetch of a commit downloads it
    /// (a cached archive names its commit itself, which proves nothing).
    pub fn fetch_github_tree(
        &mut self,
        repo: &str,
        reference: Option<&str>,
        which: InRepo<'_>,
        tree: &str,
    ) -> Result<Fetched, SourceError> {
        let before = std::mem::replace(&mut self.reuse_pinned, true);
        let fetched = self.fetch_github(repo, reference, which, None);
        self.reuse_pinned = before;
        let mut fetched = fetched?;
        fetched.expected_tree = Some(tree.to_string());
        Ok(fetched)
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
        let path = match which {
            InRepo::Path(p) => Some(p.trim_matches('/').to_string()),
            _ => None,
        };
        let opened = self.open_github(repo, reference, None, expected_sha256)?;
        let found = match (which, path) {
            (_, Some(path)) => Found {
                name: path.rsplit('/').next().unwrap_or_default().to_string(),
                path,
                description: String::new(),
                declared: None,
            },
            (InRepo::Named(name), None) => listing::pick(
                &opened.skills,
                Pick::Named(&[name.to_string()]),
                &opened.shown,
            )?
            .remove(0),
            _ => listing::pick(&opened.skills, Pick::Only, &opened.shown)?.remove(0),
        };
        opened.take(&found, &self.config.limits)
    }

    /// A repository archive of GitHub, and the skills in it (under `within`, when given).
    pub fn open_github(
        &mut self,
        repo: &str,
        reference: Option<&str>,
        within: Option<&str>,
        expected_sha256: Option<&str>,
    ) -> Result<Opened, SourceError> {
        let reference = reference.unwrap_or(github::DEFAULT_REF);
        let archive = self.repo_archive(repo, reference)?;
        // A mirror whose archive does not name its commit: a ref that is a commit id is.
        let commit = github::archive_commit(&archive.file)
            .or_else(|| github::is_commit(reference).then(|| reference.to_ascii_lowercase()));
        let skills = listing::list_archive(&archive.file, true)?;
        let shown = match commit.as_deref() {
            Some(c) if c != reference => format!("{repo}@{reference} ({})", &c[..12]),
            _ => format!("{repo}@{reference}"),
        };
        Ok(Opened {
            skills: listing::within(skills, within.unwrap_or(""), &shown)?,
            shown,
            holder: Holder::Archive {
                in_top: true,
                base: Box::new(Fetched::of_file(
                    archive.file,
                    archive.sha256,
                    expected_sha256,
                    SourceRecord::Github {
                        repo: repo.to_string(),
                        reference: reference.to_string(),
                        path: String::new(),
                        index: None,
                        commit,
                    },
                )),
            },
        })
    }

    /// A repository fetched with the system `git` (one commit, shallow, kept in the
    /// cache), as an archive, and the skills in it (under `within`, when given).
    pub fn open_git(
        &mut self,
        url: &str,
        reference: Option<&str>,
        within: Option<&str>,
    ) -> Result<Opened, SourceError> {
        let reference = reference.unwrap_or("HEAD");
        let shown_url = url_policy::redact_git(url);
        let store = self.cache.git_store(url);
        let git_failed = |e: crate::git::GitError| match e {
            crate::git::GitError::NotFound(_) => SourceError::GitMissing {
                url: shown_url.clone(),
            },
            crate::git::GitError::Failed { stderr, .. } => SourceError::Git {
                url: shown_url.clone(),
                reference: reference.to_string(),
                // git hides credentials itself; a message that repeats the URL as given
                // is cleaned too.
                // One line per line git wrote, joined: escaped, not shown as `\n`.
                message: stderr
                    .replace(url, &shown_url)
                    .lines()
                    .map(|l| l.trim().trim_start_matches("fatal: "))
                    .filter(|l| !l.is_empty())
                    .map(|l| crate::text::escape(l).into_owned())
                    .collect::<Vec<_>>()
                    .join("; "),
            },
            other => SourceError::Git {
                url: shown_url.clone(),
                reference: reference.to_string(),
                message: other.to_string(),
            },
        };
        let plain = url_policy::check_git_url(url)?;
        let commit =
            crate::git::fetch_shallow(&store, url, reference, plain).map_err(git_failed)?;
        let zip = store.join(format!("{commit}.zip"));
        if !zip.is_file() {
            let partial = store.join(format!(".{commit}.zip.partial"));
            crate::git::archive_zip(&store, &commit, "repo", &partial).map_err(git_failed)?;
            std::fs::rename(&partial, &zip)
                .map_err(|e| SourceError::io("cannot write", &zip, e))?;
        }
        let copy = self.cache.private_file()?;
        let (archive, sha256) = private_copy(&zip, copy, self.config.max_size())?;
        let skills = listing::list_archive(&archive, true)?;
        let shown = if commit == reference {
            format!("{shown_url}#{reference}")
        } else {
            format!("{shown_url}#{reference} ({})", &commit[..12])
        };
        Ok(Opened {
            skills: listing::within(skills, within.unwrap_or(""), &shown)?,
            shown,
            holder: Holder::Archive {
                in_top: true,
                base: Box::new(Fetched::of_file(
                    archive,
                    sha256,
                    None,
                    SourceRecord::Git {
                        url: shown_url.clone(),
                        reference: reference.to_string(),
                        commit,
                        path: String::new(),
                    },
                )),
            },
        })
    }

    /// A local folder or archive, or a downloaded zip, and the skills in it.
    pub fn open_path(
        &mut self,
        path: &Path,
        expected_sha256: Option<String>,
    ) -> Result<Opened, SourceError> {
        if std::fs::metadata(path).is_ok_and(|m| m.is_dir()) {
            let canonical = std::fs::canonicalize(path)
                .map_err(|e| SourceError::io("cannot resolve", path, e))?;
            let skills = listing::list_dir(&canonical, &self.config.limits)?;
            return Ok(Opened {
                skills,
                shown: crate::paths::lexical(path).to_string_lossy().into_owned(),
                holder: Holder::Dir(canonical),
            });
        }
        let fetched = self.fetch_path(path, expected_sha256)?;
        Opened::of_archive(
            fetched,
            crate::paths::lexical(path).to_string_lossy().into_owned(),
        )
    }

    /// A zip at a URL, and the skills in it.
    pub fn open_url(
        &mut self,
        url: &str,
        expected_sha256: Option<&str>,
    ) -> Result<Opened, SourceError> {
        let fetched = self.fetch_release_url(url, expected_sha256)?;
        let shown = match &fetched.source {
            SourceRecord::Url { url, .. } => url.clone(),
            _ => url.to_string(),
        };
        Opened::of_archive(fetched, shown)
    }

    fn repo_archive(&mut self, repo: &str, reference: &str) -> Result<CachedArchive, SourceError> {
        let key = (repo.to_string(), reference.to_string());
        if let Some(a) = self.repos.get(&key) {
            return Ok(a.clone());
        }
        let pinned = github::is_commit(reference);
        // The ref file only says which cached archive to look at; the archive must say
        // itself that it is this commit (a repository archive carries its commit id as
        // the zip comment), or it is not used and the commit is downloaded again. Anyone
        // who can write to the cache can forge both, so this serves only a fetch whose
        // tree is checked against a recorded digest afterwards.
        let cached = if pinned && self.reuse_pinned {
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
                    .download(&url, &self.cache, self.config.max_size(), self.progress)
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
                } else if let Some(c) = github::archive_commit(&a.file) {
                    // A branch's archive is also that commit's: later asked for by its
                    // commit (a companion, a lock), it is served from here.
                    self.cache.remember_commit(&parts(repo), &c, &a.sha256);
                    self.repos.insert((repo.to_string(), c), a.clone());
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
