//! Several agents in one run: `--agent a,b` and `--agent all` install one verified tree
//! into each agent's folder, and list, verify, update and uninstall see every copy.

use std::fs;

use crate::net::{Home, files_under};

fn json(out: &std::process::Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "{e}: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

/// A skill folder `dir` holding the skill `demo` at `version`.
fn write_demo(dir: &std::path::Path, version: &str) {
    fs::create_dir_all(dir).unwrap();
    fs::write(
        dir.join("SKILL.md"),
        format!(
            "---\nname: demo\ndescription: A demo skill.\nmetadata:\n  version: \"{version}\"\n---\nUse it.\n"
        ),
    )
    .unwrap();
}

#[test]
fn two_agents_get_the_same_tree_and_list_shows_both() {
    let h = Home::new();
    let home = h.home.path();
    let out = h
        .cmd()
        .args(["install", "--no-companions", "--agent", "claude-code,codex"])
        .assert()
        .success()
        .get_output()
        .clone();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("[claude-code]") && err.contains("[codex]"),
        "{err}"
    );
    let claude = home.join(".claude/skills/account-management");
    let codex = home.join(".agents/skills/account-management");
    assert_eq!(files_under(&claude), files_under(&codex));
    for f in files_under(&claude) {
        assert_eq!(
            fs::read(claude.join(&f)).unwrap(),
            fs::read(codex.join(&f)).unwrap()
        );
    }
    // Each root records its own copy.
    for root in [".claude/skills", ".agents/skills"] {
        let lock = fs::read_to_string(home.join(root).join(".skillpack/lock.json")).unwrap();
        assert!(lock.contains("\"account-management\""), "{root}: {lock}");
    }

    let out = h
        .cmd()
        .args(["list", "--json", "--agent", "claude-code,codex,gemini-cli"])
        .output()
        .unwrap();
    let v = json(&out);
    let skill = &v["skills"][0];
    assert_eq!(skill["name"], "account-management");
    assert_eq!(skill["agents"], serde_json::json!(["claude-code", "codex"]));
    assert_eq!(skill["copies_agree"], true);
    assert_eq!(skill["state"], "ok");
    assert_eq!(v["roots"].as_array().unwrap().len(), 3);

    // An edited copy shows in list and fails verify for that agent only.
    fs::write(codex.join("SKILL.md"), "edited").unwrap();
    let out = h
        .cmd()
        .args(["list", "--agent", "claude-code,codex"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("AGENTS"), "{text}");
    assert!(text.contains("claude-code,codex(modified)"), "{text}");
    let out = h
        .cmd()
        .args(["list", "--json", "--agent", "claude-code,codex"])
        .output()
        .unwrap();
    let v = json(&out);
    let skill = &v["skills"][0];
    assert_eq!(skill["copies_agree"], false, "{skill}");
    let states: Vec<(String, String)> = skill["copies"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["agents"][0].as_str().unwrap().into(),
                c["state"].as_str().unwrap().into(),
            )
        })
        .collect();
    assert_eq!(
        states,
        [
            ("claude-code".into(), "ok".into()),
            ("codex".into(), "modified".into())
        ]
    );
    h.cmd()
        .args(["verify", "--agent", "claude-code"])
        .assert()
        .success();
    h.cmd()
        .args(["verify", "--agent", "claude-code,codex"])
        .assert()
        .code(1)
        .stderr(predicates::str::contains(
            "Modified account-management in ~/.agents/skills",
        ));

    // Uninstall from both: the edited copy is kept without --force, the other goes.
    h.cmd()
        .args([
            "uninstall",
            "account-management",
            "--agent",
            "claude-code,codex",
            "--force",
        ])
        .assert()
        .success();
    assert!(!claude.exists() && !codex.exists());
}

