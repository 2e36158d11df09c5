//! The release install scripts (`scripts/install.sh`, and `scripts/install.ps1` on Windows) run
//! against a fake release served on 127.0.0.1: the built binary under its release asset name
//! with its `.sha256`, and `SHA256SUMS` signed by a key of the tests' own (the scripts take
//! it from `SKILLPACK_INSTALL_PUBKEY`); then a wrong checksum, a missing asset, and bad or
//! missing signatures, which must install nothing. The fake release is shared with the
//! GitHub Action's script tests (`action_script`).

use std::collections::HashMap;
use std::fs::{self, File};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::{Arc, Mutex, OnceLock};
use std::thread::JoinHandle;

use sha2::{Digest, Sha256};
use tempfile::TempDir;
use tiny_http::{Response, Server};

/// The asset name the script computes for this machine.
pub(crate) fn asset_name() -> String {
    let arch = if cfg!(target_arch = "x86_64") {
        "x86_64"
    } else if cfg!(target_arch = "aarch64") {
        "aarch64"
    } else {
        panic!("release assets exist for x86_64 and aarch64 only")
    };
    if cfg!(target_os = "linux") {
        format!("skillpack-{arch}-unknown-linux-musl")
    } else if cfg!(target_os = "macos") {
        format!("skillpack-{arch}-apple-darwin")
    } else {
        // install.ps1 installs the x86_64 build on every Windows machine.
        "skillpack-x86_64-pc-windows-msvc.exe".to_string()
    }
}

pub(crate) fn binary() -> PathBuf {
    assert_cmd::cargo::cargo_bin("skillpack")
}

/// The binary's SHA-256, computed once: it is large in debug builds.
pub(crate) fn binary_sha256() -> &'static str {
    static DIGEST: OnceLock<String> = OnceLock::new();
    DIGEST.get_or_init(|| {
        let mut file = File::open(binary()).unwrap();
        let mut hasher = Sha256::new();
        let mut buf = vec![0u8; 1 << 20];
        loop {
            let n = file.read(&mut buf).unwrap();
            if n == 0 {
                break;
            }
            hasher.update(&buf[..n]);
        }
        hex::encode(hasher.finalize())
    })
}

/// The tests' release key: a minisign key pair made once per run.
pub(crate) struct ReleaseKey {
    pk: minisign::PublicKey,
    sk: minisign::SecretKey,
}

impl ReleaseKey {
    pub(crate) fn new() -> ReleaseKey {
        let pair = minisign::KeyPair::generate_unencrypted_keypair().unwrap();
        ReleaseKey {
            pk: pair.pk,
            sk: pair.sk,
        }
    }

    /// The key the fake releases are signed with.
    pub(crate) fn tests() -> &'static ReleaseKey {
        static KEY: OnceLock<ReleaseKey> = OnceLock::new();
        KEY.get_or_init(ReleaseKey::new)
    }

    /// The public key as the scripts take it: `RW…`.
    pub(crate) fn public(&self) -> String {
        self.pk.to_base64()
    }

    /// The contents of `NAME.minisig` for `bytes`, as `minisign -S` writes it.
    pub(crate) fn sign(&self, name: &str, bytes: &[u8]) -> Vec<u8> {
        let trusted = format!("file:{name}\tsize:{}", bytes.len());
        minisign::sign(
            Some(&self.pk),
            &self.sk,
            std::io::Cursor::new(bytes),
            Some(&trusted),
            None,
        )
        .unwrap()
        .into_string()
        .into_bytes()
    }
}

/// The release's list of checksums: the binary's line among others.
pub(crate) fn sha256sums() -> Vec<u8> {
    format!(
        "{}  install.sh\n{}  {}\n",
        hex::encode(Sha256::digest(b"a script")),
        binary_sha256(),
        asset_name()
    )
    .into_bytes()
}

pub(crate) enum Body {
    File(PathBuf),
    Bytes(Vec<u8>),
}

/// A release download folder on 127.0.0.1: each path is served as given, anything else is a 404.
pub(crate) struct FakeRelease {
    server: Arc<Server>,
    thread: Option<JoinHandle<()>>,
    pub(crate) base: String,
    requests: Arc<Mutex<Vec<String>>>,
}

