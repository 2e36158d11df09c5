//! Durable writes, shared by the lock file, transaction records, staged trees and release
//! files: a reader, or a run killed half-way, sees the old file or the new one, never a
//! part; folder syncs that work on the path-only handles folders are opened with; and
//! [`Barrier`], which flushes many writes together instead of one after another.

use std::fs::File;
use std::io::{self, Read as _, Write};
use std::path::PathBuf;

use cap_fs_ext::{FollowSymlinks, OpenOptionsFollowExt};
use cap_std::fs::{Dir, OpenOptions};

/// Replaces the file `name` in the opened folder `dir` with `bytes`: a fresh temporary
/// file beside it (created exclusively, never through a link, with `mode` on Unix), fsync,
/// rename over `name`, fsync the folder. A reader, or a run killed half-way, sees the old
/// file or the new one; on error the temporary file is removed. The one atomic write of
/// skillpack: lock files, transaction records and release files all go through it.
pub fn write_atomic(dir: &Dir, name: &str, bytes: &[u8], mode: u32) -> io::Result<()> {
    write_atomic_after(dir, name, bytes, mode, &mut Barrier::default()).map_err(|(_, e)| e)
}

/// [`write_atomic`], whose temporary file is flushed together with the writes already in
/// `before` (one wait for all of them): when the rename is made, everything in `before` is
/// on disk too. An error names the file it concerns: `name` (relative to `dir`), or the
/// path of a file of `before`.
pub fn write_atomic_after(
    dir: &Dir,
    name: &str,
    bytes: &[u8],
    mode: u32,
    before: &mut Barrier,
) -> Result<(), (PathBuf, io::Error)> {
    let ours = |e| (PathBuf::from(name), e);
    let (tmp, mut file) = create_temp(dir, &format!(".{name}."), ".tmp", mode).map_err(ours)?;
    let written = file
        .write_all(bytes)
        .and_then(|()| file.try_clone())
        .map_err(ours)
        .and_then(|copy| before.add_file(copy, PathBuf::from(name)))
        .and_then(|()| before.flush())
        .and_then(|()| dir.rename(&tmp, dir, name).map_err(ours));
    drop(file);
    if let Err(e) = written {
        let _ = dir.remove_file(&tmp);
        return Err(e);
    }
    sync_dir_handle(dir);
    Ok(())
}

/// Writes that must be on disk before the next step (a rename that makes them visible).
///
/// Files and folders are added as they are written and flushed together by [`flush`]:
/// the syncs run at once on a few threads, so the disk's cache is flushed a few times for
/// the whole batch rather than once per file (on a loaded machine each flush can take
/// milliseconds). A barrier dropped without [`flush`] syncs nothing: staged trees that are
/// thrown away are never waited for.
///
/// [`flush`]: Barrier::flush
#[derive(Debug, Default)]
pub struct Barrier {
    files: Vec<(File, PathBuf)>,
    dirs: Vec<File>,
}

/// Files held open in a barrier at most before it flushes on its own: bounds the open
/// descriptors (far below any limit) while keeping batches large.
const BARRIER_FILES: usize = 128;
/// Threads a flush uses at most, the calling one included: the disk merges the flushes
/// of a few concurrent syncs; more threads only cost their start.
const FLUSH_THREADS: usize = 4;

impl Barrier {
    /// Adds a written file (`path` names it in errors); flushes the batch when it is full.
    pub fn add_file(&mut self, file: File, path: PathBuf) -> Result<(), (PathBuf, io::Error)> {
        self.files.push((file, path));
        if self.files.len() >= BARRIER_FILES {
            self.flush()?;
        }
        Ok(())
    }

    /// Adds an opened folder whose entries must be durable; best effort, as for
    /// [`sync_dir_handle`] (some file systems cannot sync folders).
    pub fn add_dir(&mut self, dir: &Dir) {
        if let Ok(readable) = readable_dir(dir) {
            self.dirs.push(readable);
        }
    }

