//! Signatures (DESIGN section 8a): `key new`, `pack --sign`, and `install --trusted-key`
//! against a signed index served on 127.0.0.1; and interoperability with the real
//! `minisign` tool, when it is installed.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crate::net::{Home, Reply, Server, files_under};

/// A sandbox: a home, a work folder holding one skill (`demo-skill`), and a server.
struct Signed {
    home: Home,
    server: Server,
}

struct Key {
    secret: PathBuf,
    public_file: PathBuf,
    public: String,
    id: String,
}

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

impl Signed {
    fn new() -> Signed {
        let s = Signed {
            home: Home::new(),
            server: Server::start(),
        };
        let skill = s.work().join("src/demo-skill");
        std::fs::create_dir_all(&skill).unwrap();
        std::fs::write(
            skill.join("SKILL.md"),
            "---\nname: demo-skill\ndescription: A skill for the signature tests.\nmetadata:\n  version: 1.0.0\n---\n# Demo\n",
        )
        .unwrap();
        s
    }

    fn work(&self) -> &Path {
        self.home.home.path()
    }

    fn cmd(&self) -> Command {
        self.home.std_cmd()
    }

    /// `skillpack key new --out DIR`, encrypted with `password` or else unencrypted.
    fn key_new(&self, dir: &str, password: Option<&str>) -> Key {
        let mut c = self.cmd();
        c.args(["--json", "key", "new", "--out", dir]);
        match password {
            Some(pw) => c.env("SKILLPACK_SIGNING_PASSWORD", pw),
            None => c.arg("--unencrypted"),
        };
        let out = c.output().unwrap();
        assert!(out.status.success(), "{}", text(&out));
        let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(json["encrypted"], password.is_some());
        let dir = self.work().join(dir);
        Key {
            secret: dir.join("skillpack.key"),
            public_file: dir.join("skillpack.pub"),
            public: json["public_key"].as_str().unwrap().to_string(),
            id: json["key_id"].as_str().unwrap().to_string(),
        }
    }

    /// `skillpack pack demo-skill --out dist [--sign KEY]`.
    fn pack(&self, key: Option<&Path>, password: Option<&str>) -> Output {
        let mut c = self.cmd();
        c.args(["pack", "src/demo-skill", "--out", "dist"]);
        if let Some(k) = key {
            c.arg("--sign").arg(k);
        }
        if let Some(pw) = password {
            c.env("SKILLPACK_SIGNING_PASSWORD", pw);
        }
        c.output().unwrap()
    }

    fn dist(&self) -> PathBuf {
        self.work().join("dist")
    }

    fn read(&self, name: &str) -> Vec<u8> {
        std::fs::read(self.dist().join(name)).unwrap()
    }

    /// Serves every file of `dist/` at `/dist/NAME`, with `replace` overriding some.
    fn serve(&self, replace: &[(&str, Option<Vec<u8>>)]) -> String {
        for name in files_under(&self.dist()) {
            let body = match replace.iter().find(|(n, _)| *n == name) {
                Some((_, Some(b))) => b.clone(),
                Some((_, None)) => continue,
                None => self.read(&name),
            };
            self.server
                .route(&format!("/dist/{name}"), vec![Reply::Body(body)]);
        }
        self.server.url("/dist/index.json")
    }

    /// `skillpack --json install demo-skill --index URL --dir skills` with `keys` trusted.
    fn install(&self, index: &str, keys: &[&str]) -> Output {
        let mut c = self.cmd();
        c.args([
            "--json",
            "install",
            "demo-skill",
            "--no-companions",
            "--index",
            index,
        ])
        .arg("--dir")
        .arg(self.home.root());
        for k in keys {
            c.args(["--trusted-key", k]);
        }
        c.output().unwrap()
    }

    fn installed(&self) -> bool {
        self.home.root().join("demo-skill/SKILL.md").is_file()
    }

    /// Asserts a refusal of kind `kind` whose message holds `says`, with nothing installed.
    fn refused(&self, out: &Output, kind: &str, says: &str) {
        assert_eq!(out.status.code(), Some(1), "{}", text(out));
        let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(json["error"]["kind"], kind, "{}", text(out));
        let message = json["error"]["message"].as_str().unwrap();
        assert!(message.contains(says), "{message}");
        assert!(!self.installed(), "nothing may be installed");
        assert!(!self.home.root().join(".skillpack/lock.json").exists());
    }
}

fn has_minisign() -> bool {
    let found = Command::new("minisign")
        .arg("-v")
        .output()
        .is_ok_and(|o| o.status.success() || !o.stdout.is_empty());
    if !found {
        eprintln!("note: `minisign` is not installed; skipping the interoperability check");
    }
    found
}

