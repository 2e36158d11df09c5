//! The import of the `skills` CLI's skills-lock.json as hostile input, and the offer to
//! import it on a terminal: a folder planted where a skill goes is looked at through the
//! opened skills folder, never followed, and a question answered no or interrupted changes
//! nothing.

use std::fs;
use std::path::Path;
use std::process::{Output, Stdio};
use std::time::{Duration, Instant};

use portable_pty::CommandBuilder;

use crate::net::{self, GitProject, Home, computed_hash};
use crate::picker::{CTRL_C, Pty};

const COMMIT: &str = "1111111111111111111111111111111111111111";

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// A git project `proj` whose skills-lock.json names `alpha` of `acme/skills` at `main`,
/// which a GitHub mirror serves.
struct Project(GitProject);

impl std::ops::Deref for Project {
    type Target = GitProject;
    fn deref(&self) -> &GitProject {
        &self.0
    }
}

impl Project {
    fn new() -> Project {
        let p = GitProject::new();
        net::serve_acme_skills(&p.srv, &["main", COMMIT], COMMIT);
        let dir = &p.dir;
        let lock = serde_json::json!({"version": 1, "skills": {
            "alpha": {"source": "acme/skills", "sourceType": "github", "ref": "main",
                      "skillPath": "skills/alpha/SKILL.md", "computedHash": computed_hash("alpha")},
        }});
        fs::write(
            dir.join("skills-lock.json"),
            serde_json::to_vec_pretty(&lock).unwrap(),
        )
        .unwrap();
        Project(p)
    }

    /// `skillpack sync` in the project on a pseudo-terminal.
    fn sync_on_pty(&self) -> Pty {
        let mut cmd = CommandBuilder::new(assert_cmd::cargo::cargo_bin("skillpack"));
        cmd.env_clear();
        cmd.arg("sync");
        cmd.env("HOME", self.h.home.path());
        cmd.env("PATH", std::env::var_os("PATH").unwrap_or_default());
        cmd.env("TERM", "xterm-256color");
        cmd.env("SKILLPACK_CACHE_DIR", self.h.cache.path());
        cmd.env("SKILLPACK_RETRY_BASE_MS", "1");
        cmd.env("SKILLPACK_GITHUB_URL", self.srv.base());
        cmd.cwd(&self.dir);
        Pty::spawn(100, 24, cmd)
    }

    /// Everything under the project but `.git`, with bytes, links by their target.
    fn snapshot(&self) -> Vec<(String, String)> {
        snapshot(&self.dir)
            .into_iter()
            .filter(|(p, _)| !p.starts_with(".git/") && p != ".git")
            .collect()
    }
}

/// Every entry under `dir`: files with their bytes, folders, links with their target and
/// special files by kind; nothing is followed or opened but regular files.
fn snapshot(dir: &Path) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = walkdir::WalkDir::new(dir)
        .min_depth(1)
        .into_iter()
        .map(|e| {
            let e = e.unwrap();
            let rel = e.path().strip_prefix(dir).unwrap().display().to_string();
            let t = e.file_type();
            let what = if t.is_symlink() {
                format!("link {}", fs::read_link(e.path()).unwrap().display())
            } else if t.is_dir() {
                "folder".to_string()
            } else if t.is_file() {
                String::from_utf8_lossy(&fs::read(e.path()).unwrap()).into_owned()
            } else {
                "special".to_string()
            };
            (rel, what)
        })
        .collect();
    out.sort();
    out
}

