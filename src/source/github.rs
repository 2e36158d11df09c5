//! GitHub repository archives: where `owner/repo@ref` is downloaded from, and which folder
//! of the archive holds a named skill. Downloading itself is [`super::http`]'s job.

use url::Url;

use super::error::SourceError;
use crate::bundle::{self, ArchiveFile};

/// Where repository archives come from unless `SKILLPACK_GITHUB_URL` names a mirror.
pub const DEFAULT_BASE: &str = "https://codeload.github.com";

/// The ref downloaded when `owner/repo` names none: the default branch.
pub const DEFAULT_REF: &str = "HEAD";

/// `configured` (`SKILLPACK_GITHUB_URL`, as the caller read it), else [`DEFAULT_BASE`].
pub fn base_or_default(configured: Option<String>) -> String {
    configured
        .filter(|v| !v.trim().is_empty())
        .unwrap_or_else(|| DEFAULT_BASE.to_string())
}

/// A full 40-digit hexadecimal commit id (the only kind of ref whose archive cannot change).
pub fn is_commit(reference: &str) -> bool {
    reference.len() == 40 && reference.bytes().all(|b| b.is_ascii_hexdigit())
}

/// The cache's key parts for `owner/repo` (`github`, owner, name).
pub fn cache_parts(repo: &str) -> Option<[&str; 3]> {
    split_repo(repo).map(|(owner, name)| ["github", owner, name])
}

/// `owner/repo` split in two, when each part is a plain name (letters, digits, `-`, `_`,
/// `.`; not `.` or `..`) that can sit in a URL path or a file name as it is.
pub fn split_repo(repo: &str) -> Option<(&str, &str)> {
    let part = |s: &str| {
        !s.is_empty()
            && s != "."
            && s != ".."
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
    };
    repo.split_once('/')
        .filter(|(owner, name)| part(owner) && part(name))
}

/// `{base}/{owner}/{repo}/zip/{ref}`, every part checked so none can climb out of its place.
pub fn archive_url(base: &str, repo: &str, reference: &str) -> Result<Url, SourceError> {
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

/// The skill folders of a repository archive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listing {
    /// Folders holding a `SKILL.md`, relative to the archive's single top folder (empty
    /// for the repository root), sorted.
    pub skills: Vec<String>,
}

/// Lists the skill folders of the repository archive `file`.
pub fn list(file: &ArchiveFile) -> Result<Listing, SourceError> {
    let archive = bundle::open_archive(file.reader())?;
    let mut skills: Vec<String> = archive
        .file_names()
        .filter_map(|n| {
            let n = n.ok()?;
            let (_top, rest) = n.split_once('/')?;
            let dir = rest.strip_suffix("SKILL.md")?;
            (dir.is_empty() || dir.ends_with('/')).then(|| dir.trim_end_matches('/').to_string())
        })
        .collect();
    skills.sort();
    skills.dedup();
    Ok(Listing { skills })
}

/// The commit a repository archive says it is: GitHub's archives (made by `git archive`)
/// carry the full commit id as the zip comment. `None` when the comment is not one.
pub fn archive_commit(file: &ArchiveFile) -> Option<String> {
    let archive = bundle::open_archive(file.reader()).ok()?;
    let comment = std::str::from_utf8(archive.comment()).ok()?.trim();
    is_commit(comment).then(|| comment.to_ascii_lowercase())
}

/// Where repositories usually keep skills, most common first.
const USUAL_PARENTS: &[&str] = &[
    "skills/",
    "",
    ".claude/skills/",
    ".agents/skills/",
    "skill/",
];

impl Listing {
    /// The folder of the skill called `name`: one of the usual places (`skills/NAME`,
    /// `NAME`, `.claude/skills/NAME`, …), an exact folder path, or else the only folder
    /// named `NAME` anywhere.
    pub fn find(&self, name: &str, repo: &str) -> Result<String, SourceError> {
        let name = name.trim_matches('/');
        let has = |p: &str| self.skills.iter().any(|s| s == p);
        if let Some(p) = USUAL_PARENTS
            .iter()
            .map(|parent| format!("{parent}{name}"))
            .find(|p| has(p))
        {
            return Ok(p);
        }
        let named: Vec<&String> = self
            .skills
            .iter()
            .filter(|s| s.rsplit('/').next() == Some(name))
            .collect();
        match named[..] {
            [one] => Ok(one.clone()),
            [] => Err(SourceError::SkillNotInRepo {
                name: name.to_string(),
                repo: repo.to_string(),
                available: self.names(),
            }),
            _ => Err(SourceError::AmbiguousSkill {
                name: name.to_string(),
                repo: repo.to_string(),
                paths: named
                    .iter()
                    .map(|s| s.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
            }),
        }
    }

    /// The skills' folder names, for messages.
    pub fn names(&self) -> String {
        let names: std::collections::BTreeSet<&str> = self
            .skills
            .iter()
            .filter_map(|s| s.rsplit('/').next())
            .filter(|s| !s.is_empty())
            .collect();
        if names.is_empty() {
            "no skills".into()
        } else {
            names.into_iter().collect::<Vec<_>>().join(", ")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn listing(paths: &[&str]) -> Listing {
        Listing {
            skills: paths.iter().map(|s| s.to_string()).collect(),
        }
    }

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

    #[test]
    fn finds_skills_in_the_usual_places() {
        let l = listing(&["", "a", "docs/deep/c", "skills/a", ".claude/skills/b"]);
        assert_eq!(l.find("a", "o/r").unwrap(), "skills/a");
        assert_eq!(l.find("b", "o/r").unwrap(), ".claude/skills/b");
        assert_eq!(l.find("c", "o/r").unwrap(), "docs/deep/c");
        assert_eq!(l.find("docs/deep/c", "o/r").unwrap(), "docs/deep/c");
        let e = l.find("z", "o/r").unwrap_err().to_string();
        assert!(e.contains("a, b, c"), "{e}");
        let two = listing(&["x/d", "y/d"]);
        assert!(two.find("d", "o/r").is_err());
    }
}
