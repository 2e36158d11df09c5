//! Sources as people paste them: GitHub URLs and shorthands (through a loopback mirror),
//! any git repository through the system `git` (a local path and `git daemon` on
//! loopback), sources holding several skills (`--list`, `--skill`, `--skill '*'`), and
//! `NAME@VERSION` pins. Every form installs the same tree and records the commit.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command as StdCommand, Stdio};

use assert_cmd::Command;
use predicates::prelude::*;

use crate::net::{self, Home, Reply, Server, files_under, repo_zip, shell_words, with_zip_comment};

const COMMIT: &str = "0123456789abcdef0123456789abcdef01234567";

struct Sandbox {
    h: Home,
    srv: Server,
}

impl Sandbox {
    /// A sandbox whose GitHub mirror serves `acme/skills` (alpha, beta) at HEAD, `main`,
    /// `feature/x` and [`COMMIT`], each archive saying it is that commit.
    fn new() -> Sandbox {
        let srv = Server::start();
        net::serve_acme_skills(&srv, &["HEAD", "main", "feature/x", COMMIT], COMMIT);
        Sandbox {
            h: Home::new(),
            srv,
        }
    }

    /// `skillpack install --dir DIR ARGS…` against the mirror.
    fn install(&self, dir: &Path, args: &[&str]) -> Command {
        let mut c = self.h.cmd();
        c.env("SKILLPACK_GITHUB_URL", self.srv.base())
            .arg("install")
            .arg("--dir")
            .arg(dir)
            .args(args);
        c
    }

    fn dir(&self, name: &str) -> PathBuf {
        self.h.home.path().join(name)
    }
}

fn lock(root: &Path) -> serde_json::Value {
    serde_json::from_slice(&fs::read(root.join(".skillpack/lock.json")).unwrap()).unwrap()
}

fn alpha_tree() -> String {
    net::tree_digest("alpha", &net::skill_files("alpha", "1.0.0"))
}

#[test]
fn every_github_form_installs_the_same_tree_and_records_the_commit() {
    let s = Sandbox::new();
    let forms: &[&[&str]] = &[
        &["https://github.com/acme/skills", "--skill", "alpha"],
        &["https://github.com/acme/skills/tree/main/skills/alpha"],
        &["https://github.com/acme/skills/blob/main/skills/alpha/SKILL.md"],
        &["github.com/acme/skills/tree/main/skills/alpha"],
        &["https://github.com/acme/skills.git", "--skill", "alpha"],
        &["git@github.com:acme/skills.git", "--skill", "alpha"],
        &["acme/skills/skills/alpha"],
        &["acme/skills/skills/alpha@feature/x"],
        &["acme/skills@feature/x", "--skill", "alpha"],
    ];
    for (i, form) in forms.iter().enumerate() {
        let root = s.dir(&format!("root{i}"));
        s.install(&root, form).assert().success();
        let entry = &lock(&root)["skills"]["alpha"];
        assert_eq!(entry["tree"], alpha_tree(), "{form:?}");
        assert_eq!(entry["source"]["kind"], "github", "{form:?}");
        assert_eq!(entry["source"]["repo"], "acme/skills", "{form:?}");
        assert_eq!(entry["source"]["path"], "skills/alpha", "{form:?}");
        assert_eq!(entry["source"]["commit"], COMMIT, "{form:?}");
        assert_eq!(
            files_under(&root.join("alpha")),
            ["SKILL.md", "references/notes.md"]
        );
    }
    // The branch with a slash was asked for as it is.
    assert!(s.srv.hits("/acme/skills/zip/feature/x") >= 1);
}

#[test]
fn a_commit_asked_for_is_recorded_even_when_the_mirror_does_not_name_it() {
    let s = Sandbox::new();
    let pinned = "89abcdef0123456789abcdef0123456789abcdef";
    s.srv.route_as_is(
        &format!("/acme/skills/zip/{pinned}"),
        vec![Reply::Body(repo_zip(
            "skills-x",
            &[("skills/alpha", "alpha"), ("skills/beta", "beta")],
        ))],
    );
    let root = s.dir("root");
    s.install(
        &root,
        &[&format!("acme/skills@{pinned}"), "--skill", "alpha"],
    )
    .assert()
    .success();
    let source = &lock(&root)["skills"]["alpha"]["source"];
    assert_eq!(source["commit"], pinned, "{source}");
}

