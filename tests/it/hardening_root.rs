//! The skills root as hostile input: planted links, FIFOs and devices in `.skillpack/`,
//! poisoned `lock.json` and `txn.json`, swapped skill folders, interrupted runs, a full
//! disk and a read-only state folder. Each test builds the attack against the real binary
//! and shows that nothing outside the root was read, written or deleted.
//!
//! Unix only, as a whole: nearly every attack here is a symbolic link, a FIFO, a device,
//! a mode or another user, which other systems either lack or reserve for administrators.

use std::collections::BTreeMap;
use std::fs;
#[cfg(unix)]
use std::os::unix::fs::{PermissionsExt, symlink};
use std::path::{Path, PathBuf};
#[cfg(unix)]
use std::process::Command as StdCommand;
#[cfg(unix)]
use std::sync::Arc;
#[cfg(unix)]
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use assert_cmd::Command;
use predicates::prelude::*;
use tempfile::TempDir;

/// A temporary HOME with a project inside and a victim folder beside it.
struct World {
    tmp: TempDir,
}

impl World {
    fn new() -> World {
        let w = World {
            tmp: TempDir::new().unwrap(),
        };
        fs::create_dir_all(w.project()).unwrap();
        fs::create_dir_all(w.home()).unwrap();
        // The victim: folders and files outside every skills root.
        for (rel, body) in [
            ("important/a.txt", "precious a\n"),
            ("important/sub/b.txt", "precious b\n"),
            ("second/c.txt", "precious c\n"),
            ("file.txt", "precious file\n"),
        ] {
            let p = w.victim().join(rel);
            fs::create_dir_all(p.parent().unwrap()).unwrap();
            fs::write(p, body).unwrap();
        }
        w
    }

    fn home(&self) -> PathBuf {
        self.tmp.path().join("home")
    }

    fn project(&self) -> PathBuf {
        self.tmp.path().join("project")
    }

    fn victim(&self) -> PathBuf {
        self.tmp.path().join("victim")
    }

    /// The project-scope Claude Code skills root.
    fn root(&self) -> PathBuf {
        self.project().join(".claude/skills")
    }

    fn state(&self) -> PathBuf {
        self.root().join(".skillpack")
    }

    fn cmd(&self) -> Command {
        let cache = self.tmp.path().join("cache");
        let mut c = Command::from_std(crate::net::skillpack(&self.home(), &cache, &self.project()));
        c.timeout(Duration::from_secs(60));
        c
    }

    /// `skillpack ARGS --scope project` in the project.
    fn run(&self, args: &[&str]) -> assert_cmd::assert::Assert {
        let mut c = self.cmd();
        c.args(args).args(["--scope", "project"]);
        c.assert()
    }

    fn install_embedded(&self) {
        self.run(&["install", "--no-companions"]).success();
    }

    fn lock(&self) -> serde_json::Value {
        serde_json::from_slice(&fs::read(self.state().join("lock.json")).unwrap()).unwrap()
    }

    /// `list`, `verify` and `install --force` each refuse the root's lock.json as a damaged
    /// record saying `says`, never blaming an argument nor echoing a raw escape.
    fn assert_damaged_record(&self, says: &str) {
        for args in [
            &["list"][..],
            &["verify"],
            &["install", "--no-companions", "--force"],
        ] {
            self.run(args)
                .code(1)
                .stderr(predicate::str::contains("damaged"))
                .stderr(predicate::str::contains(says))
                .stderr(predicate::str::contains("--trusted-key").not())
                .stderr(predicate::str::contains('\u{1b}').not());
        }
    }

    fn write_lock(&self, v: &serde_json::Value) {
        fs::write(
            self.state().join("lock.json"),
            serde_json::to_vec_pretty(v).unwrap(),
        )
        .unwrap();
    }
}

/// Every path under `dir` (links not followed) with its kind, contents, mode and mtime:
/// equal snapshots mean nothing there was written, created or deleted.
fn snapshot(dir: &Path) -> BTreeMap<PathBuf, String> {
    snapshot_with(dir, true)
}

/// [`snapshot`] without folders' modification times (renames out and back change them).
#[cfg(unix)]
fn contents(dir: &Path) -> BTreeMap<PathBuf, String> {
    snapshot_with(dir, false)
}

fn snapshot_with(dir: &Path, dir_times: bool) -> BTreeMap<PathBuf, String> {
    #[cfg(unix)]
    use std::os::unix::fs::MetadataExt;
    #[cfg(unix)]
    let mode = |m: &fs::Metadata| m.mode();
    #[cfg(not(unix))]
    let mode = |m: &fs::Metadata| u32::from(m.permissions().readonly());
    let mtime = |m: &fs::Metadata| {
        m.modified()
            .ok()
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
            .map_or(0, |d| d.as_nanos())
    };
    let mut out = BTreeMap::new();
    for e in walkdir::WalkDir::new(dir).follow_links(false) {
        let e = e.unwrap();
        let m = fs::symlink_metadata(e.path()).unwrap();
        let what = if m.file_type().is_symlink() {
            format!("link {:?}", fs::read_link(e.path()).unwrap())
        } else if m.is_file() {
            format!(
                "file {} {:o} {}",
                sha256_hex(&fs::read(e.path()).unwrap()),
                mode(&m),
                mtime(&m)
            )
        } else {
            format!(
                "dir {:o} {}",
                mode(&m),
                if dir_times { mtime(&m) } else { 0 }
            )
        };
        out.insert(e.path().to_path_buf(), what);
    }
    out
}

fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(bytes))
}

/// Access times are not enough to prove a read (noatime mounts): the victim files are made
/// unreadable-looking by content instead — every test checks the victim is unchanged, and
/// the ones about reading check that no victim byte reached the output or the record.
fn assert_victim_intact(w: &World, before: &BTreeMap<PathBuf, String>) {
    assert_eq!(
        &snapshot(&w.victim()),
        before,
        "something outside the root changed"
    );
}

#[cfg(unix)]
fn victim_bytes_absent(out: &[u8]) {
    let text = String::from_utf8_lossy(out);
    assert!(!text.contains("precious"), "victim content leaked: {text}");
}

// ---------------------------------------------------------------------------------------
// The state folder

#[test]
#[cfg(unix)]
fn a_staging_link_committed_in_a_repository_is_refused_and_nothing_outside_is_deleted() {
    let w = World::new();
    fs::create_dir_all(w.state()).unwrap();
    // As committed in a repository: relative, pointing out of the project.
    symlink("../../../../victim", w.state().join("staging")).unwrap();
    let before = snapshot(&w.victim());
    w.run(&["install", "--no-companions"])
        .code(1)
        .stderr(predicate::str::contains(".skillpack/staging"))
        .stderr(predicate::str::contains("symbolic link"))
        .stderr(predicate::str::contains("Remove it"))
        .stderr(predicate::str::contains("Recovered").not());
    assert_victim_intact(&w, &before);
    assert!(!w.root().join("account-management").exists());
    assert!(
        fs::symlink_metadata(w.state().join("staging"))
            .unwrap()
            .file_type()
            .is_symlink(),
        "the planted link itself is left for the user to inspect"
    );
}

#[test]
#[cfg(unix)]
fn a_state_folder_that_is_a_link_is_refused() {
    let w = World::new();
    fs::create_dir_all(w.root()).unwrap();
    symlink(w.victim().join("important"), w.state()).unwrap();
    let before = snapshot(&w.victim());
    for args in [
        &["install", "--no-companions"][..],
        &["list"],
        &["verify"],
        &["uninstall", "account-management"],
    ] {
        let out = w
            .run(args)
            .code(1)
            .stderr(predicate::str::contains(".skillpack`"));
        victim_bytes_absent(&out.get_output().stdout);
    }
    assert_victim_intact(&w, &before);
}

#[test]
#[cfg(unix)]
fn a_transaction_folder_that_is_a_link_is_refused_not_cleaned() {
    let w = World::new();
    w.install_embedded();
    symlink(w.victim(), w.state().join("staging/txn-planted")).unwrap();
    let before = snapshot(&w.victim());
    w.run(&["install", "--no-companions", "--force"])
        .code(1)
        .stderr(predicate::str::contains("txn-planted"))
        .stderr(predicate::str::contains("symbolic link"));
    w.run(&["uninstall", "account-management"]).code(1);
    assert_victim_intact(&w, &before);
    assert!(w.root().join("account-management/SKILL.md").is_file());
}

#[test]
#[cfg(unix)]
fn lock_json_as_a_link_to_an_outside_file_or_a_device_is_refused() {
    let w = World::new();
    w.install_embedded();
    let lock = w.state().join("lock.json");
    let outside = w.victim().join("file.txt");
    let before = snapshot(&w.victim());
    for target in [outside.as_path(), Path::new("/dev/zero")] {
        fs::remove_file(&lock).unwrap();
        symlink(target, &lock).unwrap();
        for args in [
            &["list"][..],
            &["verify"],
            &["install", "--no-companions", "--force"],
            &["uninstall", "account-management"],
        ] {
            let out = w
                .run(args)
                .code(1)
                .stderr(predicate::str::contains("lock.json"))
                .stderr(predicate::str::contains("symbolic link"));
            victim_bytes_absent(&out.get_output().stdout);
            victim_bytes_absent(&out.get_output().stderr);
        }
    }
    assert_victim_intact(&w, &before);
}

