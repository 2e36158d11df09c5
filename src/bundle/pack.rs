//! The deterministic packer: the same files give the same zip bytes on every run and machine.
//!
//! Entries are sorted by path, carry a fixed timestamp (or `SOURCE_DATE_EPOCH`), fixed Unix
//! modes (0644, or 0755 when executable), a fixed origin system and one deflate backend and
//! level. Every entry lives under `<name>/`, the layout claude.ai upload and `.skill` files use.

use std::io::{Cursor, Seek, Write};
use std::path::{Path, PathBuf};

use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, DateTime, System, ZipWriter};

use super::digest::{FileRecord, relative_slash_path, sha256_hex, tree_digest};
use super::error::PackReason;
use super::error::{BundleError, SafetyRule};
use super::rules::{Limits, check_entry_name};

/// A file to pack, with its contents in memory (skills are small; the limits cap them).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PackFile {
    /// Path relative to the skill folder, forward slashes.
    pub path: String,
    pub data: Vec<u8>,
    pub executable: bool,
}

impl PackFile {
    pub fn record(&self) -> FileRecord {
        use sha2::{Digest, Sha256};
        FileRecord {
            path: self.path.clone(),
            sha256: Sha256::digest(&self.data).into(),
            size: self.data.len() as u64,
            executable: self.executable,
        }
    }
}

pub use crate::skill::junk::is_junk;

/// Everything below `dir` (`dir` itself first), sorted by name, without following links and
/// without junk files or folders (nor what junk folders hold): the walk of a skill folder
/// for packing it and of a folder searched for skills.
pub fn walk(dir: &Path) -> impl Iterator<Item = Result<walkdir::DirEntry, BundleError>> + '_ {
    walkdir::WalkDir::new(dir)
        .follow_links(false)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| e.depth() == 0 || !is_junk(&e.file_name().to_string_lossy()))
        .map(move |entry| {
            entry.map_err(|e| {
                let path = e.path().unwrap_or(dir).to_path_buf();
                BundleError::io("cannot read", path, e.into())
            })
        })
}

/// Reads a skill folder into memory, sorted by path, junk excluded, under the default
/// [`Limits`]. Symlinks and special files are refused: a release must not depend on what
/// they point at.
pub(crate) fn collect_dir(dir: &Path) -> Result<Vec<PackFile>, BundleError> {
    collect_dir_within(dir, &Limits::default())
}

/// [`collect_dir`] under `limits`, checked while reading as for an archive: the walk stops
/// at the entry past `max_entries`, a file larger than `max_entry` is refused from its size
/// before it is read (and read no further than the limit if it grows meanwhile), and the
/// total stops at `max_total`.
pub fn collect_dir_within(dir: &Path, limits: &Limits) -> Result<Vec<PackFile>, BundleError> {
    let meta = std::fs::metadata(dir).map_err(|e| BundleError::io("cannot read", dir, e))?;
    if !meta.is_dir() {
        return Err(BundleError::Pack {
            path: dir.to_path_buf(),
            reason: PackReason::NotAFolder,
            message: "not a folder".into(),
        });
    }
    let mut files = Vec::new();
    let mut total: u64 = 0;
    for entry in walk(dir) {
        let entry = entry?;
        let ft = entry.file_type();
        if ft.is_dir() {
            continue;
        }
        if ft.is_symlink() {
            return Err(BundleError::Pack {
                path: entry.path().to_path_buf(),
                reason: PackReason::Symlink,
                message: "it is a symbolic link, and a skill holds only files and folders; \
                          replace it with the file it points to"
                    .into(),
            });
        }
        if !ft.is_file() {
            return Err(BundleError::Pack {
                path: entry.path().to_path_buf(),
                reason: PackReason::SpecialFile,
                message: "it is neither a file nor a folder (a FIFO, socket or device), and \
                          a skill holds only files and folders"
                    .into(),
            });
        }
        let rel = relative_slash_path(dir, entry.path());
        check_entry_name(rel.as_bytes()).map_err(|e| BundleError::Pack {
            path: entry.path().to_path_buf(),
            reason: PackReason::EntryName,
            message: e.to_string(),
        })?;
        if files.len() >= limits.max_entries {
            return Err(BundleError::Limit {
                rule: SafetyRule::TooManyEntries,
                message: format!(
                    "`{}` holds more than {} files (at `{rel}`)",
                    dir.display(),
                    limits.max_entries
                ),
                flag: "--max-files",
            });
        }
        let data = read_limited(entry.path(), &rel, limits, total)?;
        total += data.len() as u64;
        files.push(PackFile {
            path: rel,
            data,
            executable: super::digest::is_executable(entry.path()),
        });
    }
    files.sort_by(|a, b| a.path.as_bytes().cmp(b.path.as_bytes()));
    Ok(files)
}

