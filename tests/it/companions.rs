//! `skillpack companions` and the companion step after `install`, through the real binary.

use std::fs;
use std::path::{Path, PathBuf};

use assert_cmd::Command;
use predicates::prelude::*;
use tempfile::TempDir;

const COMPANIONS: [&str; 4] = [
    "customer-success-playbook",
    "crm-management",
    "sales-playbook",
    "partnership-strategy",
];

struct Sandbox {
    tmp: TempDir,
}

impl Sandbox {
    fn new() -> Sandbox {
        let sb = Sandbox {
            tmp: TempDir::new().unwrap(),
        };
        fs::create_dir_all(sb.project().join(".git")).unwrap();
        fs::create_dir_all(sb.home()).unwrap();
        sb
    }

    fn home(&self) -> PathBuf {
        self.tmp.path().join("home")
    }

    fn project(&self) -> PathBuf {
        self.tmp.path().join("project")
    }

    fn cmd(&self) -> Command {
        let cache = self.tmp.path().join("cache");
        Command::from_std(crate::net::skillpack(&self.home(), &cache, &self.project()))
    }

    /// A hand-made skill folder `root/name` recommending `recommends` (top-level list form).
    fn skill(&self, root: &Path, name: &str, recommends: &[&str]) {
        let dir = root.join(name);
        fs::create_dir_all(&dir).unwrap();
        let mut md = format!("---\nname: {name}\ndescription: test skill {name}\nversion: 1.2.3\n");
        if !recommends.is_empty() {
            md.push_str("recommended_skills:\n");
            for r in recommends {
                md.push_str(&format!("  - {r}\n"));
            }
        }
        md.push_str("---\n# body\n");
        fs::write(dir.join("SKILL.md"), md).unwrap();
    }

    fn json(&self, args: &[&str]) -> serde_json::Value {
        let out = self
            .cmd()
            .args(args)
            .arg("--json")
            .assert()
            .success()
            .get_output()
            .stdout
            .clone();
        serde_json::from_slice(&out).unwrap()
    }
}

