//! Signatures: minisign key pairs, signing release files, and checking a file against the
//! keys a user trusts (DESIGN section 8a). Keys and signatures are in the `minisign` tool's
//! own file formats, so either side of an exchange can be the real `minisign`.
//!
//! Signing uses the `minisign` crate; verifying uses `minisign-verify`. This module reads
//! no environment and asks for no password: callers pass the password in.

use std::fmt;
use std::io::Cursor;
use std::path::Path;
use std::time::SystemTime;

use ct_codecs::{Base64, Decoder};

/// The suffix of a signature file: `index.json` is signed by `index.json.minisig`.
pub const SIG_SUFFIX: &str = ".minisig";

/// Largest signature or key file read: a real one is a few hundred bytes.
pub const MAX_SIG_SIZE: u64 = 64 * 1024;

/// The 8-byte identifier minisign gives every key, shown as 16 upper-case hex digits as
/// `minisign` itself shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct KeyId([u8; 8]);

impl fmt::Display for KeyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:016X}", u64::from_le_bytes(self.0))
    }
}

/// What went wrong with a key or a signature; [`SignError::kind`] is a stable id.
#[derive(Debug, thiserror::Error)]
pub enum SignError {
    #[error("`{0}` is not a minisign public key (expected `RW…` or a minisign .pub file)")]
    BadPublicKey(String),
    #[error("not a minisign secret key: {0}")]
    BadSecretKey(String),
    /// A public key where a secret key was wanted (signing).
    #[error(
        "it is a minisign public key (key ID {0}), not a secret key: signing needs the secret key"
    )]
    PublicNotSecret(KeyId),
    /// A secret key file where a public key was wanted (trusting).
    #[error(
        "`{0}` is a minisign secret key, not a public key: trust the public key (`RW…`, or its .pub file); never hand the secret key around"
    )]
    SecretNotPublic(String),
    #[error("the password does not unlock this key")]
    WrongPassword,
    #[error("the secret key is encrypted: a password is needed")]
    PasswordNeeded,
    #[error("cannot make a signature: {0}")]
    Sign(String),
    #[error("`{file}` has no signature: `{file}{SIG_SUFFIX}` is missing")]
    NoSignature { file: String },
    #[error("the signature of `{file}` is damaged: {message}")]
    BadSignature { file: String, message: String },
    #[error("`{file}` is signed by key ID {signed_by}, which is not trusted (trusted: {trusted})")]
    Untrusted {
        file: String,
        signed_by: KeyId,
        trusted: String,
    },
    #[error(
        "`{file}`: the signature does not match the file and its trusted comment (key ID {key}){other}; one of them was changed after it was signed"
    )]
    Mismatch {
        file: String,
        key: KeyId,
        /// ` (it is the signature of `X`)` when the trusted comment names another file.
        other: String,
    },
}

impl SignError {
    /// A stable id for `--json` output and hints.
    pub fn kind(&self) -> &'static str {
        match self {
            SignError::BadPublicKey(_) => "bad-public-key",
            SignError::BadSecretKey(_) => "bad-secret-key",
            SignError::PublicNotSecret(_) => "public-not-secret",
            SignError::SecretNotPublic(_) => "secret-not-public",
            SignError::WrongPassword => "wrong-password",
            SignError::PasswordNeeded => "password-needed",
            SignError::Sign(_) => "sign",
            SignError::NoSignature { .. } => "no-signature",
            SignError::BadSignature { .. } => "bad-signature",
            SignError::Untrusted { .. } => "untrusted-key",
            SignError::Mismatch { .. } => "signature-mismatch",
        }
    }
}

fn decode(text: &str) -> Option<Vec<u8>> {
    Base64::decode_to_vec(text.trim(), None).ok()
}

/// A public key the user trusts.
#[derive(Debug, Clone)]
pub struct TrustedKey {
    id: KeyId,
    base64: String,
    key: Box<minisign_verify::PublicKey>,
}