    /// Syncs everything added, together, and empties the barrier. A file that cannot be
    /// synced is an error (its data may not be on disk), named by its path.
    pub fn flush(&mut self) -> Result<(), (PathBuf, io::Error)> {
        let mut items: Vec<Item> = self
            .files
            .drain(..)
            .map(|(f, p)| Item::File(f, p))
            .chain(self.dirs.drain(..).map(Item::Dir))
            .collect();
        if items.len() < 2 {
            return items.pop().map_or(Ok(()), Item::sync);
        }
        let threads = items.len().min(FLUSH_THREADS);
        let mut groups: Vec<Vec<Item>> = (0..threads).map(|_| Vec::new()).collect();
        for (i, item) in items.into_iter().enumerate() {
            groups[i % threads].push(item);
        }
        let sync_all = |group: Vec<Item>| group.into_iter().try_for_each(Item::sync);
        let mut groups = groups.into_iter();
        let own = groups.next().unwrap_or_default();
        std::thread::scope(|s| {
            let mut inline = vec![own];
            let mut running = Vec::new();
            for group in groups {
                // A thread that cannot be started leaves its share to this one.
                let (tx, rx) = std::sync::mpsc::channel();
                let spawned = std::thread::Builder::new().spawn_scoped(s, move || {
                    if let Ok(group) = rx.recv() {
                        sync_all(group)
                    } else {
                        Ok(())
                    }
                });
                match spawned {
                    Ok(handle) => {
                        let _ = tx.send(group);
                        running.push(handle);
                    }
                    Err(_) => inline.push(group),
                }
            }
            let mut result = inline.into_iter().try_for_each(sync_all);
            for handle in running {
                let joined = handle.join().unwrap_or_else(|_| {
                    Err((PathBuf::new(), io::Error::other("a sync thread failed")))
                });
                if result.is_ok() {
                    result = joined;
                }
            }
            result
        })
    }
}

/// Bytes a large file is written in before [`start_writeback`] is asked for them: the disk
/// writes while the rest is still being unpacked, and the final sync waits for the tail only.
pub const WRITEBACK_CHUNK: u64 = 8 * 1024 * 1024;

/// Asks the kernel to start writing `len` bytes of `file` from `offset` to disk now,
/// without waiting (Linux `sync_file_range(SYNC_FILE_RANGE_WRITE)`); elsewhere nothing.
/// Only a head start: durability still comes from the sync of a [`Barrier`].
pub fn start_writeback(file: &File, offset: u64, len: u64) {
    #[cfg(target_os = "linux")]
    {
        use std::os::fd::AsRawFd;
        let (Ok(offset), Ok(len)) = (i64::try_from(offset), i64::try_from(len)) else {
            return;
        };
        // SAFETY: a valid descriptor owned by `file`; the call reads no memory of ours.
        let _ = unsafe {
            libc::sync_file_range(file.as_raw_fd(), offset, len, libc::SYNC_FILE_RANGE_WRITE)
        };
    }
    #[cfg(not(target_os = "linux"))]
    let _ = (file, offset, len);
}

enum Item {
    File(File, PathBuf),
    Dir(File),
}

impl Item {
    fn sync(self) -> Result<(), (PathBuf, io::Error)> {
        match self {
            Item::File(file, path) => file.sync_data().map_err(|e| (path, e)),
            Item::Dir(dir) => {
                let _ = dir.sync_all();
                Ok(())
            }
        }
    }
}

/// Reads `r` to its end, unless it holds more than `cap` bytes: then `None`, having read at
/// most `cap + 1` of them (a file that grows, or a device that never ends, cannot make a
/// read run on).
pub fn read_within(r: impl io::Read, cap: u64) -> io::Result<Option<Vec<u8>>> {
    read_within_sized(r, cap, 0)
}

/// [`read_within`], the buffer sized for `expected` bytes up front (read in one go).
fn read_within_sized(r: impl io::Read, cap: u64, expected: u64) -> io::Result<Option<Vec<u8>>> {
    let room = usize::try_from(expected.min(cap))
        .unwrap_or(0)
        .saturating_add(1);
    let mut bytes = Vec::with_capacity(room);
    io::Read::take(r, cap.saturating_add(1)).read_to_end(&mut bytes)?;
    Ok((bytes.len() as u64 <= cap).then_some(bytes))
}

