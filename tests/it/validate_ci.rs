//! `skillpack validate` in CI and before a push: the SARIF log checked against the official
//! SARIF 2.1.0 schema (tests/data), GitHub annotations capped per severity, the job
//! summary, `--changed-since` in a real git repository, `--stdin-paths`, and `--fix`.

use std::path::{Path, PathBuf};
use std::process::Output;

use assert_cmd::Command;
use assert_fs::TempDir;
use assert_fs::prelude::*;
use serde_json::Value;

use skillpack::skill::RULES;

const SCHEMA: &str = include_str!("../data/sarif-schema-2.1.0.json");

/// The binary, with nothing from a GitHub Actions run that executes the tests.
fn skillpack(cwd: &Path) -> Command {
    let mut cmd = Command::cargo_bin("skillpack").unwrap();
    cmd.env("NO_COLOR", "1")
        .env_remove("CLICOLOR_FORCE")
        .current_dir(cwd);
    for var in [
        "GITHUB_STEP_SUMMARY",
        "GITHUB_SERVER_URL",
        "GITHUB_REPOSITORY",
        "GITHUB_SHA",
    ] {
        cmd.env_remove(var);
    }
    cmd
}

fn write_skill(root: &Path, rel: &str, frontmatter: &str, body: &str) -> PathBuf {
    let dir = root.join(rel);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("SKILL.md"),
        format!("---\n{frontmatter}---\n{body}"),
    )
    .unwrap();
    dir
}

fn valid(name: &str) -> String {
    format!("name: {name}\ndescription: Does {name} things. Use when asked for {name}.\n")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn describe(out: &Output) -> String {
    format!(
        "status {:?}\n--- stdout\n{}\n--- stderr\n{}",
        out.status,
        text(&out.stdout),
        text(&out.stderr)
    )
}

/// The schema's complaints about `doc` (draft-07 checks formats such as `uri` too).
fn schema_errors(doc: &Value) -> Vec<String> {
    let mut schema: Value = serde_json::from_str(SCHEMA).unwrap();
    // The published schema's pattern for `language` (of a run and of a tool component)
    // has a stray `]`, `^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}]?$`, which the draft-07
    // meta-schema's `format: regex` rejects, so the schema would not compile. skillpack
    // writes no `language`: those keywords are dropped here; the file stays as published.
    assert_eq!(
        drop_pattern(&mut schema, "^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}]?$"),
        2
    );
    let validator = jsonschema::validator_for(&schema).expect("the SARIF schema compiles");
    validator
        .iter_errors(doc)
        .map(|e| format!("{}: {e}", e.instance_path()))
        .collect()
}

/// Removes every `pattern` keyword equal to `pattern` from `schema`; returns how many.
fn drop_pattern(schema: &mut Value, pattern: &str) -> usize {
    match schema {
        Value::Object(map) => {
            let mut n = 0;
            if map.get("pattern").and_then(Value::as_str) == Some(pattern) {
                map.remove("pattern");
                n += 1;
            }
            n + map
                .values_mut()
                .map(|v| drop_pattern(v, pattern))
                .sum::<usize>()
        }
        Value::Array(items) => items.iter_mut().map(|v| drop_pattern(v, pattern)).sum(),
        _ => 0,
    }
}

/// A tree with problems of many kinds, a path with a space and a non-ASCII name.
fn problem_tree(root: &Path) {
    write_skill(
        root,
        "skills/pdf-tools",
        &valid("pdf-tool"),
        "See [x](gone.md).\n",
    );
    write_skill(
        root,
        "skills/registry",
        "name: registry\ndescription: d\nversion: 1.0\nmaintainers:\n  - github: octo\n",
        "Run scripts/missing.py.\n",
    );
    write_skill(root, "skills/my skill/données", &valid("autre"), "");
    std::fs::write(root.join("skills/registry/.DS_Store"), "").unwrap();
    std::fs::create_dir_all(root.join("skills/empty-folder/sub")).unwrap();
    write_skill(root, "skills/clean", &valid("clean"), "");
}

fn sarif(cwd: &Path, args: &[&str]) -> (Output, Value) {
    let out = skillpack(cwd)
        .args(["validate", "--format", "sarif"])
        .args(args)
        .output()
        .unwrap();
    let doc = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!("stdout is not JSON ({e}): {}", describe(&out));
    });
    (out, doc)
}