impl TrustedKey {
    /// A key as `minisign` prints it (`RW…`), or the contents of a minisign `.pub` file
    /// (an untrusted comment line, then the key).
    pub fn parse(text: &str) -> Result<TrustedKey, SignError> {
        let text = text.trim();
        let line = match text.lines().map(str::trim).collect::<Vec<_>>()[..] {
            [one] => one,
            [comment, key] if comment.starts_with("untrusted comment:") => key,
            _ => return Err(SignError::BadPublicKey(crate::text::excerpt(text, 60))),
        };
        let bad = || SignError::BadPublicKey(crate::text::excerpt(line, 60));
        let bytes = decode(line).ok_or_else(bad)?;
        if bytes.len() != 42 || &bytes[..2] != b"Ed" {
            return Err(bad());
        }
        let key = minisign_verify::PublicKey::from_base64(line).map_err(|_| bad())?;
        Ok(TrustedKey {
            id: key_id(&bytes[2..10]),
            base64: line.to_string(),
            key: Box::new(key),
        })
    }

    /// `arg` as a key (`RW…`), else as the path (against `cwd`) of a minisign `.pub` file.
    pub fn from_arg(arg: &str, cwd: &Path) -> Result<TrustedKey, SignError> {
        let arg = arg.trim();
        if let Ok(key) = TrustedKey::parse(arg) {
            return Ok(key);
        }
        let path = cwd.join(arg);
        match read_small(&path) {
            // A secret key file is named, never shown: its text is not echoed back.
            Some(text) if SecretKeyFile::parse(&text).is_ok() => {
                Err(SignError::SecretNotPublic(crate::text::excerpt(arg, 200)))
            }
            Some(text) => TrustedKey::parse(&text)
                .map_err(|_| SignError::BadPublicKey(crate::text::excerpt(arg, 200))),
            None => Err(SignError::BadPublicKey(crate::text::excerpt(arg, 60))),
        }
    }

    pub fn id(&self) -> KeyId {
        self.id
    }

    /// The key as `minisign` prints it: `RW…`.
    pub fn base64(&self) -> &str {
        &self.base64
    }
}

fn key_id(bytes: &[u8]) -> KeyId {
    let mut id = [0u8; 8];
    id.copy_from_slice(bytes);
    KeyId(id)
}

fn read_small(path: &Path) -> Option<String> {
    let meta = std::fs::metadata(path).ok()?;
    if !meta.is_file() || meta.len() > MAX_SIG_SIZE {
        return None;
    }
    std::fs::read_to_string(path).ok()
}

/// A minisign secret key file, read but not yet unlocked.
#[derive(Debug, Clone)]
pub struct SecretKeyFile {
    text: String,
    encrypted: bool,
}

impl SecretKeyFile {
    /// Parses the contents of a minisign secret key file (`minisign -G`, `skillpack key new`).
    pub fn parse(text: &str) -> Result<SecretKeyFile, SignError> {
        let mut lines = text.lines();
        let (Some(comment), Some(key)) = (lines.next(), lines.next()) else {
            return Err(SignError::BadSecretKey(
                "it has fewer than two lines".into(),
            ));
        };
        if !comment.starts_with("untrusted comment:") {
            return Err(SignError::BadSecretKey(
                "it does not begin with `untrusted comment:`".into(),
            ));
        }
        let bytes = decode(key)
            .filter(|b| b.len() >= 6 && &b[..2] == b"Ed")
            .ok_or_else(|| SignError::BadSecretKey("its key line is not a minisign key".into()))?;
        // Algorithm, key ID and Ed25519 public key: 42 bytes, a public key's line.
        if bytes.len() == 42 {
            return Err(SignError::PublicNotSecret(key_id(&bytes[2..10])));
        }
        let encrypted = match &bytes[2..4] {
            b"Sc" => true,
            [0, 0] => false,
            _ => {
                return Err(SignError::BadSecretKey(
                    "it is encrypted in a way minisign does not know".into(),
                ));
            }
        };
        Ok(SecretKeyFile {
            text: text.to_string(),
            encrypted,
        })
    }

    /// Whether a password is needed to use the key.
    pub fn is_encrypted(&self) -> bool {
        self.encrypted
    }

    /// An unencrypted key whose checksum is all zeros, as `minisign -G -W` (0.11) writes
    /// it: read as it is, since there is no checksum to check.
    fn unchecked_unencrypted(&self) -> Option<minisign::SecretKey> {
        let bytes = decode(self.text.lines().nth(1)?)?;
        let (_, checksum) = bytes.split_at(bytes.len().checked_sub(32)?);
        if self.encrypted || checksum.iter().any(|b| *b != 0) {
            return None;
        }
        minisign::SecretKey::from_bytes(&bytes).ok()
    }

