//! The GitHub Action's shell steps (`scripts/action.sh`, which `action.yml` runs), run for
//! real: `install` against a fake release on 127.0.0.1 (the built binary under its release
//! asset name, with its `.sha256`), then `validate` with the action's inputs, reading what
//! it leaves in GITHUB_OUTPUT, GITHUB_PATH and the job summary.

#![cfg(any(target_os = "linux", target_os = "macos"))]

use std::collections::HashMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use sha2::{Digest, Sha256};
use tempfile::TempDir;

use super::install_script::{
    Body, FakeRelease, ReleaseKey, asset_name, binary, binary_sha256, has_minisign, sha256sums,
};

const ACTION: &str = include_str!("../../action.yml");

/// A runner's folders: RUNNER_TEMP, the GITHUB_PATH and GITHUB_OUTPUT files, a summary file
/// and a workspace holding skills.
struct Runner {
    dir: TempDir,
}

impl Runner {
    fn new() -> Runner {
        let r = Runner {
            dir: TempDir::new().unwrap(),
        };
        for d in ["temp", "workspace", "home"] {
            fs::create_dir_all(r.path(d)).unwrap();
        }
        r
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    fn read(&self, rel: &str) -> String {
        fs::read_to_string(self.path(rel)).unwrap_or_default()
    }

    /// `action.sh STEP` with the runner's variables, `inputs` (SKILLPACK_* names) and no
    /// proxy, from the workspace.
    fn run(&self, step: &str, release: Option<&FakeRelease>, inputs: &[(&str, &str)]) -> Output {
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/action.sh");
        let mut cmd = Command::new("bash");
        cmd.arg(script).arg(step);
        for var in [
            "http_proxy",
            "HTTP_PROXY",
            "https_proxy",
            "HTTPS_PROXY",
            "all_proxy",
            "ALL_PROXY",
            "GITHUB_SERVER_URL",
            "GITHUB_REPOSITORY",
            "GITHUB_SHA",
            "SKILLPACK_VERSION",
            "SKILLPACK_PATHS",
            "SKILLPACK_PROFILE",
            "SKILLPACK_STRICT",
            "SKILLPACK_FORMAT",
            "SKILLPACK_MAX_ANNOTATIONS",
            "SKILLPACK_CHANGED_SINCE",
            "SKILLPACK_SARIF_FILE",
            "SKILLPACK_BIN",
            "SKILLPACK_REQUIRE_SIGNATURE",
            "SKILLPACK_MINISIGN",
        ] {
            cmd.env_remove(var);
        }
        // The tests' release key stands in for skillpack's.
        cmd.env("SKILLPACK_INSTALL_PUBKEY", ReleaseKey::tests().public());
        let arch = if cfg!(target_arch = "aarch64") {
            "ARM64"
        } else {
            "X64"
        };
        let os = if cfg!(target_os = "macos") {
            "macOS"
        } else {
            "Linux"
        };
        cmd.env("RUNNER_OS", os)
            .env("RUNNER_ARCH", arch)
            .env("RUNNER_TEMP", self.path("temp"))
            .env("GITHUB_PATH", self.path("github_path"))
            .env("GITHUB_OUTPUT", self.path("github_output"))
            .env("GITHUB_STEP_SUMMARY", self.path("summary.md"))
            .env("HOME", self.path("home"))
            .env("NO_PROXY", "127.0.0.1,localhost")
            .env("NO_COLOR", "1")
            .current_dir(self.path("workspace"))
            .stdin(Stdio::null());
        if let Some(release) = release {
            cmd.env("SKILLPACK_DOWNLOAD_URL", &release.base);
        }
        for (k, v) in inputs {
            cmd.env(k, v);
        }
        cmd.output().unwrap()
    }

    /// The value of `key` in GITHUB_OUTPUT (the last one written).
    fn output(&self, key: &str) -> Option<String> {
        self.read("github_output")
            .lines()
            .rev()
            .find_map(|l| l.strip_prefix(&format!("{key}=")))
            .map(str::to_string)
    }
}

fn describe(out: &Output) -> String {
    format!(
        "status {:?}\n--- stdout\n{}\n--- stderr\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

fn skill(root: &Path, name: &str, frontmatter: &str) {
    fs::create_dir_all(root.join(name)).unwrap();
    fs::write(
        root.join(name).join("SKILL.md"),
        format!("---\n{frontmatter}---\nBody.\n"),
    )
    .unwrap();
}

#[test]
fn install_verifies_the_release_binary_and_puts_it_on_the_path() {
    let runner = Runner::new();
    let release = FakeRelease::release();
    let out = runner.run("install", Some(&release), &[]);
    assert!(out.status.success(), "{}", describe(&out));

    let bin_dir = runner.path("temp/skillpack-bin");
    let bin = bin_dir.join("skillpack");
    assert_eq!(
        runner.read("github_path").trim_end(),
        bin_dir.to_str().unwrap()
    );
    assert_eq!(runner.output("path").as_deref(), bin.to_str());
    let installed = fs::read(&bin).unwrap();
    assert_eq!(hex::encode(Sha256::digest(&installed)), binary_sha256());
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains(&format!("verified sha256 {}", binary_sha256())),
        "{stdout}"
    );
    assert!(stdout.contains(env!("CARGO_PKG_VERSION")), "{stdout}");
    let asset = asset_name();
    if has_minisign() {
        assert!(
            stdout.contains("verified the signature of SHA256SUMS with the release key"),
            "{stdout}"
        );
        assert_eq!(
            release.requests(),
            ["/SHA256SUMS", "/SHA256SUMS.minisig", &format!("/{asset}")]
        );
    } else {
        assert!(stdout.contains("checksum only"), "{stdout}");
        assert_eq!(
            release.requests(),
            [format!("/{asset}.sha256"), format!("/{asset}")]
        );
    }
    // Only the installed binary is left in RUNNER_TEMP.
    let left: Vec<_> = fs::read_dir(runner.path("temp"))
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(left, ["skillpack-bin"]);
}

#[test]
fn install_refuses_a_binary_whose_checksum_differs() {
    let runner = Runner::new();
    let asset = asset_name();
    let wrong = hex::encode(Sha256::digest(b"another binary"));
    // Both lists name another binary: the signed one (the list is genuine, the binary is
    // not) and the plain checksum file.
    let sums = format!("{wrong}  {asset}\n").into_bytes();
    let release = FakeRelease::serve(HashMap::from([
        (format!("/{asset}"), Body::File(binary())),
        (format!("/{asset}.sha256"), Body::Bytes(sums.clone())),
        (
            "/SHA256SUMS.minisig".to_string(),
            Body::Bytes(ReleaseKey::tests().sign("SHA256SUMS", &sums)),
        ),
        ("/SHA256SUMS".to_string(), Body::Bytes(sums)),
    ]));
    let out = runner.run("install", Some(&release), &[]);
    assert_eq!(out.status.code(), Some(1), "{}", describe(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("checksum mismatch"), "{stderr}");
    assert!(
        stderr.contains(&wrong) && stderr.contains(binary_sha256()),
        "{stderr}"
    );
    assert!(
        String::from_utf8_lossy(&out.stdout)
            .contains("::error title=skillpack action::checksum mismatch")
    );
    assert!(!runner.path("temp/skillpack-bin").exists());
    assert_eq!(runner.read("github_path"), "");
    let left: Vec<_> = fs::read_dir(runner.path("temp")).unwrap().collect();
    assert!(left.is_empty(), "temporary files left: {left:?}");
}

#[test]
fn install_refuses_plain_http_to_another_host() {
    let runner = Runner::new();
    let out = runner.run(
        "install",
        None,
        &[(
            "SKILLPACK_DOWNLOAD_URL",
            "http://localhost.example.com/releases",
        )],
    );
    assert_eq!(out.status.code(), Some(1), "{}", describe(&out));
    assert!(String::from_utf8_lossy(&out.stderr).contains("refusing to download"));
}

#[test]
fn validate_reports_annotations_sarif_and_a_summary_and_records_the_exit_code() {
    let runner = Runner::new();
    let ws = runner.path("workspace");
    skill(&ws.join("skills"), "good", "name: good\ndescription: d\n");
    skill(
        &ws.join("skills"),
        "bad",
        "name: wrong\ndescription: d\nversion: 1.0\n",
    );
    let bin = binary();
    let inputs = [
        ("SKILLPACK_BIN", bin.to_str().unwrap()),
        ("SKILLPACK_PATHS", "skills"),
        ("SKILLPACK_FORMAT", "github"),
        ("SKILLPACK_MAX_ANNOTATIONS", "1"),
        ("SKILLPACK_SARIF_FILE", "skillpack.sarif"),
    ];
    let out = runner.run("validate", None, &inputs);
    // The step itself succeeds; the exit code is passed on for the action's last step.
    assert!(out.status.success(), "{}", describe(&out));
    assert_eq!(runner.output("exit-code").as_deref(), Some("1"));
    assert_eq!(
        runner.output("sarif-file").as_deref(),
        Some("skillpack.sarif")
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(stdout.matches("::error ").count(), 1, "{stdout}");
    assert!(
        stdout.contains("skillpack: 1 more problem not annotated"),
        "{stdout}"
    );
    let sarif: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(ws.join("skillpack.sarif")).unwrap()).unwrap();
    assert_eq!(sarif["runs"][0]["results"].as_array().unwrap().len(), 2);
    // One summary, from the SARIF run.
    assert_eq!(
        runner
            .read("summary.md")
            .matches("## skillpack validate")
            .count(),
        1
    );

    // Strict, another profile, the human format: clean skills pass.
    let out = runner.run(
        "validate",
        None,
        &[
            ("SKILLPACK_BIN", bin.to_str().unwrap()),
            ("SKILLPACK_PATHS", "skills/good"),
            ("SKILLPACK_PROFILE", "upload"),
            ("SKILLPACK_STRICT", "true"),
            ("SKILLPACK_FORMAT", "human"),
        ],
    );
    assert!(out.status.success(), "{}", describe(&out));
    assert_eq!(runner.output("exit-code").as_deref(), Some("0"));
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains("Validated 1 skill: no problems (profile upload)")
    );
}

/// Every input the action's steps use is declared, and every declared one is used.
#[test]
fn action_inputs_are_declared_and_used() {
    let doc: serde_json::Value = serde_saphyr::from_str(ACTION).expect("action.yml parses");
    let declared: Vec<&str> = doc["inputs"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    let mut used: Vec<&str> = ACTION
        .match_indices("inputs.")
        .map(|(i, _)| {
            let rest = &ACTION[i + "inputs.".len()..];
            let end = rest
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '-'))
                .unwrap();
            &rest[..end]
        })
        .collect();
    used.sort_unstable();
    used.dedup();
    let mut declared_sorted = declared.clone();
    declared_sorted.sort_unstable();
    assert_eq!(used, declared_sorted);
    assert_eq!(doc["runs"]["using"], "composite");
    let steps = doc["runs"]["steps"].as_array().unwrap();
    assert!(steps.iter().any(|s| {
        s["uses"]
            .as_str()
            .is_some_and(|u| u.starts_with("github/codeql-action/upload-sarif@"))
    }));
    for step in steps.iter().filter(|s| s.get("run").is_some()) {
        // Inputs reach the scripts through the environment, never spliced into the code.
        assert!(!step["run"].as_str().unwrap().contains("${{"), "{step}");
    }
}

/// The runner holds nothing of a refused install: no binary, no PATH entry, no debris.
fn assert_nothing_installed(runner: &Runner) {
    assert!(!runner.path("temp/skillpack-bin").exists());
    assert_eq!(runner.read("github_path"), "");
    let left: Vec<_> = fs::read_dir(runner.path("temp")).unwrap().collect();
    assert!(left.is_empty(), "temporary files left: {left:?}");
}

#[test]
fn install_refuses_a_release_whose_signature_does_not_verify() {
    if !has_minisign() {
        return;
    }
    let asset = asset_name();
    let other_key = ReleaseKey::new();
    let mut edited = sha256sums();
    edited.extend_from_slice(
        b"0000000000000000000000000000000000000000000000000000000000000000  extra\n",
    );
    // What the case is, the files it replaces, what the error says.
    type Case = (&'static str, Vec<(String, Body)>, &'static str);
    let cases: Vec<Case> = vec![
        (
            "signed by another key",
            vec![(
                "/SHA256SUMS.minisig".into(),
                Body::Bytes(other_key.sign("SHA256SUMS", &sha256sums())),
            )],
            "does not verify",
        ),
        (
            "SHA256SUMS changed after signing",
            vec![("/SHA256SUMS".into(), Body::Bytes(edited))],
            "does not verify",
        ),
        (
            "truncated signature",
            vec![(
                "/SHA256SUMS.minisig".into(),
                Body::Bytes(ReleaseKey::tests().sign("SHA256SUMS", &sha256sums())[..60].to_vec()),
            )],
            "does not verify",
        ),
    ];
    for (what, changes, expected) in cases {
        let runner = Runner::new();
        let mut files = FakeRelease::release_files();
        for (path, body) in changes {
            files.insert(path, body);
        }
        let release = FakeRelease::serve(files);
        let out = runner.run("install", Some(&release), &[]);
        assert_eq!(out.status.code(), Some(1), "{what}: {}", describe(&out));
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(expected), "{what}: {stderr}");
        assert!(stderr.contains("nothing was installed"), "{what}: {stderr}");
        assert_nothing_installed(&runner);
        assert!(
            !release.requests().contains(&format!("/{asset}")),
            "{what}: the binary was fetched before the signature was checked"
        );
    }
}

