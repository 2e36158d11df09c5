//! The project lock at its edges: runs at the same time, damaged, linked or special lock
//! files, `--lock FILE` in every hint, and sources the lock must name in full.

use std::fs;
use std::path::Path;
use std::process::Output;

use crate::net::computed_hash;
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
        let o = run(&p, &["sync", "--json"]);
        let doc: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        assert_eq!(doc["error"]["kind"], "lock-not-regular", "{doc}");
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

fn write_skills_lock(p: &GitProject, skills: serde_json::Value) {
    let lock = serde_json::json!({"version": 1, "skills": skills});
    fs::write(
        p.dir.join("skills-lock.json"),
        serde_json::to_vec_pretty(&lock).unwrap(),
    )
    .unwrap();
}

#[cfg(unix)]
#[test]
fn an_import_replaces_the_skills_cli_link_to_its_own_copy_only_with_force() {
    let p = GitProject::new();
    net::serve_acme_skills(
        &p.srv,
        &["main"],
        "1111111111111111111111111111111111111111",
    );
    write_skills_lock(
        &p,
        serde_json::json!({"alpha": {"source": "acme/skills", "sourceType": "github",
            "ref": "main", "skillPath": "skills/alpha/SKILL.md",
            "computedHash": computed_hash("alpha")}}),
    );
    // The `skills` CLI's layout: one copy, a link to it in Claude Code's folder.
    write_skill(&p.dir.join(".agents/skills/alpha"), "alpha", "1.0.0");
    fs::create_dir_all(p.dir.join(".claude/skills")).unwrap();
    let link = p.dir.join(".claude/skills/alpha");
    std::os::unix::fs::symlink("../../.agents/skills/alpha", &link).unwrap();

    let o = run(&p, &["sync", "--from", "skills-lock.json"]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let out = text(&o);
    assert!(out.contains("the `skills` CLI's layout"), "{out}");
    assert!(
        out.contains("`skillpack sync --from skills-lock.json --force` replaces the link"),
        "{out}"
    );
    assert!(
        out.contains("alpha: `skillpack install --scope project acme/skills/skills/alpha@main --agent claude-code`"),
        "{out}"
    );
    assert!(out.contains("skillpack.lock was not written"), "{out}");
    assert!(!out.contains("Imported"), "{out}");
    assert!(!p.dir.join("skillpack.lock").exists());
    assert!(fs::symlink_metadata(&link).unwrap().is_symlink());

    let o = run(&p, &["sync", "--from", "skills-lock.json", "--force"]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(!text(&o).contains("Up to date"), "{}", text(&o));
    assert!(fs::symlink_metadata(&link).unwrap().is_dir());
    assert!(link.join("SKILL.md").is_file());
    assert!(p.dir.join(".agents/skills/alpha/SKILL.md").is_file());
    assert_eq!(locked_names(&p), ["alpha"]);
    ok(&p, &["sync", "--check"]);
}

#[test]
fn import_refusals_name_their_entry_and_a_bad_skill_path_is_called_that() {
    let p = GitProject::new();
    write_skills_lock(
        &p,
        serde_json::json!({
            "beta": {"source": "acme/skills", "sourceType": "github",
                     "computedHash": computed_hash("beta")},
            "gamma": {"source": "acme/skills", "sourceType": "github",
                      "skillPath": "../x/SKILL.md", "computedHash": computed_hash("gamma")}}),
    );
    let o = run(&p, &["sync", "--from", "skills-lock.json"]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let out = text(&o);
    assert!(out.contains("not imported: beta: "), "{out}");
    assert!(
        out.contains("not imported: gamma: its skillPath `../x/SKILL.md`"),
        "{out}"
    );
    assert!(!out.contains("from a repository only"), "{out}");
    assert!(out.contains("none of the 2 entries"), "{out}");
    assert!(
        out.contains(
            "beta: `skillpack install --scope project acme/skills --skill beta --agent claude-code`"
        ),
        "{out}"
    );
    assert!(!p.dir.join("skillpack.lock").exists());
}

#[test]
#[cfg(unix)]
fn a_turns_folder_that_is_a_link_or_a_file_stops_the_install_before_anything_changes() {
    let p = GitProject::new();
    write_skill(&p.dir.join("tools/demo"), "demo", "1.0.0");
    let turns = p.h.cache.path().join("project-locks");
    let victim = p.h.home.path().join("victim");
    fs::create_dir_all(&victim).unwrap();
    fs::create_dir_all(p.h.cache.path()).unwrap();
    std::os::unix::fs::symlink(&victim, &turns).unwrap();
    let install = [
        "install",
        "--scope",
        "project",
        "./tools/demo",
        "--no-companions",
    ];
    for what in ["a symbolic link", "not a folder"] {
        if what == "not a folder" {
            fs::remove_file(&turns).unwrap();
            fs::write(&turns, "not a folder").unwrap();
        }
        let o = run(&p, &install);
        assert_eq!(o.status.code(), Some(1), "{}", text(&o));
        let said = text(&o);
        assert!(
            said.contains(&format!("`{}` is {what}", turns.display())),
            "{said}"
        );
        assert!(said.contains("SKILLPACK_CACHE_DIR"), "{said}");
        assert!(!p.dir.join(".claude/skills/demo").exists(), "{said}");
        assert!(!p.dir.join("skillpack.lock").exists(), "{said}");
        assert_eq!(
            fs::read_dir(&victim).unwrap().count(),
            0,
            "nothing made through the link"
        );
        let o = run(
            &p,
            &["--json", "install", "--scope", "project", "./tools/demo"],
        );
        let doc: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        assert_eq!(doc["error"]["kind"], "lock-hold", "{doc}");
    }
    // Removed, as the hint says: the install goes through.
    fs::remove_file(&turns).unwrap();
    ok(&p, &install);
    assert_eq!(locked_names(&p), ["demo"]);
}

#[test]
#[cfg(unix)]
fn completing_with_a_fifo_as_the_index_answers_at_once() {
    let p = GitProject::new();
    let fifo = p.dir.join("fifo.json");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(made.success());
    let mut child = p
        .cmd_in(&p.dir)
        .env("SKILLPACK_COMPLETE", "fish")
        .args(["--", "skillpack", "install", "--index", "fifo.json", "ev"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let start = std::time::Instant::now();
    while child.try_wait().unwrap().is_none() {
        if start.elapsed() > std::time::Duration::from_secs(20) {
            let _ = child.kill();
            panic!("completion waited on a FIFO");
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    assert!(child.wait_with_output().unwrap().status.success());
}

#[test]
fn an_update_keeps_an_agent_an_install_added_to_its_entry_meanwhile() {
    let p = GitProject::new();
    let first = net::with_zip_comment(
        net::zip(&files_of("alpha", "1.0.0")),
        "1111111111111111111111111111111111111111",
    );
    let moved = net::with_zip_comment(
        net::zip(&files_of("alpha", "2.0.0")),
        "2222222222222222222222222222222222222222",
    );
    p.srv
        .route("/acme/skills/zip/main", vec![net::Reply::Body(first)]);
    ok(
        &p,
        &[
            "install",
            "--scope",
            "project",
            "acme/skills/skills/alpha@main",
            "--no-companions",
        ],
    );
    // main moves: the update's download is slow, the install's that follows is not.
    p.srv.route(
        "/acme/skills/zip/main",
        vec![
            net::Reply::Slow {
                body: moved.clone(),
                chunk: moved.len() / 20 + 1,
                pause: std::time::Duration::from_millis(100),
            },
            net::Reply::Body(moved),
        ],
    );
    let hits = p.srv.hits("/acme/skills/zip/main");
    let update = p
        .cmd_in(&p.dir)
        .args(["update", "--scope", "project"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    while p.srv.hits("/acme/skills/zip/main") == hits {
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    ok(
        &p,
        &[
            "install",
            "--scope",
            "project",
            "--agent",
            "codex",
            "acme/skills/skills/alpha@main",
            "--no-companions",
        ],
    );
    let o = update.wait_with_output().unwrap();
    assert!(o.status.success(), "{}", text(&o));
    let lock = fs::read_to_string(p.dir.join("skillpack.lock")).unwrap();
    assert!(
        lock.contains("agents = [\"claude-code\", \"codex\"]"),
        "{lock}"
    );
    ok(&p, &["sync", "--check"]);
}

/// The files of a repository archive holding `name` at `version` under `skills/`.
fn files_of(name: &str, version: &str) -> Vec<(String, Vec<u8>)> {
    net::skill_files(name, version)
        .into_iter()
        .map(|(f, d)| (format!("skills-x/skills/{name}/{f}"), d))
        .collect()
}