#[test]
fn a_signed_index_installs_and_the_key_is_recorded() {
    let s = Signed::new();
    let key = s.key_new("keys", None);
    let out = s.pack(Some(&key.secret), None);
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("not protected by a password"));
    let files = files_under(&s.dist());
    assert!(
        files.contains(&"index.json.minisig".to_string()),
        "{files:?}"
    );
    assert!(
        files.contains(&"SHA256SUMS.minisig".to_string()),
        "{files:?}"
    );
    let sig = String::from_utf8(s.read("index.json.minisig")).unwrap();
    let size = s.read("index.json").len();
    assert!(
        sig.contains(&format!("file:index.json\tsize:{size}")),
        "{sig}"
    );

    let index = s.serve(&[]);
    let out = s.install(&index, &[&key.public]);
    assert!(out.status.success(), "{}", text(&out));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let installed = &json["installed"][0];
    assert_eq!(installed["signed"], true);
    assert_eq!(installed["key_id"], key.id.as_str());
    let lock: serde_json::Value =
        serde_json::from_slice(&std::fs::read(s.home.root().join(".skillpack/lock.json")).unwrap())
            .unwrap();
    assert_eq!(lock["skills"]["demo-skill"]["key"], key.public.as_str());
}

#[test]
fn without_a_trusted_key_nothing_changes_and_json_says_unsigned() {
    let s = Signed::new();
    assert!(s.pack(None, None).status.success());
    let index = s.serve(&[]);
    let out = s.install(&index, &[]);
    assert!(out.status.success(), "{}", text(&out));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["installed"][0]["signed"], false);
    let lock = std::fs::read_to_string(s.home.root().join(".skillpack/lock.json")).unwrap();
    assert!(!lock.contains("\"key\""), "{lock}");
    assert!(s.server.hits("/dist/index.json.minisig") == 0);
}

#[test]
fn a_key_given_as_a_file_or_through_the_environment_is_trusted() {
    let s = Signed::new();
    let key = s.key_new("keys", None);
    let other = s.key_new("other", None);
    assert!(s.pack(Some(&key.secret), None).status.success());
    let index = s.serve(&[]);
    let out = s
        .install(&index, &[key.public_file.to_str().unwrap()])
        .status;
    assert!(out.success());
    std::fs::remove_dir_all(s.home.root()).unwrap();
    let mut c = s.cmd();
    c.args([
        "install",
        "demo-skill",
        "--no-companions",
        "--index",
        &index,
    ])
    .arg("--dir")
    .arg(s.home.root())
    .env(
        "SKILLPACK_TRUSTED_KEYS",
        format!("{}, {}", other.public, key.public),
    );
    let out = c.output().unwrap();
    assert!(out.status.success(), "{}", text(&out));
    assert!(s.installed());
}

#[test]
fn a_signature_by_another_key_is_refused_naming_that_key() {
    let s = Signed::new();
    let signer = s.key_new("signer", None);
    let trusted = s.key_new("trusted", None);
    assert!(s.pack(Some(&signer.secret), None).status.success());
    let index = s.serve(&[]);
    let out = s.install(&index, &[&trusted.public]);
    s.refused(
        &out,
        "untrusted-key",
        &format!("signed by key ID {}, which is not trusted", signer.id),
    );
    // Nothing but the index and its signature was fetched: no archive.
    assert_eq!(s.server.hits("/dist/demo-skill-1.0.0.zip"), 0);
}

#[test]
fn a_missing_signature_is_refused() {
    let s = Signed::new();
    let key = s.key_new("keys", None);
    assert!(s.pack(Some(&key.secret), None).status.success());
    let index = s.serve(&[("index.json.minisig", None)]);
    let out = s.install(&index, &[&key.public]);
    s.refused(&out, "no-signature", "has no signature");
}

#[test]
fn the_signature_of_another_file_is_refused() {
    let s = Signed::new();
    let key = s.key_new("keys", None);
    assert!(s.pack(Some(&key.secret), None).status.success());
    let sums_sig = s.read("SHA256SUMS.minisig");
    let index = s.serve(&[("index.json.minisig", Some(sums_sig))]);
    let out = s.install(&index, &[&key.public]);
    s.refused(&out, "signature-mismatch", "signature of `SHA256SUMS`");
}

#[test]
fn an_index_changed_after_signing_is_refused() {
    let s = Signed::new();
    let key = s.key_new("keys", None);
    assert!(s.pack(Some(&key.secret), None).status.success());
    let tampered = String::from_utf8(s.read("index.json"))
        .unwrap()
        .replace("A skill for the signature tests.", "A skill, changed.");
    let index = s.serve(&[("index.json", Some(tampered.into_bytes()))]);
    let out = s.install(&index, &[&key.public]);
    s.refused(&out, "signature-mismatch", "signature does not match");
}

#[test]
fn an_edited_trusted_comment_or_a_truncated_signature_is_refused() {
    let s = Signed::new();
    let key = s.key_new("keys", None);
    assert!(s.pack(Some(&key.secret), None).status.success());
    let sig = String::from_utf8(s.read("index.json.minisig")).unwrap();
    let edited = sig.replace("file:index.json", "file:index.json\tok:yes");
    let index = s.serve(&[("index.json.minisig", Some(edited.into_bytes()))]);
    let out = s.install(&index, &[&key.public]);
    s.refused(&out, "signature-mismatch", "signature does not match");

    let truncated = sig.as_bytes()[..sig.len() / 2].to_vec();
    let index = s.serve(&[("index.json.minisig", Some(truncated))]);
    let out = s.install(&index, &[&key.public]);
    s.refused(&out, "bad-signature", "damaged");

    // A "signature" of megabytes is not read whole, and is no signature.
    let huge = [sig.as_bytes(), &vec![b'A'; 5 << 20]].concat();
    let index = s.serve(&[("index.json.minisig", Some(huge))]);
    let out = s.install(&index, &[&key.public]);
    s.refused(&out, "bad-signature", "no minisign signature is");
}

