//! `skillpack doctor` against what the real agents load: every case of
//! `tests/data/doctor/corpus.json` is laid out as the calibration script lays it out, and
//! doctor's `loads` and names are compared with `tests/data/doctor/clients.json`, the table
//! recorded from Claude Code, Codex and Gemini CLI.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::net::skillpack;

#[cfg(unix)]
const CLIENTS: [&str; 3] = ["claude-code", "codex", "gemini-cli"];

fn data(name: &str) -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/doctor")
        .join(name);
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

/// A temporary HOME and a project holding `.git`, as the calibration script makes them.
struct World {
    _tmp: tempfile::TempDir,
    home: PathBuf,
    project: PathBuf,
}

impl World {
    fn new() -> World {
        let tmp = tempfile::tempdir().unwrap();
        let home = tmp.path().join("home");
        let project = tmp.path().join("project");
        std::fs::create_dir_all(project.join(".git")).unwrap();
        std::fs::create_dir_all(&home).unwrap();
        World {
            _tmp: tmp,
            home,
            project,
        }
    }

    /// Lays out `case` with the `user` and `project` entries in `client`'s own folders;
    /// `false` when the case needs what this run cannot give it (file modes, as root).
    #[cfg(unix)]
    fn lay_out(&self, table: &Value, case: &Value, client: &str) -> bool {
        use std::os::unix::fs::PermissionsExt;
        let fill = |s: &str| {
            s.replace("{home}", &self.home.to_string_lossy())
                .replace("{project}", &self.project.to_string_lossy())
        };
        let roots = &table["roots"][client];
        let user = PathBuf::from(fill(roots["user"].as_str().unwrap()));
        let proj = PathBuf::from(fill(roots["project"].as_str().unwrap()));
        let mut modes = Vec::new();
        for e in case["entries"].as_array().unwrap() {
            let base = match e["at"].as_str().unwrap() {
                "user" => user.clone(),
                "project" => proj.clone(),
                "home" => self.home.clone(),
                _ => self.project.clone(),
            };
            let rel = e["path"].as_str().unwrap();
            let path = if rel.is_empty() { base } else { base.join(rel) };
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            if let Some(link) = e["link"].as_str() {
                if path.is_dir() && !path.is_symlink() {
                    std::fs::remove_dir(&path).unwrap();
                }
                std::os::unix::fs::symlink(fill(link), &path).unwrap();
            } else if let Some(text) = e["text"].as_str() {
                std::fs::write(&path, fill(text)).unwrap();
            } else if let Some(hex) = e["hex"].as_str() {
                std::fs::write(&path, hex::decode(hex).unwrap()).unwrap();
            }
            if let Some(mode) = e["mode"].as_str() {
                modes.push((path, u32::from_str_radix(mode, 8).unwrap()));
            }
        }
        if !modes.is_empty() && rustix::process::geteuid().is_root() {
            return false;
        }
        for (path, mode) in modes.into_iter().rev() {
            std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
        }
        true
    }

    #[cfg(unix)]
    fn doctor(&self, args: &[&str]) -> std::process::Output {
        let cache = self.home.join(".cache");
        skillpack(&self.home, &cache, &self.project)
            .arg("doctor")
            .args(args)
            .output()
            .unwrap()
    }

    /// A path as the table writes it: `~` for HOME, `$PROJECT` for the project.
    fn shown(&self, path: &str) -> String {
        for (real, alias) in [(&self.project, "$PROJECT"), (&self.home, "~")] {
            if let Some(rest) = path.strip_prefix(&*real.to_string_lossy()) {
                return format!("{alias}{rest}");
            }
        }
        path.to_string()
    }
}

/// What doctor says `client` loads: (name, file) for each folder that loads, sorted.
#[cfg(unix)]
fn loaded(world: &World, client: &str) -> Vec<(String, Option<String>)> {
    let out = world.doctor(&["--json", "--agent", client]);
    let doc: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stdout)));
    let mut got = Vec::new();
    for root in doc["agents"][0]["roots"].as_array().unwrap() {
        for s in root["skills"].as_array().unwrap() {
            if s["loads"] == true {
                // Claude Code reports names only, so the table has no files for it.
                let file =
                    (client != "claude-code").then(|| world.shown(s["file"].as_str().unwrap()));
                got.push((s["name"].as_str().unwrap().to_string(), file));
            }
        }
    }
    got.sort();
    got
}

#[cfg(unix)]
fn recorded(row: &Value) -> Vec<(String, Option<String>)> {
    let mut v: Vec<(String, Option<String>)> = row
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["name"].as_str().unwrap().to_string(),
                s["file"].as_str().map(str::to_string),
            )
        })
        .collect();
    v.sort();
    v
}

/// Every case for every client: doctor's verdicts, and the names they load under, against
/// the recorded table. Returns the cases compared and the differences.
#[cfg(unix)]
fn compare(table: &Value) -> (usize, Vec<String>) {
    let corpus = data("corpus.json");
    let mut compared = 0;
    let mut diffs = Vec::new();
    for case in corpus["cases"].as_array().unwrap() {
        let id = case["id"].as_str().unwrap();
        for client in CLIENTS {
            let world = World::new();
            if !world.lay_out(table, case, client) {
                continue;
            }
            compared += 1;
            let want = recorded(&table["cases"][id][client]);
            let got = loaded(&world, client);
            if got != want {
                diffs.push(format!("{id} {client}: client {want:?}, doctor {got:?}"));
            }
        }
    }
    (compared, diffs)
}

