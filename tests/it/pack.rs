//! `skillpack pack`: reproducible release zips, SHA256SUMS and index.json, driven through
//! the real binary.

use std::fs;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use assert_cmd::Command;
use predicates::prelude::*;
use serde_json::Value;
use tempfile::TempDir;

const SKILL_MD: &str = "\
---
name: demo-skill
description: Does demo things. Use it when a test needs a small, valid skill.
license: MIT
metadata:
  version: \"1.2.3\"
  recommended_skills: \"crm-management, sales-playbook\"
---

# Demo

See [the notes](references/notes.md) and run `scripts/run.sh`.
";

/// The binary, isolated from the caller's environment: no SOURCE_DATE_EPOCH, no colour,
/// a throw-away HOME.
fn skillpack(home: &Path) -> Command {
    let mut cmd = Command::cargo_bin("skillpack").unwrap();
    cmd.env_remove("SOURCE_DATE_EPOCH")
        .env_remove("CLAUDE_CONFIG_DIR")
        .env_remove("SKILLPACK_INDEX")
        .env("HOME", home)
        .env("NO_COLOR", "1");
    cmd
}

fn write(path: &Path, text: &str) {
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, text).unwrap();
}

/// A small skill folder `<parent>/<name>` with a nested file and an executable script.
fn make_skill(parent: &Path, name: &str, skill_md: &str) -> PathBuf {
    let dir = parent.join(name);
    write(&dir.join("SKILL.md"), skill_md);
    write(
        &dir.join("references/notes.md"),
        "# Notes\n\nSome reference text.\n",
    );
    write(&dir.join("scripts/run.sh"), "#!/bin/sh\necho demo\n");
    set_mode(&dir.join("scripts/run.sh"), 0o755);
    dir
}

fn demo_md(name: &str) -> String {
    SKILL_MD.replace("demo-skill", name)
}

#[cfg(unix)]
fn set_mode(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(path, fs::Permissions::from_mode(mode)).unwrap();
}

#[cfg(not(unix))]
fn set_mode(_path: &Path, _mode: u32) {}

fn set_mtime(path: &Path, time: SystemTime) {
    let file = fs::File::options().write(true).open(path).unwrap();
    file.set_modified(time).unwrap();
}

fn read_json(path: &Path) -> Value {
    serde_json::from_slice(&fs::read(path).unwrap()).unwrap()
}

/// Every file in `dir`, name → bytes.
fn snapshot(dir: &Path) -> Vec<(String, Vec<u8>)> {
    if !dir.exists() {
        return Vec::new();
    }
    let mut out: Vec<(String, Vec<u8>)> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .map(|p| {
            (
                p.file_name().unwrap().to_string_lossy().into_owned(),
                fs::read(&p).unwrap(),
            )
        })
        .collect();
    out.sort();
    out
}

fn pack_ok(home: &Path, args: &[&dyn AsRef<std::ffi::OsStr>]) -> std::process::Output {
    let mut cmd = skillpack(home);
    cmd.arg("pack");
    for a in args {
        cmd.arg(a);
    }
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "pack failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn repo_skill() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("skill/account-management")
}

