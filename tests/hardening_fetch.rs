//! Faults and attacks on the fetch stage, driven through the real binary with a temporary
//! HOME, cache and skills root, against HTTP servers on 127.0.0.1: trickling and endless
//! downloads, bad numbers in the environment and redirects to `file:`.

#[path = "common/net.rs"]
mod net;

use std::path::{Path, PathBuf};
use std::process::Command as StdCommand;
use std::time::{Duration, Instant};

use assert_cmd::Command;
use predicates::prelude::*;
use tempfile::TempDir;

use net::{Reply, Server, sha256_hex, skill_zip};

/// A temporary HOME and download cache, and a `skillpack` command using them.
struct Sandbox {
    home: TempDir,
    cache: TempDir,
}

impl Sandbox {
    fn new() -> Sandbox {
        Sandbox {
            home: TempDir::new().unwrap(),
            cache: TempDir::new().unwrap(),
        }
    }

    fn root(&self) -> PathBuf {
        self.home.path().join("skills")
    }

    fn cmd(&self) -> Command {
        let mut c = StdCommand::new(assert_cmd::cargo::cargo_bin("skillpack"));
        for var in [
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
            "SKILLPACK_HTTP_TIMEOUT",
            "SKILLPACK_HTTP_DEADLINE",
            "SKILLPACK_HTTP_MIN_RATE",
            "CLAUDE_CONFIG_DIR",
        ] {
            c.env_remove(var);
        }
        c.env("HOME", self.home.path())
            .env("SKILLPACK_CACHE_DIR", self.cache.path())
            .env("SKILLPACK_RETRY_BASE_MS", "1")
            .env("NO_COLOR", "1")
            .current_dir(self.home.path());
        Command::from_std(c)
    }

    /// `skillpack install --dir DIR ARGS…`
    fn install_into(&self, dir: &Path, args: &[&str]) -> Command {
        let mut c = self.cmd();
        c.arg("install").arg("--dir").arg(dir).args(args);
        c
    }

    fn install(&self, args: &[&str]) -> Command {
        self.install_into(&self.root(), args)
    }

    fn cache_files(&self) -> Vec<String> {
        files_under(self.cache.path())
    }
}

