//! The project's `skillpack.lock` as the one list of what each agent gets: `update
//! --scope project` moves every agent's copy the lock names, and a lock exported at user
//! scope restores into the user's folders.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Output;

use crate::net::{self, GitProject, Home, Reply, Server, with_zip_comment};

const COMMIT: &str = "1111111111111111111111111111111111111111";
const NEXT: &str = "4444444444444444444444444444444444444444";

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// A git project `proj` in a fresh HOME, and a GitHub mirror.
struct Project(GitProject);

impl std::ops::Deref for Project {
    type Target = GitProject;
    fn deref(&self) -> &GitProject {
        &self.0
    }
}

impl Project {
    fn new() -> Project {
        Project(GitProject::new())
    }

    fn run(&self, args: &[&str]) -> Output {
        let o = self.cmd_in(&self.dir).args(args).output().unwrap();
        assert!(
            o.status.code().is_some(),
            "skillpack was killed: {}",
            text(&o)
        );
        o
    }

    fn ok(&self, args: &[&str]) -> String {
        let o = self.run(args);
        assert!(o.status.success(), "{args:?}: {}", text(&o));
        text(&o)
    }

    /// A local skill `demo` 1.0.0 in `skills-src/demo`, installed at project scope for
    /// Claude Code; its source folder.
    fn demo_for_claude_code(&self) -> PathBuf {
        self.demo_for(&[])
    }

    /// A local skill `demo` 1.0.0 in `skills-src/demo`, installed at project scope for
    /// Claude Code and Codex; its source folder.
    fn demo_for_two_agents(&self) -> PathBuf {
        self.demo_for(&["--agent", "claude-code,codex"])
    }

    /// The demo skill installed at project scope with the target flags `agents`.
    fn demo_for(&self, agents: &[&str]) -> PathBuf {
        let src = self.dir.join("skills-src/demo");
        write_skill(&src, "demo", "1.0.0");
        let mut args = vec!["install", "--scope", "project", "./skills-src/demo"];
        args.extend(agents);
        args.push("--no-companions");
        self.ok(&args);
        src
    }

    fn lock(&self) -> String {
        fs::read_to_string(self.dir.join("skillpack.lock")).unwrap()
    }

    /// The `[[skill]]` table of `name` in the lock.
    fn entry(&self, name: &str) -> String {
        let lock = self.lock();
        lock.split("[[skill]]")
            .find(|t| t.contains(&format!("name = \"{name}\"")))
            .unwrap_or_else(|| panic!("{name} is not locked: {lock}"))
            .to_string()
    }
}

/// The tree digest of the skill folder `dir` as it is on disk.
fn tree_on_disk(dir: &Path) -> String {
    let name = dir.file_name().unwrap().to_str().unwrap();
    let files: Vec<(String, Vec<u8>)> = net::files_under(dir)
        .into_iter()
        .map(|f| (f.clone(), fs::read(dir.join(&f)).unwrap()))
        .collect();
    net::tree_digest(name, &files)
}

fn write_skill(dir: &Path, name: &str, version: &str) {
    for (p, d) in net::skill_files(name, version) {
        let f = dir.join(p);
        fs::create_dir_all(f.parent().unwrap()).unwrap();
        fs::write(f, d).unwrap();
    }
}

