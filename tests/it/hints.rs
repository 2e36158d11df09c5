//! Every `hint:` skillpack prints is a command that works where it was printed: each test
//! brings about the situation, takes the command from the hint, runs it as a shell would
//! split it, and checks its effect.

use crate::net;

use std::fs;
use std::path::Path;
use std::process::Output;

use net::{Reply, Server, index, index_entry, sha256_hex, skill_files, skill_zip};

/// The default skills root of the sandbox's Claude Code.
fn root(home: &net::Home) -> std::path::PathBuf {
    home.home.path().join(".claude/skills")
}

fn run(home: &net::Home, args: &[&str]) -> Output {
    home.std_cmd().args(args).output().unwrap()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// The commands in the output's `hint:` line, split as a shell would (`skillpack …`
/// separated by `; `, or one quoted in backticks).
fn hinted(out: &Output) -> Vec<Vec<String>> {
    let err = stderr(out);
    let line = err
        .lines()
        .find(|l| l.trim_start().starts_with("hint:"))
        .unwrap_or_else(|| panic!("no hint in:\n{err}"));
    let text = line.split_once("hint:").unwrap().1;
    let text = match text.split_once('`') {
        Some((_, rest)) => rest.split_once('`').unwrap().0,
        None => text.split_once(": ").map_or(text, |(_, cmd)| cmd),
    };
    text.split("; ")
        .map(|c| shlex::split(c.trim()).unwrap_or_else(|| panic!("not a command: {c}")))
        .inspect(|words| assert_eq!(words[0], "skillpack", "{line}"))
        .collect()
}

fn run_hint(home: &net::Home, words: &[String]) -> Output {
    home.std_cmd().args(&words[1..]).output().unwrap()
}

/// The hint's command (in backticks) run by a shell as the user would paste it, so that
/// an unquoted `~/…` expands and a quoted path stays one word; in the sandbox.
fn run_hint_in_shell(home: &net::Home, out: &Output) -> Output {
    let err = stderr(out);
    let line = err
        .lines()
        .find(|l| l.trim_start().starts_with("hint:"))
        .unwrap_or_else(|| panic!("no hint in:\n{err}"));
    let text = line.split_once('`').unwrap().1.split_once('`').unwrap().0;
    let rest = text
        .strip_prefix("skillpack ")
        .unwrap_or_else(|| panic!("{line}"));
    let base = home.std_cmd();
    let mut sh = std::process::Command::new("sh");
    sh.arg("-c")
        .arg(format!("\"$SKILLPACK_BIN\" {rest}"))
        .env("SKILLPACK_BIN", base.get_program());
    for (k, v) in base.get_envs() {
        match v {
            Some(v) => sh.env(k, v),
            None => sh.env_remove(k),
        };
    }
    if let Some(dir) = base.get_current_dir() {
        sh.current_dir(dir);
    }
    sh.output().unwrap()
}

fn write_skill(dir: &Path, name: &str, version: &str) {
    for (rel, bytes) in skill_files(name, version) {
        let p = dir.join(rel);
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        fs::write(p, bytes).unwrap();
    }
}

/// Writes at `src` a skill whose `name` differs from its folder's and installs it with
/// `--dir` (naming no agent, so the specification's check applies, which refuses it).
fn install_misnamed(home: &net::Home, src: &Path) -> Output {
    write_skill(src, "other-name", "1.0.0");
    let dir = home.home.path().join("team-skills");
    run(
        home,
        &[
            "install",
            src.to_str().unwrap(),
            "--dir",
            dir.to_str().unwrap(),
        ],
    )
}

fn assert_verified(home: &net::Home, extra: &[&str]) {
    let mut args = vec!["verify"];
    args.extend(extra);
    let out = run(home, &args);
    assert!(out.status.success(), "{}", stderr(&out));
}

#[test]
fn verify_hint_restores_a_skill_installed_from_a_folder() {
    let home = net::Home::new();
    let src = home.home.path().join("src/demo");
    write_skill(&src, "demo", "1.0.0");
    assert!(
        run(&home, &["install", src.to_str().unwrap()])
            .status
            .success()
    );
    fs::write(root(&home).join("demo/SKILL.md"), "edited").unwrap();

    let out = run(&home, &["verify"]);
    assert_eq!(out.status.code(), Some(1));
    let cmds = hinted(&out);
    assert_eq!(cmds.len(), 1);
    let fixed = run_hint(&home, &cmds[0]);
    assert!(fixed.status.success(), "{}", stderr(&fixed));
    assert!(
        stderr(&fixed).contains("Restored demo 1.0.0 at ")
            && stderr(&fixed).contains("as it was recorded"),
        "{}",
        stderr(&fixed)
    );
    assert_verified(&home, &[]);

    // The source folder changed since: the same command installs other files, and says so.
    fs::write(src.join("notes.md"), "new notes\n").unwrap();
    fs::write(root(&home).join("demo/SKILL.md"), "edited").unwrap();
    let again = run_hint(&home, &cmds[0]);
    assert!(again.status.success(), "{}", stderr(&again));
    assert!(
        stderr(&again).contains(
            "Replaced demo 1.0.0 with another copy of 1.0.0 (its files differ from those recorded)"
        ),
        "{}",
        stderr(&again)
    );
    assert!(!stderr(&again).contains("Restored"), "{}", stderr(&again));
    assert_verified(&home, &[]);
}

#[test]
fn verify_hint_pins_a_zip_to_its_digest_and_names_a_source_folder_that_is_gone() {
    let home = net::Home::new();
    let zip = home.home.path().join("demo.zip");
    fs::write(&zip, skill_zip("demo", "1.0.0")).unwrap();
    let src = home.home.path().join("src/other");
    write_skill(&src, "other", "1.0.0");
    for from in [&zip, &src] {
        let out = run(
            &home,
            &["install", from.to_str().unwrap(), "--no-companions"],
        );
        assert!(out.status.success(), "{}", stderr(&out));
    }
    fs::write(root(&home).join("demo/SKILL.md"), "edited").unwrap();
    let out = run(&home, &["verify", "demo"]);
    assert_eq!(out.status.code(), Some(1));
    let cmds = hinted(&out);
    let sha = sha256_hex(&fs::read(&zip).unwrap());
    assert!(cmds[0].contains(&sha), "{:?}", cmds[0]);
    // The zip changed since: the pinned hint refuses it rather than install other bytes.
    fs::write(&zip, skill_zip("demo", "2.0.0")).unwrap();
    let refused = run_hint(&home, &cmds[0]);
    assert_eq!(refused.status.code(), Some(1), "{}", stderr(&refused));
    assert!(
        stderr(&refused).contains("digest mismatch"),
        "{}",
        stderr(&refused)
    );

    // A folder source that is gone: no command that would fail, the reason instead.
    fs::write(root(&home).join("other/SKILL.md"), "edited").unwrap();
    fs::remove_dir_all(&src).unwrap();
    let out = run(&home, &["verify", "other"]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    let hint = err.lines().find(|l| l.contains("hint:")).unwrap();
    assert!(hint.contains("which is gone"), "{hint}");
    assert!(!hint.contains("skillpack install"), "{hint}");
}

#[test]
fn verify_hint_restores_the_embedded_skill_in_a_chosen_root() {
    let home = net::Home::new();
    let dir = home.home.path().join("elsewhere");
    let d = dir.to_str().unwrap();
    assert!(run(&home, &["install", "--dir", d]).status.success());
    fs::remove_file(dir.join("account-management/references/qbr-template.md")).unwrap();

    let out = run(&home, &["verify", "--dir", d]);
    assert_eq!(out.status.code(), Some(1));
    let fixed = run_hint(&home, &hinted(&out)[0]);
    assert!(fixed.status.success(), "{}", stderr(&fixed));
    assert_verified(&home, &["--dir", d]);
}

#[test]
fn verify_hint_restores_a_url_install_pinned_to_its_digest() {
    let home = net::Home::new();
    let srv = Server::start();
    let zip = skill_zip("remote", "2.0.0");
    srv.route("/remote.zip", vec![Reply::Body(zip.clone())]);
    let url = srv.url("/remote.zip");
    // Nothing vouches for the download: the hint pins the digest it was seen with.
    let out = run(&home, &["install", &url]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let pinned = run_hint(&home, &hinted(&out)[0]);
    assert!(pinned.status.success(), "{}", stderr(&pinned));
    fs::write(root(&home).join("remote/extra.md"), "added").unwrap();

    let out = run(&home, &["verify"]);
    assert_eq!(out.status.code(), Some(1));
    let cmds = hinted(&out);
    assert!(cmds[0].contains(&sha256_hex(&zip)), "{:?}", cmds[0]);
    let fixed = run_hint(&home, &cmds[0]);
    assert!(fixed.status.success(), "{}", stderr(&fixed));
    assert_verified(&home, &[]);
    assert!(!root(&home).join("remote/extra.md").exists());
}

#[test]
fn a_misspelt_catalog_name_suggests_the_command_that_works() {
    let home = net::Home::new();
    let out = run(&home, &["install", "account-managment"]);
    assert_eq!(out.status.code(), Some(1));
    let cmds = hinted(&out);
    assert_eq!(cmds[0], ["skillpack", "install", "account-management"]);
    let fixed = run_hint(&home, &cmds[0]);
    assert!(fixed.status.success(), "{}", stderr(&fixed));
    assert!(root(&home).join("account-management/SKILL.md").is_file());

    // In a chosen root, the suggestion installs there.
    let dir = home.home.path().join("team");
    let d = dir.to_str().unwrap();
    let out = run(&home, &["install", "account-managment", "--dir", d]);
    assert_eq!(out.status.code(), Some(1));
    let cmd = &hinted(&out)[0];
    assert_eq!(
        cmd,
        &["skillpack", "install", "account-management", "--dir", d]
    );
    let fixed = run_hint(&home, cmd);
    assert!(fixed.status.success(), "{}", stderr(&fixed));
    assert!(dir.join("account-management/SKILL.md").is_file());
}

#[test]
fn uninstalling_what_is_not_installed_is_a_no_op_with_a_suggestion() {
    let home = net::Home::new();
    let out = run(&home, &["uninstall", "nothing-here"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stderr(&out).contains("not installed"), "{}", stderr(&out));

    assert!(run(&home, &["install"]).status.success());
    let out = run(&home, &["uninstall", "acount-management"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let fixed = run_hint(&home, &hinted(&out)[0]);
    assert!(fixed.status.success(), "{}", stderr(&fixed));
    assert!(!root(&home).join("account-management").exists());
}

#[test]
fn a_hand_made_folder_is_never_removed_and_the_message_says_where_it_is() {
    let home = net::Home::new();
    let mine = root(&home).join("handmade");
    fs::create_dir_all(&mine).unwrap();
    fs::write(mine.join("SKILL.md"), "mine").unwrap();
    for args in [
        &["uninstall", "handmade"][..],
        &["uninstall", "--force", "handmade"],
    ] {
        let out = run(&home, args);
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        let err = stderr(&out);
        assert!(
            err.contains("never removes a folder it did not install"),
            "{err}"
        );
        assert!(err.contains("handmade"), "{err}");
        assert!(
            !err.contains("--force"),
            "no advice that cannot work: {err}"
        );
        assert_eq!(fs::read_to_string(mine.join("SKILL.md")).unwrap(), "mine");
    }
}

#[test]
fn an_older_version_is_not_installed_over_a_newer_one_without_force() {
    let home = net::Home::new();
    let newer = home.home.path().join("src/account-management");
    write_skill(&newer, "account-management", "0.2.0");
    assert!(
        run(&home, &["install", newer.to_str().unwrap()])
            .status
            .success()
    );
    let before = fs::read(root(&home).join("account-management/SKILL.md")).unwrap();

    // The embedded skill is 0.1.0.
    let out = run(&home, &["install"]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(err.contains("0.2.0") && err.contains("0.1.0"), "{err}");
    assert!(err.contains("is older"), "{err}");
    assert!(err.contains("--force"), "{err}");
    assert_eq!(
        fs::read(root(&home).join("account-management/SKILL.md")).unwrap(),
        before
    );
    // A version that is not a semantic version is not called older: it cannot be ordered.
    let odd = home.home.path().join("odd/account-management");
    write_skill(&odd, "account-management", "zzz");
    let out = run(&home, &["install", odd.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains("zzz is not a version skillpack can order"),
        "{err}"
    );
    assert!(!err.contains("is older"), "{err}");

    let out = run(&home, &["install", "--force"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_ne!(
        fs::read(root(&home).join("account-management/SKILL.md")).unwrap(),
        before
    );
}

#[test]
fn a_missing_path_is_the_same_usage_error_in_every_command() {
    let home = net::Home::new();
    for args in [
        &["validate", "nonexistent"][..],
        &["pack", "nonexistent"],
        &["install", "nonexistent/"],
    ] {
        let out = run(&home, args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
    }
}

#[test]
fn a_missing_zip_is_reported_as_a_missing_file() {
    let home = net::Home::new();
    let out = run(&home, &["install", "nonexistent.zip"]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(err.contains("no such file"), "{err}");
    assert!(!err.contains("catalog"), "{err}");
}

#[test]
fn a_folder_that_does_not_load_is_shown_at_its_own_path_with_a_validate_command() {
    let home = net::Home::new();
    let src = home.home.path().join("src/wrong-folder");
    let out = install_misnamed(&home, &src);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    // Under the home folder, shown as `~/…` like every path skillpack prints.
    assert!(err.contains("~/src/wrong-folder/SKILL.md:"), "{err}");
    assert!(!err.contains(".skillpack"), "{err}");
    // The command too, where `~/` expands as pasted.
    assert!(
        err.contains("`skillpack validate ~/src/wrong-folder` lists them"),
        "{err}"
    );
    let check = run_hint_in_shell(&home, &out);
    assert_eq!(check.status.code(), Some(1));
    assert!(
        stderr(&check).contains("name-mismatch"),
        "{}",
        stderr(&check)
    );
}

#[test]
fn misspelt_installed_names_suggest_the_command_for_the_same_root() {
    let home = net::Home::new();
    let dir = home.home.path().join("team-skills");
    let d = dir.to_str().unwrap();
    assert!(run(&home, &["install", "--dir", d]).status.success());
    for verb in ["verify", "update", "companions"] {
        let out = run(&home, &[verb, "acount-management", "--dir", d]);
        assert_eq!(out.status.code(), Some(1), "{verb}");
        let cmd = &hinted(&out)[0];
        assert_eq!(
            cmd,
            &["skillpack", verb, "account-management", "--dir", d],
            "{verb}"
        );
        let fixed = run_hint(&home, cmd);
        assert!(fixed.status.success(), "{verb}: {}", stderr(&fixed));
    }
}

#[test]
fn local_changes_are_listed_by_a_verify_of_the_same_root() {
    let home = net::Home::new();
    let dir = home.home.path().join("d");
    let d = dir.to_str().unwrap();
    assert!(run(&home, &["install", "--dir", d]).status.success());
    let skill_md = dir.join("account-management/SKILL.md");
    fs::write(&skill_md, "edited").unwrap();
    for (args, advice) in [
        (
            &["install", "--dir", d][..],
            "pass --force to overwrite them",
        ),
        (
            &["uninstall", "account-management", "--dir", d],
            "pass --force to remove it",
        ),
    ] {
        let out = run(&home, args);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {}", stderr(&out));
        let err = stderr(&out);
        assert!(err.contains(advice), "{args:?}: {err}");
        let cmd = &hinted(&out)[0];
        assert_eq!(
            cmd,
            &["skillpack", "verify", "account-management", "--dir", d]
        );
        let listed = run_hint(&home, cmd);
        assert_eq!(listed.status.code(), Some(1), "{}", stderr(&listed));
        assert!(
            stderr(&listed).contains("account-management/SKILL.md"),
            "{}",
            stderr(&listed)
        );
    }
    assert_eq!(fs::read_to_string(&skill_md).unwrap(), "edited");
}

#[test]
fn verify_hint_restores_an_index_install_at_its_recorded_version() {
    let home = net::Home::new();
    let srv = Server::start();
    let first = index_entry("remote", "1.0.0", "remote-1.0.0.zip");
    srv.route("/index.json", vec![Reply::Body(index(vec![first.clone()]))]);
    for v in ["1.0.0", "2.0.0"] {
        srv.route(
            &format!("/remote-{v}.zip"),
            vec![Reply::Body(skill_zip("remote", v))],
        );
    }
    let url = srv.url("/index.json");
    let out = run(&home, &["install", "remote", "--index", &url]);
    assert!(out.status.success(), "{}", stderr(&out));
    fs::write(root(&home).join("remote/extra.md"), "added").unwrap();
    // The index has moved on since: the hint must still bring back what was installed.
    let newer = index_entry("remote", "2.0.0", "remote-2.0.0.zip");
    srv.route("/index.json", vec![Reply::Body(index(vec![first, newer]))]);

    let out = run(&home, &["verify"]);
    assert_eq!(out.status.code(), Some(1));
    let cmd = &hinted(&out)[0];
    assert!(cmd.iter().any(|w| w == "remote@1.0.0"), "{cmd:?}");
    let fixed = run_hint(&home, cmd);
    assert!(fixed.status.success(), "{}", stderr(&fixed));
    assert_verified(&home, &[]);
    let lock: serde_json::Value =
        serde_json::from_slice(&fs::read(root(&home).join(".skillpack/lock.json")).unwrap())
            .unwrap();
    assert_eq!(lock["skills"]["remote"]["version"], "1.0.0");
    assert!(!root(&home).join("remote/extra.md").exists());
}

#[test]
fn a_damaged_record_points_at_the_same_root_and_each_skill_s_own_source() {
    let home = net::Home::new();
    let dir = home.home.path().join("team");
    let d = dir.to_str().unwrap();
    assert!(run(&home, &["install", "--dir", d]).status.success());
    let lock = dir.join(".skillpack/lock.json");
    fs::write(&lock, b"{\"version\": 1, \"skills\": ").unwrap();

    let out = run(&home, &["list", "--dir", d]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains(&format!("skillpack install --force SOURCE --dir {d}")),
        "{err}"
    );
    assert!(!err.contains("NAME"), "{err}");
    let cmd = &hinted(&out)[0];
    assert_eq!(cmd, &["skillpack", "list", "--dir", d]);
    // Moved aside as the message says, the hinted list shows the skill as unmanaged.
    fs::rename(&lock, dir.join(".skillpack/lock.json.damaged")).unwrap();
    let listed = run_hint(&home, cmd);
    assert!(listed.status.success(), "{}", stderr(&listed));
    let table = String::from_utf8_lossy(&listed.stdout);
    assert!(
        table
            .lines()
            .any(|l| l.starts_with("account-management") && l.contains("unmanaged")),
        "{table}"
    );
}

#[test]
fn usage_errors_are_one_line_and_a_hint() {
    let home = net::Home::new();
    for (args, hint) in [
        (&["install", "--bogus"][..], "--bogus"),
        (&["instal"], "'install'"),
    ] {
        let out = run(&home, args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = stderr(&out);
        let lines: Vec<&str> = err.lines().collect();
        assert_eq!(lines.len(), 2, "{args:?}:\n{err}");
        assert!(lines[0].starts_with("error: "), "{err}");
        assert!(lines[1].starts_with("  hint: "), "{err}");
        assert!(lines[1].contains(hint), "{err}");
    }
    // Help is still help.
    let out = run(&home, &["install", "--help"]);
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("Usage:"));
}

#[test]
fn a_zip_that_does_not_load_names_its_problems_rather_than_a_command_with_no_folder() {
    let home = net::Home::new();
    let md = "---\nname: wrong\ndescription: \"\"\n---\nbody\n";
    let zip = net::zip(&[("other/SKILL.md".into(), md.as_bytes().to_vec())]);
    let path = home.home.path().join("bad.zip");
    fs::write(&path, zip).unwrap();
    let out = run(&home, &["install", path.to_str().unwrap(), "--yes"]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    let hint = err.lines().find(|l| l.contains("hint:")).unwrap();
    assert!(!hint.contains("skillpack"), "{err}");
    // Judged as Claude Code (the default agent) loads it: the blank description is what
    // makes it skip the skill.
    assert!(hint.contains("description-empty"), "{err}");
    assert!(hint.contains("nothing was installed"), "{err}");
}

/// The commands in backticks on the line of `out`'s stdout that holds `marker`.
fn quoted_on_line(out: &Output, marker: &str) -> Vec<Vec<String>> {
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let line = text
        .lines()
        .find(|l| l.contains(marker))
        .unwrap_or_else(|| panic!("no {marker} in:\n{text}"));
    line.split('`')
        .skip(1)
        .step_by(2)
        .filter(|c| c.starts_with("skillpack "))
        .map(|c| shlex::split(c).unwrap())
        .collect()
}

#[test]
fn doctor_names_the_root_in_the_commands_it_suggests() {
    let home = net::Home::new();
    let project = home.home.path().join("p");
    fs::create_dir_all(project.join(".git")).unwrap();
    let in_project = |args: &[&str]| {
        home.std_cmd()
            .current_dir(&project)
            .args(args)
            .output()
            .unwrap()
    };
    assert!(
        in_project(&["install", "--scope", "project"])
            .status
            .success()
    );
    let skills = project.join(".claude/skills");
    fs::write(skills.join("account-management/extra.md"), "added").unwrap();

    let out = in_project(&["doctor"]);
    let cmds = quoted_on_line(&out, "changed since skillpack installed it");
    assert_eq!(
        cmds[0],
        [
            "skillpack",
            "verify",
            "account-management",
            "--scope",
            "project"
        ]
    );
    let listed = home
        .std_cmd()
        .current_dir(&project)
        .args(&cmds[0][1..])
        .output()
        .unwrap();
    assert_eq!(listed.status.code(), Some(1));
    assert!(
        stderr(&listed).contains("account-management/extra.md"),
        "{}",
        stderr(&listed)
    );

    // A record whose folder is gone: the hinted uninstall forgets it in that root.
    fs::remove_dir_all(skills.join("account-management")).unwrap();
    let out = in_project(&["doctor"]);
    let cmds = quoted_on_line(&out, "its folder is gone");
    assert_eq!(
        cmds[0],
        [
            "skillpack",
            "uninstall",
            "account-management",
            "--scope",
            "project"
        ]
    );
    let forgot = home
        .std_cmd()
        .current_dir(&project)
        .args(&cmds[0][1..])
        .output()
        .unwrap();
    assert!(forgot.status.success(), "{}", stderr(&forgot));
    let out = in_project(&["doctor"]);
    assert!(
        !String::from_utf8_lossy(&out.stdout).contains("its folder is gone"),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

#[test]
fn a_validate_hint_quotes_a_path_that_needs_it_and_works_pasted() {
    let home = net::Home::new();
    // A path needing quotes keeps its absolute form: a quoted `~` would not expand.
    let src = home.home.path().join("my skills/wrong-folder");
    let out = install_misnamed(&home, &src);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains(&format!("`skillpack validate '{}'`", src.display())),
        "{err}"
    );
    let check = run_hint_in_shell(&home, &out);
    assert_eq!(check.status.code(), Some(1), "{}", stderr(&check));
    assert!(
        stderr(&check).contains("name-mismatch"),
        "{}",
        stderr(&check)
    );

    // Under an agent's rules, the `--profile` command the same way.
    let src = home.home.path().join("src/empty");
    fs::create_dir_all(&src).unwrap();
    fs::write(
        src.join("SKILL.md"),
        "---\nname: empty\ndescription: \n---\n# Empty\n",
    )
    .unwrap();
    let out = run(
        &home,
        &["install", src.to_str().unwrap(), "--agent", "claude-code"],
    );
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains("`skillpack validate --profile claude-code ~/src/empty`"),
        "{err}"
    );
    let check = run_hint_in_shell(&home, &out);
    assert_eq!(check.status.code(), Some(1), "{}", stderr(&check));
    assert!(
        stderr(&check).contains("description-empty"),
        "{}",
        stderr(&check)
    );
}

// ------------------------------------------------------- sources holding several skills

#[test]
fn the_commands_printed_for_a_repository_of_several_skills_install_into_the_same_root() {
    let home = net::Home::new();
    let srv = Server::start();
    net::serve_acme_skills(&srv, &["HEAD"], "0123456789abcdef0123456789abcdef01234567");
    let dir = home.home.path().join("team-root");
    let d = dir.to_str().unwrap();

    // Nothing says which: refused, with a command naming the skill and the same root.
    let out = run_words(
        &home,
        &srv,
        &shlex::split(&format!("skillpack install acme/skills --dir '{d}' -y")).unwrap(),
    );
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let cmd = &hinted(&out)[0];
    assert!(
        cmd.windows(2).any(|w| w[0] == "--dir" && w[1] == d),
        "{cmd:?}"
    );
    let done = run_words(&home, &srv, cmd);
    assert!(done.status.success(), "{}", stderr(&done));
    assert!(dir.join("alpha/SKILL.md").is_file());
    assert!(!root(&home).exists(), "nothing in the default root");

    // --list: the command it prints installs into the root it was given too.
    let out = run_words(
        &home,
        &srv,
        &shlex::split(&format!("skillpack install acme/skills --list --dir '{d}'")).unwrap(),
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let cmd = printed_after(&out, "install one with: ");
    assert!(
        cmd.windows(2).any(|w| w[0] == "--dir" && w[1] == d),
        "{cmd:?}"
    );
    let done = run_words(&home, &srv, &[cmd, vec!["--force".into()]].concat());
    assert!(done.status.success(), "{}", stderr(&done));
    assert!(!root(&home).exists(), "nothing in the default root");
}

#[test]
fn the_commands_printed_for_a_zip_of_several_skills_keep_its_digest_and_root() {
    let home = net::Home::new();
    let srv = Server::start();
    let zip = net::repo_zip("col", &[("skills/alpha", "alpha"), ("skills/beta", "beta")]);
    let sha = sha256_hex(&zip);
    srv.route("/col.zip", vec![Reply::Body(zip)]);
    let url = srv.url("/col.zip");
    let dir = home.home.path().join("zip-root");
    let d = dir.to_str().unwrap();

    // Pinned with --sha256: the printed command keeps the pin and the root.
    let out = run(&home, &["install", &url, "--sha256", &sha, "--dir", d]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let cmd = &hinted(&out)[0];
    assert!(cmd.iter().any(|w| w == &sha), "{cmd:?}");
    let done = run_hint(&home, cmd);
    assert!(done.status.success(), "{}", stderr(&done));
    assert!(dir.join("alpha/SKILL.md").is_file());

    // Unpinned: the printed command is refused for want of a pin, and the pinned command
    // that refusal prints still names the skill and the root.
    let other = home.home.path().join("other-root");
    let o = other.to_str().unwrap();
    let out = run(&home, &["install", &url, "--dir", o]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let refused = run_hint(&home, &hinted(&out)[0]);
    assert_eq!(refused.status.code(), Some(1), "{}", stderr(&refused));
    assert!(
        stderr(&refused).contains("without --sha256"),
        "{}",
        stderr(&refused)
    );
    let cmd = &hinted(&refused)[0];
    assert!(cmd.iter().any(|w| w == &sha), "{cmd:?}");
    let done = run_hint(&home, cmd);
    assert!(done.status.success(), "{}", stderr(&done));
    assert!(other.join("alpha/SKILL.md").is_file());
    assert!(!root(&home).exists(), "nothing in the default root");
}

#[test]
fn list_suggests_only_a_skill_that_would_install_and_says_which_would_not() {
    let home = net::Home::new();
    let coll = home.home.path().join("coll");
    // Two folders whose SKILL.md both say `alpha`, and one whose name agrees.
    for folder in ["a1", "a2"] {
        write_skill(&coll.join(folder), "alpha", "1.0.0");
    }
    let out = run(&home, &["install", "./coll", "--list"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("a1/SKILL.md names the skill `alpha`"), "{err}");
    assert!(!err.contains("install one with"), "{err}");
    let out = run(&home, &["install", "./coll", "--list", "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let skills = v["sources"][0]["skills"].as_array().unwrap();
    assert!(
        skills
            .iter()
            .all(|s| s["installs"] == false && s["declared"] == "alpha"),
        "{v}"
    );
    // Nor does the refusal suggest a command that would fail.
    let out = run(&home, &["install", "./coll"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(!stderr(&out).contains("--skill"), "{}", stderr(&out));

    write_skill(&coll.join("gamma"), "gamma", "1.0.0");
    let out = run(&home, &["install", "./coll", "--list"]);
    let cmd = printed_after(&out, "install one with: ");
    assert!(cmd.iter().any(|w| w == "gamma"), "{cmd:?}");
    let done = run_hint(&home, &cmd);
    assert!(done.status.success(), "{}", stderr(&done));
    assert!(root(&home).join("gamma/SKILL.md").is_file());
}

// ------------------------------------------------------------- companions in an index

/// `cmd` (a command as printed, split) run in the sandbox against the GitHub mirror `srv`.
fn run_words(home: &net::Home, srv: &Server, words: &[String]) -> Output {
    assert_eq!(words[0], "skillpack", "{words:?}");
    home.std_cmd()
        .env("SKILLPACK_GITHUB_URL", srv.base())
        .args(&words[1..])
        .output()
        .unwrap()
}

/// The command printed after `marker` on a line of stderr, split as a shell would.
fn printed_after(out: &Output, marker: &str) -> Vec<String> {
    let err = stderr(out);
    let line = err
        .lines()
        .find_map(|l| l.split_once(marker).map(|(_, c)| c.to_string()))
        .unwrap_or_else(|| panic!("no `{marker}` in:\n{err}"));
    shlex::split(line.trim()).unwrap_or_else(|| panic!("not a command: {line}"))
}

/// `acme/skills` on the mirror `srv`, whose `alpha` recommends `ghost`, which only the
/// index at `/index.json` holds.
fn serve_ghost_setup(srv: &Server) {
    let commit = "0123456789abcdef0123456789abcdef01234567";
    let md = "---\nname: alpha\ndescription: The alpha skill.\nmetadata:\n  version: \"1.0.0\"\n  recommended_skills: \"ghost\"\n---\n# alpha\n";
    let repo = net::with_zip_comment(
        net::zip(&[
            ("skills-x/README.md".to_string(), b"# skills\n".to_vec()),
            (
                "skills-x/skills/alpha/SKILL.md".to_string(),
                md.as_bytes().to_vec(),
            ),
        ]),
        commit,
    );
    for r in ["HEAD", commit] {
        srv.route(
            &format!("/acme/skills/zip/{r}"),
            vec![Reply::Body(repo.clone())],
        );
    }
    let entry = index_entry("ghost", "1.0.0", "ghost-1.0.0.zip");
    srv.route("/index.json", vec![Reply::Body(index(vec![entry]))]);
    srv.route(
        "/ghost-1.0.0.zip",
        vec![Reply::Body(skill_zip("ghost", "1.0.0"))],
    );
}

#[test]
fn a_companion_only_an_index_holds_gets_a_command_that_reads_that_index() {
    let home = net::Home::new();
    let srv = Server::start();
    serve_ghost_setup(&srv);
    let idx = srv.url("/index.json");
    let dir = home.home.path().join("q");
    let d = dir.to_str().unwrap();
    let args = |more: &str| {
        shlex::split(&format!("skillpack {more} --dir '{d}' --index '{idx}'")).unwrap()
    };

    let out = run_words(&home, &srv, &args("install acme/skills --skill alpha"));
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains(&format!("from the index {idx}")),
        "{}",
        stderr(&out)
    );
    let printed = printed_after(&out, "to install them: ");
    assert!(
        printed.windows(2).any(|w| w[0] == "--index" && w[1] == idx),
        "{printed:?}"
    );

    // `companions` reads the same index and prints the same command.
    let out = run_words(&home, &srv, &args("companions alpha"));
    assert!(out.status.success(), "{}", stderr(&out));
    let table = String::from_utf8_lossy(&out.stdout);
    let row = table
        .lines()
        .find(|l| l.starts_with("ghost"))
        .unwrap_or_else(|| panic!("{table}"));
    assert!(row.contains("--index"), "{table}");
    assert_eq!(
        printed_after(&out, "install the missing ones with: "),
        printed
    );

    // And the command works as printed.
    let done = run_words(&home, &srv, &printed);
    assert!(done.status.success(), "{}", stderr(&done));
    assert!(dir.join("ghost/SKILL.md").is_file());
}

#[test]
fn a_folder_that_is_not_a_skill_name_is_never_suggested_and_option_values_that_look_like_options_stay_values()
 {
    let home = net::Home::new();
    let multi = home.home.path().join("multi");
    write_skill(&multi.join("skills/alpha"), "alpha", "1.0.0");
    let odd = multi.join("skills/-rf");
    fs::create_dir_all(&odd).unwrap();
    fs::write(
        odd.join("SKILL.md"),
        "---\nname: -rf\ndescription: Not a skill name.\n---\nBody\n",
    )
    .unwrap();
    let list = home
        .std_cmd()
        .current_dir(home.home.path())
        .args(["install", "./multi", "--list", "--dir=-root"])
        .output()
        .unwrap();
    assert!(list.status.success(), "{}", stderr(&list));
    assert!(
        stderr(&list).contains("`-rf` is not a skill name"),
        "{}",
        stderr(&list)
    );
    let out = home
        .std_cmd()
        .current_dir(home.home.path())
        .args(["install", "./multi", "--dir=-root"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("--skill alpha"), "{err}");
    assert!(!err.contains("--skill '*'"), "not all would install: {err}");
    assert!(err.contains("'--dir=-root'"), "{err}");
    let cmds = hinted(&out);
    let fixed = home
        .std_cmd()
        .current_dir(home.home.path())
        .args(&cmds[0][1..])
        .output()
        .unwrap();
    assert!(fixed.status.success(), "{}", stderr(&fixed));
    assert!(home.home.path().join("-root/alpha/SKILL.md").is_file());
}

#[test]
fn a_misspelt_name_in_several_roots_is_suggested_once_and_the_suggestion_works() {
    let gp = net::GitProject::new();
    let both = ["--scope", "project", "--agent", "claude-code,codex"];
    let out = gp
        .cmd_in(&gp.dir)
        .args(["install", "--no-companions"])
        .args(both)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let out = gp
        .cmd_in(&gp.dir)
        .args(["uninstall", "acount-management"])
        .args(both)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let err = stderr(&out);
    assert_eq!(err.matches("hint:").count(), 1, "{err}");
    let cmd = &hinted(&out)[0];
    let fixed = gp.cmd_in(&gp.dir).args(&cmd[1..]).output().unwrap();
    assert!(fixed.status.success(), "{}", stderr(&fixed));
    assert!(!gp.dir.join(".claude/skills/account-management").exists());
    assert!(!gp.dir.join(".agents/skills/account-management").exists());
}

#[test]
fn an_update_refused_for_changes_made_by_hand_names_the_update_that_replaces_them() {
    let home = net::Home::new();
    let src = home.home.path().join("src/demo");
    write_skill(&src, "demo", "1.0.0");
    assert!(
        run(&home, &["install", src.to_str().unwrap()])
            .status
            .success()
    );
    write_skill(&src, "demo", "1.1.0");
    fs::write(root(&home).join("demo/SKILL.md"), "edited").unwrap();
    let dry = run(&home, &["update", "--dry-run"]);
    let table = String::from_utf8_lossy(&dry.stdout);
    let row = table.lines().find(|l| l.starts_with("demo")).unwrap();
    assert!(
        row.contains("modified") && !row.contains("failed"),
        "{table}"
    );
    let out = run(&home, &["update"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let err = stderr(&out);
    let force = err
        .split('`')
        .find(|c| c.starts_with("skillpack update"))
        .map(|c| shlex::split(c).unwrap())
        .unwrap_or_else(|| panic!("{err}"));
    assert_eq!(force[1..], ["update", "demo", "--force"]);
    let fixed = run_hint(&home, &force);
    assert!(fixed.status.success(), "{}", stderr(&fixed));
    assert_verified(&home, &[]);
    let lock: serde_json::Value =
        serde_json::from_slice(&fs::read(root(&home).join(".skillpack/lock.json")).unwrap())
            .unwrap();
    assert_eq!(lock["skills"]["demo"]["version"], "1.1.0");
}
