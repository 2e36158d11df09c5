//! Durable file replacement, shared by the lock file, transaction records and release
//! files: a reader, or a run killed half-way, sees the old file or the new one, never a part.

use std::fs::File;
use std::io::{self, Write};
use std::path::Path;

/// Replaces `path` with `bytes`: a temporary file beside it, fsync, rename, fsync the folder.
/// `mode` sets the new file's permissions on Unix (before the umask); `None` keeps the
/// temporary file's private 0600. Nothing else in the folder is touched.
pub fn write_atomic(path: &Path, bytes: &[u8], mode: Option<u32>) -> io::Result<()> {
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let prefix = format!(".{name}.");
    let mut builder = tempfile::Builder::new();
    builder.prefix(&prefix).suffix(".tmp");
    #[cfg(unix)]
    if let Some(mode) = mode {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(std::fs::Permissions::from_mode(mode));
    }
    #[cfg(not(unix))]
    let _ = mode;
    let mut tmp = builder.tempfile_in(dir)?;
    tmp.write_all(bytes)?;
    tmp.as_file().sync_all()?;
    tmp.persist(path).map_err(|e| e.error)?;
    sync_dir(dir);
    Ok(())
}

/// Flushes a folder's entries (the renames in it) to disk; best effort where unsupported.
pub fn sync_dir(dir: &Path) {
    #[cfg(unix)]
    if let Ok(f) = File::open(dir) {
        let _ = f.sync_all();
    }
    #[cfg(not(unix))]
    let _ = dir;
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