#[test]
#[cfg(unix)]
fn fifos_at_lock_json_and_run_lock_never_hang_a_command() {
    let w = World::new();
    w.install_embedded();
    for name in ["lock.json", "run.lock"] {
        let path = w.state().join(name);
        let saved = fs::read(&path).ok();
        let _ = fs::remove_file(&path);
        let c = std::ffi::CString::new(path.to_str().unwrap()).unwrap();
        // SAFETY: a valid NUL-terminated path.
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o644) }, 0);
        // The command's own timeout (60 s) would fail the test if it hung.
        for args in [&["list"][..], &["install", "--no-companions", "--force"]] {
            w.run(args)
                .code(1)
                .stderr(predicate::str::contains(name))
                .stderr(predicate::str::contains("special file"));
        }
        fs::remove_file(&path).unwrap();
        if let Some(bytes) = saved {
            fs::write(&path, bytes).unwrap();
        }
    }
    w.run(&["verify"]).success();
}

#[test]
fn an_oversized_lock_json_is_refused_without_reading_it_whole() {
    let w = World::new();
    w.install_embedded();
    let f = fs::OpenOptions::new()
        .write(true)
        .open(w.state().join("lock.json"))
        .unwrap();
    f.set_len(5 << 30).unwrap(); // sparse: 5 GiB
    w.run(&["list"])
        .code(1)
        .stderr(predicate::str::contains("larger than"))
        .stderr(predicate::str::contains("move it aside"));
}

#[test]
fn a_damaged_lock_says_how_to_recover_and_a_newer_one_says_so() {
    let w = World::new();
    w.install_embedded();
    let good = fs::read(w.state().join("lock.json")).unwrap();
    fs::write(
        w.state().join("lock.json"),
        b"{\"version\": 1, \"skills\": ",
    )
    .unwrap();
    w.run(&["list"])
        .code(1)
        .stderr(predicate::str::contains("is damaged"))
        .stderr(predicate::str::contains("Move it aside"))
        .stderr(predicate::str::contains("unmanaged"));
    let mut v: serde_json::Value = serde_json::from_slice(&good).unwrap();
    v["version"] = 2.into();
    w.write_lock(&v);
    w.run(&["list"])
        .code(1)
        .stderr(predicate::str::contains("written by a newer skillpack"))
        .stderr(predicate::str::contains("damaged").not());
    // Moving it aside, as the message says, gives a working root that lists the skill.
    fs::rename(
        w.state().join("lock.json"),
        w.state().join("lock.json.damaged"),
    )
    .unwrap();
    w.run(&["list"])
        .success()
        .stdout(predicate::str::contains("unmanaged"));
}

// ---------------------------------------------------------------------------------------
// Names in records

#[test]
fn a_lock_entry_named_outside_the_root_is_a_damaged_record_never_acted_on() {
    let w = World::new();
    w.install_embedded();
    let before = snapshot(&w.victim());
    for evil in ["../../../victim/important", "/abs/path", "a/../../b"] {
        let mut v = w.lock();
        let entry = v["skills"]["account-management"].clone();
        let mut planted = entry.clone();
        planted["name"] = evil.into();
        v["skills"][evil] = planted;
        w.write_lock(&v);
        w.run(&["uninstall", evil])
            .code(1)
            .stderr(predicate::str::contains("not a valid skill name"));
        w.assert_damaged_record("not a valid skill name");
        v["skills"].as_object_mut().unwrap().remove(evil);
        v["skills"]["account-management"] = entry;
        w.write_lock(&v);
    }
    assert_victim_intact(&w, &before);
    w.run(&["verify"]).success();
}

#[test]
fn a_lock_entry_whose_name_files_or_key_do_not_hold_is_a_damaged_record() {
    let w = World::new();
    w.install_embedded();
    let before = snapshot(&w.victim());
    let good = w.lock();
    let entry = good["skills"]["account-management"].clone();
    let digest = entry["files"]["SKILL.md"].clone();
    let mut cases: Vec<(serde_json::Value, &str)> = Vec::new();
    // Filed under another key than its own name.
    let mut v = good.clone();
    v["skills"]
        .as_object_mut()
        .unwrap()
        .remove("account-management");
    v["skills"]["other-skill"] = entry.clone();
    cases.push((
        v,
        "records a skill named `account-management`: the two must be the same",
    ));
    // Files that are not paths inside the skill folder.
    for file in ["../../victim/important", "/abs/file", "a//b", "refs\\x"] {
        let mut v = good.clone();
        v["skills"]["account-management"]["files"][file] = digest.clone();
        cases.push((v, "which is not a path inside a skill folder"));
    }
    // A key that is not one.
    let mut v = good.clone();
    v["skills"]["account-management"]["key"] = "RW\u{1b}[2J".into();
    cases.push((v, "which is not a minisign public key"));
    for (v, says) in cases {
        w.write_lock(&v);
        w.assert_damaged_record(says);
    }
    w.write_lock(&good);
    assert_victim_intact(&w, &before);
    w.run(&["verify"]).success();
}

