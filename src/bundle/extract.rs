//! The extractor: inflates a [`Plan`] into a fresh folder, enforcing sizes while inflating
//! (headers are not trusted), normalising permissions, and hashing each byte as it is written.
//!
//! It writes only through the handle of the folder it is given (`cap-std`): every file and
//! folder is created new, beneath that handle, without following a link.

use std::fs::File;
use std::io::{Read, Seek, Write};
use std::path::{Path, PathBuf};

use cap_fs_ext::{FollowSymlinks, OpenOptionsFollowExt};
use cap_std::fs::{Dir, OpenOptions};

use zip::{CompressionMethod, ZipArchive};

use super::digest::{FileRecord, HashReader};
use super::error::{BundleError, SafetyRule};
use super::inspect::{Plan, check_ratio};
use super::rules::Limits;
use crate::durable::{Barrier, WRITEBACK_CHUNK, start_writeback};

/// Extracts every planned file into a new folder `name` inside the opened folder `parent`
/// (`dest` is where that is, for messages) and returns their records sorted by path. On
/// error the caller discards the folder whole.
///
/// The files and folders written are added to `durable`, for the caller to flush when the
/// tree must be on disk (before it is renamed into place), together with its own writes;
/// a tree that is only looked at and thrown away is never waited for.
pub fn extract<R: Read + Seek>(
    archive: &mut ZipArchive<R>,
    plan: &Plan,
    parent: &Dir,
    name: &str,
    dest: &Path,
    limits: &Limits,
    durable: &mut Barrier,
) -> Result<Vec<FileRecord>, BundleError> {
    parent
        .create_dir(name)
        .map_err(|e| BundleError::io("cannot create", dest, e))?;
    let dir = cap_fs_ext::DirExt::open_dir_nofollow(parent, name)
        .map_err(|e| BundleError::io("cannot open", dest, e))?;
    crate::durable::set_dir_mode(&dir, 0o755)
        .map_err(|e| BundleError::io("cannot set permissions on", dest, e))?;
    let mut total = 0u64;
    let mut records = Vec::with_capacity(plan.files.len());
    let mut buf = vec![0u8; 64 * 1024];
    let mut folders: std::collections::BTreeSet<PathBuf> = [PathBuf::new()].into();
    for pf in &plan.files {
        let target = dest.join(&pf.path);
        make_parents(&dir, dest, &pf.path, &mut folders)?;
        let mode = if pf.executable { 0o755 } else { 0o644 };
        let mut out = create_file(&dir, &pf.path, &target, mode)?;
        // The raw stream, inflated here: the size rules below are then the ones that stop
        // an entry inflating past its header, and the CRC is checked on the same bytes.
        let raw = archive
            .by_index_raw(pf.index)
            .map_err(|e| BundleError::Corrupt {
                entry: pf.entry.clone(),
                reason: e.to_string(),
            })?;
        let expected_crc = raw.crc32();
        let inflated: Box<dyn Read + '_> = match raw.compression() {
            CompressionMethod::Stored => Box::new(raw),
            CompressionMethod::Deflated => Box::new(flate2::read::DeflateDecoder::new(raw)),
            other => {
                // inspect admits only these two methods.
                return Err(BundleError::Corrupt {
                    entry: pf.entry.clone(),
                    reason: format!("unsupported compression method {other}"),
                });
            }
        };
        let mut entry = HashReader::background(inflated, pf.size);
        let mut crc = crc32fast::Hasher::new();
        let mut written = 0u64;
        let mut kicked = 0u64;
        loop {
            let n = match entry.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    return Err(BundleError::Corrupt {
                        entry: pf.entry.clone(),
                        reason: e.to_string(),
                    });
                }
            };
            written += n as u64;
            total += n as u64;
            if written > pf.size {
                return Err(BundleError::Unsafe {
                    entry: pf.entry.clone(),
                    rule: SafetyRule::SizeMismatch,
                    message: format!(
                        "the entry inflates to more than the {} bytes its header declares",
                        pf.size
                    ),
                });
            }
            if total > limits.max_total {
                return Err(BundleError::Limit {
                    rule: SafetyRule::TotalTooLarge,
                    message: format!(
                        "the entries inflate to more than {}",
                        crate::text::byte_count(limits.max_total)
                    ),
                    flag: "--max-size",
                });
            }
            check_ratio(&pf.entry, written, pf.compressed, limits)?;
            crc.update(&buf[..n]);
            out.write_all(&buf[..n])
                .map_err(|e| BundleError::io("cannot write", &target, e))?;
            if written - kicked >= WRITEBACK_CHUNK {
                start_writeback(&out, kicked, written - kicked);
                kicked = written;
            }
        }
        if written != pf.size {
            return Err(BundleError::Corrupt {
                entry: pf.entry.clone(),
                reason: format!("{written} bytes inflated, the header declares {}", pf.size),
            });
        }
        if crc.finalize() != expected_crc {
            return Err(BundleError::Corrupt {
                entry: pf.entry.clone(),
                reason: "its contents do not match the checksum in its header".into(),
            });
        }
        durable
            .add_file(out, target)
            .map_err(|(path, e)| BundleError::io("cannot write", &path, e))?;
        records.push(FileRecord {
            path: pf.path.clone(),
            sha256: entry.finish_raw().0,
            size: written,
            executable: pf.executable,
        });
    }
    // Each folder once, so the entries naming the files are durable too.
    for folder in &folders {
        let sub = if folder.as_os_str().is_empty() {
            dir.try_clone()
        } else {
            cap_fs_ext::DirExt::open_dir_nofollow(&dir, folder)
        };
        if let Ok(sub) = sub {
            durable.add_dir(&sub);
        }
    }
    records.sort_by(|a, b| a.path.as_bytes().cmp(b.path.as_bytes()));
    Ok(records)
}