#[test]
fn list_says_which_agent_holds_another_version_of_a_skill() {
    let h = Home::new();
    let home = h.home.path();
    let (v1, v2) = (home.join("v1/demo"), home.join("v2/demo"));
    write_demo(&v1, "1.0.0");
    write_demo(&v2, "2.0.0");
    h.cmd()
        .args(["install", "--agent", "claude-code,codex"])
        .arg(&v1)
        .assert()
        .success();
    h.cmd()
        .args(["install", "--agent", "codex"])
        .arg(&v2)
        .assert()
        .success();
    let out = h
        .cmd()
        .args(["list", "--agent", "claude-code,codex"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("claude-code,codex(2.0.0)"), "{text}");
    let out = h
        .cmd()
        .args(["list", "--json", "--agent", "claude-code,codex"])
        .output()
        .unwrap();
    let skill = &json(&out)["skills"][0];
    assert_eq!(skill["state"], "differs", "{skill}");
    assert_eq!(skill["copies_agree"], false, "{skill}");
    let copies: Vec<(&str, &str)> = skill["copies"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["agents"][0].as_str().unwrap(),
                c["version"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(copies, [("claude-code", "1.0.0"), ("codex", "2.0.0")]);
    let trees: Vec<&str> = skill["copies"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["tree"].as_str().unwrap())
        .collect();
    assert_ne!(trees[0], trees[1]);
    assert!(
        skill["copies"][1]["source"]["path"]
            .as_str()
            .unwrap()
            .contains("v2"),
        "{skill}"
    );
}

#[test]
fn agents_sharing_a_folder_get_one_copy() {
    let h = Home::new();
    let home = h.home.path();
    let out = h
        .cmd()
        .args([
            "install",
            "--no-companions",
            "--json",
            "--scope",
            "project",
            "--agent",
            "codex,gemini-cli,cursor",
        ])
        .output()
        .unwrap();
    let v = json(&out);
    let installed = v["installed"].as_array().unwrap();
    assert_eq!(installed.len(), 1, "{v}");
    assert_eq!(
        installed[0]["agents"],
        serde_json::json!(["codex", "gemini-cli", "cursor"])
    );
    assert!(
        home.join(".agents/skills/account-management/SKILL.md")
            .is_file()
    );
    let lock = std::fs::read_to_string(home.join("skillpack.lock")).unwrap();
    assert!(lock.contains("\"cursor\""), "{lock}");

    // Uninstalling for one of them removes the one folder: said, and dropped from the
    // project's lock for every agent that read it, so the lock and the folders agree.
    let out = h
        .cmd()
        .args([
            "uninstall",
            "account-management",
            "--scope",
            "project",
            "--agent",
            "codex",
        ])
        .assert()
        .success()
        .get_output()
        .clone();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("also gone for") && err.contains("cursor") && err.contains("gemini-cli"),
        "{err}"
    );
    assert!(!home.join(".agents/skills/account-management").exists());
    let lock = std::fs::read_to_string(home.join("skillpack.lock")).unwrap();
    assert!(!lock.contains("account-management"), "{lock}");
    h.cmd().args(["sync", "--check"]).assert().success();
}

#[test]
fn all_means_the_agents_found_on_this_machine() {
    let h = Home::new();
    let home = h.home.path();
    // Nothing found: the default agent.
    let v = json(
        &h.cmd()
            .args([
                "install",
                "--no-companions",
                "--json",
                "--agent",
                "all",
                "--dry-run",
            ])
            .output()
            .unwrap(),
    );
    assert_eq!(
        v["installed"][0]["agents"],
        serde_json::json!(["claude-code"])
    );
    // Gemini CLI and Goose (an XDG folder) found: both, and not Claude Code.
    fs::create_dir_all(home.join(".gemini")).unwrap();
    let xdg = home.join("xdg");
    fs::create_dir_all(xdg.join("goose")).unwrap();
    let v = json(
        &h.cmd()
            .env("XDG_CONFIG_HOME", &xdg)
            .args(["install", "--no-companions", "--json", "--agent", "all"])
            .output()
            .unwrap(),
    );
    let agents: Vec<&str> = v["installed"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|r| {
            r["agents"]
                .as_array()
                .unwrap()
                .iter()
                .map(|a| a.as_str().unwrap())
        })
        .collect();
    assert_eq!(agents, ["gemini-cli", "goose"], "{v}");
    assert!(
        home.join(".gemini/skills/account-management/SKILL.md")
            .is_file()
    );
    assert!(
        xdg.join("goose/skills/account-management/SKILL.md")
            .is_file()
    );
    assert!(!home.join(".claude").exists());
}

#[test]
fn an_unknown_agent_is_a_usage_error_with_a_suggestion() {
    let h = Home::new();
    let out = h
        .cmd()
        .args(["install", "--agent", "claude-code,gemini"])
        .assert()
        .code(2)
        .get_output()
        .clone();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("`gemini` is not an agent"), "{err}");
    assert!(err.contains("gemini-cli"), "{err}");
    assert!(!h.home.path().join(".claude").exists());
}

#[test]
fn an_agent_that_reads_only_project_skills_needs_project_scope() {
    let h = Home::new();
    let home = h.home.path();
    h.cmd()
        .args(["install", "--no-companions", "--agent", "eve"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains(
            "reads skills only from a project",
        ))
        .stderr(predicates::str::contains("--scope project"));
    h.cmd()
        .args([
            "install",
            "--no-companions",
            "--agent",
            "eve",
            "--scope",
            "project",
        ])
        .assert()
        .success();
    assert!(
        home.join("agent/skills/account-management/SKILL.md")
            .is_file()
    );
}

#[test]
fn a_repository_skill_for_two_agents_is_downloaded_once_and_updated_for_both() {
    let h = Home::new();
    let home = h.home.path();
    let srv = crate::net::Server::start();
    let old = "1111111111111111111111111111111111111111";
    let new = "2222222222222222222222222222222222222222";
    crate::net::serve_acme_skills(&srv, &["main"], old);
    let run = |args: &[&str]| {
        h.cmd()
            .env("SKILLPACK_GITHUB_URL", srv.base())
            .args(args)
            .output()
            .unwrap()
    };
    let out = run(&[
        "install",
        "acme/skills@main",
        "--skill",
        "alpha",
        "--no-companions",
        "--agent",
        "claude-code,codex",
    ]);
    assert!(out.status.success(), "{out:?}");
    assert_eq!(
        srv.hits("/acme/skills/zip/main"),
        1,
        "one download for both agents"
    );
    let trees = || {
        [".claude/skills", ".agents/skills"].map(|root| {
            let lock: serde_json::Value = serde_json::from_slice(
                &fs::read(home.join(root).join(".skillpack/lock.json")).unwrap(),
            )
            .unwrap();
            (
                lock["skills"]["alpha"]["tree"]
                    .as_str()
                    .unwrap()
                    .to_string(),
                lock["skills"]["alpha"]["source"]["commit"]
                    .as_str()
                    .unwrap()
                    .to_string(),
            )
        })
    };
    let [a, b] = trees();
    assert_eq!(a, b);
    assert_eq!(a.1, old);

    // The branch moves: one `update` for both agents, from one download.
    let entries: Vec<(String, Vec<u8>)> = crate::net::skill_files("alpha", "2.0.0")
        .into_iter()
        .map(|(p, d)| (format!("skills-x/skills/alpha/{p}"), d))
        .collect();
    let moved = crate::net::with_zip_comment(crate::net::zip(&entries), new);
    srv.route(
        "/acme/skills/zip/main",
        vec![crate::net::Reply::Body(moved)],
    );
    let before = srv.hits("/acme/skills/zip/main");
    let out = run(&["update", "--agent", "claude-code,codex", "--yes"]);
    assert!(out.status.success(), "{out:?}");
    assert_eq!(
        srv.hits("/acme/skills/zip/main") - before,
        1,
        "one download for both"
    );
    let [a2, b2] = trees();
    assert_eq!(a2, b2, "both copies updated alike");
    assert_eq!(a2.1, new);
    assert_ne!(a2.0, a.0);
}

#[test]
fn update_of_several_agents_says_which_root_each_line_is_about() {
    let h = Home::new();
    h.cmd()
        .args(["install", "--no-companions", "--agent", "claude-code,codex"])
        .assert()
        .success();
    let out = h
        .cmd()
        .args(["update", "--dry-run", "--agent", "claude-code,codex"])
        .assert()
        .success()
        .get_output()
        .clone();
    let text = String::from_utf8_lossy(&out.stdout);
    let claude = text.find("~/.claude/skills (claude-code)");
    let codex = text.find("~/.agents/skills (codex)");
    assert!(claude.is_some() && codex.is_some(), "{text}");
    assert_eq!(text.matches("account-management").count(), 2, "{text}");
    let out = h
        .cmd()
        .args(["update", "--agent", "claude-code,codex"])
        .assert()
        .success()
        .get_output()
        .clone();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("Checking ~/.agents/skills (codex)"), "{err}");
}

#[test]
fn all_in_a_project_includes_the_agents_whose_folders_the_project_has() {
    let h = Home::new();
    let home = h.home.path();
    // Installed for Codex in the project; Codex itself is not on this machine (no ~/.codex).
    h.cmd()
        .args([
            "install",
            "--no-companions",
            "--scope",
            "project",
            "--agent",
            "codex",
        ])
        .assert()
        .success();
    let skill = home.join(".agents/skills/account-management/SKILL.md");
    assert!(skill.is_file());
    assert!(!home.join(".codex").exists());
    fs::write(&skill, "edited").unwrap();
    h.cmd()
        .args(["verify", "--scope", "project", "--agent", "all"])
        .assert()
        .code(1);
    let out = h
        .cmd()
        .args(["list", "--scope", "project", "--agent", "all", "--json"])
        .output()
        .unwrap();
    let v = json(&out);
    assert_eq!(v["skills"][0]["name"], "account-management", "{v}");
}

#[test]
fn an_older_version_for_several_agents_is_refused_before_any_gets_it() {
    let h = Home::new();
    let home = h.home.path();
    let (old, new) = (home.join("old/demo"), home.join("new/demo"));
    write_demo(&old, "1.0.0");
    write_demo(&new, "1.1.0");
    h.cmd()
        .args(["install", "--agent", "codex"])
        .arg(&new)
        .assert()
        .success();
    let out = h
        .cmd()
        .args(["install", "--agent", "claude-code,codex"])
        .arg(&old)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("1.1.0") && err.contains("1.0.0"), "{err}");
    assert!(err.contains("(in ~/.agents/skills, for codex)"), "{err}");
    // Claude Code's folder did not get the older copy while Codex's kept the newer one.
    assert!(!home.join(".claude/skills/demo").exists(), "{err}");
    let codex = fs::read_to_string(home.join(".agents/skills/demo/SKILL.md")).unwrap();
    assert!(codex.contains("1.1.0"));
}

