//! Network sources driven through the real binary against HTTP servers on 127.0.0.1: URL
//! zips, GitHub repository archives (through `SKILLPACK_GITHUB_URL`), remote indexes, the
//! catalog's companions, retries, timeouts, redirects, size caps, interrupted downloads and
//! `skillpack update`. Nothing here reaches beyond the loopback address.

use crate::net;

use std::fs;
use std::process::{Command as StdCommand, Stdio};
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use assert_cmd::Command;
use predicates::prelude::*;

use net::{Reply, Server, files_under, index, index_entry, repo_zip, sha256_hex, skill_zip};

const COMPANION_COMMIT: &str = "c916c4ebbcd65bbc0f4d5f64764a84e746c90afc";

/// A temporary HOME, download cache and skills root, and a `skillpack` command using them.
/// The companions account-management recommends, in the order it names them.
const COMPANIONS: [&str; 4] = [
    "customer-success-playbook",
    "crm-management",
    "sales-playbook",
    "partnership-strategy",
];

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

    fn env<'c>(&self, c: &'c mut StdCommand) -> &'c mut StdCommand {
        net::isolate(c, self.home.path(), self.cache.path())
    }

    /// `skillpack install --dir ROOT ARGS…`
    fn install(&self, args: &[&str]) -> Command {
        let mut c = self.cmd();
        c.arg("install").arg("--dir").arg(self.root()).args(args);
        c
    }

    fn update(&self, args: &[&str]) -> Command {
        let mut c = self.cmd();
        c.arg("update").arg("--dir").arg(self.root()).args(args);
        c
    }

    fn lock(&self) -> serde_json::Value {
        let text = fs::read_to_string(self.root().join(".skillpack/lock.json")).unwrap();
        serde_json::from_str(&text).unwrap()
    }

    fn lock_has(&self, name: &str) -> bool {
        fs::read_to_string(self.root().join(".skillpack/lock.json"))
            .map(|t| {
                serde_json::from_str::<serde_json::Value>(&t).unwrap()["skills"][name].is_object()
            })
            .unwrap_or(false)
    }

    /// Every file in the cache, relative, sorted.
    fn cache_files(&self) -> Vec<String> {
        files_under(self.cache.path())
    }

    fn cached_archives(&self) -> Vec<String> {
        self.cache_files()
            .into_iter()
            .filter(|f| f.starts_with("archives/"))
            .collect()
    }
}

fn stderr_of(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

// ---------------------------------------------------------------- URL sources

#[test]
fn url_with_matching_sha256_installs_and_records_the_source() {
    let s = Sandbox::new();
    let srv = Server::start();
    let zip = skill_zip("alpha", "1.0.0");
    let sha = sha256_hex(&zip);
    srv.route("/dl/alpha.zip", vec![Reply::Body(zip)]);

    s.install(&[&srv.url("/dl/alpha.zip"), "--sha256", &sha])
        .assert()
        .success()
        .stderr(predicate::str::contains("Installed alpha 1.0.0"));

    assert!(s.root().join("alpha/SKILL.md").is_file());
    assert!(s.root().join("alpha/references/notes.md").is_file());
    let lock = s.lock();
    let entry = &lock["skills"]["alpha"];
    assert_eq!(entry["source"]["kind"], "url");
    assert_eq!(entry["source"]["url"], srv.url("/dl/alpha.zip"));
    assert_eq!(entry["archive_sha256"], sha);
    assert_eq!(
        s.cached_archives(),
        vec![format!("archives/{sha}.zip")],
        "the download is kept whole under its digest, with no partial file"
    );
}

#[test]
fn url_with_wrong_sha256_is_refused_naming_both_digests() {
    let s = Sandbox::new();
    let srv = Server::start();
    let zip = skill_zip("alpha", "1.0.0");
    let actual = sha256_hex(&zip);
    let expected = "0".repeat(64);
    srv.route("/alpha.zip", vec![Reply::Body(zip)]);

    s.install(&[&srv.url("/alpha.zip"), "--sha256", &expected])
        .assert()
        .code(1)
        .stderr(predicate::str::contains(format!(
            "expected sha256:{expected}"
        )))
        .stderr(predicate::str::contains(format!("got sha256:{actual}")));

    assert!(!s.root().join("alpha").exists());
    assert!(s.cached_archives().is_empty(), "{:?}", s.cached_archives());
    assert_eq!(
        srv.hits("/alpha.zip"),
        1,
        "a digest mismatch is not retried"
    );
}

#[test]
fn truncated_body_is_retried_then_refused_leaving_nothing() {
    let s = Sandbox::new();
    let zip = skill_zip("alpha", "1.0.0");
    let half = zip[..zip.len() / 2].to_vec();
    let (url, connections) = net::dropping_server("/alpha.zip", half, zip.len());

    s.install(&[&url, "--sha256", &sha256_hex(&zip)])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("broke off after"))
        .stderr(predicate::str::contains(format!("of {} bytes", zip.len())))
        .stderr(predicate::str::contains("gave up after 4 attempts"));

    assert_eq!(connections.load(Ordering::SeqCst), 4);
    assert!(!s.root().join("alpha").exists());
    assert!(s.cached_archives().is_empty(), "{:?}", s.cached_archives());
}