    /// Unlocks the key: `password` is required for an encrypted key and ignored otherwise.
    pub fn unlock(&self, password: Option<&str>) -> Result<SigningKey, SignError> {
        let sk_box = minisign::SecretKeyBox::from_string(&self.text)
            .map_err(|e| SignError::BadSecretKey(e.to_string()))?;
        let sk = if self.encrypted {
            let password = password.ok_or(SignError::PasswordNeeded)?;
            sk_box
                .into_secret_key(Some(password.to_string()))
                .map_err(|e| match e.kind() {
                    minisign::ErrorKind::Verify => SignError::WrongPassword,
                    _ => SignError::BadSecretKey(e.to_string()),
                })?
        } else {
            sk_box
                .into_unencrypted_secret_key()
                .or_else(|e| self.unchecked_unencrypted().ok_or(e))
                .map_err(|e| SignError::BadSecretKey(e.to_string()))?
        };
        let pk = minisign::PublicKey::from_secret_key(&sk)
            .map_err(|e| SignError::BadSecretKey(e.to_string()))?;
        Ok(SigningKey { sk, pk })
    }
}

/// An unlocked secret key, ready to sign.
#[derive(Clone)]
pub struct SigningKey {
    sk: minisign::SecretKey,
    pk: minisign::PublicKey,
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SigningKey({})", self.id())
    }
}

impl SigningKey {
    pub fn id(&self) -> KeyId {
        key_id(self.pk.keynum())
    }

    /// The matching public key as `minisign` prints it: `RW…`.
    pub fn public_base64(&self) -> String {
        self.pk.to_base64()
    }

    /// The contents of a `.minisig` file for `bytes`, published as `file_name`. The trusted
    /// comment (covered by the signature) names the file and its size.
    pub fn sign(&self, file_name: &str, bytes: &[u8]) -> Result<String, SignError> {
        let timestamp = SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        let trusted = format!(
            "timestamp:{timestamp}\tfile:{file_name}\tsize:{}",
            bytes.len()
        );
        let untrusted = format!("signature from skillpack secret key {}", self.id());
        let signature = minisign::sign(
            Some(&self.pk),
            &self.sk,
            Cursor::new(bytes),
            Some(&trusted),
            Some(&untrusted),
        )
        .map_err(|e| SignError::Sign(e.to_string()))?;
        Ok(signature.into_string())
    }
}

/// A new key pair, as the contents of its two files.
#[derive(Debug, Clone)]
pub struct NewKeyPair {
    pub id: KeyId,
    /// The secret key file (`skillpack.key`), encrypted unless no password was given.
    pub secret: String,
    /// The public key file (`skillpack.pub`).
    pub public: String,
    /// The public key as `minisign` prints it: `RW…`.
    pub public_base64: String,
}

/// Makes a key pair in minisign's file formats. With a password the secret key is
/// encrypted as `minisign -G` does it; with none it is stored as `minisign -G -W` does.
pub fn generate(password: Option<&str>) -> Result<NewKeyPair, SignError> {
    let err = |e: minisign::PError| SignError::Sign(e.to_string());
    let pair = match password {
        Some(p) => minisign::KeyPair::generate_encrypted_keypair(Some(p.to_string())),
        None => minisign::KeyPair::generate_unencrypted_keypair(),
    }
    .map_err(err)?;
    let id = key_id(pair.pk.keynum());
    let secret = pair
        .sk
        .to_box(Some(&format!("skillpack secret key {id}")))
        .map_err(err)?
        .into_string();
    let public = pair.pk.to_box().map_err(err)?.into_string();
    Ok(NewKeyPair {
        id,
        secret,
        public,
        public_base64: pair.pk.to_base64(),
    })
}

