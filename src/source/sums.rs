//! Release checksums: the `SHA256SUMS` a release publishes beside its archives, signed by a
//! trusted key (`SHA256SUMS.minisig`), vouches for an archive's digest before the archive
//! is downloaded (DESIGN section 8a).

use url::Url;

use super::error::SourceError;
use super::http::{Http, Progress};
use super::index::{read_optional, read_signature};
use super::url_policy;
use crate::sign::{SIG_SUFFIX, TrustedKey};

/// The name of a release's list of checksums, in the `sha256sum` text format.
pub(crate) const SUMS_NAME: &str = "SHA256SUMS";

/// A list of checksums is small; anything larger is not one.
const MAX_SUMS_SIZE: u64 = 1024 * 1024;

/// The digest the signed `SHA256SUMS` beside `archive` lists for it, and the key that
/// signed the list.
pub(super) fn signed_digest(
    http: &Http,
    progress: &dyn Progress,
    trusted_keys: &[TrustedKey],
    archive: &Url,
) -> Result<(String, TrustedKey), SourceError> {
    let name = file_name(archive).ok_or_else(|| SourceError::BadUrl {
        url: url_policy::redact(archive),
        message: "it names no file".into(),
    })?;
    let join = |file: &str| {
        archive.join(file).map_err(|e| SourceError::BadUrl {
            url: url_policy::redact(archive),
            message: e.to_string(),
        })
    };
    let sums_at = join(SUMS_NAME)?;
    let sig_at = join(&format!("{SUMS_NAME}{SIG_SUFFIX}"))?;
    let shown = url_policy::redact(&sums_at);
    let sums = read_optional(http, &sums_at, MAX_SUMS_SIZE, progress)?.ok_or_else(|| {
        SourceError::NoSums {
            url: shown.clone(),
            archive: url_policy::redact(archive),
        }
    })?;
    let signature = read_signature(http, &sig_at, SUMS_NAME, progress).map_err(|e| match e {
        Ok(e) => e,
        Err(source) => SourceError::SignedSums {
            url: shown.clone(),
            source,
        },
    })?;
    let key = crate::sign::verify(trusted_keys, SUMS_NAME, &sums, signature.as_deref()).map_err(
        |source| SourceError::SignedSums {
            url: shown.clone(),
            source,
        },
    )?;
    let digest = listed(&sums, &name).ok_or(SourceError::NotInSums { url: shown, name })?;
    Ok((digest, key.clone()))
}

/// The last path segment of `url`, percent-decoded.
fn file_name(url: &Url) -> Option<String> {
    let last = url.path_segments()?.next_back()?;
    let name = percent_encoding::percent_decode_str(last)
        .decode_utf8()
        .ok()?
        .into_owned();
    (!name.is_empty()).then_some(name)
}

/// The digest `sums` (lines `<64 hex digits>  NAME`, or ` *NAME` for binary mode) lists for
/// `name`, in lowercase.
fn listed(sums: &[u8], name: &str) -> Option<String> {
    let text = std::str::from_utf8(sums).ok()?;
    text.lines().find_map(|line| {
        let (hex, rest) = line.split_once(' ')?;
        let file = rest.strip_prefix(' ').or_else(|| rest.strip_prefix('*'))?;
        let ok = hex.len() == 64 && hex.bytes().all(|b| b.is_ascii_hexdigit());
        (ok && file == name).then(|| hex.to_ascii_lowercase())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_line_of_a_file_in_text_or_binary_mode() {
        let a = "a".repeat(64);
        let b = "B".repeat(64);
        let sums = format!("{a}  one.zip\n{b} *two.zip\nnot a line\n");
        assert_eq!(listed(sums.as_bytes(), "one.zip"), Some(a));
        assert_eq!(listed(sums.as_bytes(), "two.zip"), Some("b".repeat(64)));
        assert_eq!(listed(sums.as_bytes(), "three.zip"), None);
        assert_eq!(listed(b"abc  one.zip\n", "one.zip"), None);
    }

    #[test]
    fn the_file_name_is_the_last_segment_decoded() {
        let url = Url::parse("https://x.test/r/download/v1/my%20skill.zip?x=1").unwrap();
        assert_eq!(file_name(&url).as_deref(), Some("my skill.zip"));
        assert_eq!(file_name(&Url::parse("https://x.test/r/").unwrap()), None);
    }
}