#[cfg(unix)]
#[test]
fn doctor_agrees_with_the_recorded_clients_on_every_case() {
    let table = data("clients.json");
    let (compared, diffs) = compare(&table);
    assert!(compared >= 150, "only {compared} case × client pairs ran");
    assert!(diffs.is_empty(), "{}", diffs.join("\n"));
}

#[cfg(unix)]
#[test]
fn doctor_says_why_a_skill_does_not_load_and_exits_1() {
    let world = World::new();
    let root = world.home.join(".claude/skills");
    std::fs::create_dir_all(root.join("no-desc")).unwrap();
    std::fs::write(
        root.join("no-desc/SKILL.md"),
        "---\nname: no-desc\n---\nBody.\n",
    )
    .unwrap();
    std::fs::create_dir_all(root.join("fine")).unwrap();
    std::fs::write(
        root.join("fine/SKILL.md"),
        "---\nname: fine\ndescription: d\n---\n",
    )
    .unwrap();
    std::fs::create_dir_all(root.join(".skillpack/staging/left")).unwrap();
    let out = world.doctor(&["--agent", "claude-code"]);
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("loads  fine"), "{text}");
    assert!(text.contains("skips  no-desc"), "{text}");
    assert!(
        text.contains("error[description-missing] ~/.claude/skills/no-desc/SKILL.md:2:1:"),
        "{text}"
    );
    assert!(text.contains("warning[staging-leftover]"), "{text}");

    let out = world.doctor(&["--json", "--agent", "claude-code", "--scope", "user"]);
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    let skills = &doc["agents"][0]["roots"][0]["skills"];
    assert_eq!(doc["agents"][0]["roots"].as_array().unwrap().len(), 1);
    assert_eq!(skills[1]["folder"], "no-desc");
    assert_eq!(skills[1]["loads"], false);
    assert_eq!(skills[1]["problems"][0]["rule"], "description-missing");
    assert_eq!(skills[1]["problems"][0]["line"], 2);
    assert_eq!(skills[1]["problems"][0]["column"], 1);

    std::fs::remove_dir_all(root.join("no-desc")).unwrap();
    let out = world.doctor(&["--agent", "claude-code"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

/// The skill folder a case is about: the first folder of its first entry in a skills
/// root. `None` for cases whose verdict depends on where the folder sits or what else is
/// in the root (`"layout": true`), which doctor judges and `validate` does not.
#[cfg(unix)]
fn case_folder(table: &Value, world: &World, case: &Value, client: &str) -> Option<PathBuf> {
    if case["layout"] == true {
        return None;
    }
    let roots = &table["roots"][client];
    let entry = case["entries"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| matches!(e["at"].as_str(), Some("user" | "project")))?;
    let root = roots[entry["at"].as_str().unwrap()]
        .as_str()
        .unwrap()
        .replace("{home}", &world.home.to_string_lossy())
        .replace("{project}", &world.project.to_string_lossy());
    let first = entry["path"].as_str().unwrap().split('/').next()?;
    Some(PathBuf::from(root).join(first))
}

/// The cases a recorded client loads, but mangled: what it shows is not what the file says.
/// (Each is checked against the recorded table below: the client does load it.)
#[cfg(unix)]
const MANGLED: &[(&str, &str, &str)] = &[
    ("not-utf8", "claude-code", "the Latin-1 byte becomes U+FFFD"),
    ("not-utf8", "gemini-cli", "the Latin-1 byte becomes U+FFFD"),
    ("name-list", "gemini-cli", "listed under the name `[a, b]`"),
    (
        "description-list",
        "gemini-cli",
        "the list is shown as its text",
    ),
    (
        "description-map",
        "codex",
        "the mapping is shown as its text",
    ),
    (
        "description-map",
        "gemini-cli",
        "the mapping is shown as its text",
    ),
    (
        "description-map-block",
        "gemini-cli",
        "the mapping's lines are shown as one text",
    ),
];

/// `validate --profile AGENT` on every case's skill folder: an error exactly when the
/// recorded client skips the skill or loads it mangled ([`MANGLED`]). Returns the pairs
/// compared and the differences.
#[cfg(unix)]
fn compare_profiles(table: &Value) -> (usize, Vec<String>) {
    let corpus = data("corpus.json");
    let mut compared = 0;
    let mut diffs = Vec::new();
    for case in corpus["cases"].as_array().unwrap() {
        let id = case["id"].as_str().unwrap();
        for client in CLIENTS {
            let world = World::new();
            let Some(folder) = case_folder(table, &world, case, client) else {
                continue;
            };
            if !world.lay_out(table, case, client) {
                continue;
            }
            compared += 1;
            let cache = world.home.join(".cache");
            let out = skillpack(&world.home, &cache, &world.project)
                .args(["validate", "--profile", client, "--format", "json"])
                .arg(&folder)
                .output()
                .unwrap();
            let doc: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
                panic!(
                    "{id} {client}: {e}: {}",
                    String::from_utf8_lossy(&out.stderr)
                )
            });
            let errors: Vec<&str> = doc["skills"][0]["diagnostics"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|d| d["severity"] == "error")
                .map(|d| d["rule"].as_str().unwrap())
                .collect();
            let skipped = table["cases"][id][client].as_array().unwrap().is_empty();
            let mangled = MANGLED.iter().any(|(c, a, _)| *c == id && *a == client);
            if mangled && skipped {
                diffs.push(format!(
                    "{id} {client}: listed as mangled, but the client skips it"
                ));
            }
            let bad = skipped || mangled;
            if bad == errors.is_empty() || out.status.code() != Some(i32::from(bad)) {
                diffs.push(format!(
                    "{id} {client}: client {}, validate errors {errors:?} (exit {:?})",
                    if skipped {
                        "skips"
                    } else if mangled {
                        "loads mangled"
                    } else {
                        "loads"
                    },
                    out.status.code()
                ));
            }
        }
    }
    (compared, diffs)
}

