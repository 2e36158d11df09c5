//! Sources holding several skills, chosen by name or by folder: a name two folders answer
//! to (by folder or by declared name) is refused with the commands that pick each one by
//! its path, and those commands work; a folder is searched as its zip is; GitHub URLs that
//! do not say what they mean get a message that does.

use std::fs;
use std::path::Path;

use predicates::prelude::*;

use crate::net::{self, Home, Reply, Server, shell_words, with_zip_comment};

const COMMIT: &str = "0123456789abcdef0123456789abcdef01234567";

fn lock(root: &Path) -> serde_json::Value {
    serde_json::from_slice(&fs::read(root.join(".skillpack/lock.json")).unwrap()).unwrap()
}

fn text(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// The commands between backticks after `marker` on the line holding it.
fn commands_after(err: &str, marker: &str) -> Vec<String> {
    let line = err
        .lines()
        .find_map(|l| l.split_once(marker).map(|(_, rest)| rest.to_string()))
        .unwrap_or_else(|| panic!("no `{marker}` in:\n{err}"));
    line.split('`')
        .skip(1)
        .step_by(2)
        .map(String::from)
        .collect()
}

/// The command printed after `install one with: `.
fn list_command(err: &str) -> String {
    err.lines()
        .find_map(|l| {
            l.split_once("install one with: ")
                .map(|(_, c)| c.to_string())
        })
        .unwrap_or_else(|| panic!("no command in:\n{err}"))
}

/// Writes the skill `name` (its files) into `dir`.
fn write_skill(dir: &Path, name: &str) {
    for (p, d) in net::skill_files(name, "1.0.0") {
        let f = dir.join(p);
        fs::create_dir_all(f.parent().unwrap()).unwrap();
        fs::write(f, d).unwrap();
    }
}

#[test]
fn a_name_in_two_folders_of_a_repository_is_refused_with_a_working_command_for_each() {
    let h = Home::new();
    let srv = Server::start();
    let zip = net::repo_zip(
        "dup-x",
        &[
            ("skills/alpha", "alpha"),
            (".claude/skills/alpha", "alpha"),
            ("skills/beta", "beta"),
        ],
    );
    srv.route(
        "/acme/dup/zip/main",
        vec![Reply::Body(with_zip_comment(zip, COMMIT))],
    );
    let run = |args: &[String]| {
        let mut c = h.cmd();
        c.env("SKILLPACK_GITHUB_URL", srv.base()).args(args);
        c
    };
    let words = |s: &[&str]| s.iter().map(|w| w.to_string()).collect::<Vec<_>>();
    let root = h.home.path().join("root");
    let root_arg = root.to_str().unwrap();

    let out = run(&words(&[
        "install",
        "--dir",
        root_arg,
        "acme/dup@main",
        "--skill",
        "alpha",
    ]))
    .output()
    .unwrap();
    let err = text(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("several skills named `alpha`, in .claude/skills/alpha, skills/alpha"),
        "{err}"
    );
    assert!(!err.contains("crm-management"), "{err}");
    assert!(!root.exists());
    let commands = commands_after(&err, "pick one by its folder: ");
    assert_eq!(
        commands,
        [
            format!(
                "skillpack install acme/dup@main --skill .claude/skills/alpha --dir {root_arg}"
            ),
            format!("skillpack install acme/dup@main --skill skills/alpha --dir {root_arg}"),
        ]
    );
    // The printed command works as written.
    run(&shell_words(&commands[0])[1..]).assert().success();
    assert_eq!(
        lock(&root)["skills"]["alpha"]["source"]["path"],
        ".claude/skills/alpha"
    );

    // --list reports the clash and prints a command that names the path, which works.
    let out = run(&words(&["install", "acme/dup@main", "--list"]))
        .output()
        .unwrap();
    let err = text(&out);
    assert!(out.status.success(), "{err}");
    assert!(
        err.contains("2 folders hold a skill named `alpha`"),
        "{err}"
    );
    let printed = list_command(&err);
    assert_eq!(
        printed,
        "skillpack install acme/dup@main --skill .claude/skills/alpha"
    );
    let root2 = h.home.path().join("root2");
    let mut args = shell_words(&printed)[1..].to_vec();
    args.extend(words(&["--dir", root2.to_str().unwrap()]));
    run(&args).assert().success();
    assert_eq!(
        lock(&root2)["skills"]["alpha"]["source"]["path"],
        ".claude/skills/alpha"
    );
}

/// `col/{a/dup,b/dup,c/x}` and junk (`node_modules/pkg`) as a folder under the home, and
/// as `col.zip` beside it with the same entries.
fn collection(home: &Path) {
    let layout = [
        ("a/dup", "dup"),
        ("b/dup", "dup"),
        ("c/x", "x"),
        ("node_modules/pkg", "pkg"),
    ];
    let mut entries = Vec::new();
    for (dir, name) in layout {
        write_skill(&home.join("col").join(dir), name);
        for (p, d) in net::skill_files(name, "1.0.0") {
            entries.push((format!("col/{dir}/{p}"), d));
        }
    }
    fs::write(home.join("col.zip"), net::zip(&entries)).unwrap();
}

#[test]
fn a_folder_lists_the_skills_its_zip_lists_and_each_printed_command_works() {
    let h = Home::new();
    let home = h.home.path();
    collection(home);
    // A link to a skill outside the folder is not followed.
    write_skill(&home.join("outside/far"), "far");
    #[cfg(unix)]
    std::os::unix::fs::symlink(home.join("outside"), home.join("col/link")).unwrap();

    for (source, prefix) in [("./col", ""), ("./col.zip", "col/")] {
        let root = home.join(format!("root-{}", source.len()));
        let out = h
            .cmd()
            .args(["install", source, "--list", "--json"])
            .output()
            .unwrap();
        assert!(out.status.success(), "{source}: {}", text(&out));
        let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let src = &doc["sources"][0];
        let paths: Vec<&str> = src["skills"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["path"].as_str().unwrap())
            .collect();
        let want: Vec<String> = ["a/dup", "b/dup", "c/x"]
            .iter()
            .map(|p| format!("{prefix}{p}"))
            .collect();
        assert_eq!(paths, want, "{source}");
        assert_eq!(src["collisions"][0]["name"], "dup", "{source}");

        // The command --list prints names the path, and works.
        let out = h
            .cmd()
            .args(["install", source, "--list"])
            .output()
            .unwrap();
        let printed = list_command(&text(&out));
        assert_eq!(
            printed,
            format!("skillpack install {source} --skill {prefix}a/dup"),
            "{source}"
        );
        let mut c = h.cmd();
        c.args(&shell_words(&printed)[1..]).arg("--dir").arg(&root);
        c.assert().success();
        assert!(root.join("dup/SKILL.md").is_file(), "{source}");

        // The bare name is refused, naming both folders.
        h.cmd()
            .args(["install", source, "--skill", "dup", "--dir"])
            .arg(&root)
            .assert()
            .code(1)
            .stderr(predicate::str::contains(format!(
                "in {prefix}a/dup, {prefix}b/dup"
            )))
            .stderr(predicate::str::contains(format!("--skill {prefix}b/dup")));
    }
}

#[test]
fn two_folders_declaring_one_name_are_reported_and_refused() {
    let h = Home::new();
    let twins = h.home.path().join("twins");
    for dir in ["x1", "x2"] {
        fs::create_dir_all(twins.join(dir)).unwrap();
        fs::write(
            twins.join(dir).join("SKILL.md"),
            net::skill_md("same", "1.0.0"),
        )
        .unwrap();
    }
    let root = h.home.path().join("root");
    h.cmd()
        .args(["install", "./twins", "--list"])
        .assert()
        .success()
        .stderr(predicate::str::contains(
            "2 folders hold a skill named `same`: ./x1, ./x2",
        ));
    for word in ["*", "same"] {
        h.cmd()
            .args(["install", "./twins", "--skill", word, "--dir"])
            .arg(&root)
            .assert()
            .code(1)
            .stderr(predicate::str::contains(
                "several skills named `same`, in x1, x2",
            ))
            .stderr(predicate::str::contains("--skill ./x2"));
        assert!(!root.exists(), "--skill {word} installed something");
    }
}

#[test]
fn a_folder_too_large_to_search_is_refused_at_the_limit() {
    let h = Home::new();
    let big = h.home.path().join("big");
    write_skill(&big.join("deep/s"), "s");
    for i in 0..30 {
        fs::create_dir_all(big.join("notes")).unwrap();
        fs::write(big.join(format!("notes/n{i:02}.md")), "n\n").unwrap();
    }
    h.cmd()
        .args(["install", "./big", "--list", "--max-files", "10"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("is not a skill folder"))
        .stderr(predicate::str::contains("it is too large to search"))
        .stderr(predicate::str::contains("holds more than 10 files"))
        .stderr(predicate::str::contains("raise the limit with --max-files"))
        .stderr(predicate::str::contains("archive").not());
    // Within the limits, the skill below is found.
    h.cmd()
        .args(["install", "./big", "--list"])
        .assert()
        .success()
        .stdout(predicate::str::contains("deep/s"));
}

/// A home and a GitHub mirror serving `acme/skills` (alpha, beta) at `main` and
/// `feature/x`; `install --dir ROOT ARG` against it.
struct Mirror {
    h: Home,
    srv: Server,
}

impl Mirror {
    fn new() -> Mirror {
        let srv = Server::start();
        net::serve_acme_skills(&srv, &["main", "feature/x"], COMMIT);
        Mirror {
            h: Home::new(),
            srv,
        }
    }

    fn root(&self) -> std::path::PathBuf {
        self.h.home.path().join("root")
    }

    fn install(&self, arg: &str) -> assert_cmd::Command {
        let mut c = self.h.cmd();
        c.env("SKILLPACK_GITHUB_URL", self.srv.base())
            .args(["install", "--dir"])
            .arg(self.root())
            .arg(arg);
        c
    }
}

#[test]
fn a_tree_url_whose_ref_may_hold_a_slash_says_how_to_write_it() {
    let m = Mirror::new();
    let out = m
        .install("github.com/acme/skills/tree/feature/x/skills/alpha")
        .output()
        .unwrap();
    let err = text(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("a ref containing `/` is written OWNER/REPO/PATH@REF"),
        "{err}"
    );
    // The shorthand shown works as written.
    let shorthand = &commands_after(&err, "OWNER/REPO/PATH@REF, e.g. ")[0];
    assert_eq!(shorthand, "acme/skills/skills/alpha@feature/x");
    m.install(shorthand).assert().success();
    let entry = &lock(&m.root())["skills"]["alpha"];
    assert_eq!(entry["source"]["ref"], "feature/x");
    assert_eq!(entry["source"]["path"], "skills/alpha");
}

#[test]
fn a_tree_url_of_a_folder_without_a_skill_names_what_the_repository_holds() {
    let m = Mirror::new();
    // `..` is refused as a path before anything is fetched.
    m.install("https://github.com/acme/skills/tree/main/..")
        .assert()
        .code(1)
        .stderr(predicate::str::contains("`..` is not a valid path"));
    assert!(m.srv.all_hits().is_empty());

    let out = m
        .install("https://github.com/acme/skills/tree/main/skills/nope")
        .output()
        .unwrap();
    let err = text(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("no skill under `skills/nope` in acme/skills@main")
            && err.contains("it holds: skills/alpha, skills/beta"),
        "{err}"
    );
    assert!(
        !err.contains("refused whole") && !err.contains("no SKILL.md anywhere"),
        "{err}"
    );
    assert!(!m.root().exists());
}

#[test]
fn a_github_page_that_is_not_a_repository_is_refused_with_the_forms_that_work() {
    let m = Mirror::new();
    for url in [
        "https://github.com/acme/skills/pulls",
        "github.com/acme/skills/issues/3",
    ] {
        m.install(url)
            .assert()
            .code(1)
            .stderr(predicate::str::contains(
                "not a repository, tree or blob URL",
            ))
            .stderr(predicate::str::contains(
                "https://github.com/OWNER/REPO/tree/REF/PATH",
            ));
    }
    assert!(m.srv.all_hits().is_empty());
    assert!(!m.root().exists());
}

#[test]
fn one_skill_below_a_folder_that_is_not_one_is_never_installed_unasked() {
    let h = Home::new();
    let src = h.home.path().join("stuff");
    write_skill(&src.join("deep/lone"), "lone");
    fs::write(src.join("notes.txt"), "not a skill").unwrap();
    let root = h.home.path().join("root");
    let out = h
        .cmd()
        .args(["install", "--no-companions", "--dir"])
        .arg(&root)
        .arg(&src)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(
        text(&out).contains("is not a skill folder"),
        "{}",
        text(&out)
    );
    assert!(
        text(&out).contains("holds one below it: lone"),
        "{}",
        text(&out)
    );
    assert!(!root.exists(), "nothing may be installed");
    // Named, it installs.
    h.cmd()
        .args(["install", "--no-companions", "--skill", "lone", "--dir"])
        .arg(&root)
        .arg(&src)
        .assert()
        .success();
    assert!(root.join("lone/SKILL.md").is_file());
}
