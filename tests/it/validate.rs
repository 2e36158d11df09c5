//! `skillpack validate`: the rule table (tests/fixtures/validate/cases.yaml, frontmatter in,
//! rule ids out) run through the library, and the command line run for real on temporary
//! skill folders: formats, profiles, `--strict`, exit codes and output order.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use assert_fs::TempDir;
use assert_fs::prelude::*;
use predicates::prelude::*;
use serde::Deserialize;
use serde_json::Value;

use skillpack::skill::{Profile, RULES, Severity, ValidateOptions, validate_dir};

const CASES: &str = include_str!("../fixtures/validate/cases.yaml");
const DOC: &str = include_str!("../../docs/validate.md");
const EMBEDDED: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/skill/account-management");

#[derive(Debug, Deserialize)]
struct Case {
    id: String,
    folder: Option<String>,
    profile: Option<String>,
    #[serde(default)]
    skill: String,
    skill_file: Option<String>,
    encoding: Option<String>,
    body_lines: Option<usize>,
    files: Option<String>,
    errors: Option<String>,
    warnings: Option<String>,
    differs: Option<String>,
}

impl Case {
    fn profile(&self) -> Profile {
        match self.profile.as_deref().unwrap_or("spec") {
            "spec" => Profile::Spec,
            "claude-code" => Profile::ClaudeCode,
            "codex" => Profile::Codex,
            "gemini-cli" => Profile::GeminiCli,
            "upload" => Profile::Upload,
            other => panic!("{}: unknown profile {other}", self.id),
        }
    }

    fn expected(list: &Option<String>) -> Vec<String> {
        let mut ids: Vec<String> = list
            .as_deref()
            .unwrap_or_default()
            .split_whitespace()
            .map(str::to_string)
            .collect();
        ids.sort();
        ids
    }

    /// Writes the skill folder under `root` and returns it.
    fn materialise(&self, root: &Path) -> PathBuf {
        let folder = root
            .join(&self.id)
            .join(expand(self.folder.as_deref().unwrap_or("my-skill")));
        std::fs::create_dir_all(&folder).unwrap();
        let mut text = expand(&self.skill);
        for i in 0..self.body_lines.unwrap_or(0) {
            text.push_str(&format!("line {}\n", i + 1));
        }
        let file = self.skill_file.as_deref().unwrap_or("SKILL.md");
        if file != "none" {
            let bytes: Vec<u8> = match self.encoding.as_deref() {
                Some("latin1") => text.chars().map(|c| u8::try_from(c).unwrap()).collect(),
                _ => text.into_bytes(),
            };
            std::fs::write(folder.join(file), bytes).unwrap();
        }
        for entry in self.files.as_deref().unwrap_or_default().lines() {
            let entry = entry.trim();
            if entry.is_empty() {
                continue;
            }
            let big = entry.starts_with("big:");
            let path = folder.join(entry.trim_start_matches("big:"));
            if entry.ends_with('/') {
                std::fs::create_dir_all(&path).unwrap();
                continue;
            }
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            let content = if big {
                vec![0u8; 1024 * 1024 + 1]
            } else {
                b"x\n".to_vec()
            };
            std::fs::write(path, content).unwrap();
        }
        folder
    }
}

/// `%{TEXT*N}` stands for TEXT repeated N times.
fn expand(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(start) = rest.find("%{") {
        out.push_str(&rest[..start]);
        let end = start + rest[start..].find('}').expect("unclosed %{");
        let (what, n) = rest[start + 2..end].rsplit_once('*').expect("%{TEXT*N}");
        out.push_str(&what.repeat(n.parse().unwrap()));
        rest = &rest[end + 1..];
    }
    out.push_str(rest);
    out
}

fn cases() -> Vec<Case> {
    serde_saphyr::from_str(CASES).expect("cases.yaml parses")
}

