//! Faults and attacks on the fetch stage, driven through the real binary with a temporary
//! HOME, cache and skills root, against HTTP servers on 127.0.0.1: a local zip swapped while
//! it is installed, a rewritten cache ref, trickling and endless downloads, huge local
//! folders, bad numbers in the environment and redirects to `file:`.

use crate::net;

use std::fs;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use assert_cmd::Command;
use predicates::prelude::*;

use net::{Reply, Server, files_under, sha256_hex, skill_files, skill_zip, zip};

/// A temporary HOME and download cache, and a `skillpack` command using them.
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

/// Every file under `dir` with its content, for before/after comparisons.
fn snapshot(dir: &Path) -> Vec<(String, Vec<u8>)> {
    files_under(dir)
        .into_iter()
        .map(|f| {
            let data = fs::read(dir.join(&f)).unwrap();
            (f, data)
        })
        .collect()
}

fn nothing_installed(root: &Path) -> bool {
    !root.exists() || files_under(root).is_empty()
}

// ------------------------------------------------------- the bytes unpacked are the bytes hashed

#[test]
fn a_zip_swapped_during_install_never_installs_the_other_bytes() {
    let s = Sandbox::new();
    let good = skill_zip("alpha", "1.0.0");
    let evil = skill_zip("alpha", "6.6.6");
    let good_sha = sha256_hex(&good);
    let work = s.home.path().join("work");
    fs::create_dir(&work).unwrap();
    let target = work.join("f.zip");
    fs::write(&target, &good).unwrap();

    // Keeps replacing f.zip by renaming one or the other zip over it.
    let stop = Arc::new(AtomicBool::new(false));
    let swapper = {
        let (stop, work, target) = (stop.clone(), work.clone(), target.clone());
        let (good, evil) = (good.clone(), evil.clone());
        thread::spawn(move || {
            let mut swaps = 0u64;
            while !stop.load(Ordering::Relaxed) {
                for (name, bytes) in [("g.tmp", &good), ("e.tmp", &evil)] {
                    let tmp = work.join(name);
                    fs::write(&tmp, bytes).unwrap();
                    fs::rename(&tmp, &target).unwrap();
                    swaps += 1;
                }
            }
            swaps
        })
    };

    let (mut installed, mut refused) = (0, 0);
    for run in 0..40 {
        let root = s.home.path().join(format!("root-{run}"));
        let out = s
            .install_into(&root, &["./work/f.zip", "--sha256", &good_sha])
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        if out.status.success() {
            installed += 1;
            let notes = fs::read_to_string(root.join("alpha/references/notes.md")).unwrap();
            assert_eq!(notes, "Notes for alpha 1.0.0.\n", "run {run}: {stderr}");
            let skill = fs::read_to_string(root.join("alpha/SKILL.md")).unwrap();
            assert!(skill.contains("\"1.0.0\""), "run {run}: {skill}");
            let lock: serde_json::Value =
                serde_json::from_slice(&fs::read(root.join(".skillpack/lock.json")).unwrap())
                    .unwrap();
            assert_eq!(lock["skills"]["alpha"]["archive_sha256"], good_sha.as_str());
        } else {
            refused += 1;
            assert_eq!(out.status.code(), Some(1), "run {run}: {stderr}");
            assert!(
                stderr.contains("archive digest mismatch"),
                "run {run}: {stderr}"
            );
            assert!(!root.join("alpha").exists(), "run {run}");
        }
    }
    stop.store(true, Ordering::Relaxed);
    let swaps = swapper.join().unwrap();
    assert_eq!(installed + refused, 40);
    assert!(swaps > 40, "the file was swapped {swaps} times");
    // The private copies leave nothing behind in the cache or beside the zip.
    assert!(
        s.cache_files().is_empty(),
        "cache debris: {:?}",
        s.cache_files()
    );
    let beside: Vec<String> = files_under(&work)
        .into_iter()
        .filter(|f| !f.ends_with(".tmp"))
        .collect();
    assert_eq!(beside, ["f.zip"]);
}

