//! The tree digest (DESIGN section 5): the identity of a skill folder, whatever zipped it.
//!
//! `sha256:` + SHA-256 over `<hex sha256>  <name>/<path>\n` per regular file, sorted by
//! path in byte order: exactly what `find | LC_ALL=C sort | xargs sha256sum | sha256sum` gives.

use std::io::{self, Read};
use std::path::Path;

use sha2::{Digest, Sha256};

use super::error::BundleError;

/// One regular file of a skill tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileRecord {
    /// Path relative to the skill folder, forward slashes.
    pub path: String,
    pub sha256: [u8; 32],
    pub size: u64,
    pub executable: bool,
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// The one comparison of an archive's SHA-256 with the digest it must have: `expected`
/// may carry a `sha256:` prefix and any case. On a mismatch, the two digests as shown to
/// the user (lowercase hex), expected first.
pub fn check_sha256(expected: &str, actual: &str) -> Result<(), (String, String)> {
    let expected = expected.trim_start_matches("sha256:").to_ascii_lowercase();
    if expected == actual.to_ascii_lowercase() {
        Ok(())
    } else {
        Err((expected, actual.to_ascii_lowercase()))
    }
}

/// The tree digest of `files` as installed under a folder called `name`.
pub fn tree_digest(name: &str, files: &[FileRecord]) -> String {
    let mut sorted: Vec<&FileRecord> = files.iter().collect();
    sorted.sort_by(|a, b| a.path.as_bytes().cmp(b.path.as_bytes()));
    let mut h = Sha256::new();
    for f in sorted {
        h.update(hex::encode(f.sha256).as_bytes());
        h.update(b"  ");
        h.update(name.as_bytes());
        h.update(b"/");
        h.update(f.path.as_bytes());
        h.update(b"\n");
    }
    format!("sha256:{}", hex::encode(h.finalize()))
}

/// Hashes every regular file under the folder `name` inside the opened folder `parent`
/// (shown as `shown`), sorted by path; links and special files are not followed and not
/// counted, as `find -type f` does. The folder is reached only through handles: the folder and every folder below it are opened
/// without following a link, and each file with `O_NOFOLLOW`, so nothing outside it is
/// read whatever was planted inside.
pub fn hash_tree_in(
    parent: &cap_std::fs::Dir,
    name: &str,
    shown: &Path,
) -> Result<Vec<FileRecord>, BundleError> {
    Ok(walk_tree_in(parent, name, shown)?.0)
}

/// [`hash_tree_in`], and beside the records the paths of entries that are neither folders
/// nor regular files (links, FIFOs, devices): not part of the digest, but never something
/// skillpack installed.
pub fn walk_tree_in(
    parent: &cap_std::fs::Dir,
    name: &str,
    shown: &Path,
) -> Result<(Vec<FileRecord>, Vec<String>), BundleError> {
    use cap_fs_ext::DirExt;
    let dir = parent
        .open_dir_nofollow(name)
        .map_err(|e| BundleError::io("cannot open", shown, e))?;
    let mut out = Vec::new();
    let mut others = Vec::new();
    walk_dir(&dir, "", shown, &mut out, &mut others)?;
    out.sort_by(|a, b| a.path.as_bytes().cmp(b.path.as_bytes()));
    others.sort();
    Ok((out, others))
}

fn walk_dir(
    dir: &cap_std::fs::Dir,
    prefix: &str,
    shown: &Path,
    out: &mut Vec<FileRecord>,
    others: &mut Vec<String>,
) -> Result<(), BundleError> {
    use cap_fs_ext::{DirExt, FollowSymlinks, OpenOptionsFollowExt, OpenOptionsSyncExt};
    let here = shown.join(prefix);
    let entries = dir
        .entries()
        .map_err(|e| BundleError::io("cannot read", &here, e))?;
    for entry in entries {
        let entry = entry.map_err(|e| BundleError::io("cannot read", &here, e))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let rel = if prefix.is_empty() {
            name.clone()
        } else {
            format!("{prefix}/{name}")
        };
        // The entry's own type, not its target's.
        let ft = entry
            .file_type()
            .map_err(|e| BundleError::io("cannot read", shown.join(&rel), e))?;
        if ft.is_dir() {
            let sub = dir
                .open_dir_nofollow(&name)
                .map_err(|e| BundleError::io("cannot open", shown.join(&rel), e))?;
            walk_dir(&sub, &rel, shown, out, others)?;
        } else if ft.is_file() {
            let mut opts = cap_std::fs::OpenOptions::new();
            opts.read(true).follow(FollowSymlinks::No).nonblock(true);
            let file = dir
                .open_with(&name, &opts)
                .map_err(|e| BundleError::io("cannot open", shown.join(&rel), e))?
                .into_std();
            let executable = file_is_executable(&file);
            let (sha256, size) = hash_reader(file, &shown.join(&rel))?;
            out.push(FileRecord {
                path: rel,
                sha256,
                size,
                executable,
            });
        } else {
            others.push(rel);
        }
    }
    Ok(())
}