#[test]
fn two_checkouts_with_different_times_and_modes_pack_to_identical_bytes() {
    let tmp = TempDir::new().unwrap();
    let a = make_skill(&tmp.path().join("a"), "demo-skill", SKILL_MD);
    let b = make_skill(&tmp.path().join("b"), "demo-skill", SKILL_MD);

    // Checkout a: old times, tight modes, and junk a release must leave out.
    let old = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000_000);
    for f in ["SKILL.md", "references/notes.md", "scripts/run.sh"] {
        set_mtime(&a.join(f), old);
    }
    set_mode(&a.join("SKILL.md"), 0o600);
    set_mode(&a.join("references/notes.md"), 0o640);
    set_mode(&a.join("scripts/run.sh"), 0o700);
    set_mode(&a.join("references"), 0o700);
    write(&a.join(".DS_Store"), "junk");
    write(&a.join(".git/config"), "[core]\n");
    write(&a.join("scripts/__pycache__/x.cpython-312.pyc"), "junk");
    write(&a.join("scripts/helper.pyc"), "junk");
    write(&a.join("node_modules/left-pad/index.js"), "junk");

    // Checkout b: new times, loose modes.
    let new = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
    for f in ["SKILL.md", "references/notes.md", "scripts/run.sh"] {
        set_mtime(&b.join(f), new);
    }
    set_mode(&b.join("SKILL.md"), 0o664);
    set_mode(&b.join("references/notes.md"), 0o666);
    set_mode(&b.join("scripts/run.sh"), 0o775);

    let out_a = tmp.path().join("dist-a");
    let out_b = tmp.path().join("dist-b");
    pack_ok(tmp.path(), &[&a, &"--out", &out_a]);
    pack_ok(tmp.path(), &[&b, &"--out", &out_b]);

    let snap_a = snapshot(&out_a);
    assert_eq!(
        snap_a.iter().map(|(n, _)| n.as_str()).collect::<Vec<_>>(),
        ["SHA256SUMS", "demo-skill-1.2.3.zip", "index.json"]
    );
    assert_eq!(snap_a, snapshot(&out_b));

    // A second run over the same folder gives the same bytes again.
    pack_ok(tmp.path(), &[&a, &"--out", &out_a]);
    assert_eq!(snap_a, snapshot(&out_a));

    // Sorted entries, fixed time, fixed modes, Unix origin; no junk.
    let zip = fs::File::open(out_a.join("demo-skill-1.2.3.zip")).unwrap();
    let mut zip = zip::ZipArchive::new(zip).unwrap();
    let mut entries = Vec::new();
    for i in 0..zip.len() {
        let f = zip.by_index(i).unwrap();
        let t = f.last_modified().unwrap();
        assert_eq!((t.year(), t.month(), t.day(), t.hour()), (1980, 1, 1, 0));
        entries.push((f.name().unwrap().to_string(), f.unix_mode().unwrap()));
    }
    assert_eq!(
        entries,
        [
            ("demo-skill/SKILL.md".to_string(), 0o100644),
            ("demo-skill/references/notes.md".to_string(), 0o100644),
            ("demo-skill/scripts/run.sh".to_string(), 0o100755),
        ]
    );
}

#[test]
fn sha256sum_checks_the_artifacts() {
    let tmp = TempDir::new().unwrap();
    let skill = make_skill(tmp.path(), "demo-skill", SKILL_MD);
    let out = tmp.path().join("dist");
    pack_ok(tmp.path(), &[&skill, &"--out", &out, &"--skill-files"]);

    let sums = fs::read_to_string(out.join("SHA256SUMS")).unwrap();
    let names: Vec<&str> = sums.lines().map(|l| &l[66..]).collect();
    assert_eq!(names, ["demo-skill-1.2.3.zip", "demo-skill.skill"]);
    assert_eq!(
        fs::read(out.join("demo-skill.skill")).unwrap(),
        fs::read(out.join("demo-skill-1.2.3.zip")).unwrap()
    );

    // coreutils is on every Linux runner; elsewhere the digests are checked by the
    // other pack tests.
    #[cfg(target_os = "linux")]
    {
        let check = std::process::Command::new("sha256sum")
            .args(["-c", "SHA256SUMS"])
            .current_dir(&out)
            .output()
            .expect("sha256sum (coreutils) must be installed");
        assert!(
            check.status.success(),
            "{}",
            String::from_utf8_lossy(&check.stdout)
        );
        let report = String::from_utf8_lossy(&check.stdout);
        assert!(report.contains("demo-skill-1.2.3.zip: OK"), "{report}");
        assert!(report.contains("demo-skill.skill: OK"), "{report}");
    }
}