/// Creates the folders above `rel` inside `dir` (0755), adding each to `folders`.
fn make_parents(
    dir: &Dir,
    dest: &Path,
    rel: &str,
    folders: &mut std::collections::BTreeSet<PathBuf>,
) -> Result<(), BundleError> {
    let mut path = PathBuf::new();
    let mut parts = rel.split('/').peekable();
    while let Some(part) = parts.next() {
        path.push(part);
        if parts.peek().is_some() {
            match dir.symlink_metadata(&path) {
                Ok(m) if m.is_dir() => {}
                _ => {
                    dir.create_dir(&path)
                        .map_err(|e| BundleError::io("cannot create", dest.join(&path), e))?;
                    set_mode(dir, &path, dest, 0o755)?;
                    folders.insert(path.clone());
                }
            }
        }
    }
    Ok(())
}

fn create_file(dir: &Dir, rel: &str, shown: &Path, mode: u32) -> Result<File, BundleError> {
    let mut opts = OpenOptions::new();
    opts.write(true).create_new(true).follow(FollowSymlinks::No);
    #[cfg(unix)]
    {
        use cap_std::fs::OpenOptionsExt;
        opts.mode(mode);
    }
    let file = dir
        .open_with(rel, &opts)
        .map_err(|e| BundleError::io("cannot create", shown, e))?
        .into_std();
    // The umask may have cleared bits; set the exact mode so trees are alike everywhere.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        file.set_permissions(std::fs::Permissions::from_mode(mode))
            .map_err(|e| BundleError::io("cannot set permissions on", shown, e))?;
    }
    #[cfg(not(unix))]
    let _ = mode;
    Ok(file)
}

fn set_mode(dir: &Dir, rel: impl AsRef<Path>, dest: &Path, mode: u32) -> Result<(), BundleError> {
    let rel = rel.as_ref();
    let shown = || dest.join(rel);
    let opened = cap_fs_ext::DirExt::open_dir_nofollow(dir, rel)
        .map_err(|e| BundleError::io("cannot open", shown(), e))?;
    crate::durable::set_dir_mode(&opened, mode)
        .map_err(|e| BundleError::io("cannot set permissions on", shown(), e))
}