#[test]
fn an_import_refuses_a_linked_skill_folder_and_reads_nothing_behind_it() {
    let p = Project::new();
    // Outside the project: a FIFO named like a skill's file (reading it would wait for
    // ever) and a private file.
    let outside = p.h.home.path().join("outside");
    fs::create_dir_all(&outside).unwrap();
    fs::write(outside.join("notes.md"), "private\n").unwrap();
    let made = std::process::Command::new("mkfifo")
        .arg(outside.join("SKILL.md"))
        .status()
        .unwrap();
    assert!(made.success());
    // The repository commits `.agents/skills/alpha -> ../../../outside`.
    let root = p.dir.join(".agents/skills");
    fs::create_dir_all(&root).unwrap();
    std::os::unix::fs::symlink("../../../outside", root.join("alpha")).unwrap();
    assert!(
        root.join("alpha/notes.md").is_file(),
        "the link leads outside"
    );
    let outside_before = snapshot(&outside);
    let before = p.snapshot();

    let mut child = net::skillpack(p.h.home.path(), p.h.cache.path(), &p.dir)
        .env("SKILLPACK_GITHUB_URL", p.srv.base())
        .args(["sync", "--from", "skills-lock.json", "--agent", "codex"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let start = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if start.elapsed() > Duration::from_secs(30) {
            let _ = child.kill();
            panic!("the import waited on something behind the link");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let o = child.wait_with_output().unwrap();
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(
        text(&o).contains(".agents/skills/alpha` is a symbolic link, not a skill folder"),
        "{}",
        text(&o)
    );
    assert_eq!(
        snapshot(&outside),
        outside_before,
        "the outside is untouched"
    );
    assert_eq!(p.snapshot(), before, "nothing changed in the project");
    assert!(!p.dir.join("skillpack.lock").exists());
}

#[test]
fn list_does_not_take_a_folder_whose_skill_file_is_a_link_for_a_skill() {
    let h = Home::new();
    let root = h.root();
    let outside = h.home.path().join("outside");
    fs::create_dir_all(&outside).unwrap();
    fs::write(outside.join("SKILL.md"), net::skill_md("planted", "6.6.6")).unwrap();
    fs::create_dir_all(root.join("planted")).unwrap();
    std::os::unix::fs::symlink(outside.join("SKILL.md"), root.join("planted/SKILL.md")).unwrap();
    // A folder made by hand is listed, as unmanaged.
    fs::create_dir_all(root.join("mine")).unwrap();
    fs::write(root.join("mine/SKILL.md"), net::skill_md("mine", "1.0.0")).unwrap();
    let o = h
        .std_cmd()
        .args(["list", "--dir"])
        .arg(&root)
        .output()
        .unwrap();
    let out = text(&o);
    assert!(out.contains("mine") && out.contains("unmanaged"), "{out}");
    assert!(!out.contains("planted") && !out.contains("6.6.6"), "{out}");
}

#[test]
fn the_terminal_offer_to_import_skills_lock_json_answered_yes_writes_the_lock() {
    let p = Project::new();
    let mut pty = p.sync_on_pty();
    pty.wait_for("the question", |s| {
        s.contains("Import") && s.contains("skills-lock.json") && s.contains("[y/N]")
    });
    pty.keys(&[b"y"]);
    assert_eq!(pty.exit_code(), 0, "{}", pty.contents());
    let lock = fs::read_to_string(p.dir.join("skillpack.lock")).unwrap();
    assert!(
        lock.contains("name = \"alpha\"") && lock.contains(&format!("commit = \"{COMMIT}\"")),
        "{lock}"
    );
    assert!(p.dir.join(".claude/skills/alpha/SKILL.md").is_file());
}

#[test]
fn the_terminal_offer_to_import_skills_lock_json_answered_no_or_interrupted_changes_nothing() {
    for (key, code) in [(&b"n"[..], 1), (CTRL_C, 130)] {
        let p = Project::new();
        let before = p.snapshot();
        let mut pty = p.sync_on_pty();
        pty.wait_for("the question", |s| s.contains("[y/N]"));
        pty.keys(&[key]);
        assert_eq!(pty.exit_code(), code, "{}", pty.contents());
        if code == 1 {
            let screen = pty.contents();
            assert!(
                screen.contains("skillpack sync --from skills-lock.json"),
                "{screen}"
            );
        }
        assert_eq!(p.snapshot(), before, "nothing changed");
        assert_eq!(p.srv.hits("/acme/skills/zip/main"), 0, "nothing fetched");
    }
}