#[test]
fn sarif_log_follows_the_sarif_2_1_0_schema() {
    let tmp = TempDir::new().unwrap();
    problem_tree(tmp.path());
    let (out, doc) = sarif(tmp.path(), &["skills"]);
    assert_eq!(out.status.code(), Some(1), "{}", describe(&out));
    assert_eq!(schema_errors(&doc), Vec::<String>::new());

    let run = &doc["runs"][0];
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    assert_eq!(rules.len(), RULES.len());
    for (rule, expected) in rules.iter().zip(RULES) {
        assert_eq!(rule["id"], expected.id);
        assert!(rule["shortDescription"]["text"].as_str().unwrap().len() > 5);
        assert!(rule["fullDescription"]["text"].as_str().unwrap().len() > 20);
        assert!(
            rule["helpUri"]
                .as_str()
                .unwrap()
                .ends_with(&format!("/docs/validate.md#{}", expected.id))
        );
    }
    let results = run["results"].as_array().unwrap();
    let by_rule =
        |id: &str| -> Vec<&Value> { results.iter().filter(|r| r["ruleId"] == id).collect() };
    let uri = |r: &Value| r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].clone();
    let mismatches = by_rule("name-mismatch");
    let mismatch = mismatches
        .iter()
        .find(|r| uri(r) == "skills/pdf-tools/SKILL.md")
        .unwrap();
    assert_eq!(mismatch["level"], "error");
    let loc = &mismatch["locations"][0]["physicalLocation"];
    assert_eq!(loc["artifactLocation"]["uri"], "skills/pdf-tools/SKILL.md");
    assert_eq!(loc["artifactLocation"]["uriBaseId"], "%SRCROOT%");
    assert_eq!(loc["region"]["startLine"], 2);
    assert_eq!(loc["region"]["startColumn"], 7);
    assert_eq!(
        rules[mismatch["ruleIndex"].as_u64().unwrap() as usize]["id"],
        "name-mismatch"
    );
    assert_eq!(by_rule("registry-field").len(), 2);
    assert_eq!(by_rule("junk-file")[0]["level"], "warning");
    assert!(
        mismatches
            .iter()
            .any(|r| uri(r) == "skills/my%20skill/donn%C3%A9es/SKILL.md"),
        "{mismatches:?}"
    );
    // Every result has its own fingerprint.
    let mut prints: Vec<&str> = results
        .iter()
        .map(|r| {
            r["partialFingerprints"]["skillpackProblem/v1"]
                .as_str()
                .unwrap()
        })
        .collect();
    let n = prints.len();
    prints.sort_unstable();
    prints.dedup();
    assert_eq!(prints.len(), n);

    // The check is real: a log the schema forbids is caught.
    let mut broken = doc.clone();
    broken["runs"][0]["results"][0]["level"] = "fatal".into();
    broken["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] =
        "has space".into();
    assert_eq!(
        schema_errors(&broken).len(),
        2,
        "{:?}",
        schema_errors(&broken)
    );
}

#[test]
fn sarif_fingerprints_do_not_depend_on_the_line() {
    let tmp = TempDir::new().unwrap();
    let dir = write_skill(
        tmp.path(),
        "a",
        "name: b\ndescription: d\n",
        "See [x](gone.md).\n",
    );
    let prints = |doc: &Value| -> Vec<(String, u64, String)> {
        doc["runs"][0]["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                (
                    r["ruleId"].as_str().unwrap().to_string(),
                    r["locations"][0]["physicalLocation"]["region"]["startLine"]
                        .as_u64()
                        .unwrap(),
                    r["partialFingerprints"]["skillpackProblem/v1"]
                        .as_str()
                        .unwrap()
                        .to_string(),
                )
            })
            .collect()
    };
    let before = prints(&sarif(tmp.path(), &["a"]).1);
    std::fs::write(
        dir.join("SKILL.md"),
        "---\nlicense: MIT\nname: b\ndescription: d\n---\n\n\nSee [x](gone.md).\n",
    )
    .unwrap();
    let after = prints(&sarif(tmp.path(), &["a"]).1);
    assert_eq!(before.len(), 2);
    for ((rule, line, print), (rule2, line2, print2)) in before.iter().zip(&after) {
        assert_eq!(rule, rule2);
        assert_ne!(line, line2, "{rule} should have moved");
        assert_eq!(print, print2, "{rule} changed identity");
    }
}