#[test]
fn an_encrypted_key_signs_only_with_its_password() {
    let s = Signed::new();
    let key = s.key_new("keys", Some("correct horse"));
    let out = s.pack(Some(&key.secret), Some("wrong"));
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(
        text(&out).contains("password does not unlock"),
        "{}",
        text(&out)
    );
    assert!(!s.dist().exists(), "nothing may be written");
    // No password and no terminal: a usage error, nothing written.
    let out = s.pack(Some(&key.secret), None);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(text(&out).contains("SKILLPACK_SIGNING_PASSWORD"));
    assert!(!s.dist().exists(), "nothing may be written");

    let out = s.pack(Some(&key.secret), Some("correct horse"));
    assert!(out.status.success(), "{}", text(&out));
    let index = s.serve(&[]);
    assert!(s.install(&index, &[&key.public]).status.success());
    assert!(s.installed());
}

#[test]
fn packing_without_a_key_removes_signatures_that_no_longer_match() {
    let s = Signed::new();
    let key = s.key_new("keys", None);
    assert!(s.pack(Some(&key.secret), None).status.success());
    assert!(s.pack(None, None).status.success());
    let files = files_under(&s.dist());
    assert!(!files.iter().any(|f| f.ends_with(".minisig")), "{files:?}");
}

#[test]
fn key_new_does_not_replace_a_key_without_force() {
    let s = Signed::new();
    s.key_new("keys", None);
    let out = s
        .cmd()
        .args(["key", "new", "--out", "keys", "--unencrypted"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out).contains("already exists"));
}

#[test]
fn minisign_verifies_what_skillpack_signs() {
    if !has_minisign() {
        return;
    }
    let s = Signed::new();
    for (dir, password) in [("plain", None), ("locked", Some("pw"))] {
        let key = s.key_new(dir, password);
        assert!(s.pack(Some(&key.secret), password).status.success());
        for file in ["index.json", "SHA256SUMS"] {
            let out = Command::new("minisign")
                .arg("-Vm")
                .arg(s.dist().join(file))
                .arg("-p")
                .arg(&key.public_file)
                .output()
                .unwrap();
            assert!(out.status.success(), "{file}: {}", text(&out));
            assert!(
                text(&out).contains(&format!("file:{file}")),
                "{}",
                text(&out)
            );
        }
    }
}

