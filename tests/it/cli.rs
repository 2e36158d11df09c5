//! The command line itself: help with examples, completions, the man page, plain output
//! without a terminal, and exit code 2 for usage errors.

use assert_cmd::Command;
use predicates::prelude::*;

use crate::net::Home;

fn skillpack() -> Command {
    crate::net::bare()
}

#[test]
fn top_level_help_shows_the_three_jobs() {
    skillpack()
        .arg("--help")
        .assert()
        .success()
        .stdout(predicate::str::contains("skillpack install"))
        .stdout(predicate::str::contains("skillpack pack DIR --out dist"))
        .stdout(predicate::str::contains("skillpack validate DIR"))
        .stdout(predicate::str::contains(
            "Exit codes: 0 success, 1 failure or validation errors, 2 usage error.",
        ));
}

#[test]
fn every_command_has_a_summary_a_description_and_examples() {
    for cmd in [
        "install",
        "list",
        "verify",
        "uninstall",
        "update",
        "companions",
        "validate",
        "pack",
        "completions",
    ] {
        skillpack()
            .args([cmd, "--help"])
            .assert()
            .success()
            .stdout(predicate::str::contains("Examples:").from_utf8())
            .stdout(predicate::str::contains("Usage: skillpack").from_utf8());
    }
}

#[test]
fn completions_are_generated_for_every_shell() {
    let cases = [
        ("bash", "complete -o nospace -o bashdefault"),
        ("zsh", "#compdef skillpack"),
        (
            "fish",
            "complete --keep-order --exclusive --command skillpack",
        ),
        ("powershell", "Register-ArgumentCompleter"),
        ("elvish", "edit:completion:arg-completer[skillpack]"),
    ];
    let binary = assert_cmd::cargo::cargo_bin("skillpack");
    for (shell, marker) in cases {
        // The script calls this very binary back, with the shell's name in the variable.
        skillpack()
            .args(["completions", shell])
            .assert()
            .success()
            .stdout(predicate::str::contains(marker))
            .stdout(predicate::str::is_match(format!("SKILLPACK_COMPLETE ?= ?\"?{shell}")).unwrap())
            .stdout(predicate::str::contains(binary.to_str().unwrap()));
    }
    skillpack().args(["completions", "tcsh"]).assert().code(2);
}

