//! Archives: the deterministic packer, the safe reader and extractor, and the tree digest.
//!
//! Every archive skillpack unpacks, whatever its source, passes through [`inspect`] and
//! [`extract`]; the path and size rules of DESIGN section 8 live only in [`rules`].

pub(crate) mod digest;
pub(crate) mod error;
pub(crate) mod extract;
pub mod index;
pub(crate) mod inspect;
pub(crate) mod pack;
pub mod release;
pub(crate) mod rules;

pub use digest::{
    FileRecord, HashReader, check_sha256, hash_tree_in, sha256_hex, tree_digest, walk_tree_in,
};
pub use error::{BundleError, SafetyRule};
pub use extract::extract;
pub use inspect::{Plan, SkillAt, inspect, open_archive, skill_dirs};
pub use pack::{PackFile, Packing, collect_dir_within, is_junk, pack_to_vec, walk};
pub use rules::Limits;

/// Archive bytes as the fetch stage hands them over: in memory (embedded skills and local
/// folders, packed on the fly) or an open file on disk (downloads, cached archives, private
/// copies of local zips).
#[derive(Debug, Clone)]
pub enum ArchiveData {
    Memory(Vec<u8>),
    File(ArchiveFile),
}

/// A reader an archive can be opened from.
pub trait ReadSeek: std::io::Read + std::io::Seek {}
impl<T: std::io::Read + std::io::Seek> ReadSeek for T {}

impl ArchiveData {
    /// A reader of the bytes: the held file handle they were hashed through, never the
    /// path opened again.
    pub fn open(&self) -> Box<dyn ReadSeek + '_> {
        match self {
            ArchiveData::Memory(bytes) => Box::new(std::io::Cursor::new(bytes.as_slice())),
            ArchiveData::File(file) => Box::new(file.reader()),
        }
    }
}

/// An archive file held open from the moment its bytes were hashed: every reader made from
/// it reads that same file, never one found again by its path, so the bytes unpacked are
/// the bytes hashed even if the path is replaced meanwhile.
#[derive(Debug, Clone)]
pub struct ArchiveFile {
    file: std::sync::Arc<std::fs::File>,
    len: u64,
    path: std::path::PathBuf,
}

impl ArchiveFile {
    /// Wraps `file`, whose first `len` bytes are the archive; `path` is where it was (or is)
    /// found, for messages only.
    pub fn new(file: std::fs::File, len: u64, path: impl Into<std::path::PathBuf>) -> Self {
        ArchiveFile {
            file: std::sync::Arc::new(file),
            len,
            path: path.into(),
        }
    }

    /// Where the archive was found, for messages; it is never opened again by this path.
    pub fn path(&self) -> &std::path::Path {
        &self.path
    }

    pub fn len(&self) -> u64 {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// A reader of the archive with its own position: readers made from one
    /// [`ArchiveFile`] do not disturb one another.
    pub fn reader(&self) -> ArchiveReader {
        ArchiveReader {
            file: self.file.clone(),
            len: self.len,
            pos: 0,
        }
    }
}

/// [`Read`](std::io::Read) + [`Seek`](std::io::Seek) over an [`ArchiveFile`] by positioned
/// reads, so that it shares no file offset with other readers of the same handle.
#[derive(Debug)]
pub struct ArchiveReader {
    file: std::sync::Arc<std::fs::File>,
    len: u64,
    pos: u64,
}

impl std::io::Read for ArchiveReader {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let left = self.len.saturating_sub(self.pos);
        // `left` bounds the read to the archive; it fits in usize once below buf.len().
        let want = usize::try_from(left).map_or(buf.len(), |l| l.min(buf.len()));
        if want == 0 {
            return Ok(0);
        }
        let n = read_at(&self.file, &mut buf[..want], self.pos)?;
        self.pos += n as u64;
        Ok(n)
    }
}

impl std::io::Seek for ArchiveReader {
    fn seek(&mut self, to: std::io::SeekFrom) -> std::io::Result<u64> {
        let target = match to {
            std::io::SeekFrom::Start(p) => Some(p),
            std::io::SeekFrom::End(d) => self.len.checked_add_signed(d),
            std::io::SeekFrom::Current(d) => self.pos.checked_add_signed(d),
        };
        let Some(target) = target else {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                "seek before the start of the archive",
            ));
        };
        self.pos = target;
        Ok(target)
    }
}

#[cfg(unix)]
fn read_at(file: &std::fs::File, buf: &mut [u8], at: u64) -> std::io::Result<usize> {
    std::os::unix::fs::FileExt::read_at(file, buf, at)
}

#[cfg(windows)]
fn read_at(file: &std::fs::File, buf: &mut [u8], at: u64) -> std::io::Result<usize> {
    // Moves the handle's own offset too, which no reader relies on.
    std::os::windows::fs::FileExt::seek_read(file, buf, at)
}

pub(crate) use crate::durable::open_regular;

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Read, Seek, SeekFrom, Write};

    #[test]
    fn readers_of_one_archive_file_keep_their_own_positions() {
        let mut file = tempfile::tempfile().unwrap();
        file.write_all(b"0123456789").unwrap();
        let archive = ArchiveFile::new(file, 8, "mem");
        let (mut a, mut b) = (archive.reader(), archive.reader());
        let mut two = [0u8; 2];
        a.read_exact(&mut two).unwrap();
        assert_eq!(&two, b"01");
        b.seek(SeekFrom::End(-2)).unwrap();
        let mut rest = Vec::new();
        b.read_to_end(&mut rest).unwrap();
        assert_eq!(rest, b"67", "only the first `len` bytes are the archive");
        a.read_exact(&mut two).unwrap();
        assert_eq!(&two, b"23");
        assert!(a.seek(SeekFrom::Current(-10)).is_err());
    }
}
