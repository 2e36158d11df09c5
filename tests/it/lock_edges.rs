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

#[test]
fn a_dry_run_reports_a_damaged_lock_as_the_real_run_does_with_where_it_is_damaged() {
    let p = GitProject::new();
    write_skill(&p.dir.join("tools/demo"), "demo", "1.0.0");
    fs::write(
        p.dir.join("skillpack.lock"),
        "version = 1\n\n[[skill]]\nname =\n",
    )
    .unwrap();
    let install = [
        "install",
        "--scope",
        "project",
        "./tools/demo",
        "--no-companions",
    ];
    let real = run(&p, &install);
    let dry = run(&p, &[&install[..], &["--dry-run"]].concat());
    for o in [&real, &dry] {
        assert_eq!(o.status.code(), Some(1), "{}", text(o));
        assert!(
            text(o).contains("is damaged: line 4, column 7"),
            "{}",
            text(o)
        );
        assert!(!text(o).contains("Up to date"), "{}", text(o));
    }
    assert!(!p.dir.join(".claude/skills/demo").exists());
}

/// The command between the backticks after `before` in `out`.
fn hinted<'o>(out: &'o str, before: &str) -> &'o str {
    let at = out
        .find(before)
        .unwrap_or_else(|| panic!("no {before}: {out}"))
        + before.len();
    let rest = &out[at..];
    let start = rest.find('`').unwrap() + 1;
    let end = start + rest[start..].find('`').unwrap();
    &rest[start..end]
}

#[test]
fn sync_check_of_a_named_lock_hints_at_syncing_that_lock() {
    let p = GitProject::new();
    write_skill(&p.dir.join("tools/demo"), "demo", "1.0.0");
    ok(
        &p,
        &[
            "install",
            "--scope",
            "user",
            "--agent",
            "claude-code",
            "./tools/demo",
            "--no-companions",
        ],
    );
    let out = p
        .cmd_in(&p.dir)
        .args(["lock", "export", "--scope", "user"])
        .output()
        .unwrap();
    fs::write(p.dir.join("my skills.lock"), &out.stdout).unwrap();
    let copy = p.h.home.path().join(".claude/skills/demo");
    fs::write(copy.join("extra.txt"), "mine\n").unwrap();
    for format in ["human", "github"] {
        let o = run(
            &p,
            &[
                "sync",
                "--check",
                "--lock",
                "my skills.lock",
                "--format",
                format,
            ],
        );
        assert_eq!(o.status.code(), Some(1), "{}", text(&o));
        let out = text(&o);
        assert_eq!(
            hinted(&out, "difference(s) from"),
            "skillpack sync --lock 'my skills.lock' --force",
            "{out}"
        );
    }
    let o = run(&p, &["sync", "--check", "--lock", "my skills.lock"]);
    let cmd = net::shell_words(hinted(&text(&o), "difference(s) from"));
    ok(&p, &cmd[1..].iter().map(String::as_str).collect::<Vec<_>>());
    assert!(!copy.join("extra.txt").exists());
    ok(&p, &["sync", "--check", "--lock", "my skills.lock"]);
}

#[test]
fn sync_lock_says_what_the_named_file_should_be() {
    let p = GitProject::new();
    let o = run(&p, &["sync", "--lock", "gone.lock"]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(
        text(&o).contains("`skillpack lock export --scope user > gone.lock`"),
        "{}",
        text(&o)
    );
    assert!(!text(&o).contains("--scope project"), "{}", text(&o));
    let o = run(&p, &["sync", "--lock", "-"]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(text(&o).contains("pass a regular file"), "{}", text(&o));
    assert!(!text(&o).contains("there is no"), "{}", text(&o));
    #[cfg(unix)]
    {
        let made = std::process::Command::new("mkfifo")
            .arg(p.dir.join("pipe.lock"))
            .status()
            .unwrap();
        assert!(made.success());
        let o = run(&p, &["sync", "--lock", "pipe.lock"]);
        assert_eq!(o.status.code(), Some(1), "{}", text(&o));
        assert!(text(&o).contains("pass a regular file"), "{}", text(&o));
        assert!(!text(&o).contains("git checkout"), "{}", text(&o));
        // The project's own lock as a link: called a link, not damaged.
        fs::write(p.h.home.path().join("elsewhere.lock"), "version = 1\n").unwrap();
        std::os::unix::fs::symlink(
            p.h.home.path().join("elsewhere.lock"),
            p.dir.join("skillpack.lock"),
        )
        .unwrap();
        let o = run(&p, &["sync"]);
        assert_eq!(o.status.code(), Some(1), "{}", text(&o));
        assert!(text(&o).contains("is a symbolic link"), "{}", text(&o));
        assert!(!text(&o).contains("damaged"), "{}", text(&o));
        assert!(!text(&o).contains("git checkout"), "{}", text(&o));
    }
}

#[test]
fn a_skill_resolved_through_an_index_is_locked_with_that_index_and_synced_from_it() {
    let p = GitProject::new();
    let entry = net::index_entry("remote", "1.0.0", "remote-1.0.0.zip");
    p.srv.route(
        "/index.json",
        vec![net::Reply::Body(net::index(vec![entry]))],
    );
    p.srv.route(
        "/remote-1.0.0.zip",
        vec![net::Reply::Body(net::skill_zip("remote", "1.0.0"))],
    );
    let url = p.srv.url("/index.json");
    ok(
        &p,
        &[
            "install",
            "--scope",
            "project",
            "remote",
            "--index",
            &url,
            "--no-companions",
        ],
    );
    let lock = fs::read_to_string(p.dir.join("skillpack.lock")).unwrap();
    assert!(
        lock.contains(&format!("source = \"index:{url}\"")),
        "{lock}"
    );
    // A teammate's clone: no copy, no cache, no --index.
    fs::remove_dir_all(p.dir.join(".claude")).unwrap();
    fs::remove_dir_all(p.h.cache.path()).unwrap();
    fs::create_dir(p.h.cache.path()).unwrap();
    let before = p.srv.hits("/remote-1.0.0.zip");
    ok(&p, &["sync"]);
    assert!(p.dir.join(".claude/skills/remote/SKILL.md").is_file());
    assert_eq!(p.srv.hits("/remote-1.0.0.zip"), before + 1);
    ok(&p, &["sync", "--check"]);
}