#[test]
fn list_shows_what_a_repository_holds_and_installs_nothing() {
    let s = Sandbox::new();
    let root = s.dir("root");
    s.install(&root, &["acme/skills", "--list"])
        .assert()
        .success()
        .stdout(predicate::str::contains("alpha"))
        .stdout(predicate::str::contains("skills/beta"))
        .stdout(predicate::str::contains("The beta skill"))
        .stderr(predicate::str::contains("2 skills in acme/skills@HEAD"));
    assert!(!root.exists());
    let out = s
        .install(&root, &["acme/skills", "--list", "--json"])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let src = &v["sources"][0];
    assert_eq!(src["commit"], COMMIT);
    let names: Vec<&str> = src["skills"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["alpha", "beta"]);
    assert!(!root.exists());
}

#[test]
fn star_installs_every_skill_from_one_download() {
    let s = Sandbox::new();
    let root = s.dir("root");
    s.install(&root, &["acme/skills", "--skill", "*"])
        .assert()
        .success();
    assert!(root.join("alpha/SKILL.md").is_file());
    assert!(root.join("beta/SKILL.md").is_file());
    assert_eq!(s.srv.hits("/acme/skills/zip/HEAD"), 1);
}

#[test]
fn two_folders_of_one_name_are_reported_not_resolved() {
    let h = Home::new();
    let srv = Server::start();
    srv.route(
        "/acme/clash/zip/HEAD",
        vec![Reply::Body(repo_zip(
            "clash-x",
            &[
                ("one/dup", "dup"),
                ("two/dup", "dup"),
                ("skills/solo", "solo"),
            ],
        ))],
    );
    let root = h.home.path().join("root");
    let run = |args: &[&str]| {
        let mut c = h.cmd();
        c.env("SKILLPACK_GITHUB_URL", srv.base())
            .args(["install", "--dir"])
            .arg(&root)
            .args(args);
        c
    };
    run(&["acme/clash", "--skill", "*"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("one/dup, two/dup"));
    run(&["acme/clash", "--skill", "dup"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("one/dup, two/dup"));
    run(&["acme/clash", "--list"])
        .assert()
        .success()
        .stderr(predicate::str::contains(
            "2 folders hold a skill named `dup`",
        ));
    assert!(!root.exists());
    // A path names one exactly.
    run(&["acme/clash", "--skill", "two/dup"])
        .assert()
        .success();
    assert_eq!(lock(&root)["skills"]["dup"]["source"]["path"], "two/dup");
}

#[test]
fn a_folder_of_several_skills_lists_and_installs_by_name() {
    let h = Home::new();
    let src = h.home.path().join("collection");
    for name in ["alpha", "beta"] {
        for (p, d) in net::skill_files(name, "1.0.0") {
            let f = src.join("skills").join(name).join(p);
            fs::create_dir_all(f.parent().unwrap()).unwrap();
            fs::write(f, d).unwrap();
        }
    }
    let root = h.home.path().join("root");
    let run = |args: &[&str]| {
        let mut c = h.cmd();
        c.args(["install", "--dir"]).arg(&root).arg(&src).args(args);
        c
    };
    run(&[])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("holds 2 skills: alpha, beta"))
        .stderr(predicate::str::contains("--skill alpha"));
    assert!(!root.exists());
    run(&["--skill", "beta"]).assert().success();
    assert!(root.join("beta/SKILL.md").is_file() && !root.join("alpha").exists());
    assert_eq!(
        lock(&root)["skills"]["beta"]["source"]["path"],
        src.join("skills/beta")
            .canonicalize()
            .unwrap()
            .to_str()
            .unwrap()
    );
    run(&["--skill", "*"]).assert().success();
    assert!(root.join("alpha/SKILL.md").is_file());
}

// ------------------------------------------------------------------ git repositories

/// A repository with skills/alpha and skills/beta on `main`; its HEAD commit.
fn repository(dir: &Path) -> String {
    fs::create_dir_all(dir).unwrap();
    net::git(dir, &["init", "-q", "-b", "main"]);
    for name in ["alpha", "beta"] {
        for (p, d) in net::skill_files(name, "1.0.0") {
            let f = dir.join("skills").join(name).join(p);
            fs::create_dir_all(f.parent().unwrap()).unwrap();
            fs::write(f, d).unwrap();
        }
    }
    net::git(dir, &["add", "-A"]);
    net::git(dir, &["commit", "-q", "-m", "skills"]);
    net::git(dir, &["rev-parse", "HEAD"])
}

#[test]
fn a_git_repository_from_a_path_installs_the_same_tree_and_records_its_commit() {
    let h = Home::new();
    let repo = h.home.path().join("upstream");
    let commit = repository(&repo);
    let url = format!("file://{}", repo.display());
    let root = h.home.path().join("root");
    h.cmd()
        .args(["install", "--dir"])
        .arg(&root)
        .args([url.as_str(), "--skill", "alpha"])
        .assert()
        .success();
    let entry = &lock(&root)["skills"]["alpha"];
    assert_eq!(entry["tree"], alpha_tree());
    assert_eq!(entry["source"]["kind"], "git");
    assert_eq!(entry["source"]["commit"], commit.as_str());
    assert_eq!(entry["source"]["path"], "skills/alpha");

    // Pinned to the commit: works once the repository is gone (the cache has it).
    let pinned = format!("{url}#{commit}");
    fs::remove_dir_all(&repo).unwrap();
    let root2 = h.home.path().join("root2");
    h.cmd()
        .args(["install", "--dir"])
        .arg(&root2)
        .args([pinned.as_str(), "--skill", "*"])
        .assert()
        .success();
    assert!(root2.join("alpha/SKILL.md").is_file() && root2.join("beta/SKILL.md").is_file());
}

#[test]
fn a_git_daemon_on_loopback_serves_a_branch() {
    let h = Home::new();
    let base = h.home.path().join("served");
    let commit = repository(&base.join("team.git"));
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut daemon = StdCommand::new("git")
        .args([
            "daemon",
            "--reuseaddr",
            "--export-all",
            "--listen=127.0.0.1",
        ])
        .arg(format!("--port={port}"))
        .arg(format!("--base-path={}", base.display()))
        .arg(&base)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("git daemon starts");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            std::time::Instant::now() < deadline,
            "git daemon did not listen"
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let url = format!("git://127.0.0.1:{port}/team.git#main");
    let root = h.home.path().join("root");
    let out = h
        .cmd()
        .args(["install", "--dir"])
        .arg(&root)
        .args([url.as_str(), "--skill", "beta"])
        .output()
        .unwrap();
    let _ = daemon.kill();
    let _ = daemon.wait();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let entry = &lock(&root)["skills"]["beta"];
    assert_eq!(entry["source"]["commit"], commit.as_str());
    assert_eq!(entry["source"]["ref"], "main");
    assert_eq!(
        entry["tree"],
        net::tree_digest("beta", &net::skill_files("beta", "1.0.0"))
    );
}

#[test]
fn without_git_a_git_source_says_so_and_changes_nothing() {
    let h = Home::new();
    let empty = h.home.path().join("empty-bin");
    fs::create_dir_all(&empty).unwrap();
    let root = h.home.path().join("root");
    h.cmd()
        .env("PATH", &empty)
        .args(["install", "--dir"])
        .arg(&root)
        .arg("https://gitlab.example/team/skills.git")
        .assert()
        .code(1)
        .stderr(predicate::str::contains("`git` is not installed"));
    assert!(!root.exists());
}

#[test]
fn a_hostile_git_url_runs_nothing() {
    let h = Home::new();
    let marker = h.home.path().join("pwned");
    let root = h.home.path().join("root");
    for url in [
        format!("git+ext::sh -c touch% {}", marker.display()),
        format!("ssh://-oProxyCommand=touch%20{}/x.git", marker.display()),
    ] {
        h.cmd()
            .args(["install", "--dir"])
            .arg(&root)
            .arg(&url)
            .assert()
            .code(1);
        assert!(!marker.exists(), "{url} ran a command");
    }
    assert!(!root.exists());
}

#[test]
#[cfg(unix)]
fn a_git_repository_over_plain_http_or_git_off_this_machine_is_refused_before_git_runs() {
    use std::os::unix::fs::PermissionsExt;
    let h = Home::new();
    let bin = h.home.path().join("bin");
    fs::create_dir_all(&bin).unwrap();
    let marker = h.home.path().join("git-ran");
    let fake = bin.join("git");
    fs::write(
        &fake,
        format!("#!/bin/sh\ntouch '{}'\nexit 1\n", marker.display()),
    )
    .unwrap();
    fs::set_permissions(&fake, fs::Permissions::from_mode(0o755)).unwrap();
    let root = h.home.path().join("root");
    for url in [
        "git+http://10.9.9.9/team/skills.git",
        "http://example.test/team/skills.git",
        "git://example.test/team/skills.git",
    ] {
        let out = h
            .cmd()
            .env("PATH", &bin)
            .args(["install", "--json", "--dir"])
            .arg(&root)
            .arg(url)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1), "{url}");
        let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(doc["error"]["kind"], "insecure-url", "{url}: {doc}");
        assert!(
            doc["error"]["message"]
                .as_str()
                .unwrap()
                .contains("only for loopback addresses"),
            "{doc}"
        );
        assert!(!marker.exists(), "{url} reached git");
    }
    assert!(!root.exists());
}