impl FakeRelease {
    pub(crate) fn serve(files: HashMap<String, Body>) -> FakeRelease {
        let server = Arc::new(Server::http("127.0.0.1:0").unwrap());
        let port = server.server_addr().to_ip().unwrap().port();
        let requests = Arc::new(Mutex::new(Vec::new()));
        let thread = {
            let server = Arc::clone(&server);
            let requests = Arc::clone(&requests);
            std::thread::spawn(move || {
                for request in server.incoming_requests() {
                    let path = request.url().to_string();
                    requests.lock().unwrap().push(path.clone());
                    // A client that gives up mid-body is not this server's failure.
                    let _ = match files.get(&path) {
                        Some(Body::File(p)) => {
                            request.respond(Response::from_file(File::open(p).unwrap()))
                        }
                        Some(Body::Bytes(b)) => request.respond(Response::from_data(b.clone())),
                        None => request
                            .respond(Response::from_string("not found").with_status_code(404)),
                    };
                }
            })
        };
        FakeRelease {
            server,
            thread: Some(thread),
            base: format!("http://127.0.0.1:{port}"),
            requests,
        }
    }

    /// The binary, its correct `.sha256`, and `SHA256SUMS` with its signature by the
    /// tests' release key, as a release publishes them.
    pub(crate) fn release() -> FakeRelease {
        FakeRelease::serve(FakeRelease::release_files())
    }

    pub(crate) fn release_files() -> HashMap<String, Body> {
        let asset = asset_name();
        let sums = format!("{}  {asset}\n", binary_sha256());
        let signature = ReleaseKey::tests().sign("SHA256SUMS", &sha256sums());
        HashMap::from([
            (format!("/{asset}"), Body::File(binary())),
            (format!("/{asset}.sha256"), Body::Bytes(sums.into_bytes())),
            ("/SHA256SUMS".to_string(), Body::Bytes(sha256sums())),
            ("/SHA256SUMS.minisig".to_string(), Body::Bytes(signature)),
        ])
    }

    // The tests that look at the requests run where the install script does.
    #[cfg_attr(not(unix), allow(dead_code))]
    pub(crate) fn requests(&self) -> Vec<String> {
        self.requests.lock().unwrap().clone()
    }
}

