//! The most of a `SKILL.md` skillpack reads, and the reads held to it.

use std::path::Path;

/// The most of a `SKILL.md` skillpack reads (rule `skill-md-too-large`): an agent puts the
/// whole file into its context, so instructions are far smaller than this.
pub const SKILL_MD_CAP: u64 = 4 * 1024 * 1024;

/// The bytes of the `SKILL.md` at `path` (a link followed, as agents follow it), if it is a
/// regular file of at most [`SKILL_MD_CAP`] bytes; `None` when it is larger, having read no
/// more than the cap. A FIFO or device in its place is refused, never waited on.
pub(crate) fn read_skill_md(path: &Path) -> std::io::Result<Option<Vec<u8>>> {
    crate::durable::read_regular(path, true, SKILL_MD_CAP)
}

pub(crate) fn too_large() -> std::io::Error {
    std::io::Error::new(
        std::io::ErrorKind::InvalidData,
        format!(
            "the file is over {} MiB, more than a SKILL.md holds",
            SKILL_MD_CAP >> 20
        ),
    )
}