/// Opens `path` for reading if it is a regular file (not a FIFO, device or folder), without
/// blocking on whatever else may have been put in its place; with `follow` false, a symlink
/// in its place is refused rather than followed.
pub fn open_regular(path: &std::path::Path, follow: bool) -> io::Result<File> {
    open_regular_sized(path, follow).map(|(file, _)| file)
}

/// [`open_regular`], with the file's size when it was opened.
fn open_regular_sized(path: &std::path::Path, follow: bool) -> io::Result<(File, u64)> {
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        let nofollow = if follow { 0 } else { libc::O_NOFOLLOW };
        options.custom_flags(libc::O_NONBLOCK | nofollow);
    }
    #[cfg(not(unix))]
    let _ = follow;
    let file = options.open(path)?;
    let meta = file.metadata()?;
    if !meta.is_file() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "not a regular file",
        ));
    }
    Ok((file, meta.len()))
}

/// Reads the regular file `path` ([`open_regular`]) unless it holds more than `cap` bytes:
/// then `None` ([`read_within`]). A FIFO or device in its place is refused, never waited on.
pub fn read_regular(path: &std::path::Path, follow: bool, cap: u64) -> io::Result<Option<Vec<u8>>> {
    let (file, len) = open_regular_sized(path, follow)?;
    if len > cap {
        return Ok(None);
    }
    // Sized from the file; a file growing meanwhile still stops at the cap.
    read_within_sized(file, cap, len)
}

/// Whether `name` is a temporary file [`write_atomic`] leaves behind when killed.
pub fn is_temp_name(name: &str) -> bool {
    name.starts_with('.') && name.ends_with(".tmp")
}

/// Creates a new file named `{prefix}{random}{suffix}` in `dir`, exclusively.
fn create_temp(dir: &Dir, prefix: &str, suffix: &str, mode: u32) -> io::Result<(String, File)> {
    let mut opts = OpenOptions::new();
    opts.write(true).create_new(true).follow(FollowSymlinks::No);
    #[cfg(unix)]
    {
        use cap_std::fs::OpenOptionsExt;
        opts.mode(mode);
    }
    #[cfg(not(unix))]
    let _ = mode;
    unique_name(prefix, suffix, |name| {
        dir.open_with(name, &opts).map(|f| f.into_std())
    })
}

/// Calls `create` with `{prefix}{random}{suffix}` names until one does not exist yet (at
/// most 16 tries), returning the name and what `create` made.
pub fn unique_name<T>(
    prefix: &str,
    suffix: &str,
    mut create: impl FnMut(&str) -> io::Result<T>,
) -> io::Result<(String, T)> {
    let mut last = io::Error::from(io::ErrorKind::AlreadyExists);
    for _ in 0..16 {
        let name = format!("{prefix}{}{suffix}", random_suffix());
        match create(&name) {
            Ok(made) => return Ok((name, made)),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => last = e,
            Err(e) => return Err(e),
        }
    }
    Err(last)
}

/// Twelve hex digits that differ between calls and processes, for temporary names.
fn random_suffix() -> String {
    use std::collections::hash_map::RandomState;
    use std::hash::{BuildHasher, Hasher};
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let mut h = RandomState::new().build_hasher();
    h.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
    h.write_u32(std::process::id());
    format!("{:012x}", h.finish() & 0xffff_ffff_ffff)
}

/// Flushes the entries of an opened folder to disk; best effort. Folder handles are often
/// opened only as a path (`O_PATH` on Linux), on which `fsync` fails with `EBADF`: the
/// folder is opened again for reading, relative to the handle (`.`, so nothing else can be
/// reached), and that descriptor synced.
pub fn sync_dir_handle(dir: &cap_std::fs::Dir) {
    let _ = try_sync_dir_handle(dir);
}

fn try_sync_dir_handle(dir: &cap_std::fs::Dir) -> io::Result<()> {
    readable_dir(dir)?.sync_all()
}