// ------------------------------------------------------------------------------- pins

#[test]
fn name_at_version_installs_that_version_or_names_those_there_are() {
    let h = Home::new();
    let root = h.home.path().join("root");
    let version = lock_version_of_embedded(&h);
    h.cmd()
        .args(["install", "--no-companions", "--dir"])
        .arg(&root)
        .arg(format!("account-management@{version}"))
        .assert()
        .success();
    h.cmd()
        .args(["install", "--no-companions", "--dir"])
        .arg(&root)
        .arg("account-management@9.9.9")
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "no version 9.9.9 of `account-management`",
        ))
        .stderr(predicate::str::contains(version.as_str()));

    // An index offering two versions: the older one on request.
    let srv = Server::start();
    srv.route(
        "/alpha-1.0.0.zip",
        vec![Reply::Body(net::skill_zip("alpha", "1.0.0"))],
    );
    srv.route(
        "/alpha-2.0.0.zip",
        vec![Reply::Body(net::skill_zip("alpha", "2.0.0"))],
    );
    srv.route(
        "/index.json",
        vec![Reply::Body(net::index(vec![
            net::index_entry("alpha", "1.0.0", "alpha-1.0.0.zip"),
            net::index_entry("alpha", "2.0.0", "alpha-2.0.0.zip"),
        ]))],
    );
    h.cmd()
        .args(["install", "--dir"])
        .arg(&root)
        .args(["alpha@1.0.0", "--index", &srv.url("/index.json")])
        .assert()
        .success();
    assert_eq!(lock(&root)["skills"]["alpha"]["version"], "1.0.0");
}

