//! `skillpack doctor` against what the real agents load: every case of
//! `tests/data/doctor/corpus.json` is laid out as the calibration script lays it out, and
//! doctor's `loads` and names are compared with `tests/data/doctor/clients.json`, the table
//! recorded from Claude Code, Codex and Gemini CLI.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::net::skillpack;

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

/// `validate --profile AGENT` on every case's skill folder: an error exactly when the
/// recorded client skips the skill. Returns the pairs compared and the differences.
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
            if skipped == errors.is_empty() || out.status.code() != Some(i32::from(skipped)) {
                diffs.push(format!(
                    "{id} {client}: client {}, validate errors {errors:?} (exit {:?})",
                    if skipped { "skips" } else { "loads" },
                    out.status.code()
                ));
            }
        }
    }
    (compared, diffs)
}

#[cfg(unix)]
#[test]
fn validate_errs_under_an_agents_profile_exactly_when_the_agent_skips_the_skill() {
    let table = data("clients.json");
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
/// installs what A loads even where the specification objects; without `--agent` the
/// specification's check stands.
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

    let out = install(None);
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