#[test]
fn rule_table() {
    let cases = cases();
    assert!(cases.len() >= 60, "only {} cases", cases.len());
    let tmp = TempDir::new().unwrap();
    let mut failures = Vec::new();
    for case in &cases {
        let dir = case.materialise(tmp.path());
        let opts = ValidateOptions {
            profile: case.profile(),
            strict: false,
        };
        let report = validate_dir(&dir, &opts);
        let ids = |severity: Severity| {
            let mut ids: Vec<String> = report
                .diagnostics
                .iter()
                .filter(|d| d.severity == severity)
                .map(|d| d.rule.to_string())
                .collect();
            ids.sort();
            ids
        };
        let (errors, warnings) = (ids(Severity::Error), ids(Severity::Warning));
        if errors != Case::expected(&case.errors) || warnings != Case::expected(&case.warnings) {
            failures.push(format!(
                "{}: expected errors {:?} warnings {:?}, got errors {:?} warnings {:?}\n    {}",
                case.id,
                Case::expected(&case.errors),
                Case::expected(&case.warnings),
                errors,
                warnings,
                report
                    .diagnostics
                    .iter()
                    .map(|d| d.to_string())
                    .collect::<Vec<_>>()
                    .join("\n    ")
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn rule_table_ids_are_unique() {
    let mut ids: Vec<String> = cases().into_iter().map(|c| c.id).collect();
    ids.sort();
    let n = ids.len();
    ids.dedup();
    assert_eq!(ids.len(), n);
}

#[test]
fn every_rule_has_a_case() {
    let cases = cases();
    let expected: Vec<String> = cases
        .iter()
        .flat_map(|c| {
            Case::expected(&c.errors)
                .into_iter()
                .chain(Case::expected(&c.warnings))
        })
        .collect();
    // A file that exists but cannot be read is not something a test running as root can
    // make, nor is a SKILL.md of many MiB a case of the table (tests/it/doctor.rs has one).
    let untestable = ["unreadable", "skill-md-too-large"];
    let missing: Vec<&str> = RULES
        .iter()
        .map(|r| r.id)
        .filter(|id| !untestable.contains(id) && !expected.iter().any(|e| e == id))
        .collect();
    assert!(missing.is_empty(), "rules without a case: {missing:?}");
    for id in &expected {
        assert!(
            RULES.iter().any(|r| r.id == id),
            "unknown rule id {id} in cases.yaml"
        );
    }
}

/// Each deliberate difference from the reference validator is a `spec` case of the table
/// (the test of our behaviour) and is explained in docs/validate.md.
#[test]
fn differences_from_the_reference_are_documented() {
    let cases = cases();
    let differing: Vec<&Case> = cases.iter().filter(|c| c.differs.is_some()).collect();
    assert!(!differing.is_empty());
    for case in differing {
        assert_eq!(case.profile(), Profile::Spec, "{}", case.id);
        assert!(
            DOC.contains(&format!("`{}`", case.id)),
            "docs/validate.md does not explain case `{}`",
            case.id
        );
    }
}

#[test]
fn every_rule_is_documented() {
    for rule in RULES {
        assert!(
            DOC.contains(&format!("| `{}` |", rule.id)),
            "docs/validate.md has no row for `{}`",
            rule.id
        );
    }
}

/// The table of severities in docs/validate.md is the one the profiles apply.
#[test]
fn the_documented_severities_are_the_profiles() {
    let cell = |s: Option<Severity>| match s {
        Some(Severity::Error) => "E",
        Some(Severity::Warning) => "W",
        // Not a level a rule has: the documented table has no such cell.
        Some(Severity::Note) => "note",
        None => "—",
    };
    for rule in RULES {
        let levels: Vec<&str> = Profile::ALL.iter().map(|&p| cell(rule.level(p))).collect();
        let row = format!("| `{}` | {} |", rule.id, levels.join(" | "));
        assert!(DOC.contains(&row), "docs/validate.md should have `{row}`");
    }
}

/// The SARIF log's `helpUri` points at `docs/validate.md#<rule id>`: each rule has a
/// section there, holding the help text the log carries.
#[test]
fn every_rule_has_a_section_with_its_help() {
    for rule in RULES {
        let heading = format!("\n### `{}`\n\n", rule.id);
        let at = DOC
            .find(&heading)
            .unwrap_or_else(|| panic!("docs/validate.md has no section `{}`", rule.id));
        let section = &DOC[at + heading.len()..];
        assert!(
            section.starts_with(rule.rule.help()),
            "the section of `{}` does not start with its help text:\n{}",
            rule.id,
            rule.rule.help()
        );
    }
}

// --- The command line ---------------------------------------------------------------------

fn skillpack() -> Command {
    crate::net::bare()
}

fn write_skill(root: &TempDir, rel: &str, frontmatter: &str, body: &str) -> PathBuf {
    let file = root.child(rel).child("SKILL.md");
    file.write_str(&format!("---\n{frontmatter}---\n{body}"))
        .unwrap();
    root.path().join(rel)
}

fn valid(name: &str) -> String {
    format!("name: {name}\ndescription: Does {name} things. Use when asked for {name}.\n")
}

fn json_of(output: &std::process::Output) -> Value {
    serde_json::from_slice(&output.stdout).expect("stdout is JSON")
}

#[test]
fn embedded_skill_is_clean_in_every_profile() {
    for profile in ["spec", "claude-code", "upload"] {
        let out = skillpack()
            .args([
                "validate",
                EMBEDDED,
                "--strict",
                "--format",
                "json",
                "--profile",
                profile,
            ])
            .output()
            .unwrap();
        assert_eq!(
            out.status.code(),
            Some(0),
            "{profile}: {}",
            String::from_utf8_lossy(&out.stdout)
        );
        let doc = json_of(&out);
        assert_eq!(doc["summary"]["errors"], 0, "{profile}");
        assert_eq!(doc["summary"]["warnings"], 0, "{profile}");
        assert_eq!(doc["skills"][0]["name"], "account-management");
    }
}

#[test]
fn human_format_shows_rule_position_line_and_caret() {
    let tmp = TempDir::new().unwrap();
    let dir = write_skill(&tmp, "pdf-tools", &valid("pdf-tool"), "Body.\n");
    skillpack()
        .current_dir(tmp.path())
        .args(["validate", "pdf-tools"])
        .assert()
        .code(1)
        .stdout("")
        .stderr(predicate::str::contains(
            "error[name-mismatch]: `name` is `pdf-tool` but the folder is `pdf-tools`; rename the folder or set `name: pdf-tools`\n \
             --> pdf-tools/SKILL.md:2:7\n  |\n2 | name: pdf-tool\n  |       ^^^^^^^^\n",
        ))
        .stderr(predicate::str::contains(
            "error: 1 error in 1 of 1 skill (profile spec)",
        ));
    assert!(dir.exists());
}

#[test]
fn human_format_reports_success_and_warnings() {
    let tmp = TempDir::new().unwrap();
    write_skill(&tmp, "good", &valid("good"), "Body.\n");
    skillpack()
        .current_dir(tmp.path())
        .args(["validate", "good"])
        .assert()
        .success()
        .stderr(predicate::str::contains(
            "Validated 1 skill: no problems (profile spec)",
        ));
    write_skill(
        &tmp,
        "linked",
        &valid("linked"),
        "See [x](references/x.md).\n",
    );
    skillpack()
        .current_dir(tmp.path())
        .args(["validate", "linked"])
        .assert()
        .success()
        .stderr(predicate::str::contains("warning[broken-link]:"))
        .stderr(predicate::str::contains(" --> linked/SKILL.md:5:9"))
        .stderr(predicate::str::contains(
            "1 warning in 1 of 1 skill (profile spec); no errors",
        ));
    // -q keeps errors only.
    skillpack()
        .current_dir(tmp.path())
        .args(["validate", "linked", "-q"])
        .assert()
        .success()
        .stderr("");
}

#[test]
fn json_format_follows_the_documented_schema() {
    let tmp = TempDir::new().unwrap();
    write_skill(&tmp, "a", &valid("b"), "See [x](missing.md).\n");
    let out = skillpack()
        .current_dir(tmp.path())
        .args(["validate", "a", "--format", "json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let doc = json_of(&out);
    assert_eq!(doc["version"], 1);
    assert_eq!(doc["profile"], "spec");
    assert_eq!(doc["strict"], false);
    assert_eq!(
        doc["summary"],
        serde_json::json!({"skills": 1, "valid": 0, "invalid": 1, "errors": 1, "warnings": 1})
    );
    let skill = &doc["skills"][0];
    assert_eq!(skill["path"], "a");
    assert_eq!(skill["skill_md"], "a/SKILL.md");
    assert_eq!(skill["name"], "b");
    assert_eq!(skill["valid"], false);
    assert_eq!(
        skill["diagnostics"],
        serde_json::json!([
            {"rule": "name-mismatch", "severity": "error", "file": "a/SKILL.md", "line": 2, "col": 7,
             "message": "`name` is `b` but the folder is `a`; rename the folder or set `name: a`"},
            {"rule": "broken-link", "severity": "warning", "file": "a/SKILL.md", "line": 5, "col": 9,
             "message": "the link to `missing.md` points to a file missing from the skill folder; add `missing.md` or correct the link"},
        ])
    );
}

#[test]
fn global_json_flag_is_format_json() {
    let tmp = TempDir::new().unwrap();
    write_skill(&tmp, "a", &valid("a"), "");
    let with_flag = skillpack()
        .current_dir(tmp.path())
        .args(["--json", "validate", "a"])
        .output()
        .unwrap();
    let with_format = skillpack()
        .current_dir(tmp.path())
        .args(["validate", "a", "--format", "json"])
        .output()
        .unwrap();
    assert_eq!(with_flag.status.code(), Some(0));
    assert_eq!(with_flag.stdout, with_format.stdout);
    assert_eq!(json_of(&with_flag)["summary"]["valid"], 1);
    skillpack()
        .current_dir(tmp.path())
        .args(["validate", "a", "--json", "--format", "github"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("conflicts with --format"));
}

#[test]
fn github_format_is_one_annotation_per_problem_errors_first_then_by_file() {
    let tmp = TempDir::new().unwrap();
    write_skill(
        &tmp,
        "skills/a",
        "name: a\ndescription: d\nauthor: me\n",
        "Read references/x.md.\n",
    );
    tmp.child("skills/a/.DS_Store").write_str("").unwrap();
    skillpack()
        .current_dir(tmp.path())
        .args(["validate", "skills", "--format", "github"])
        .assert()
        .code(1)
        .stdout(
            "::error file=skills/a/SKILL.md,line=4,col=1,title=unknown-field::`author` is not a known field \
             (the specification allows name, description, license, compatibility, metadata, allowed-tools); \
             remove it or move it under `metadata`\n\
             ::warning file=skills/a/.DS_Store,title=junk-file::`.DS_Store` is a generated file, not part of the \
             skill (pack leaves it out); delete it and list it in .gitignore\n\
             ::warning file=skills/a/SKILL.md,line=6,col=6,title=missing-reference::`references/x.md` is not in \
             the skill folder; add the file or correct the path\n",
        );
}

#[test]
fn strict_turns_warnings_into_errors() {
    let tmp = TempDir::new().unwrap();
    write_skill(
        &tmp,
        "a",
        "name: a\ndescription: d\ncompatibility: \"\"\n",
        "",
    );
    skillpack()
        .current_dir(tmp.path())
        .args(["validate", "a"])
        .assert()
        .success();
    let out = skillpack()
        .current_dir(tmp.path())
        .args(["validate", "a", "--strict", "--format", "json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let doc = json_of(&out);
    assert_eq!(doc["strict"], true);
    assert_eq!(
        doc["skills"][0]["diagnostics"][0]["rule"],
        "compatibility-empty"
    );
    assert_eq!(doc["skills"][0]["diagnostics"][0]["severity"], "error");
}

#[test]
fn profiles_choose_the_rules() {
    let tmp = TempDir::new().unwrap();
    write_skill(
        &tmp,
        "claude-helper",
        "name: claude-helper\ndescription: Formats <b>bold</b> text.\nmodel: sonnet\nuser-invocable: false\n",
        "",
    );
    let rules = |profile: &str| {
        let out = skillpack()
            .current_dir(tmp.path())
            .args([
                "validate",
                "claude-helper",
                "--format",
                "json",
                "--profile",
                profile,
            ])
            .output()
            .unwrap();
        let doc = json_of(&out);
        let ids: Vec<String> = doc["skills"][0]["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| {
                format!(
                    "{}:{}",
                    d["severity"].as_str().unwrap(),
                    d["rule"].as_str().unwrap()
                )
            })
            .collect();
        (out.status.code(), ids)
    };
    assert_eq!(
        rules("spec"),
        (
            Some(1),
            vec!["error:unknown-field".into(), "error:unknown-field".into()]
        )
    );
    assert_eq!(rules("claude-code"), (Some(0), vec![]));
    assert_eq!(
        rules("upload"),
        (
            Some(1),
            vec![
                "error:name-reserved-word".into(),
                "error:description-angle-bracket".into(),
                "error:unknown-field".into(),
                "error:unknown-field".into()
            ]
        )
    );
    skillpack()
        .args(["validate", "--profile", "nope"])
        .assert()
        .code(2);
}

#[test]
fn usage_errors_exit_2() {
    let tmp = TempDir::new().unwrap();
    skillpack()
        .current_dir(tmp.path())
        .args(["validate", "does-not-exist"])
        .assert()
        .code(2)
        // Named as install names a path: absolute (or `~/…`), not as typed.
        .stderr(predicate::str::contains("/does-not-exist` does not exist"))
        .stderr(predicate::str::contains("`does-not-exist`").not())
        .stderr(predicate::str::contains("hint:"));
    tmp.child("README.md").write_str("# hi\n").unwrap();
    skillpack()
        .current_dir(tmp.path())
        .args(["validate", "README.md"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "neither a folder nor a SKILL.md file",
        ));
    skillpack()
        .args(["validate", "--format", "xml"])
        .assert()
        .code(2);
}

#[test]
fn a_folder_without_skills_is_an_error() {
    let tmp = TempDir::new().unwrap();
    tmp.child("empty").create_dir_all().unwrap();
    skillpack()
        .current_dir(tmp.path())
        .args(["validate", "empty"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("error[missing-skill-md]"))
        .stderr(predicate::str::contains(" --> empty/SKILL.md\n"));
}

#[test]
fn trees_are_searched_and_reported_in_a_stable_order() {
    let tmp = TempDir::new().unwrap();
    // Created out of order, nested at several depths, some invalid.
    let names = [
        "zeta",
        "alpha",
        "team/b-skill",
        "team/a-skill",
        "m/n/o/deep",
        "Beta",
        "team/a-skill/examples/inner",
    ];
    for rel in names {
        let name = Path::new(rel).file_name().unwrap().to_str().unwrap();
        write_skill(&tmp, &format!("tree/{rel}"), &valid(name), "");
    }
    tmp.child("tree/node_modules/dep/SKILL.md")
        .write_str("not a skill")
        .unwrap();
    tmp.child("tree/README.md").write_str("# skills\n").unwrap();
    let run = || {
        skillpack()
            .current_dir(tmp.path())
            .args(["validate", "tree", "--format", "json"])
            .output()
            .unwrap()
    };
    let first = run();
    assert_eq!(first.status.code(), Some(1));
    let paths: Vec<String> = json_of(&first)["skills"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["path"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        paths,
        [
            "tree/Beta",
            "tree/alpha",
            "tree/m/n/o/deep",
            "tree/team/a-skill",
            "tree/team/a-skill/examples/inner",
            "tree/team/b-skill",
            "tree/zeta",
        ]
    );
    for _ in 0..3 {
        assert_eq!(run().stdout, first.stdout);
    }
}

#[test]
fn many_skills_keep_their_order() {
    let tmp = TempDir::new().unwrap();
    for i in (0..300).rev() {
        let name = format!("skill-{i:04}");
        let fm = if i % 50 == 7 {
            "name: wrong\ndescription: d\n".to_string()
        } else {
            valid(&name)
        };
        write_skill(&tmp, &name, &fm, "");
    }
    let out = skillpack()
        .current_dir(tmp.path())
        .args(["validate", "--format", "json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let doc = json_of(&out);
    assert_eq!(
        doc["summary"],
        serde_json::json!({"skills": 300, "valid": 294, "invalid": 6, "errors": 6, "warnings": 0})
    );
    let paths: Vec<&str> = doc["skills"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["path"].as_str().unwrap())
        .collect();
    let mut sorted = paths.clone();
    sorted.sort();
    assert_eq!(paths, sorted);
    assert_eq!(paths[0], "skill-0000");
}

#[test]
fn paths_may_be_skill_md_files_and_repeat() {
    let tmp = TempDir::new().unwrap();
    write_skill(&tmp, "a", &valid("a"), "");
    write_skill(&tmp, "b", &valid("b"), "");
    let out = skillpack()
        .current_dir(tmp.path())
        .args(["validate", "b/SKILL.md", "a", "./b", "--format", "json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let doc = json_of(&out);
    let paths: Vec<&str> = doc["skills"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["path"].as_str().unwrap())
        .collect();
    assert_eq!(paths, ["b", "a"]);
}

/// The reference validator compares the name with the path as typed, so `validate .`
/// inside a skill fails there; skillpack compares with the folder's real name.
#[test]
fn dot_inside_a_skill_uses_the_folder_name() {
    let tmp = TempDir::new().unwrap();
    let dir = write_skill(&tmp, "my-skill", &valid("my-skill"), "");
    skillpack()
        .current_dir(&dir)
        .args(["validate", "."])
        .assert()
        .success();
    skillpack()
        .current_dir(&dir)
        .args(["validate", "SKILL.md"])
        .assert()
        .success();
    skillpack()
        .current_dir(dir.join(".."))
        .args(["validate", "my-skill/../my-skill"])
        .assert()
        .success();
}

#[test]
fn positions_point_into_the_file() {
    let tmp = TempDir::new().unwrap();
    write_skill(
        &tmp,
        "s",
        "name: s\ndescription: d\nmetadata:\n  tags:\n    - a\n",
        "\n\nSee [gone](gone.md).\n",
    );
    let out = skillpack()
        .current_dir(tmp.path())
        .args(["validate", "s", "--format", "json"])
        .output()
        .unwrap();
    let doc = json_of(&out);
    let at: Vec<(String, u64, u64)> = doc["skills"][0]["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["rule"].as_str().unwrap().to_string(),
                d["line"].as_u64().unwrap(),
                d["col"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        at,
        [
            ("metadata-value-type".to_string(), 6, 5),
            ("broken-link".to_string(), 10, 12)
        ]
    );
}
