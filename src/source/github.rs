//! GitHub repository archives: where `owner/repo@ref` is downloaded from, and which folder
//! of the archive holds a named skill. Downloading itself is [`super::http`]'s job.

use url::Url;

use super::error::SourceError;
use crate::bundle::{self, ArchiveFile};

/// Where repository archives come from unless `SKILLPACK_GITHUB_URL` names a mirror.
pub(crate) const DEFAULT_BASE: &str = "https://codeload.github.com";

/// The ref downloaded when `owner/repo` names none: the default branch.
pub(crate) const DEFAULT_REF: &str = "HEAD";

/// `configured` (`SKILLPACK_GITHUB_URL`, as the caller read it), else [`DEFAULT_BASE`].
pub(crate) fn base_or_default(configured: Option<String>) -> String {
    configured
        .filter(|v| !v.trim().is_empty())
        .unwrap_or_else(|| DEFAULT_BASE.to_string())
}

/// A full 40-digit hexadecimal commit id (the only kind of ref whose archive cannot change).
pub(crate) fn is_commit(reference: &str) -> bool {
    reference.len() == 40 && reference.bytes().all(|b| b.is_ascii_hexdigit())
}

/// The cache's key parts for `owner/repo` (`github`, owner, name).
pub(crate) fn cache_parts(repo: &str) -> Option<[&str; 3]> {
    split_repo(repo).map(|(owner, name)| ["github", owner, name])
}

/// `owner/repo` split in two, when each part is a plain name (letters, digits, `-`, `_`,
/// `.`; not `.` or `..`) that can sit in a URL path or a file name as it is.
pub(crate) fn split_repo(repo: &str) -> Option<(&str, &str)> {
    repo.split_once('/')
        .filter(|(owner, name)| is_plain_part(owner) && is_plain_part(name))
}

/// A plain owner, repository or folder name: letters, digits, `-`, `_`, `.`; not `.` or
/// `..`.
pub(crate) fn is_plain_part(s: &str) -> bool {
    !s.is_empty()
        && s != "."
        && s != ".."
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
}

/// `{base}/{owner}/{repo}/zip/{ref}`, every part checked so none can climb out of its place.
pub(crate) fn archive_url(base: &str, repo: &str, reference: &str) -> Result<Url, SourceError> {
    let bad = |message: &str| SourceError::BadRepo {
        spec: format!("{repo}@{reference}"),
        message: message.to_string(),
    };
    let (owner, name) = split_repo(repo)
        .ok_or_else(|| bad("expected owner/repo, each of letters, digits, `-`, `_` and `.`"))?;
    let plain = |s: &str| !s.is_empty() && s != "." && s != "..";
    if !reference.split('/').all(plain) || reference.chars().any(|c| c.is_control()) {
        return Err(bad("the ref is not a valid branch, tag or commit name"));
    }
    let mut url = super::url_policy::parse_url(base.trim_end_matches('/'))?;
    let shown = super::url_policy::redact(&url);
    {
        let mut segments = url.path_segments_mut().map_err(|_| SourceError::BadUrl {
            url: shown,
            message: "it cannot be a base URL".into(),
        })?;
        segments.pop_if_empty().push(owner).push(name).push("zip");
        for s in reference.split('/') {
            segments.push(s);
        }
    }
    Ok(url)
}

/// The commit a repository archive says it is: GitHub's archives (made by `git archive`)
/// carry the full commit id as the zip comment. `None` when the comment is not one.
pub(crate) fn archive_commit(file: &ArchiveFile) -> Option<String> {
    let archive = bundle::open_archive(file.reader()).ok()?;
    let comment = std::str::from_utf8(archive.comment()).ok()?.trim();
    is_commit(comment).then(|| comment.to_ascii_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn archive_urls() {
        let u = archive_url("https://codeload.github.com", "o/r", "HEAD").unwrap();
        assert_eq!(u.as_str(), "https://codeload.github.com/o/r/zip/HEAD");
        let u = archive_url("http://127.0.0.1:9/mirror/", "o/r", "feature/x").unwrap();
        assert_eq!(u.as_str(), "http://127.0.0.1:9/mirror/o/r/zip/feature/x");
        assert!(archive_url(DEFAULT_BASE, "o/..", "main").is_err());
        assert!(archive_url(DEFAULT_BASE, "o/r", "../x").is_err());
        assert!(archive_url(DEFAULT_BASE, "o/r", "a?b").is_ok_and(|u| u.query().is_none()));
    }
}