#[test]
fn update_at_project_scope_replaces_the_copy_of_every_agent_the_lock_names() {
    let p = Project::new();
    let src = p.demo_for_two_agents();
    assert!(
        p.entry("demo")
            .contains("agents = [\"claude-code\", \"codex\"]"),
        "{}",
        p.lock()
    );
    write_skill(&src, "demo", "2.0.0");
    let want = tree_on_disk(&src);

    // A dry run says what would change and changes nothing.
    let before = p.lock();
    let dry = p.ok(&["update", "--scope", "project", "--dry-run"]);
    assert!(dry.contains("demo 1.0.0 → 2.0.0"), "{dry}");
    assert_eq!(p.lock(), before);
    assert_ne!(tree_on_disk(&p.dir.join(".agents/skills/demo")), want);
    // Inside the project, a plain `update` means the project's lock, as `sync` does;
    // `--scope user` means the user's own skills (none here).
    let dry = p.ok(&["update", "--dry-run"]);
    assert!(dry.contains("demo 1.0.0 → 2.0.0"), "{dry}");
    let user = p.ok(&["update", "--scope", "user", "--dry-run"]);
    assert!(!user.contains("demo"), "{user}");

    let out = p.ok(&["update"]);
    assert!(out.contains("demo 1.0.0 → 2.0.0"), "{out}");
    let claude = p.dir.join(".claude/skills/demo");
    let codex = p.dir.join(".agents/skills/demo");
    assert_eq!(tree_on_disk(&claude), want);
    assert_eq!(tree_on_disk(&codex), want);
    let entry = p.entry("demo");
    assert!(
        entry.contains("version = \"2.0.0\"")
            && entry.contains(&format!("tree = \"{want}\""))
            && entry.contains("agents = [\"claude-code\", \"codex\"]"),
        "{entry}"
    );
    let check = p.run(&["sync", "--check"]);
    assert_eq!(check.status.code(), Some(0), "{}", text(&check));
    assert!(
        text(&check).contains("1 skill(s) are exactly as"),
        "{}",
        text(&check)
    );
    let noop = p.ok(&["sync"]);
    assert!(
        noop.contains("1 skill(s) (2 copies) are installed as"),
        "{noop}"
    );
    // Nothing newer now: up to date, and the lock is left as it is.
    let locked = p.lock();
    let again = p.ok(&["update", "--scope", "project"]);
    assert!(again.contains("Up to date"), "{again}");
    assert_eq!(p.lock(), locked);
    let unknown = p.run(&["update", "--scope", "project", "nope"]);
    assert_eq!(unknown.status.code(), Some(1));
    assert!(
        text(&unknown).contains("`nope` is not in ~/proj/skillpack.lock"),
        "{}",
        text(&unknown)
    );
}

#[test]
fn update_at_project_scope_keeps_a_commit_pin_and_moves_a_branch_for_every_agent() {
    let p = Project::new();
    net::serve_acme_skills(&p.srv, &["main", COMMIT], COMMIT);
    for (at, skill) in [(COMMIT, "alpha"), ("main", "beta")] {
        p.ok(&[
            "install",
            "--scope",
            "project",
            &format!("acme/skills@{at}"),
            "--skill",
            skill,
            "--agent",
            "claude-code,codex",
            "--no-companions",
        ]);
    }
    assert!(
        p.entry("alpha")
            .contains(&format!("ref = \"{COMMIT}\"\ncommit = \"{COMMIT}\"")),
        "{}",
        p.lock()
    );
    // `main` moves to NEXT, where both skills are at 2.0.0.
    let mut files = vec![("skills-x/README.md".to_string(), b"# repo\n".to_vec())];
    for n in ["alpha", "beta"] {
        for (f, d) in net::skill_files(n, "2.0.0") {
            files.push((format!("skills-x/skills/{n}/{f}"), d));
        }
    }
    p.srv.route(
        "/acme/skills/zip/main",
        vec![Reply::Body(with_zip_comment(net::zip(&files), NEXT))],
    );
    let alpha_before = p.entry("alpha");
    let out = p.ok(&["update", "--scope", "project"]);
    assert!(
        out.contains("beta 1.0.0 111111111111 → 2.0.0 444444444444"),
        "{out}"
    );
    assert_eq!(p.entry("alpha"), alpha_before, "the pin stays");
    let beta = p.entry("beta");
    assert!(
        beta.contains("version = \"2.0.0\"")
            && beta.contains(&format!("ref = \"main\"\ncommit = \"{NEXT}\"")),
        "{beta}"
    );
    let new_beta = net::tree_digest("beta", &net::skill_files("beta", "2.0.0"));
    let old_alpha = net::tree_digest("alpha", &net::skill_files("alpha", "1.0.0"));
    for root in [".claude/skills", ".agents/skills"] {
        assert_eq!(tree_on_disk(&p.dir.join(root).join("beta")), new_beta);
        assert_eq!(tree_on_disk(&p.dir.join(root).join("alpha")), old_alpha);
    }
    let check = p.run(&["sync", "--check"]);
    assert_eq!(check.status.code(), Some(0), "{}", text(&check));
}

