//! Tables and the password prompt on a real pseudo-terminal (the picker's harness): tables
//! keep each row on one row of a narrow terminal with the name and state in view, and
//! Ctrl-C at the password prompt gives the terminal back as it was.

use std::fs;
use std::path::Path;

use crate::net::{self, skill_files};
use crate::picker::{Pty, pty_command};

const COMPANIONS: [&str; 4] = [
    "customer-success-playbook",
    "crm-management",
    "sales-playbook",
    "partnership-strategy",
];

/// A name and a version long enough that the old column order pushed STATE off a
/// 60-column terminal.
const LONG_NAME: &str = "a-skill-with-a-rather-long-descriptive-name";
const LONG_VERSION: &str = "1.0.0-rc.1+build.20261203.abcdef";

fn skillpack_on_pty(home: &net::Home, cols: u16, args: &[&str]) -> Pty {
    let mut cmd = pty_command(home, assert_cmd::cargo::cargo_bin("skillpack"));
    cmd.args(args);
    Pty::spawn(cols, 24, cmd)
}

fn write_skill(dir: &Path, name: &str, version: &str) {
    for (rel, bytes) in skill_files(name, version) {
        let p = dir.join(rel);
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        fs::write(p, bytes).unwrap();
    }
}

/// Runs `args` on a pty `cols` wide to the end; the rows of its table (from the row
/// starting with `header` to the last row starting with one of `names`), after checking
/// that none of them wrapped.
fn table(home: &net::Home, cols: u16, args: &[&str], header: &str, names: &[&str]) -> Vec<String> {
    let mut pty = skillpack_on_pty(home, cols, args);
    assert_eq!(pty.exit_code(), 0, "{}", pty.contents());
    let rows = pty.rows();
    let first = rows
        .iter()
        .position(|r| r.starts_with(header))
        .unwrap_or_else(|| panic!("no {header} row:\n{}", pty.contents()));
    let last = rows
        .iter()
        .rposition(|r| names.iter().any(|n| r.starts_with(&n[..10])))
        .unwrap();
    let wrapped: Vec<u16> = pty
        .wrapped_rows()
        .into_iter()
        .filter(|r| (first..=last).contains(&usize::from(*r)))
        .collect();
    assert_eq!(wrapped, Vec::<u16>::new(), "at {cols}:\n{}", pty.contents());
    println!("{args:?} at {cols} columns:\n{}", pty.contents());
    rows[first..=last].to_vec()
}