#[test]
fn max_size_takes_units() {
    let s = Sandbox::new();
    let path = s.home.path().join("big.zip");
    let f = fs::File::create(&path).unwrap();
    f.set_len(1 << 30).unwrap();
    drop(f);
    for size in ["1M", "1024K", "1MiB"] {
        s.install(&["./big.zip", "--max-size", size])
            .assert()
            .code(1)
            .stderr(predicate::str::contains("is larger than 1048576 bytes"));
    }
    s.install(&["./big.zip", "--max-size", "lots"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("200M"));
    assert!(nothing_installed(&s.root()));
}

#[test]
fn a_local_zip_larger_than_max_size_is_refused_before_it_is_copied() {
    let s = Sandbox::new();
    let path = s.home.path().join("big.zip");
    let f = fs::File::create(&path).unwrap();
    f.set_len(1 << 30).unwrap();
    drop(f);
    s.install(&["./big.zip", "--max-size", "1048576"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("is larger than 1048576 bytes"))
        .stderr(predicate::str::contains("--max-size"));
    assert!(nothing_installed(&s.root()));
    assert!(s.cache_files().is_empty(), "{:?}", s.cache_files());
}

// ------------------------------------------------------- the cache is trusted only for a digest

/// A repository archive with one skill `alpha` whose files say `version`.
fn repo_with_alpha(top: &str, version: &str) -> Vec<u8> {
    let entries: Vec<(String, Vec<u8>)> = skill_files("alpha", version)
        .into_iter()
        .map(|(p, d)| (format!("{top}/skills/alpha/{p}"), d))
        .collect();
    zip(&entries)
}

#[test]
fn a_rewritten_commit_ref_in_the_cache_is_not_followed() {
    let s = Sandbox::new();
    let srv = Server::start();
    let c1 = "1111111111111111111111111111111111111111";
    let c2 = "2222222222222222222222222222222222222222";
    let (p1, p2) = (
        format!("/acme/skills/zip/{c1}"),
        format!("/acme/skills/zip/{c2}"),
    );
    srv.route(
        &p1,
        vec![Reply::Body(repo_with_alpha("skills-1111", "1.0.0"))],
    );
    srv.route(
        &p2,
        vec![Reply::Body(repo_with_alpha("skills-2222", "2.0.0"))],
    );
    // An archive with no commit comment at all, cached by a plain URL install.
    let plain = skill_zip("alpha", "6.6.6");
    srv.route("/plain.zip", vec![Reply::Body(plain.clone())]);

    let install = |root: &str, spec: &str| {
        let mut c = s.install_into(&s.home.path().join(root), &[spec, "--skill", "alpha"]);
        c.env("SKILLPACK_GITHUB_URL", srv.base());
        c
    };
    install("r1", &format!("acme/skills@{c1}"))
        .assert()
        .success();
    install("r2", &format!("acme/skills@{c2}"))
        .assert()
        .success();
    s.install_into(
        &s.home.path().join("r0"),
        &[&srv.url("/plain.zip"), "--sha256", &sha256_hex(&plain)],
    )
    .assert()
    .success();
    assert_eq!((srv.hits(&p1), srv.hits(&p2)), (1, 1));

    let ref1 = s.cache.path().join(format!("refs/github/acme/skills/{c1}"));
    let digest1 = fs::read_to_string(&ref1).unwrap();
    let digest2 =
        fs::read_to_string(s.cache.path().join(format!("refs/github/acme/skills/{c2}"))).unwrap();
    assert_ne!(digest1.trim(), digest2.trim());

    for (round, wrong) in [digest2.trim().to_string(), sha256_hex(&plain)]
        .iter()
        .enumerate()
    {
        assert!(
            s.cache
                .path()
                .join(format!("archives/{wrong}.zip"))
                .is_file(),
            "the archive pointed at is cached"
        );
        fs::write(&ref1, wrong).unwrap();
        let root = format!("again-{round}");
        install(&root, &format!("acme/skills@{c1}"))
            .assert()
            .success();
        let notes = fs::read_to_string(s.home.path().join(&root).join("alpha/references/notes.md"))
            .unwrap();
        assert_eq!(notes, "Notes for alpha 1.0.0.\n", "round {round}");
        // The commit was downloaded again, and the ref points at its own archive again.
        assert_eq!(srv.hits(&p1), 2 + round);
        assert_eq!(fs::read_to_string(&ref1).unwrap().trim(), digest1.trim());
    }

    // A forged archive that names the commit itself, and the ref pointing at it: whoever
    // can write to the cache can make both, so a plain install of the commit never takes
    // it from there; it downloads the commit again.
    let forged = net::with_zip_comment(repo_with_alpha("skills-1111", "6.6.6"), c1);
    let forged_sha = sha256_hex(&forged);
    fs::write(
        s.cache.path().join(format!("archives/{forged_sha}.zip")),
        &forged,
    )
    .unwrap();
    fs::write(&ref1, &forged_sha).unwrap();
    install("last", &format!("acme/skills@{c1}"))
        .assert()
        .success();
    let notes = fs::read_to_string(s.home.path().join("last/alpha/references/notes.md")).unwrap();
    assert_eq!(notes, "Notes for alpha 1.0.0.\n");
    assert_eq!(srv.hits(&p1), 4);
}

#[test]
fn an_archive_of_another_commit_is_refused() {
    let s = Sandbox::new();
    let srv = Server::start();
    let asked = "1111111111111111111111111111111111111111";
    let other = "3333333333333333333333333333333333333333";
    let path = format!("/acme/skills/zip/{asked}");
    // The server answers for `asked` with an archive that says it is `other`.
    let body = net::with_zip_comment(repo_with_alpha("skills-3333", "3.0.0"), other);
    srv.route(&path, vec![Reply::Body(body)]);

    let mut c = s.install(&[&format!("acme/skills@{asked}"), "--skill", "alpha"]);
    c.env("SKILLPACK_GITHUB_URL", srv.base())
        .assert()
        .code(1)
        .stderr(predicate::str::contains(format!(
            "is of commit {other}, not the commit requested"
        )));
    assert!(nothing_installed(&s.root()));
    assert!(
        !s.cache
            .path()
            .join(format!("refs/github/acme/skills/{asked}"))
            .exists()
    );
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

/// A loopback server that accepts connections and then says nothing, or (with `trickle`)
/// sends a response head one byte per second; counts the connections.
fn silent_server(trickle: bool) -> (String, Arc<std::sync::atomic::AtomicUsize>) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let count = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let seen = count.clone();
    thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { return };
            seen.fetch_add(1, Ordering::SeqCst);
            thread::spawn(move || {
                use std::io::Write;
                let head = b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n";
                for byte in head.iter().filter(|_| trickle) {
                    thread::sleep(Duration::from_secs(1));
                    if stream.write_all(&[*byte]).is_err() {
                        return;
                    }
                }
                thread::sleep(Duration::from_secs(120));
            });
        }
    });
    (url, count)
}

