//! The account-management skill compiled into the binary, packed on demand by the same
//! deterministic packer `pack` uses, so the embedded, packed and installed trees agree.

use crate::bundle::{PackFile, Packing, is_junk, pack_to_vec, tree_digest};

mod files {
    include!(concat!(env!("OUT_DIR"), "/embedded_skill.rs"));
}

pub const NAME: &str = "account-management";

/// The embedded files, with the junk `pack` leaves out left out here too, so the embedded
/// bundle and a packed release of the same folder agree.
pub fn files() -> Vec<PackFile> {
    files::FILES
        .iter()
        .filter(|(path, _)| !path.split('/').any(is_junk))
        .map(|(path, data)| PackFile {
            path: (*path).to_string(),
            data: data.to_vec(),
            executable: false,
        })
        .collect()
}

/// The embedded skill as a zip (folder `account-management/` at its root): with
/// [`Packing::Release`], the bytes `pack` publishes; the install pipeline takes it
/// [`Packing::Transient`], uncompressed.
pub fn archive(packing: Packing) -> Vec<u8> {
    pack_to_vec(NAME, &files(), None, packing).expect("packing in memory cannot fail")
}

/// The tree digest the embedded skill installs as.
pub fn tree() -> String {
    let records: Vec<_> = files().iter().map(PackFile::record).collect();
    tree_digest(NAME, &records)
}

/// The embedded `SKILL.md` text.
pub fn skill_md() -> &'static str {
    files::FILES
        .iter()
        .find(|(p, _)| *p == "SKILL.md")
        .and_then(|(_, d)| std::str::from_utf8(d).ok())
        .unwrap_or_default()
}