#[test]
fn list_keeps_name_and_state_in_view_at_60_and_120_columns() {
    let home = net::Home::new();
    write_skill(
        &home.home.path().join(format!("src/{LONG_NAME}")),
        LONG_NAME,
        LONG_VERSION,
    );
    // Named with a `./` step, which the SOURCE column leaves out.
    let src = home.home.path().join(format!("src/./{LONG_NAME}"));
    for args in [&["install"][..], &["install", src.to_str().unwrap()]] {
        let out = home.std_cmd().args(args).output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let names = ["account-management", LONG_NAME];
    for cols in [60, 120] {
        let rows = table(&home, cols, &["list"], "NAME", &names);
        assert_eq!(rows[0].split_whitespace().nth(1), Some("STATE"), "{rows:?}");
        assert_eq!(rows.len(), 3, "{rows:?}");
        for row in &rows[1..] {
            assert_eq!(
                row.split_whitespace().nth(1),
                Some("installed"),
                "{cols}: {row:?}"
            );
        }
        if cols == 120 {
            // A long version is cut, not the columns after it.
            let long = rows.iter().find(|r| r.starts_with(LONG_NAME)).unwrap();
            assert!(long.contains("1.0.0-rc.1+…  ~/src/"), "{long:?}");
        }
    }
    // The folder it came from, as a path to read: `~` and no `./` step (whole in a pipe).
    let out = home.std_cmd().arg("list").output().unwrap();
    let table = String::from_utf8_lossy(&out.stdout);
    let long = table.lines().find(|r| r.starts_with(LONG_NAME)).unwrap();
    assert!(long.ends_with(&format!("  ~/src/{LONG_NAME}")), "{long:?}");
}

#[test]
fn companions_keeps_name_and_status_in_view_at_60_and_120_columns() {
    let home = net::Home::new();
    let out = home.std_cmd().args(["install"]).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for cols in [60, 120] {
        let rows = table(&home, cols, &["companions"], "COMPANION", &COMPANIONS);
        assert_eq!(rows.len(), 1 + COMPANIONS.len(), "{rows:?}");
        for name in COMPANIONS {
            let row = rows.iter().find(|r| r.starts_with(name)).unwrap();
            assert_eq!(row.split_whitespace().nth(1), Some("missing"), "{row:?}");
        }
    }
}

/// `sh -c SCRIPT` on a pty, the script running skillpack as `$0`.
fn shell_on_pty(home: &net::Home, script: &str) -> Pty {
    let mut cmd = pty_command(home, "sh");
    cmd.args(["-c", script]);
    cmd.arg(assert_cmd::cargo::cargo_bin("skillpack"));
    Pty::spawn(100, 24, cmd)
}

#[test]
fn ctrl_c_at_the_password_prompt_exits_130_with_echo_back_on() {
    let home = net::Home::new();
    // After skillpack, the same terminal's settings: whether echo is on again.
    let mut pty = shell_on_pty(
        &home,
        "\"$0\" key new --out keys; echo \"exit=$?\"; stty -a | tr ' ;' '\\n\\n' | grep -x -e echo -e -echo | sed 's/^/state=/'",
    );
    pty.wait_for("the password prompt", |s| {
        s.contains("Password for the new key")
    });
    pty.keys(&[b"sec", b"\x03"]);
    assert_eq!(pty.exit_code(), 0, "{}", pty.contents());
    let screen = pty.contents();
    assert!(screen.contains("exit=130"), "{screen}");
    assert!(screen.contains("interrupted"), "{screen}");
    assert!(screen.contains("state=echo"), "{screen}");
    assert!(!screen.contains("state=-echo"), "{screen}");
    assert!(!home.home.path().join("keys/skillpack.key").exists());
}

#[test]
fn a_password_typed_at_the_prompt_is_not_shown_and_makes_an_encrypted_key() {
    let home = net::Home::new();
    let mut cmd = pty_command(&home, assert_cmd::cargo::cargo_bin("skillpack"));
    cmd.args(["key", "new", "--out", "keys"]);
    let mut pty = Pty::spawn(100, 24, cmd);
    pty.wait_for("the password prompt", |s| {
        s.contains("Password for the new key")
    });
    // A typo mended with Backspace.
    pty.keys(&[b"hunter2y", b"\x7f", b"x\r"]);
    pty.wait_for("the second prompt", |s| s.contains("Password again"));
    pty.keys(&[b"hunter2x\r"]);
    assert_eq!(pty.exit_code(), 0, "{}", pty.contents());
    let screen = pty.contents();
    assert!(!screen.contains("hunter2"), "{screen}");
    // The key is encrypted: it opens with the password as it was meant, not as it was
    // first typed.
    let skill = home.home.path().join("skill/demo");
    write_skill(&skill, "demo", "1.0.0");
    let key = home.home.path().join("keys/skillpack.key");
    for (password, ok) in [("hunter2y", false), ("hunter2x", true)] {
        let out = home
            .std_cmd()
            .args(["pack", skill.to_str().unwrap(), "--out", "dist", "--sign"])
            .arg(&key)
            .env("SKILLPACK_SIGNING_PASSWORD", password)
            .output()
            .unwrap();
        assert_eq!(
            out.status.success(),
            ok,
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

#[test]
fn companions_on_a_narrow_terminal_prints_each_command_whole_below_the_table() {
    let home = net::Home::new();
    let out = home.std_cmd().args(["install"]).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut pty = skillpack_on_pty(&home, 60, &["companions"]);
    assert_eq!(pty.exit_code(), 0, "{}", pty.contents());
    let screen = pty.contents();
    println!("companions at 60 columns:\n{screen}");
    let lines: Vec<&str> = screen.lines().map(str::trim_end).collect();
    for name in COMPANIONS {
        let cmd = format!("  skillpack install {name}");
        assert!(lines.contains(&cmd.as_str()), "{name}:\n{screen}");
    }
    // No command is cut.
    for line in &lines {
        assert!(
            !(line.contains("skillpack install") && line.ends_with('…')),
            "{line:?}\n{screen}"
        );
    }
    // The footer breaks between words, and its command is whole on a line of its own
    // (which the terminal may wrap).
    let rows = pty.rows();
    let at = rows
        .iter()
        .position(|r| r.contains("install the"))
        .unwrap_or_else(|| panic!("{screen}"));
    assert_eq!(
        rows[at].trim(),
        "install the missing ones with:",
        "{screen}"
    );
    let all = format!("    skillpack install {}", COMPANIONS.join(" "));
    assert!(lines.contains(&all.as_str()), "{screen}");
}

#[test]
fn companions_on_a_narrow_terminal_prints_one_missing_command_once() {
    let home = net::Home::new();
    let h6 = home.home.path().join("h6");
    fs::create_dir_all(h6.join("alpha")).unwrap();
    fs::write(
        h6.join("alpha/SKILL.md"),
        "---\nname: alpha\ndescription: test skill alpha\nrecommended_skills:\n  - crm-management\n---\n# Alpha\n",
    )
    .unwrap();
    let dir = h6.to_str().unwrap();
    let mut pty = skillpack_on_pty(&home, 60, &["companions", "alpha", "--dir", dir]);
    assert_eq!(pty.exit_code(), 0, "{}", pty.contents());
    let screen = pty.contents();
    println!("companions at 60 columns:\n{screen}");
    assert!(screen.contains("install commands:"), "{screen}");
    assert_eq!(
        screen.matches("skillpack install crm-management").count(),
        1,
        "{screen}"
    );
}