#[test]
#[cfg(unix)]
fn update_never_calls_a_skill_folder_replaced_by_a_link_or_removed_up_to_date() {
    let w = World::new();
    w.install_embedded();
    let before = snapshot(&w.victim());
    let folder = w.root().join("account-management");
    // The same in a skills folder named with --dir, where the record alone is read.
    let dir = w.tmp.path().join("dir-root");
    w.cmd()
        .args(["install", "--no-companions", "--dir"])
        .arg(&dir)
        .assert()
        .success();
    let dir_folder = dir.join("account-management");
    for (f, args) in [
        (&folder, vec!["update", "--scope", "project"]),
        (&dir_folder, vec!["update", "--dir", dir.to_str().unwrap()]),
    ] {
        fs::remove_dir_all(f).unwrap();
        std::os::unix::fs::symlink(w.victim().join("important"), f).unwrap();
        let out = w.cmd().args(&args).output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{err}");
        assert!(!err.contains("Up to date"), "{err}");
        assert!(err.contains("its folder is now a symbolic link"), "{err}");
        let json = w.cmd().args(&args).arg("--json").output().unwrap();
        let doc: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
        assert_eq!(doc["skills"][0]["state"], "not-a-folder", "{doc}");
        fs::remove_file(f).unwrap();
        let out = w.cmd().args(&args).output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("its folder is gone"), "{err}");
        // The hint puts it back.
        let hint = err
            .lines()
            .find_map(|l| l.split_once("hint: `"))
            .map(|(_, rest)| rest.split_once('`').unwrap().0.to_string())
            .unwrap();
        let words = shlex::split(&hint).unwrap();
        assert_eq!(words[0], "skillpack");
        w.cmd().args(&words[1..]).assert().success();
        assert!(f.join("SKILL.md").is_file(), "{hint}");
        let out = w.cmd().args(&args).output().unwrap();
        assert!(String::from_utf8_lossy(&out.stderr).contains("Up to date"));
    }
    assert_victim_intact(&w, &before);
}

#[test]
fn uninstall_of_a_path_like_name_is_refused_before_anything_is_touched() {
    let w = World::new();
    w.install_embedded();
    let before = snapshot(&w.victim());
    for evil in ["../../victim/important", "..", "/tmp", "a/b"] {
        w.run(&["uninstall", evil])
            .code(1)
            .stderr(predicate::str::contains("not a valid skill name"));
    }
    assert_victim_intact(&w, &before);
}

fn plant_txn(w: &World, dir: &str, txn: serde_json::Value) -> PathBuf {
    let d = w.state().join("staging").join(dir);
    fs::create_dir_all(&d).unwrap();
    fs::write(d.join("txn.json"), serde_json::to_vec(&txn).unwrap()).unwrap();
    d
}

#[test]
fn a_planted_txn_json_naming_an_outside_path_moves_nothing() {
    let w = World::new();
    w.install_embedded();
    let before = snapshot(&w.victim());
    let entry = w.lock()["skills"]["account-management"].clone();
    // An install record whose aside copy would be "restored" outside the root.
    let mut evil_entry = entry.clone();
    evil_entry["name"] = "../../../victim/moved-here".into();
    let d = plant_txn(
        &w,
        "txn-evil1",
        serde_json::json!({"action": "install", "entry": evil_entry}),
    );
    fs::create_dir_all(d.join("old")).unwrap();
    fs::write(d.join("old/payload.txt"), "attacker").unwrap();
    w.run(&["install", "--no-companions", "--force"])
        .code(1)
        .stderr(predicate::str::contains("txn-evil1"))
        .stderr(predicate::str::contains("not a valid skill name"));
    fs::remove_dir_all(&d).unwrap();
    // A removal record naming an outside folder.
    let d = plant_txn(
        &w,
        "txn-evil2",
        serde_json::json!({"action": "remove", "name": "../../../victim/important"}),
    );
    w.run(&["list"])
        .code(1)
        .stderr(predicate::str::contains("not a valid skill name"));
    fs::remove_dir_all(&d).unwrap();
    assert_victim_intact(&w, &before);
    assert!(!w.victim().join("moved-here").exists());
    w.run(&["verify"]).success();
}

#[test]
fn a_planted_removal_of_a_skill_never_recorded_is_not_reported_as_finished() {
    let w = World::new();
    w.install_embedded();
    plant_txn(
        &w,
        "txn-ghost1",
        serde_json::json!({"action": "remove", "name": "ghost"}),
    );
    w.run(&["uninstall", "ghost"])
        .success()
        .stderr(predicate::str::contains("interrupted").not())
        .stderr(predicate::str::contains("not installed"));
    assert!(w.lock()["skills"]["account-management"].is_object());
    w.run(&["verify"]).success();
}

// ---------------------------------------------------------------------------------------
// Skill folders