/// Checks that `signature` (the contents of `FILE.minisig`, or `None` when there is none)
/// is a valid signature of `bytes`, published as `file_name`, by one of `trusted`.
/// Returns the key that verified it.
pub fn verify<'k>(
    trusted: &'k [TrustedKey],
    file_name: &str,
    bytes: &[u8],
    signature: Option<&str>,
) -> Result<&'k TrustedKey, SignError> {
    let Some(text) = signature else {
        return Err(SignError::NoSignature {
            file: file_name.to_string(),
        });
    };
    let damaged = |message: &str| SignError::BadSignature {
        file: file_name.to_string(),
        message: message.to_string(),
    };
    let sig = minisign_verify::Signature::decode(text)
        .map_err(|e| damaged(&e.to_string().to_lowercase()))?;
    let signed_by = text
        .lines()
        .nth(1)
        .and_then(decode)
        .filter(|b| b.len() == 74)
        .map(|b| key_id(&b[2..10]))
        .ok_or_else(|| damaged("its key line is not a minisign signature"))?;
    let Some(key) = trusted.iter().find(|k| k.id == signed_by) else {
        return Err(SignError::Untrusted {
            file: file_name.to_string(),
            signed_by,
            trusted: trusted
                .iter()
                .map(|k| k.id.to_string())
                .collect::<Vec<_>>()
                .join(", "),
        });
    };
    // Legacy (not prehashed) signatures are accepted, as `minisign -V` accepts them.
    if key.key.verify(bytes, &sig, true).is_ok() {
        return Ok(key);
    }
    let other = sig
        .trusted_comment()
        .split('\t')
        .find_map(|field| field.strip_prefix("file:"))
        .filter(|named| *named != file_name)
        .map(|named| format!(" (it is the signature of `{}`)", crate::text::escape(named)))
        .unwrap_or_default();
    Err(SignError::Mismatch {
        file: file_name.to_string(),
        key: signed_by,
        other,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pair(password: Option<&str>) -> (SigningKey, TrustedKey) {
        let new = generate(password).unwrap();
        let file = SecretKeyFile::parse(&new.secret).unwrap();
        assert_eq!(file.is_encrypted(), password.is_some());
        let key = file.unlock(password).unwrap();
        let trusted = TrustedKey::parse(&new.public).unwrap();
        assert_eq!(trusted.id(), new.id);
        assert_eq!(TrustedKey::parse(&new.public_base64).unwrap().id(), new.id);
        assert_eq!(key.id(), new.id);
        (key, trusted)
    }

    #[test]
    fn signs_and_verifies_with_the_same_key() {
        let (key, trusted) = pair(None);
        let sig = key.sign("index.json", b"{}").unwrap();
        assert!(sig.contains("file:index.json\tsize:2"));
        let by = verify(
            std::slice::from_ref(&trusted),
            "index.json",
            b"{}",
            Some(&sig),
        )
        .unwrap();
        assert_eq!(by.id(), key.id());
    }

    #[test]
    fn refusals_have_their_kinds() {
        let (key, trusted) = pair(None);
        let (_, stranger) = pair(None);
        let sig = key.sign("index.json", b"{}").unwrap();
        let kind = |keys: &[TrustedKey], bytes: &[u8], sig: Option<&str>| {
            verify(keys, "index.json", bytes, sig).unwrap_err().kind()
        };
        let mine = std::slice::from_ref(&trusted);
        assert_eq!(kind(mine, b"{}", None), "no-signature");
        assert_eq!(kind(mine, b"{ }", Some(&sig)), "signature-mismatch");
        assert_eq!(kind(&[stranger], b"{}", Some(&sig)), "untrusted-key");
        assert_eq!(
            kind(mine, b"{}", Some(&sig[..sig.len() / 2])),
            "bad-signature"
        );
        let edited = sig.replace("size:2", "size:3");
        assert_eq!(kind(mine, b"{}", Some(&edited)), "signature-mismatch");
        let other = key.sign("SHA256SUMS", b"x").unwrap();
        let err = verify(mine, "index.json", b"{}", Some(&other)).unwrap_err();
        assert!(
            err.to_string().contains("signature of `SHA256SUMS`"),
            "{err}"
        );
    }

    #[test]
    fn an_encrypted_key_needs_its_password() {
        let new = generate(Some("right")).unwrap();
        let file = SecretKeyFile::parse(&new.secret).unwrap();
        assert_eq!(file.unlock(None).unwrap_err().kind(), "password-needed");
        assert_eq!(
            file.unlock(Some("wrong")).unwrap_err().kind(),
            "wrong-password"
        );
        assert_eq!(file.unlock(Some("right")).unwrap().id(), new.id);
    }

    #[test]
    fn what_is_not_a_key_is_refused() {
        assert!(TrustedKey::parse("RWQnot-a-key").is_err());
        assert!(SecretKeyFile::parse("hello\nworld\n").is_err());
        assert!(TrustedKey::from_arg("/nonexistent/key.pub", Path::new("/")).is_err());
    }
}