#[test]
fn index_lists_the_skills_of_the_run_sorted_by_name() {
    let tmp = TempDir::new().unwrap();
    let zeta = make_skill(tmp.path(), "zeta-skill", &demo_md("zeta-skill"));
    let alpha = make_skill(tmp.path(), "alpha-skill", &demo_md("alpha-skill"));
    let out = tmp.path().join("dist");
    pack_ok(tmp.path(), &[&zeta, &alpha, &"--out", &out]);

    let index = read_json(&out.join("index.json"));
    assert_eq!(index["version"], 1);
    let skills = index["skills"].as_array().unwrap();
    let names: Vec<&str> = skills.iter().map(|s| s["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["alpha-skill", "zeta-skill"]);
    for s in skills {
        let file = s["url"].as_str().unwrap();
        assert_eq!(file, format!("{}-1.2.3.zip", s["name"].as_str().unwrap()));
        let bytes = fs::read(out.join(file)).unwrap();
        assert_eq!(s["size"], bytes.len() as u64);
        assert_eq!(s["sha256"], skillpack::bundle::sha256_hex(&bytes));
        assert_eq!(s["version"], "1.2.3");
        assert!(s["tree"].as_str().unwrap().starts_with("sha256:"));
        assert!(
            s["description"]
                .as_str()
                .unwrap()
                .starts_with("Does demo things")
        );
        assert_eq!(
            s["companions"],
            serde_json::json!(["crm-management", "sales-playbook"])
        );
    }
    let parsed =
        skillpack::bundle::index::Index::from_json(&fs::read(out.join("index.json")).unwrap())
            .unwrap();
    assert_eq!(parsed.skills.len(), 2);

    let sums = fs::read_to_string(out.join("SHA256SUMS")).unwrap();
    let files: Vec<&str> = sums
        .lines()
        .map(|l| l.split_once("  ").unwrap().1)
        .collect();
    assert_eq!(files, ["alpha-skill-1.2.3.zip", "zeta-skill-1.2.3.zip"]);
}

#[test]
fn rerun_replaces_only_its_own_files() {
    let tmp = TempDir::new().unwrap();
    let one = make_skill(tmp.path(), "one-skill", &demo_md("one-skill"));
    let two = make_skill(tmp.path(), "two-skill", &demo_md("two-skill"));
    let out = tmp.path().join("dist");
    write(&out.join("notes.txt"), "keep me\n");
    write(&out.join("SHA256SUMS"), "stale\n");

    pack_ok(tmp.path(), &[&one, &two, &"--out", &out]);
    pack_ok(tmp.path(), &[&two, &"--out", &out]);

    let names: Vec<String> = snapshot(&out).into_iter().map(|(n, _)| n).collect();
    assert_eq!(
        names,
        [
            "SHA256SUMS",
            "index.json",
            "notes.txt",
            "one-skill-1.2.3.zip",
            "two-skill-1.2.3.zip"
        ],
        "no temporary files are left behind, other files stay"
    );
    assert_eq!(
        fs::read_to_string(out.join("notes.txt")).unwrap(),
        "keep me\n"
    );
    let sums = fs::read_to_string(out.join("SHA256SUMS")).unwrap();
    assert_eq!(sums.lines().count(), 1);
    assert!(sums.ends_with("  two-skill-1.2.3.zip\n"), "{sums}");
    let index = read_json(&out.join("index.json"));
    assert_eq!(index["skills"].as_array().unwrap().len(), 1);
    assert_eq!(index["skills"][0]["name"], "two-skill");
}

#[test]
fn a_packed_zip_installs_with_the_tree_digest_of_the_index() {
    let tmp = TempDir::new().unwrap();
    let skill = make_skill(tmp.path(), "demo-skill", SKILL_MD);
    let out = tmp.path().join("dist");
    pack_ok(tmp.path(), &[&skill, &"--out", &out]);
    let index = read_json(&out.join("index.json"));
    let entry = &index["skills"][0];

    let root = tmp.path().join("skills");
    skillpack(tmp.path())
        .arg("install")
        .arg(out.join("demo-skill-1.2.3.zip"))
        .arg("--dir")
        .arg(&root)
        .assert()
        .success();
    let lock = read_json(&root.join(".skillpack/lock.json"));
    let locked = &lock["skills"]["demo-skill"];
    assert_eq!(locked["tree"], entry["tree"]);
    assert_eq!(locked["archive_sha256"], entry["sha256"]);
    assert_eq!(locked["version"], "1.2.3");
    assert!(root.join("demo-skill/scripts/run.sh").is_file());
}

#[test]
fn the_repository_skill_packs_to_the_embedded_bundle() {
    let tmp = TempDir::new().unwrap();
    let out = tmp.path().join("dist");
    pack_ok(tmp.path(), &[&repo_skill(), &"--out", &out]);
    let index = read_json(&out.join("index.json"));
    let entry = &index["skills"][0];
    assert_eq!(entry["name"], "account-management");
    let zip_name = entry["url"].as_str().unwrap();

    // The tree install records for the embedded skill is the one the index publishes.
    let root = tmp.path().join("skills");
    skillpack(tmp.path())
        .args(["install", "--dir"])
        .arg(&root)
        .assert()
        .success();
    let lock = read_json(&root.join(".skillpack/lock.json"));
    assert_eq!(lock["skills"]["account-management"]["tree"], entry["tree"]);
    assert_eq!(
        entry["tree"].as_str().unwrap(),
        skillpack::source::embedded::tree()
    );

    // Same packer, same files: the embedded archive is the release zip, byte for byte.
    assert_eq!(
        fs::read(out.join(zip_name)).unwrap(),
        skillpack::source::embedded::archive(skillpack::bundle::Packing::Release)
    );
}

#[test]
#[cfg(unix)]
fn symlinks_are_refused_and_nothing_is_written() {
    let tmp = TempDir::new().unwrap();
    let skill = make_skill(tmp.path(), "demo-skill", SKILL_MD);
    std::os::unix::fs::symlink("notes.md", skill.join("references/link.md")).unwrap();
    let out = tmp.path().join("dist");

    skillpack(tmp.path())
        .arg("pack")
        .arg(&skill)
        .arg("--out")
        .arg(&out)
        .assert()
        .code(1)
        .stderr(predicate::str::contains("link.md"))
        .stderr(predicate::str::contains("symbolic link"));
    assert!(!out.exists(), "--out must not be created");

    // An existing --out is left exactly as it was.
    write(&out.join("keep.txt"), "x");
    let before = snapshot(&out);
    skillpack(tmp.path())
        .arg("pack")
        .arg(&skill)
        .arg("--out")
        .arg(&out)
        .assert()
        .code(1);
    assert_eq!(snapshot(&out), before);
}

#[test]
fn invalid_skills_are_refused_with_diagnostics() {
    let tmp = TempDir::new().unwrap();
    let good = make_skill(tmp.path(), "demo-skill", SKILL_MD);
    let bad = make_skill(tmp.path(), "bad-skill", "# No frontmatter here\n");
    let out = tmp.path().join("dist");

    skillpack(tmp.path())
        .arg("pack")
        .arg(&good)
        .arg(&bad)
        .arg("--out")
        .arg(&out)
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "SKILL.md:1:1: error[frontmatter-missing]",
        ))
        .stderr(predicate::str::contains("nothing was packed"));
    assert!(
        !out.exists(),
        "a valid skill is not packed beside an invalid one"
    );

    // With --json the refusal is a JSON document carrying the diagnostics, and stderr
    // holds only the error line.
    let output = skillpack(tmp.path())
        .arg("--json")
        .arg("pack")
        .arg(&bad)
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let doc: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(doc["version"], 1);
    assert_eq!(doc["error"]["kind"], "invalid-skill");
    assert_eq!(doc["error"]["code"], 1);
    assert_eq!(doc["diagnostics"][0]["rule"], "frontmatter-missing");
    assert_eq!(doc["diagnostics"][0]["line"], 1);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.starts_with("error: "), "{stderr}");
    assert!(!out.exists());
}