#[cfg(unix)]
#[test]
fn validate_errs_under_an_agents_profile_exactly_when_the_agent_skips_or_mangles_the_skill() {
    let table = data("clients.json");
    // What the recorded client showed for a list `name`: its text.
    assert_eq!(
        table["cases"]["name-list"]["gemini-cli"][0]["name"],
        "[a, b]"
    );
    let (compared, diffs) = compare_profiles(&table);
    assert!(compared >= 100, "only {compared} case × profile pairs ran");
    assert!(diffs.is_empty(), "{}", diffs.join("\n"));
}

/// Runs the real clients through `scripts/calibrate-doctor.py` and compares doctor, and
/// `validate` under each agent's profile, with what they load now. Needs the clients
/// installed (see the script) and `SKILLPACK_CLIENTS` naming their folder:
/// `SKILLPACK_CLIENTS=/tmp/clients cargo test doctor_matches_the_installed_clients -- --ignored`
#[cfg(unix)]
#[test]
#[ignore = "needs Claude Code, Codex and Gemini CLI installed; see scripts/calibrate-doctor.py"]
fn doctor_matches_the_installed_clients() {
    let clients = std::env::var("SKILLPACK_CLIENTS").expect("SKILLPACK_CLIENTS");
    let dir = tempfile::tempdir().unwrap();
    let table = dir.path().join("clients.json");
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/calibrate-doctor.py");
    let status = std::process::Command::new("python3")
        .arg(script)
        .args(["--clients", &clients, "--out"])
        .arg(&table)
        .status()
        .unwrap();
    assert!(status.success());
    let table: Value = serde_json::from_slice(&std::fs::read(&table).unwrap()).unwrap();
    let (compared, mut diffs) = compare(&table);
    let (profiled, more) = compare_profiles(&table);
    diffs.extend(more);
    assert!(compared > 0 && profiled > 0);
    assert!(diffs.is_empty(), "{}", diffs.join("\n"));
}

/// `install --agent A` refuses a skill A would not load, naming A and the rule, and
/// installs what A loads even where the specification objects; with `--dir` and no
/// `--agent` the specification's check stands.
#[test]
fn install_for_an_agent_refuses_what_that_agent_would_not_load() {
    let world = World::new();
    let src = world.home.join("src/bom-skill");
    std::fs::create_dir_all(&src).unwrap();
    std::fs::write(
        src.join("SKILL.md"),
        "\u{feff}---\nname: bom-skill\ndescription: Starts with a byte-order mark.\n---\nBody.\n",
    )
    .unwrap();
    let install = |agent: Option<&str>| {
        let cache = world.home.join(".cache");
        let mut cmd = skillpack(&world.home, &cache, &world.project);
        cmd.arg("install").arg(&src);
        if let Some(agent) = agent {
            cmd.args(["--agent", agent]);
        }
        cmd.output().unwrap()
    };

    let out = install(Some("codex"));
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("the skill does not load: Codex skips it: "),
        "{err}"
    );
    assert!(err.contains("error[byte-order-mark]"), "{err}");
    assert!(err.contains("--profile codex"), "{err}");
    assert!(!world.home.join(".agents/skills/bom-skill").exists());

    // Both named: Codex's refusal stops the run before anything is installed.
    let out = install(Some("claude-code,codex"));
    assert_eq!(out.status.code(), Some(1));
    assert!(!world.home.join(".claude/skills/bom-skill").exists());

    // `--dir` without `--agent`: no agent named, the specification's check.
    let cache = world.home.join(".cache");
    let out = skillpack(&world.home, &cache, &world.project)
        .arg("install")
        .arg(&src)
        .arg("--dir")
        .arg(world.home.join("plain"))
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("error[byte-order-mark]"), "{err}");

    let out = install(Some("claude-code"));
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(
        world
            .home
            .join(".claude/skills/bom-skill/SKILL.md")
            .is_file()
    );
    // Installed, and the problem Claude Code loads it in spite of is said.
    assert!(
        err.contains("warning: Claude Code loads bom-skill in spite of: ")
            && err.contains("[byte-order-mark]"),
        "{err}"
    );
}

/// A folder holding a valid skill named `name` (its `SKILL.md` with `extra` frontmatter lines).
fn write_skill(dir: &Path, name: &str, extra: &str) {
    std::fs::create_dir_all(dir).unwrap();
    std::fs::write(
        dir.join("SKILL.md"),
        format!("---\nname: {name}\ndescription: The {name} skill.\n{extra}---\nBody.\n"),
    )
    .unwrap();
}