#[test]
fn skillpack_verifies_what_minisign_signs() {
    if !has_minisign() {
        return;
    }
    let s = Signed::new();
    assert!(s.pack(None, None).status.success());
    let (sk, pk) = (s.work().join("m.key"), s.work().join("m.pub"));
    let run = |args: &[&std::ffi::OsStr]| {
        let out = Command::new("minisign")
            .args(args)
            .current_dir(s.work())
            .stdin(std::process::Stdio::null())
            .output()
            .unwrap();
        assert!(out.status.success(), "minisign {args:?}: {}", text(&out));
    };
    run(&[
        "-G".as_ref(),
        "-W".as_ref(),
        "-p".as_ref(),
        pk.as_os_str(),
        "-s".as_ref(),
        sk.as_os_str(),
    ]);
    let index_file = s.dist().join("index.json");
    run(&[
        "-S".as_ref(),
        "-s".as_ref(),
        sk.as_os_str(),
        "-m".as_ref(),
        index_file.as_os_str(),
    ]);
    let index = s.serve(&[]);
    let out = s.install(&index, &[pk.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["installed"][0]["signed"], true);

    // A legacy (not prehashed) signature, which `minisign -V` still accepts, is accepted.
    run(&[
        "-S".as_ref(),
        "-l".as_ref(),
        "-s".as_ref(),
        sk.as_os_str(),
        "-m".as_ref(),
        index_file.as_os_str(),
    ]);
    let legacy = std::fs::read_to_string(s.dist().join("index.json.minisig")).unwrap();
    // `Ed` (legacy), not `ED` (prehashed), at the start of the signature line.
    assert!(legacy.lines().nth(1).unwrap().starts_with("RW"), "{legacy}");
    s.serve(&[]);
    let out = s.install(&index, &[pk.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out));

    // A key minisign made signs skillpack's packs too, and minisign accepts the result.
    let out = s.pack(Some(&sk), None);
    assert!(out.status.success(), "{}", text(&out));
    run(&[
        "-V".as_ref(),
        "-p".as_ref(),
        pk.as_os_str(),
        "-m".as_ref(),
        index_file.as_os_str(),
    ]);
}

impl Signed {
    /// Gives `demo-skill` the version `version`, for the next `pack`.
    fn set_version(&self, version: &str) {
        std::fs::write(
            self.work().join("src/demo-skill/SKILL.md"),
            format!(
                "---\nname: demo-skill\ndescription: A skill for the signature tests.\nmetadata:\n  version: {version}\n---\n# Demo {version}\n"
            ),
        )
        .unwrap();
    }

    /// demo-skill 1.0.0 installed from an index signed by a new key, then `version` packed
    /// and served unsigned (no `.minisig`): the key, the index URL, and the installed files.
    fn signed_then_unsigned(&self, version: &str) -> (Key, String, Vec<String>) {
        let key = self.key_new("keys", None);
        assert!(self.pack(Some(&key.secret), None).status.success());
        let index = self.serve(&[]);
        assert!(self.install(&index, &[&key.public]).status.success());
        let before = files_under(&self.home.root().join("demo-skill"));
        self.set_version(version);
        assert!(self.pack(None, None).status.success());
        self.serve(&[("index.json.minisig", None)]);
        self.server
            .route("/dist/index.json.minisig", vec![Reply::Status(404)]);
        (key, index, before)
    }

    /// `skillpack --json update --dir skills` with `keys` trusted; the index is the one
    /// recorded at install.
    fn update(&self, keys: &[&str]) -> Output {
        let mut c = self.cmd();
        c.args(["--json", "update", "--dir"]).arg(self.home.root());
        for k in keys {
            c.args(["--trusted-key", k]);
        }
        c.output().unwrap()
    }

    fn lock(&self) -> serde_json::Value {
        let path = self.home.root().join(".skillpack/lock.json");
        serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
    }

    fn installed_version(&self) -> String {
        self.lock()["skills"]["demo-skill"]["version"]
            .as_str()
            .unwrap()
            .to_string()
    }

    /// The failure of the one skill of an `update --json` run.
    fn update_failure(out: &Output) -> serde_json::Value {
        assert_eq!(out.status.code(), Some(1), "{}", text(out));
        let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let skill = &json["skills"][0];
        assert_eq!(skill["action"], "failed", "{json}");
        skill["error"].clone()
    }

    /// `skillpack --json install URL --dir skills` with `keys` trusted (no --sha256, no --yes).
    fn install_url(&self, url: &str, keys: &[&str]) -> Output {
        let mut c = self.cmd();
        c.args(["--json", "install", url, "--no-companions", "--dir"])
            .arg(self.home.root());
        for k in keys {
            c.args(["--trusted-key", k]);
        }
        c.output().unwrap()
    }
}

#[test]
fn update_requires_a_signature_by_the_key_recorded_at_install() {
    let s = Signed::new();
    let first = s.key_new("first", None);
    let second = s.key_new("second", None);
    assert!(s.pack(Some(&first.secret), None).status.success());
    let index = s.serve(&[]);
    assert!(s.install(&index, &[&first.public]).status.success());

    // The same key signs 2.0.0: updated without naming any key.
    s.set_version("2.0.0");
    assert!(s.pack(Some(&first.secret), None).status.success());
    s.serve(&[]);
    let out = s.update(&[]);
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(s.installed_version(), "2.0.0");
    assert_eq!(
        s.lock()["skills"]["demo-skill"]["key"],
        first.public.as_str()
    );

    // Another key signs 3.0.0: refused, naming the key that signed and the recorded one.
    s.set_version("3.0.0");
    assert!(s.pack(Some(&second.secret), None).status.success());
    s.serve(&[]);
    let error = Signed::update_failure(&s.update(&[]));
    assert_eq!(error["kind"], "untrusted-key", "{error}");
    let message = error["message"].as_str().unwrap();
    assert!(
        message.contains(&format!("signed by key ID {}", second.id)),
        "{message}"
    );
    assert!(message.contains(&first.id), "{message}");
    let hint = error["hint"].as_str().unwrap();
    assert!(
        hint.contains(&format!("signed by key ID {}", first.id)) && hint.contains("--trusted-key"),
        "{hint}"
    );
    assert_eq!(s.installed_version(), "2.0.0");
    assert_eq!(s.server.hits("/dist/demo-skill-3.0.0.zip"), 0);

    // A key trusted in general, through the environment, does not replace the recorded one.
    let mut c = s.cmd();
    c.args(["--json", "update", "--dir"])
        .arg(s.home.root())
        .env("SKILLPACK_TRUSTED_KEYS", &second.public);
    let error = Signed::update_failure(&c.output().unwrap());
    assert_eq!(error["kind"], "untrusted-key", "{error}");
    assert_eq!(s.installed_version(), "2.0.0");

    // Naming the new key explicitly changes it.
    let out = s.update(&[&second.public]);
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(s.installed_version(), "3.0.0");
    assert_eq!(
        s.lock()["skills"]["demo-skill"]["key"],
        second.public.as_str()
    );
}

#[test]
fn update_refuses_an_index_whose_signature_was_removed() {
    let s = Signed::new();
    // 2.0.0, unsigned: an index anyone could have written.
    let (_, _, before) = s.signed_then_unsigned("2.0.0");
    let error = Signed::update_failure(&s.update(&[]));
    assert_eq!(error["kind"], "no-signature", "{error}");
    assert!(
        error["message"]
            .as_str()
            .unwrap()
            .contains("has no signature"),
        "{error}"
    );
    assert_eq!(s.installed_version(), "1.0.0");
    assert_eq!(files_under(&s.home.root().join("demo-skill")), before);
    assert_eq!(s.server.hits("/dist/demo-skill-2.0.0.zip"), 0);
}

#[test]
fn install_does_not_replace_a_key_verified_skill_with_an_unsigned_one() {
    let s = Signed::new();
    // A newer version from an index nobody signed, installed by name without any key:
    // the recorded key is not bypassed by `install`, with or without --force.
    let (key, index, before) = s.signed_then_unsigned("9.0.0");
    for extra in [&[][..], &["--force"][..], &["--dry-run"][..]] {
        let mut c = s.cmd();
        c.args([
            "--json",
            "install",
            "demo-skill",
            "--no-companions",
            "--index",
            &index,
        ])
        .args(extra)
        .arg("--dir")
        .arg(s.home.root());
        let out = c.output().unwrap();
        assert_eq!(out.status.code(), Some(1), "{extra:?}: {}", text(&out));
        let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(json["error"]["kind"], "untrusted-key", "{json}");
        let message = json["error"]["message"].as_str().unwrap();
        assert!(message.contains(&key.id), "{message}");
        let hint = json["error"]["hint"].as_str().unwrap();
        assert!(
            hint.contains("--trusted-key") && hint.contains("uninstall"),
            "{hint}"
        );
    }
    assert_eq!(s.installed_version(), "1.0.0");
    assert_eq!(files_under(&s.home.root().join("demo-skill")), before);

    // Once uninstalled, the unsigned source is the user's choice.
    let mut c = s.cmd();
    c.args(["uninstall", "demo-skill", "--dir"])
        .arg(s.home.root());
    assert!(c.output().unwrap().status.success());
    let out = s.install(&index, &[]);
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(s.installed_version(), "9.0.0");
    assert!(s.lock()["skills"]["demo-skill"]["key"].is_null());
}

#[test]
fn a_skill_installed_without_a_key_updates_as_before() {
    let s = Signed::new();
    assert!(s.pack(None, None).status.success());
    let index = s.serve(&[]);
    assert!(s.install(&index, &[]).status.success());
    s.set_version("2.0.0");
    assert!(s.pack(None, None).status.success());
    s.serve(&[]);
    let out = s.update(&[]);
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(s.installed_version(), "2.0.0");
    assert_eq!(s.server.hits("/dist/index.json.minisig"), 0);
}

#[test]
fn a_url_from_a_signed_release_installs_against_its_sha256sums() {
    let s = Signed::new();
    let key = s.key_new("keys", None);
    assert!(s.pack(Some(&key.secret), None).status.success());
    s.serve(&[]);
    let url = s.server.url("/dist/demo-skill-1.0.0.zip");
    // No --sha256 and no --yes: the signed SHA256SUMS vouches for the archive.
    let out = s.install_url(&url, &[&key.public]);
    assert!(out.status.success(), "{}", text(&out));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["installed"][0]["signed"], true);
    assert_eq!(json["installed"][0]["key_id"], key.id.as_str());
    let entry = &s.lock()["skills"]["demo-skill"];
    assert_eq!(entry["key"], key.public.as_str());
    let zip = s.read("demo-skill-1.0.0.zip");
    assert_eq!(
        entry["archive_sha256"].as_str(),
        Some(crate::net::sha256_hex(&zip).as_str()),
        "{entry}"
    );
}