#[test]
fn server_errors_are_retried_until_the_download_succeeds() {
    let s = Sandbox::new();
    let srv = Server::start();
    let zip = skill_zip("alpha", "1.0.0");
    let sha = sha256_hex(&zip);
    srv.route(
        "/alpha.zip",
        vec![Reply::Status(500), Reply::Status(503), Reply::Body(zip)],
    );

    s.install(&[&srv.url("/alpha.zip"), "--sha256", &sha])
        .assert()
        .success()
        .stderr(predicate::str::contains("Retrying"))
        .stderr(predicate::str::contains("500"));

    assert_eq!(srv.hits("/alpha.zip"), 3);
    assert!(s.root().join("alpha/SKILL.md").is_file());
}

#[test]
fn too_many_requests_is_retried() {
    let s = Sandbox::new();
    let srv = Server::start();
    let zip = skill_zip("alpha", "1.0.0");
    srv.route(
        "/alpha.zip",
        vec![Reply::Status(429), Reply::Body(zip.clone())],
    );

    s.install(&[&srv.url("/alpha.zip"), "--sha256", &sha256_hex(&zip)])
        .assert()
        .success();
    assert_eq!(srv.hits("/alpha.zip"), 2);
}

#[test]
fn not_found_is_not_retried() {
    let s = Sandbox::new();
    let srv = Server::start();

    s.install(&[&srv.url("/missing.zip"), "--sha256", &"0".repeat(64)])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("answered 404"));
    assert_eq!(srv.hits("/missing.zip"), 1);
}

#[test]
fn slow_but_steady_body_succeeds() {
    let s = Sandbox::new();
    let srv = Server::start();
    let zip = skill_zip("alpha", "1.0.0");
    let chunk = zip.len().div_ceil(6);
    srv.route(
        "/slow.zip",
        vec![Reply::Slow {
            body: zip.clone(),
            chunk,
            pause: Duration::from_millis(300),
        }],
    );

    // Each read waits at most 1 s; the whole transfer takes longer than that.
    let started = Instant::now();
    s.install(&[&srv.url("/slow.zip"), "--sha256", &sha256_hex(&zip)])
        .env("SKILLPACK_HTTP_TIMEOUT", "1")
        .assert()
        .success();
    assert!(started.elapsed() > Duration::from_secs(1));
    assert_eq!(srv.hits("/slow.zip"), 1);
}

#[test]
fn stalled_download_times_out_and_is_retried() {
    let s = Sandbox::new();
    let srv = Server::start();
    let zip = skill_zip("alpha", "1.0.0");
    srv.route(
        "/stall.zip",
        vec![
            Reply::Stall {
                body: zip.clone(),
                sent: zip.len() / 3,
                stall: Duration::from_secs(5),
            },
            Reply::Body(zip.clone()),
        ],
    );

    s.install(&[&srv.url("/stall.zip"), "--sha256", &sha256_hex(&zip)])
        .env("SKILLPACK_HTTP_TIMEOUT", "1")
        .assert()
        .success()
        .stderr(predicate::str::contains("timed out"));
    assert_eq!(srv.hits("/stall.zip"), 2);
    assert_eq!(s.cached_archives().len(), 1, "{:?}", s.cached_archives());
}

#[test]
fn redirect_between_loopback_addresses_is_followed() {
    let s = Sandbox::new();
    let srv = Server::start();
    let zip = skill_zip("alpha", "1.0.0");
    srv.route("/old.zip", vec![Reply::Redirect(srv.url("/mid.zip"))]);
    srv.route("/mid.zip", vec![Reply::Redirect("/new.zip".into())]);
    srv.route("/new.zip", vec![Reply::Body(zip.clone())]);

    s.install(&[&srv.url("/old.zip"), "--sha256", &sha256_hex(&zip)])
        .assert()
        .success();
    assert_eq!(srv.hits("/new.zip"), 1);
    assert_eq!(
        s.lock()["skills"]["alpha"]["source"]["url"],
        srv.url("/old.zip")
    );
}

#[test]
fn redirect_to_plain_http_elsewhere_is_refused() {
    let s = Sandbox::new();
    let srv = Server::start();
    // `.invalid` never resolves; the redirect is refused before any lookup is tried.
    srv.route(
        "/away.zip",
        vec![Reply::Redirect(
            "http://mirror.example.invalid/a.zip".into(),
        )],
    );

    s.install(&[&srv.url("/away.zip"), "--sha256", &"0".repeat(64)])
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "refused a redirect to `http://mirror.example.invalid/a.zip`",
        ))
        .stderr(predicate::str::contains("only https://"));
    assert_eq!(srv.hits("/away.zip"), 1, "a refusal is not retried");
    assert!(!s.root().exists() || !s.root().join("alpha").exists());
}