/// The version of the embedded skill, as the binary reports it.
fn lock_version_of_embedded(h: &Home) -> String {
    let out = h
        .cmd()
        .args(["install", "--json", "--dry-run", "--no-companions"])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    v["installed"][0]["version"].as_str().unwrap().to_string()
}

// -------------------------------------------------------- companions from a repository

/// A repository whose skills recommend each other (a cycle) and one that exists nowhere.
fn team_repo() -> Vec<u8> {
    let md = |name: &str, recommends: &str| {
        format!(
            "---\nname: {name}\ndescription: The {name} skill.\nmetadata:\n  version: \"1.0.0\"\n  recommended_skills: \"{recommends}\"\n---\n# {name}\n"
        )
        .into_bytes()
    };
    let entries = vec![
        ("team-x/README.md".to_string(), b"# team\n".to_vec()),
        (
            "team-x/skills/lead/SKILL.md".to_string(),
            md("lead", "partner, ghost"),
        ),
        (
            "team-x/skills/partner/SKILL.md".to_string(),
            md("partner", "lead"),
        ),
    ];
    with_zip_comment(net::zip(&entries), COMMIT)
}

#[test]
fn companions_of_a_repository_skill_come_from_that_repository_at_the_same_commit() {
    let h = Home::new();
    let srv = Server::start();
    srv.route("/acme/team/zip/HEAD", vec![Reply::Body(team_repo())]);
    srv.route(
        &format!("/acme/team/zip/{COMMIT}"),
        vec![Reply::Body(team_repo())],
    );
    let run = |root: &Path, args: &[&str]| {
        let mut c = h.cmd();
        c.env("SKILLPACK_GITHUB_URL", srv.base())
            .args(["install", "--dir"])
            .arg(root)
            .args(args);
        c
    };
    // Outside a terminal: listed with a command that works, the unknown one reported.
    let root = h.home.path().join("root");
    let out = run(&root, &["acme/team", "--skill", "lead"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(&format!(
            "companion `ghost` was not found in acme/team@{COMMIT}, the catalog"
        )),
        "{err}"
    );
    let printed = err
        .lines()
        .find_map(|l| {
            l.split_once("to install them: ")
                .map(|(_, c)| c.to_string())
        })
        .unwrap_or_else(|| panic!("no command in:\n{err}"));
    assert!(
        printed.starts_with(&format!(
            "skillpack install acme/team@{COMMIT} --skill skills/partner --dir"
        )),
        "{printed}"
    );
    assert!(!root.join("partner").exists());
    // The printed command works as written (downloading that commit: a plain install
    // does not take a pinned commit from the cache).
    let words = shell_words(&printed);
    let mut c = h.cmd();
    c.env("SKILLPACK_GITHUB_URL", srv.base()).args(&words[1..]);
    c.assert().success();
    let entry = &lock(&root)["skills"]["partner"];
    assert_eq!(entry["source"]["commit"], COMMIT);
    assert_eq!(entry["source"]["path"], "skills/partner");
    assert_eq!(srv.hits("/acme/team/zip/HEAD"), 1);
    assert_eq!(srv.hits(&format!("/acme/team/zip/{COMMIT}")), 1);

    // --with-companions: installed in the same run, from the one download.
    let h2 = Home::new();
    let root2 = h2.home.path().join("root");
    let mut c = h2.cmd();
    c.env("SKILLPACK_GITHUB_URL", srv.base())
        .args(["install", "--with-companions", "--dir"])
        .arg(&root2)
        .args(["acme/team", "--skill", "lead"]);
    c.assert()
        .success()
        .stderr(predicate::str::contains("Installed partner"));
    assert!(root2.join("lead/SKILL.md").is_file() && root2.join("partner/SKILL.md").is_file());
    assert_eq!(srv.hits("/acme/team/zip/HEAD"), 2);
    // Still the one download of the commit made by the printed command above.
    assert_eq!(srv.hits(&format!("/acme/team/zip/{COMMIT}")), 1);
}

#[test]
fn credentials_in_a_git_url_are_never_shown() {
    let h = Home::new();
    let root = h.home.path().join("root");
    let out = h
        .cmd()
        .args(["install", "--dir"])
        .arg(&root)
        .arg("https://someone:s3cr3t-token@127.0.0.1:9/team/skills.git")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!all.contains("s3cr3t-token"), "{all}");
    assert!(all.contains("https://127.0.0.1:9/team/skills.git"), "{all}");
    assert!(!root.exists());
}

