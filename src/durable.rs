//! Durable writes, shared by the lock file, transaction records and release files: a
//! reader, or a run killed half-way, sees the old file or the new one, never a part; and
//! folder syncs that work on the path-only handles folders are opened with.

use std::fs::File;
use std::io::{self, Write};

use cap_fs_ext::{FollowSymlinks, OpenOptionsFollowExt};
use cap_std::fs::{Dir, OpenOptions};

/// Replaces the file `name` in the opened folder `dir` with `bytes`: a fresh temporary
/// file beside it (created exclusively, never through a link, with `mode` on Unix), fsync,
/// rename over `name`, fsync the folder. A reader, or a run killed half-way, sees the old
/// file or the new one; on error the temporary file is removed. The one atomic write of
/// skillpack: lock files, transaction records and release files all go through it.
pub fn write_atomic(dir: &Dir, name: &str, bytes: &[u8], mode: u32) -> io::Result<()> {
    let (tmp, mut file) = create_temp(dir, &format!(".{name}."), ".tmp", mode)?;
    let written = file
        .write_all(bytes)
        .and_then(|()| file.sync_all())
        .and_then(|()| dir.rename(&tmp, dir, name));
    drop(file);
    if let Err(e) = written {
        let _ = dir.remove_file(&tmp);
        return Err(e);
    }
    sync_dir_handle(dir);
    Ok(())
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
    #[cfg(unix)]
    {
        use rustix::fs::{Mode, OFlags};
        let fd = rustix::fs::openat(
            dir,
            ".",
            OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC | OFlags::NOFOLLOW,
            Mode::empty(),
        )?;
        rustix::fs::fsync(&fd)?;
    }
    #[cfg(not(unix))]
    let _ = dir;
    Ok(())
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
}
