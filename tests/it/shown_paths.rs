//! Paths in messages are written as the rest of the output writes them: under the home
//! folder as `~/…`, relative arguments made absolute, and a problem inside an archive at
//! the archive, then the entry.

use crate::net;

use std::fs;
use std::process::Output;

fn run(home: &net::Home, args: &[&str]) -> Output {
    home.std_cmd().args(args).output().unwrap()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// A skill whose `name` is not its folder's: Claude Code loads it, the specification not.
const MISMATCHED: &str = "---\nname: other\ndescription: A skill for tests.\n---\n# Other\n";

#[test]
fn a_warning_under_an_agents_rules_names_the_file_under_home_as_tilde() {
    let home = net::Home::new();
    let src = home.home.path().join("am");
    fs::create_dir_all(&src).unwrap();
    fs::write(src.join("SKILL.md"), MISMATCHED).unwrap();
    let out = run(
        &home,
        &["install", src.to_str().unwrap(), "--agent", "claude-code"],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("in spite of: ~/am/SKILL.md:2:7:"), "{err}");
    assert!(
        !err.contains(&home.home.path().display().to_string()),
        "{err}"
    );
}

#[test]
fn a_problem_inside_a_zip_names_the_zip_then_the_entry() {
    let home = net::Home::new();
    let zip = net::zip(&[(
        "wrongname/SKILL.md".to_string(),
        MISMATCHED.as_bytes().to_vec(),
    )]);
    fs::write(home.home.path().join("wn.zip"), zip).unwrap();
    // Loaded in spite of it: a warning.
    let out = run(&home, &["install", "wn.zip", "--agent", "claude-code"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("in spite of: ~/wn.zip: wrongname/SKILL.md:2:7:"),
        "{}",
        stderr(&out)
    );
    // Refused under the specification's rules: the error.
    let dir = home.home.path().join("team-skills");
    let out = run(
        &home,
        &["install", "wn.zip", "--dir", dir.to_str().unwrap()],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("does not load: ~/wn.zip: wrongname/SKILL.md:2:7:"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn validate_and_pack_name_a_missing_path_as_install_does() {
    let home = net::Home::new();
    for (args, expected) in [
        (
            &["validate", "nothere.zip"][..],
            "`~/nothere.zip` does not exist",
        ),
        (
            &["validate", "./a/../nothere"],
            "`~/nothere` does not exist",
        ),
        (&["pack", "nothere"], "no such folder: `~/nothere`"),
        (&["install", "nothere.zip"], "`~/nothere.zip`"),
    ] {
        let out = run(&home, args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(
            stderr(&out).contains(expected),
            "{args:?}: {}",
            stderr(&out)
        );
    }
    fs::write(home.home.path().join("notes.txt"), "text").unwrap();
    let out = run(&home, &["validate", "notes.txt"]);
    assert!(
        stderr(&out).contains("`~/notes.txt` is neither a folder nor a SKILL.md file"),
        "{}",
        stderr(&out)
    );
}