/// Runs `skillpack ARGS` in `world`, failing the test when it has not ended after `secs`.
fn run_within(world: &World, args: &[&str], secs: u64) -> std::process::Output {
    let cache = world.home.join(".cache");
    let mut child = skillpack(&world.home, &cache, &world.project)
        .args(args)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let start = std::time::Instant::now();
    while child.try_wait().unwrap().is_none() {
        if start.elapsed() > std::time::Duration::from_secs(secs) {
            child.kill().unwrap();
            child.wait().unwrap();
            panic!("`skillpack {}` still runs after {secs}s", args.join(" "));
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    child.wait_with_output().unwrap()
}

fn json_of(out: &std::process::Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "{e}: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

/// The entry of `folder` among the skills of root `root` of the first agent.
fn entry<'a>(doc: &'a Value, root: usize, folder: &str) -> Option<&'a Value> {
    doc["agents"][0]["roots"][root]["skills"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["folder"] == folder)
}

#[cfg(unix)]
fn mkfifo(path: &Path) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let status = std::process::Command::new("mkfifo")
        .arg(path)
        .status()
        .unwrap();
    assert!(status.success());
}

/// A FIFO where Claude Code's settings or a `SKILL.md` should be is named, never opened: an
/// open of a FIFO nobody writes to would wait for ever.
#[cfg(unix)]
#[test]
fn doctor_names_a_fifo_in_place_of_a_file_and_does_not_wait_on_it() {
    let world = World::new();
    mkfifo(&world.home.join(".claude/settings.json"));
    mkfifo(&world.home.join(".claude/plugins/installed_plugins.json"));
    let root = world.home.join(".claude/skills");
    write_skill(&root.join("fine"), "fine", "");
    mkfifo(&root.join("piped/SKILL.md"));

    let out = run_within(&world, &["doctor", "--agent", "claude-code"], 60);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.contains("loads  fine"), "{text}");
    assert!(text.contains("skips  piped"), "{text}");
    assert!(
        text.contains(
            "error[unreadable] ~/.claude/skills/piped/SKILL.md: SKILL.md is not a regular file"
        ),
        "{text}"
    );
    assert!(
        text.contains("  settings\n")
            && text.contains(
                "warning[settings-unreadable] ~/.claude/settings.json: it is not a regular file"
            )
            && text.contains(
                "warning[settings-unreadable] ~/.claude/plugins/installed_plugins.json: "
            ),
        "{text}"
    );

    // `validate` names it the same way, under every profile.
    let out = run_within(
        &world,
        &[
            "validate",
            "--format",
            "json",
            &root.join("piped").to_string_lossy(),
        ],
        60,
    );
    let doc = json_of(&out);
    assert_eq!(
        doc["skills"][0]["diagnostics"][0]["rule"], "unreadable",
        "{doc}"
    );
}

/// A `SKILL.md` of hundreds of MiB is not read whole: doctor and validate stop at the cap
/// and say so (a sparse file, so nothing that large is written).
#[test]
fn a_skill_md_over_the_cap_is_reported_not_read() {
    let world = World::new();
    let dir = world.home.join(".claude/skills/huge");
    write_skill(&dir, "huge", "");
    std::fs::OpenOptions::new()
        .write(true)
        .open(dir.join("SKILL.md"))
        .unwrap()
        .set_len(400 * 1024 * 1024)
        .unwrap();

    let out = run_within(
        &world,
        &[
            "doctor",
            "--json",
            "--agent",
            "claude-code",
            "--scope",
            "user",
        ],
        60,
    );
    assert_eq!(out.status.code(), Some(1));
    let doc = json_of(&out);
    let huge = entry(&doc, 0, "huge").unwrap();
    assert_eq!(huge["loads"], false, "{huge}");
    assert_eq!(huge["problems"][0]["rule"], "skill-md-too-large", "{huge}");
    let message = huge["problems"][0]["message"].as_str().unwrap();
    assert!(
        message.starts_with("SKILL.md is 400.0 MiB, and skillpack reads at most 4 MiB"),
        "{message}"
    );

    let out = run_within(
        &world,
        &["validate", "--format", "json", &dir.to_string_lossy()],
        60,
    );
    assert_eq!(out.status.code(), Some(1));
    let doc = json_of(&out);
    let rules: Vec<&str> = doc["skills"][0]["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["rule"].as_str().unwrap())
        .collect();
    assert_eq!(rules, ["skill-md-too-large"], "{doc}");
}

/// Codex passes over names that start with `.`, links included, and a link to nothing deep
/// inside a folder is none of its business: only a link to nothing where a skill folder
/// would be is reported. A link to `/` does not make doctor walk the file system.
#[cfg(unix)]
#[test]
fn codex_walk_reports_only_links_where_a_skill_would_be_and_stops_early() {
    let world = World::new();
    let root = world.home.join(".agents/skills");
    write_skill(&root.join("good"), "good", "");
    write_skill(&root.join("collection/real"), "real", "");
    std::fs::create_dir_all(root.join("collection/deep")).unwrap();
    let nowhere = world.home.join("nowhere");
    std::os::unix::fs::symlink(&nowhere, root.join("collection/deep/dangling")).unwrap();
    std::os::unix::fs::symlink(&nowhere, root.join(".hidden-link")).unwrap();
    std::os::unix::fs::symlink(&nowhere, root.join("gone")).unwrap();
    // Sorted after `collection`, before `flat` and `good`: once the walk is cut short, a
    // skill folder directly in the root is still found.
    std::os::unix::fs::symlink("/", root.join("everything")).unwrap();
    std::fs::create_dir_all(root.join("flat/inner")).unwrap();

    let out = run_within(
        &world,
        &["doctor", "--json", "--agent", "codex", "--scope", "user"],
        120,
    );
    let doc = json_of(&out);
    assert_eq!(
        doc["agents"][0]["roots"][0]["path"],
        root.to_string_lossy().as_ref()
    );
    for (folder, name) in [("good", "good"), ("collection/real", "real")] {
        let s = entry(&doc, 0, folder).unwrap_or_else(|| panic!("no {folder}: {doc}"));
        assert_eq!(
            (s["loads"].clone(), s["name"].clone()),
            (Value::Bool(true), Value::from(name))
        );
    }
    let gone = entry(&doc, 0, "gone").unwrap();
    assert_eq!(gone["loads"], false);
    assert_eq!(gone["problems"][0]["rule"], "broken-link");
    for folder in [
        ".hidden-link",
        "collection/deep/dangling",
        "collection/deep",
    ] {
        assert!(entry(&doc, 0, folder).is_none(), "{folder} reported: {doc}");
    }
    let problems = &doc["agents"][0]["roots"][0]["problems"];
    assert!(
        problems
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["rule"] == "walk-truncated"),
        "{problems}"
    );
}

