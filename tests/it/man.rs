//! `skillpack man`: one page per command, with EXAMPLES, ENVIRONMENT, FILES and EXIT STATUS,
//! rendered by the system `man` where there is one.

use std::path::Path;
use std::process::Command as StdCommand;

use assert_cmd::Command;
use predicates::prelude::*;

const COMMANDS: &[&str] = &[
    "install",
    "agents",
    "key",
    "sync",
    "lock",
    "list",
    "verify",
    "uninstall",
    "update",
    "companions",
    "validate",
    "pack",
    "completions",
    "doctor",
    "man",
];

fn skillpack() -> Command {
    crate::net::bare()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn man_prints_the_page_of_one_command() {
    let page = skillpack()
        .args(["man", "install"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let page = text(&page);
    for needle in [
        ".TH skillpack-install 1",
        ".SH EXAMPLES",
        ".SH ENVIRONMENT",
        ".SH FILES",
        ".SH \"EXIT STATUS\"",
        "SKILLPACK_CACHE_DIR",
        "SKILLPACK_INDEX",
        "NO_COLOR",
        "CLAUDE_CONFIG_DIR",
        "SOURCE_DATE_EPOCH",
        "\\&.skillpack/lock.json",
        "\\&.skillpack/staging/",
        "\\&.skillpack/declined.json",
    ] {
        let found = page.contains(needle) || page.contains(&needle.replace("\\&", ""));
        assert!(found, "no {needle} in:\n{page}");
    }
    // An alias names the same page.
    skillpack()
        .args(["man", "add"])
        .assert()
        .success()
        .stdout(predicate::str::contains(".TH skillpack-install 1"));
}

#[test]
fn man_without_a_command_prints_the_overview() {
    skillpack()
        .arg("man")
        .assert()
        .success()
        .stdout(predicate::str::contains(".TH skillpack 1"))
        .stdout(predicate::str::contains("skillpack\\-install(1)"));
}

#[test]
fn man_of_an_unknown_command_is_a_usage_error() {
    skillpack()
        .args(["man", "frobnicate"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("frobnicate"));
}

#[test]
fn man_out_writes_every_page() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("man1");
    skillpack()
        .args(["man", "--out"])
        .arg(&out)
        .assert()
        .success()
        .stdout(predicate::str::is_empty());
    let mut names: Vec<String> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    let mut expected: Vec<String> = COMMANDS
        .iter()
        .map(|c| format!("skillpack-{c}.1"))
        .chain(["skillpack.1".to_string()])
        .collect();
    expected.sort();
    assert_eq!(names, expected);
    // Every command's page shows how it is used.
    for name in names.iter().filter(|n| n.starts_with("skillpack-")) {
        let page = std::fs::read_to_string(out.join(name)).unwrap();
        assert!(page.contains(".SH EXAMPLES"), "no EXAMPLES in {name}");
    }
}

/// Words of a line, with the hyphens and quotes a formatter may substitute made plain.
fn words(line: &str) -> Vec<String> {
    line.replace(['\u{2010}', '\u{2212}'], "-")
        .split_whitespace()
        .map(str::to_string)
        .collect()
}

/// The example lines of a command's `--help`, as written.
fn examples(cmd: &str) -> Vec<String> {
    let help = skillpack()
        .args([cmd, "--help"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let help = text(&help);
    let start = help.find("\nExamples:\n").expect("an Examples block") + "\nExamples:\n".len();
    help[start..]
        .lines()
        .take_while(|l| !l.trim().is_empty())
        .map(str::to_string)
        .collect()
}

fn render(man: &Path, page: &Path) -> String {
    let out = StdCommand::new(man)
        .arg("-l")
        .arg(page)
        .env("MANWIDTH", "80")
        .env("MANPAGER", "cat")
        .env("PAGER", "cat")
        .env("LC_ALL", "C.UTF-8")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "man -l {}: {}",
        page.display(),
        text(&out.stderr)
    );
    text(&out.stdout)
}

fn find_man() -> Option<std::path::PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|d| d.join("man"))
        .find(|p| p.is_file())
}

/// Each EXAMPLES line stays a line of its own in the rendered page (not run together with
/// the next, not re-wrapped), and the sections are all there.
#[test]
fn man_pages_render_examples_as_written() {
    let Some(man) = find_man() else {
        eprintln!("note: `man` is not installed (apt-get install man-db); rendering not checked");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    skillpack()
        .args(["man", "--out"])
        .arg(dir.path())
        .assert()
        .success();
    for cmd in COMMANDS.iter().filter(|c| **c != "man") {
        let page = render(&man, &dir.path().join(format!("skillpack-{cmd}.1")));
        for section in [
            "NAME",
            "SYNOPSIS",
            "DESCRIPTION",
            "OPTIONS",
            "EXAMPLES",
            "ENVIRONMENT",
            "FILES",
            "EXIT STATUS",
        ] {
            assert!(
                page.lines().any(|l| l == section),
                "skillpack-{cmd}(1) has no {section} section:\n{page}"
            );
        }
        let rendered: Vec<Vec<String>> = page.lines().map(words).collect();
        for example in examples(cmd) {
            assert!(
                rendered.contains(&words(&example)),
                "skillpack-{cmd}(1) does not keep `{}` on its own line:\n{page}",
                example.trim()
            );
        }
    }
    // A table in a description keeps its layout too.
    let install = render(&man, &dir.path().join("skillpack-install.1"));
    assert!(
        install
            .lines()
            .map(words)
            .any(|w| w == words("FILE.zip          a .zip or .skill file")),
        "{install}"
    );
}