#[test]
fn two_skills_with_one_name_are_a_usage_error() {
    let tmp = TempDir::new().unwrap();
    let a = make_skill(&tmp.path().join("a"), "demo-skill", SKILL_MD);
    let b = make_skill(&tmp.path().join("b"), "demo-skill", SKILL_MD);
    let out = tmp.path().join("dist");
    skillpack(tmp.path())
        .arg("pack")
        .arg(&a)
        .arg(&b)
        .arg("--out")
        .arg(&out)
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "two skills are named `demo-skill`",
        ));
    assert!(!out.exists());

    // The same folder named twice is one skill.
    pack_ok(tmp.path(), &[&a, &a.join("SKILL.md"), &"--out", &out]);
    assert_eq!(
        read_json(&out.join("index.json"))["skills"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
}

#[test]
fn source_date_epoch_changes_the_bytes_but_stays_deterministic() {
    let tmp = TempDir::new().unwrap();
    let skill = make_skill(tmp.path(), "demo-skill", SKILL_MD);
    let zip_of = |out: &str, epoch: Option<&str>| {
        let out = tmp.path().join(out);
        let mut cmd = skillpack(tmp.path());
        if let Some(e) = epoch {
            cmd.env("SOURCE_DATE_EPOCH", e);
        }
        cmd.arg("pack").arg(&skill).arg("--out").arg(&out);
        cmd.assert().success();
        (
            fs::read(out.join("demo-skill-1.2.3.zip")).unwrap(),
            read_json(&out.join("index.json"))["skills"][0]["tree"].clone(),
        )
    };
    let (plain, plain_tree) = zip_of("plain", None);
    let (e1, e1_tree) = zip_of("e1", Some("1700000000"));
    let (e2, _) = zip_of("e2", Some("1700000000"));
    let (empty, _) = zip_of("empty", Some(""));
    assert_eq!(e1, e2);
    assert_ne!(e1, plain);
    assert_eq!(empty, plain, "an empty SOURCE_DATE_EPOCH means unset");
    assert_eq!(e1_tree, plain_tree, "the tree digest ignores timestamps");

    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(e1)).unwrap();
    let t = zip.by_index(0).unwrap().last_modified().unwrap();
    // 1700000000 is 2023-11-14 22:13:20 UTC.
    assert_eq!(
        (
            t.year(),
            t.month(),
            t.day(),
            t.hour(),
            t.minute(),
            t.second()
        ),
        (2023, 11, 14, 22, 13, 20)
    );

    skillpack(tmp.path())
        .env("SOURCE_DATE_EPOCH", "yesterday")
        .arg("pack")
        .arg(&skill)
        .arg("--out")
        .arg(tmp.path().join("bad"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("SOURCE_DATE_EPOCH"));
    assert!(!tmp.path().join("bad").exists());
}

#[test]
fn a_skill_without_version_packs_as_0_0_0_with_a_warning() {
    let tmp = TempDir::new().unwrap();
    let md = "---\nname: bare-skill\ndescription: A skill without a version, for tests.\n---\n\n# Bare\n";
    let skill = tmp.path().join("bare-skill");
    write(&skill.join("SKILL.md"), md);
    let out = tmp.path().join("dist");
    skillpack(tmp.path())
        .arg("pack")
        .arg(&skill)
        .arg("--out")
        .arg(&out)
        .assert()
        .success()
        .stderr(predicate::str::contains("warning[version-missing]"))
        .stderr(predicate::str::contains("0.0.0"));
    assert!(out.join("bare-skill-0.0.0.zip").is_file());
    let index = read_json(&out.join("index.json"));
    assert_eq!(index["skills"][0]["version"], "0.0.0");
    assert_eq!(index["skills"][0]["companions"], serde_json::json!([]));
}

#[test]
fn json_output_describes_what_was_written() {
    let tmp = TempDir::new().unwrap();
    let skill = make_skill(tmp.path(), "demo-skill", SKILL_MD);
    let out = tmp.path().join("dist");
    let output = skillpack(tmp.path())
        .arg("--json")
        .arg("pack")
        .arg(&skill)
        .arg("--out")
        .arg(&out)
        .arg("--format")
        .arg("skill")
        .output()
        .unwrap();
    assert!(output.status.success());
    assert!(
        output.stderr.is_empty(),
        "status lines stay off with --json: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let doc: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(doc["version"], 1);
    assert_eq!(doc["format"], "skill");
    assert_eq!(doc["index"], "index.json");
    assert_eq!(doc["sums"], "SHA256SUMS");
    let s = &doc["skills"][0];
    assert_eq!(s["name"], "demo-skill");
    assert_eq!(s["version"], "1.2.3");
    assert_eq!(s["file"], "demo-skill-1.2.3.zip");
    assert_eq!(s["skill_file"], "demo-skill.skill");
    assert_eq!(s["files"], 3);
    assert_eq!(s["warnings"], serde_json::json!([]));
    assert_eq!(
        s["path"],
        fs::canonicalize(&skill).unwrap().to_str().unwrap()
    );
    let index = read_json(&out.join("index.json"));
    for key in ["sha256", "tree", "size"] {
        assert_eq!(s[key], index["skills"][0][key], "{key}");
    }
}

#[test]
fn out_inside_the_skill_folder_is_a_usage_error() {
    let tmp = TempDir::new().unwrap();
    let skill = make_skill(tmp.path(), "demo-skill", SKILL_MD);
    skillpack(tmp.path())
        .current_dir(&skill)
        .args(["pack", ".", "--out", "dist"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("inside the skill folder"));
    assert!(!skill.join("dist").exists());
}

#[test]
fn a_version_that_cannot_be_a_file_name_is_refused() {
    let tmp = TempDir::new().unwrap();
    let md = SKILL_MD.replace("\"1.2.3\"", "\"../../1.0\"");
    let skill = make_skill(tmp.path(), "demo-skill", &md);
    let out = tmp.path().join("dist");
    skillpack(tmp.path())
        .arg("pack")
        .arg(&skill)
        .arg("--out")
        .arg(&out)
        .assert()
        .code(1)
        .stderr(predicate::str::contains("the version `../../1.0`"));
    assert!(!out.exists());
}

#[test]
fn a_folder_of_skills_gets_a_hint() {
    let tmp = TempDir::new().unwrap();
    make_skill(&tmp.path().join("skills"), "demo-skill", SKILL_MD);
    skillpack(tmp.path())
        .current_dir(tmp.path())
        .args(["pack", "skills", "--out", "dist"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("no SKILL.md in `skills`"))
        .stderr(predicate::str::contains("skillpack pack skills/demo-skill"));
}

/// The bytes of a fixed skill, pinned. A change here means a dependency upgrade (zip,
/// flate2, zlib-rs) or a packer change altered the output, and checksums published for
/// earlier releases no longer reproduce: make such a change on purpose, never by accident.
#[test]
fn packed_bytes_are_pinned() {
    let tmp = TempDir::new().unwrap();
    let skill = tmp.path().join("demo-skill");
    write(&skill.join("SKILL.md"), SKILL_MD);
    write(
        &skill.join("references/notes.md"),
        &"A line of reference text that repeats.\n".repeat(50),
    );
    let out = tmp.path().join("dist");
    pack_ok(tmp.path(), &[&skill, &"--out", &out]);
    let bytes = fs::read(out.join("demo-skill-1.2.3.zip")).unwrap();
    assert_eq!(
        skillpack::bundle::sha256_hex(&bytes),
        "6b179b219a5b62b95a2cbf89ca0869a8665a64abccc6c4b703ea02c57fd41174",
        "the packer's output changed"
    );
}

#[test]
fn the_index_serves_as_a_remote_catalog() {
    let tmp = TempDir::new().unwrap();
    let skill = make_skill(tmp.path(), "demo-skill", SKILL_MD);
    let out = tmp.path().join("site/releases");
    pack_ok(tmp.path(), &[&skill, &"--out", &out]);
    let index = read_json(&out.join("index.json"));
    let srv = crate::net::Server::start();
    srv.serve_dir(&tmp.path().join("site"));
    let base = srv.base();

    let root = tmp.path().join("skills");
    skillpack(tmp.path())
        .env("SKILLPACK_CACHE_DIR", tmp.path().join("cache"))
        .args(["install", "demo-skill", "--index"])
        .arg(format!("{base}/releases/index.json"))
        .arg("--dir")
        .arg(&root)
        .assert()
        .success();
    let lock = read_json(&root.join(".skillpack/lock.json"));
    let locked = &lock["skills"]["demo-skill"];
    assert_eq!(locked["tree"], index["skills"][0]["tree"]);
    assert_eq!(locked["archive_sha256"], index["skills"][0]["sha256"]);
    assert_eq!(
        locked["source"]["url"],
        format!("{base}/releases/demo-skill-1.2.3.zip"),
        "`url` is resolved relative to the index"
    );
}

#[test]
fn the_old_format_skill_still_writes_skill_files_with_a_warning() {
    let tmp = TempDir::new().unwrap();
    let skill = make_skill(tmp.path(), "demo-skill", SKILL_MD);
    let out = tmp.path().join("dist");
    let run = pack_ok(tmp.path(), &[&skill, &"--out", &out, &"--format", &"skill"]);
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(stderr.contains("deprecated"), "{stderr}");
    assert!(stderr.contains("--skill-files"), "{stderr}");
    assert!(out.join("demo-skill.skill").is_file());
}

#[test]
fn pack_help_no_longer_offers_format() {
    let tmp = TempDir::new().unwrap();
    let help = skillpack(tmp.path())
        .args(["pack", "--help"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&help.stdout);
    assert!(text.contains("--skill-files"), "{text}");
    assert!(!text.contains("--format <"), "{text}");
}