#[test]
fn the_deadline_also_bounds_the_wait_for_the_response_head() {
    let s = Sandbox::new();
    let (base, _) = silent_server(true);
    let started = Instant::now();
    s.install(&[&format!("{base}/a.zip"), "--sha256", &"0".repeat(64)])
        .env("SKILLPACK_HTTP_DEADLINE", "2")
        .assert()
        .code(1)
        .stderr(predicate::str::contains("did not finish within 2 s"))
        .stderr(predicate::str::contains("SKILLPACK_HTTP_DEADLINE"));
    // Each byte comes within the 30 s read timeout: only the deadline can end it.
    assert!(
        started.elapsed() < Duration::from_secs(15),
        "ended after {:?}",
        started.elapsed()
    );
    no_partials(&s);
    assert!(nothing_installed(&s.root()));
}

#[test]
fn a_host_that_never_answers_is_given_up_once_for_every_companion() {
    let s = Sandbox::new();
    let (base, connections) = silent_server(false);
    let started = Instant::now();
    let out = s
        .cmd()
        .args(["install", "--with-companions", "--dir"])
        .arg(s.root())
        .env("SKILLPACK_GITHUB_URL", &base)
        .env("SKILLPACK_HTTP_TIMEOUT", "1")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("Installed account-management"), "{err}");
    let host = base.trim_start_matches("http://");
    for companion in [
        "customer-success-playbook",
        "crm-management",
        "sales-playbook",
    ] {
        assert!(
            err.lines()
                .any(|l| l.contains(companion) && (l.contains("timed out") || l.contains(host))),
            "{companion} not reported:\n{err}"
        );
    }
    // Four attempts for the first companion, then the host is known not to answer.
    assert_eq!(connections.load(Ordering::SeqCst), 4, "{err}");
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "ended after {:?}",
        started.elapsed()
    );
}

