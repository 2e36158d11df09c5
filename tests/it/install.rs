//! The install pipeline driven through the real binary: install, reinstall, the modified-file
//! guard, verify, list, uninstall, every refusal rule with a hostile archive (and a target left
//! byte-for-byte unchanged), interrupted runs and concurrent runs.

use std::collections::BTreeMap;
use std::fs;
use std::io::{Cursor, Write};
use std::path::{Path, PathBuf};
use std::process::{Command as StdCommand, Stdio};
use std::time::{Duration, Instant};

use assert_cmd::Command;
use predicates::prelude::*;
use sha2::{Digest, Sha256};
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, System, ZipWriter};

const SKILL_MD: &str = "---\nname: demo\ndescription: A demo skill for tests.\nmetadata:\n  version: \"1.0.0\"\n---\n# Demo\n";

/// A temporary HOME (skills root `~/.claude/skills`, the default) and download cache.
struct Sandbox(crate::net::Home);

impl Sandbox {
    fn new() -> Sandbox {
        Sandbox(crate::net::Home::new())
    }

    fn home(&self) -> &Path {
        self.0.home.path()
    }

    fn root(&self) -> PathBuf {
        self.home().join(".claude").join("skills")
    }

    fn cmd(&self) -> Command {
        self.0.cmd()
    }

    fn std_cmd(&self) -> StdCommand {
        self.0.std_cmd()
    }

    fn write(&self, rel: &str, bytes: &[u8]) -> PathBuf {
        let p = self.home().join(rel);
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        fs::write(&p, bytes).unwrap();
        p
    }

    fn lock(&self) -> serde_json::Value {
        serde_json::from_slice(&fs::read(self.root().join(".skillpack/lock.json")).unwrap())
            .unwrap()
    }
}

/// Every file and folder under `dir` with its contents and mode, to prove a tree unchanged.
fn snapshot(dir: &Path) -> BTreeMap<PathBuf, (Vec<u8>, u32)> {
    let mut out = BTreeMap::new();
    if !dir.exists() {
        return out;
    }
    for e in walkdir::WalkDir::new(dir) {
        let e = e.unwrap();
        let meta = fs::symlink_metadata(e.path()).unwrap();
        let data = if meta.is_file() {
            fs::read(e.path()).unwrap()
        } else {
            Vec::new()
        };
        out.insert(e.path().to_path_buf(), (data, mode_of(&meta)));
    }
    out
}

/// The Unix mode bits, where there are any.
fn mode_of(meta: &fs::Metadata) -> u32 {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        meta.permissions().mode()
    }
    #[cfg(not(unix))]
    {
        u32::from(meta.permissions().readonly())
    }
}

/// The tree digest of `root/name` as DESIGN section 5 defines it, computed here
/// independently of the binary: one `<sha256>  <name>/<path>` line per file, sorted by
/// path bytes, then hashed.
fn tree_digest(root: &Path, name: &str) -> String {
    let mut lines: Vec<(String, String)> = walkdir::WalkDir::new(root.join(name))
        .into_iter()
        .map(Result::unwrap)
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            let rel = e.path().strip_prefix(root).unwrap();
            let rel: Vec<String> = rel
                .components()
                .map(|c| c.as_os_str().to_str().unwrap().to_owned())
                .collect();
            (
                rel.join("/"),
                hex::encode(Sha256::digest(fs::read(e.path()).unwrap())),
            )
        })
        .collect();
    lines.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
    let text: String = lines
        .iter()
        .map(|(path, hex)| format!("{hex}  {path}\n"))
        .collect();
    format!("sha256:{}", hex::encode(Sha256::digest(text)))
}

/// Digest the way DESIGN section 5 spells it with coreutils.
#[cfg(unix)]
fn coreutils_digest(root: &Path, name: &str) -> String {
    let out = StdCommand::new("sh")
        .arg("-c")
        .arg(format!(
            "cd '{}' && find {name} -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum | sha256sum",
            root.display()
        ))
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    format!("sha256:{}", text.split_whitespace().next().unwrap())
}

fn opts() -> SimpleFileOptions {
    SimpleFileOptions::default()
        .compression_method(CompressionMethod::Deflated)
        .system(System::Unix)
}

/// A zip of (name, bytes) entries, written with no sanitising of names.
fn zip_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let mut z = ZipWriter::new(Cursor::new(Vec::new()));
    for (name, data) in entries {
        z.start_file(*name, opts().unix_permissions(0o644)).unwrap();
        z.write_all(data).unwrap();
    }
    z.finish().unwrap().into_inner()
}

fn demo_zip() -> Vec<u8> {
    zip_of(&[
        ("demo/SKILL.md", SKILL_MD.as_bytes()),
        ("demo/references/r.md", b"ref"),
    ])
}

/// Installs `demo` so refusal tests have an existing tree to keep intact.
fn with_demo_installed(sb: &Sandbox) {
    let z = sb.write("good.zip", &demo_zip());
    sb.cmd().args(["install"]).arg(&z).assert().success();
}

/// Installs a hostile archive and checks the refusal names `needle`, exits 1 and leaves the
/// skills root byte-for-byte as it was.
fn assert_refused(sb: &Sandbox, archive: &[u8], extra: &[&str], needle: &str) {
    let before = snapshot(&sb.root());
    let z = sb.write("hostile.zip", archive);
    sb.cmd()
        .arg("install")
        .arg(&z)
        .args(extra)
        .assert()
        .code(1)
        .stderr(predicate::str::contains(needle));
    assert_eq!(
        snapshot(&sb.root()),
        before,
        "the skills root changed after a refused install"
    );
}