#[test]
fn a_clean_run_says_how_many_skills_were_checked() {
    let tmp = TempDir::new().unwrap();
    for name in ["a", "b", "c"] {
        write_skill(tmp.path(), name, &valid(name), "");
    }
    for format in ["github", "human"] {
        let out = skillpack(tmp.path())
            .args(["validate", "--format", format])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{}", describe(&out));
        assert_eq!(text(&out.stdout), "", "{format}");
        let stderr = text(&out.stderr);
        assert_eq!(stderr.lines().count(), 1, "{format}: {stderr}");
        assert!(
            stderr.contains("Validated 3 skills: no problems (profile spec)"),
            "{format}: {stderr}"
        );
    }
    let (out, doc) = sarif(tmp.path(), &[]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(doc["runs"][0]["results"], serde_json::json!([]));
    assert_eq!(schema_errors(&doc), Vec::<String>::new());
}

#[test]
fn github_annotations_are_capped_per_severity_worst_first() {
    let tmp = TempDir::new().unwrap();
    for name in ["d", "c", "b", "a"] {
        // One error (an unknown field) and one warning (a broken link) each.
        write_skill(
            tmp.path(),
            name,
            &format!("{}author: x\n", valid(name)),
            "See [x](gone.md).\n",
        );
    }
    let out = skillpack(tmp.path())
        .args(["validate", "--format", "github", "--max-annotations", "2"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", describe(&out));
    let stdout = text(&out.stdout);
    let lines: Vec<&str> = stdout.lines().collect();
    let heads: Vec<&str> = lines.iter().map(|l| l.split(',').next().unwrap()).collect();
    assert_eq!(
        heads,
        [
            "::error file=a/SKILL.md",
            "::error file=b/SKILL.md",
            "::warning file=a/SKILL.md",
            "::warning file=b/SKILL.md",
            "skillpack: 4 more problems not annotated (2 errors and 2 warnings): at most 2 annotations per severity (--max-annotations); run `skillpack validate` to see them all",
        ]
    );
    // The default is 50 per severity: all eight here.
    let out = skillpack(tmp.path())
        .args(["validate", "--format", "github"])
        .output()
        .unwrap();
    assert_eq!(text(&out.stdout).lines().count(), 8);
}

#[test]
fn job_summary_is_appended_when_github_actions_asks_for_one() {
    let tmp = TempDir::new().unwrap();
    write_skill(tmp.path(), "skills/a", &valid("b"), "");
    write_skill(
        tmp.path(),
        "skills/c",
        "name: c\ndescription: d\n\"x`[y](https://evil.example)`z\": 1\n",
        "",
    );
    write_skill(tmp.path(), "skills/ok", &valid("ok"), "");
    let summary = tmp.child("summary.md");
    summary.write_str("earlier step\n").unwrap();
    let run = |format: &str| {
        skillpack(tmp.path())
            .args(["validate", "skills", "--format", format])
            .env("GITHUB_STEP_SUMMARY", summary.path())
            .env("GITHUB_SERVER_URL", "https://github.com")
            .env("GITHUB_REPOSITORY", "octo/skills")
            .env("GITHUB_SHA", "0123abc")
            .output()
            .unwrap()
    };
    let out = run("github");
    assert_eq!(out.status.code(), Some(1), "{}", describe(&out));
    let md = std::fs::read_to_string(summary.path()).unwrap();
    assert!(
        md.starts_with("earlier step\n## skillpack validate\n"),
        "{md}"
    );
    assert!(
        md.contains("❌ 2 errors and 0 warnings in 2 of 3 skills (profile `spec`)"),
        "{md}"
    );
    assert!(md.contains("| rule | errors | warnings |"), "{md}");
    assert!(
        md.contains("/docs/validate.md#name-mismatch) | 1 | 0 |"),
        "{md}"
    );
    assert!(md.contains("| `skills/a` | 1 | 0 |"), "{md}");
    assert!(
        md.contains("[`skills/a/SKILL.md:2:7`](https://github.com/octo/skills/blob/0123abc/skills/a/SKILL.md#L2) `name-mismatch`: "),
        "{md}"
    );
    // What a skill wrote cannot become a link, even when it closes the code span its
    // message quotes it in.
    assert!(!md.contains("](https://evil.example)"), "{md}");
    assert!(
        md.contains("\\[y\\]\\(https\\:\\/\\/evil\\.example\\)"),
        "{md}"
    );

    // SARIF runs write one too; the human format does not.
    run("sarif");
    let after_sarif = std::fs::read_to_string(summary.path()).unwrap();
    assert_eq!(after_sarif.matches("## skillpack validate").count(), 2);
    run("human");
    assert_eq!(
        std::fs::read_to_string(summary.path()).unwrap(),
        after_sarif
    );
}

// --- Only the skills a change touches ------------------------------------------------------

fn git(dir: &Path, args: &[&str]) {
    let out = std::process::Command::new("git")
        .args([
            "-c",
            "user.name=t",
            "-c",
            "user.email=t@example.com",
            "-c",
            "commit.gpgsign=false",
        ])
        .args(args)
        .current_dir(dir)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("HOME", dir)
        .output()
        .unwrap();
    assert!(out.status.success(), "git {args:?}: {}", describe(&out));
}

/// A repository whose `main` has skills a, b, c, d and a README; on the branch `work`,
/// b is changed and committed, d deleted, c has an untracked file, and the README changed.
fn repository() -> TempDir {
    let tmp = TempDir::new().unwrap();
    let root = tmp.path();
    git(root, &["init", "-q", "-b", "main"]);
    for name in ["a", "b", "c", "d"] {
        write_skill(root, &format!("skills/{name}"), &valid(name), "");
    }
    std::fs::write(root.join("README.md"), "# skills\n").unwrap();
    git(root, &["add", "-A"]);
    git(root, &["commit", "-q", "-m", "skills"]);
    git(root, &["checkout", "-q", "-b", "work"]);
    write_skill(root, "skills/b", "name: wrong\ndescription: d\n", "");
    std::fs::remove_dir_all(root.join("skills/d")).unwrap();
    git(root, &["commit", "-q", "-am", "change b, drop d"]);
    std::fs::create_dir_all(root.join("skills/c/references")).unwrap();
    std::fs::write(root.join("skills/c/references/new.md"), "new\n").unwrap();
    std::fs::write(root.join("README.md"), "# skills, changed\n").unwrap();
    tmp
}

fn checked(out: &Output) -> Vec<String> {
    let doc: Value =
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", describe(out)));
    doc["skills"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["path"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn changed_since_checks_only_the_skills_a_branch_touches() {
    let repo = repository();
    let out = skillpack(repo.path())
        .args([
            "validate",
            "skills",
            "--changed-since",
            "main",
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", describe(&out));
    assert_eq!(checked(&out), ["skills/b", "skills/c"]);

    // From a subfolder, paths are still the repository's.
    let out = skillpack(&repo.path().join("skills"))
        .args(["validate", "--changed-since", "main", "--format", "json"])
        .output()
        .unwrap();
    assert_eq!(checked(&out), ["b", "c"], "{}", describe(&out));

    // Nothing changed since the branch's own head: nothing to check, and that is fine.
    git(repo.path(), &["add", "-A"]);
    git(repo.path(), &["commit", "-q", "-m", "c"]);
    let out = skillpack(repo.path())
        .args(["validate", "--changed-since", "HEAD"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", describe(&out));
    assert!(
        text(&out.stderr).contains(
            "Selected 0 of 3 skills: those holding one of the 0 files changed since HEAD"
        ),
        "{}",
        describe(&out)
    );
}

#[test]
fn changed_since_needs_a_repository_and_a_known_revision() {
    let repo = repository();
    let out = skillpack(repo.path())
        .args(["validate", "--changed-since", "no-such-branch"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", describe(&out));
    assert!(text(&out.stderr).contains("`no-such-branch` is not a revision of this repository"));
    assert!(text(&out.stderr).contains("fetch-depth: 0"));
    let out = skillpack(repo.path())
        .args(["validate", "--changed-since", "--output=x"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", describe(&out));

    let plain = TempDir::new().unwrap();
    write_skill(plain.path(), "a", &valid("a"), "");
    let out = skillpack(plain.path())
        .env("GIT_CEILING_DIRECTORIES", plain.path().parent().unwrap())
        .args(["validate", "--changed-since", "main"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", describe(&out));
    assert!(text(&out.stderr).contains("is not inside a git repository"));
}

#[test]
fn stdin_paths_select_the_skills_holding_them() {
    let tmp = TempDir::new().unwrap();
    for name in ["a", "b", "c"] {
        write_skill(tmp.path(), name, &valid(name), "");
    }
    let out = skillpack(tmp.path())
        .args(["validate", "--stdin-paths", "--format", "json"])
        .write_stdin("c/SKILL.md\nREADME.md\n\na/references/gone.md\r\n")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", describe(&out));
    assert_eq!(checked(&out), ["a", "c"]);
}

// --- --fix -------------------------------------------------------------------------------

#[test]
fn fix_moves_registry_fields_keeping_their_values_and_prints_a_diff() {
    let tmp = TempDir::new().unwrap();
    let dir = write_skill(
        tmp.path(),
        "s",
        "name: s\ndescription: d\nversion: 1.0\nmaintainers: [{github: x}]\nmetadata:\n  beta: true\n",
        "# Body\n",
    );
    let out = skillpack(tmp.path())
        .args(["validate", "s", "--fix"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", describe(&out));
    let fixed = "---\nname: s\ndescription: d\nmetadata:\n  beta: \"true\"\n  version: \"1.0\"\n  maintainers: \"[{\\\"github\\\":\\\"x\\\"}]\"\n---\n# Body\n";
    assert_eq!(
        std::fs::read_to_string(dir.join("SKILL.md")).unwrap(),
        fixed
    );
    assert_eq!(
        text(&out.stdout),
        "--- a/s/SKILL.md\n+++ b/s/SKILL.md\n@@ -1,9 +1,9 @@\n ---\n name: s\n description: d\n\
         -version: 1.0\n-maintainers: [{github: x}]\n metadata:\n-  beta: true\n+  beta: \"true\"\n\
         +  version: \"1.0\"\n+  maintainers: \"[{\\\"github\\\":\\\"x\\\"}]\"\n ---\n # Body\n"
    );
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("Fixed 3 problems in 1 file (1 skill read)"),
        "{stderr}"
    );
    assert!(
        stderr.contains("Validated 1 skill: no problems"),
        "{stderr}"
    );
    // A second run has nothing left to do.
    let again = skillpack(tmp.path())
        .args(["validate", "s", "--fix"])
        .output()
        .unwrap();
    assert_eq!(text(&again.stdout), "");
    assert!(text(&again.stderr).contains("Fixed nothing"));
}

#[test]
fn fix_never_rewrites_a_file_it_cannot_parse() {
    let tmp = TempDir::new().unwrap();
    // An unterminated quote: quoting the line would not say what was meant.
    let bad = "name: s\ndescription: \"Use it when: asked\nversion: 1.0\n";
    let dir = write_skill(tmp.path(), "s", bad, "");
    let before = std::fs::read(dir.join("SKILL.md")).unwrap();
    let out = skillpack(tmp.path())
        .args(["validate", "s", "--fix"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", describe(&out));
    assert_eq!(std::fs::read(dir.join("SKILL.md")).unwrap(), before);
    assert_eq!(text(&out.stdout), "");
    assert!(
        text(&out.stderr).contains("s/SKILL.md` was not changed: the frontmatter does not parse"),
        "{}",
        describe(&out)
    );
    assert!(text(&out.stderr).contains("error[yaml-syntax]"));
    let names: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names, ["SKILL.md"], "no temporary file left");
}

/// The commonest quoting fault, an unquoted `: ` in a value, is what `validate` says to
/// quote, and `--fix` quotes it.
#[test]
fn fix_quotes_a_value_holding_a_colon_and_a_space() {
    let tmp = TempDir::new().unwrap();
    let dir = write_skill(
        tmp.path(),
        "s",
        "name: s\ndescription: Use it when: the user asks\nlicense: MIT\n",
        "",
    );
    let out = skillpack(tmp.path())
        .args(["validate", "s"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", describe(&out));
    assert!(
        text(&out.stderr).contains("quote the value"),
        "{}",
        describe(&out)
    );

    let out = skillpack(tmp.path())
        .args(["validate", "s", "--fix"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", describe(&out));
    assert_eq!(
        std::fs::read_to_string(dir.join("SKILL.md")).unwrap(),
        "---\nname: s\ndescription: \"Use it when: the user asks\"\nlicense: MIT\n---\n"
    );
    assert_eq!(
        text(&out.stdout),
        "--- a/s/SKILL.md\n+++ b/s/SKILL.md\n@@ -1,5 +1,5 @@\n ---\n name: s\n\
         -description: Use it when: the user asks\n+description: \"Use it when: the user asks\"\n\
         \x20license: MIT\n ---\n"
    );
    let stderr = text(&out.stderr);
    assert!(stderr.contains("Fixed 1 problem in 1 file"), "{stderr}");
    assert!(
        stderr.contains("Validated 1 skill: no problems"),
        "{stderr}"
    );
}

/// A registry field `metadata` already holds: the message says to merge by hand, as
/// `--fix`, which leaves it, does.
#[test]
fn a_registry_field_metadata_already_has_is_to_be_merged_by_hand() {
    let tmp = TempDir::new().unwrap();
    let dir = write_skill(
        tmp.path(),
        "s",
        "name: s\ndescription: d\nmetadata: {version: \"1\"}\nversion: 2\n",
        "",
    );
    let before = std::fs::read(dir.join("SKILL.md")).unwrap();
    let out = skillpack(tmp.path())
        .args(["validate", "s"])
        .output()
        .unwrap();
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("`version` is not a specification field, and `metadata` already has a `version`; merge the two into the one under `metadata` by hand"),
        "{stderr}"
    );
    assert!(!stderr.contains("move it under `metadata`"), "{stderr}");
    let out = skillpack(tmp.path())
        .args(["validate", "s", "--fix"])
        .output()
        .unwrap();
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains(
            "not fixed [registry-field]: `metadata` already has `version`; merge the two by hand"
        ),
        "{stderr}"
    );
    assert!(stderr.contains("Fixed nothing"), "{stderr}");
    assert_eq!(std::fs::read(dir.join("SKILL.md")).unwrap(), before);
}

#[cfg(unix)]
#[test]
fn fix_keeps_the_file_mode() {
    use std::os::unix::fs::PermissionsExt;
    let tmp = TempDir::new().unwrap();
    let dir = write_skill(tmp.path(), "s", "name: s\ndescription: 42\n", "");
    let md = dir.join("SKILL.md");
    std::fs::set_permissions(&md, std::fs::Permissions::from_mode(0o640)).unwrap();
    skillpack(tmp.path())
        .args(["validate", "s", "--fix"])
        .assert()
        .success();
    assert_eq!(
        std::fs::read_to_string(&md).unwrap(),
        "---\nname: s\ndescription: \"42\"\n---\n"
    );
    assert_eq!(
        std::fs::metadata(&md).unwrap().permissions().mode() & 0o777,
        0o640
    );
}

#[test]
fn fix_needs_the_human_format() {
    let tmp = TempDir::new().unwrap();
    write_skill(tmp.path(), "s", &valid("s"), "");
    let out = skillpack(tmp.path())
        .args(["validate", "s", "--fix", "--format", "sarif"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", describe(&out));
}

#[cfg(unix)]
#[test]
fn sarif_and_summary_locations_name_the_very_file_from_the_checkout_root() {
    use std::ffi::OsStr;
    use std::os::unix::ffi::OsStrExt;
    let tmp = TempDir::new().unwrap();
    // Names a link cannot hold as they are: a backslash, a tab, a byte that is not UTF-8.
    let odd = [
        b"skills/tab\\there".to_vec(),
        b"skills/back\\\\slash".to_vec(),
        b"skills/t\tab".to_vec(),
        b"skills/lat\xe9".to_vec(),
    ];
    for raw in &odd {
        let dir = tmp.path().join(OsStr::from_bytes(raw));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("SKILL.md"), "---\nname: x\ndescription: d\n---\n").unwrap();
    }
    let summary = tmp.child("summary.md");
    // Run from a folder of the checkout, as a workflow step with a working-directory does.
    let out = skillpack(&tmp.path().join("skills"))
        .args(["validate", ".", "--format", "sarif"])
        .env("GITHUB_WORKSPACE", tmp.path())
        .env("GITHUB_STEP_SUMMARY", summary.path())
        .env("GITHUB_SERVER_URL", "https://github.com")
        .env("GITHUB_REPOSITORY", "octo/skills")
        .env("GITHUB_SHA", "0123abc")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", describe(&out));
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    let mut uris: Vec<String> = doc["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            let loc = &r["locations"][0]["physicalLocation"]["artifactLocation"];
            assert_eq!(loc["uriBaseId"], "%SRCROOT%");
            loc["uri"].as_str().unwrap().to_string()
        })
        .collect();
    uris.sort();
    uris.dedup();
    assert_eq!(
        uris,
        [
            "skills/back%5C%5Cslash/SKILL.md",
            "skills/lat%E9/SKILL.md",
            "skills/t%09ab/SKILL.md",
            "skills/tab%5Cthere/SKILL.md",
        ]
    );
    // Each one decodes, byte for byte, to a file that exists.
    for uri in &uris {
        let bytes: Vec<u8> = percent_encoding::percent_decode_str(uri).collect();
        assert!(
            tmp.path().join(OsStr::from_bytes(&bytes)).is_file(),
            "{uri} names no file"
        );
    }
    let md = std::fs::read_to_string(summary.path()).unwrap();
    assert!(
        md.contains("(https://github.com/octo/skills/blob/0123abc/skills/lat%E9/SKILL.md#L2)"),
        "{md}"
    );
}

#[test]
fn github_annotations_name_files_from_the_checkout_root_when_run_from_a_subfolder() {
    let tmp = TempDir::new().unwrap();
    let dir = tmp.path().join("skills/bad-one");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("SKILL.md"),
        "---\nname: other\ndescription: d\n---\n",
    )
    .unwrap();
    for arg in [".".to_string(), dir.display().to_string()] {
        let out = skillpack(&tmp.path().join("skills"))
            .args(["validate", &arg, "--format", "github"])
            .env("GITHUB_WORKSPACE", tmp.path())
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1), "{}", describe(&out));
        let stdout = String::from_utf8_lossy(&out.stdout);
        let line = stdout
            .lines()
            .find(|l| l.starts_with("::error "))
            .unwrap_or_else(|| panic!("no annotation: {stdout}"));
        assert!(
            line.starts_with("::error file=skills/bad-one/SKILL.md,"),
            "{arg}: {line}"
        );
    }
}

#[test]
fn fix_says_why_keys_beside_a_complex_key_are_left_where_they_are() {
    let tmp = TempDir::new().unwrap();
    let dir = write_skill(
        tmp.path(),
        "q",
        "name: q\ndescription: d\n\"quoted key\": 1\n? complex\n: val\n",
        "",
    );
    let before = std::fs::read(dir.join("SKILL.md")).unwrap();
    let out = skillpack(tmp.path())
        .args(["validate", "q", "--fix"])
        .output()
        .unwrap();
    let stderr = text(&out.stderr);
    assert!(stderr.contains("cannot be moved line by line"), "{stderr}");
    assert!(!stderr.contains("written as one flow mapping"), "{stderr}");
    assert_eq!(std::fs::read(dir.join("SKILL.md")).unwrap(), before);
}

/// Off Windows a `\` is part of a file name, not a separator: the diff names the folder as
/// it is.
#[cfg(unix)]
#[test]
fn fix_names_a_folder_holding_a_backslash_as_it_is() {
    let tmp = TempDir::new().unwrap();
    write_skill(
        tmp.path(),
        "back\\slash",
        "name: s\ndescription: d\nversion: 1.0\n",
        "",
    );
    let out = skillpack(tmp.path())
        .args(["validate", "back\\slash", "--fix"])
        .output()
        .unwrap();
    let diff = text(&out.stdout);
    assert!(
        diff.starts_with("--- a/back\\slash/SKILL.md\n+++ b/back\\slash/SKILL.md\n"),
        "{diff}"
    );
}

/// A comment after a value that stops the YAML stays a comment: the quotes close before
/// ` #`, and the value reads back as it did, without the comment.
#[test]
fn fix_quotes_a_value_up_to_its_comment() {
    let tmp = TempDir::new().unwrap();
    let dir = write_skill(
        tmp.path(),
        "s",
        "name: s\ndescription: Use when: asked # a note\nlicense: MIT #why\n",
        "Body.\n",
    );
    let out = skillpack(tmp.path())
        .args(["validate", "s", "--fix"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let fixed = std::fs::read_to_string(dir.join("SKILL.md")).unwrap();
    assert_eq!(
        fixed,
        "---\nname: s\ndescription: \"Use when: asked\" # a note\nlicense: MIT #why\n---\nBody.\n"
    );
    let out = skillpack(tmp.path())
        .args(["validate", "s"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    // The value as read from the fixed file: what the line said before the comment.
    let home = tmp.path().join("home");
    let out = skillpack(tmp.path())
        .env("HOME", &home)
        .env("XDG_CACHE_HOME", home.join(".cache"))
        .args(["install", "--list", "./s", "--json"])
        .output()
        .unwrap();
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        doc["sources"][0]["skills"][0]["description"], "Use when: asked",
        "{doc}"
    );
}