// ------------------------------------------------------- local folders under the limits

/// A file of `len` bytes that takes no room on disk.
fn sparse(path: &Path, len: u64) {
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::File::create(path).unwrap().set_len(len).unwrap();
}

#[test]
fn a_folder_without_skill_md_is_refused_before_it_is_read() {
    let s = Sandbox::new();
    let dir = s.home.path().join("not-a-skill");
    sparse(&dir.join("huge.bin"), 1 << 30);
    fs::write(dir.join("README.md"), "# not a skill\n").unwrap();
    fs::create_dir_all(dir.join("deep/skill")).unwrap();
    fs::write(
        dir.join("deep/skill/SKILL.md"),
        net::skill_md("deep", "1.0.0"),
    )
    .unwrap();
    let before = snapshot(&dir);

    s.install(&["./not-a-skill"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("is not a skill folder"))
        .stderr(predicate::str::contains("no SKILL.md at its top"));
    assert!(nothing_installed(&s.root()));
    assert_eq!(snapshot(&dir), before);

    // The home folder itself is the case that matters.
    s.install(&["~"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("is not a skill folder"));
    assert!(nothing_installed(&s.root()));
}

#[test]
fn a_huge_file_in_a_skill_folder_is_refused_by_its_size() {
    let s = Sandbox::new();
    let dir = s.home.path().join("alpha");
    fs::create_dir_all(&dir).unwrap();
    fs::write(dir.join("SKILL.md"), net::skill_md("alpha", "1.0.0")).unwrap();
    sparse(&dir.join("assets/big.bin"), 1 << 30);

    s.install(&["./alpha", "--max-size", "1048576"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "`assets/big.bin` is 1073741824 bytes, the limit is 1048576",
        ))
        .stderr(predicate::str::contains("[entry-too-large]"))
        .stderr(predicate::str::contains("--max-size"));
    assert!(nothing_installed(&s.root()));

    // The default limit (128 MiB) refuses it too.
    s.install(&["./alpha"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("[entry-too-large]"));
    assert!(nothing_installed(&s.root()));
}

#[test]
fn a_skill_folder_over_the_total_or_the_file_count_is_refused() {
    let s = Sandbox::new();
    let dir = s.home.path().join("alpha");
    fs::create_dir_all(dir.join("refs")).unwrap();
    fs::write(dir.join("SKILL.md"), net::skill_md("alpha", "1.0.0")).unwrap();
    for i in 0..20 {
        fs::write(dir.join(format!("refs/r{i:02}.md")), vec![b'r'; 600_000]).unwrap();
    }

    s.install(&["./alpha", "--max-files", "5"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("holds more than 5 files"))
        .stderr(predicate::str::contains("[too-many-entries]"))
        .stderr(predicate::str::contains("--max-files"));
    s.install(&["./alpha", "--max-size", "2000000"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "the files add up to more than 2000000 bytes",
        ))
        .stderr(predicate::str::contains("[total-too-large]"));
    // A limit set in a unit is said in it.
    s.install(&["./alpha", "--max-size", "1M"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "the files add up to more than 1 MiB",
        ));
    assert!(nothing_installed(&s.root()));

    // Within the limits it installs.
    s.install(&["./alpha"]).assert().success();
    assert!(s.root().join("alpha/refs/r19.md").is_file());
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
