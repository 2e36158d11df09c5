//! Archives: the deterministic packer, the safe reader and extractor, and the tree digest.
//!
//! Every archive skillpack unpacks, whatever its source, passes through [`inspect`] and
//! [`extract`]; the path and size rules of DESIGN section 8 live only in [`rules`].

pub mod digest;
pub mod error;
pub mod extract;
pub mod index;
pub mod inspect;
pub mod pack;
pub mod rules;

pub use digest::{FileRecord, hash_tree, hash_tree_in, sha256_hex, tree_digest, walk_tree_in};
pub use error::BundleError;
pub use extract::extract;
pub use inspect::{Plan, PlannedFile, inspect, open_archive};
pub use pack::{PackFile, collect_dir, is_junk, pack_to_vec, write_zip};
pub use rules::Limits;

/// Archive bytes as the fetch stage hands them over: in memory (embedded skills and local
/// folders, packed on the fly) or a file on disk (downloads, local zips).
#[derive(Debug, Clone)]
pub enum ArchiveData {
    Memory(Vec<u8>),
    File(std::path::PathBuf),
}