/// Reads the regular file `path` (`rel` in messages) when it fits the entry limit and, with
/// `before` bytes already read, the total limit; refused from its size before a byte is read,
/// and read no further than the limit whatever the file turns into meanwhile.
fn read_limited(
    path: &Path,
    rel: &str,
    limits: &Limits,
    before: u64,
) -> Result<Vec<u8>, BundleError> {
    use std::io::Read;
    let total_too_large = || limits.total_too_large("files", Some(rel));
    let room = limits.max_total.saturating_sub(before);
    let file = crate::durable::open_regular(path, false)
        .map_err(|e| BundleError::io("cannot read", path, e))?;
    let meta = file
        .metadata()
        .map_err(|e| BundleError::io("cannot read", path, e))?;
    if meta.len() > limits.max_entry {
        return Err(limits.entry_too_large(rel, meta.len()));
    }
    if meta.len() > room {
        return Err(total_too_large());
    }
    let cap = limits.max_entry.min(room);
    // The size read above bounds the allocation; growth past `cap` is caught below.
    let mut data = Vec::with_capacity(usize::try_from(meta.len()).unwrap_or(0));
    file.take(cap.saturating_add(1))
        .read_to_end(&mut data)
        .map_err(|e| BundleError::io("cannot read", path, e))?;
    let read = data.len() as u64;
    if read > limits.max_entry {
        return Err(limits.entry_too_large(rel, format!("more than {}", limits.max_entry)));
    }
    if read > room {
        return Err(total_too_large());
    }
    Ok(data)
}

/// 1980-01-01 and 2108-01-01 in seconds since 1970: the range a zip (MS-DOS) timestamp
/// can record. Timestamps outside it are clamped to its ends.
pub const ZIP_EPOCH_RANGE: std::ops::Range<u64> = 315_532_800..4_354_819_200;

/// The zip timestamp for `SOURCE_DATE_EPOCH` seconds (UTC), clamped to
/// [`ZIP_EPOCH_RANGE`]; `None` gives 1980-01-01 00:00:00.
pub(crate) fn zip_time(epoch: Option<u64>) -> DateTime {
    let Some(secs) = epoch else {
        return DateTime::default();
    };
    let secs = secs.clamp(ZIP_EPOCH_RANGE.start, ZIP_EPOCH_RANGE.end - 1);
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    let (y, m, d) = civil_from_days(days);
    DateTime::from_date_and_time(
        y as u16,
        m,
        d,
        (rem / 3600) as u8,
        ((rem % 3600) / 60) as u8,
        (rem % 60) as u8,
    )
    .unwrap_or_default()
}

/// Days since 1970-01-01 → (year, month, day), proleptic Gregorian (Howard Hinnant's algorithm).
pub(crate) fn civil_from_days(z: i64) -> (i64, u8, u8) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u8;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u8;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

/// How entries are stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Packing {
    /// Deflate at level 9: release archives, published and downloaded.
    Release,
    /// Stored uncompressed: bundles that only pass through memory on their way to the
    /// install pipeline (the embedded skill, a local folder), where compressing is wasted.
    Transient,
}

/// Writes `files` as a zip with every entry under `<name>/`.
pub(crate) fn write_zip<W: Write + Seek>(
    name: &str,
    files: &[PackFile],
    epoch: Option<u64>,
    packing: Packing,
    out: W,
) -> Result<W, BundleError> {
    let mut sorted: Vec<&PackFile> = files.iter().collect();
    sorted.sort_by(|a, b| a.path.as_bytes().cmp(b.path.as_bytes()));
    let (method, level) = match packing {
        Packing::Release => (CompressionMethod::Deflated, Some(9)),
        Packing::Transient => (CompressionMethod::Stored, None),
    };
    let base = SimpleFileOptions::default()
        .compression_method(method)
        .compression_level(level)
        .last_modified_time(zip_time(epoch))
        .system(System::Unix)
        .large_file(false);
    let zip_err = |e: zip::result::ZipError| BundleError::Pack {
        path: name.into(),
        reason: PackReason::Archive,
        message: e.to_string(),
    };
    let mut zip = ZipWriter::new(out);
    for f in sorted {
        let mode = if f.executable { 0o755 } else { 0o644 };
        let opts = base
            .unix_permissions(mode)
            .large_file(f.data.len() as u64 >= u32::MAX as u64);
        zip.start_file(format!("{name}/{}", f.path), opts)
            .map_err(zip_err)?;
        zip.write_all(&f.data)
            .map_err(|e| BundleError::io("cannot write", name, e))?;
    }
    zip.finish().map_err(zip_err)
}

