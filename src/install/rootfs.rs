//! Confined access to a skills root: every operation on `.skillpack/`, its records and the
//! skill folders goes through an opened directory handle, one path component at a time,
//! and never follows a symbolic link.
//!
//! A skills root is input like an archive: a project's `.claude/skills` comes from whoever
//! wrote the repository, and may hold a symlink where skillpack keeps its state. The root
//! folder itself is what the user named and is opened as given; below it, `cap-std` does
//! the work (`openat2(RESOLVE_BENEATH)` or `O_NOFOLLOW` walks on Linux, `O_NOFOLLOW` walks
//! on macOS, handle-relative `NtCreateFile` on Windows), and each state path is checked to
//! be what skillpack makes there — a real folder or a regular file — before it is used.
//! Anything else is refused with [`InstallError::UnsafeState`] and nothing is cleaned
//! through it.

use std::io;
use std::path::{Path, PathBuf};

use cap_fs_ext::{DirExt, FollowSymlinks, OpenOptionsFollowExt, OpenOptionsSyncExt};
use cap_std::ambient_authority;
use cap_std::fs::{Dir, OpenOptions};

use super::error::InstallError;

/// What sits at a name inside an opened folder, seen without following links.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Dir,
    File,
    Symlink,
    /// A FIFO, socket or device.
    Special,
}

impl Kind {
    /// "a symbolic link", "a regular file", … for messages.
    pub fn describe(self) -> &'static str {
        match self {
            Kind::Dir => "a folder",
            Kind::File => "a regular file",
            Kind::Symlink => "a symbolic link",
            Kind::Special => "a special file (FIFO, socket or device)",
        }
    }
}

/// Opens the folder at `path` (following it: it is the root the user chose).
pub(crate) fn open_root(path: &Path) -> io::Result<Dir> {
    Dir::open_ambient_dir(path, ambient_authority())
}

/// Creates the root folder and its parents if missing, then opens it.
pub(crate) fn create_root(path: &Path) -> Result<Dir, InstallError> {
    std::fs::create_dir_all(path).map_err(|e| InstallError::io("cannot create", path, e))?;
    open_root(path).map_err(|e| InstallError::io("cannot open", path, e))
}

/// What is at `name` in `dir`, without following a link; `None` when nothing is.
pub(crate) fn kind(dir: &Dir, name: &str, shown: &Path) -> Result<Option<Kind>, InstallError> {
    match dir.symlink_metadata(name) {
        Ok(m) => {
            let t = m.file_type();
            Ok(Some(if t.is_symlink() {
                Kind::Symlink
            } else if t.is_dir() {
                Kind::Dir
            } else if t.is_file() {
                Kind::File
            } else {
                Kind::Special
            }))
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(InstallError::io("cannot inspect", shown.join(name), e)),
    }
}

fn unsafe_state(path: PathBuf, found: Kind, expected: &'static str) -> InstallError {
    InstallError::UnsafeState {
        path,
        found: found.describe(),
        expected,
    }
}

/// Opens the folder `name` inside `parent`, creating it (mode 0755 before the umask) when
/// `create` says so. Refuses anything that is not a real folder.
pub(crate) fn child_dir(
    parent: &Dir,
    parent_shown: &Path,
    name: &str,
    create: bool,
) -> Result<Option<Dir>, InstallError> {
    let shown = parent_shown.join(name);
    match kind(parent, name, parent_shown)? {
        Some(Kind::Dir) => {}
        Some(other) => return Err(unsafe_state(shown, other, "a folder")),
        None if !create => return Ok(None),
        None => match parent.create_dir(name) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
                // Made by a concurrent run, or planted: look again.
                if let Some(k) = kind(parent, name, parent_shown)?
                    && k != Kind::Dir
                {
                    return Err(unsafe_state(shown, k, "a folder"));
                }
            }
            Err(e) => return Err(InstallError::io("cannot create", shown, e)),
        },
    }
    // Swapped for a link since the look: the no-follow open fails, nothing is followed.
    parent
        .open_dir_nofollow(name)
        .map(Some)
        .map_err(|e| match kind(parent, name, parent_shown) {
            Ok(Some(k)) if k != Kind::Dir => unsafe_state(shown.clone(), k, "a folder"),
            _ => InstallError::io("cannot open", shown.clone(), e),
        })
}

/// How to open a state file.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Access {
    Read,
    /// Read and write, created when missing.
    ReadWriteCreate,
}