fn status_of(v: &serde_json::Value, name: &str) -> String {
    v["companions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == name)
        .unwrap()["status"]
        .as_str()
        .unwrap()
        .to_string()
}

#[test]
fn all_four_are_missing_on_a_fresh_machine() {
    let sb = Sandbox::new();
    let v = sb.json(&["companions"]);
    assert_eq!(v["skill"], "account-management");
    let names: Vec<&str> = v["companions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, COMPANIONS);
    for c in COMPANIONS {
        assert_eq!(status_of(&v, c), "missing");
    }
    sb.cmd()
        .arg("companions")
        .assert()
        .success()
        .stdout(predicate::str::contains("crm-management             missing"))
        .stderr(predicate::str::contains(
            "skillpack install customer-success-playbook crm-management sales-playbook partnership-strategy",
        ));
}

#[test]
fn reports_user_project_and_invisible_copies() {
    let sb = Sandbox::new();
    sb.cmd().arg("install").assert().success();
    sb.skill(&sb.home().join(".claude/skills"), "crm-management", &[]);
    sb.skill(&sb.project().join(".claude/skills"), "sales-playbook", &[]);
    sb.skill(
        &sb.home().join(".agents/skills"),
        "partnership-strategy",
        &[],
    );
    let v = sb.json(&["companions"]);
    assert_eq!(status_of(&v, "crm-management"), "installed");
    assert_eq!(status_of(&v, "sales-playbook"), "installed");
    assert_eq!(status_of(&v, "partnership-strategy"), "not-visible");
    assert_eq!(status_of(&v, "customer-success-playbook"), "missing");
    let crm = v["companions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "crm-management")
        .unwrap();
    assert_eq!(crm["locations"][0]["scope"], "user");
    assert_eq!(crm["locations"][0]["version"], "1.2.3");
    sb.cmd()
        .arg("companions")
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "found in ~/.agents/skills, which Claude Code does not read",
        ))
        .stdout(predicate::str::is_match(r"sales-playbook\s+installed\s+project").unwrap());
    // From Codex's point of view the ~/.agents/skills copy is the visible one.
    let codex = sb.json(&["companions", "--agent", "codex"]);
    assert_eq!(status_of(&codex, "partnership-strategy"), "installed");
    assert_eq!(status_of(&codex, "crm-management"), "not-visible");
}

#[test]
fn project_scope_is_searched_up_to_the_repository_root() {
    let sb = Sandbox::new();
    sb.skill(&sb.project().join(".claude/skills"), "crm-management", &[]);
    let nested = sb.project().join("a/b");
    fs::create_dir_all(&nested).unwrap();
    let out = sb
        .cmd()
        .current_dir(&nested)
        .args(["companions", "--json"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(status_of(&v, "crm-management"), "installed");
}

#[test]
fn plugin_skills_count_as_installed_for_claude_code() {
    let sb = Sandbox::new();
    sb.skill(
        &sb.home()
            .join(".claude/plugins/cache/market/sales/1.0/skills"),
        "sales-playbook",
        &[],
    );
    let v = sb.json(&["companions"]);
    assert_eq!(status_of(&v, "sales-playbook"), "installed");
    let sp = v["companions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "sales-playbook")
        .unwrap();
    assert_eq!(sp["locations"][0]["scope"], "plugin");
}

#[test]
fn cycles_are_resolved_once_each() {
    let sb = Sandbox::new();
    let root = sb.home().join(".claude/skills");
    sb.skill(&root, "alpha", &["beta", "gamma"]);
    sb.skill(&root, "beta", &["alpha", "gamma", "delta"]);
    sb.skill(&root, "gamma", &["beta"]);
    let one = sb.json(&["companions", "alpha"]);
    let names: Vec<&str> = one["companions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["beta", "gamma"]);
    let deep = sb.json(&["companions", "alpha", "--depth", "5"]);
    let names: Vec<(&str, &str)> = deep["companions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["of"].as_str().unwrap(), c["name"].as_str().unwrap()))
        .collect();
    assert_eq!(
        names,
        [("alpha", "beta"), ("alpha", "gamma"), ("beta", "delta")]
    );
}

#[test]
fn an_unknown_skill_is_a_clear_error() {
    let sb = Sandbox::new();
    sb.cmd()
        .args(["companions", "nobody-knows"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "`nobody-knows` is not installed where Claude Code reads skills",
        ));
}

/// An index on a host that does not resolve: the catalog answers instead, the run says so
/// once however many companions it looked up, and gives up on the host at once.
#[test]
fn an_unresolvable_index_is_warned_about_once() {
    let sb = Sandbox::new();
    sb.cmd().arg("install").assert().success();
    let start = std::time::Instant::now();
    let out = sb
        .cmd()
        .arg("companions")
        .env(
            "SKILLPACK_INDEX",
            "https://index.skillpack.invalid/index.json",
        )
        .assert()
        .success()
        .get_output()
        .clone();
    let elapsed = start.elapsed();
    let err = String::from_utf8_lossy(&out.stderr);
    let warnings = err
        .lines()
        .filter(|l| l.starts_with("warning:") && l.contains("index.skillpack.invalid"))
        .count();
    assert_eq!(warnings, 1, "{err}");
    let table = String::from_utf8_lossy(&out.stdout);
    for name in COMPANIONS {
        assert!(table.contains(name), "{table}");
    }
    // A sanity bound, not a benchmark: no waiting out retries on a name that cannot resolve.
    assert!(elapsed < std::time::Duration::from_secs(5), "{elapsed:?}");
}

#[test]
fn the_companion_step_counts_in_words_that_agree_with_the_number() {
    let sb = Sandbox::new();
    let src = sb.tmp.path().join("src");
    sb.skill(&src, "lead", &["helper"]);
    sb.skill(&src, "helper", &[]);
    sb.skill(&src, "pair", &["helper", "crm-management"]);
    let root = sb.tmp.path().join("root");
    let install = |name: &str| {
        let out = sb
            .cmd()
            .args(["install", "--dir"])
            .arg(&root)
            .arg(src.join(name))
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stderr).into_owned()
    };
    install("helper");
    let one = install("lead");
    assert!(one.contains("the companion of lead is installed"), "{one}");
    let two = install("pair");
    // With --dir, the folder named is where they are not: not an agent's.
    assert!(
        two.contains(&format!(
            "1 of 2 companions of pair is not available in {}",
            root.display()
        )),
        "{two}"
    );
}

/// The `install` command of companion `name` in a `--json` list, split as a shell would;
/// `None` when it is null.
fn json_install(list: &serde_json::Value, name: &str) -> Option<Vec<String>> {
    let c = list
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == name)
        .unwrap_or_else(|| panic!("no {name} in {list}"));
    c["install"].as_str().map(|s| shlex::split(s).unwrap())
}

#[test]
fn json_install_commands_are_the_ones_the_table_prints_and_work() {
    let sb = Sandbox::new();
    // A repository holding alpha (recommending beta, in the same repository, and ghost,
    // found nowhere) and beta.
    let repo = sb.tmp.path().join("upstream");
    sb.skill(&repo.join("skills"), "alpha", &["beta", "ghost"]);
    sb.skill(&repo.join("skills"), "beta", &[]);
    crate::net::git(&repo, &["init", "-q", "-b", "main"]);
    crate::net::git(&repo, &["add", "-A"]);
    crate::net::git(&repo, &["commit", "-q", "-m", "skills"]);
    let url = format!("file://{}", repo.display());
    let h4 = sb.tmp.path().join("h4");
    let h4s = h4.to_str().unwrap();
    let installed = sb.json(&["install", &url, "--skill", "alpha", "--dir", h4s]);
    let beta = json_install(&installed["companions"], "beta").expect("a command for beta");
    assert!(beta.contains(&"--dir".to_string()), "{beta:?}");
    assert_eq!(json_install(&installed["companions"], "ghost"), None);

    let v = sb.json(&["companions", "alpha", "--dir", h4s]);
    let list = &v["companions"];
    let ghost = list
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "ghost");
    let searched = ghost.unwrap()["searched"].as_array().expect("searched");
    assert!(!searched.is_empty(), "{v}");
    assert_eq!(json_install(list, "ghost"), None);
    let cmd = json_install(list, "beta").expect("a command for beta");
    assert_eq!(cmd, beta);
    let text = sb
        .cmd()
        .args(["companions", "alpha", "--dir", h4s])
        .output()
        .unwrap();
    let shown = String::from_utf8_lossy(&text.stdout).into_owned();
    assert!(shown.contains(&cmd[2]), "{shown}");
    sb.cmd().args(&cmd[1..]).assert().success();
    assert!(h4.join("beta/SKILL.md").is_file());
    let v = sb.json(&["companions", "alpha", "--dir", h4s]);
    assert_eq!(status_of(&v, "beta"), "installed");
}
