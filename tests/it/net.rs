//! Test helpers for network sources: an HTTP server on 127.0.0.1 (tiny_http) whose routes
//! answer with files, statuses, redirects, slow or stalled bodies; a raw socket server for
//! connections that drop mid-body; and builders for skill, repository and index files.

#![allow(dead_code)]

use std::collections::{HashMap, VecDeque};
use std::io::{Cursor, Read, Write};
use std::net::{Shutdown, TcpListener};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

use sha2::{Digest, Sha256};
use zip::ZipWriter;
use zip::write::SimpleFileOptions;

/// How the server answers one request.
#[derive(Clone, Debug)]
pub enum Reply {
    /// 200 with the body and its Content-Length.
    Body(Vec<u8>),
    /// This status and a short text body.
    Status(u16),
    /// 302 to this location.
    Redirect(String),
    /// 200, the body sent `chunk` bytes at a time with `pause` before each.
    Slow {
        body: Vec<u8>,
        chunk: usize,
        pause: Duration,
    },
    /// 200 declaring the whole body, the first `sent` bytes of it, then silence for `stall`.
    Stall {
        body: Vec<u8>,
        sent: usize,
        stall: Duration,
    },
}

#[derive(Clone, Debug)]
pub struct Hit {
    pub path: String,
    pub authorization: Option<String>,
}

type Routes = Arc<Mutex<HashMap<String, VecDeque<Reply>>>>;

/// An HTTP server on a random loopback port, for the lifetime of the value.
pub struct Server {
    inner: Arc<tiny_http::Server>,
    port: u16,
    routes: Routes,
    hits: Arc<Mutex<Vec<Hit>>>,
}

impl Server {
    pub fn start() -> Server {
        let inner = Arc::new(tiny_http::Server::http("127.0.0.1:0").expect("bind 127.0.0.1"));
        let port = inner.server_addr().to_ip().expect("an IP address").port();
        let routes: Routes = Arc::default();
        let hits: Arc<Mutex<Vec<Hit>>> = Arc::default();
        let (srv, r, h) = (inner.clone(), routes.clone(), hits.clone());
        thread::spawn(move || {
            for request in srv.incoming_requests() {
                let path = request.url().split('?').next().unwrap_or("").to_string();
                let authorization = request
                    .headers()
                    .iter()
                    .find(|hd| hd.field.equiv("Authorization"))
                    .map(|hd| hd.value.to_string());
                h.lock().unwrap().push(Hit {
                    path: path.clone(),
                    authorization,
                });
                let reply = {
                    let mut routes = r.lock().unwrap();
                    match routes.get_mut(&path) {
                        Some(q) if q.len() > 1 => q.pop_front(),
                        Some(q) => q.front().cloned(),
                        None => None,
                    }
                };
                thread::spawn(move || answer(request, reply));
            }
        });
        Server {
            inner,
            port,
            routes,
            hits,
        }
    }