/// A managed skill changed since install, a record whose folder is gone, a leftover of an
/// interrupted run and a damaged record: each said, the root's own findings under a label
/// of their own rather than under the last skill.
#[test]
fn doctor_reports_what_happened_to_managed_skills_under_the_right_label() {
    let world = World::new();
    let src = world.home.join("src");
    for name in ["kept", "changed", "removed"] {
        write_skill(&src.join(name), name, "");
        let cache = world.home.join(".cache");
        let out = skillpack(&world.home, &cache, &world.project)
            .arg("install")
            .arg(src.join(name))
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let root = world.home.join(".claude/skills");
    std::fs::write(
        root.join("changed/SKILL.md"),
        "---\nname: changed\ndescription: Edited.\n---\n",
    )
    .unwrap();
    std::fs::remove_dir_all(root.join("removed")).unwrap();
    std::fs::create_dir_all(root.join(".skillpack/staging/left")).unwrap();

    let out = run_within(&world, &["doctor", "--agent", "claude-code"], 60);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{text}");
    let lines: Vec<&str> = text.lines().collect();
    let at = |needle: &str| {
        lines
            .iter()
            .position(|l| l.contains(needle))
            .unwrap_or_else(|| panic!("no `{needle}` in:\n{text}"))
    };
    assert!(at("loads  changed") < at("warning[modified]"));
    assert!(at("warning[modified]") < at("loads  kept"), "{text}");
    let label = at("    root   the folder itself");
    assert!(label > at("loads  kept"), "{text}");
    assert!(
        lines[label + 1..]
            .iter()
            .any(|l| l.contains("warning[lock-entry-missing]") && l.contains("`removed`")),
        "{text}"
    );
    assert!(
        lines[label + 1..]
            .iter()
            .any(|l| l.contains("warning[staging-leftover]")),
        "{text}"
    );

    let out = run_within(
        &world,
        &[
            "doctor",
            "--json",
            "--agent",
            "claude-code",
            "--scope",
            "user",
        ],
        60,
    );
    let doc = json_of(&out);
    assert_eq!(entry(&doc, 0, "changed").unwrap()["state"], "modified");
    assert_eq!(entry(&doc, 0, "kept").unwrap()["state"], "ok");
    let rules: Vec<&str> = doc["agents"][0]["roots"][0]["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["rule"].as_str().unwrap())
        .collect();
    assert_eq!(rules, ["lock-entry-missing", "staging-leftover"]);

    // A damaged record is said, with the way back, instead of passed over.
    std::fs::write(root.join(".skillpack/lock.json"), "{ not json").unwrap();
    let out = run_within(&world, &["doctor", "--agent", "claude-code"], 60);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("warning[lock-damaged] ~/.claude/skills/.skillpack/lock.json: skillpack cannot tell which skills it installed here: ")
            && text.contains("Move it aside"),
        "{text}"
    );
    assert!(!text.contains("warning[modified]"), "{text}");
}

/// Two different skills of one name: Claude Code keeps the user's, Gemini CLI the
/// project's; the other copy is said to be shadowed, naming the one that wins.
#[test]
fn doctor_says_which_copy_of_a_name_each_agent_keeps() {
    let world = World::new();
    for dir in [".claude/skills", ".gemini/skills"] {
        write_skill(&world.home.join(dir).join("shared"), "shared", "");
        write_skill(
            &world.project.join(dir).join("shared"),
            "shared",
            "license: MIT\n",
        );
    }
    let out = run_within(
        &world,
        &["doctor", "--json", "--agent", "claude-code,gemini-cli"],
        60,
    );
    let doc = json_of(&out);
    let copies = |agent: usize| -> Vec<(String, bool, String)> {
        doc["agents"][agent]["roots"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|r| r["skills"].as_array().unwrap().iter().map(move |s| (r, s)))
            .map(|(r, s)| {
                (
                    world.shown(r["path"].as_str().unwrap()),
                    s["loads"].as_bool().unwrap(),
                    s["problems"][0]["message"]
                        .as_str()
                        .unwrap_or_default()
                        .to_string(),
                )
            })
            .collect()
    };
    let claude = copies(0);
    assert_eq!(doc["agents"][0]["agent"], "claude-code");
    assert!(
        claude.contains(&("~/.claude/skills".into(), true, String::new())),
        "{claude:?}"
    );
    let shadowed = claude
        .iter()
        .find(|c| c.0 == "$PROJECT/.claude/skills")
        .unwrap();
    assert!(!shadowed.1);
    assert!(
        shadowed
            .2
            .starts_with("Claude Code loads another skill named `shared` instead, from ")
            && shadowed
                .2
                .ends_with(".claude/skills/shared; rename one of them")
            && shadowed.2.contains(&*world.home.to_string_lossy()),
        "{claude:?}"
    );
    let gemini = copies(1);
    assert!(
        gemini.contains(&("$PROJECT/.gemini/skills".into(), true, String::new())),
        "{gemini:?}"
    );
    let shadowed = gemini.iter().find(|c| c.0 == "~/.gemini/skills").unwrap();
    assert!(!shadowed.1);
    assert!(
        shadowed.2.contains(&*world.project.to_string_lossy()),
        "{gemini:?}"
    );
}

/// A skill only another agent reads is named once per agent, however many copies it reads.
#[test]
fn the_elsewhere_line_names_each_agent_once() {
    let world = World::new();
    let codex = world.home.join(".codex/skills");
    write_skill(&codex.join("a"), "twice", "");
    write_skill(&codex.join("b"), "twice", "");
    std::fs::create_dir_all(world.home.join(".claude/skills")).unwrap();
    let out = run_within(&world, &["doctor", "--agent", "claude-code"], 60);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("  elsewhere twice: in ~/.codex/skills, which Claude Code does not read (read by codex); install it for claude-code too"),
        "{text}"
    );
    let out = run_within(&world, &["doctor", "--json", "--agent", "claude-code"], 60);
    let doc = json_of(&out);
    assert_eq!(
        doc["agents"][0]["elsewhere"][0]["read_by"],
        serde_json::json!(["codex"])
    );
}