impl Drop for FakeRelease {
    fn drop(&mut self) {
        self.server.unblock();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// A temporary home, install folder and TMPDIR, so a run touches nothing outside them.
struct Sandbox {
    dir: TempDir,
}

impl Sandbox {
    fn new() -> Sandbox {
        let sb = Sandbox {
            dir: TempDir::new().unwrap(),
        };
        fs::create_dir_all(sb.home()).unwrap();
        fs::create_dir_all(sb.tmp()).unwrap();
        sb
    }

    fn home(&self) -> PathBuf {
        self.dir.path().join("home")
    }

    fn bin_dir(&self) -> PathBuf {
        self.dir.path().join("bin")
    }

    fn tmp(&self) -> PathBuf {
        self.dir.path().join("tmp")
    }

    fn cache(&self) -> PathBuf {
        self.dir.path().join("cache")
    }

    /// The environment every script run gets: the fake release, the sandbox folders, and no
    /// proxy, so that nothing leaves 127.0.0.1.
    fn env(&self, cmd: &mut Command, release: &FakeRelease) {
        for var in [
            "http_proxy",
            "HTTP_PROXY",
            "https_proxy",
            "HTTPS_PROXY",
            "all_proxy",
            "ALL_PROXY",
            "CLAUDE_CONFIG_DIR",
            "SKILLPACK_INDEX",
            "SKILLPACK_NO_RUN",
            "SKILLPACK_GITHUB_URL",
            "SKILLPACK_INSTALL_UNSIGNED",
            "XDG_DATA_HOME",
        ] {
            cmd.env_remove(var);
        }
        cmd.env("SKILLPACK_DOWNLOAD_URL", &release.base)
            .env("SKILLPACK_INSTALL_PUBKEY", ReleaseKey::tests().public())
            .env("SKILLPACK_INSTALL_DIR", self.bin_dir())
            .env("SKILLPACK_CACHE_DIR", self.cache())
            .env("HOME", self.home())
            .env("TMPDIR", self.tmp())
            .env("NO_PROXY", "127.0.0.1,localhost")
            .env("no_proxy", "127.0.0.1,localhost")
            .env("NO_COLOR", "1")
            .current_dir(self.dir.path())
            .stdin(Stdio::null());
    }

    fn installed_names(&self) -> Vec<String> {
        match fs::read_dir(self.bin_dir()) {
            Ok(entries) => entries
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect(),
            Err(_) => Vec::new(),
        }
    }
}

/// Whether the real `minisign` is installed (`.ci/run` installs it); the tests of a
/// verified signature are skipped without it.
#[cfg(any(target_os = "linux", target_os = "macos"))]
pub(crate) fn has_minisign() -> bool {
    let found = Command::new("minisign").arg("-v").output().is_ok();
    if !found {
        eprintln!("note: `minisign` is not installed; skipping the signature checks");
    }
    found
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn describe(out: &Output) -> String {
    format!(
        "status: {:?}\n--- stdout\n{}\n--- stderr\n{}",
        out.status,
        text(&out.stdout),
        text(&out.stderr)
    )
}

fn assert_nothing_installed(sb: &Sandbox, skill_file: &Path) {
    assert_eq!(
        sb.installed_names(),
        Vec::<String>::new(),
        "the install folder must stay empty"
    );
    assert!(!skill_file.exists(), "no skill may be installed");
}

#[cfg(any(target_os = "linux", target_os = "macos"))]
mod sh {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn script() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/install.sh")
    }

    fn run(
        sb: &Sandbox,
        release: &FakeRelease,
        args: &[&str],
        extra_env: &[(&str, &str)],
    ) -> Output {
        run_with("sh", sb, release, args, extra_env)
    }

    fn run_with(
        shell: &str,
        sb: &Sandbox,
        release: &FakeRelease,
        args: &[&str],
        extra_env: &[(&str, &str)],
    ) -> Output {
        let mut cmd = Command::new(shell);
        cmd.arg(script()).args(args);
        sb.env(&mut cmd, release);
        for (k, v) in extra_env {
            cmd.env(k, v);
        }
        cmd.output().unwrap()
    }

    fn claude_skill(sb: &Sandbox) -> PathBuf {
        sb.home().join(".claude/skills/account-management/SKILL.md")
    }

    /// What the script left in its TMPDIR: it must clean up on success and on failure.
    fn leftover_tmp(sb: &Sandbox) -> Vec<PathBuf> {
        fs::read_dir(sb.tmp())
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect()
    }

    fn assert_binary_installed(sb: &Sandbox) {
        let dest = sb.bin_dir().join("skillpack");
        let mode = fs::metadata(&dest).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o755, "{} must be mode 755", dest.display());
        assert_eq!(sb.installed_names(), vec!["skillpack".to_string()]);
        let version = Command::new(&dest).arg("--version").output().unwrap();
        assert!(version.status.success(), "{}", describe(&version));
        assert!(text(&version.stdout).contains(env!("CARGO_PKG_VERSION")));
    }

    #[test]
    fn installs_the_binary_then_the_skill() {
        let sb = Sandbox::new();
        let release = FakeRelease::release();
        let out = run(&sb, &release, &[], &[]);
        assert!(out.status.success(), "{}", describe(&out));

        assert_binary_installed(&sb);
        assert!(
            claude_skill(&sb).is_file(),
            "`skillpack install` did not run: {}",
            describe(&out)
        );
        let stdout = text(&out.stdout);
        let dest = sb.bin_dir().join("skillpack");
        assert!(
            stdout.contains(&dest.display().to_string()),
            "{}",
            describe(&out)
        );
        assert!(stdout.contains("not on your PATH"), "{}", describe(&out));
        // The man pages, from the binary installed, where man finds them; the script says where.
        let man_dir = sb.home().join(".local/share/man/man1");
        let page = fs::read_to_string(man_dir.join("skillpack.1")).unwrap_or_default();
        assert!(page.contains(".TH"), "{}", describe(&out));
        assert!(man_dir.join("skillpack-install.1").is_file());
        assert!(
            stdout.contains(&format!("installed the man pages to {}", man_dir.display())),
            "{}",
            describe(&out)
        );
        assert_eq!(
            leftover_tmp(&sb),
            Vec::<PathBuf>::new(),
            "temporary files left"
        );
        let asset = asset_name();
        let expected = if has_minisign() {
            vec![
                "/SHA256SUMS".to_string(),
                "/SHA256SUMS.minisig".to_string(),
                format!("/{asset}"),
            ]
        } else {
            vec![format!("/{asset}.sha256"), format!("/{asset}")]
        };
        assert_eq!(release.requests(), expected);
    }

    #[test]
    fn passes_arguments_after_the_separator_to_skillpack_install() {
        let sb = Sandbox::new();
        let release = FakeRelease::release();
        let out = run(&sb, &release, &["--", "--agent", "codex"], &[]);
        assert!(out.status.success(), "{}", describe(&out));

        assert_binary_installed(&sb);
        assert!(
            sb.home()
                .join(".agents/skills/account-management/SKILL.md")
                .is_file(),
            "{}",
            describe(&out)
        );
        assert!(!claude_skill(&sb).exists());
    }

    #[test]
    fn replaces_an_existing_binary_under_bash() {
        let sb = Sandbox::new();
        fs::create_dir_all(sb.bin_dir()).unwrap();
        fs::write(sb.bin_dir().join("skillpack"), b"an older skillpack").unwrap();
        let release = FakeRelease::release();
        let out = run_with("bash", &sb, &release, &[], &[]);
        assert!(out.status.success(), "{}", describe(&out));

        assert_binary_installed(&sb);
        assert!(claude_skill(&sb).is_file(), "{}", describe(&out));
    }

    #[test]
    fn man_pages_go_to_xdg_data_home_and_a_failure_there_never_fails_the_install() {
        let sb = Sandbox::new();
        let release = FakeRelease::release();
        let data = sb.dir.path().join("data");
        let env = [
            ("SKILLPACK_NO_RUN", "1"),
            ("XDG_DATA_HOME", data.to_str().unwrap()),
        ];
        let out = run(&sb, &release, &[], &env);
        assert!(out.status.success(), "{}", describe(&out));
        assert!(
            data.join("man/man1/skillpack.1").is_file(),
            "{}",
            describe(&out)
        );
        assert!(!sb.home().join(".local/share/man").exists());

        // A file where the man folder goes: said, and the binary is installed all the same.
        let sb = Sandbox::new();
        let blocked = sb.dir.path().join("blocked");
        fs::write(&blocked, b"a file").unwrap();
        let env = [
            ("SKILLPACK_NO_RUN", "1"),
            ("XDG_DATA_HOME", blocked.to_str().unwrap()),
        ];
        let out = run(&sb, &release, &[], &env);
        assert!(out.status.success(), "{}", describe(&out));
        assert_binary_installed(&sb);
        assert!(
            text(&out.stdout).contains("could not write the man pages to"),
            "{}",
            describe(&out)
        );
    }

    #[test]
    fn no_run_installs_only_the_binary() {
        let sb = Sandbox::new();
        let release = FakeRelease::release();
        let out = run(&sb, &release, &[], &[("SKILLPACK_NO_RUN", "1")]);
        assert!(out.status.success(), "{}", describe(&out));

        assert_binary_installed(&sb);
        assert!(!sb.home().join(".claude").exists(), "{}", describe(&out));
    }

    #[test]
    fn checksum_mismatch_installs_nothing() {
        let sb = Sandbox::new();
        let asset = asset_name();
        let wrong = hex::encode(Sha256::digest(b"not the binary"));
        // Both lists name the wrong digest (and the signed one is signed): whichever the
        // script reads, the binary does not match it.
        let sums = format!("{wrong}  {asset}\n").into_bytes();
        let mut files = FakeRelease::release_files();
        files.insert(format!("/{asset}.sha256"), Body::Bytes(sums.clone()));
        files.insert(
            "/SHA256SUMS.minisig".into(),
            Body::Bytes(ReleaseKey::tests().sign("SHA256SUMS", &sums)),
        );
        files.insert("/SHA256SUMS".into(), Body::Bytes(sums));
        let release = FakeRelease::serve(files);
        let out = run(&sb, &release, &[], &[]);
        assert_eq!(out.status.code(), Some(1), "{}", describe(&out));

        let stderr = text(&out.stderr);
        assert!(stderr.contains("checksum mismatch"), "{}", describe(&out));
        assert!(stderr.contains(&wrong), "{}", describe(&out));
        assert!(stderr.contains(binary_sha256()), "{}", describe(&out));
        assert_nothing_installed(&sb, &claude_skill(&sb));
        assert_eq!(
            leftover_tmp(&sb),
            Vec::<PathBuf>::new(),
            "temporary files left"
        );
    }

    #[test]
    fn missing_binary_is_a_clear_error() {
        let sb = Sandbox::new();
        let asset = asset_name();
        let mut files = FakeRelease::release_files();
        files.remove(&format!("/{asset}"));
        let release = FakeRelease::serve(files);
        let out = run(&sb, &release, &[], &[]);
        assert_eq!(out.status.code(), Some(1), "{}", describe(&out));

        let stderr = text(&out.stderr);
        assert!(stderr.contains("404"), "{}", describe(&out));
        assert!(
            stderr.contains(&format!("{}/{asset}", release.base)),
            "{}",
            describe(&out)
        );
        assert_nothing_installed(&sb, &claude_skill(&sb));
        assert_eq!(
            leftover_tmp(&sb),
            Vec::<PathBuf>::new(),
            "temporary files left"
        );
    }

    #[test]
    fn the_path_warning_comes_before_skillpack_install_runs() {
        let sb = Sandbox::new();
        let release = FakeRelease::release();
        let out = run(&sb, &release, &[], &[]);
        assert!(out.status.success(), "{}", describe(&out));
        let stdout = text(&out.stdout);
        let warning = stdout.find("not on your PATH").expect("a PATH warning");
        let running = stdout.find("running: skillpack install").expect("the run");
        assert!(warning < running, "{}", describe(&out));
    }

    #[test]
    fn skillpack_version_pins_the_release() {
        let sb = Sandbox::new();
        let release = FakeRelease::release();
        let version = env!("CARGO_PKG_VERSION");
        let pinned = format!("v{version}");
        let out = run(
            &sb,
            &release,
            &[],
            &[
                ("SKILLPACK_VERSION", pinned.as_str()),
                ("SKILLPACK_NO_RUN", "1"),
            ],
        );
        assert!(out.status.success(), "{}", describe(&out));
        assert_binary_installed(&sb);
    }

    #[test]
    fn a_release_of_another_version_installs_nothing() {
        let sb = Sandbox::new();
        let release = FakeRelease::release();
        let out = run(&sb, &release, &[], &[("SKILLPACK_VERSION", "99.0.0")]);
        assert_eq!(out.status.code(), Some(1), "{}", describe(&out));
        let stderr = text(&out.stderr);
        assert!(stderr.contains("not 99.0.0"), "{}", describe(&out));
        assert_nothing_installed(&sb, &claude_skill(&sb));
    }

    #[test]
    fn a_malformed_version_is_refused_before_any_download() {
        let sb = Sandbox::new();
        let release = FakeRelease::release();
        let out = run(&sb, &release, &[], &[("SKILLPACK_VERSION", "1.0;rm -rf")]);
        assert_eq!(out.status.code(), Some(1), "{}", describe(&out));
        assert!(
            text(&out.stderr).contains("SKILLPACK_VERSION"),
            "{}",
            describe(&out)
        );
        assert!(release.requests().is_empty());
    }

    #[test]
    fn the_script_passes_shellcheck() {
        let Ok(out) = Command::new("shellcheck").arg(script()).output() else {
            eprintln!("note: shellcheck is not installed; the script was not checked");
            return;
        };
        assert!(out.status.success(), "{}", describe(&out));
    }

    #[test]
    fn plain_http_to_another_host_is_refused() {
        let sb = Sandbox::new();
        let release = FakeRelease::release();
        // Userinfo that names localhost must not pass for a loopback host.
        let remote = format!(
            "http://localhost:{}@example.invalid",
            release.base.rsplit(':').next().unwrap()
        );
        let out = run(
            &sb,
            &release,
            &[],
            &[("SKILLPACK_DOWNLOAD_URL", remote.as_str())],
        );
        assert_eq!(out.status.code(), Some(1), "{}", describe(&out));

        assert!(text(&out.stderr).contains("https://"), "{}", describe(&out));
        assert_nothing_installed(&sb, &claude_skill(&sb));
        assert!(release.requests().is_empty());
    }

    /// A folder of links to every program on PATH but `minisign`: a machine without it.
    fn path_without_minisign(sb: &Sandbox) -> PathBuf {
        let dir = sb.dir.path().join("path-without-minisign");
        fs::create_dir_all(&dir).unwrap();
        let path = std::env::var_os("PATH").unwrap_or_default();
        for folder in std::env::split_paths(&path) {
            let Ok(entries) = fs::read_dir(&folder) else {
                continue;
            };
            for entry in entries.flatten() {
                let name = entry.file_name();
                let link = dir.join(&name);
                if name != "minisign" && !link.exists() {
                    let _ = std::os::unix::fs::symlink(entry.path(), link);
                }
            }
        }
        dir
    }

    #[test]
    fn a_signed_release_installs_after_its_signature_is_verified() {
        if !has_minisign() {
            return;
        }
        let sb = Sandbox::new();
        let release = FakeRelease::release();
        let out = run(&sb, &release, &[], &[("SKILLPACK_NO_RUN", "1")]);
        assert!(out.status.success(), "{}", describe(&out));
        assert_binary_installed(&sb);
        let stdout = text(&out.stdout);
        assert!(
            stdout.contains("verified the signature of SHA256SUMS"),
            "{}",
            describe(&out)
        );
        assert!(
            stdout.contains("listed in the signed SHA256SUMS"),
            "{}",
            describe(&out)
        );
        assert!(!stdout.contains("checksum only"), "{}", describe(&out));
    }

    #[test]
    fn a_signature_by_another_key_installs_nothing() {
        if !has_minisign() {
            return;
        }
        let sb = Sandbox::new();
        let mut files = FakeRelease::release_files();
        let stranger = ReleaseKey::new();
        files.insert(
            "/SHA256SUMS.minisig".into(),
            Body::Bytes(stranger.sign("SHA256SUMS", &sha256sums())),
        );
        let release = FakeRelease::serve(files);
        let out = run(&sb, &release, &[], &[]);
        assert_eq!(out.status.code(), Some(1), "{}", describe(&out));
        let stderr = text(&out.stderr);
        assert!(
            stderr.contains("the signature of SHA256SUMS does not verify"),
            "{}",
            describe(&out)
        );
        assert_nothing_installed(&sb, &claude_skill(&sb));
        assert!(
            !release.requests().contains(&format!("/{}", asset_name())),
            "the binary must not even be downloaded: {:?}",
            release.requests()
        );
        assert_eq!(leftover_tmp(&sb), Vec::<PathBuf>::new());
    }

    #[test]
    fn a_checksum_list_changed_after_signing_installs_nothing() {
        if !has_minisign() {
            return;
        }
        let sb = Sandbox::new();
        let mut files = FakeRelease::release_files();
        // The attacker's binary digest in the list; the signature is the genuine one.
        let forged = String::from_utf8(sha256sums()).unwrap().replace(
            binary_sha256(),
            &hex::encode(Sha256::digest(b"another binary")),
        );
        files.insert("/SHA256SUMS".into(), Body::Bytes(forged.into_bytes()));
        let release = FakeRelease::serve(files);
        let out = run(&sb, &release, &[], &[]);
        assert_eq!(out.status.code(), Some(1), "{}", describe(&out));
        assert!(
            text(&out.stderr).contains("does not verify"),
            "{}",
            describe(&out)
        );
        assert_nothing_installed(&sb, &claude_skill(&sb));
    }

    #[test]
    fn a_release_key_that_is_not_one_is_named_as_such_not_blamed_on_the_release() {
        if !has_minisign() {
            return;
        }
        let sb = Sandbox::new();
        let release = FakeRelease::serve(FakeRelease::release_files());
        for bad in [
            "garbage",
            "RW short",
            "RWT/lLZ15Tr6FMisQDTwCzzH+uDXGBIvL5LLX2VAtfr74oyZd1QbHL1!",
        ] {
            let out = run(&sb, &release, &[], &[("SKILLPACK_INSTALL_PUBKEY", bad)]);
            assert_eq!(out.status.code(), Some(1), "{}", describe(&out));
            let stderr = text(&out.stderr);
            assert!(
                stderr.contains("SKILLPACK_INSTALL_PUBKEY is not a minisign public key"),
                "{bad}: {}",
                describe(&out)
            );
            assert!(!stderr.contains("does not verify"), "{}", describe(&out));
            assert_nothing_installed(&sb, &claude_skill(&sb));
        }
    }

    #[test]
    fn a_missing_signature_installs_nothing_unless_asked_to_check_the_checksum_only() {
        if !has_minisign() {
            return;
        }
        let sb = Sandbox::new();
        let mut files = FakeRelease::release_files();
        files.remove("/SHA256SUMS.minisig");
        let release = FakeRelease::serve(files);
        let out = run(&sb, &release, &[], &[]);
        assert_eq!(out.status.code(), Some(1), "{}", describe(&out));
        let stderr = text(&out.stderr);
        assert!(stderr.contains("has no signature"), "{}", describe(&out));
        assert!(
            stderr.contains("SKILLPACK_INSTALL_UNSIGNED=1"),
            "{}",
            describe(&out)
        );
        assert_nothing_installed(&sb, &claude_skill(&sb));

        let out = run(
            &sb,
            &release,
            &[],
            &[
                ("SKILLPACK_INSTALL_UNSIGNED", "1"),
                ("SKILLPACK_NO_RUN", "1"),
            ],
        );
        assert!(out.status.success(), "{}", describe(&out));
        assert_binary_installed(&sb);
        assert!(
            text(&out.stdout).contains("checking the SHA-256 checksum only"),
            "{}",
            describe(&out)
        );
    }

    #[test]
    fn without_minisign_the_checksum_alone_is_checked_and_that_is_said() {
        let sb = Sandbox::new();
        // Not even a signature: a machine without minisign cannot tell, and says so.
        let mut files = FakeRelease::release_files();
        files.remove("/SHA256SUMS.minisig");
        let release = FakeRelease::serve(files);
        let path = path_without_minisign(&sb);
        let out = run(
            &sb,
            &release,
            &[],
            &[("PATH", path.to_str().unwrap()), ("SKILLPACK_NO_RUN", "1")],
        );
        assert!(out.status.success(), "{}", describe(&out));
        assert_binary_installed(&sb);
        let stdout = text(&out.stdout);
        assert!(
            stdout.contains("minisign is not installed: checking the SHA-256 checksum only"),
            "{}",
            describe(&out)
        );
        assert!(
            stdout.contains("checksum only: the release signature was not checked"),
            "{}",
            describe(&out)
        );
        let asset = asset_name();
        assert_eq!(
            release.requests(),
            vec![format!("/{asset}.sha256"), format!("/{asset}")]
        );
    }
}

#[cfg(windows)]
mod powershell {
    use super::*;