/// Packs `files` into an in-memory zip.
pub fn pack_to_vec(
    name: &str,
    files: &[PackFile],
    epoch: Option<u64>,
    packing: Packing,
) -> Result<Vec<u8>, BundleError> {
    Ok(write_zip(name, files, epoch, packing, Cursor::new(Vec::new()))?.into_inner())
}

/// One skill folder packed for release, in memory, already checked to install.
#[derive(Debug, Clone)]
pub struct Release {
    pub name: String,
    pub version: String,
    /// `<name>-<version>.zip`.
    pub file_name: String,
    pub bytes: Vec<u8>,
    /// Hex SHA-256 of `bytes`.
    pub sha256: String,
    /// The tree digest the skill installs as, `sha256:<hex>`.
    pub tree: String,
    pub files: usize,
    /// Uncompressed total of the files, in bytes.
    pub content_size: u64,
}

impl Release {
    /// `<name>.skill`: the same bytes under the name claude.ai upload expects.
    pub fn skill_file_name(&self) -> String {
        format!("{}.skill", self.name)
    }
}

/// Packs the skill folder `dir` as `<name>-<version>.zip` with every entry under `<name>/`.
///
/// The result is read back through the install-time checks with the default limits, so a
/// release that `skillpack install` would refuse (names colliding on case-insensitive file
/// systems, a zip bomb, no `SKILL.md`) is refused here instead of being published.
pub(crate) fn pack_release(
    dir: &Path,
    name: &str,
    version: &str,
    epoch: Option<u64>,
) -> Result<Release, BundleError> {
    let refuse = |reason: PackReason, message: String| BundleError::Pack {
        path: dir.to_path_buf(),
        reason,
        message,
    };
    check_file_name_part(name, true)
        .map_err(|why| refuse(PackReason::ReleaseName, format!("the name `{name}` {why}")))?;
    check_file_name_part(version, false).map_err(|why| {
        refuse(
            PackReason::ReleaseName,
            format!("the version `{version}` {why}; use letters, digits, `.`, `-`, `+` and `_`"),
        )
    })?;
    let files = collect_dir(dir)?;
    if !files.iter().any(|f| f.path == "SKILL.md") {
        let found = files
            .iter()
            .find(|f| f.path.eq_ignore_ascii_case("SKILL.md"));
        return Err(refuse(
            PackReason::NoSkillMd,
            match found {
                Some(f) => format!("rename `{}` to `SKILL.md`, the name agents load", f.path),
                None => "the folder has no SKILL.md".into(),
            },
        ));
    }
    let bytes = pack_to_vec(name, &files, epoch, Packing::Release)?;
    check_installs(&bytes, name).map_err(|m| refuse(PackReason::WouldNotInstall, m))?;
    let records: Vec<FileRecord> = files.iter().map(PackFile::record).collect();
    Ok(Release {
        name: name.to_string(),
        version: version.to_string(),
        file_name: format!("{name}-{version}.zip"),
        sha256: sha256_hex(&bytes),
        tree: tree_digest(name, &records),
        files: files.len(),
        content_size: records.iter().map(|r| r.size).sum(),
        bytes,
    })
}

/// Why `part` cannot go into a release file name, if it cannot. Only letters, digits and
/// `.`, `-`, `+`, `_` (the characters of SemVer and PEP 440 versions) are allowed, ASCII
/// except in names, so that file names need no escaping in `SHA256SUMS`, in shells, or in
/// the index `url` that is resolved relative to the index URL.
fn check_file_name_part(part: &str, unicode: bool) -> Result<(), &'static str> {
    if part.is_empty() {
        return Err("is empty");
    }
    if part.len() > 100 {
        return Err("is too long for a file name");
    }
    if part.starts_with(['.', '-']) {
        return Err("cannot start a file name");
    }
    let allowed = |c: char| {
        c.is_ascii_alphanumeric()
            || matches!(c, '.' | '-' | '+' | '_')
            || (unicode && c.is_alphanumeric())
    };
    if !part.chars().all(allowed) {
        return Err("holds characters that do not belong in a file name");
    }
    Ok(())
}

