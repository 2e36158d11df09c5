//! The download cache: whole archives named by their SHA-256, and the `.partial` files that
//! downloads stream into. A file enters the cache only by a rename once it is complete.
//!
//! Layout under the cache folder (`SKILLPACK_CACHE_DIR`, else the platform cache dir):
//! `archives/<sha256>.zip`, `archives/*.partial` (a download in progress, locked by its
//! writer), and `refs/github/<owner>/<repo>/<commit>` (the digest a commit's archive had).

use std::fs::{self, File};
use std::io::{self, Read, Seek, Write};
use std::path::{Path, PathBuf};

use super::error::SourceError;
use crate::bundle::{ArchiveFile, HashReader, open_regular};
use sha2::Digest;

const PARTIAL_SUFFIX: &str = ".partial";

/// An archive stored whole in the cache, held open: `file` reads exactly the bytes that
/// were hashed into `sha256`, whatever happens to the path afterwards.
#[derive(Debug, Clone)]
pub struct CachedArchive {
    pub file: ArchiveFile,
    /// Lowercase hex SHA-256 of the file.
    pub sha256: String,
    pub size: u64,
}

impl CachedArchive {
    pub fn path(&self) -> &Path {
        self.file.path()
    }
}

#[derive(Debug, Clone)]
pub struct Cache {
    root: PathBuf,
    /// Where a private file is made when the cache folder cannot hold one (empty: the
    /// system's temporary folder, as `tempfile` finds it).
    temp: PathBuf,
    /// The largest cached archive handed out; a larger file under an archive's name is
    /// never copied (it is not what was downloaded under the same limit).
    max_size: u64,
}

impl Cache {
    pub fn new(root: impl Into<PathBuf>) -> Cache {
        Cache {
            root: root.into(),
            temp: PathBuf::new(),
            max_size: u64::MAX,
        }
    }

    /// The same cache, handing out archives of at most `max` bytes.
    pub fn with_max_size(mut self, max: u64) -> Cache {
        self.max_size = max;
        self
    }

    /// The same cache, making files it cannot make in its own folder in `temp`.
    pub fn with_temp(mut self, temp: PathBuf) -> Cache {
        self.temp = temp;
        self
    }

    /// `configured` (`SKILLPACK_CACHE_DIR`, as the caller read it), else
    /// `<platform cache folder>/skillpack`, else a folder in the temporary folder.
    pub fn default_dir(
        configured: Option<std::ffi::OsString>,
        cache_home: Option<&Path>,
        temp: &Path,
    ) -> PathBuf {
        if let Some(dir) = configured.filter(|d| !d.is_empty()) {
            return PathBuf::from(dir);
        }
        cache_home
            .map(|d| d.join("skillpack"))
            .unwrap_or_else(|| temp.join("skillpack-cache"))
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The bare repository the commits fetched from the git repository at `url` are
    /// kept in (a folder named by a digest of the URL).
    pub fn git_store(&self, url: &str) -> PathBuf {
        let key = crate::bundle::sha256_hex(url.as_bytes());
        self.root.join("git").join(&key[..32])
    }

    fn archives(&self) -> PathBuf {
        self.root.join("archives")
    }

    /// The cached archive with digest `sha256`, copied into a file only this process can
    /// reach while it is hashed, and handed out as that copy: whoever else can write to the
    /// cache cannot change the bytes between the check and the unpacking. A cached file
    /// whose content no longer matches its name is removed. Only regular files are opened
    /// (no FIFO can stall the run).
    pub fn get(&self, sha256: &str) -> Option<CachedArchive> {
        if !is_hex_digest(sha256) {
            return None;
        }
        let sha256 = sha256.to_ascii_lowercase();
        let path = self.archives().join(format!("{sha256}.zip"));
        // Never through a link, and never more than an archive may hold: a planted link or
        // sparse giant is not copied (the copy stops at the cap if the file grows).
        let cached = open_regular(&path, false).ok()?;
        let len = cached.metadata().ok()?.len();
        if len > self.max_size {
            return None;
        }
        let mut copy = self.private_file().ok()?;
        let mut reader = HashReader::background(cached.take(self.max_size.saturating_add(1)), len);
        io::copy(&mut reader, &mut copy).ok()?;
        let (digest, size) = reader.finish();
        if size > self.max_size || digest != sha256 {
            let _ = fs::remove_file(&path);
            return None;
        }
        copy.rewind().ok()?;
        Some(CachedArchive {
            file: ArchiveFile::new(copy, size, path),
            sha256,
            size,
        })
    }

    /// Removes the archive with digest `sha256` (one that failed verification downstream).
    pub fn forget(&self, sha256: &str) {
        if is_hex_digest(sha256) {
            let _ = fs::remove_file(self.archives().join(format!("{sha256}.zip")));
        }
    }

    /// A new, locked `.partial` file to stream a download into. Partial files that no
    /// process holds any more (left by a run that was killed) are removed first.
    pub fn partial(&self) -> Result<Partial, SourceError> {
        let dir = self.archives();
        fs::create_dir_all(&dir).map_err(|e| SourceError::io("cannot create", &dir, e))?;
        self.sweep();
        let file = tempfile::Builder::new()
            .prefix(".download-")
            .suffix(PARTIAL_SUFFIX)
            .tempfile_in(&dir)
            .map_err(|e| SourceError::io("cannot create a file in", &dir, e))?;
        // The lock tells a concurrent sweep that this download is alive; the OS drops it
        // with the process, so a killed run's file becomes sweepable.
        file.as_file()
            .try_lock()
            .map_err(|e| SourceError::io("cannot lock", file.path(), e.into()))?;
        Ok(Partial { file })
    }

    /// A new file only this process can reach (no name in the cache, or none for long), in
    /// the archives folder when it can be made there, else in the temporary folder: where a
    /// local archive is copied before it is hashed and unpacked.
    pub fn private_file(&self) -> Result<File, SourceError> {
        let dir = self.archives();
        if fs::create_dir_all(&dir).is_ok()
            && let Ok(file) = tempfile::tempfile_in(&dir)
        {
            return Ok(file);
        }
        let made = if self.temp.as_os_str().is_empty() {
            tempfile::tempfile()
        } else {
            tempfile::tempfile_in(&self.temp)
        };
        made.map_err(|e| SourceError::io("cannot create a file in", &self.temp, e))
    }

    /// Removes `.partial` files whose writer is gone; returns how many.
    pub fn sweep(&self) -> usize {
        let Ok(entries) = fs::read_dir(self.archives()) else {
            return 0;
        };
        let mut removed = 0;
        for entry in entries.filter_map(Result::ok) {
            let path = entry.path();
            let is_partial = path
                .file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.ends_with(PARTIAL_SUFFIX));
            if !is_partial {
                continue;
            }
            let abandoned = File::open(&path).is_ok_and(|f| f.try_lock().is_ok());
            if abandoned && fs::remove_file(&path).is_ok() {
                removed += 1;
            }
        }
        removed
    }