    /// `http://127.0.0.1:PORT` + `path`.
    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    pub fn base(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Answers `path` with `replies` in turn; the last one stays. A zip served at a
    /// codeload-style commit address (`/OWNER/REPO/zip/<40 hex digits>`) carries that
    /// commit id as its zip comment, as GitHub's archives do.
    pub fn route(&self, path: &str, replies: Vec<Reply>) {
        let replies: Vec<Reply> = match commit_of_archive_path(path) {
            Some(commit) => replies
                .into_iter()
                .map(|r| match r {
                    Reply::Body(b) => Reply::Body(with_zip_comment(b, commit)),
                    other => other,
                })
                .collect(),
            None => replies,
        };
        self.route_as_is(path, replies);
    }

    /// Answers `path` with `replies` in turn, exactly as given: a mirror whose archives
    /// carry no commit id.
    pub fn route_as_is(&self, path: &str, replies: Vec<Reply>) {
        self.routes
            .lock()
            .unwrap()
            .insert(path.to_string(), replies.into());
    }

    /// Answers `/REL` with the bytes of each file `REL` under `dir`, as it is now.
    pub fn serve_dir(&self, dir: &std::path::Path) {
        for rel in files_under(dir) {
            let bytes = std::fs::read(dir.join(&rel)).unwrap();
            self.route(&format!("/{rel}"), vec![Reply::Body(bytes)]);
        }
    }

    /// Requests received for `path`.
    pub fn hits(&self, path: &str) -> usize {
        self.hits
            .lock()
            .unwrap()
            .iter()
            .filter(|h| h.path == path)
            .count()
    }

    pub fn all_hits(&self) -> Vec<Hit> {
        self.hits.lock().unwrap().clone()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.inner.unblock();
    }
}

fn answer(request: tiny_http::Request, reply: Option<Reply>) {
    let header = |name: &str, value: &str| {
        tiny_http::Header::from_bytes(name.as_bytes(), value.as_bytes()).unwrap()
    };
    let _ = match reply {
        None => {
            request.respond(tiny_http::Response::from_string("not found").with_status_code(404))
        }
        Some(Reply::Body(body)) => request.respond(tiny_http::Response::from_data(body)),
        Some(Reply::Status(code)) => request.respond(
            tiny_http::Response::from_string(format!("status {code}")).with_status_code(code),
        ),
        Some(Reply::Redirect(to)) => {
            request.respond(tiny_http::Response::empty(302).with_header(header("Location", &to)))
        }
        Some(Reply::Slow { body, chunk, pause }) => {
            let mut w = request.into_writer();
            let mut send = || -> std::io::Result<()> {
                ok_head(&mut w, body.len())?;
                for part in body.chunks(chunk.max(1)) {
                    thread::sleep(pause);
                    w.write_all(part)?;
                    w.flush()?;
                }
                Ok(())
            };
            send()
        }
        Some(Reply::Stall { body, sent, stall }) => {
            let mut w = request.into_writer();
            let mut send = || -> std::io::Result<()> {
                ok_head(&mut w, body.len())?;
                w.write_all(&body[..sent.min(body.len())])?;
                w.flush()
            };
            let r = send();
            thread::sleep(stall);
            r
        }
    };
}

/// The commit of a codeload-style archive path `/OWNER/REPO/zip/<40 hex digits>`.
fn commit_of_archive_path(path: &str) -> Option<&str> {
    let parts: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    match parts[..] {
        [_, _, "zip", commit]
            if commit.len() == 40 && commit.bytes().all(|b| b.is_ascii_hexdigit()) =>
        {
            Some(commit)
        }
        _ => None,
    }
}

/// `zip` with `comment` as its archive comment, when it is a zip without one; else as it is.
pub fn with_zip_comment(mut zip: Vec<u8>, comment: &str) -> Vec<u8> {
    let n = zip.len();
    let bare_end = n >= 22 && zip[n - 22..n - 18] == *b"PK\x05\x06" && zip[n - 2..] == [0, 0];
    if !bare_end || comment.len() > u16::MAX as usize {
        return zip;
    }
    zip[n - 2..].copy_from_slice(&(comment.len() as u16).to_le_bytes());
    zip.extend_from_slice(comment.as_bytes());
    zip
}

/// The head of a 200 answer declaring `len` body bytes, written by hand where the body
/// is paced or cut short.
fn ok_head(w: &mut impl Write, len: usize) -> std::io::Result<()> {
    write!(w, "HTTP/1.1 200 OK\r\nContent-Length: {len}\r\n\r\n")?;
    w.flush()
}

/// A server whose every answer declares `declared` bytes, sends `body` and closes the
/// connection: a download cut off mid-way. (tiny_http keeps a connection open after a
/// short body, so this one speaks HTTP over a bare socket.) Returns its URL for `path`
/// and the number of connections served.
pub fn dropping_server(path: &str, body: Vec<u8>, declared: usize) -> (String, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1");
    let url = format!("http://{}{path}", listener.local_addr().unwrap());
    let count = Arc::new(AtomicUsize::new(0));
    let c = count.clone();
    thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            c.fetch_add(1, Ordering::SeqCst);
            let mut seen = Vec::new();
            let mut buf = [0u8; 1024];
            while !seen.windows(4).any(|w| w == b"\r\n\r\n") {
                match stream.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => seen.extend_from_slice(&buf[..n]),
                }
            }
            let _ = write!(
                stream,
                "HTTP/1.1 200 OK\r\nContent-Length: {declared}\r\nConnection: close\r\n\r\n"
            );
            let _ = stream.write_all(&body);
            let _ = stream.flush();
            let _ = stream.shutdown(Shutdown::Both);
        }
    });
    (url, count)
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// A SKILL.md that loads: `name`, a description and `metadata.version`.
pub fn skill_md(name: &str, version: &str) -> String {
    format!(
        "---\nname: {name}\ndescription: The {name} skill, for network install tests.\nmetadata:\n  version: \"{version}\"\n---\n# {name}\n\nUse it.\n"
    )
}

/// The files of a small skill, relative to its folder.
pub fn skill_files(name: &str, version: &str) -> Vec<(String, Vec<u8>)> {
    vec![
        ("SKILL.md".into(), skill_md(name, version).into_bytes()),
        (
            "references/notes.md".into(),
            format!("Notes for {name} {version}.\n").into_bytes(),
        ),
    ]
}