/// Reads `bytes` back as `install` would, with the default limits.
fn check_installs(bytes: &[u8], name: &str) -> Result<(), String> {
    let refused = |e: BundleError| match e {
        BundleError::Limit { rule, message, .. } => {
            format!("{message} [{rule}]; `skillpack install` would refuse the release")
        }
        other => format!("`skillpack install` would refuse the release: {other}"),
    };
    let mut archive = super::inspect::open_archive(Cursor::new(bytes)).map_err(refused)?;
    let plan = super::inspect::inspect(
        &mut archive,
        &Limits::default(),
        &super::inspect::SkillAt::Find,
    )
    .map_err(refused)?;
    if plan.root != name {
        return Err(format!(
            "the release holds the skill at `{}/`, not at `{name}/`",
            plan.root
        ));
    }
    Ok(())
}

/// A `SHA256SUMS` file in the coreutils format (`<hex>  <file>` per line, in the order
/// given), which `sha256sum -c SHA256SUMS` verifies. File names must not hold a newline or
/// a backslash, which coreutils would escape; release names never do.
pub(crate) fn sha256sums<'a>(entries: impl IntoIterator<Item = (&'a str, &'a str)>) -> String {
    entries
        .into_iter()
        .map(|(file, hex)| format!("{hex}  {file}\n"))
        .collect()
}

/// Writes the release file `file_name` in `dir` atomically (0644), returning its path.
pub(crate) fn write_release_file(
    dir: &Path,
    file_name: &str,
    bytes: &[u8],
) -> Result<PathBuf, BundleError> {
    let target = dir.join(file_name);
    let opened = cap_std::fs::Dir::open_ambient_dir(dir, cap_std::ambient_authority())
        .map_err(|e| BundleError::io("cannot open", dir, e))?;
    crate::durable::write_atomic(&opened, file_name, bytes, 0o644)
        .map_err(|e| BundleError::io("cannot write", &target, e))?;
    Ok(target)
}

/// Removes the file `file_name` from the release folder `dir`, if it is there.
pub(crate) fn remove_release_file(dir: &Path, file_name: &str) -> Result<(), BundleError> {
    let target = dir.join(file_name);
    let opened = cap_std::fs::Dir::open_ambient_dir(dir, cap_std::ambient_authority())
        .map_err(|e| BundleError::io("cannot open", dir, e))?;
    match opened.remove_file(file_name) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
            Err(BundleError::io("cannot remove", &target, e))
        }
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_dates() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(10_957), (2000, 1, 1));
        assert_eq!(civil_from_days(19_782), (2024, 2, 29));
    }

    #[test]
    fn packing_is_independent_of_input_order() {
        let a = PackFile {
            path: "SKILL.md".into(),
            data: b"x".to_vec(),
            executable: false,
        };
        let b = PackFile {
            path: "references/r.md".into(),
            data: b"y".to_vec(),
            executable: true,
        };
        let z1 = pack_to_vec("s", &[a.clone(), b.clone()], None, Packing::Release).unwrap();
        let z2 = pack_to_vec("s", &[b, a], None, Packing::Release).unwrap();
        assert_eq!(z1, z2);
    }

    #[test]
    fn file_name_parts() {
        for ok in ["0.1.0", "1.0.0-rc.1+build.5", "2024.1_post"] {
            assert!(check_file_name_part(ok, false).is_ok(), "{ok}");
        }
        for bad in [
            "", "../x", "1/2", "a b", ".hidden", "-x", "1:2", "a\\b", "v\n", "1#2", "1%20", "é",
        ] {
            assert!(check_file_name_part(bad, false).is_err(), "{bad:?}");
        }
        assert!(check_file_name_part("café-notes", true).is_ok());
    }

    #[test]
    fn refusals_carry_their_reason() {
        let tmp = tempfile::tempdir().unwrap();
        let reason = |dir: &Path| match collect_dir(dir) {
            Err(BundleError::Pack { reason, .. }) => Some(reason),
            _ => None,
        };
        let file = tmp.path().join("file");
        std::fs::write(&file, "x").unwrap();
        assert_eq!(reason(&file), Some(PackReason::NotAFolder));
        #[cfg(unix)]
        {
            let skill = tmp.path().join("s");
            std::fs::create_dir(&skill).unwrap();
            std::fs::write(skill.join("SKILL.md"), "x").unwrap();
            std::os::unix::fs::symlink("SKILL.md", skill.join("link.md")).unwrap();
            assert_eq!(reason(&skill), Some(PackReason::Symlink));
        }
    }

    #[test]
    fn sums_file_format() {
        let s = sha256sums([("a-1.zip", "ab"), ("a.skill", "cd")]);
        assert_eq!(s, "ab  a-1.zip\ncd  a.skill\n");
    }
}
