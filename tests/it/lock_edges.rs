//! The project lock at its edges: runs at the same time, damaged, linked or special lock
//! files, `--lock FILE` in every hint, and sources the lock must name in full.

use std::fs;
use std::path::Path;
use std::process::Output;

use crate::net::{self, GitProject};

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn write_skill(dir: &Path, name: &str, version: &str) {
    for (p, d) in net::skill_files(name, version) {
        let f = dir.join(p);
        fs::create_dir_all(f.parent().unwrap()).unwrap();
        fs::write(f, d).unwrap();
    }
}

fn run(p: &GitProject, args: &[&str]) -> Output {
    p.cmd_in(&p.dir).args(args).output().unwrap()
}

fn ok(p: &GitProject, args: &[&str]) -> String {
    let o = run(p, args);
    assert!(o.status.success(), "{args:?}: {}", text(&o));
    text(&o)
}

/// The names `skillpack.lock` lists.
fn locked_names(p: &GitProject) -> Vec<String> {
    let lock = fs::read_to_string(p.dir.join("skillpack.lock")).unwrap_or_default();
    let table: toml::Table = toml::from_str(&lock).unwrap();
    let mut names: Vec<String> = table
        .get("skill")
        .and_then(|s| s.as_array())
        .map(|a| {
            a.iter()
                .map(|s| s["name"].as_str().unwrap().to_string())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

#[test]
fn installs_at_the_same_time_for_different_agents_all_reach_the_lock() {
    for _ in 0..3 {
        let p = GitProject::new();
        let mut want = Vec::new();
        for i in 0..10 {
            write_skill(
                &p.dir.join(format!("tools/c{i}")),
                &format!("c{i}"),
                "1.0.0",
            );
            want.push(format!("c{i}"));
        }
        want.sort();
        let children: Vec<_> = (0..10)
            .map(|i| {
                let agent = if i % 2 == 0 { "claude-code" } else { "codex" };
                p.cmd_in(&p.dir)
                    .args(["install", "-q", "--scope", "project", "--agent", agent])
                    .arg(format!("./tools/c{i}"))
                    .arg("--no-companions")
                    .stdout(std::process::Stdio::piped())
                    .stderr(std::process::Stdio::piped())
                    .spawn()
                    .unwrap()
            })
            .collect();
        for c in children {
            let o = c.wait_with_output().unwrap();
            assert!(o.status.success(), "{}", text(&o));
        }
        assert_eq!(locked_names(&p), want);
        ok(&p, &["sync", "--check"]);
        // Nothing of the turns is left in the project.
        let mut top: Vec<String> = fs::read_dir(&p.dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        top.sort();
        assert_eq!(
            top,
            [".agents", ".claude", ".git", "skillpack.lock", "tools"]
        );
    }
}
