//! The command line itself: help with examples, completions, the man page, plain output
//! without a terminal, and exit code 2 for usage errors.

use assert_cmd::Command;
use predicates::prelude::*;

use crate::net::Home;

fn skillpack() -> Command {
    let mut c = Command::cargo_bin("skillpack").unwrap();
    c.env("NO_COLOR", "1");
    c
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
        ("bash", "complete -F _skillpack"),
        ("zsh", "#compdef skillpack"),
        ("fish", "complete -c skillpack"),
        ("powershell", "Register-ArgumentCompleter"),
        ("elvish", "edit:completion:arg-completer[skillpack]"),
    ];
    for (shell, marker) in cases {
        skillpack()
            .args(["completions", shell])
            .assert()
            .success()
            .stdout(predicate::str::contains(marker))
            .stdout(predicate::str::contains("companions"));
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