#[cfg(unix)]
#[test]
fn bash_completion_script_is_valid_bash() {
    let out = skillpack()
        .args(["completions", "bash"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("skillpack.bash");
    std::fs::write(&script, out).unwrap();
    let status = std::process::Command::new("bash")
        .arg("-n")
        .arg(&script)
        .status()
        .unwrap();
    assert!(status.success());
}

/// What a real bash offers after `skillpack WORDS… <TAB>`, the last word being the one
/// completed: the script `completions bash` prints is loaded, and its function called as
/// bash's programmable completion calls it, with COMP_WORDS and COMP_CWORD set.
#[cfg(unix)]
fn bash_complete(home: &Home, words: &[&str]) -> Vec<String> {
    let script = home.home.path().join("skillpack.bash");
    let out = home.cmd().args(["completions", "bash"]).output().unwrap();
    assert!(out.status.success());
    std::fs::write(&script, &out.stdout).unwrap();
    let quoted: Vec<String> = std::iter::once("skillpack")
        .chain(words.iter().copied())
        .map(|w| shlex::try_quote(w).unwrap().into_owned())
        .collect();
    let line = format!(
        "source {script}\n\
         COMP_WORDS=({words})\n\
         COMP_CWORD=$(( ${{#COMP_WORDS[@]}} - 1 ))\n\
         _clap_complete_skillpack skillpack \"${{COMP_WORDS[COMP_CWORD]}}\" \"${{COMP_WORDS[COMP_CWORD-1]}}\"\n\
         printf '%s\\n' \"${{COMPREPLY[@]}}\"\n",
        script = shlex::try_quote(script.to_str().unwrap()).unwrap(),
        words = quoted.join(" "),
    );
    let mut bash = std::process::Command::new("bash");
    bash.args(["--norc", "--noprofile", "-c", &line]);
    // The variables the sandbox sets for skillpack, for the skillpack the script runs.
    for (k, v) in home.std_cmd().get_envs() {
        match v {
            Some(v) => bash.env(k, v),
            None => bash.env_remove(k),
        };
    }
    let out = bash.current_dir(home.home.path()).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect()
}

#[cfg(unix)]
#[test]
fn bash_completes_installed_skill_names_and_catalog_names() {
    let home = Home::new();
    let claude = home.home.path().join(".claude/skills");
    let codex = home.home.path().join(".agents/skills");
    // Nothing installed yet: no skill names to offer.
    let none = bash_complete(&home, &["uninstall", ""]);
    assert!(
        !none.contains(&"account-management".to_string()),
        "{none:?}"
    );
    home.cmd()
        .args(["install", "--no-companions", "--dir"])
        .arg(&claude)
        .assert()
        .success();
    let folder = home.home.path().join("work/local-notes");
    std::fs::create_dir_all(&folder).unwrap();
    std::fs::write(
        folder.join("SKILL.md"),
        "---\nname: local-notes\ndescription: Notes kept for the completion test.\n---\n# Notes\n",
    )
    .unwrap();
    home.cmd()
        .args(["install", "--no-companions", "--dir"])
        .arg(&codex)
        .arg(&folder)
        .assert()
        .success();

    for command in ["uninstall", "verify", "update"] {
        let offered = bash_complete(&home, &[command, ""]);
        for name in ["account-management", "local-notes"] {
            assert!(
                offered.contains(&name.to_string()),
                "{command}: {offered:?}"
            );
        }
        // Catalog skills that are not installed are not offered for removal.
        assert!(
            !offered.contains(&"crm-management".to_string()),
            "{offered:?}"
        );
        assert_eq!(bash_complete(&home, &[command, "loc"]), vec!["local-notes"]);
    }
    let companions = bash_complete(&home, &["companions", "a"]);
    assert_eq!(companions, vec!["account-management"]);

    // install offers the catalog (installed or not) and paths.
    let install = bash_complete(&home, &["install", "cr"]);
    assert_eq!(install, vec!["crm-management"]);
    let install = bash_complete(&home, &["install", "wo"]);
    assert_eq!(install, vec!["work/"]);
    let all = bash_complete(&home, &["install", ""]);
    for name in [
        "account-management",
        "crm-management",
        "sales-playbook",
        "partnership-strategy",
        "customer-success-playbook",
    ] {
        assert!(all.contains(&name.to_string()), "{all:?}");
    }
    // Commands and options still complete.
    assert!(bash_complete(&home, &["unin"]).contains(&"uninstall".to_string()));
    assert!(bash_complete(&home, &["verify", "--js"]).contains(&"--json".to_string()));
}

#[cfg(unix)]
#[test]
fn bash_completes_the_skills_of_the_root_and_the_local_index_typed() {
    let home = Home::new();
    // The default root holds the embedded skill; h6 holds alpha and gamma.
    home.cmd()
        .args(["install", "--no-companions"])
        .assert()
        .success();
    for name in ["alpha", "gamma"] {
        let folder = home.home.path().join("src").join(name);
        for (rel, bytes) in crate::net::skill_files(name, "1.0.0") {
            let f = folder.join(rel);
            std::fs::create_dir_all(f.parent().unwrap()).unwrap();
            std::fs::write(f, bytes).unwrap();
        }
        home.cmd()
            .args(["install", "--no-companions", "--dir", "h6"])
            .arg(&folder)
            .assert()
            .success();
    }
    for command in ["uninstall", "verify", "update"] {
        let offered = bash_complete(&home, &[command, "--dir", "h6", ""]);
        let names: Vec<&String> = offered.iter().filter(|w| !w.starts_with('-')).collect();
        assert_eq!(names, ["alpha", "gamma"], "{command}");
        let offered = bash_complete(&home, &[command, "--dir=h6", "g"]);
        assert_eq!(offered, vec!["gamma"], "{command}");
    }
    let offered = bash_complete(&home, &["companions", "--dir", "h6", ""]);
    assert_eq!(offered[..2], ["alpha", "gamma"], "{offered:?}");
    // Without --dir, the default root's.
    let offered = bash_complete(&home, &["uninstall", ""]);
    assert!(
        offered.contains(&"account-management".to_string())
            && !offered.contains(&"alpha".to_string()),
        "{offered:?}"
    );

    // A local index's names, by path or file:// URL.
    let entries = vec![crate::net::index_entry(
        "zeta-notes",
        "1.0.0",
        "zeta-notes-1.0.0.zip",
    )];
    std::fs::write(
        home.home.path().join("index.json"),
        crate::net::index(entries),
    )
    .unwrap();
    let offered = bash_complete(&home, &["install", "--index", "index.json", "ze"]);
    assert_eq!(offered, vec!["zeta-notes"]);
    let url = format!("file://{}", home.home.path().join("index.json").display());
    let offered = bash_complete(&home, &["install", "--index", &url, ""]);
    assert!(offered.contains(&"zeta-notes".to_string()), "{offered:?}");
    // An index on the network is not fetched while completing.
    let srv = crate::net::Server::start();
    srv.route(
        "/index.json",
        vec![crate::net::Reply::Body(
            std::fs::read(home.home.path().join("index.json")).unwrap(),
        )],
    );
    let offered = bash_complete(
        &home,
        &["install", "--index", &srv.url("/index.json"), "ze"],
    );
    assert!(offered.is_empty(), "{offered:?}");
    assert_eq!(srv.hits("/index.json"), 0);
}

#[test]
fn man_page_documents_the_commands() {
    skillpack()
        .arg("man")
        .assert()
        .success()
        .stdout(predicate::str::contains(".TH skillpack 1"))
        .stdout(predicate::str::contains("install"))
        .stdout(predicate::str::contains("validate"));
}

#[test]
fn output_without_a_terminal_is_plain() {
    let home = tempfile::tempdir().unwrap();
    let out = Command::cargo_bin("skillpack")
        .unwrap()
        .env("HOME", home.path())
        .env_remove("NO_COLOR")
        .args(["install", "--no-companions"])
        .assert()
        .success()
        .get_output()
        .clone();
    let all = [out.stdout, out.stderr].concat();
    assert!(
        !all.contains(&0x1b),
        "escape sequences in non-terminal output"
    );
    let forced = Command::cargo_bin("skillpack")
        .unwrap()
        .env("HOME", home.path())
        .args(["list", "--color", "always"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    assert!(forced.contains(&0x1b), "--color always colours");
}

#[test]
fn usage_errors_exit_2_with_a_message() {
    skillpack()
        .arg("frobnicate")
        .assert()
        .code(2)
        .stderr(predicate::str::contains("unrecognized subcommand"));
    skillpack()
        .args(["install", "--scope", "galaxy"])
        .assert()
        .code(2);
    skillpack().args(["uninstall"]).assert().code(2);
    skillpack()
        .args(["install", "--sha256", "xyz", "./x.zip"])
        .assert()
        .code(2);
    skillpack()
        .arg("--version")
        .assert()
        .success()
        .stdout(predicate::str::contains("skillpack 0.1.0"));
}

/// The binary in a sandbox HOME, isolated from the machine.
fn in_home(home: &Home) -> Command {
    Command::from_std(home.std_cmd())
}

/// The verbs users of other installers type reach the same commands.
#[test]
fn add_installs_like_install() {
    let home = Home::new();
    in_home(&home)
        .args(["add", "--no-companions"])
        .assert()
        .success();
    assert!(
        home.home
            .path()
            .join(".claude/skills/account-management/SKILL.md")
            .is_file()
    );
}

#[test]
fn ls_lists_like_list() {
    let home = Home::new();
    in_home(&home)
        .args(["install", "--no-companions"])
        .assert()
        .success();
    in_home(&home)
        .arg("ls")
        .assert()
        .success()
        .stdout(predicate::str::contains("account-management"));
}

#[test]
fn remove_and_rm_uninstall_like_uninstall() {
    for verb in ["remove", "rm"] {
        let home = Home::new();
        let skill = home.home.path().join(".claude/skills/account-management");
        in_home(&home)
            .args(["install", "--no-companions"])
            .assert()
            .success();
        assert!(skill.is_dir());
        in_home(&home)
            .args([verb, "account-management"])
            .assert()
            .success();
        assert!(!skill.exists(), "`{verb}` left the skill in place");
    }
}

#[test]
fn help_lists_the_aliases() {
    skillpack()
        .arg("--help")
        .assert()
        .success()
        .stdout(predicate::str::contains("[alias: add]"))
        .stdout(predicate::str::contains("[aliases: remove, rm]"))
        .stdout(predicate::str::contains("[alias: ls]"));
}

/// The JSON error document a failed run prints on stdout.
fn json_error(out: &std::process::Output) -> serde_json::Value {
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("stdout is not JSON ({e}): {:?}", out.stdout));
    doc["error"].clone()
}

#[test]
fn usage_errors_with_json_print_the_json_error_document() {
    for args in [
        &["--json", "frobnicate"][..],
        &["install", "--json", "--scope", "galaxy"],
        &["uninstall", "--json"],
        &["list", "--json", "--max-size", "1G"],
    ] {
        let out = skillpack().args(args).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let error = json_error(&out);
        assert_eq!(error["code"], 2, "{args:?}: {error}");
        assert_eq!(error["kind"], "usage", "{args:?}: {error}");
        assert!(!error["message"].as_str().unwrap().is_empty());
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(
            stderr.lines().filter(|l| l.starts_with("error:")).count(),
            1
        );
    }
}

#[test]
fn scope_help_says_what_the_project_is() {
    skillpack()
        .args(["list", "--help"])
        .assert()
        .success()
        .stdout(predicate::str::contains("holds .git"))
        .stdout(predicate::str::contains("(the current folder)").not());
}

#[test]
fn usage_errors_without_json_leave_stdout_empty() {
    skillpack()
        .args(["install", "--scope", "galaxy"])
        .assert()
        .code(2)
        .stdout(predicate::str::is_empty());
}

#[test]
fn completions_and_man_refuse_json() {
    for args in [
        &["completions", "bash", "--json"][..],
        &["--json", "man"],
        &["man", "--json"],
        &["man", "install", "--json"],
        &["--json", "completions", "zsh"],
    ] {
        let out = skillpack().args(args).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let error = json_error(&out);
        assert!(
            error["message"].as_str().unwrap().contains("--json"),
            "{error}"
        );
    }
}

#[test]
fn completions_and_man_help_leave_out_json() {
    for args in [
        &["man", "--help"][..],
        &["completions", "--help"],
        &["man", "-h"],
        &["help", "completions"],
    ] {
        let out = skillpack().args(args).output().unwrap();
        assert!(out.status.success(), "{args:?}");
        let help = String::from_utf8_lossy(&out.stdout);
        assert!(help.contains("--color"), "{args:?}:\n{help}");
        assert!(!help.contains("--json"), "{args:?}:\n{help}");
    }
    // Other commands still show it.
    let out = skillpack().args(["list", "--help"]).output().unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains("--json"));
}

#[test]
fn help_groups_options_under_headings() {
    let help = skillpack()
        .args(["install", "--help"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let help = String::from_utf8(help).unwrap();
    let at = |heading: &str| {
        help.find(&format!("\n{heading}:\n"))
            .unwrap_or_else(|| panic!("no {heading} heading in:\n{help}"))
    };
    let at_option = |option: &str| help.find(option).unwrap();
    for (heading, option) in [
        ("What to install", "--sha256 <HEX>"),
        ("Where", "--agent <AGENTS>"),
        ("Limits", "--max-size <SIZE>"),
        ("Output", "--json"),
    ] {
        assert!(at(heading) < at_option(option), "{option} under {heading}");
    }
    // Options that belong to no group are not swept under the group before them.
    assert!(at_option("--dry-run") < at("Where"), "{help}");
}

#[test]
fn version_is_a_top_level_flag_only() {
    skillpack()
        .arg("-V")
        .assert()
        .success()
        .stdout(predicate::str::contains("skillpack 0.1.0"));
    skillpack()
        .arg("--help")
        .assert()
        .stdout(predicate::str::contains("-V, --version"));
    skillpack().args(["install", "-V"]).assert().code(2);
    skillpack()
        .args(["install", "--help"])
        .assert()
        .stdout(predicate::str::contains("--version").not());
}

#[test]
fn help_points_to_the_man_pages() {
    skillpack()
        .arg("--help")
        .assert()
        .stdout(predicate::str::contains("man skillpack-install"))
        .stdout(predicate::str::contains("docs/").not());
    for cmd in ["install", "validate", "pack", "list"] {
        skillpack()
            .args([cmd, "--help"])
            .assert()
            .stdout(predicate::str::contains(format!("man skillpack-{cmd}")))
            .stdout(predicate::str::contains(format!("skillpack man {cmd}")))
            .stdout(predicate::str::contains("docs/").not());
    }
}

#[test]
fn a_dir_that_does_not_exist_is_a_usage_error_for_commands_that_read_a_root() {
    let home = tempfile::tempdir().unwrap();
    let missing = home.path().join("no-such-skills");
    for args in [
        &["list"][..],
        &["verify"],
        &["update"],
        &["uninstall", "demo"],
        &["companions", "account-management"],
    ] {
        let out = std::process::Command::new(assert_cmd::cargo::cargo_bin("skillpack"))
            .args(args)
            .arg("--dir")
            .arg(&missing)
            .env("HOME", home.path())
            .env("NO_COLOR", "1")
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains("no such file or folder"), "{args:?}: {err}");
        assert!(err.contains("--dir"), "{args:?}: {err}");
    }
    assert!(!missing.exists(), "nothing may be created");
}