#[test]
fn endless_redirects_are_cut_off() {
    let s = Sandbox::new();
    let srv = Server::start();
    srv.route("/loop.zip", vec![Reply::Redirect(srv.url("/loop.zip"))]);

    s.install(&[&srv.url("/loop.zip"), "--sha256", &"0".repeat(64)])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("more than 5 redirects"));
    assert_eq!(srv.hits("/loop.zip"), 6);
}

#[test]
fn plain_http_url_off_this_machine_is_refused() {
    let s = Sandbox::new();
    s.install(&[
        "http://skills.example.invalid/a.zip",
        "--sha256",
        &"0".repeat(64),
    ])
    .assert()
    .code(1)
    .stderr(predicate::str::contains(
        "refusing `http://skills.example.invalid/a.zip`: only https://",
    ));
    assert!(s.cache_files().is_empty());
}

#[test]
fn download_larger_than_the_size_cap_is_refused() {
    let s = Sandbox::new();
    let srv = Server::start();
    srv.route("/big.zip", vec![Reply::Body(vec![7u8; 200_000])]);
    srv.route(
        "/big-slow.zip",
        vec![Reply::Slow {
            body: vec![7u8; 200_000],
            chunk: 50_000,
            pause: Duration::ZERO,
        }],
    );

    for path in ["/big.zip", "/big-slow.zip"] {
        s.install(&[
            &srv.url(path),
            "--sha256",
            &"0".repeat(64),
            "--max-size",
            "100000",
        ])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("is larger than 100000 bytes"))
        .stderr(predicate::str::contains("--max-size"));
    }
    assert!(s.cached_archives().is_empty(), "{:?}", s.cached_archives());
}

#[test]
fn unpinned_url_needs_yes_and_then_records_the_digest_seen() {
    let s = Sandbox::new();
    let srv = Server::start();
    let zip = skill_zip("alpha", "1.0.0");
    let sha = sha256_hex(&zip);
    srv.route("/alpha.zip", vec![Reply::Body(zip)]);
    let url = srv.url("/alpha.zip");

    s.install(&[&url])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("without --sha256"))
        .stderr(predicate::str::contains(format!("--sha256 {sha}")));
    assert!(!s.root().join("alpha").exists());

    s.install(&[&url, "--yes"]).assert().success();
    assert_eq!(s.lock()["skills"]["alpha"]["archive_sha256"], sha);
}

#[test]
fn pinned_download_is_served_from_the_cache_next_time() {
    let s = Sandbox::new();
    let srv = Server::start();
    let zip = skill_zip("alpha", "1.0.0");
    let sha = sha256_hex(&zip);
    srv.route("/alpha.zip", vec![Reply::Body(zip)]);

    s.install(&[&srv.url("/alpha.zip"), "--sha256", &sha])
        .assert()
        .success();
    let other = s.home.path().join("other-root");
    let mut again = s.cmd();
    again
        .args(["install", "--dir"])
        .arg(&other)
        .args([&srv.url("/alpha.zip"), "--sha256", &sha])
        .assert()
        .success();
    assert!(other.join("alpha/SKILL.md").is_file());
    assert_eq!(srv.hits("/alpha.zip"), 1);
}

#[test]
fn credentials_in_urls_never_appear_in_output_or_the_lock() {
    let s = Sandbox::new();
    let srv = Server::start();
    let zip = skill_zip("alpha", "1.0.0");
    let sha = sha256_hex(&zip);
    srv.route("/private/alpha.zip", vec![Reply::Body(zip)]);
    let url = srv
        .url("/private/alpha.zip")
        .replace("://", "://deploy:hunter2@");

    let bad = s
        .install(&[&url, "--sha256", &"0".repeat(64), "-v"])
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(1));
    let text = format!(
        "{}{}",
        stderr_of(&bad),
        String::from_utf8_lossy(&bad.stdout)
    );
    assert!(!text.contains("hunter2"), "{text}");
    assert!(text.contains("archive digest mismatch"), "{text}");

    let good = s
        .install(&[&url, "--sha256", &sha, "-v", "--json"])
        .output()
        .unwrap();
    assert!(good.status.success(), "{}", stderr_of(&good));
    let text = format!(
        "{}{}",
        stderr_of(&good),
        String::from_utf8_lossy(&good.stdout)
    );
    assert!(!text.contains("hunter2"), "{text}");
    let lock = fs::read_to_string(s.root().join(".skillpack/lock.json")).unwrap();
    assert!(
        !lock.contains("hunter2") && !lock.contains("deploy"),
        "{lock}"
    );
    // The server did receive them, as basic authentication.
    assert!(srv.all_hits().iter().all(|h| {
        h.authorization
            .as_deref()
            .is_some_and(|a| a.starts_with("Basic "))
    }));
}