#[test]
fn a_url_whose_release_checksums_are_not_vouched_for_is_refused() {
    let s = Signed::new();
    let key = s.key_new("keys", None);
    let stranger = s.key_new("stranger", None);
    assert!(s.pack(Some(&key.secret), None).status.success());
    let url = s.server.url("/dist/demo-skill-1.0.0.zip");
    let sums = String::from_utf8(s.read("SHA256SUMS")).unwrap();
    let zip = s.read("demo-skill-1.0.0.zip");

    // Signed by a key that is not trusted.
    s.serve(&[]);
    let out = s.install_url(&url, &[&stranger.public]);
    s.refused(
        &out,
        "untrusted-key",
        &format!("signed by key ID {}, which is not trusted", key.id),
    );
    // The list changed after signing, to vouch for another archive.
    let forged = sums.replace(
        &crate::net::sha256_hex(&zip),
        &crate::net::sha256_hex(b"another archive"),
    );
    s.serve(&[("SHA256SUMS", Some(forged.into_bytes()))]);
    let out = s.install_url(&url, &[&key.public]);
    s.refused(&out, "signature-mismatch", "signature does not match");
    // The archive replaced, the signed list intact.
    let other = crate::net::skill_zip("demo-skill", "1.0.0");
    s.serve(&[
        ("SHA256SUMS", Some(sums.into_bytes())),
        ("demo-skill-1.0.0.zip", Some(other)),
    ]);
    let out = s.install_url(&url, &[&key.public]);
    s.refused(&out, "archive-digest", "digest");
    // No signature, then no SHA256SUMS at all.
    s.serve(&[("SHA256SUMS.minisig", None)]);
    s.server
        .route("/dist/SHA256SUMS.minisig", vec![Reply::Status(404)]);
    let out = s.install_url(&url, &[&key.public]);
    s.refused(&out, "no-signature", "has no signature");
    s.server.route("/dist/SHA256SUMS", vec![Reply::Status(404)]);
    let out = s.install_url(&url, &[&key.public]);
    s.refused(&out, "no-checksums", "must hold a signed SHA256SUMS");
    assert_eq!(
        s.server.hits("/dist/demo-skill-1.0.0.zip"),
        1,
        "only the replaced archive, whose signed digest was known, was downloaded"
    );
}