fn refusal(entries: &[(&str, &[u8])], needle: &str) {
    let sb = Sandbox::new();
    with_demo_installed(&sb);
    assert_refused(&sb, &zip_of(entries), &[], needle);
}

// ---------------------------------------------------------------- the main job

#[test]
fn install_puts_the_embedded_skill_in_place_and_records_it() {
    let sb = Sandbox::new();
    sb.cmd()
        .arg("install")
        .assert()
        .success()
        .stderr(predicate::str::contains(
            "Installed account-management 0.1.0",
        ));
    let dir = sb.root().join("account-management");
    assert!(dir.join("SKILL.md").is_file());
    assert!(dir.join("references/qbr-template.md").is_file());
    let lock = sb.lock();
    assert_eq!(lock["version"], 1);
    let entry = &lock["skills"]["account-management"];
    assert_eq!(entry["source"]["kind"], "embedded");
    assert_eq!(entry["version"], "0.1.0");
    assert_eq!(entry["tree"], tree_digest(&sb.root(), "account-management"));
    #[cfg(unix)]
    assert_eq!(
        entry["tree"],
        coreutils_digest(&sb.root(), "account-management")
    );
    assert_eq!(entry["files"].as_object().unwrap().len(), 2);
    let embedded =
        fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("skill/account-management/SKILL.md"))
            .unwrap();
    assert_eq!(fs::read(dir.join("SKILL.md")).unwrap(), embedded);
}

#[cfg(unix)]
#[test]
fn installed_files_get_normalised_modes() {
    use std::os::unix::fs::PermissionsExt;
    let sb = Sandbox::new();
    let mut z = ZipWriter::new(Cursor::new(Vec::new()));
    z.start_file("demo/SKILL.md", opts().unix_permissions(0o666))
        .unwrap();
    z.write_all(SKILL_MD.as_bytes()).unwrap();
    z.start_file(
        "demo/scripts/run.sh",
        opts().external_attributes((0o104777) << 16),
    )
    .unwrap();
    z.write_all(b"#!/bin/sh\n").unwrap();
    let z = sb.write("modes.zip", &z.finish().unwrap().into_inner());
    sb.cmd().arg("install").arg(&z).assert().success();
    let mode = |p: &str| {
        fs::metadata(sb.root().join(p))
            .unwrap()
            .permissions()
            .mode()
            & 0o7777
    };
    assert_eq!(mode("demo/SKILL.md"), 0o644);
    assert_eq!(
        mode("demo/scripts/run.sh"),
        0o755,
        "setuid and world-write bits must be dropped"
    );
    assert_eq!(mode("demo/scripts"), 0o755);
}

#[test]
fn reinstalling_the_same_tree_is_a_quick_success() {
    let sb = Sandbox::new();
    sb.cmd().arg("install").assert().success();
    let before = snapshot(&sb.root().join("account-management"));
    let lock_before = sb.lock();
    sb.cmd()
        .arg("install")
        .assert()
        .success()
        .stderr(predicate::str::contains("already installed"));
    assert_eq!(snapshot(&sb.root().join("account-management")), before);
    assert_eq!(sb.lock(), lock_before);
}

#[test]
fn a_modified_tree_is_not_overwritten_without_force() {
    let sb = Sandbox::new();
    sb.cmd().arg("install").assert().success();
    let skill = sb.root().join("account-management/SKILL.md");
    fs::write(&skill, "my own notes").unwrap();
    sb.cmd()
        .arg("install")
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "local changes (SKILL.md modified)",
        ))
        .stderr(predicate::str::contains("--force"));
    assert_eq!(fs::read_to_string(&skill).unwrap(), "my own notes");
    sb.cmd().args(["install", "--force"]).assert().success();
    assert_ne!(fs::read_to_string(&skill).unwrap(), "my own notes");
    sb.cmd().arg("verify").assert().success();
}

#[test]
fn an_unmanaged_folder_is_never_replaced_without_force() {
    let sb = Sandbox::new();
    let mine = sb.root().join("account-management");
    fs::create_dir_all(&mine).unwrap();
    fs::write(mine.join("SKILL.md"), "hand made").unwrap();
    sb.cmd()
        .arg("install")
        .assert()
        .code(1)
        .stderr(predicate::str::contains("was not installed by skillpack"));
    assert_eq!(
        fs::read_to_string(mine.join("SKILL.md")).unwrap(),
        "hand made"
    );
    sb.cmd()
        .arg("list")
        .assert()
        .success()
        .stdout(predicate::str::contains("unmanaged"));
    sb.cmd()
        .args(["uninstall", "account-management"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("was not installed by skillpack"));
    assert!(mine.join("SKILL.md").exists());
    // With --force it is replaced, and said so.
    sb.cmd()
        .args(["install", "--force", "--no-companions"])
        .assert()
        .success()
        .stderr(predicate::str::contains(
            "Replaced account-management (unversioned) with 0.1.0",
        ));
    assert_ne!(
        fs::read_to_string(mine.join("SKILL.md")).unwrap(),
        "hand made"
    );
}

#[test]
fn verify_names_each_differing_file_and_exits_1() {
    let sb = Sandbox::new();
    sb.cmd().arg("install").assert().success();
    sb.cmd()
        .arg("verify")
        .assert()
        .success()
        .stderr(predicate::str::contains("Verified account-management"));
    let dir = sb.root().join("account-management");
    fs::write(dir.join("SKILL.md"), "changed").unwrap();
    fs::remove_file(dir.join("references/qbr-template.md")).unwrap();
    fs::write(dir.join("extra.md"), "added").unwrap();
    sb.cmd()
        .arg("verify")
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "modified account-management/SKILL.md",
        ))
        .stderr(predicate::str::contains(
            "missing  account-management/references/qbr-template.md",
        ))
        .stderr(predicate::str::contains(
            "added    account-management/extra.md",
        ));
    let out = sb
        .cmd()
        .args(["verify", "--json"])
        .assert()
        .code(1)
        .get_output()
        .stdout
        .clone();
    let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(v["ok"], false);
    assert_eq!(v["skills"][0]["differences"].as_array().unwrap().len(), 3);
}