#[test]
#[cfg(unix)]
fn a_skill_folder_swapped_for_a_link_is_never_followed_hashed_or_deleted() {
    let w = World::new();
    w.install_embedded();
    let skill = w.root().join("account-management");
    // The victim holds an exact copy: following the link would make verify say "ok".
    let copy = w.victim().join("account-management");
    StdCommand::new("cp")
        .arg("-a")
        .arg(&skill)
        .arg(&copy)
        .status()
        .unwrap();
    fs::remove_dir_all(&skill).unwrap();
    symlink(&copy, &skill).unwrap();
    let before = snapshot(&w.victim());
    w.run(&["verify"])
        .code(1)
        .stderr(predicate::str::contains("symbolic link"));
    w.run(&["list"])
        .success()
        .stdout(predicate::str::contains("not-a-folder"));
    w.run(&["uninstall", "account-management", "--force"])
        .code(1)
        .stderr(predicate::str::contains("nothing was removed"));
    w.run(&["install", "--no-companions"]).code(1);
    assert_victim_intact(&w, &before);
    // --force replaces the link itself with a real folder; the victim stays.
    w.run(&["install", "--no-companions", "--force"]).success();
    assert!(fs::symlink_metadata(&skill).unwrap().is_dir());
    assert_victim_intact(&w, &before);
    w.run(&["verify"]).success();
}

#[test]
fn uninstall_never_deletes_a_file_standing_where_the_folder_was() {
    let w = World::new();
    w.install_embedded();
    let skill = w.root().join("account-management");
    fs::remove_dir_all(&skill).unwrap();
    fs::write(&skill, "someone's notes").unwrap();
    for force in [false, true] {
        let mut args = vec!["uninstall", "account-management"];
        if force {
            args.push("--force");
        }
        w.run(&args)
            .code(1)
            .stderr(predicate::str::contains("regular file"))
            .stderr(predicate::str::contains("nothing was removed"));
        assert_eq!(fs::read_to_string(&skill).unwrap(), "someone's notes");
    }
}

#[test]
fn verify_compares_the_recorded_tree_digest_not_only_each_file() {
    let w = World::new();
    w.install_embedded();
    let mut v = w.lock();
    v["skills"]["account-management"]["tree"] =
        "sha256:0000000000000000000000000000000000000000000000000000000000000000".into();
    w.write_lock(&v);
    w.run(&["verify"])
        .code(1)
        .stderr(predicate::str::contains("tree digest"));
}

// ---------------------------------------------------------------------------------------
// Interrupted runs

/// Builds what a crash between the two renames of the move-aside commit leaves: the skill
/// folder gone, the old tree under `old/`, the transaction record naming the skill.
fn crash_between_renames(w: &World) {
    w.install_embedded();
    let entry = w.lock()["skills"]["account-management"].clone();
    let d = plant_txn(
        w,
        "txn-crashed",
        serde_json::json!({"action": "install", "entry": entry}),
    );
    fs::rename(w.root().join("account-management"), d.join("old")).unwrap();
}

#[test]
fn verify_and_list_finish_an_interrupted_run_instead_of_reporting_changes() {
    let w = World::new();
    crash_between_renames(&w);
    w.run(&["verify"])
        .success()
        .stderr(predicate::str::contains("Modified").not());
    assert!(w.root().join("account-management/SKILL.md").is_file());
    assert_eq!(fs::read_dir(w.state().join("staging")).unwrap().count(), 0);
}

#[test]
fn an_interrupted_uninstall_run_again_exits_0() {
    let w = World::new();
    w.install_embedded();
    // A removal killed after the folder moved out, before the record was written.
    let d = plant_txn(
        &w,
        "txn-removing",
        serde_json::json!({"action": "remove", "name": "account-management"}),
    );
    fs::rename(w.root().join("account-management"), d.join("tree")).unwrap();
    w.run(&["uninstall", "account-management"])
        .success()
        .stderr(predicate::str::contains("interrupted"));
    assert!(w.lock()["skills"].get("account-management").is_none());
    assert_eq!(fs::read_dir(w.state().join("staging")).unwrap().count(), 0);
    // Once removed, removing it again is a no-op, as `rm -f` is.
    w.run(&["uninstall", "account-management"])
        .success()
        .stderr(predicate::str::contains("not installed"));
}

/// Whether this process may run commands as another user (tests run as root in CI).
#[cfg(unix)]
fn is_root() -> bool {
    // SAFETY: geteuid has no preconditions.
    unsafe { libc::geteuid() == 0 }
}

#[cfg(unix)]
const NOBODY: u32 = 65534;

#[cfg(unix)]
fn chown_tree(dir: &Path, uid: u32) {
    let st = StdCommand::new("chown")
        .arg("-R")
        .arg(format!("{uid}:{uid}"))
        .arg(dir)
        .status()
        .unwrap();
    assert!(st.success());
}

/// The binary, runnable by `nobody` (the build folder may not be): a copy in `dir`.
#[cfg(unix)]
fn binary_for_nobody(dir: &Path) -> PathBuf {
    let bin = dir.join("skillpack");
    fs::copy(assert_cmd::cargo::cargo_bin("skillpack"), &bin).unwrap();
    fs::set_permissions(&bin, fs::Permissions::from_mode(0o755)).unwrap();
    bin
}