#[test]
fn sync_requires_a_signature_by_the_key_locked_for_the_source() {
    let s = Signed::new();
    let key = s.key_new("keys", None);
    assert!(s.pack(Some(&key.secret), None).status.success());
    s.serve(&[]);
    let url = s.server.url("/dist/demo-skill-1.0.0.zip");
    let proj = s.project("proj");
    let run = |args: &[&str]| s.run_in(&proj, args);
    let out = run(&[
        "install",
        "--scope",
        "project",
        &url,
        "--no-companions",
        "--trusted-key",
        &key.public,
    ]);
    assert!(out.status.success(), "{}", text(&out));
    let lock = std::fs::read_to_string(proj.join("skillpack.lock")).unwrap();
    assert!(
        lock.contains(&format!("key = \"{}\"", key.public)),
        "{lock}"
    );

    // On a fresh machine, the release's signature removed: refused, nothing installed,
    // although nobody passed --trusted-key.
    std::fs::remove_dir_all(proj.join(".claude")).unwrap();
    std::fs::remove_dir_all(s.home.cache.path()).unwrap();
    s.serve(&[("SHA256SUMS.minisig", None)]);
    s.server
        .route("/dist/SHA256SUMS.minisig", vec![Reply::Status(404)]);
    let out = run(&["sync"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(text(&out).contains("signature"), "{}", text(&out));
    assert!(!proj.join(".claude/skills/demo-skill").exists());
    // Signed again by that key: restored.
    s.serve(&[]);
    let out = run(&["sync"]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(proj.join(".claude/skills/demo-skill/SKILL.md").is_file());
}

#[test]
fn sync_restores_a_locked_index_skill_offline_from_the_index_saved_before() {
    let s = Signed::new();
    let key = s.key_new("keys", None);
    assert!(s.pack(Some(&key.secret), None).status.success());
    // A server of this test's own, stopped below.
    let srv = Server::start();
    for file in std::fs::read_dir(s.dist()).unwrap() {
        let name = file.unwrap().file_name().to_string_lossy().into_owned();
        srv.route(&format!("/dist/{name}"), vec![Reply::Body(s.read(&name))]);
    }
    let index = srv.url("/dist/index.json");
    let proj = s.project("proj");
    let run = |args: &[&str]| s.run_in(&proj, args);
    s.install_in_project(&proj, &index, Some(&key.public));
    drop(srv);
    std::fs::remove_dir_all(proj.join(".claude")).unwrap();

    // Offline: the index saved at install (its signature checked again) and the cached
    // archive restore the locked skill, with a warning saying so.
    let out = run(&["sync"]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("used the copy saved"), "{}", text(&out));
    assert!(proj.join(".claude/skills/demo-skill/SKILL.md").is_file());

    // A saved copy changed since is refused as a fetched one would be.
    let docs = s.home.cache.path().join("docs");
    for f in std::fs::read_dir(&docs).unwrap() {
        let path = f.unwrap().path();
        if path.to_string_lossy().ends_with(".json") {
            let text = std::fs::read_to_string(&path).unwrap();
            std::fs::write(&path, text.replace("A skill for", "A tampered skill for")).unwrap();
        }
    }
    std::fs::remove_dir_all(proj.join(".claude")).unwrap();
    let out = run(&["sync"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(text(&out).contains("signature"), "{}", text(&out));
    assert!(!proj.join(".claude/skills/demo-skill").exists());
}

impl Signed {
    /// A project `proj` (a `.git` folder) in the work folder, and a runner of skillpack there.
    fn project(&self, name: &str) -> PathBuf {
        let proj = self.work().join(name);
        std::fs::create_dir_all(proj.join(".git")).unwrap();
        proj
    }

    fn run_in(&self, proj: &Path, args: &[&str]) -> Output {
        crate::net::skillpack(self.work(), self.home.cache.path(), proj)
            .args(args)
            .output()
            .unwrap()
    }

    /// `install demo-skill --index INDEX --scope project` in `proj`, trusting `key` when
    /// given; it must succeed.
    fn install_in_project(&self, proj: &Path, index: &str, key: Option<&str>) {
        let mut args = vec![
            "install",
            "demo-skill",
            "--index",
            index,
            "--scope",
            "project",
            "--no-companions",
        ];
        if let Some(k) = key {
            args.extend(["--trusted-key", k]);
        }
        let out = self.run_in(proj, &args);
        assert!(out.status.success(), "{}", text(&out));
    }

    /// Asserts that both of `proj`'s records name `key` as the one that verified the demo.
    fn assert_recorded_key(proj: &Path, key: &str) {
        let lock = std::fs::read_to_string(proj.join("skillpack.lock")).unwrap();
        assert!(lock.contains(&format!("key = \"{key}\"")), "{lock}");
        let record: serde_json::Value = serde_json::from_slice(
            &std::fs::read(proj.join(".claude/skills/.skillpack/lock.json")).unwrap(),
        )
        .unwrap();
        assert_eq!(record["skills"]["demo-skill"]["key"], key);
    }
}

#[test]
fn update_records_a_new_key_for_the_same_version_and_sync_names_that_command() {
    let s = Signed::new();
    let old = s.key_new("old", None);
    let new = s.key_new("new", None);
    assert!(s.pack(Some(&old.secret), None).status.success());
    let index = s.serve(&[]);
    let proj = s.project("proj");
    s.install_in_project(&proj, &index, Some(&old.public));
    // A clone of the project: its lock and nothing installed.
    let clone = s.project("clone");
    std::fs::copy(proj.join("skillpack.lock"), clone.join("skillpack.lock")).unwrap();

    // The same index, re-signed by the new key.
    assert!(s.pack(Some(&new.secret), None).status.success());
    s.serve(&[]);
    let out = s.run_in(&clone, &["sync", "--trusted-key", &new.public]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let said = text(&out);
    assert!(
        said.contains(&format!(
            "the source is signed by key ID {} instead",
            new.id
        )),
        "{said}"
    );
    assert!(
        said.contains(&format!(
            "skillpack update demo-skill --scope project --trusted-key {}",
            new.public
        )),
        "{said}"
    );

    // In the project, update with the new key records it in both locks.
    let out = s.run_in(
        &proj,
        &["update", "--scope", "project", "--trusted-key", &new.public],
    );
    assert!(out.status.success(), "{}", text(&out));
    let said = text(&out);
    assert!(
        said.contains(&format!(
            "demo-skill: now trusted by key ID {} (was key ID {})",
            new.id, old.id
        )) && said.contains("demo-skill 1.0.0 is up to date"),
        "{said}"
    );
    Signed::assert_recorded_key(&proj, &new.public);
    let out = s.run_in(&proj, &["sync", "--check"]);
    assert!(out.status.success(), "{}", text(&out));

    // The command the hint names works in the clone, and sync then restores it.
    let out = s.run_in(
        &clone,
        &[
            "update",
            "demo-skill",
            "--scope",
            "project",
            "--trusted-key",
            &new.public,
        ],
    );
    assert!(out.status.success(), "{}", text(&out));
    let out = s.run_in(&clone, &["sync"]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(clone.join(".claude/skills/demo-skill/SKILL.md").is_file());
}

#[test]
fn update_in_a_skills_folder_records_a_new_key_for_the_same_version() {
    let s = Signed::new();
    let old = s.key_new("old", None);
    let new = s.key_new("new", None);
    assert!(s.pack(Some(&old.secret), None).status.success());
    let index = s.serve(&[]);
    assert!(s.install(&index, &[&old.public]).status.success());
    assert!(s.pack(Some(&new.secret), None).status.success());
    s.serve(&[]);
    // Trusted in general only: the recorded key stays.
    let mut c = s.cmd();
    c.args(["update", "--dir"])
        .arg(s.home.root())
        .env("SKILLPACK_TRUSTED_KEYS", &new.public);
    assert_eq!(c.output().unwrap().status.code(), Some(1));
    assert_eq!(s.lock()["skills"]["demo-skill"]["key"], old.public.as_str());
    let out = s.update(&[&new.public]);
    assert!(out.status.success(), "{}", text(&out));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["skills"][0]["action"], "up-to-date", "{json}");
    assert_eq!(json["skills"][0]["key_changed"], true, "{json}");
    assert_eq!(s.lock()["skills"]["demo-skill"]["key"], new.public.as_str());
    // From now on the new key is required, without naming it.
    let out = s.update(&[]);
    assert!(out.status.success(), "{}", text(&out));
}

#[test]
fn sync_with_a_trusted_key_records_it_in_the_project_lock_too() {
    let s = Signed::new();
    let key = s.key_new("keys", None);
    assert!(s.pack(Some(&key.secret), None).status.success());
    let index = s.serve(&[]);
    let proj = s.project("proj");
    // Installed without a key: the lock names none.
    s.install_in_project(&proj, &index, None);
    let lock = std::fs::read_to_string(proj.join("skillpack.lock")).unwrap();
    assert!(!lock.contains("key ="), "{lock}");
    std::fs::remove_dir_all(proj.join(".claude")).unwrap();

    let out = s.run_in(&proj, &["sync", "--trusted-key", &key.public]);
    assert!(out.status.success(), "{}", text(&out));
    Signed::assert_recorded_key(&proj, &key.public);
    let out = s.run_in(&proj, &["sync", "--check"]);
    assert!(out.status.success(), "{}", text(&out));
}

#[test]
fn a_public_key_given_to_sign_and_a_secret_key_given_to_trust_are_named_for_what_they_are() {
    let s = Signed::new();
    let key = s.key_new("keys", None);
    let out = s.pack(Some(&key.public_file), None);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let said = text(&out);
    assert!(
        said.contains("is a minisign public key") && said.contains("not a secret key"),
        "{said}"
    );
    assert!(said.contains("skillpack.key"), "{said}");
    assert!(!said.contains("encrypted in a way"), "{said}");

    assert!(s.pack(Some(&key.secret), None).status.success());
    let index = s.serve(&[]);
    let secret = std::fs::read_to_string(&key.secret).unwrap();
    let out = s.install(&index, &[key.secret.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    let said = text(&out);
    assert!(
        said.contains("is a minisign secret key, not a public key") && said.contains(".pub"),
        "{said}"
    );
    for line in secret.lines() {
        let start: String = line.chars().take(12).collect();
        assert!(
            !said.contains(&start),
            "the secret key file is echoed: {said}"
        );
    }
    assert!(!s.installed());
}

#[test]
fn the_restore_hint_of_a_skill_a_key_verified_names_that_key_and_works() {
    let s = Signed::new();
    let key = s.key_new("keys", None);
    assert!(s.pack(Some(&key.secret), None).status.success());
    let index = s.serve(&[]);
    assert!(s.install(&index, &[&key.public]).status.success());
    std::fs::write(s.home.root().join("demo-skill/SKILL.md"), "edited").unwrap();
    let mut c = s.cmd();
    c.args(["verify", "--dir"]).arg(s.home.root());
    let out = c.output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let said = text(&out);
    let hint = said
        .lines()
        .find_map(|l| l.split_once("skillpack install --force"))
        .map(|(_, rest)| format!("install --force{}", rest.trim_end_matches('`')))
        .unwrap_or_else(|| panic!("{said}"));
    assert!(
        hint.contains(&format!("--trusted-key {}", key.public)),
        "{hint}"
    );
    let words = shlex::split(&hint).unwrap();
    let out = s.cmd().args(&words).output().unwrap();
    assert!(out.status.success(), "{hint}: {}", text(&out));
    let mut c = s.cmd();
    c.args(["verify", "--dir"]).arg(s.home.root());
    assert!(c.output().unwrap().status.success());
    assert_eq!(s.lock()["skills"]["demo-skill"]["key"], key.public.as_str());
}

/// The command in backticks on the `hint:` line of `out`, split as a shell would.
fn hinted_words(out: &Output) -> Vec<String> {
    let err = String::from_utf8_lossy(&out.stderr);
    let line = err
        .lines()
        .find(|l| l.trim_start().starts_with("hint:"))
        .unwrap_or_else(|| panic!("no hint in:\n{err}"));
    let cmd = line.split('`').nth(1).unwrap_or_else(|| panic!("{line}"));
    let words = shlex::split(cmd).unwrap();
    assert_eq!(words[0], "skillpack", "{line}");
    words
}

#[test]
fn a_suggested_name_keeps_the_trusted_key_and_the_limits() {
    let s = Signed::new();
    let key = s.key_new("keys", None);
    let other = s.key_new("other", None);
    assert!(s.pack(Some(&key.secret), None).status.success());
    let index = s.serve(&[]);
    let proj = s.project("proj");
    let key_file = key.public_file.to_string_lossy().into_owned();
    let out = s.run_in(
        &proj,
        &[
            "install",
            "demo-skil",
            "--index",
            &index,
            "--trusted-key",
            &key_file,
            "--agent",
            "codex,gemini-cli",
            "--scope",
            "project",
            "--max-files",
            "500",
        ],
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let words = hinted_words(&out);
    assert_eq!(words[1..3], ["install", "demo-skill"], "{words:?}");
    assert!(
        words.windows(2).any(|w| w == ["--max-files", "500"]),
        "{words:?}"
    );
    let args: Vec<&str> = words[1..].iter().map(String::as_str).collect();

    // Signed by another key, the index is refused by the suggested command too.
    assert!(s.pack(Some(&other.secret), None).status.success());
    s.serve(&[]);
    let out = s.run_in(&proj, &args);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(text(&out).contains(&other.id), "{}", text(&out));
    assert!(!s.work().join("proj/.agents/skills/demo-skill").exists());

    // Signed by the trusted key, it installs and records that key.
    assert!(s.pack(Some(&key.secret), None).status.success());
    s.serve(&[]);
    let out = s.run_in(&proj, &args);
    assert!(out.status.success(), "{}", text(&out));
    let lock = std::fs::read_to_string(proj.join("skillpack.lock")).unwrap();
    assert!(
        lock.contains(&format!("key = \"{}\"", key.public)),
        "{lock}"
    );
}

#[test]
fn an_index_refused_for_one_skill_is_refused_alike_for_the_next() {
    let s = Signed::new();
    let signer = s.key_new("signer", None);
    let wrong = s.key_new("wrong", None);
    let other = s.work().join("src/other-skill");
    std::fs::create_dir_all(&other).unwrap();
    std::fs::write(
        other.join("SKILL.md"),
        "---\nname: other-skill\ndescription: Another skill for the signature tests.\nmetadata:\n  version: 1.0.0\n---\n# Other\n",
    )
    .unwrap();
    let pack = |key: &Path| {
        let out = s
            .cmd()
            .args([
                "pack",
                "src/demo-skill",
                "src/other-skill",
                "--out",
                "dist",
                "--sign",
            ])
            .arg(key)
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", text(&out));
    };
    pack(&signer.secret);
    let index = s.serve(&[]);
    // Both installed without a key: nothing recorded that the update must keep.
    let out = s
        .cmd()
        .args([
            "install",
            "demo-skill",
            "other-skill",
            "--no-companions",
            "--index",
            &index,
        ])
        .arg("--dir")
        .arg(s.home.root())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out));

    let out = s.update(&[&wrong.public]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let skills = json["skills"].as_array().unwrap();
    assert_eq!(skills.len(), 2, "{json}");
    for skill in skills {
        let error = &skill["error"];
        assert_eq!(skill["action"], "failed", "{json}");
        assert_eq!(error["kind"], "untrusted-key", "{json}");
        let message = error["message"].as_str().unwrap();
        assert!(
            message.contains(&format!("signed by key ID {}", signer.id)),
            "{message}"
        );
        assert!(
            error["hint"].as_str().unwrap().contains("public key"),
            "{json}"
        );
    }
    assert_eq!(skills[0]["error"], skills[1]["error"], "{json}");
    // The index was read once.
    assert_eq!(
        s.server.hits("/dist/index.json"),
        2,
        "one read at install, one at update"
    );
}