/// A zip of `entries` (path, bytes), deflated, in the given order.
pub fn zip(entries: &[(String, Vec<u8>)]) -> Vec<u8> {
    let mut w = ZipWriter::new(Cursor::new(Vec::new()));
    let opts = SimpleFileOptions::default().unix_permissions(0o644);
    for (path, data) in entries {
        w.start_file(path.as_str(), opts).unwrap();
        w.write_all(data).unwrap();
    }
    w.finish().unwrap().into_inner()
}

/// A release zip of one skill: everything under `<name>/`.
pub fn skill_zip(name: &str, version: &str) -> Vec<u8> {
    let entries: Vec<_> = skill_files(name, version)
        .into_iter()
        .map(|(p, d)| (format!("{name}/{p}"), d))
        .collect();
    zip(&entries)
}

/// A repository archive as GitHub serves it: one top folder `top/` holding the repository;
/// each skill `(folder path in the repository, name)` gets the small skill files.
pub fn repo_zip(top: &str, skills: &[(&str, &str)]) -> Vec<u8> {
    let mut entries = vec![(format!("{top}/README.md"), b"# repo\n".to_vec())];
    for (dir, name) in skills {
        for (p, d) in skill_files(name, "1.0.0") {
            entries.push((format!("{top}/{dir}/{p}"), d));
        }
    }
    zip(&entries)
}

/// The tree digest (sha256 over `<hex>  <name>/<path>\n`, sorted by path) of a skill's files.
pub fn tree_digest(name: &str, files: &[(String, Vec<u8>)]) -> String {
    let mut sorted: Vec<_> = files.iter().collect();
    sorted.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
    let mut h = Sha256::new();
    for (path, data) in sorted {
        h.update(format!("{}  {name}/{path}\n", sha256_hex(data)).as_bytes());
    }
    format!("sha256:{}", hex::encode(h.finalize()))
}

/// An `index.json` entry for `skill_zip(name, version)` found at `url` (relative or not).
pub fn index_entry(name: &str, version: &str, url: &str) -> serde_json::Value {
    let bytes = skill_zip(name, version);
    serde_json::json!({
        "name": name,
        "version": version,
        "description": format!("The {name} skill"),
        "url": url,
        "sha256": sha256_hex(&bytes),
        "tree": tree_digest(name, &skill_files(name, version)),
        "size": bytes.len(),
        "companions": [],
    })
}

pub fn index(entries: Vec<serde_json::Value>) -> Vec<u8> {
    serde_json::to_vec_pretty(&serde_json::json!({"version": 1, "skills": entries})).unwrap()
}

/// Environment variables that would make a test depend on the machine it runs on.
const MACHINE_VARS: &[&str] = &[
    "HTTP_PROXY",
    "http_proxy",
    "HTTPS_PROXY",
    "https_proxy",
    "ALL_PROXY",
    "all_proxy",
    "NO_PROXY",
    "no_proxy",
    "SKILLPACK_INDEX",
    "SKILLPACK_GITHUB_URL",
    "SKILLPACK_COMPLETE",
    "SKILLPACK_HTTP_TIMEOUT",
    "SKILLPACK_HTTP_DEADLINE",
    "SKILLPACK_HTTP_MIN_RATE",
    "SKILLPACK_TEST_COMMIT",
    "SKILLPACK_TEST_CRASH",
    "SKILLPACK_TRUSTED_KEYS",
    "SKILLPACK_SIGNING_PASSWORD",
    "SOURCE_DATE_EPOCH",
    "CLAUDE_CONFIG_DIR",
    "XDG_CONFIG_HOME",
    "GITHUB_STEP_SUMMARY",
    "CLICOLOR_FORCE",
];

/// `c` isolated from the machine: its proxy and skillpack variables removed, `home` as HOME
/// and working folder, `cache` as the download cache, fast retries and no colour.
pub fn isolate<'c>(
    c: &'c mut std::process::Command,
    home: &std::path::Path,
    cache: &std::path::Path,
) -> &'c mut std::process::Command {
    for var in MACHINE_VARS {
        c.env_remove(var);
    }
    c.env("HOME", home)
        .env("SKILLPACK_CACHE_DIR", cache)
        .env("SKILLPACK_RETRY_BASE_MS", "1")
        .env("NO_COLOR", "1")
        .current_dir(home)
}

/// The `skillpack` binary with [`isolate`]d settings, run in `cwd`: the one command builder
/// every sandbox uses.
pub fn skillpack(
    home: &std::path::Path,
    cache: &std::path::Path,
    cwd: &std::path::Path,
) -> std::process::Command {
    let mut c = std::process::Command::new(assert_cmd::cargo::cargo_bin("skillpack"));
    isolate(&mut c, home, cache).current_dir(cwd);
    c
}