#[test]
fn several_skills_for_several_agents_are_all_checked_before_any_is_installed() {
    let h = Home::new();
    let home = h.home.path();
    let multi = home.join("multi");
    for name in ["aa", "bb"] {
        fs::create_dir_all(multi.join(name)).unwrap();
        fs::write(
            multi.join(name).join("SKILL.md"),
            format!("---\nname: {name}\ndescription: Skill {name}.\n---\nUse it.\n"),
        )
        .unwrap();
    }
    h.cmd()
        .args([
            "install",
            "--skill",
            "*",
            "--agent",
            "codex",
            "--no-companions",
        ])
        .arg(&multi)
        .assert()
        .success();
    fs::write(home.join(".agents/skills/bb/SKILL.md"), "edited by hand").unwrap();
    for dry in [false, true] {
        let mut c = h.cmd();
        c.args([
            "install",
            "--skill",
            "*",
            "--agent",
            "claude-code,codex",
            "--no-companions",
        ])
        .arg(&multi);
        if dry {
            c.arg("--dry-run");
        }
        let out = c.output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{err}");
        assert!(err.contains("(in ~/.agents/skills, for codex)"), "{err}");
        assert!(
            !err.contains("Installed") && !err.contains("Would install"),
            "{err}"
        );
        assert!(!home.join(".claude/skills/aa").exists(), "{err}");
    }
    assert_eq!(
        fs::read_to_string(home.join(".agents/skills/bb/SKILL.md")).unwrap(),
        "edited by hand"
    );
}