#[cfg(unix)]
fn as_nobody(bin: &Path, w: &World, args: &[&str]) -> std::process::Output {
    use std::os::unix::process::CommandExt;
    // A freshly copied binary can be briefly "busy" while another test thread's fork still
    // holds the copy's write handle; that passes within moments.
    let mut tries = 0;
    loop {
        let out = StdCommand::new(bin)
            .args(args)
            .args(["--scope", "project"])
            .env("HOME", w.home())
            .env("NO_COLOR", "1")
            .env("SKILLPACK_CACHE_DIR", w.tmp.path().join("cache-nobody"))
            .current_dir(w.project())
            .uid(NOBODY)
            .gid(NOBODY)
            .output();
        match out {
            Err(e) if e.raw_os_error() == Some(libc::ETXTBSY) && tries < 50 => {
                tries += 1;
                std::thread::sleep(Duration::from_millis(50));
            }
            other => return other.unwrap(),
        }
    }
}

#[test]
#[cfg(unix)]
fn on_a_read_only_root_list_and_verify_report_the_pending_run() {
    if !is_root() {
        eprintln!("skipped: needs root to run a command as another user");
        return;
    }
    let w = World::new();
    crash_between_renames(&w);
    fs::set_permissions(w.tmp.path(), fs::Permissions::from_mode(0o755)).unwrap();
    let bin = binary_for_nobody(w.tmp.path());
    // Owned by root, so read-only to nobody.
    let out = as_nobody(&bin, &w, &["verify"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("Pending"), "{err}");
    assert!(!err.contains("--force"), "{err}");
    let out = as_nobody(&bin, &w, &["list"]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("pending"));
    // A run that can write finishes it.
    w.run(&["verify"]).success();
}

#[test]
#[cfg(unix)]
fn a_read_only_state_folder_leaves_the_previous_skill_in_place_and_recorded() {
    if !is_root() {
        eprintln!("skipped: needs root to run a command as another user");
        return;
    }
    let w = World::new();
    let v1 = w.tmp.path().join("src/demo");
    write_demo(&v1, "1.0.0", 1);
    let v2 = w.tmp.path().join("src2/demo");
    write_demo(&v2, "2.0.0", 1);
    chown_tree(w.tmp.path(), NOBODY);
    let bin = binary_for_nobody(w.tmp.path());
    let v1s = v1.to_str().unwrap();
    let out = as_nobody(&bin, &w, &["install", v1s, "--no-companions"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    fs::set_permissions(w.state(), fs::Permissions::from_mode(0o555)).unwrap();
    let before = contents(&w.root());
    let out = as_nobody(
        &bin,
        &w,
        &["install", v2.to_str().unwrap(), "--no-companions"],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("Permission denied"));
    assert_eq!(contents(&w.root()), before);
    let out = as_nobody(&bin, &w, &["verify"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    fs::set_permissions(w.state(), fs::Permissions::from_mode(0o755)).unwrap();
    // A read-only root (the skill folders' parent) the same.
    fs::set_permissions(w.root(), fs::Permissions::from_mode(0o555)).unwrap();
    let out = as_nobody(
        &bin,
        &w,
        &["install", v2.to_str().unwrap(), "--no-companions"],
    );
    assert_eq!(out.status.code(), Some(1));
    // The transaction folder is gone by now: the message names the skill folder instead.
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!err.contains(".skillpack/staging"), "{err}");
    assert!(
        err.contains(&format!(
            "cannot replace `{}`",
            w.root().join("demo").display()
        )),
        "{err}"
    );
    assert_eq!(
        fs::read_dir(w.state().join("staging")).unwrap().count(),
        0,
        "a refused commit leaves no transaction folder"
    );
    fs::set_permissions(w.root(), fs::Permissions::from_mode(0o755)).unwrap();
    let out = as_nobody(&bin, &w, &["verify"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let lock = w.lock();
    assert_eq!(lock["skills"]["demo"]["version"], "1.0.0");
    assert_eq!(fs::read_dir(w.state().join("staging")).unwrap().count(), 0);
}

/// A skill folder `dir` (named demo) at `version` with `kib` KiB of reference text.
#[cfg(unix)]
fn write_demo(dir: &Path, version: &str, kib: usize) {
    fs::create_dir_all(dir.join("references")).unwrap();
    fs::write(
        dir.join("SKILL.md"),
        format!(
            "---\nname: demo\ndescription: A demo skill for tests.\nmetadata:\n  version: \"{version}\"\n---\n# Demo {version}\n"
        ),
    )
    .unwrap();
    fs::write(
        dir.join("references/notes.md"),
        format!("{version}\n").repeat(kib * 1024 / (version.len() + 1)),
    )
    .unwrap();
}

#[test]
#[cfg(unix)]
fn list_and_verify_during_installs_never_report_a_skill_as_modified() {
    let w = World::new();
    let v1 = w.tmp.path().join("a/demo");
    let v2 = w.tmp.path().join("b/demo");
    write_demo(&v1, "1.0.0", 64);
    write_demo(&v2, "2.0.0", 64);
    w.run(&["install", v1.to_str().unwrap(), "--no-companions"])
        .success();
    let stop = Arc::new(AtomicBool::new(false));
    let installer = {
        let stop = stop.clone();
        let bin = assert_cmd::cargo::cargo_bin("skillpack");
        let (home, project) = (w.home(), w.project());
        let cache = w.tmp.path().join("cache");
        let sources = [v1.clone(), v2.clone()];
        std::thread::spawn(move || {
            let mut i = 0;
            while !stop.load(Ordering::Relaxed) {
                i += 1;
                let st = StdCommand::new(&bin)
                    .arg("install")
                    .arg(&sources[i % 2])
                    .args(["--no-companions", "--force", "--scope", "project", "-q"])
                    .env("HOME", &home)
                    .env("SKILLPACK_CACHE_DIR", &cache)
                    .current_dir(&project)
                    .status()
                    .unwrap();
                assert!(st.success());
            }
            i
        })
    };
    for _ in 0..60 {
        for cmd in ["verify", "list"] {
            let out = w.cmd().args([cmd, "--scope", "project"]).output().unwrap();
            let text = String::from_utf8_lossy(&out.stdout).to_string()
                + &String::from_utf8_lossy(&out.stderr);
            assert!(out.status.success(), "{cmd}: {text}");
            assert!(
                !text.contains("modified") && !text.contains("Modified"),
                "{text}"
            );
        }
    }
    stop.store(true, Ordering::Relaxed);
    let installs = installer.join().unwrap();
    assert!(installs > 1, "the installs ran alongside");
}

// ---------------------------------------------------------------------------------------
// A full disk

/// A small tmpfs mounted for the test, unmounted on drop; `None` where mounting is not
/// permitted (not root, or a sandbox without mount rights).
#[cfg(unix)]
struct Tmpfs {
    dir: TempDir,
}

#[cfg(unix)]
impl Tmpfs {
    fn mount(size: &str) -> Option<Tmpfs> {
        let dir = TempDir::new().ok()?;
        let ok = StdCommand::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(dir.path())
            .stderr(std::process::Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        ok.then_some(Tmpfs { dir })
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }
}

#[cfg(unix)]
impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = StdCommand::new("umount").arg(self.dir.path()).status();
    }
}

/// Fills the file system holding `dir` until fewer than `left` bytes are free.
#[cfg(unix)]
fn fill(dir: &Path, left: u64) -> PathBuf {
    let filler = dir.join("filler");
    let _ = fs::remove_file(&filler);
    let st = nix_statvfs(dir);
    let free = st.saturating_sub(left);
    let mut f = fs::File::create(&filler).unwrap();
    use std::io::Write;
    let chunk = vec![0u8; 4096];
    let mut written = 0;
    while written < free {
        if f.write_all(&chunk).is_err() {
            break;
        }
        written += chunk.len() as u64;
    }
    let _ = f.sync_all();
    filler
}

#[cfg(unix)]
fn nix_statvfs(dir: &Path) -> u64 {
    let c = std::ffi::CString::new(dir.to_str().unwrap()).unwrap();
    // SAFETY: statvfs fills the zeroed struct; c is a valid path.
    unsafe {
        let mut s: libc::statvfs = std::mem::zeroed();
        assert_eq!(libc::statvfs(c.as_ptr(), &mut s), 0);
        s.f_bavail as u64 * s.f_frsize as u64
    }
}

#[test]
#[cfg(unix)]
fn a_full_disk_at_any_step_leaves_the_previous_skill_recorded_and_never_wedges_the_root() {
    let Some(fs_) = Tmpfs::mount("4m") else {
        eprintln!("skipped: mounting a tmpfs is not permitted here");
        return;
    };
    let work = TempDir::new().unwrap();
    let v1 = work.path().join("a/demo");
    let v2 = work.path().join("b/demo");
    write_demo(&v1, "1.0.0", 8);
    write_demo(&v2, "2.0.0", 96);
    let root = fs_.path().join("skills");
    let run = |src: &Path| {
        Command::cargo_bin("skillpack")
            .unwrap()
            .arg("install")
            .arg(src)
            .args(["--no-companions", "--dir"])
            .arg(&root)
            .env("HOME", work.path())
            .env("SKILLPACK_CACHE_DIR", work.path().join("cache"))
            .timeout(Duration::from_secs(60))
            .output()
            .unwrap()
    };
    let verify = || {
        Command::cargo_bin("skillpack")
            .unwrap()
            .args(["verify", "--json", "--dir"])
            .arg(&root)
            .env("HOME", work.path())
            .timeout(Duration::from_secs(60))
            .output()
            .unwrap()
    };
    assert!(run(&v1).status.success());
    let mut failures = 0;
    let mut record_write_failed = false;
    let mut entry_named = false;
    // From no room at all to room for everything, 4 KiB pages at a time.
    for left_kib in (0..=160).step_by(4) {
        let filler = fill(fs_.path(), left_kib * 1024);
        let out = run(&v2);
        let lock: serde_json::Value =
            serde_json::from_slice(&fs::read(root.join(".skillpack/lock.json")).unwrap()).unwrap();
        let recorded = lock["skills"]["demo"]["version"]
            .as_str()
            .unwrap()
            .to_string();
        let on_disk = fs::read_to_string(root.join("demo/SKILL.md")).unwrap();
        assert!(
            on_disk.contains(&format!("# Demo {recorded}")),
            "left {left_kib} KiB: the record says {recorded} but the folder holds another tree"
        );
        if out.status.success() {
            assert_eq!(recorded, "2.0.0");
        } else {
            failures += 1;
            assert_eq!(recorded, "1.0.0", "a failed run changed the record");
            let err = String::from_utf8_lossy(&out.stderr);
            assert!(err.contains("No space left"), "{err}");
            // The transaction folder is deleted before the message is shown: it names
            // what was being written of which skill, and where to.
            assert!(!err.contains(".skillpack/staging"), "{err}");
            record_write_failed |= err.contains("lock.json");
            entry_named |= err.contains(&format!("of demo into `{}`", root.display()));
        }
        // Free the space: the root works again at once, with no debris left behind.
        fs::remove_file(&filler).unwrap();
        let v = verify();
        assert!(v.status.success(), "{}", String::from_utf8_lossy(&v.stdout));
        let staging: Vec<_> = fs::read_dir(root.join(".skillpack/staging"))
            .unwrap()
            .collect();
        assert!(staging.is_empty(), "debris after a full disk: {staging:?}");
        // Back to version 1 for the next round.
        let _ = Command::cargo_bin("skillpack")
            .unwrap()
            .args(["uninstall", "demo", "--force", "--dir"])
            .arg(&root)
            .env("HOME", work.path())
            .output();
        assert!(run(&v1).status.success());
    }
    eprintln!("{failures} of 41 fill levels made the install fail");
    assert!(failures > 0, "the disk was never full enough to matter");
    assert!(
        record_write_failed,
        "no fill level made the record write fail after the swap"
    );
    assert!(entry_named, "no fill level failed while unpacking");
}

#[test]
#[cfg(unix)]
fn a_link_planted_inside_an_installed_skill_is_reported_not_followed() {
    let w = World::new();
    w.install_embedded();
    let skill = w.root().join("account-management");
    symlink(
        w.victim().join("file.txt"),
        skill.join("references/notes.md"),
    )
    .unwrap();
    let before = snapshot(&w.victim());
    let out = w
        .run(&["verify"])
        .code(1)
        .stderr(predicate::str::contains("references/notes.md"));
    victim_bytes_absent(&out.get_output().stderr);
    // Refused without --force; with it, the link (not its target) is deleted.
    w.run(&["uninstall", "account-management"]).code(1);
    w.run(&["uninstall", "account-management", "--force"])
        .success();
    assert!(!skill.exists());
    assert_victim_intact(&w, &before);
}

#[test]
#[cfg(unix)]
fn a_project_skills_folder_linked_outside_the_project_is_refused() {
    for link in [".claude", ".claude/skills"] {
        let w = World::new();
        let at = w.project().join(link);
        fs::create_dir_all(at.parent().unwrap()).unwrap();
        symlink("../../victim", &at).unwrap();
        let before = snapshot(&w.victim());
        for args in [&["install", "--no-companions"][..], &["list"], &["verify"]] {
            w.run(args)
                .code(1)
                .stderr(predicate::str::contains(link))
                .stderr(predicate::str::contains("symbolic link"))
                .stderr(predicate::str::contains("links in a project"))
                .stderr(predicate::str::contains("keeps a folder there").not())
                .stderr(predicate::str::contains("skills folder) and").not())
                .stderr(predicate::str::contains(
                    "hint: replace the link with a real folder, or pass --dir",
                ));
        }
        // The hint is in the JSON error too.
        let out = w.run(&["list", "--json"]).code(1);
        let v: serde_json::Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
        assert_eq!(v["error"]["kind"], "unsafe-state");
        assert!(
            v["error"]["hint"]
                .as_str()
                .is_some_and(|h| h.contains("--dir")),
            "{v}"
        );
        assert_victim_intact(&w, &before);
    }
}

#[test]
#[cfg(unix)]
fn a_file_standing_where_a_project_folder_goes_is_refused_with_its_own_wording() {
    let w = World::new();
    fs::create_dir_all(w.project().join(".agents")).unwrap();
    fs::write(w.project().join(".agents/skills"), "not a folder").unwrap();
    w.cmd()
        .args(["list", "--scope", "project", "--agent", "codex"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            ".agents/skills` is a regular file, not a folder",
        ))
        .stderr(predicate::str::contains("keeps a folder there").not())
        .stderr(predicate::str::contains(
            "hint: replace it with a real folder",
        ));
}