#[test]
fn a_lock_exported_at_user_scope_restores_into_the_user_folders_of_another_home() {
    let srv = Server::start();
    net::serve_acme_skills(&srv, &["main", COMMIT], COMMIT);
    let first = Home::new();
    let src = first.home.path().join("src/demo");
    write_skill(&src, "demo", "1.0.0");
    let run = |h: &Home, cwd: &Path, args: &[&str]| {
        let o = net::skillpack(h.home.path(), h.cache.path(), cwd)
            .env("SKILLPACK_GITHUB_URL", srv.base())
            .args(args)
            .output()
            .unwrap();
        assert!(o.status.success(), "{args:?}: {}", text(&o));
        o
    };
    let home = first.home.path();
    run(&first, home, &["install", "./src/demo", "--no-companions"]);
    run(
        &first,
        home,
        &[
            "install",
            "acme/skills@main",
            "--skill",
            "alpha",
            "--no-companions",
        ],
    );
    let exported = run(&first, home, &["lock", "export", "--scope", "user"]);
    let lock = String::from_utf8(exported.stdout).unwrap();
    assert!(lock.contains("version = 1\nscope = \"user\"\n"), "{lock}");
    // Restored by naming it: the header says how.
    let header = lock.lines().next().unwrap();
    assert!(
        header.contains("`skillpack sync --lock ") && !header.contains("`skillpack sync`"),
        "{header}"
    );
    let file = first.home.path().join("skills.lock");
    fs::write(&file, &lock).unwrap();

    // Another HOME, in a project folder: the skills go to ~/.claude/skills, not here.
    let second = Home::new();
    let work = second.home.path().join("work");
    fs::create_dir_all(&work).unwrap();
    net::git(&work, &["init", "-q"]);
    let o = run(&second, &work, &["sync", "--lock", file.to_str().unwrap()]);
    let out = text(&o);
    for name in ["alpha", "demo"] {
        let from = first.home.path().join(".claude/skills").join(name);
        let to = second.home.path().join(".claude/skills").join(name);
        assert!(to.join("SKILL.md").is_file(), "{name} not restored: {out}");
        assert_eq!(tree_on_disk(&to), tree_on_disk(&from), "{name}");
    }
    let made: Vec<_> = fs::read_dir(&work)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .filter(|n| n != ".git")
        .collect();
    assert!(made.is_empty(), "created in the project: {made:?}: {out}");
    let check = net::skillpack(second.home.path(), second.cache.path(), &work)
        .env("SKILLPACK_GITHUB_URL", srv.base())
        .args(["sync", "--check", "--lock", file.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(check.status.code(), Some(0), "{}", text(&check));
}

#[test]
fn sync_check_names_a_file_added_to_a_locked_skill() {
    let p = Project::new();
    p.demo_for_claude_code();
    p.ok(&["sync", "--check"]);
    fs::write(p.dir.join(".claude/skills/demo/extra.txt"), "mine\n").unwrap();
    let check = p.run(&["sync", "--check"]);
    assert_eq!(check.status.code(), Some(1), "{}", text(&check));
    let out = text(&check);
    assert!(
        out.contains("demo") && out.contains("extra.txt added"),
        "{out}"
    );
    // Nothing is changed by the check.
    assert_eq!(
        fs::read_to_string(p.dir.join(".claude/skills/demo/extra.txt")).unwrap(),
        "mine\n"
    );
}

#[test]
fn update_at_project_scope_changes_no_copy_when_one_agent_copy_was_changed_by_hand() {
    let p = Project::new();
    let src = p.demo_for_two_agents();
    let claude = p.dir.join(".claude/skills/demo");
    let old = tree_on_disk(&claude);
    let edited = p.dir.join(".agents/skills/demo/SKILL.md");
    fs::write(&edited, "edited by hand").unwrap();
    write_skill(&src, "demo", "2.0.0");
    let locked = p.lock();
    let o = p.run(&["update", "--scope", "project"]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(text(&o).contains("--force"), "{}", text(&o));
    assert_eq!(tree_on_disk(&claude), old, "the other copy is not replaced");
    assert_eq!(fs::read_to_string(&edited).unwrap(), "edited by hand");
    assert_eq!(p.lock(), locked);
    // With --force both copies move, and the lock with them.
    p.ok(&["update", "--scope", "project", "--force"]);
    assert_eq!(tree_on_disk(&claude), tree_on_disk(&src));
    assert_eq!(
        tree_on_disk(&p.dir.join(".agents/skills/demo")),
        tree_on_disk(&src)
    );
    let check = p.run(&["sync", "--check"]);
    assert_eq!(check.status.code(), Some(0), "{}", text(&check));
}

#[test]
fn a_project_lock_that_says_user_scope_still_restores_into_the_project() {
    let p = Project::new();
    p.demo_for_claude_code();
    // A repository's lock does not choose the user's folders.
    let lock = p
        .lock()
        .replace("version = 1\n", "version = 1\nscope = \"user\"\n");
    fs::write(p.dir.join("skillpack.lock"), lock).unwrap();
    fs::remove_dir_all(p.dir.join(".claude")).unwrap();
    let out = p.ok(&["sync"]);
    assert!(out.contains("says scope = \"user\""), "{out}");
    assert!(p.dir.join(".claude/skills/demo/SKILL.md").is_file());
    assert!(!p.h.home.path().join(".claude").exists(), "{out}");
}

#[test]
fn a_damaged_project_lock_is_reported_before_anything_is_installed_or_removed() {
    let p = Project::new();
    let src = p.dir.join("skills-src/demo");
    write_skill(&src, "demo", "1.0.0");
    let skills = p.dir.join(".claude/skills");
    let install = [
        "install",
        "--scope",
        "project",
        "./skills-src/demo",
        "--no-companions",
    ];
    for damage in ["not toml [[[", "version = 99\n"] {
        fs::write(p.dir.join("skillpack.lock"), damage).unwrap();
        let o = p.run(&install);
        assert_eq!(o.status.code(), Some(1), "{}", text(&o));
        assert!(text(&o).contains("skillpack.lock"), "{}", text(&o));
        assert!(
            !skills.join("demo").exists(),
            "installed anyway: {}",
            text(&o)
        );
        assert_eq!(
            fs::read_to_string(p.dir.join("skillpack.lock")).unwrap(),
            damage
        );
    }

    // Installed while the lock was sound, then the lock is damaged: uninstall keeps the skill.
    fs::remove_file(p.dir.join("skillpack.lock")).unwrap();
    p.ok(&install);
    fs::write(p.dir.join("skillpack.lock"), "not toml [[[").unwrap();
    let o = p.run(&["uninstall", "--scope", "project", "demo"]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(skills.join("demo/SKILL.md").is_file(), "removed anyway");
}

#[test]
fn a_version_the_lock_cannot_hold_is_refused_and_one_with_escapes_does_not_jam_the_lock() {
    let p = Project::new();
    let write = |name: &str, version: &str| {
        let dir = p.dir.join("skills-src").join(name);
        fs::create_dir_all(&dir).unwrap();
        fs::write(
            dir.join("SKILL.md"),
            format!(
                "---\nname: {name}\ndescription: A skill.\nmetadata:\n  version: {}\n---\n# {name}\n",
                serde_json::json!(version)
            ),
        )
        .unwrap();
    };
    let long = format!("1.0.0-{}", "a".repeat(140));
    write("long", &long);
    let o = p.run(&[
        "install",
        "--scope",
        "project",
        "./skills-src/long",
        "--no-companions",
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(
        text(&o).contains("longer than the 128 bytes"),
        "{}",
        text(&o)
    );
    assert!(!p.dir.join(".claude/skills/long").exists());
    assert!(!p.dir.join("skillpack.lock").exists());

    // Escapes in a version are kept, shown escaped, and the lock stays readable.
    write("esc", "1.0.0\u{1b}[2J");
    let out = p.ok(&[
        "install",
        "--scope",
        "project",
        "./skills-src/esc",
        "--no-companions",
    ]);
    assert!(!out.contains('\u{1b}'), "{out}");
    let again = p.ok(&[
        "install",
        "--scope",
        "project",
        "./skills-src/esc",
        "--no-companions",
    ]);
    assert!(again.contains("Up to date"), "{again}");
    let check = p.run(&["sync", "--check"]);
    assert_eq!(check.status.code(), Some(0), "{}", text(&check));
}

#[test]
fn a_project_lock_naming_a_folder_outside_the_project_is_refused_even_when_installed() {
    let p = Project::new();
    p.demo_for_two_agents();
    let sound = p.lock();
    assert!(sound.contains("path:./skills-src/demo"), "{sound}");
    let outside = p.dir.parent().unwrap().join("elsewhere");
    for evil in [
        "path:../elsewhere".to_string(),
        format!("path:{}", outside.display()),
    ] {
        fs::write(
            p.dir.join("skillpack.lock"),
            sound.replace("path:./skills-src/demo", &evil),
        )
        .unwrap();
        for args in [&["sync"][..], &["sync", "--check"]] {
            let o = p.run(args);
            assert_eq!(o.status.code(), Some(1), "{args:?} {evil}: {}", text(&o));
            assert!(text(&o).contains("demo:"), "{}", text(&o));
            assert!(text(&o).contains("nothing was changed"), "{}", text(&o));
        }
    }
    // The same entry in a lock the user names is trusted.
    fs::write(
        p.dir.join("mine.lock"),
        sound.replace(
            "path:./skills-src/demo",
            "path:./skills-src/../skills-src/demo",
        ),
    )
    .unwrap();
    let o = p.run(&["sync", "--lock", "mine.lock", "--check"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
}

#[test]
fn a_skill_that_cannot_be_fetched_is_reported_once_whatever_the_number_of_its_folders() {
    let p = Project::new();
    let src = p.demo_for_two_agents();
    fs::remove_dir_all(&src).unwrap();
    fs::remove_dir_all(p.dir.join(".claude/skills/demo")).unwrap();
    fs::remove_dir_all(p.dir.join(".agents/skills/demo")).unwrap();
    let o = p.run(&["sync"]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let err = text(&o);
    assert!(
        err.contains("1 locked skill(s) could not be fetched"),
        "{err}"
    );
    assert_eq!(
        err.matches("error: demo").count() + err.matches("error: `demo").count(),
        1,
        "{err}"
    );
}

#[test]
fn sync_check_hints_at_what_restores_each_kind_of_difference() {
    let p = Project::new();
    let src = p.demo_for_claude_code();
    // Missing: plain sync restores it.
    fs::remove_dir_all(p.dir.join(".claude/skills/demo")).unwrap();
    let out = text(&p.run(&["sync", "--check"]));
    assert!(out.contains("`skillpack sync` restores"), "{out}");
    p.ok(&["sync"]);
    // Changed by hand: plain sync keeps it.
    fs::write(p.dir.join(".claude/skills/demo/extra.txt"), "mine\n").unwrap();
    let check = p.run(&["sync", "--check"]);
    assert_eq!(check.status.code(), Some(1), "{}", text(&check));
    let out = text(&check);
    assert!(
        out.contains("`skillpack sync --force` restores demo"),
        "{out}"
    );
    assert!(!out.contains("`skillpack sync` restores"), "{out}");
    fs::remove_file(p.dir.join(".claude/skills/demo/extra.txt")).unwrap();
    // A source that no longer gives the locked tree: no sync restores it.
    write_skill(&src, "demo", "2.0.0");
    let check = p.run(&["sync", "--check"]);
    assert_eq!(check.status.code(), Some(1), "{}", text(&check));
    let out = text(&check);
    assert!(out.contains("sync cannot restore demo"), "{out}");
    assert!(!out.contains("restores the locked skills"), "{out}");
}

#[test]
fn sync_says_what_it_kept_when_an_unlocked_skill_has_local_changes() {
    let p = Project::new();
    p.demo_for_claude_code();
    let other = p.dir.join("skills-src/other");
    write_skill(&other, "other", "1.0.0");
    p.ok(&[
        "install",
        "--scope",
        "project",
        "./skills-src/other",
        "--no-companions",
    ]);
    // Another checkout dropped `other` from the lock; here it was changed by hand.
    let lock = p.lock();
    let kept: Vec<&str> = lock
        .split("\n[[skill]]")
        .filter(|t| !t.contains("name = \"other\""))
        .collect();
    fs::write(p.dir.join("skillpack.lock"), kept.join("\n[[skill]]")).unwrap();
    assert!(!p.lock().contains("other"), "{}", p.lock());
    fs::write(p.dir.join(".claude/skills/other/extra.txt"), "mine\n").unwrap();

    let out = p.run(&["sync"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let said = text(&out);
    assert!(!said.contains("nothing to do"), "{said}");
    assert!(
        said.contains("1 skill(s) no longer locked were kept") && said.contains("--force"),
        "{said}"
    );
    let out = p.run(&["--json", "sync"]);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["kept"][0]["name"], "other", "{json}");
    assert_eq!(json["changed"], false, "{json}");
    assert!(p.dir.join(".claude/skills/other/extra.txt").is_file());
    assert_eq!(p.run(&["sync", "--check"]).status.code(), Some(1));
    // --force removes it; then everything is as locked.
    p.ok(&["sync", "--force"]);
    assert!(!p.dir.join(".claude/skills/other").exists());
    p.ok(&["sync", "--check"]);
}