/// A git repository `proj` (branch `main`, nothing committed) in a fresh HOME, and a
/// GitHub mirror on loopback: the project the lock and sync tests work in.
pub struct GitProject {
    pub h: Home,
    pub srv: Server,
    pub dir: std::path::PathBuf,
}

impl GitProject {
    pub fn new() -> GitProject {
        let h = Home::new();
        let dir = h.home.path().join("proj");
        std::fs::create_dir_all(&dir).unwrap();
        git(&dir, &["init", "-q", "-b", "main"]);
        GitProject {
            h,
            srv: Server::start(),
            dir,
        }
    }

    /// `skillpack` in `cwd`, the mirror standing in for GitHub.
    pub fn cmd_in(&self, cwd: &std::path::Path) -> std::process::Command {
        let mut c = skillpack(self.h.home.path(), self.h.cache.path(), cwd);
        c.env("SKILLPACK_GITHUB_URL", self.srv.base());
        c
    }
}

/// The `skillpack` binary for commands that touch no skills root or cache (help, man,
/// completions, validate, pack): no colour, and no machine settings.
pub fn bare() -> assert_cmd::Command {
    let mut c = std::process::Command::new(assert_cmd::cargo::cargo_bin("skillpack"));
    for var in MACHINE_VARS {
        c.env_remove(var);
    }
    c.env("NO_COLOR", "1");
    assert_cmd::Command::from_std(c)
}

/// The regular files under `dir`, relative, with forward slashes, sorted.
pub fn files_under(dir: &std::path::Path) -> Vec<String> {
    let mut out: Vec<String> = walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            e.path()
                .strip_prefix(dir)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/")
        })
        .collect();
    out.sort();
    out
}

/// A temporary HOME and download cache, with the skills root at `<home>/skills`: the
/// sandbox the network and hardening tests build their own on (through `Deref`).
pub struct Home {
    pub home: tempfile::TempDir,
    pub cache: tempfile::TempDir,
}

impl Home {
    pub fn new() -> Home {
        Home {
            home: tempfile::TempDir::new().unwrap(),
            cache: tempfile::TempDir::new().unwrap(),
        }
    }

    pub fn root(&self) -> std::path::PathBuf {
        self.home.path().join("skills")
    }

    /// The `skillpack` binary, isolated from the machine ([`isolate`]).
    pub fn std_cmd(&self) -> std::process::Command {
        skillpack(self.home.path(), self.cache.path(), self.home.path())
    }

    /// [`Home::std_cmd`] as an `assert_cmd` command.
    pub fn cmd(&self) -> assert_cmd::Command {
        assert_cmd::Command::from_std(self.std_cmd())
    }
}

/// Runs `git -C dir ARGS` as a fixed author, with no system or user configuration; its
/// output, trimmed. Panics when git fails.
pub fn git(dir: &std::path::Path, args: &[&str]) -> String {
    let out = std::process::Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .env("GIT_AUTHOR_NAME", "t")
        .env("GIT_AUTHOR_EMAIL", "t@example.com")
        .env("GIT_COMMITTER_NAME", "t")
        .env("GIT_COMMITTER_EMAIL", "t@example.com")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("HOME", dir)
        .output()
        .expect("git runs");
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// A mirror of GitHub's archives serving `acme/skills` (skills/alpha and skills/beta) at
/// each of `refs`, each archive saying it is `commit` as GitHub's do.
pub fn serve_acme_skills(srv: &Server, refs: &[&str], commit: &str) {
    let zip = with_zip_comment(
        repo_zip(
            "skills-x",
            &[("skills/alpha", "alpha"), ("skills/beta", "beta")],
        ),
        commit,
    );
    for r in refs {
        srv.route(
            &format!("/acme/skills/zip/{r}"),
            vec![Reply::Body(zip.clone())],
        );
    }
}

/// `text` split as a POSIX shell would split a command of plain and single-quoted words.
pub fn shell_words(text: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut quoted = false;
    let mut any = false;
    for c in text.chars() {
        match c {
            '\'' => {
                quoted = !quoted;
                any = true;
            }
            ' ' if !quoted => {
                if any {
                    words.push(std::mem::take(&mut word));
                    any = false;
                }
            }
            c => {
                word.push(c);
                any = true;
            }
        }
    }
    if any {
        words.push(word);
    }
    words
}

/// The `computedHash` the `skills` CLI records for the small skill `name`: path then bytes
/// of each file, `references/…` sorting before `SKILL.md` as `localeCompare` does.
pub fn computed_hash(name: &str) -> String {
    use sha2::Digest;
    let mut files = skill_files(name, "1.0.0");
    files.sort_by(|a, b| b.0.cmp(&a.0));
    let mut h = sha2::Sha256::new();
    for (f, d) in &files {
        h.update(f.as_bytes());
        h.update(d);
    }
    hex::encode(h.finalize())
}
