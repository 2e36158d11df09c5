//! The errors of resolving and fetching, one enum for the source layer.

use std::path::PathBuf;

use crate::bundle::BundleError;

#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    #[error("unknown skill `{name}`: it is not in the catalog{hint}")]
    UnknownSkill {
        name: String,
        hint: String,
        /// A known name close to `name`, when there is one.
        suggestion: Option<String>,
    },

    #[error("no version {version} of `{name}`: {}", if available.is_empty() { "none is known".to_string() } else { format!("known: {}", available.join(", ")) })]
    NoSuchVersion {
        name: String,
        version: String,
        available: Vec<String>,
    },

    #[error("no such file or folder: `{}`", path.display())]
    NotFound { path: PathBuf },

    #[error("cannot use `{url}`: {message}")]
    BadUrl { url: String, message: String },

    #[error("`{spec}` holds several skills ({available}); name one with --skill NAME")]
    ManySkills { spec: String, available: String },

    #[error("no skill `{name}` in `{repo}` (it holds: {available})")]
    SkillNotInRepo {
        name: String,
        repo: String,
        available: String,
    },

    #[error(
        "`{repo}` holds several skills named `{name}`, in {}; name one by its folder path",
        shown_paths(paths)
    )]
    AmbiguousSkill {
        name: String,
        repo: String,
        /// Every folder holding a skill of that name (empty: the root).
        paths: Vec<String>,
    },

    /// A repository URL or shorthand named a folder holding no skill.
    #[error("no skill under `{within}` in {repo}; it holds: {}", if holds.is_empty() { "no skills".to_string() } else { shown_paths(holds) })]
    NothingUnder {
        within: String,
        repo: String,
        /// The folders of the skills it does hold.
        holds: Vec<String>,
    },

    /// A path inside a repository that is not a plain folder path (`..`, `.`).
    #[error("cannot use `{spec}`: `{path}` is not a valid path inside a repository ({message})")]
    BadPath {
        spec: String,
        path: String,
        message: String,
    },

    /// A github.com address that names no repository, folder or file of one.
    #[error(
        "cannot use `{url}`: it is a github.com address, but not a repository, tree or blob URL"
    )]
    NotARepoUrl { url: String },

    #[error("cannot use `{spec}`: {message}")]
    BadRepo { spec: String, message: String },

    #[error("`{spec}` was not found: no such public repository, or no such branch, tag or commit")]
    RepoNotFound { spec: String },

    #[error("cannot fetch `{url}`: `git` is not installed, or not on PATH")]
    GitMissing { url: String },

    #[error("cannot fetch `{reference}` of `{url}` with git: {message}")]
    Git {
        url: String,
        reference: String,
        message: String,
    },

    #[error(
        "refusing `{url}`: only https:// is allowed (plain http:// only for loopback addresses)"
    )]
    Insecure { url: String },

    #[error(
        "refusing `{url}`: a git repository is fetched over https://, ssh or from a local path \
         (plain http:// and git:// only for loopback addresses)"
    )]
    InsecureGit { url: String },

    #[error("cannot set up the HTTPS client: {message}")]
    Client { message: String },

    #[error("cannot download `{url}`: {reason}")]
    Network { url: String, reason: String },

    /// The host could not be reached at all (no address, connection refused): not retried,
    /// and nothing more is asked of that host in the same run.
    #[error("cannot reach {host}: {reason}")]
    Unreachable { host: String, reason: String },

    #[error("cannot download `{url}`: {reason}")]
    Redirect { url: String, reason: String },

    #[error("cannot download `{url}`: the secure connection failed ({reason})")]
    Tls { url: String, reason: String },

    #[error("cannot download `{url}`: the server answered {status} {reason}")]
    Status {
        url: String,
        status: u16,
        reason: String,
    },

    #[error("the download of `{url}` broke off after {got}{} bytes: {reason}", of_total(.expected))]
    Truncated {
        url: String,
        got: u64,
        expected: Option<u64>,
        reason: String,
    },

    #[error(
        "`{url}` is larger than {limit} bytes (raise the limit with --max-size if you trust it)"
    )]
    TooLarge { url: String, limit: u64 },

    #[error(
        "the download of `{url}` is too slow: {got} bytes in the last {secs} s, under the minimum of {min_rate} bytes per second (lower SKILLPACK_HTTP_MIN_RATE to allow slower transfers)"
    )]
    TooSlow {
        url: String,
        got: u64,
        secs: String,
        min_rate: u64,
    },

    #[error(
        "the download of `{url}` did not finish within {secs} s ({got}{} bytes arrived); raise SKILLPACK_HTTP_DEADLINE to allow longer", of_total(.expected)
    )]
    Deadline {
        url: String,
        got: u64,
        expected: Option<u64>,
        secs: String,
    },

    #[error(
        "`{}` is not a skill folder: it has no SKILL.md at its top, so nothing in it was read", path.display()
    )]
    NotASkillFolder { path: PathBuf },

    /// A folder given as a source with no `SKILL.md` at its top, and none found below it.
    #[error(
        "`{}` is not a skill folder: it has no SKILL.md at its top, {reason}; no file in it was read", path.display()
    )]
    NoSkillInFolder { path: PathBuf, reason: String },

    #[error(
        "the archive downloaded for `{spec}` is of commit {found}, not the commit requested; nothing was installed"
    )]
    WrongCommit { spec: String, found: String },

    #[error("{source} (gave up after {attempts} attempts)")]
    GaveUp {
        attempts: u32,
        source: Box<SourceError>,
    },

    #[error("cannot use the index `{url}`: {message}")]
    Index { url: String, message: String },

    /// Not an error: the index could not be reached, and the copy saved the last time it
    /// was read (signature checked again) was used.
    #[error(
        "the index `{url}` could not be reached ({reason}); used the copy saved the last time it was read"
    )]
    SavedIndex { url: String, reason: String },

    /// An index that must be signed by a trusted key is not.
    #[error("refusing the index `{url}`: {source}")]
    Signature {
        url: String,
        #[source]
        source: crate::sign::SignError,
    },

    /// A release's list of checksums that must be signed by a trusted key is not.
    #[error("refusing `{url}`: {source}")]
    SignedSums {
        url: String,
        #[source]
        source: crate::sign::SignError,
    },

    /// A trusted key was given, but no `SHA256SUMS` is published beside the archive.
    #[error(
        "refusing `{archive}`: with a trusted key, its folder must hold a signed SHA256SUMS, and `{url}` is not there"
    )]
    NoSums { url: String, archive: String },

    #[error("the signed `{url}` does not list `{name}`")]
    NotInSums { url: String, name: String },

    #[error(
        "`{url}`: --sha256 {given} is not the digest its signed SHA256SUMS lists (sha256:{listed})"
    )]
    SumsDisagree {
        url: String,
        given: String,
        listed: String,
    },

    #[error(transparent)]
    Bundle(#[from] BundleError),

    /// An error met once and reported again as it was (an index that could not be used is
    /// read once per run, and each later skill that needs it fails as the first did).
    #[error(transparent)]
    Shared(std::sync::Arc<SourceError>),

    #[error("{action} `{}`: {source}", path.display())]
    Io {
        action: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// Folder paths for messages (`.`: the root).
fn shown_paths(paths: &[String]) -> String {
    paths
        .iter()
        .map(|p| if p.is_empty() { "." } else { p.as_str() })
        .collect::<Vec<_>>()
        .join(", ")
}

fn of_total(expected: &Option<u64>) -> String {
    expected.map(|t| format!(" of {t}")).unwrap_or_default()
}

impl SourceError {
    pub(crate) fn io(
        action: &'static str,
        path: impl Into<PathBuf>,
        source: std::io::Error,
    ) -> Self {
        SourceError::Io {
            action,
            path: path.into(),
            source,
        }
    }

    /// The error at the root of retries, for callers that match on it.
    /// Whether this is the refusal of a signature (or of its absence).
    pub fn is_signature(&self) -> bool {
        matches!(
            self.last_attempt(),
            SourceError::Signature { .. }
                | SourceError::SignedSums { .. }
                | SourceError::NoSums { .. }
                | SourceError::NotInSums { .. }
        )
    }

    /// The server could not be reached or did not answer (as opposed to answering no).
    pub fn is_unreachable(&self) -> bool {
        matches!(
            self.last_attempt(),
            SourceError::Unreachable { .. }
                | SourceError::Network { .. }
                | SourceError::Deadline { .. }
                | SourceError::TooSlow { .. }
                | SourceError::Truncated { .. }
        )
    }

    pub fn last_attempt(&self) -> &SourceError {
        match self {
            SourceError::GaveUp { source, .. } => source.last_attempt(),
            SourceError::Shared(source) => source.last_attempt(),
            other => other,
        }
    }
}

impl SourceError {
    /// A stable id for the kind of failure (`--json` consumers match on it, never on text).
    /// Retries report the kind of their last attempt; archive refusals their rule.
    pub fn kind(&self) -> &'static str {
        match self {
            SourceError::UnknownSkill { .. } => "unknown-skill",
            SourceError::NotFound { .. } => "not-found",
            SourceError::BadUrl { .. } => "bad-url",
            SourceError::ManySkills { .. }
            | SourceError::SkillNotInRepo { .. }
            | SourceError::AmbiguousSkill { .. }
            | SourceError::NothingUnder { .. } => "skill-not-found",
            SourceError::BadPath { .. } => "bad-path",
            SourceError::SavedIndex { .. } => "saved-index",
            SourceError::NotARepoUrl { .. } => "bad-url",
            SourceError::BadRepo { .. } => "bad-repo",
            SourceError::RepoNotFound { .. } => "repo-not-found",
            SourceError::GitMissing { .. } => "git-not-found",
            SourceError::NoSuchVersion { .. } => "no-such-version",
            SourceError::Git { .. } => "git-failed",
            SourceError::Insecure { .. } | SourceError::InsecureGit { .. } => "insecure-url",
            SourceError::Client { .. } => "client",
            SourceError::Network { .. } | SourceError::Status { .. } => "network",
            SourceError::Unreachable { .. } => "unreachable",
            SourceError::Redirect { .. } => "redirect",
            SourceError::Tls { .. } => "tls",
            SourceError::Truncated { .. } => "truncated",
            SourceError::TooLarge { .. } => "too-large",
            SourceError::TooSlow { .. } => "too-slow",
            SourceError::Deadline { .. } => "deadline",
            SourceError::NotASkillFolder { .. } | SourceError::NoSkillInFolder { .. } => {
                "not-a-skill-folder"
            }
            SourceError::WrongCommit { .. } => "wrong-commit",
            SourceError::GaveUp { source, .. } => source.kind(),
            SourceError::Shared(source) => source.kind(),
            SourceError::Index { .. } => "index",
            SourceError::Signature { source, .. } | SourceError::SignedSums { source, .. } => {
                source.kind()
            }
            SourceError::NoSums { .. } => "no-checksums",
            SourceError::NotInSums { .. } => "not-in-checksums",
            SourceError::SumsDisagree { .. } => "archive-digest",
            SourceError::Bundle(b) => b.kind(),
            SourceError::Io { .. } => "io",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_report_the_kind_of_their_last_attempt() {
        let last = SourceError::Truncated {
            url: "https://x.test/a.zip".into(),
            got: 1,
            expected: Some(2),
            reason: "reset".into(),
        };
        let e = SourceError::GaveUp {
            attempts: 4,
            source: Box::new(SourceError::GaveUp {
                attempts: 1,
                source: Box::new(last),
            }),
        };
        assert_eq!(e.kind(), "truncated");
        assert_eq!(
            SourceError::NotASkillFolder { path: "/h".into() }.kind(),
            "not-a-skill-folder"
        );
    }
}