    /// `refs/<parts…>/<id>`: where the digest an immutable reference gave is remembered.
    /// The parts are opaque to the cache (a repository host, owner and name, say); each
    /// must be a plain file name, so nothing is written outside `refs/`.
    fn ref_file(&self, parts: &[&str], id: &str) -> Option<PathBuf> {
        let plain = |p: &&str| {
            !p.is_empty() && *p != "." && *p != ".." && !p.contains(['/', '\\', '\0', ':'])
        };
        if parts.is_empty() || !parts.iter().all(plain) || !plain(&id) {
            return None;
        }
        let mut path = self.root.join("refs");
        path.extend(parts);
        Some(path.join(id.to_ascii_lowercase()))
    }

    /// The archive a ref file says `parts` at the immutable reference `id` gave, if still
    /// cached intact. The ref file is only a hint: the caller checks that the archive is
    /// that reference's.
    pub fn commit_archive(&self, parts: &[&str], id: &str) -> Option<CachedArchive> {
        let mut text = String::new();
        // A digest is 64 bytes; anything much longer is not one.
        open_regular(&self.ref_file(parts, id)?, true)
            .ok()?
            .take(256)
            .read_to_string(&mut text)
            .ok()?;
        self.get(text.trim())
    }

    /// Remembers which archive `parts` at the immutable reference `id` gave. Best effort: a
    /// failure only costs a download next time.
    pub fn remember_commit(&self, parts: &[&str], id: &str, sha256: &str) {
        if let Some(path) = self.ref_file(parts, id) {
            put(&path, sha256.as_bytes());
        }
    }

    /// Forgets what `parts` at `id` gave.
    pub fn forget_commit(&self, parts: &[&str], id: &str) {
        if let Some(path) = self.ref_file(parts, id) {
            let _ = fs::remove_file(path);
        }
    }
}

impl Cache {
    /// The file a small document fetched from `url` is saved in (`docs/<sha256 of the
    /// URL><suffix>`): a name derived from the URL, never the URL itself.
    fn doc_file(&self, url: &str, suffix: &str) -> PathBuf {
        let key = hex::encode(sha2::Sha256::digest(url.as_bytes()));
        self.root.join("docs").join(format!("{key}{suffix}"))
    }

    /// Saves `bytes`, fetched from `url`, for [`Cache::saved_doc`]; `None` removes a saved
    /// copy. Best effort: a failure only loses the offline copy.
    pub fn save_doc(&self, url: &str, suffix: &str, bytes: Option<&[u8]>) {
        let path = self.doc_file(url, suffix);
        match bytes {
            Some(bytes) => put(&path, bytes),
            None => {
                let _ = fs::remove_file(&path);
            }
        }
    }

    /// The copy of what `url` gave that [`Cache::save_doc`] saved, at most `cap` bytes.
    pub fn saved_doc(&self, url: &str, suffix: &str, cap: u64) -> Option<Vec<u8>> {
        crate::durable::read_regular(&self.doc_file(url, suffix), false, cap)
            .ok()
            .flatten()
    }
}