#[test]
fn verify_of_an_unknown_skill_fails_with_a_hint() {
    let sb = Sandbox::new();
    sb.cmd()
        .args(["verify", "nope"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "`nope` was not installed by skillpack",
        ))
        .stderr(predicate::str::contains("skillpack list"));
}

#[test]
fn list_shows_version_source_and_each_state() {
    let sb = Sandbox::new();
    sb.cmd().arg("install").assert().success();
    with_demo_installed(&sb);
    sb.cmd()
        .arg("list")
        .assert()
        .success()
        .stdout(
            predicate::str::is_match(r"account-management\s+installed\s+0\.1\.0\s+embedded")
                .unwrap(),
        )
        .stdout(predicate::str::is_match(r"demo\s+installed\s+1\.0\.0\s+.*good\.zip").unwrap());
    fs::remove_file(sb.root().join("demo/references/r.md")).unwrap();
    fs::write(sb.root().join("account-management/SKILL.md"), "x").unwrap();
    let out = sb
        .cmd()
        .args(["list", "--json"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
    let state = |n: &str| {
        v["skills"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["name"] == n)
            .unwrap()["state"]
            .clone()
    };
    assert_eq!(state("account-management"), "modified");
    assert_eq!(state("demo"), "missing-files");
}

#[test]
fn uninstall_removes_only_managed_unmodified_trees() {
    let sb = Sandbox::new();
    sb.cmd().arg("install").assert().success();
    with_demo_installed(&sb);
    sb.cmd().args(["uninstall", "demo"]).assert().success();
    assert!(!sb.root().join("demo").exists());
    assert!(sb.lock()["skills"].get("demo").is_none());
    fs::write(sb.root().join("account-management/SKILL.md"), "edited").unwrap();
    sb.cmd()
        .args(["uninstall", "account-management"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("local changes"));
    assert!(sb.root().join("account-management/SKILL.md").exists());
    sb.cmd()
        .args(["uninstall", "account-management", "--force"])
        .assert()
        .success();
    assert!(!sb.root().join("account-management").exists());
    let staging = sb.root().join(".skillpack/staging");
    assert_eq!(
        fs::read_dir(staging).unwrap().count(),
        0,
        "no debris after uninstall"
    );
}

#[test]
fn dry_run_changes_nothing() {
    let sb = Sandbox::new();
    sb.cmd()
        .args(["install", "--dry-run"])
        .assert()
        .success()
        .stderr(predicate::str::contains("Would install account-management"));
    assert!(!sb.home().join(".claude").exists());
}

#[test]
fn agents_scopes_and_explicit_roots_choose_the_folder() {
    let sb = Sandbox::new();
    sb.cmd()
        .args(["install", "--agent", "codex"])
        .assert()
        .success();
    assert!(
        sb.home()
            .join(".agents/skills/account-management/SKILL.md")
            .is_file()
    );
    sb.cmd()
        .args(["install", "--agent", "gemini-cli"])
        .assert()
        .success();
    assert!(
        sb.home()
            .join(".gemini/skills/account-management/SKILL.md")
            .is_file()
    );
    let project = sb.home().join("proj");
    fs::create_dir_all(&project).unwrap();
    sb.cmd()
        .args(["install", "--scope", "project"])
        .current_dir(&project)
        .assert()
        .success();
    assert!(
        project
            .join(".claude/skills/account-management/SKILL.md")
            .is_file()
    );
    let config = sb.home().join("cfg");
    sb.cmd()
        .arg("install")
        .env("CLAUDE_CONFIG_DIR", &config)
        .assert()
        .success();
    assert!(config.join("skills/account-management/SKILL.md").is_file());
    sb.cmd()
        .args(["install", "--dir", "elsewhere"])
        .assert()
        .success();
    assert!(
        sb.home()
            .join("elsewhere/account-management/SKILL.md")
            .is_file()
    );
}

#[test]
fn a_local_folder_installs_through_the_same_pipeline() {
    let sb = Sandbox::new();
    sb.write("src/demo/SKILL.md", SKILL_MD.as_bytes());
    sb.write("src/demo/.DS_Store", b"junk");
    sb.cmd().args(["install", "./src/demo"]).assert().success();
    assert!(sb.root().join("demo/SKILL.md").is_file());
    assert!(
        !sb.root().join("demo/.DS_Store").exists(),
        "junk is not packed"
    );
    assert_eq!(sb.lock()["skills"]["demo"]["source"]["kind"], "path");
    assert_eq!(
        sb.lock()["skills"]["demo"]["tree"],
        tree_digest(&sb.root(), "demo")
    );
}

#[test]
fn json_output_describes_the_install() {
    let sb = Sandbox::new();
    let out = sb
        .cmd()
        .args(["install", "--json"])
        .assert()
        .success()
        .get_output()
        .clone();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["version"], 1);
    assert_eq!(v["installed"][0]["name"], "account-management");
    assert_eq!(v["installed"][0]["action"], "installed");
    assert!(out.stderr.is_empty(), "JSON mode keeps stderr quiet");
}

#[test]
fn unknown_catalog_names_and_bad_flags_fail_clearly() {
    let sb = Sandbox::new();
    sb.cmd()
        .args(["install", "no-such-skill"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("unknown skill `no-such-skill`"))
        .stderr(predicate::str::contains("hint"));
    sb.cmd()
        .args(["install", "--agent", "vim"])
        .assert()
        .code(2);
    sb.cmd()
        .args(["install", "./missing-folder"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no such file"));
}

// ---------------------------------------------------------------- refusals (DESIGN section 8)

#[test]
fn refuses_a_wrong_archive_digest_before_unpacking() {
    let sb = Sandbox::new();
    with_demo_installed(&sb);
    let bad = "0".repeat(64);
    assert_refused(
        &sb,
        &demo_zip(),
        &["--sha256", &bad],
        "archive digest mismatch",
    );
}

#[test]
fn accepts_the_right_archive_digest() {
    let sb = Sandbox::new();
    let bytes = demo_zip();
    let z = sb.write("demo.zip", &bytes);
    let digest = hex::encode(Sha256::digest(&bytes));
    sb.cmd()
        .arg("install")
        .arg(&z)
        .args(["--sha256", &digest])
        .assert()
        .success();
    assert_eq!(sb.lock()["skills"]["demo"]["archive_sha256"], digest);
}

#[test]
fn refuses_absolute_paths() {
    refusal(
        &[("demo/SKILL.md", SKILL_MD.as_bytes()), ("/etc/evil", b"x")],
        "[absolute-path]",
    );
}

#[test]
fn refuses_drive_letters() {
    refusal(
        &[("demo/SKILL.md", SKILL_MD.as_bytes()), ("C:/evil", b"x")],
        "[drive-letter]",
    );
}

#[test]
fn refuses_parent_segments() {
    refusal(
        &[
            ("demo/SKILL.md", SKILL_MD.as_bytes()),
            ("demo/../../evil", b"x"),
        ],
        "[path-traversal]",
    );
}

#[test]
fn refuses_backslashes() {
    refusal(
        &[
            ("demo/SKILL.md", SKILL_MD.as_bytes()),
            ("demo\\..\\evil", b"x"),
        ],
        "[backslash]",
    );
}

#[test]
fn refuses_nul_and_control_characters() {
    refusal(
        &[
            ("demo/SKILL.md", SKILL_MD.as_bytes()),
            ("demo/a\u{1}b", b"x"),
        ],
        "[control-character]",
    );
    refusal(
        &[("demo/SKILL.md", SKILL_MD.as_bytes()), ("demo/a\0b", b"x")],
        "[control-character]",
    );
}

#[test]
fn refuses_overlong_name_components() {
    let long = format!("demo/{}", "a".repeat(256));
    refusal(
        &[("demo/SKILL.md", SKILL_MD.as_bytes()), (&long, b"x")],
        "[name-too-long]",
    );
}

#[test]
fn refuses_reserved_windows_names() {
    refusal(
        &[
            ("demo/SKILL.md", SKILL_MD.as_bytes()),
            ("demo/aux.md", b"x"),
        ],
        "[reserved-name]",
    );
}

#[test]
fn refuses_symlinks() {
    let sb = Sandbox::new();
    with_demo_installed(&sb);
    let mut z = ZipWriter::new(Cursor::new(Vec::new()));
    z.start_file("demo/SKILL.md", opts()).unwrap();
    z.write_all(SKILL_MD.as_bytes()).unwrap();
    z.add_symlink("demo/passwd", "/etc/passwd", opts()).unwrap();
    assert_refused(
        &sb,
        &z.finish().unwrap().into_inner(),
        &[],
        "`demo/passwd`: the entry is a symbolic link [symlink]",
    );
}

#[test]
#[cfg(unix)]
fn a_local_folder_holding_a_link_or_a_fifo_is_refused_as_an_install_says_it() {
    let sb = Sandbox::new();
    let skill = sb.write("src/demo/SKILL.md", SKILL_MD.as_bytes());
    let dir = skill.parent().unwrap().to_path_buf();
    std::os::unix::fs::symlink("/etc/passwd", dir.join("passwd")).unwrap();
    for (what, says) in [
        (
            "link",
            "it is a symbolic link, and a skill holds only files and folders",
        ),
        (
            "fifo",
            "neither a file nor a folder (a FIFO, socket or device)",
        ),
    ] {
        if what == "fifo" {
            fs::remove_file(dir.join("passwd")).unwrap();
            let made = StdCommand::new("mkfifo")
                .arg(dir.join("pipe"))
                .status()
                .unwrap();
            assert!(made.success());
        }
        sb.cmd()
            .arg("install")
            .arg(&dir)
            .assert()
            .code(1)
            .stderr(predicate::str::contains("cannot be part of a skill"))
            .stderr(predicate::str::contains(says))
            .stderr(predicate::str::contains("pack").not());
        assert!(!sb.root().join("demo").exists());
    }
}

#[test]
fn refuses_devices_and_fifos() {
    for mode in [0o020644u32, 0o060644, 0o010644] {
        let sb = Sandbox::new();
        with_demo_installed(&sb);
        let mut z = ZipWriter::new(Cursor::new(Vec::new()));
        z.start_file("demo/SKILL.md", opts()).unwrap();
        z.write_all(SKILL_MD.as_bytes()).unwrap();
        z.start_file("demo/dev", opts().external_attributes(mode << 16))
            .unwrap();
        assert_refused(
            &sb,
            &z.finish().unwrap().into_inner(),
            &[],
            "[special-file]",
        );
    }
}

#[test]
fn refuses_exact_duplicates() {
    let bytes = {
        // The zip writer refuses duplicate names, so write two distinct ones and rename one
        // in place (same length) to build the archive an attacker would.
        let z = zip_of(&[
            ("demo/SKILL.md", SKILL_MD.as_bytes()),
            ("demo/a.md", b"1"),
            ("demo/b.md", b"2"),
        ]);
        replace_all(z, b"demo/b.md", b"demo/a.md")
    };
    let sb = Sandbox::new();
    with_demo_installed(&sb);
    assert_refused(&sb, &bytes, &[], "the entry appears twice [collision]");
}

#[test]
fn refuses_case_insensitive_collisions() {
    refusal(
        &[
            ("demo/SKILL.md", SKILL_MD.as_bytes()),
            ("demo/Notes.md", b"1"),
            ("demo/notes.md", b"2"),
        ],
        "collides with `demo/Notes.md` on case-insensitive file systems",
    );
    refusal(
        &[
            ("demo/SKILL.md", SKILL_MD.as_bytes()),
            ("demo/Ref/a.md", b"1"),
            ("demo/ref/b.md", b"2"),
        ],
        "[collision]",
    );
}

#[test]
fn refuses_a_file_where_a_folder_is_needed() {
    refusal(
        &[
            ("demo/SKILL.md", SKILL_MD.as_bytes()),
            ("demo/refs", b"1"),
            ("demo/refs/a.md", b"2"),
        ],
        "[collision]",
    );
}

#[test]
fn refuses_archives_without_skill_md() {
    refusal(
        &[("demo/README.md", b"no skill here")],
        "the archive has no SKILL.md",
    );
}

#[test]
fn a_zip_of_several_skills_installs_only_those_named() {
    let other = SKILL_MD.replace("name: demo", "name: other");
    let archive = zip_of(&[
        ("demo/SKILL.md", SKILL_MD.as_bytes()),
        ("other/SKILL.md", other.as_bytes()),
    ]);
    let sb = Sandbox::new();
    with_demo_installed(&sb);
    let before = snapshot(&sb.root());
    let z = sb.write("several.zip", &archive);
    // Nothing says which: the names and the command, and nothing changes.
    sb.cmd()
        .arg("install")
        .arg(&z)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("holds 2 skills: demo, other"))
        .stderr(predicate::str::contains("--skill demo"));
    assert_eq!(snapshot(&sb.root()), before);
    // Named: only that one, recorded with its folder.
    sb.cmd()
        .arg("install")
        .arg(&z)
        .args(["--skill", "other"])
        .assert()
        .success();
    assert!(sb.root().join("other/SKILL.md").is_file());
    let lock = fs::read_to_string(sb.root().join(".skillpack/lock.json")).unwrap();
    assert!(lock.contains("\"folder\": \"other\""), "{lock}");
}

#[test]
fn refuses_entries_outside_the_skill_folder() {
    refusal(
        &[("demo/SKILL.md", SKILL_MD.as_bytes()), ("README.md", b"x")],
        "[outside-skill-root]",
    );
}

#[test]
fn refuses_too_many_entries() {
    let names: Vec<String> = (0..10_001).map(|i| format!("demo/f{i}")).collect();
    let mut entries: Vec<(&str, &[u8])> =
        names.iter().map(|n| (n.as_str(), b"" as &[u8])).collect();
    entries.push(("demo/SKILL.md", SKILL_MD.as_bytes()));
    let sb = Sandbox::new();
    with_demo_installed(&sb);
    assert_refused(
        &sb,
        &zip_of(&entries),
        &[],
        "10002 entries, the limit is 10000 [too-many-entries]",
    );
    // The flag raises the limit.
    let z = sb.write("many.zip", &zip_of(&entries));
    sb.cmd()
        .arg("install")
        .arg(&z)
        .args(["--max-files", "20000", "--force"])
        .assert()
        .success();
}

#[test]
fn refuses_oversized_totals_and_entries() {
    let big = vec![7u8; 4096];
    let sb = Sandbox::new();
    with_demo_installed(&sb);
    let z = zip_of(&[
        ("demo/SKILL.md", SKILL_MD.as_bytes()),
        ("demo/big.bin", &big),
    ]);
    assert_refused(&sb, &z, &["--max-size", "1000"], "[entry-too-large]");
    assert_refused(&sb, &z, &["--max-size", "4096"], "[total-too-large]");
}

#[test]
fn refuses_zip_bombs_by_ratio() {
    let zeros = vec![0u8; 4 * 1024 * 1024];
    refusal(
        &[
            ("demo/SKILL.md", SKILL_MD.as_bytes()),
            ("demo/zeros.bin", &zeros),
        ],
        "[compression-ratio]",
    );
}

#[test]
fn enforces_sizes_while_inflating_not_from_headers() {
    // The header says 10 bytes; the deflate stream holds 200 KiB.
    let payload = vec![b'x'; 200 * 1024];
    let z = zip_of(&[
        ("demo/SKILL.md", SKILL_MD.as_bytes()),
        ("demo/liar.bin", &payload),
    ]);
    let z = patch_uncompressed_size(z, "demo/liar.bin", 10);
    let sb = Sandbox::new();
    with_demo_installed(&sb);
    assert_refused(&sb, &z, &[], "demo/liar.bin");
    // The rule that refused it is the size check made while inflating.
    let path = sb.write("hostile.zip", &z);
    let out = sb
        .cmd()
        .arg("install")
        .arg(&path)
        .arg("--json")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let text =
        String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    assert!(text.contains("size-mismatch"), "{text}");
}

#[test]
fn refuses_truncated_and_corrupt_archives() {
    let good = demo_zip();
    let sb = Sandbox::new();
    with_demo_installed(&sb);
    assert_refused(&sb, &good[..good.len() / 2], &[], "not a readable zip");
    assert_refused(&sb, b"this is not a zip", &[], "not a readable zip");
    // Flip a byte inside the compressed data of the first entry: the CRC catches it.
    let mut bad = good.clone();
    let at = 30 + "demo/SKILL.md".len() + 5;
    bad[at] ^= 0xff;
    assert_refused(&sb, &bad, &[], "damaged or truncated");
}

/// Claude Code loads a skill whatever its `name` (it lists it under the folder's): the
/// specification's check of `name`, that of `--dir` without `--agent`, refuses these.
fn spec_refusal(entries: &[(&str, &[u8])], needle: &str) {
    let sb = Sandbox::new();
    with_demo_installed(&sb);
    let dir = sb.root();
    let extra = ["--dir", dir.to_str().unwrap()];
    assert_refused(&sb, &zip_of(entries), &extra, needle);
}

#[test]
fn refuses_skills_that_would_not_load() {
    let bad_name = SKILL_MD.replace("name: demo", "name: Demo_Skill");
    spec_refusal(
        &[("demo/SKILL.md", bad_name.as_bytes())],
        "the skill does not load",
    );
    let mismatch = SKILL_MD.replace("name: demo", "name: other");
    spec_refusal(&[("demo/SKILL.md", mismatch.as_bytes())], "[name-mismatch]");
    refusal(
        &[("demo/SKILL.md", b"# no frontmatter\n")],
        "[frontmatter-missing]",
    );
    let no_desc = "---\nname: demo\n---\nbody\n";
    refusal(
        &[("demo/SKILL.md", no_desc.as_bytes())],
        "[description-missing]",
    );
}

fn replace_all(mut bytes: Vec<u8>, from: &[u8], to: &[u8]) -> Vec<u8> {
    assert_eq!(from.len(), to.len());
    let mut i = 0;
    while i + from.len() <= bytes.len() {
        if &bytes[i..i + from.len()] == from {
            bytes[i..i + from.len()].copy_from_slice(to);
        }
        i += 1;
    }
    bytes
}

/// Rewrites the uncompressed-size field of `name` in its local and central headers.
fn patch_uncompressed_size(mut z: Vec<u8>, name: &str, size: u32) -> Vec<u8> {
    let n = name.as_bytes();
    let mut i = 0;
    while i + 4 <= z.len() {
        let sig = &z[i..i + 4];
        let (name_at, size_at) = if sig == b"PK\x03\x04" {
            (i + 30, i + 22)
        } else if sig == b"PK\x01\x02" {
            (i + 46, i + 24)
        } else {
            i += 1;
            continue;
        };
        if z.len() >= name_at + n.len() && &z[name_at..name_at + n.len()] == n {
            z[size_at..size_at + 4].copy_from_slice(&size.to_le_bytes());
        }
        i += 1;
    }
    z
}

// ---------------------------------------------------------------- interruption and concurrency

/// A skill big enough (64 MiB of incompressible files) that staging takes a while.
fn big_skill_zip(version: &str) -> Vec<u8> {
    let mut z = ZipWriter::new(Cursor::new(Vec::new()));
    let md = SKILL_MD.replace("1.0.0", version);
    z.start_file("demo/SKILL.md", opts()).unwrap();
    z.write_all(md.as_bytes()).unwrap();
    let mut state = 0x9e37_79b9_7f4a_7c15u64 ^ version.len() as u64;
    let mut chunk = vec![0u8; 256 * 1024];
    for f in 0..256 {
        for b in chunk.iter_mut() {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            *b = state as u8;
        }
        z.start_file(
            format!("demo/data/{f:03}.bin"),
            opts().compression_method(CompressionMethod::Stored),
        )
        .unwrap();
        z.write_all(&chunk).unwrap();
    }
    z.finish().unwrap().into_inner()
}

fn wait_for(what: &str, timeout: Duration, mut f: impl FnMut() -> bool) {
    let start = Instant::now();
    while !f() {
        assert!(start.elapsed() < timeout, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(5));
    }
}

fn staging_has_files(root: &Path) -> bool {
    let Ok(rd) = fs::read_dir(root.join(".skillpack/staging")) else {
        return false;
    };
    rd.filter_map(Result::ok).any(|e| {
        e.path()
            .join("tree/data")
            .read_dir()
            .is_ok_and(|mut d| d.next().is_some())
    })
}

#[test]
fn a_run_killed_while_staging_leaves_the_old_skill_and_the_next_run_cleans_up() {
    let sb = Sandbox::new();
    let v1 = sb.write("v1.zip", &demo_zip());
    sb.cmd().arg("install").arg(&v1).assert().success();
    let before = snapshot(&sb.root().join("demo"));
    let lock_before = sb.lock();

    let v2 = sb.write("v2.zip", &big_skill_zip("2.0.0"));
    let mut child = sb
        .std_cmd()
        .arg("install")
        .arg(&v2)
        .arg("--force")
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    wait_for("staging to start", Duration::from_secs(60), || {
        staging_has_files(&sb.root())
    });
    child.kill().unwrap();
    child.wait().unwrap();

    assert_eq!(
        snapshot(&sb.root().join("demo")),
        before,
        "the old tree must be intact"
    );
    assert_eq!(sb.lock(), lock_before);
    sb.cmd().arg("verify").assert().success();

    sb.cmd()
        .arg("install")
        .arg(&v2)
        .assert()
        .success()
        .stderr(predicate::str::contains("Recovered"));
    assert_eq!(sb.lock()["skills"]["demo"]["version"], "2.0.0");
    assert_eq!(
        fs::read_dir(sb.root().join(".skillpack/staging"))
            .unwrap()
            .count(),
        0
    );
    sb.cmd().arg("verify").assert().success();
}

#[test]
fn a_run_killed_at_any_moment_leaves_old_or_new_never_a_mix() {
    killed_at_any_moment(false);
}

#[test]
fn a_run_killed_at_any_moment_on_the_move_aside_path_leaves_old_or_new_never_a_mix() {
    killed_at_any_moment(true);
}

/// Kill runs at increasing delays, across staging and commit. After each kill the tree is
/// exactly the old version or exactly the new one; the next run finishes the job. With
/// `move_aside`, commits take the path of systems without an atomic exchange.
fn killed_at_any_moment(move_aside: bool) {
    let mode = if move_aside { "move-aside" } else { "" };
    let sb = Sandbox::new();
    let v1 = sb.write("v1.zip", &big_skill_zip("1.0.0"));
    let v2 = sb.write("v2.zip", &big_skill_zip("2.0.0"));
    sb.cmd()
        .arg("install")
        .arg(&v2)
        .args(["--dir", "probe"])
        .assert()
        .success();
    let t2 = tree_digest(&sb.home().join("probe"), "demo");
    sb.cmd().arg("install").arg(&v1).assert().success();
    let t1 = tree_digest(&sb.root(), "demo");
    assert_ne!(t1, t2);
    for (i, delay_ms) in [5u64, 20, 50, 100, 200, 400, 800, 1600]
        .into_iter()
        .enumerate()
    {
        let (zip, want) = if i % 2 == 0 { (&v2, &t2) } else { (&v1, &t1) };
        let mut child = sb
            .std_cmd()
            .arg("install")
            .arg(zip)
            .arg("--force")
            .env("SKILLPACK_TEST_COMMIT", mode)
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(delay_ms));
        let _ = child.kill();
        child.wait().unwrap();
        let now = tree_digest(&sb.root(), "demo");
        assert!(
            now == t1 || now == t2,
            "after a kill at {delay_ms} ms the tree is a mix: {now}"
        );
        sb.cmd()
            .arg("install")
            .arg(zip)
            .arg("--force")
            .env("SKILLPACK_TEST_COMMIT", mode)
            .assert()
            .success();
        assert_eq!(&tree_digest(&sb.root(), "demo"), want);
        assert_eq!(&sb.lock()["skills"]["demo"]["tree"], want);
        assert_eq!(
            fs::read_dir(sb.root().join(".skillpack/staging"))
                .unwrap()
                .count(),
            0
        );
    }
}

#[test]
fn a_crash_between_the_two_renames_is_undone_by_the_next_run() {
    // The move-aside commit path (used where there is no atomic exchange) renames the old
    // tree into its transaction folder, then the new one in. Reproduce the state a crash
    // between the two leaves, and check that the next run puts the old tree back.
    let sb = Sandbox::new();
    sb.cmd().arg("install").assert().success();
    let root = sb.root();
    let before = snapshot(&root.join("account-management"));
    let txn = root.join(".skillpack/staging/txn-crashed");
    fs::create_dir_all(txn.join("tree")).unwrap();
    fs::write(txn.join("tree/SKILL.md"), "half of a new version").unwrap();
    let entry = &sb.lock()["skills"]["account-management"];
    let mut new_entry = entry.clone();
    new_entry["tree"] = "sha256:0000".into();
    fs::write(
        txn.join("txn.json"),
        serde_json::json!({"action": "install", "entry": new_entry}).to_string(),
    )
    .unwrap();
    fs::rename(root.join("account-management"), txn.join("old")).unwrap();

    sb.cmd()
        .arg("install")
        .assert()
        .success()
        .stderr(predicate::str::contains("Recovered"));
    let after: BTreeMap<_, _> = snapshot(&root.join("account-management"));
    assert_eq!(after, before);
    assert!(!txn.exists());
}

#[test]
fn a_crash_exactly_between_the_two_renames_is_undone_by_the_next_run() {
    // The failpoint aborts the run after the old tree moved aside, before the new one moved
    // in: the skill folder is gone until the next run puts the old tree back.
    let sb = Sandbox::new();
    let v1 = sb.write("v1.zip", &demo_zip());
    let md2 = SKILL_MD.replace("1.0.0", "2.0.0");
    let v2 = sb.write("v2.zip", &zip_of(&[("demo/SKILL.md", md2.as_bytes())]));
    sb.cmd().arg("install").arg(&v1).assert().success();
    let root = sb.root();
    let before = snapshot(&root.join("demo"));
    let lock_before = sb.lock();
    let out = sb
        .std_cmd()
        .arg("install")
        .arg(&v2)
        .env("SKILLPACK_TEST_COMMIT", "move-aside")
        .env("SKILLPACK_TEST_CRASH", "between-renames")
        .output()
        .unwrap();
    assert!(!out.status.success(), "the run was to crash");
    assert!(
        !root.join("demo").exists(),
        "the crash fell between the renames"
    );
    assert_eq!(sb.lock(), lock_before);
    sb.cmd()
        .arg("verify")
        .assert()
        .success()
        .stderr(predicate::str::contains("Modified").not());
    assert_eq!(snapshot(&root.join("demo")), before);
    assert_eq!(
        fs::read_dir(root.join(".skillpack/staging"))
            .unwrap()
            .count(),
        0
    );
}

#[test]
fn a_crash_exactly_before_the_record_is_finished_by_the_next_run() {
    for mode in ["", "move-aside"] {
        let sb = Sandbox::new();
        let v1 = sb.write("v1.zip", &demo_zip());
        let md2 = SKILL_MD.replace("1.0.0", "2.0.0");
        let v2 = sb.write("v2.zip", &zip_of(&[("demo/SKILL.md", md2.as_bytes())]));
        sb.cmd().arg("install").arg(&v1).assert().success();
        let out = sb
            .std_cmd()
            .arg("install")
            .arg(&v2)
            .env("SKILLPACK_TEST_COMMIT", mode)
            .env("SKILLPACK_TEST_CRASH", "before-record")
            .output()
            .unwrap();
        assert!(!out.status.success(), "the run was to crash");
        assert_eq!(sb.lock()["skills"]["demo"]["version"], "1.0.0");
        assert_eq!(
            fs::read_to_string(sb.root().join("demo/SKILL.md")).unwrap(),
            md2
        );
        // The next run (here a read-only command) records what is in place.
        sb.cmd().arg("verify").assert().success();
        assert_eq!(sb.lock()["skills"]["demo"]["version"], "2.0.0");
        assert_eq!(
            fs::read_dir(sb.root().join(".skillpack/staging"))
                .unwrap()
                .count(),
            0
        );
    }
}

#[test]
fn a_crash_after_the_swap_but_before_the_record_is_recorded_by_the_next_run() {
    let sb = Sandbox::new();
    let v1 = sb.write("v1.zip", &demo_zip());
    sb.cmd().arg("install").arg(&v1).assert().success();
    let root = sb.root();
    // Put a v2 tree in place by hand, with the transaction file a run writes before swapping.
    let md2 = SKILL_MD.replace("1.0.0", "2.0.0");
    fs::write(root.join("demo/SKILL.md"), &md2).unwrap();
    let digest = tree_digest(&root, "demo");
    let mut entry = sb.lock()["skills"]["demo"].clone();
    entry["tree"] = digest.clone().into();
    entry["version"] = "2.0.0".into();
    entry["files"]["SKILL.md"] = hex::encode(Sha256::digest(md2.as_bytes())).into();
    let txn = root.join(".skillpack/staging/txn-crashed");
    fs::create_dir_all(&txn).unwrap();
    fs::write(
        txn.join("txn.json"),
        serde_json::json!({"action": "install", "entry": entry}).to_string(),
    )
    .unwrap();

    sb.cmd().arg("install").assert().success();
    assert_eq!(sb.lock()["skills"]["demo"]["tree"], digest);
    sb.cmd().arg("verify").assert().success();
}

#[test]
fn concurrent_installs_into_one_root_serialise() {
    let sb = Sandbox::new();
    let big = sb.write("big.zip", &big_skill_zip("3.0.0"));
    let other = sb.write(
        "other.zip",
        &zip_of(&[(
            "other/SKILL.md",
            SKILL_MD.replace("name: demo", "name: other").as_bytes(),
        )]),
    );
    let mut children: Vec<_> = [big.clone(), other, big]
        .iter()
        .map(|z| {
            sb.std_cmd()
                .arg("install")
                .arg(z)
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    children.push(
        sb.std_cmd()
            .arg("install")
            .stderr(Stdio::piped())
            .spawn()
            .unwrap(),
    );
    for c in children {
        let out = c.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let lock = sb.lock();
    let names: Vec<&String> = lock["skills"].as_object().unwrap().keys().collect();
    assert_eq!(names, ["account-management", "demo", "other"]);
    sb.cmd().arg("verify").assert().success();
    assert_eq!(
        fs::read_dir(sb.root().join(".skillpack/staging"))
            .unwrap()
            .count(),
        0
    );
}

#[test]
fn refuses_an_entry_whose_bytes_do_not_match_its_checksum() {
    // A stored entry edited after the archive was written: same size, other bytes.
    let mut w = ZipWriter::new(Cursor::new(Vec::new()));
    let stored = SimpleFileOptions::default()
        .compression_method(CompressionMethod::Stored)
        .system(System::Unix);
    w.start_file("demo/SKILL.md", stored).unwrap();
    w.write_all(SKILL_MD.as_bytes()).unwrap();
    w.start_file("demo/notes.md", stored).unwrap();
    w.write_all(b"ORIGINAL-PAYLOAD").unwrap();
    let z = w.finish().unwrap().into_inner();
    let z = replace_all(z, b"ORIGINAL-PAYLOAD", b"TAMPERED-PAYLOAD");
    let sb = Sandbox::new();
    with_demo_installed(&sb);
    assert_refused(&sb, &z, &[], "checksum");
}

#[test]
fn project_scope_means_the_repository_root_from_any_folder_inside_it() {
    let sb = Sandbox::new();
    let repo = sb.home().join("work/repo");
    let deep = repo.join("src/module");
    fs::create_dir_all(&deep).unwrap();
    fs::create_dir_all(repo.join(".git")).unwrap();
    sb.cmd()
        .args(["install", "--scope", "project"])
        .current_dir(&deep)
        .assert()
        .success()
        .stderr(predicate::str::contains(
            "work/repo/.claude/skills/account-management",
        ));
    assert!(
        repo.join(".claude/skills/account-management/SKILL.md")
            .is_file()
    );
    assert!(!deep.join(".claude").exists());
    sb.cmd()
        .args(["list", "--scope", "project"])
        .current_dir(&deep)
        .assert()
        .success()
        .stdout(predicate::str::contains("account-management"));
}