/// A plain install goes to Claude Code's folder, so Claude Code's own loader judges it: a
/// skill Claude Code skips is refused, one it loads is installed even where the
/// specification objects. `--dir` without `--agent` names no agent: the specification's
/// check stands there.
#[test]
fn a_plain_install_judges_the_skill_as_claude_code_loads_it() {
    let world = World::new();
    let install = |src: &Path, dir: Option<&Path>| {
        let cache = world.home.join(".cache");
        let mut cmd = skillpack(&world.home, &cache, &world.project);
        cmd.arg("install").arg(src);
        if let Some(dir) = dir {
            cmd.arg("--dir").arg(dir);
        }
        cmd.output().unwrap()
    };
    // Recorded: Claude Code skips `user-invocable: "no"`, and loads YAML with a tab.
    let table = data("clients.json");
    assert_eq!(
        table["cases"]["user-invocable-string"]["claude-code"],
        serde_json::json!([])
    );
    assert_eq!(
        table["cases"]["yaml-tab"]["claude-code"][0]["name"],
        "yaml-tab"
    );

    let skipped = world.home.join("src/invocable-str");
    write_skill(&skipped, "invocable-str", "user-invocable: \"no\"\n");
    let out = install(&skipped, None);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("Claude Code skips it: "), "{err}");
    assert!(!world.home.join(".claude/skills/invocable-str").exists());

    let tab = world.home.join("src/yaml-tab");
    write_skill(&tab, "yaml-tab", "metadata:\n\tauthor: me\n");
    let out = install(&tab, None);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(
        world
            .home
            .join(".claude/skills/yaml-tab/SKILL.md")
            .is_file()
    );

    let dir = world.home.join("plain");
    let out = install(&tab, Some(&dir));
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("error[yaml-syntax]"), "{err}");
    let out = install(&skipped, Some(&dir));
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// `install --agent codex,gemini-cli` writes the same files to `~/.agents/skills` and
/// `~/.gemini/skills`; Gemini CLI loads the first, and the second is an identical copy:
/// a note, not a failure. Once the copies differ, it is shadowed again, and exit 1.
#[test]
fn identical_copies_of_an_installed_skill_are_a_note_not_a_failure() {
    let world = World::new();
    let src = world.home.join("src/account-management");
    write_skill(&src, "account-management", "");
    let out = run_within(
        &world,
        &[
            "install",
            src.to_str().unwrap(),
            "--agent",
            "codex,gemini-cli",
        ],
        60,
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let home = world.home.to_string_lossy().into_owned();

    let out = run_within(&world, &["doctor", "--agent", "gemini-cli"], 60);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(
        text.contains(
            "note[identical-copy] Gemini CLI loads `account-management` from ~/.agents/skills/account-management instead, whose files are identical to these; one of the two copies may be removed"
        ),
        "{text}"
    );
    assert!(!text.contains("rename") && !text.contains(&home), "{text}");
    assert!(!text.contains("warning[shadowed]"), "{text}");
    let doc = json_of(&run_within(
        &world,
        &[
            "doctor",
            "--json",
            "--agent",
            "gemini-cli",
            "--scope",
            "user",
        ],
        60,
    ));
    let copy = entry(&doc, 0, "account-management").unwrap();
    assert_eq!(copy["loads"], false);
    assert_eq!(copy["problems"][0]["severity"], "note");
    assert_eq!(
        copy["problems"][0]["instead"],
        format!("{home}/.agents/skills/account-management")
    );

    let md = world
        .home
        .join(".gemini/skills/account-management/SKILL.md");
    let text = std::fs::read_to_string(&md).unwrap();
    std::fs::write(&md, text.replace("Body.", "Another body.")).unwrap();
    let out = run_within(&world, &["doctor", "--agent", "gemini-cli"], 60);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(
        text.contains(
            "warning[shadowed] Gemini CLI loads another skill named `account-management` instead, from ~/.agents/skills/account-management; rename one of them"
        ),
        "{text}"
    );
    assert!(!text.contains(&home), "{text}");
}

/// Under the profile of an agent that skips a skill whose `description` is null or blank,
/// that is the error, with its place, rather than a generic one.
#[test]
fn a_null_or_blank_description_is_the_error_where_the_agent_skips_the_skill() {
    let world = World::new();
    let root = world.home.join(".agents/skills");
    for (folder, value) in [("null-desc", "~"), ("blank-desc", "\"   \"")] {
        std::fs::create_dir_all(root.join(folder)).unwrap();
        std::fs::write(
            root.join(folder).join("SKILL.md"),
            format!("---\nname: {folder}\ndescription: {value}\n---\nBody.\n"),
        )
        .unwrap();
    }
    let out = run_within(&world, &["doctor", "--agent", "codex"], 60);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(
        text.contains("error[description-empty] ~/.agents/skills/null-desc/SKILL.md:3:14: `description` has no value (`~` is YAML for null)"),
        "{text}"
    );
    assert!(
        text.contains("error[description-empty] ~/.agents/skills/blank-desc/SKILL.md:3:14:"),
        "{text}"
    );
    assert!(!text.contains("not-loaded"), "{text}");

    for profile in ["codex", "claude-code"] {
        let out = run_within(
            &world,
            &[
                "validate",
                "--profile",
                profile,
                root.join("null-desc").to_str().unwrap(),
            ],
            60,
        );
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(out.status.code(), Some(1), "{profile}: {text}");
        assert!(
            text.contains("error[description-empty]") && text.contains("SKILL.md:3:14"),
            "{profile}: {text}"
        );
    }
    // Gemini CLI loads it: a warning there.
    let out = run_within(
        &world,
        &[
            "validate",
            "--profile",
            "gemini-cli",
            root.join("null-desc").to_str().unwrap(),
        ],
        60,
    );
    assert_eq!(out.status.code(), Some(0));
}

/// Codex loads a skill whose `name` is null, empty or blank under its folder's name, and
/// trims it; Gemini CLI skips an empty or blank one; `install --agent` follows them.
#[test]
fn install_for_an_agent_follows_its_reading_of_an_empty_or_null_name() {
    let world = World::new();
    let src = world.home.join("b");
    for (folder, value) in [("null-name", "~"), ("empty-name", "\"\"")] {
        std::fs::create_dir_all(src.join(folder)).unwrap();
        std::fs::write(
            src.join(folder).join("SKILL.md"),
            format!("---\nname: {value}\ndescription: A skill.\n---\nBody.\n"),
        )
        .unwrap();
    }
    let install = |folder: &str, agent: &str| {
        run_within(
            &world,
            &[
                "install",
                src.join(folder).to_str().unwrap(),
                "--agent",
                agent,
            ],
            60,
        )
    };
    for folder in ["null-name", "empty-name"] {
        let out = install(folder, "codex");
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "{folder}: {err}");
        assert!(!err.contains("Codex skips it"), "{err}");
        assert!(world.home.join(".agents/skills").join(folder).is_dir());
    }
    let out = install("empty-name", "gemini-cli");
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("Gemini CLI skips it") && err.contains("error[name-empty]"),
        "{err}"
    );
    assert!(!world.home.join(".gemini/skills/empty-name").exists());

    let doc = json_of(&run_within(
        &world,
        &["doctor", "--json", "--agent", "codex", "--scope", "user"],
        60,
    ));
    for folder in ["null-name", "empty-name"] {
        let e = entry(&doc, 0, folder).unwrap();
        assert_eq!(e["loads"], true, "{e}");
        assert_eq!(e["name"], folder, "{e}");
    }
}