/// Sets the permission bits of the opened folder `dir` to exactly `mode` (the umask may
/// have cleared some when it was made), through a descriptor of the folder itself: no
/// path is resolved again, and nothing is looked up in `/proc`. Elsewhere than Unix,
/// nothing to do.
pub fn set_dir_mode(dir: &cap_std::fs::Dir, mode: u32) -> io::Result<()> {
    #[cfg(unix)]
    {
        let fd = readable_dir(dir)?;
        rustix::fs::fchmod(&fd, rustix::fs::Mode::from_raw_mode(mode))?;
    }
    #[cfg(not(unix))]
    let _ = (dir, mode);
    Ok(())
}

/// The folder of `dir` opened again for reading (`.`, relative to the handle, without
/// following a link), so that it can be synced. Elsewhere than Unix there is nothing to
/// sync a folder through: an error, which callers treat as "nothing to do".
fn readable_dir(dir: &cap_std::fs::Dir) -> io::Result<File> {
    #[cfg(unix)]
    {
        use rustix::fs::{Mode, OFlags};
        let fd = rustix::fs::openat(
            dir,
            ".",
            OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC | OFlags::NOFOLLOW,
            Mode::empty(),
        )?;
        Ok(File::from(fd))
    }
    #[cfg(not(unix))]
    {
        let _ = dir;
        Err(io::Error::from(io::ErrorKind::Unsupported))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folder_handles_are_synced_through_a_readable_descriptor() {
        let tmp = tempfile::tempdir().unwrap();
        let dir =
            cap_std::fs::Dir::open_ambient_dir(tmp.path(), cap_std::ambient_authority()).unwrap();
        let sub = cap_fs_ext::DirExt::open_dir_nofollow(&dir, ".").unwrap();
        // The handles themselves may be path-only descriptors that cannot be synced.
        try_sync_dir_handle(&dir).unwrap();
        try_sync_dir_handle(&sub).unwrap();
    }

    #[test]
    fn a_barrier_flushes_every_file_and_names_one_that_cannot_be_synced() {
        let tmp = tempfile::tempdir().unwrap();
        let dir =
            cap_std::fs::Dir::open_ambient_dir(tmp.path(), cap_std::ambient_authority()).unwrap();
        let mut barrier = Barrier::default();
        for i in 0..(BARRIER_FILES + 5) {
            let path = tmp.path().join(format!("f{i}"));
            let mut f = File::create(&path).unwrap();
            f.write_all(b"x").unwrap();
            barrier.add_file(f, path).unwrap();
        }
        // Full batches flush on their own.
        assert_eq!(barrier.files.len(), 5);
        barrier.add_dir(&dir);
        barrier.flush().unwrap();
        assert!(barrier.files.is_empty() && barrier.dirs.is_empty());

        // A descriptor fsync refuses (a pipe) fails the flush, named by its path, whatever
        // else is in the batch.
        #[cfg(unix)]
        {
            let (reader, _writer) = std::io::pipe().unwrap();
            barrier
                .add_file(File::create(tmp.path().join("ok")).unwrap(), "ok".into())
                .unwrap();
            barrier
                .add_file(
                    File::from(std::os::fd::OwnedFd::from(reader)),
                    "the-pipe".into(),
                )
                .unwrap();
            let (path, _) = barrier.flush().unwrap_err();
            assert_eq!(path, PathBuf::from("the-pipe"));
        }
    }

    #[test]
    fn write_atomic_after_flushes_before_the_rename_and_names_the_failing_file() {
        let tmp = tempfile::tempdir().unwrap();
        let dir =
            cap_std::fs::Dir::open_ambient_dir(tmp.path(), cap_std::ambient_authority()).unwrap();
        write_atomic(&dir, "rec", b"one", 0o644).unwrap();
        #[cfg(unix)]
        {
            let (reader, _writer) = std::io::pipe().unwrap();
            let mut before = Barrier::default();
            before
                .add_file(
                    File::from(std::os::fd::OwnedFd::from(reader)),
                    "/staged/file".into(),
                )
                .unwrap();
            let (path, _) =
                write_atomic_after(&dir, "rec", b"two", 0o644, &mut before).unwrap_err();
            assert_eq!(path, PathBuf::from("/staged/file"));
            // Not renamed, and no temporary file left behind.
            assert_eq!(std::fs::read(tmp.path().join("rec")).unwrap(), b"one");
            assert_eq!(std::fs::read_dir(tmp.path()).unwrap().count(), 1);
        }
    }
}