#[test]
fn a_tree_url_climbing_out_of_the_repository_finds_nothing() {
    let s = Sandbox::new();
    let root = s.dir("root");
    s.install(
        &root,
        &["https://github.com/acme/skills/tree/main/../../etc"],
    )
    .assert()
    .code(1);
    assert!(!root.exists());
}

#[test]
fn update_moves_a_git_branch_to_its_newest_commit_and_a_pinned_commit_stays() {
    let h = Home::new();
    let repo = h.home.path().join("upstream");
    let first = repository(&repo);
    let root = h.home.path().join("root");
    let branch = format!("file://{}#main", repo.display());
    let pinned = format!("file://{}#{first}", repo.display());
    let run = |args: &[&str]| {
        let mut c = h.cmd();
        c.args(args).arg("--dir").arg(&root);
        c
    };
    run(&["install", branch.as_str(), "--skill", "alpha"])
        .assert()
        .success();
    run(&["install", pinned.as_str(), "--skill", "beta"])
        .assert()
        .success();
    // A new commit on main changes both skills.
    for name in ["alpha", "beta"] {
        let md = repo.join("skills").join(name).join("SKILL.md");
        fs::write(&md, net::skill_md(name, "2.0.0")).unwrap();
    }
    net::git(&repo, &["commit", "-qam", "two"]);
    let second = net::git(&repo, &["rev-parse", "HEAD"]);
    run(&["update"]).assert().success();
    let lock = lock(&root);
    assert_eq!(lock["skills"]["alpha"]["version"], "2.0.0");
    assert_eq!(lock["skills"]["alpha"]["source"]["commit"], second.as_str());
    assert_eq!(lock["skills"]["beta"]["version"], "1.0.0");
    assert_eq!(lock["skills"]["beta"]["source"]["commit"], first.as_str());
    // Nothing moved since: up to date.
    run(&["update"])
        .assert()
        .success()
        .stderr(predicate::str::contains("Up to date"));
}