#[cfg(unix)]
fn file_is_executable(file: &std::fs::File) -> bool {
    use std::os::unix::fs::PermissionsExt;
    file.metadata()
        .is_ok_and(|m| m.permissions().mode() & 0o111 != 0)
}

#[cfg(not(unix))]
fn file_is_executable(_file: &std::fs::File) -> bool {
    false
}

fn hash_reader(file: std::fs::File, path: &Path) -> Result<([u8; 32], u64), BundleError> {
    let mut reader = HashReader::new(file);
    io::copy(&mut reader, &mut io::sink()).map_err(|e| BundleError::io("cannot read", path, e))?;
    Ok(reader.finish_raw())
}

/// Feeds every byte read through it to SHA-256, so the digest is of exactly the bytes that
/// passed on their way to disk: no second read, nothing to drift. For large streams
/// ([`HashReader::background`]) the hashing runs on a second thread while the caller goes
/// on writing what it read.
pub struct HashReader<R> {
    inner: R,
    hasher: Hasher,
    len: u64,
}

/// Streams at least this long are hashed on a second thread: below it, starting one costs
/// more than it saves.
pub(crate) const BACKGROUND_FROM: u64 = 4 * 1024 * 1024;

impl<R: Read> HashReader<R> {
    pub fn new(inner: R) -> HashReader<R> {
        HashReader {
            inner,
            hasher: Hasher::Inline(Sha256::new()),
            len: 0,
        }
    }

    /// A reader hashing on a second thread when `expected_len` is at least
    /// [`BACKGROUND_FROM`] (and a thread can be started), else as [`HashReader::new`]. The
    /// digest is the same either way.
    pub fn background(inner: R, expected_len: u64) -> HashReader<R> {
        let hasher = if expected_len >= BACKGROUND_FROM {
            Background::start().map_or_else(|| Hasher::Inline(Sha256::new()), Hasher::Background)
        } else {
            Hasher::Inline(Sha256::new())
        };
        HashReader {
            inner,
            hasher,
            len: 0,
        }
    }

    /// Bytes read so far.
    pub fn len(&self) -> u64 {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The hex digest and length of everything read.
    pub fn finish(self) -> (String, u64) {
        let (digest, len) = self.finish_raw();
        (hex::encode(digest), len)
    }

    /// The digest bytes and length of everything read.
    pub fn finish_raw(self) -> ([u8; 32], u64) {
        (self.hasher.finalize(), self.len)
    }
}

impl<R: Read> Read for HashReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        // `Read` promises `n <= buf.len()`; `get` keeps a faulty reader from panicking here.
        let read = buf.get(..n).ok_or_else(|| {
            io::Error::new(
                io::ErrorKind::InvalidData,
                "a read reported more bytes than asked",
            )
        })?;
        self.hasher.update(read);
        self.len += n as u64;
        Ok(n)
    }
}

enum Hasher {
    Inline(Sha256),
    Background(Background),
}

impl Hasher {
    fn update(&mut self, data: &[u8]) {
        match self {
            Hasher::Inline(h) => h.update(data),
            Hasher::Background(b) => b.update(data),
        }
    }

    fn finalize(self) -> [u8; 32] {
        match self {
            Hasher::Inline(h) => h.finalize().into(),
            Hasher::Background(b) => b.finalize(),
        }
    }
}

/// Buffers in flight to the hashing thread at most, and the bytes each gathers before it
/// is sent: few, large hand-overs, so the threads rarely wait on each other.
const IN_FLIGHT: usize = 3;
const BATCH: usize = 1024 * 1024;

/// SHA-256 computed on a thread of its own: the bytes are copied into one of a few large
/// buffers that travel to the thread and back, so memory stays bounded.
struct Background {
    chunks: Option<std::sync::mpsc::SyncSender<Vec<u8>>>,
    free: std::sync::mpsc::Receiver<Vec<u8>>,
    made: usize,
    filling: Vec<u8>,
    worker: Option<std::thread::JoinHandle<Sha256>>,
}