/// Opens the regular file `name` in `dir` without following a link and without blocking
/// (a FIFO planted there is refused, not waited on). `None` when it does not exist.
pub(crate) fn state_file(
    dir: &Dir,
    dir_shown: &Path,
    name: &str,
    access: Access,
) -> Result<Option<std::fs::File>, InstallError> {
    let shown = dir_shown.join(name);
    let mut opts = OpenOptions::new();
    opts.read(true);
    if let Access::ReadWriteCreate = access {
        opts.write(true).create(true);
    }
    opts.follow(FollowSymlinks::No).nonblock(true);
    let file = match dir.open_with(name, &opts) {
        Ok(f) => f.into_std(),
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => {
            return Err(match kind(dir, name, dir_shown) {
                Ok(Some(k)) if k != Kind::File => unsafe_state(shown, k, "a regular file"),
                _ => InstallError::io("cannot open", shown, e),
            });
        }
    };
    let meta = file
        .metadata()
        .map_err(|e| InstallError::io("cannot inspect", &shown, e))?;
    if !meta.is_file() {
        let found = if meta.is_dir() {
            Kind::Dir
        } else {
            Kind::Special
        };
        return Err(unsafe_state(shown, found, "a regular file"));
    }
    Ok(Some(file))
}

/// Reads a state file of at most `cap` bytes; `None` when it does not exist.
pub(crate) fn read_capped(
    dir: &Dir,
    dir_shown: &Path,
    name: &str,
    cap: u64,
) -> Result<Option<Vec<u8>>, InstallError> {
    let Some(file) = state_file(dir, dir_shown, name, Access::Read)? else {
        return Ok(None);
    };
    let shown = dir_shown.join(name);
    match crate::durable::read_within(file, cap) {
        Ok(Some(bytes)) => Ok(Some(bytes)),
        Ok(None) => Err(InstallError::TooLarge { path: shown, cap }),
        Err(e) => Err(InstallError::io("cannot read", &shown, e)),
    }
}

/// Replaces the state file `name` in `dir` atomically ([`crate::durable::write_atomic`]).
pub(crate) fn write_record(
    dir: &Dir,
    dir_shown: &Path,
    name: &str,
    bytes: &[u8],
) -> Result<(), InstallError> {
    crate::durable::write_atomic(dir, name, bytes, 0o644)
        .map_err(|e| InstallError::io("cannot write", dir_shown.join(name), e))
}

/// [`write_record`], the new file flushed together with the writes in `before`.
pub(crate) fn write_record_after(
    dir: &Dir,
    dir_shown: &Path,
    name: &str,
    bytes: &[u8],
    before: &mut crate::durable::Barrier,
) -> Result<(), InstallError> {
    // A relative path is the record's own; a staged file's path is absolute.
    crate::durable::write_atomic_after(dir, name, bytes, 0o644, before)
        .map_err(|(path, e)| InstallError::io("cannot write", dir_shown.join(path), e))
}

pub(crate) use crate::durable::is_temp_name;

/// Creates a new folder named `{prefix}{random}` in `dir`, exclusively, and opens it.
pub(crate) fn create_temp_dir(
    dir: &Dir,
    dir_shown: &Path,
    prefix: &str,
) -> Result<(String, Dir), InstallError> {
    let (name, ()) = crate::durable::unique_name(prefix, "", |name| dir.create_dir(name))
        .map_err(|e| InstallError::io("cannot create a folder in", dir_shown, e))?;
    let opened = dir
        .open_dir_nofollow(&name)
        .map_err(|e| InstallError::io("cannot open", dir_shown.join(&name), e))?;
    Ok((name, opened))
}

/// Renames `from` in `from_dir` to `to` in `to_dir`. Names are single components; a link at
/// either is moved or replaced as a link, never followed. A failure says `action` of the
/// skill folder `skill` (the one place that outlives the transaction folder).
pub(crate) fn rename(
    from_dir: &Dir,
    from: &str,
    to_dir: &Dir,
    to: &str,
    action: &'static str,
    skill: &Path,
) -> Result<(), InstallError> {
    from_dir
        .rename(from, to_dir, to)
        .map_err(|e| InstallError::Commit {
            action,
            path: skill.to_path_buf(),
            source: e,
        })
}

/// Atomically swaps `a` in `a_dir` with `b` in `b_dir` (`renameat2(RENAME_EXCHANGE)` on
/// Linux); an error where the system or file system has no such call.
pub(crate) fn exchange(a_dir: &Dir, a: &str, b_dir: &Dir, b: &str) -> io::Result<()> {
    #[cfg(target_os = "linux")]
    {
        rustix::fs::renameat_with(a_dir, a, b_dir, b, rustix::fs::RenameFlags::EXCHANGE)
            .map_err(io::Error::from)
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = (a_dir, a, b_dir, b);
        Err(io::Error::from(io::ErrorKind::Unsupported))
    }
}

/// Removes `name` in `dir` and everything under it without following links (a link inside
/// is removed as a link). Missing is fine.
pub(crate) fn remove_tree(dir: &Dir, name: &str) -> io::Result<()> {
    match kind(dir, name, Path::new("")) {
        Ok(Some(Kind::Dir)) => dir.remove_dir_all(name),
        Ok(Some(_)) => dir.remove_file_or_symlink(name),
        Ok(None) => Ok(()),
        Err(_) => dir.remove_dir_all(name),
    }
}

/// Flushes a folder's entries (the renames in it) to disk; best effort.
pub(crate) fn sync(dir: &Dir) {
    crate::durable::sync_dir_handle(dir);
}