#[test]
fn the_restore_hint_for_one_of_several_copies_names_only_its_folder() {
    let h = Home::new();
    let home = h.home.path();
    h.cmd()
        .args(["install", "--no-companions", "--agent", "claude-code,codex"])
        .assert()
        .success();
    fs::write(
        home.join(".agents/skills/account-management/SKILL.md"),
        "edited",
    )
    .unwrap();
    let claude = home.join(".claude/skills/account-management/SKILL.md");
    let original = fs::read_to_string(&claude).unwrap();
    let mine = format!("{original}\nmy own note\n");
    for args in [&["verify"][..], &["update"]] {
        let out = h
            .cmd()
            .args(args)
            .args(["--agent", "claude-code,codex"])
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        let hint = err
            .lines()
            .find_map(|l| l.split_once("`skillpack install --force"))
            .map(|(_, rest)| format!("install --force{}", rest.split('`').next().unwrap()))
            .unwrap_or_else(|| panic!("{args:?}: {err}"));
        assert!(hint.ends_with("--agent codex"), "{args:?}: {hint}");
        // Run: only the codex copy is put back; Claude Code's, edited meanwhile, stays.
        fs::write(&claude, &mine).unwrap();
        let words = shlex::split(&hint).unwrap();
        h.cmd().args(&words).assert().success();
        assert_eq!(fs::read_to_string(&claude).unwrap(), mine);
        h.cmd()
            .args(["verify", "--agent", "codex"])
            .assert()
            .success();
        // The next round: Claude Code's copy as installed, Codex's edited again.
        fs::write(&claude, &original).unwrap();
        fs::write(
            home.join(".agents/skills/account-management/SKILL.md"),
            "edited",
        )
        .unwrap();
    }
}