impl Background {
    fn start() -> Option<Background> {
        let (chunks, incoming) = std::sync::mpsc::sync_channel::<Vec<u8>>(IN_FLIGHT);
        let (done, free) = std::sync::mpsc::channel();
        let worker = std::thread::Builder::new()
            .name("sha256".into())
            .spawn(move || {
                let mut hasher = Sha256::new();
                for chunk in incoming {
                    hasher.update(&chunk);
                    let _ = done.send(chunk);
                }
                hasher
            })
            .ok()?;
        Some(Background {
            chunks: Some(chunks),
            free,
            made: 1,
            filling: Vec::with_capacity(BATCH),
            worker: Some(worker),
        })
    }

    fn update(&mut self, mut data: &[u8]) {
        while !data.is_empty() {
            let room = BATCH - self.filling.len();
            let (now, later) = data.split_at(room.min(data.len()));
            self.filling.extend_from_slice(now);
            data = later;
            if self.filling.len() == BATCH {
                self.send();
            }
        }
    }

    /// Sends the buffer being filled and takes an empty one.
    fn send(&mut self) {
        let next = match self.free.try_recv() {
            Ok(buf) => buf,
            Err(_) if self.made < IN_FLIGHT + 1 => {
                self.made += 1;
                Vec::with_capacity(BATCH)
            }
            // Every other buffer is with the thread: wait for one to come back.
            Err(_) => self.free.recv().unwrap_or_default(),
        };
        let mut full = std::mem::replace(&mut self.filling, next);
        if let Some(chunks) = &self.chunks {
            let _ = chunks.send(std::mem::take(&mut full));
        }
        self.filling.clear();
    }

    /// The digest, once the thread has hashed every chunk. (A thread that cannot finish
    /// yields a digest of all zeros, which matches nothing: the bytes are refused.)
    fn finalize(mut self) -> [u8; 32] {
        if !self.filling.is_empty() {
            self.send();
        }
        drop(self.chunks.take());
        self.worker
            .take()
            .and_then(|w| w.join().ok())
            .map_or([0; 32], |h| h.finalize().into())
    }
}

pub(crate) fn relative_slash_path(base: &Path, path: &Path) -> String {
    let rel = path.strip_prefix(base).unwrap_or(path);
    rel.components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

#[cfg(unix)]
pub(crate) fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).is_ok_and(|m| m.permissions().mode() & 0o111 != 0)
}

#[cfg(not(unix))]
pub(crate) fn is_executable(_path: &Path) -> bool {
    false
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_stream_hashed_on_a_second_thread_has_the_same_digest() {
        let data: Vec<u8> = (0..(BACKGROUND_FROM as usize * 2 + 12_345))
            .map(|i| (i * 31 % 251) as u8)
            .collect();
        let read_all = |mut r: HashReader<&[u8]>| {
            let mut buf = vec![0u8; 7_000];
            while r.read(&mut buf).unwrap() > 0 {}
            r.finish()
        };
        let inline = read_all(HashReader::new(&data[..]));
        let background = read_all(HashReader::background(&data[..], data.len() as u64));
        assert!(matches!(
            HashReader::background(&data[..], data.len() as u64).hasher,
            Hasher::Background(_)
        ));
        assert_eq!(inline, background);
        assert_eq!(inline.0, hex::encode(Sha256::digest(&data)));
        assert_eq!(inline.1, data.len() as u64);
    }

    use super::*;
    use std::io::Read;

    #[test]
    fn hash_reader_digests_what_passes() {
        let mut r = HashReader::new(&b"abc"[..]);
        let mut out = Vec::new();
        r.read_to_end(&mut out).unwrap();
        let (hex, len) = r.finish();
        assert_eq!(len, 3);
        assert_eq!(
            hex,
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn archive_digests_compare_without_prefix_or_case() {
        let d = "ab".repeat(32);
        assert!(check_sha256(&format!("sha256:{}", d.to_uppercase()), &d).is_ok());
        assert_eq!(
            check_sha256("sha256:00", &d),
            Err(("00".to_string(), d.clone()))
        );
    }

    #[test]
    fn digest_is_order_independent_and_matches_coreutils_format() {
        let a = FileRecord {
            path: "b.md".into(),
            sha256: Sha256::digest(b"b").into(),
            size: 1,
            executable: false,
        };
        let b = FileRecord {
            path: "a/x.md".into(),
            sha256: Sha256::digest(b"x").into(),
            size: 1,
            executable: false,
        };
        let d1 = tree_digest("s", &[a.clone(), b.clone()]);
        let d2 = tree_digest("s", &[b.clone(), a.clone()]);
        assert_eq!(d1, d2);
        let listing = format!(
            "{}  s/a/x.md\n{}  s/b.md\n",
            hex::encode(b.sha256),
            hex::encode(a.sha256)
        );
        assert_eq!(d1, format!("sha256:{}", sha256_hex(listing.as_bytes())));
    }
}