fn files_under(dir: &Path) -> Vec<String> {
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

fn nothing_installed(root: &Path) -> bool {
    !root.exists() || files_under(root).is_empty()
}

// ------------------------------------------------------- deadlines and minimum rate

fn no_partials(s: &Sandbox) {
    let partials: Vec<String> = s
        .cache_files()
        .into_iter()
        .filter(|f| f.ends_with(".partial"))
        .collect();
    assert!(partials.is_empty(), "debris: {partials:?}");
}

#[test]
fn a_trickling_download_is_abandoned() {
    let s = Sandbox::new();
    let srv = Server::start();
    let body = skill_zip("alpha", "1.0.0");
    srv.route(
        "/trickle.zip",
        vec![Reply::Slow {
            body: body.clone(),
            chunk: 1,
            pause: Duration::from_secs(2),
        }],
    );

    // Each byte arrives within the read timeout, so only the minimum rate can stop it.
    let started = Instant::now();
    s.install(&[&srv.url("/trickle.zip"), "--sha256", &sha256_hex(&body)])
        .env("SKILLPACK_HTTP_TIMEOUT", "3")
        .assert()
        .code(1)
        .stderr(predicate::str::contains("is too slow"))
        .stderr(predicate::str::contains(
            "under the minimum of 100 bytes per second",
        ))
        .stderr(predicate::str::contains("SKILLPACK_HTTP_MIN_RATE"));
    assert!(
        started.elapsed() < Duration::from_secs(60),
        "ended after {:?}",
        started.elapsed()
    );
    assert!(srv.hits("/trickle.zip") >= 1);
    no_partials(&s);
    assert!(
        files_under(&s.cache.path().join("archives")).is_empty(),
        "{:?}",
        s.cache_files()
    );
    assert!(nothing_installed(&s.root()));
}

#[test]
fn a_download_past_its_deadline_is_abandoned_and_not_retried() {
    let s = Sandbox::new();
    let srv = Server::start();
    // Fast enough for the minimum rate, far too long for a 2 s deadline.
    let body = vec![b'x'; 40_000];
    srv.route(
        "/long.zip",
        vec![Reply::Slow {
            body: body.clone(),
            chunk: 1000,
            pause: Duration::from_millis(200),
        }],
    );

    let started = Instant::now();
    s.install(&[&srv.url("/long.zip"), "--sha256", &sha256_hex(&body)])
        .env("SKILLPACK_HTTP_DEADLINE", "2")
        .assert()
        .code(1)
        .stderr(predicate::str::contains("did not finish within 2 s"))
        .stderr(predicate::str::contains("of 40000 bytes arrived"))
        .stderr(predicate::str::contains("SKILLPACK_HTTP_DEADLINE"));
    assert!(
        started.elapsed() < Duration::from_secs(30),
        "ended after {:?}",
        started.elapsed()
    );
    assert_eq!(srv.hits("/long.zip"), 1);
    no_partials(&s);
    assert!(nothing_installed(&s.root()));
}

// ------------------------------------------------------- numbers from the environment

#[test]
fn bad_numbers_in_the_environment_are_usage_errors() {
    let s = Sandbox::new();
    let cases = [
        ("SKILLPACK_HTTP_TIMEOUT", "1e20", "from 0.1 to 3600"),
        ("SKILLPACK_HTTP_TIMEOUT", "-1", "from 0.1 to 3600"),
        ("SKILLPACK_HTTP_TIMEOUT", "NaN", "from 0.1 to 3600"),
        ("SKILLPACK_HTTP_TIMEOUT", "0", "from 0.1 to 3600"),
        ("SKILLPACK_HTTP_TIMEOUT", "thirty", "from 0.1 to 3600"),
        ("SKILLPACK_RETRY_BASE_MS", "1e300", "from 0 to 60000"),
        ("SKILLPACK_RETRY_BASE_MS", "-5", "from 0 to 60000"),
        ("SKILLPACK_RETRY_BASE_MS", "inf", "from 0 to 60000"),
        ("SKILLPACK_HTTP_DEADLINE", "0.5", "from 1 to 86400"),
        ("SKILLPACK_HTTP_MIN_RATE", "-1", "from 0 to 1000000000"),
    ];
    for (var, value, range) in cases {
        let dir = s.home.path().join("d");
        s.cmd()
            .args(["install", "--dir"])
            .arg(&dir)
            .env(var, value)
            .assert()
            .code(2)
            .stderr(predicate::str::contains(format!("{var} is `{value}`")))
            .stderr(predicate::str::contains(range));
        assert!(!dir.exists(), "{var}={value} wrote to the target");
    }
    // A control character in the value is shown escaped.
    s.cmd()
        .args(["install", "--dir"])
        .arg(s.home.path().join("d"))
        .env("SKILLPACK_HTTP_TIMEOUT", "3\u{1b}[31m")
        .assert()
        .code(2)
        .stderr(predicate::str::contains("\\u{1b}"));

    // In range, and blank, they are accepted.
    let dir = s.home.path().join("ok");
    s.cmd()
        .args(["install", "--no-companions", "--dir"])
        .arg(&dir)
        .env("SKILLPACK_HTTP_TIMEOUT", "2.5")
        .env("SKILLPACK_RETRY_BASE_MS", "0")
        .env("SKILLPACK_HTTP_DEADLINE", " ")
        .assert()
        .success();
    assert!(dir.join("account-management/SKILL.md").is_file());
}

// ------------------------------------------------------- redirects out of http

#[test]
fn a_redirect_to_a_file_url_is_reported_as_such() {
    let s = Sandbox::new();
    let srv = Server::start();
    srv.route("/r.zip", vec![Reply::Redirect("file:///etc/passwd".into())]);
    srv.route(
        "/ftp.zip",
        vec![Reply::Redirect("ftp://127.0.0.1/a.zip".into())],
    );

    s.install(&[&srv.url("/r.zip"), "--sha256", &"0".repeat(64)])
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "refused a redirect to `file:///etc/passwd`",
        ))
        .stderr(predicate::str::contains("only https://"));
    assert_eq!(srv.hits("/r.zip"), 1, "a refusal is not retried");
    s.install(&[&srv.url("/ftp.zip"), "--sha256", &"0".repeat(64)])
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "refused a redirect to `ftp://127.0.0.1/a.zip`",
        ));
    assert!(nothing_installed(&s.root()));
    assert!(s.cache_files().is_empty(), "{:?}", s.cache_files());
}