/// Replaces the small file `path` (its folder made first) with `bytes` in one rename, so
/// that a reader sees the old content or the new. Best effort: the cache only records
/// what saves a download, and a failure loses nothing else.
fn put(path: &Path, bytes: &[u8]) {
    let Some(dir) = path.parent() else { return };
    if fs::create_dir_all(dir).is_err() {
        return;
    }
    if let Ok(mut tmp) = tempfile::NamedTempFile::new_in(dir)
        && tmp.write_all(bytes).is_ok()
    {
        let _ = tmp.persist(path);
    }
}

fn is_hex_digest(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| b.is_ascii_hexdigit())
}

/// A download in progress: a locked temporary file in the cache, deleted if dropped before
/// [`Partial::persist`].
pub struct Partial {
    file: tempfile::NamedTempFile,
}

impl Partial {
    pub fn path(&self) -> &Path {
        self.file.path()
    }

    /// Moves the complete file to `archives/<sha256>.zip` and keeps it open: the archive
    /// handed out reads the bytes that were written through this handle, never a file
    /// found again by name. `sha256` must be the digest of what was written (see
    /// [`HashReader`]).
    pub fn persist(self, sha256: &str, size: u64) -> Result<CachedArchive, SourceError> {
        let dir = self
            .file
            .path()
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_default();
        let path = dir.join(format!("{sha256}.zip"));
        let mut file = match self.file.persist(&path) {
            Ok(file) => file,
            // Another run may have stored the same bytes first and hold them open (Windows
            // refuses to replace an open file): ours are read from our own handle anyway,
            // and the name is dropped.
            Err(e) => e.file.into_file(),
        };
        file.rewind()
            .map_err(|e| SourceError::io("cannot read back", &path, e))?;
        Ok(CachedArchive {
            file: ArchiveFile::new(file, size, path),
            sha256: sha256.to_string(),
            size,
        })
    }
}

impl Write for Partial {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.file.write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.file.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partial_files_of_dead_writers_are_swept() {
        let dir = tempfile::tempdir().unwrap();
        let cache = Cache::new(dir.path());
        let mut live = cache.partial().unwrap();
        live.write_all(b"x").unwrap();
        let stale = dir.path().join("archives/.download-old.partial");
        fs::write(&stale, b"y").unwrap();
        assert_eq!(cache.sweep(), 1);
        assert!(!stale.exists());
        assert!(live.path().exists());
        let (sha, len) = {
            let mut r = HashReader::new(&b"x"[..]);
            io::copy(&mut r, &mut io::sink()).unwrap();
            r.finish()
        };
        let kept = live.persist(&sha, len).unwrap();
        let got = cache.get(&sha).unwrap();
        assert_eq!((got.path(), got.size), (kept.path(), kept.size));
    }

    #[test]
    fn a_cache_hit_is_a_private_copy_that_later_writes_to_the_cache_cannot_change() {
        use std::io::Read;
        let dir = tempfile::tempdir().unwrap();
        let cache = Cache::new(dir.path());
        let bytes = b"the archive as it was checked".to_vec();
        let sha = crate::bundle::sha256_hex(&bytes);
        fs::create_dir_all(dir.path().join("archives")).unwrap();
        let cached = dir.path().join(format!("archives/{sha}.zip"));
        fs::write(&cached, &bytes).unwrap();
        let got = cache.get(&sha).unwrap();
        // Rewritten in place after the check, through the same file.
        let mut f = fs::OpenOptions::new().write(true).open(&cached).unwrap();
        f.write_all(b"THE ARCHIVE AS IT WAS CHANGED").unwrap();
        drop(f);
        let mut read = Vec::new();
        got.file.reader().read_to_end(&mut read).unwrap();
        assert_eq!(read, bytes);
        // And a file whose bytes no longer match its name is not used, and is removed.
        assert!(cache.get(&sha).is_none());
        assert!(!cached.exists());
    }

    #[test]
    fn a_cache_hit_is_never_read_through_a_link_nor_past_the_size_limit() {
        let dir = tempfile::tempdir().unwrap();
        let bytes = b"an archive of 25 bytes...".to_vec();
        let sha = crate::bundle::sha256_hex(&bytes);
        fs::create_dir_all(dir.path().join("archives")).unwrap();
        let cached = dir.path().join(format!("archives/{sha}.zip"));
        fs::write(&cached, &bytes).unwrap();
        // Over the limit of this run: not copied, and left for a run that allows it.
        assert!(Cache::new(dir.path()).with_max_size(10).get(&sha).is_none());
        assert!(cached.exists());
        assert!(Cache::new(dir.path()).with_max_size(25).get(&sha).is_some());
        // A link in its place, even to the right bytes, is not followed.
        #[cfg(unix)]
        {
            let outside = dir.path().join("outside.zip");
            fs::rename(&cached, &outside).unwrap();
            std::os::unix::fs::symlink(&outside, &cached).unwrap();
            assert!(Cache::new(dir.path()).get(&sha).is_none());
        }
    }
}