#[test]
fn killed_download_leaves_no_debris_after_the_next_run() {
    let s = Sandbox::new();
    let srv = Server::start();
    let zip = skill_zip("alpha", "1.0.0");
    let sha = sha256_hex(&zip);
    let url = srv.url("/alpha.zip");
    srv.route(
        "/alpha.zip",
        vec![Reply::Stall {
            body: zip.clone(),
            sent: zip.len() / 2,
            stall: Duration::from_secs(60),
        }],
    );

    let mut cmd = StdCommand::new(assert_cmd::cargo::cargo_bin("skillpack"));
    s.env(&mut cmd)
        .args(["install", "--dir"])
        .arg(s.root())
        .args([&url, "--sha256", &sha])
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    let mut child = cmd.spawn().unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    let partial = loop {
        let found = s
            .cache_files()
            .into_iter()
            .find(|f| f.ends_with(".partial"));
        if let Some(f) = found
            && fs::metadata(s.cache.path().join(&f)).is_ok_and(|m| m.len() > 0)
        {
            break f;
        }
        assert!(Instant::now() < deadline, "the download never started");
        assert!(
            child.try_wait().unwrap().is_none(),
            "the install ended early"
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(
        s.cache.path().join(&partial).exists(),
        "SIGKILL leaves the partial file behind"
    );
    assert!(!s.root().join("alpha").exists());

    srv.route("/alpha.zip", vec![Reply::Body(zip)]);
    s.install(&[&url, "--sha256", &sha]).assert().success();

    assert_eq!(s.cache_files(), vec![format!("archives/{sha}.zip")]);
    let in_root: Vec<String> = files_under(&s.root())
        .into_iter()
        .filter(|f| !f.starts_with(".skillpack/lock.json") && !f.starts_with(".skillpack/run.lock"))
        .collect();
    assert_eq!(in_root, vec!["alpha/SKILL.md", "alpha/references/notes.md"]);
}

// ---------------------------------------------------------------- GitHub archives

fn github(s: &Sandbox, srv: &Server, args: &[&str]) -> Command {
    let mut c = s.install(args);
    c.env("SKILLPACK_GITHUB_URL", srv.base());
    c
}

#[test]
fn one_repository_download_serves_several_skills() {
    let s = Sandbox::new();
    let srv = Server::start();
    srv.route(
        "/acme/skills/zip/main",
        vec![Reply::Body(repo_zip(
            "skills-main",
            &[
                ("skills/alpha", "alpha"),
                ("skills/beta", "beta"),
                (".claude/skills/gamma", "gamma"),
            ],
        ))],
    );

    github(
        &s,
        &srv,
        &[
            "acme/skills@main",
            "--skill",
            "alpha",
            "--skill",
            "beta",
            "--skill",
            "gamma",
        ],
    )
    .assert()
    .success()
    .stderr(predicate::str::contains("Installed alpha"))
    .stderr(predicate::str::contains("Installed beta"))
    .stderr(predicate::str::contains("Installed gamma"));

    assert_eq!(srv.hits("/acme/skills/zip/main"), 1);
    for name in ["alpha", "beta", "gamma"] {
        assert!(s.root().join(name).join("SKILL.md").is_file(), "{name}");
    }
    assert!(!s.root().join("README.md").exists());
    let lock = s.lock();
    let src = &lock["skills"]["gamma"]["source"];
    assert_eq!(src["kind"], "github");
    assert_eq!(src["repo"], "acme/skills");
    assert_eq!(src["ref"], "main");
    assert_eq!(src["path"], ".claude/skills/gamma");
}

#[test]
fn repository_without_a_ref_is_fetched_at_head() {
    let s = Sandbox::new();
    let srv = Server::start();
    srv.route(
        "/acme/solo/zip/HEAD",
        vec![Reply::Body(repo_zip(
            "solo-abc",
            &[("skills/alpha", "alpha")],
        ))],
    );

    github(&s, &srv, &["acme/solo"]).assert().success();
    assert!(s.root().join("alpha/SKILL.md").is_file());
    assert_eq!(s.lock()["skills"]["alpha"]["source"]["ref"], "HEAD");
}

#[test]
fn missing_skill_names_what_the_repository_holds() {
    let s = Sandbox::new();
    let srv = Server::start();
    srv.route(
        "/acme/skills/zip/HEAD",
        vec![Reply::Body(repo_zip(
            "skills-x",
            &[("skills/alpha", "alpha"), ("skills/beta", "beta")],
        ))],
    );

    github(&s, &srv, &["acme/skills", "--skill", "delta"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("no skill `delta`"))
        .stderr(predicate::str::contains("alpha, beta"));
    github(&s, &srv, &["acme/skills"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("holds 2 skills: alpha, beta"))
        .stderr(predicate::str::contains(
            "skillpack install acme/skills --skill alpha",
        ));
    assert!(!s.root().exists() || files_under(&s.root()).is_empty());
}

#[test]
fn unknown_repository_is_reported_as_not_found() {
    let s = Sandbox::new();
    let srv = Server::start();
    github(&s, &srv, &["acme/nothing@v9", "--skill", "alpha"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("`acme/nothing@v9` was not found"));
}

/// A cached archive names its commit itself (its zip comment), which whoever can write to
/// the cache can forge: a plain install of a pinned commit downloads it again each run.
#[test]
fn commit_pinned_archive_is_downloaded_again_by_a_plain_install() {
    let s = Sandbox::new();
    let srv = Server::start();
    let commit = "0123456789abcdef0123456789abcdef01234567";
    let path = format!("/acme/skills/zip/{commit}");
    srv.route(
        &path,
        vec![Reply::Body(repo_zip(
            "skills-0123",
            &[("skills/alpha", "alpha")],
        ))],
    );
    let spec = format!("acme/skills@{commit}");

    github(&s, &srv, &[&spec, "--skill", "alpha"])
        .assert()
        .success();
    let other = s.home.path().join("other-root");
    let mut again = s.cmd();
    again
        .env("SKILLPACK_GITHUB_URL", srv.base())
        .args(["install", "--dir"])
        .arg(&other)
        .args([&spec, "--skill", "alpha"])
        .assert()
        .success();
    assert_eq!(srv.hits(&path), 2);
}

#[test]
fn catalog_companion_is_refused_when_its_tree_differs_from_the_pin() {
    let s = Sandbox::new();
    let srv = Server::start();
    let path = format!("/AbsolutelySkilled/AbsolutelySkilled/zip/{COMPANION_COMMIT}");
    srv.route(
        &path,
        vec![Reply::Body(repo_zip(
            &format!("AbsolutelySkilled-{COMPANION_COMMIT}"),
            &[
                ("skills/crm-management", "crm-management"),
                ("skills/sales-playbook", "sales-playbook"),
            ],
        ))],
    );

    github(&s, &srv, &["crm-management"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "tree digest mismatch for `crm-management`",
        ))
        .stderr(predicate::str::contains(
            "expected sha256:af58614114b3a732da4dd9399dfb09cf0df6838a615d0b0ac94fa0d6f706e87c",
        ))
        .stderr(predicate::str::contains("got sha256:"))
        .stderr(predicate::str::contains("nothing was installed"));

    assert_eq!(srv.hits(&path), 1);
    assert!(!s.root().join("crm-management").exists());
    assert!(!s.lock_has("crm-management"));
    assert!(
        s.cached_archives().is_empty(),
        "an archive that failed its pin is not kept: {:?}",
        s.cached_archives()
    );
}

#[test]
fn with_companions_fetches_the_pinned_commit_once_and_checks_each_tree() {
    let s = Sandbox::new();
    let srv = Server::start();
    let path = format!("/AbsolutelySkilled/AbsolutelySkilled/zip/{COMPANION_COMMIT}");
    let companions = COMPANIONS;
    let dirs: Vec<(String, &str)> = companions
        .iter()
        .map(|c| (format!("skills/{c}"), *c))
        .collect();
    let dirs: Vec<(&str, &str)> = dirs.iter().map(|(d, c)| (d.as_str(), *c)).collect();
    srv.route(
        &path,
        vec![Reply::Body(repo_zip(
            &format!("AbsolutelySkilled-{COMPANION_COMMIT}"),
            &dirs,
        ))],
    );

    github(&s, &srv, &["--with-companions"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("Installed account-management"))
        .stderr(predicate::str::contains(
            "tree digest mismatch for `customer-success-playbook`",
        ))
        .stderr(predicate::str::contains(
            "tree digest mismatch for `partnership-strategy`",
        ))
        .stderr(predicate::str::contains(
            "4 companions could not be installed; the rest of the install stands",
        ));
    assert_eq!(srv.hits(&path), 1);
    assert!(s.root().join("account-management/SKILL.md").is_file());
    for c in companions {
        assert!(!s.root().join(c).exists(), "{c}");
    }
}

// ---------------------------------------------------------------- remote index

#[test]
fn index_resolves_names_and_relative_urls() {
    let s = Sandbox::new();
    let srv = Server::start();
    srv.route(
        "/dist/index.json",
        vec![Reply::Body(index(vec![
            index_entry("alpha", "1.0.0", "alpha-1.0.0.zip"),
            index_entry("beta", "2.0.0", "../files/beta-2.0.0.zip"),
        ]))],
    );
    srv.route(
        "/dist/alpha-1.0.0.zip",
        vec![Reply::Body(skill_zip("alpha", "1.0.0"))],
    );
    srv.route(
        "/files/beta-2.0.0.zip",
        vec![Reply::Body(skill_zip("beta", "2.0.0"))],
    );
    let idx = srv.url("/dist/index.json");

    s.install(&["alpha", "--index", &idx]).assert().success();
    s.install(&["beta"])
        .env("SKILLPACK_INDEX", &idx)
        .assert()
        .success()
        .stderr(predicate::str::contains("Installed beta 2.0.0"));

    let lock = s.lock();
    let src = &lock["skills"]["beta"]["source"];
    assert_eq!(src["kind"], "index");
    assert_eq!(src["url"], srv.url("/files/beta-2.0.0.zip"));
    assert_eq!(src["index"], idx);
    assert!(s.root().join("alpha/references/notes.md").is_file());
}

#[test]
fn index_entry_whose_archive_differs_is_refused() {
    let s = Sandbox::new();
    let srv = Server::start();
    srv.route(
        "/index.json",
        vec![Reply::Body(index(vec![index_entry(
            "alpha",
            "1.0.0",
            "alpha.zip",
        )]))],
    );
    srv.route("/alpha.zip", vec![Reply::Body(skill_zip("alpha", "1.0.1"))]);

    s.install(&["alpha", "--index", &srv.url("/index.json")])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("archive digest mismatch"));
    assert!(!s.root().join("alpha").exists());
}

#[test]
fn index_overrides_the_embedded_skill_only_when_newer() {
    let s = Sandbox::new();
    let srv = Server::start();
    srv.route(
        "/old/index.json",
        vec![Reply::Body(index(vec![index_entry(
            "account-management",
            "0.0.1",
            "am.zip",
        )]))],
    );
    srv.route(
        "/new/index.json",
        vec![Reply::Body(index(vec![index_entry(
            "account-management",
            "9.0.0",
            "am.zip",
        )]))],
    );
    srv.route(
        "/new/am.zip",
        vec![Reply::Body(skill_zip("account-management", "9.0.0"))],
    );

    s.install(&["account-management", "--index", &srv.url("/old/index.json")])
        .assert()
        .success();
    assert_eq!(srv.hits("/old/am.zip"), 0);
    assert_eq!(
        s.lock()["skills"]["account-management"]["source"]["kind"],
        "embedded"
    );

    s.install(&["account-management", "--index", &srv.url("/new/index.json")])
        .assert()
        .success();
    assert_eq!(srv.hits("/new/am.zip"), 1);
    let lock = s.lock();
    assert_eq!(
        lock["skills"]["account-management"]["source"]["kind"],
        "index"
    );
    assert_eq!(lock["skills"]["account-management"]["version"], "9.0.0");
}

#[test]
fn unreadable_index_still_installs_what_is_compiled_in() {
    let s = Sandbox::new();
    let srv = Server::start();
    srv.route("/index.json", vec![Reply::Status(500)]);

    s.install(&[])
        .env("SKILLPACK_INDEX", srv.url("/index.json"))
        .assert()
        .success()
        .stderr(predicate::str::contains("warning: cannot download"))
        .stderr(predicate::str::contains(
            "using the catalog compiled into skillpack",
        ))
        .stderr(predicate::str::contains("Installed account-management"));
    assert_eq!(srv.hits("/index.json"), 4);

    s.install(&["alpha", "--index", &srv.url("/index.json")])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("answered 500"));
}

#[test]
fn skill_flag_needs_a_repository_source() {
    let s = Sandbox::new();
    s.install(&["account-management", "--skill", "alpha"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "--skill applies to sources holding skills",
        ));
    s.install(&["https://example.com/a.zip", "--sha256", "xyz"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("64 hexadecimal digits"));
}

// ---------------------------------------------------------------- update

fn serve_index(srv: &Server, version: &str) {
    srv.route(
        "/index.json",
        vec![Reply::Body(index(vec![index_entry(
            "alpha",
            version,
            &format!("alpha-{version}.zip"),
        )]))],
    );
    srv.route(
        &format!("/alpha-{version}.zip"),
        vec![Reply::Body(skill_zip("alpha", version))],
    );
}

#[test]
fn update_installs_a_newer_index_version_then_reports_up_to_date() {
    let s = Sandbox::new();
    let srv = Server::start();
    serve_index(&srv, "1.0.0");
    s.install(&["alpha", "--index", &srv.url("/index.json")])
        .assert()
        .success();

    s.update(&[])
        .assert()
        .success()
        .stderr(predicate::str::contains("alpha 1.0.0 is up to date"));
    assert_eq!(
        srv.hits("/alpha-1.0.0.zip"),
        1,
        "a pinned tree needs no download"
    );

    serve_index(&srv, "1.1.0");
    let out = s.update(&["--dry-run", "--json"]).output().unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["skills"][0]["action"], "would-install");
    assert_eq!(doc["skills"][0]["to"], "1.1.0");
    assert_eq!(s.lock()["skills"]["alpha"]["version"], "1.0.0");

    // The index the skill came from is remembered in the lock file.
    s.update(&["alpha"])
        .assert()
        .success()
        .stderr(predicate::str::contains("Replaced alpha 1.0.0 with 1.1.0"));
    assert_eq!(s.lock()["skills"]["alpha"]["version"], "1.1.0");
    s.update(&["alpha"])
        .assert()
        .success()
        .stderr(predicate::str::contains("alpha 1.1.0 is up to date"));
}

#[test]
fn update_leaves_a_modified_skill_alone_without_force() {
    let s = Sandbox::new();
    let srv = Server::start();
    serve_index(&srv, "1.0.0");
    s.install(&["alpha", "--index", &srv.url("/index.json")])
        .assert()
        .success();
    let notes = s.root().join("alpha/references/notes.md");
    fs::write(&notes, "my own notes\n").unwrap();
    serve_index(&srv, "2.0.0");

    s.update(&[])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("local changes"))
        .stderr(predicate::str::contains("--force"));
    assert_eq!(fs::read_to_string(&notes).unwrap(), "my own notes\n");

    s.update(&["--force"]).assert().success();
    assert_eq!(
        fs::read_to_string(&notes).unwrap(),
        "Notes for alpha 2.0.0.\n"
    );
}

#[test]
fn update_of_a_branch_downloads_again_and_reports_up_to_date_when_unchanged() {
    let s = Sandbox::new();
    let srv = Server::start();
    let path = "/acme/skills/zip/main";
    srv.route(
        path,
        vec![Reply::Body(repo_zip(
            "skills-main",
            &[("skills/alpha", "alpha")],
        ))],
    );
    github(&s, &srv, &["acme/skills@main", "--skill", "alpha"])
        .assert()
        .success();

    let mut update = s.update(&[]);
    update.env("SKILLPACK_GITHUB_URL", srv.base());
    update
        .assert()
        .success()
        .stderr(predicate::str::contains("alpha 1.0.0 is up to date"));
    assert_eq!(srv.hits(path), 2);
}

#[test]
fn update_of_a_name_that_is_not_installed_fails() {
    let s = Sandbox::new();
    s.install(&[]).assert().success();
    s.update(&["nope"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("`nope` is not installed"));
    s.update(&[])
        .assert()
        .success()
        .stderr(predicate::str::contains(
            "account-management 0.1.0 is up to date",
        ));
}

#[test]
fn with_companions_installs_each_and_reports_the_one_that_fails() {
    // The index publishes newer companions, which override the catalog's pinned ones; one of
    // them is missing on the server. The others install, the failure is reported, and the
    // main skill stays installed.
    let s = Sandbox::new();
    let srv = Server::start();
    let names = COMPANIONS;
    let entries = names
        .iter()
        .map(|n| index_entry(n, "0.2.0", &format!("{n}.zip")))
        .collect();
    srv.route("/index.json", vec![Reply::Body(index(entries))]);
    for n in &names[..3] {
        srv.route(
            &format!("/{n}.zip"),
            vec![Reply::Body(skill_zip(n, "0.2.0"))],
        );
    }
    let out = s
        .install(&[
            "--with-companions",
            "--index",
            &srv.url("/index.json"),
            "--json",
        ])
        .assert()
        .code(1)
        .get_output()
        .stdout
        .clone();
    let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
    let installed: Vec<&str> = v["installed"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        installed,
        [
            "account-management",
            "customer-success-playbook",
            "crm-management",
            "sales-playbook"
        ]
    );
    assert_eq!(v["failed"][0]["name"], "partnership-strategy");
    assert_eq!(v["companions"].as_array().unwrap().len(), 4);
    for n in &names[..3] {
        assert!(s.lock_has(n), "{n}");
    }
    assert!(!s.root().join("partnership-strategy").exists());
    // Now every companion but one is installed where Claude Code reads it.
    let out = s
        .install(&["--json"])
        .env("SKILLPACK_INDEX", srv.url("/index.json"))
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
    let missing: Vec<&str> = v["companions"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["status"] == "missing")
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(missing, ["partnership-strategy"]);
}

/// A loopback address where nothing listens.
fn closed_port() -> String {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = l.local_addr().unwrap();
    drop(l);
    format!("http://{addr}")
}

#[test]
fn a_host_that_refuses_connections_is_asked_once_and_every_companion_says_so() {
    let s = Sandbox::new();
    let base = closed_port();
    let host = base.trim_start_matches("http://").to_string();
    let mut c = s.install(&["--with-companions"]);
    c.env("SKILLPACK_GITHUB_URL", &base)
        // Without the test's fast retries: a retried refusal would take seconds.
        .env_remove("SKILLPACK_RETRY_BASE_MS");
    let out = c.output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("Installed account-management"), "{err}");
    for companion in COMPANIONS {
        let line = err
            .lines()
            .find(|l| l.contains(companion) && l.contains("cannot reach"))
            .unwrap_or_else(|| panic!("{companion} not reported:\n{err}"));
        assert!(line.contains(&host), "{line}");
    }
    // Refused once, then not asked again: no retry, no "gave up after N attempts".
    assert!(
        !err.contains("Retrying") && !err.contains("attempt"),
        "{err}"
    );
}

/// An `openssl s_server` on loopback serving `dir` over HTTPS with a self-signed certificate
/// for 127.0.0.1; `None` (and a note) where the `openssl` tool is missing.
#[cfg(target_os = "linux")]
struct TlsServer {
    child: std::process::Child,
    url: String,
    cert: std::path::PathBuf,
}

#[cfg(target_os = "linux")]
impl TlsServer {
    fn start(dir: &std::path::Path) -> Option<TlsServer> {
        let cert = dir.join("cert.pem");
        let made = StdCommand::new("openssl")
            .args(["req", "-x509", "-newkey", "ec", "-pkeyopt"])
            .args(["ec_paramgen_curve:prime256v1", "-nodes", "-days", "2"])
            .args([
                "-subj",
                "/CN=127.0.0.1",
                "-addext",
                "subjectAltName=IP:127.0.0.1",
            ])
            .args(["-addext", "basicConstraints=critical,CA:FALSE", "-keyout"])
            .arg(dir.join("key.pem"))
            .arg("-out")
            .arg(&cert)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
        if !made.is_ok_and(|s| s.success()) {
            eprintln!("skipped: the openssl tool is not installed");
            return None;
        }
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = l.local_addr().unwrap();
        drop(l);
        let child = StdCommand::new("openssl")
            .args(["s_server", "-quiet", "-WWW", "-accept"])
            .arg(addr.to_string())
            .args(["-cert", "cert.pem", "-key", "key.pem"])
            .current_dir(dir)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let deadline = Instant::now() + Duration::from_secs(10);
        while std::net::TcpStream::connect(addr).is_err() {
            assert!(Instant::now() < deadline, "openssl s_server did not start");
            std::thread::sleep(Duration::from_millis(20));
        }
        Some(TlsServer {
            child,
            url: format!("https://{addr}"),
            cert,
        })
    }
}

#[cfg(target_os = "linux")]
impl Drop for TlsServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[cfg(target_os = "linux")]
#[test]
fn https_certificates_are_checked_against_the_systems_trusted_roots() {
    let s = Sandbox::new();
    let served = tempfile::tempdir().unwrap();
    let zip = skill_zip("alpha", "1.0.0");
    let sha = sha256_hex(&zip);
    fs::write(served.path().join("alpha.zip"), &zip).unwrap();
    let Some(srv) = TlsServer::start(served.path()) else {
        return;
    };
    let url = format!("{}/alpha.zip", srv.url);

    // A certificate no trusted root vouches for: refused, nothing installed or cached.
    let out = s.install(&[&url, "--sha256", &sha]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = stderr_of(&out);
    assert!(err.contains("secure connection failed"), "{err}");
    assert!(err.contains("UnknownIssuer"), "{err}");
    assert!(!s.root().join("alpha").exists());
    assert!(s.cached_archives().is_empty());

    // The same server once its certificate is among the trusted roots: the handshake and
    // the download succeed.
    let mut c = s.install(&[&url, "--sha256", &sha]);
    c.env("SSL_CERT_FILE", &srv.cert);
    c.assert()
        .success()
        .stderr(predicate::str::contains("Installed alpha 1.0.0"));
    assert!(s.root().join("alpha/SKILL.md").is_file());
}

#[test]
fn companions_failing_for_one_reason_share_one_hint() {
    // Every companion's archive is on a host where nothing listens: four failures, one
    // reason, one hint after them.
    let s = Sandbox::new();
    let srv = Server::start();
    let dead = closed_port();
    let names = COMPANIONS;
    let entries = names
        .iter()
        .map(|n| index_entry(n, "0.2.0", &format!("{dead}/{n}.zip")))
        .collect();
    srv.route("/index.json", vec![Reply::Body(index(entries))]);
    let out = s
        .install(&["--with-companions", "--index", &srv.url("/index.json")])
        .assert()
        .code(1)
        .get_output()
        .stderr
        .clone();
    let err = String::from_utf8_lossy(&out);
    for n in names {
        let lines = err
            .lines()
            .filter(|l| l.starts_with(&format!("error: {n}: ")))
            .count();
        assert_eq!(lines, 1, "{n}:\n{err}");
    }
    let hints: Vec<&str> = err.lines().filter(|l| l.contains("hint:")).collect();
    assert_eq!(hints.len(), 1, "{err}");
    // The hint follows the failures it is about.
    let lines: Vec<&str> = err.lines().collect();
    let last_failure = lines
        .iter()
        .rposition(|l| {
            names
                .iter()
                .any(|n| l.starts_with(&format!("error: {n}: ")))
        })
        .unwrap();
    let hint = err.lines().position(|l| l.contains("hint:")).unwrap();
    assert_eq!(hint, last_failure + 1, "{err}");
    assert!(err.contains("4 companions could not be installed"), "{err}");
}