/// Codex reads `SKILL.md` at most 6 folders below a root; one folder deeper it is named as
/// too deep.
#[test]
fn codex_reads_skills_at_most_six_folders_deep() {
    let world = World::new();
    let root = world.home.join(".agents/skills");
    write_skill(&root.join("a/b/c/d/e/deep6"), "deep6", "");
    write_skill(&root.join("a/b/c/d/e/f/deep7"), "deep7", "");
    let out = run_within(&world, &["doctor", "--agent", "codex"], 60);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.contains("loads  a/b/c/d/e/deep6 as `deep6`"), "{text}");
    assert!(
        text.contains("skips  a/b/c/d/e/f/deep7\n           error[too-deep] ~/.agents/skills/a/b/c/d/e/f/deep7: Codex looks for SKILL.md at most 6 folders below the root"),
        "{text}"
    );
}

/// Started from a subfolder of a repository, Claude Code and Codex read the skills folders
/// up to the repository root; Gemini CLI reads those of the folder it was started in only
/// (its workspace), as the real client does.
#[cfg(unix)]
#[test]
fn from_a_subfolder_gemini_cli_reads_only_the_folders_it_was_started_in() {
    let world = World::new();
    for rel in [".claude/skills", ".agents/skills", ".gemini/skills"] {
        write_skill(&world.project.join(rel).join("up"), "up", "");
    }
    let sub = world.project.join("sub");
    write_skill(&sub.join(".gemini/skills/here"), "here", "");
    let cache = world.home.join(".cache");
    let out = skillpack(&world.home, &cache, &sub)
        .args(["doctor", "--agent", "all", "--scope", "project", "--json"])
        .output()
        .unwrap();
    let doc = json_of(&out);
    let loads = |agent: &str| -> Vec<String> {
        let mut names: Vec<String> = doc["agents"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|a| a["agent"] == agent)
            .flat_map(|a| a["roots"].as_array().unwrap().clone())
            .flat_map(|r| r["skills"].as_array().unwrap().clone())
            .filter(|s| s["loads"] == true)
            .map(|s| s["name"].as_str().unwrap().to_string())
            .collect();
        names.sort();
        names
    };
    assert_eq!(loads("claude-code"), ["up"], "{doc}");
    assert_eq!(loads("codex"), ["up"], "{doc}");
    assert_eq!(loads("gemini-cli"), ["here"], "{doc}");
}