/// A release with SHA256SUMS but no signature, minisign installed: with require-signature
/// false the binary is checked against SHA256SUMS alone, and the log says so; with true
/// nothing is installed.
#[test]
fn a_release_without_a_signature_is_checked_on_its_checksum_unless_a_signature_is_required() {
    if !has_minisign() {
        return;
    }
    let mut files = FakeRelease::release_files();
    files.remove("/SHA256SUMS.minisig");
    let release = FakeRelease::serve(files);

    let runner = Runner::new();
    let out = runner.run("install", Some(&release), &[]);
    assert!(out.status.success(), "{}", describe(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("the release has no signature (SHA256SUMS.minisig is missing): checking the SHA-256 checksum in SHA256SUMS only"),
        "{stdout}"
    );
    assert!(
        stdout.contains("(checksum only: the release signature was not checked)"),
        "{stdout}"
    );
    assert!(!stdout.contains("verified the signature"), "{stdout}");
    assert!(runner.path("temp/skillpack-bin").exists());

    let runner = Runner::new();
    let out = runner.run(
        "install",
        Some(&release),
        &[("SKILLPACK_REQUIRE_SIGNATURE", "true")],
    );
    assert_eq!(out.status.code(), Some(1), "{}", describe(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("the release has no signature"),
        "{}",
        describe(&out)
    );
    assert_nothing_installed(&runner);

    // A binary that does not match SHA256SUMS is still refused without a signature.
    let mut files = FakeRelease::release_files();
    files.remove("/SHA256SUMS.minisig");
    files.insert(
        format!("/{}", asset_name()),
        Body::Bytes(b"not the binary".to_vec()),
    );
    let release = FakeRelease::serve(files);
    let runner = Runner::new();
    let out = runner.run("install", Some(&release), &[]);
    assert_eq!(out.status.code(), Some(1), "{}", describe(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("checksum mismatch"),
        "{}",
        describe(&out)
    );
    assert_nothing_installed(&runner);
}

#[test]
fn without_minisign_install_says_it_checked_the_checksum_only_or_refuses_when_required() {
    let runner = Runner::new();
    let release = FakeRelease::release();
    let absent = [("SKILLPACK_MINISIGN", "no-such-minisign-here")];
    let out = runner.run("install", Some(&release), &absent);
    assert!(out.status.success(), "{}", describe(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("minisign is not installed: checking the SHA-256 checksum only"),
        "{stdout}"
    );
    assert!(stdout.contains("(checksum only: the release signature was not checked)"));

    let runner = Runner::new();
    let out = runner.run(
        "install",
        Some(&release),
        &[absent[0], ("SKILLPACK_REQUIRE_SIGNATURE", "true")],
    );
    assert_eq!(out.status.code(), Some(1), "{}", describe(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains("minisign is not installed, so the release signature cannot be checked"),
        "{}",
        describe(&out)
    );
    assert_nothing_installed(&runner);
}

#[test]
fn paths_one_per_line_keep_their_spaces() {
    let runner = Runner::new();
    let ws = runner.path("workspace");
    skill(
        &ws.join("my skills"),
        "bad",
        "name: wrong\ndescription: d\n",
    );
    skill(&ws.join("more"), "good", "name: good\ndescription: d\n");
    let bin = binary();
    let out = runner.run(
        "validate",
        None,
        &[
            ("SKILLPACK_BIN", bin.to_str().unwrap()),
            ("SKILLPACK_PATHS", "my skills/bad\n\nmore/good\n"),
            ("SKILLPACK_FORMAT", "json"),
        ],
    );
    assert!(out.status.success(), "{}", describe(&out));
    assert_eq!(runner.output("exit-code").as_deref(), Some("1"));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["summary"]["skills"], 2, "{doc}");

    // On one line, white space separates paths, as before.
    let out = runner.run(
        "validate",
        None,
        &[
            ("SKILLPACK_BIN", bin.to_str().unwrap()),
            ("SKILLPACK_PATHS", "more/good more"),
            ("SKILLPACK_FORMAT", "json"),
        ],
    );
    assert!(out.status.success(), "{}", describe(&out));
    assert_eq!(runner.output("exit-code").as_deref(), Some("0"));
}

#[test]
fn a_path_input_that_looks_like_an_option_is_a_path() {
    let runner = Runner::new();
    let ws = runner.path("workspace");
    // A folder named like an option, holding a skill whose frontmatter --fix would rewrite.
    skill(&ws, "--fix", "name: --fix\ndescription: d\nversion: 1\n");
    let before = fs::read_to_string(ws.join("--fix/SKILL.md")).unwrap();
    let bin = binary();
    let out = runner.run(
        "validate",
        None,
        &[
            ("SKILLPACK_BIN", bin.to_str().unwrap()),
            ("SKILLPACK_PATHS", "--fix"),
            ("SKILLPACK_FORMAT", "json"),
        ],
    );
    assert!(out.status.success(), "{}", describe(&out));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["summary"]["skills"], 1, "{doc}");
    assert_eq!(runner.output("exit-code").as_deref(), Some("1"));
    assert_eq!(
        fs::read_to_string(ws.join("--fix/SKILL.md")).unwrap(),
        before
    );
}

/// The README's workflow pins the skillpack release it runs to the action's own tag: the
/// tag alone chooses only the scripts, and `version` defaults to the newest release.
#[test]
fn the_readme_workflow_pins_the_release_to_the_actions_tag() {
    let readme = include_str!("../../README.md");
    let at = readme
        .find("uses: skillpack/skillpack@v")
        .expect("the README shows the action");
    let rest = &readme[at + "uses: skillpack/skillpack@v".len()..];
    let tag = rest.split_whitespace().next().unwrap();
    let step = &rest[..rest.find("```").unwrap()];
    assert!(
        step.lines()
            .any(|l| l.trim().split('#').next().unwrap().trim() == format!("version: {tag}")),
        "the step does not pin `version: {tag}`:\n{step}"
    );
    let doc: serde_json::Value = serde_saphyr::from_str(ACTION).unwrap();
    assert_eq!(doc["inputs"]["version"]["default"], "latest");
}
