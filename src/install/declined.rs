//! The companions a user declined, remembered per skills root in `.skillpack/declined.json`
//! so that later installs do not offer them again.
//!
//! A convenience, never a gate: a missing, damaged, oversized or planted file reads as
//! nothing declined (with the reason, for the caller to mention), and no install ever fails
//! because of it. The file is read and replaced only through the confined state folder:
//! never followed through a link, never waited on as a FIFO, and something that is not a
//! regular file is left where it is.

use std::collections::BTreeSet;
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::error::InstallError;
use super::layout::Root;
use super::rootfs::{self, Kind};
use super::runlock::RunLock;
use crate::skill::is_valid_name;

pub const DECLINED_NAME: &str = "declined.json";

/// Largest `declined.json` read; [`MAX_NAMES`] names of 64 characters stay well below it.
pub const DECLINED_CAP: u64 = 128 * 1024;

/// Most names remembered; past that, further declines are not recorded.
pub const MAX_NAMES: usize = 1000;

#[derive(Debug, Serialize, Deserialize)]
struct File {
    version: u32,
    #[serde(default)]
    declined: Vec<String>,
}

/// What was read: the declined names, and why the file was set aside, if it was.
#[derive(Debug, Default)]
pub struct Declined {
    pub names: BTreeSet<String>,
    pub problem: Option<InstallError>,
}

impl Declined {
    pub fn contains(&self, name: &str) -> bool {
        self.names.contains(name)
    }
}

/// The companions declined in `root`; nothing is created.
pub fn read(root: &Root) -> Declined {
    let opened = match root.open_read() {
        Ok(Some(opened)) => opened,
        Ok(None) => return Declined::default(),
        Err(e) => return set_aside(e),
    };
    let Some(state) = opened.state else {
        return Declined::default();
    };
    match read_in(&state, &root.state_dir()) {
        Ok(names) => Declined {
            names,
            problem: None,
        },
        Err(e) => set_aside(e),
    }
}

fn set_aside(problem: InstallError) -> Declined {
    Declined {
        names: BTreeSet::new(),
        problem: Some(problem),
    }
}

fn read_in(state: &cap_std::fs::Dir, shown: &Path) -> Result<BTreeSet<String>, InstallError> {
    let Some(bytes) = rootfs::read_capped(state, shown, DECLINED_NAME, DECLINED_CAP)? else {
        return Ok(BTreeSet::new());
    };
    parse(&bytes).map_err(|message| InstallError::Damaged {
        path: shown.join(DECLINED_NAME),
        message,
    })
}

/// The names in a `declined.json`; those that are not skill names are dropped.
pub fn parse(bytes: &[u8]) -> Result<BTreeSet<String>, String> {
    let file: File = serde_json::from_slice(bytes).map_err(|e| e.to_string())?;
    if file.version != crate::SCHEMA_VERSION {
        return Err(format!("format version {} is not known", file.version));
    }
    Ok(file
        .declined
        .into_iter()
        .filter(|n| is_valid_name(n))
        .take(MAX_NAMES)
        .collect())
}

/// Records a decision: `declined` are added, `accepted` removed. Takes the root's run lock
/// (`on_wait` is called while another run holds it). A damaged regular file is replaced; a
/// link, folder or special file at the name is refused with
/// [`InstallError::UnsafeState`] and left alone. Returns the names now remembered.
pub fn record(
    root: &Root,
    declined: &[String],
    accepted: &[String],
    on_wait: &mut dyn FnMut(&Path),
) -> Result<BTreeSet<String>, InstallError> {
    let opened = root.open_write()?;
    let shown = root.state_dir();
    let _guard = RunLock::acquire(&opened.state, &shown, on_wait)?;
    if let Some(k) = rootfs::kind(&opened.state, DECLINED_NAME, &shown)?
        && k != Kind::File
    {
        return Err(InstallError::UnsafeState {
            path: shown.join(DECLINED_NAME),
            found: k.describe(),
            expected: "a regular file",
        });
    }
    let before = read_in(&opened.state, &shown).unwrap_or_default();
    let mut names = before.clone();
    for name in declined.iter().filter(|n| is_valid_name(n)) {
        if names.len() < MAX_NAMES {
            names.insert(name.clone());
        }
    }
    for name in accepted {
        names.remove(name);
    }
    if names != before {
        let file = File {
            version: crate::SCHEMA_VERSION,
            declined: names.iter().cloned().collect(),
        };
        // A list of short strings: serialising it cannot fail.
        let mut bytes = serde_json::to_vec_pretty(&file).unwrap_or_default();
        bytes.push(b'\n');
        rootfs::write_record(&opened.state, &shown, DECLINED_NAME, &bytes)?;
    }
    Ok(names)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn declines_are_added_accepted_ones_removed_and_read_back() {
        let tmp = tempfile::tempdir().unwrap();
        let root = Root::new(tmp.path().join("skills"));
        assert!(read(&root).names.is_empty());
        let mut wait = |_: &Path| {};
        record(&root, &names(&["b", "a", "../x"]), &[], &mut wait).unwrap();
        assert_eq!(read(&root).names, BTreeSet::from(["a".into(), "b".into()]));
        record(&root, &names(&["c"]), &names(&["a"]), &mut wait).unwrap();
        let got = read(&root);
        assert_eq!(got.names, BTreeSet::from(["b".into(), "c".into()]));
        assert!(got.problem.is_none());
    }

    #[test]
    fn a_damaged_file_reads_as_nothing_declined_and_is_replaced() {
        let tmp = tempfile::tempdir().unwrap();
        let root = Root::new(tmp.path().join("skills"));
        std::fs::create_dir_all(root.state_dir()).unwrap();
        let path = root.state_dir().join(DECLINED_NAME);
        for bad in [&b"\xff\x00garbage"[..], b"{\"version\": 9}", b"[]"] {
            std::fs::write(&path, bad).unwrap();
            let got = read(&root);
            assert!(got.names.is_empty());
            assert_eq!(got.problem.map(|p| p.kind()), Some("damaged-state"));
        }
        std::fs::write(&path, vec![b' '; DECLINED_CAP as usize + 1]).unwrap();
        assert_eq!(
            read(&root).problem.map(|p| p.kind()),
            Some("state-too-large")
        );
        record(&root, &names(&["a"]), &[], &mut |_| {}).unwrap();
        assert_eq!(read(&root).names, BTreeSet::from(["a".into()]));
    }

    #[cfg(unix)]
    #[test]
    fn a_link_at_the_name_is_neither_followed_nor_replaced() {
        let tmp = tempfile::tempdir().unwrap();
        let root = Root::new(tmp.path().join("skills"));
        std::fs::create_dir_all(root.state_dir()).unwrap();
        let outside = tmp.path().join("outside.json");
        std::fs::write(&outside, br#"{"version": 1, "declined": ["a"]}"#).unwrap();
        let link = root.state_dir().join(DECLINED_NAME);
        std::os::unix::fs::symlink(&outside, &link).unwrap();
        let got = read(&root);
        assert!(got.names.is_empty());
        assert_eq!(got.problem.map(|p| p.kind()), Some("unsafe-state"));
        let err = record(&root, &names(&["b"]), &[], &mut |_| {}).unwrap_err();
        assert_eq!(err.kind(), "unsafe-state");
        assert!(
            std::fs::symlink_metadata(&link)
                .unwrap()
                .file_type()
                .is_symlink()
        );
        assert_eq!(
            std::fs::read(&outside).unwrap(),
            br#"{"version": 1, "declined": ["a"]}"#
        );
    }
}
