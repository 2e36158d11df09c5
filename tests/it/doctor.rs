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