/// A `description` written as a mapping on one line: Codex and Gemini CLI load it, showing
/// the mapping's text, and Claude Code skips it. Doctor says so for each, and an install for
/// Codex is refused as a skill Codex changes, not one it skips.
#[cfg(unix)]
#[test]
fn a_mapping_description_loads_where_the_agent_reads_it_as_text() {
    for (agent, root) in [
        ("codex", ".agents/skills"),
        ("gemini-cli", ".gemini/skills"),
        ("claude-code", ".claude/skills"),
    ] {
        // One world each: Gemini CLI also reads Codex's folder.
        let world = World::new();
        let dir = world.home.join(root).join("desc-map");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(
            dir.join("SKILL.md"),
            "---\nname: desc-map\ndescription: {a: 1}\n---\nBody.\n",
        )
        .unwrap();
        let doc = json_of(&world.doctor(&["--json", "--agent", agent]));
        let skill = entry(&doc, 0, "desc-map").unwrap_or_else(|| panic!("{agent}: {doc}"));
        assert_eq!(skill["loads"], agent != "claude-code", "{agent}: {skill}");
    }

    let world = World::new();
    let src = world.home.join("src/desc-map");
    write_skill(&src, "desc-map", "");
    std::fs::write(
        src.join("SKILL.md"),
        "---\nname: desc-map\ndescription: {a: 1}\n---\nBody.\n",
    )
    .unwrap();
    let cache = world.home.join(".cache");
    let out = skillpack(&world.home, &cache, &world.project)
        .arg("install")
        .arg(&src)
        .args(["--agent", "codex"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(!err.contains("skips it"), "{err}");
    assert!(
        err.contains("the skill does not load as written: Codex changes it: ")
            && err.contains("error[description-type]")
            && err.contains("shows what Codex changes"),
        "{err}"
    );
}

/// A folder whose name is not UTF-8 does not stop the JSON report: its path is written with
/// U+FFFD in place of the bytes, as `validate` writes paths.
#[cfg(unix)]
#[test]
fn doctor_json_writes_a_folder_name_that_is_not_utf8() {
    use std::os::unix::ffi::OsStrExt;
    let world = World::new();
    let root = world.home.join(".agents/skills");
    write_skill(&root.join("good"), "good", "");
    let odd = root.join(std::ffi::OsStr::from_bytes(b"lat\xe9"));
    write_skill(&odd, "latin", "");
    let out = world.doctor(&["--json", "--agent", "codex", "--scope", "user"]);
    let doc = json_of(&out);
    assert!(entry(&doc, 0, "good").is_some(), "{doc}");
    let s = entry(&doc, 0, "lat\u{fffd}").unwrap_or_else(|| panic!("{doc}"));
    assert_eq!(s["loads"], true, "{s}");
    assert!(
        s["file"]
            .as_str()
            .unwrap()
            .ends_with("lat\u{fffd}/SKILL.md"),
        "{s}"
    );
}

/// Off Windows a `\` is part of a folder's name: doctor names the folder as it is.
#[cfg(unix)]
#[test]
fn doctor_names_a_folder_holding_a_backslash_as_it_is() {
    let world = World::new();
    let root = world.home.join(".agents/skills");
    write_skill(&root.join("back\\slash"), "back-slash", "");
    let doc = json_of(&world.doctor(&["--json", "--agent", "codex", "--scope", "user"]));
    let s = entry(&doc, 0, "back\\slash").unwrap_or_else(|| panic!("{doc}"));
    assert_eq!(s["loads"], true, "{s}");
    assert!(entry(&doc, 0, "back/slash").is_none(), "{doc}");
}

/// A SKILL.md that links to a file outside the skill folder: what that file holds is not
/// quoted, the link and where it points are named. A finding's type takes its article.
#[cfg(unix)]
#[test]
fn doctor_does_not_quote_a_file_reached_through_a_link_out_of_the_folder() {
    let world = World::new();
    let secret = world.home.join("secret.txt");
    std::fs::write(&secret, "root:x:0:0:top-secret-line\n").unwrap();
    let dir = world.home.join(".claude/skills/leak");
    std::fs::create_dir_all(&dir).unwrap();
    std::os::unix::fs::symlink(&secret, dir.join("SKILL.md")).unwrap();
    let out = world.doctor(&["--agent", "claude-code", "--scope", "user"]);
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!all.contains("top-secret"), "{all}");
    assert!(
        all.contains("SKILL.md is a symbolic link to") && all.contains("secret.txt"),
        "{all}"
    );

    write_skill(&world.home.join(".claude/skills/num"), "num", "model: 12\n");
    let out = world.doctor(&["--agent", "claude-code", "--scope", "user"]);
    let all = String::from_utf8_lossy(&out.stdout);
    assert!(all.contains("is read as an integer"), "{all}");
    assert!(!all.contains(" a integer"), "{all}");
}
