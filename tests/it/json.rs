//! The `--json` documents of every command, pinned by snapshot (docs/json.md describes them).
//! Values that differ per machine or run (paths, times, digests of the shipped skill) are
//! redacted after their shape is checked.

use std::path::Path;

use assert_cmd::Command;
use insta::assert_json_snapshot;
use serde_json::Value;
use tempfile::TempDir;

fn skillpack(home: &Path) -> Command {
    let mut c = Command::cargo_bin("skillpack").unwrap();
    c.env("HOME", home)
        .env_remove("CLAUDE_CONFIG_DIR")
        .env("NO_COLOR", "1")
        .current_dir(home);
    c
}

fn json(home: &Path, args: &[&str], code: i32) -> Value {
    let out = skillpack(home)
        .args(args)
        .arg("--json")
        .assert()
        .code(code)
        .get_output()
        .stdout
        .clone();
    serde_json::from_slice(&out).unwrap()
}

/// A digest field has the documented form before it is redacted.
fn digest(value: insta::internals::Content, _: insta::internals::ContentPath<'_>) -> String {
    let s = value.as_str().unwrap_or_default();
    let hex = s.strip_prefix("sha256:").unwrap_or(s);
    assert!(
        hex.len() == 64 && hex.bytes().all(|b| b.is_ascii_hexdigit()),
        "not a digest: {s}"
    );
    "[digest]".into()
}

#[test]
fn install_list_verify_uninstall_documents() {
    let tmp = TempDir::new().unwrap();
    let home = tmp.path();
    let v = json(home, &["install", "--no-companions"], 0);
    assert_json_snapshot!("install", v, {
        ".root" => "[root]",
        ".installed[].path" => "[path]",
        ".installed[].size" => "[size]",
        ".installed[].tree" => insta::dynamic_redaction(digest),
    });
    let v = json(home, &["list"], 0);
    assert_json_snapshot!("list", v, {
        ".root" => "[root]",
        ".roots[].dir" => "[root]",
        ".skills[].copies[].root" => "[root]",
        ".skills[].copies[].tree" => insta::dynamic_redaction(digest),
        ".skills[].installed_at" => "[time]",
        ".skills[].tree" => insta::dynamic_redaction(digest),
    });
    std::fs::write(
        home.join(".claude/skills/account-management/SKILL.md"),
        "edited",
    )
    .unwrap();
    let v = json(home, &["verify"], 1);
    assert_json_snapshot!("verify-modified", v, {
        ".root" => "[root]",
        ".skills[].root" => "[root]",
        ".skills[].tree" => insta::dynamic_redaction(digest),
    });
    let v = json(home, &["uninstall", "account-management"], 1);
    assert_json_snapshot!("uninstall-refused", v, { ".error.message" => "[message]" });
    let v = json(home, &["uninstall", "account-management", "--force"], 0);
    assert_json_snapshot!("uninstall", v, { ".root" => "[root]", ".removed[].root" => "[root]" });
    // Again: nothing to remove, exit 0, and it is not listed as removed.
    let v = json(home, &["uninstall", "account-management"], 0);
    assert_eq!(v["removed"], serde_json::json!([]), "{v}");
    assert_eq!(v["not_installed"][0]["name"], "account-management", "{v}");
}

#[test]
fn companions_document() {
    let tmp = TempDir::new().unwrap();
    let home = tmp.path();
    let crm = home.join(".agents/skills/crm-management");
    std::fs::create_dir_all(&crm).unwrap();
    std::fs::write(
        crm.join("SKILL.md"),
        "---\nname: crm-management\ndescription: d\nmetadata:\n  version: \"0.1.0\"\n---\n",
    )
    .unwrap();
    let v = json(home, &["companions"], 0);
    assert_json_snapshot!("companions", v, { ".companions[].locations[].path" => "[path]" });
}

#[test]
fn validate_and_pack_documents() {
    let tmp = TempDir::new().unwrap();
    let skill = Path::new(env!("CARGO_MANIFEST_DIR")).join("skill/account-management");
    let mut c = Command::cargo_bin("skillpack").unwrap();
    let out = c
        .current_dir(skill.parent().unwrap())
        .args(["validate", "account-management", "--json"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let v: Value = serde_json::from_slice(&out).unwrap();
    assert_json_snapshot!("validate", v);

    let bad = tmp.path().join("Bad_Skill");
    std::fs::create_dir_all(&bad).unwrap();
    std::fs::write(
        bad.join("SKILL.md"),
        "---\nname: Bad_Skill\ntags: [a]\n---\n",
    )
    .unwrap();
    let mut c = Command::cargo_bin("skillpack").unwrap();
    let out = c
        .current_dir(tmp.path())
        .args(["validate", "Bad_Skill", "--json"])
        .assert()
        .code(1)
        .get_output()
        .stdout
        .clone();
    let v: Value = serde_json::from_slice(&out).unwrap();
    assert_json_snapshot!("validate-errors", v);

    let out_dir = tmp.path().join("dist");
    let v = json(
        tmp.path(),
        &[
            "pack",
            skill.to_str().unwrap(),
            "--out",
            out_dir.to_str().unwrap(),
        ],
        0,
    );
    assert_json_snapshot!("pack", v, {
        ".out" => "[out]",
        ".skills[].path" => "[path]",
        ".skills[].size" => "[size]",
        ".skills[].content_size" => "[size]",
        ".skills[].sha256" => insta::dynamic_redaction(digest),
        ".skills[].tree" => insta::dynamic_redaction(digest),
    });
}

#[test]
fn error_document() {
    let tmp = TempDir::new().unwrap();
    let v = json(tmp.path(), &["install", "no-such-skill"], 1);
    assert_json_snapshot!("error", v, { ".error.hint" => "[hint]" });
}

/// Every error kind the library can report is documented in docs/json.md.
#[test]
fn every_error_kind_is_documented() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let docs = std::fs::read_to_string(root.join("docs/json.md")).unwrap();
    let mut missing = Vec::new();
    let mut seen = 0;
    for file in [
        "src/install/error.rs",
        "src/source/error.rs",
        "src/bundle/error.rs",
        "src/sign.rs",
        "src/install/sync.rs",
        "src/install/project.rs",
    ] {
        let text = std::fs::read_to_string(root.join(file)).unwrap();
        // `Variant { .. } => "kind",` arms of the `kind()` functions.
        for line in text.lines() {
            let line = line.trim();
            let Some((_, rest)) = line.split_once("=> \"") else {
                continue;
            };
            let Some(kind) = rest.strip_suffix("\",") else {
                continue;
            };
            if !kind.is_empty()
                && kind
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            {
                seen += 1;
                if !docs.contains(&format!("`{kind}`")) {
                    missing.push(format!("{file}: {kind}"));
                }
            }
        }
    }
    assert!(
        seen > 80,
        "only {seen} kinds found: the scan no longer matches the code"
    );
    assert!(missing.is_empty(), "undocumented kinds: {missing:?}");
}