#[test]
fn list_of_a_local_folder_names_it_as_a_readable_path() {
    let s = Sandbox::new();
    for name in ["alpha", "beta"] {
        let dir = s.dir(&format!("x/{name}"));
        fs::create_dir_all(&dir).unwrap();
        fs::write(dir.join("SKILL.md"), net::skill_md(name, "1.0.0")).unwrap();
    }
    // Run in the home folder: `./x` is ~/x, shown without its `./` step.
    s.install(&s.dir("root"), &["./x", "--list"])
        .assert()
        .success()
        .stderr(predicate::str::contains("2 skills in ~/x\n"))
        .stderr(predicate::str::contains("/./").not());
}

#[test]
fn a_zip_on_the_web_or_on_disk_holding_several_skills_lists_and_installs_by_name() {
    let s = Sandbox::new();
    let zip = net::repo_zip(
        "bundle",
        &[("skills/alpha", "alpha"), ("skills/beta", "beta")],
    );
    let sha = net::sha256_hex(&zip);
    s.srv.route("/two.zip", vec![Reply::Body(zip.clone())]);
    let url = s.srv.url("/two.zip");
    let file = s.dir("two.zip");
    fs::write(&file, &zip).unwrap();
    let file = file.to_str().unwrap().to_string();
    for source in [url.as_str(), file.as_str()] {
        let root = s.dir(&format!("root-{}", source.len()));
        // --list: every skill, with its folder; nothing installed.
        let out = s
            .install(&root, &[source, "--sha256", &sha, "--list", "--json"])
            .output()
            .unwrap();
        assert!(out.status.success(), "{source}: {out:?}");
        let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let text = doc.to_string();
        assert!(
            text.contains("\"alpha\"") && text.contains("\"beta\"") && text.contains("skills/beta"),
            "{source}: {text}"
        );
        assert!(!root.exists(), "{source}: --list installed something");
        // Without --skill and without a terminal: the names and the exact command.
        s.install(&root, &[source, "--sha256", &sha])
            .assert()
            .code(2)
            .stderr(predicate::str::contains("alpha, beta"))
            .stderr(predicate::str::contains("--skill alpha"));
        // --skill NAME takes that one, recorded with its folder inside the archive.
        s.install(&root, &[source, "--sha256", &sha, "--skill", "beta"])
            .assert()
            .success();
        assert!(root.join("beta/SKILL.md").is_file() && !root.join("alpha").exists());
        assert_eq!(
            lock(&root)["skills"]["beta"]["source"]["folder"],
            "bundle/skills/beta",
            "{source}"
        );
        assert_eq!(
            lock(&root)["skills"]["beta"]["tree"],
            net::tree_digest("beta", &net::skill_files("beta", "1.0.0"))
        );
        // '*' takes the rest.
        s.install(&root, &[source, "--sha256", &sha, "--skill", "*"])
            .assert()
            .success();
        assert!(root.join("alpha/SKILL.md").is_file());
    }
}
