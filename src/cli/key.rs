//! `skillpack key new`: a minisign key pair for signing packs; and the password and
//! key-loading steps that `pack --sign` shares with it.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, Subcommand};
use serde_json::json;

use skillpack::sign::{self, SecretKeyFile, SigningKey};

use super::{CmdResult, Failure, Printer, process_env};

/// The environment variable that holds the password of a signing key, for CI.
pub(crate) const PASSWORD_VAR: &str = "SKILLPACK_SIGNING_PASSWORD";

pub(crate) const SECRET_NAME: &str = "skillpack.key";
pub(crate) const PUBLIC_NAME: &str = "skillpack.pub";

pub(crate) const LONG_ABOUT: &str = "\
Make a minisign key pair for signing packs: skillpack.key (the secret key, encrypted with
a password) and skillpack.pub (the public key, to publish). Both are in the minisign
tool's file formats: `minisign -S -s skillpack.key` and `minisign -V -p skillpack.pub`
work with them.

The password is asked for on the terminal, or read from SKILLPACK_SIGNING_PASSWORD.
--unencrypted (or an empty password) stores the secret key without one, with a warning:
anyone who can read the file can then sign as you.";

pub(crate) const EXAMPLES: &str = "\
Examples:
  skillpack key new --out ~/.config/skillpack       prompts for a password
  skillpack pack skills/* --out dist --sign ~/.config/skillpack/skillpack.key
  skillpack install NAME --index URL --trusted-key RWQ…    users check the signature";

#[derive(Debug, Args)]
pub struct KeyArgs {
    #[command(subcommand)]
    pub command: KeyCommand,
}

#[derive(Debug, Subcommand)]
pub enum KeyCommand {
    /// Make a key pair: skillpack.key (secret) and skillpack.pub (public)
    New(KeyNewArgs),
}

#[derive(Debug, Args)]
pub struct KeyNewArgs {
    /// Folder to write skillpack.key and skillpack.pub into (created if missing)
    #[arg(long, value_name = "DIR", default_value = ".")]
    pub out: PathBuf,

    /// Store the secret key without a password (not recommended)
    #[arg(long)]
    pub unencrypted: bool,

    /// Replace an existing key pair in DIR
    #[arg(long)]
    pub force: bool,
}

pub(crate) fn run(p: &Printer, args: KeyArgs) -> CmdResult {
    match args.command {
        KeyCommand::New(a) => new(p, a),
    }
}

fn new(p: &Printer, args: KeyNewArgs) -> CmdResult {
    let env = process_env()?;
    let out = env.cwd.join(&args.out);
    let secret_path = out.join(SECRET_NAME);
    if secret_path.exists() && !args.force {
        return Err(Failure::new(format!(
            "`{}` already exists; a new key would replace it",
            secret_path.display()
        ))
        .hint("choose another --out folder, or pass --force to replace the key"));
    }
    let password = if args.unencrypted {
        None
    } else {
        match super::settings::get().var(PASSWORD_VAR) {
            Some(pw) => Some(pw),
            None => Some(prompt_new_password()?),
        }
    }
    .filter(|pw| !pw.is_empty());
    if password.is_none() {
        p.warn(format!(
            "the secret key is stored without a password: anyone who can read `{}` can sign as you",
            secret_path.display()
        ));
    }
    let pair = sign::generate(password.as_deref()).map_err(|e| Failure::new(e.to_string()))?;
    std::fs::create_dir_all(&out)
        .map_err(|e| Failure::new(format!("cannot create `{}`: {e}", out.display())))?;
    write_key_file(&out, SECRET_NAME, &pair.secret, 0o600)?;
    write_key_file(&out, PUBLIC_NAME, &pair.public, 0o644)?;
    let public_path = out.join(PUBLIC_NAME);
    if p.json {
        p.json_out(&json!({
            "version": skillpack::SCHEMA_VERSION,
            "key_id": pair.id.to_string(),
            "public_key": pair.public_base64,
            "secret_key_file": secret_path,
            "public_key_file": public_path,
            "encrypted": password.is_some(),
        }));
        return Ok(ExitCode::SUCCESS);
    }
    p.status(
        "Created",
        format!(
            "key ID {}: {} (secret: keep it private) and {}",
            pair.id,
            secret_path.display(),
            public_path.display()
        ),
    );
    p.out(&pair.public_base64);
    Ok(ExitCode::SUCCESS)
}

fn write_key_file(dir: &Path, name: &str, text: &str, mode: u32) -> Result<(), Failure> {
    let cannot = |e: std::io::Error| {
        Failure::new(format!("cannot write `{}`: {e}", dir.join(name).display()))
            .hint("choose a writable --out folder")
    };
    let opened =
        cap_std::fs::Dir::open_ambient_dir(dir, cap_std::ambient_authority()).map_err(cannot)?;
    skillpack::durable::write_atomic(&opened, name, text.as_bytes(), mode).map_err(cannot)
}

fn no_terminal() -> Failure {
    Failure::usage("a password is needed, and there is no terminal to ask for it on")
        .hint(format!("set {PASSWORD_VAR} to the key's password"))
}

fn prompt(text: &str) -> Result<String, Failure> {
    if !std::io::stdin().is_terminal() {
        return Err(no_terminal());
    }
    match super::password::read(text) {
        Ok(Some(password)) => Ok(password),
        Ok(None) => Err(Failure::interrupted(
            "interrupted at the password prompt; nothing was written",
        )),
        Err(e) => Err(Failure::new(format!("cannot read the password: {e}"))),
    }
}

fn prompt_new_password() -> Result<String, Failure> {
    let first = prompt("Password for the new key (empty for none): ")?;
    if first.is_empty() {
        return Ok(first);
    }
    if prompt("Password again: ")? != first {
        return Err(Failure::new("the two passwords differ; no key was made"));
    }
    Ok(first)
}

/// Reads and unlocks the secret key at `path` for `pack --sign`: an encrypted key takes its
/// password from SKILLPACK_SIGNING_PASSWORD, else from a prompt; an unencrypted one is
/// accepted with a warning.
pub(crate) fn load_signing_key(p: &Printer, path: &Path) -> Result<SigningKey, Failure> {
    let cannot = |message: String| {
        Failure::new(format!(
            "cannot use the key `{}`: {message}",
            path.display()
        ))
        .hint("pass a secret key made by `skillpack key new` or `minisign -G`; nothing was written")
    };
    let text = match std::fs::metadata(path) {
        Ok(m) if m.is_file() && m.len() <= sign::MAX_SIG_SIZE => {
            std::fs::read_to_string(path).map_err(|e| cannot(e.to_string()))?
        }
        Ok(_) => return Err(cannot("it is not a key file".into())),
        Err(e) => return Err(cannot(e.to_string())),
    };
    let file = SecretKeyFile::parse(&text).map_err(|e| match e {
        sign::SignError::PublicNotSecret(_) => Failure {
            kind: Some(e.kind().into()),
            ..cannot(e.to_string()).hint(
                "pass the secret key: `skillpack key new` writes it as skillpack.key beside skillpack.pub (minisign -G: minisign.key); nothing was written",
            )
        },
        other => cannot(other.to_string()),
    })?;
    if !file.is_encrypted() {
        p.warn(format!(
            "the key `{}` is not protected by a password",
            path.display()
        ));
        return file.unlock(None).map_err(|e| cannot(e.to_string()));
    }
    let password = match super::settings::get().var(PASSWORD_VAR) {
        Some(pw) => pw,
        None => prompt(&format!("Password for {}: ", path.display()))?,
    };
    file.unlock(Some(&password)).map_err(|e| {
        let kind = e.kind();
        let failure = cannot(e.to_string());
        let failure = if kind == "wrong-password" {
            failure.hint(format!(
                "check the password (or {PASSWORD_VAR}); nothing was written"
            ))
        } else {
            failure
        };
        Failure {
            kind: Some(kind.into()),
            ..failure
        }
    })
}