    fn run(sb: &Sandbox, release: &FakeRelease) -> Output {
        let script = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("scripts")
            .join("install.ps1");
        let mut cmd = Command::new("powershell");
        cmd.args([
            "-NoProfile",
            "-NonInteractive",
            "-ExecutionPolicy",
            "Bypass",
            "-File",
        ])
        .arg(script);
        sb.env(&mut cmd, release);
        // The home folder on Windows comes from the profile, not an environment variable; the
        // Claude config folder can be redirected, which keeps the install inside the sandbox.
        cmd.env("CLAUDE_CONFIG_DIR", sb.home().join(".claude"));
        cmd.output().unwrap()
    }

    fn claude_skill(sb: &Sandbox) -> PathBuf {
        sb.home()
            .join(".claude")
            .join("skills")
            .join("account-management")
            .join("SKILL.md")
    }

    #[test]
    fn installs_the_binary_then_the_skill() {
        let sb = Sandbox::new();
        let release = FakeRelease::release();
        let out = run(&sb, &release);
        assert!(out.status.success(), "{}", describe(&out));

        assert_eq!(sb.installed_names(), vec!["skillpack.exe".to_string()]);
        assert!(claude_skill(&sb).is_file(), "{}", describe(&out));
    }

    #[test]
    fn checksum_mismatch_installs_nothing() {
        let sb = Sandbox::new();
        let asset = asset_name();
        let wrong = hex::encode(Sha256::digest(b"not the binary"));
        // Both lists name the wrong digest, whether or not minisign is there to read the
        // signed one.
        let sums = format!("{wrong}  {asset}\n").into_bytes();
        let mut files = FakeRelease::release_files();
        files.insert(format!("/{asset}.sha256"), Body::Bytes(sums.clone()));
        files.insert(
            "/SHA256SUMS.minisig".into(),
            Body::Bytes(ReleaseKey::tests().sign("SHA256SUMS", &sums)),
        );
        files.insert("/SHA256SUMS".into(), Body::Bytes(sums));
        let release = FakeRelease::serve(files);
        let out = run(&sb, &release);
        assert!(!out.status.success(), "{}", describe(&out));

        assert!(
            text(&out.stderr).contains("checksum mismatch"),
            "{}",
            describe(&out)
        );
        assert_nothing_installed(&sb, &claude_skill(&sb));
    }
}
