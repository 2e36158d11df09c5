//! SOURCE arguments, classified (DESIGN section 2): catalog names (optionally pinned to a
//! version), local paths, zip URLs, GitHub repositories as a browser or `git` shows them,
//! and any other git repository.

use std::path::{Path, PathBuf};

use super::error::SourceError;
use super::github::is_plain_part as is_part;

/// A SOURCE argument, classified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Spec {
    /// A name looked up in the catalog (or a remote index); `NAME@VERSION` pins a version.
    Catalog {
        name: String,
        version: Option<String>,
    },
    /// A local folder or `.zip`/`.skill` file.
    Path(PathBuf),
    /// An `https://` (or loopback `http://`) URL of a zip.
    Url(String),
    /// A GitHub repository: `owner/repo[/path][@ref]`, or a URL of it.
    Github {
        repo: String,
        reference: Option<String>,
        /// The folder inside the repository a URL or shorthand pointed at.
        path: Option<String>,
    },
    /// Any other git repository, fetched with the system `git` (`URL[#ref]`).
    Git {
        url: String,
        reference: Option<String>,
        /// The folder inside the repository, when one is meant.
        path: Option<String>,
    },
}

impl Spec {
    /// A catalog name, unpinned.
    pub fn catalog(name: impl Into<String>) -> Spec {
        Spec::Catalog {
            name: name.into(),
            version: None,
        }
    }
}

/// `path` without empty segments, or `None` when nothing is left.
fn folder(segments: &[&str]) -> Option<String> {
    let parts: Vec<&str> = segments.iter().copied().filter(|s| !s.is_empty()).collect();
    (!parts.is_empty()).then(|| parts.join("/"))
}

/// The prefixes of github.com addresses, with and without a scheme.
const GITHUB_PREFIXES: &[&str] = &[
    "https://github.com/",
    "https://www.github.com/",
    "http://github.com/",
    "github.com/",
    "www.github.com/",
];

/// What follows `github.com/` in `arg`, without a query or fragment.
fn github_rest(arg: &str) -> Option<&str> {
    let rest = GITHUB_PREFIXES.iter().find_map(|p| arg.strip_prefix(p))?;
    Some(rest.split(['?', '#']).next().unwrap_or_default())
}

/// For a tree or blob URL whose ref was not found while more path follows it: the
/// shorthand reading the ref as two segments (`…/tree/feature/x/PATH` as
/// `OWNER/REPO/PATH@feature/x`), the way a branch holding `/` is written.
pub fn slash_ref_shorthand(arg: &str) -> Option<String> {
    let segments: Vec<&str> = github_rest(arg)?
        .trim_matches('/')
        .split('/')
        .filter(|s| !s.is_empty())
        .collect();
    let [owner, repo, kind, reference, second, rest @ ..] = &segments[..] else {
        return None;
    };
    let mut rest = rest.to_vec();
    if *kind == "blob" {
        rest.pop()?;
    } else if *kind != "tree" {
        return None;
    }
    let repo = repo.strip_suffix(".git").unwrap_or(repo);
    let path: String = rest.iter().map(|s| format!("/{s}")).collect();
    Some(format!("{owner}/{repo}{path}@{reference}/{second}"))
}

/// `OWNER/REPO[.git]`, then optionally `tree|blob/REF/PATH…`, as GitHub's pages show them.
/// The ref of a tree or blob URL is its first segment: a branch holding `/` is written
/// `OWNER/REPO/PATH@feature/x` instead.
fn github_path(path: &str) -> Option<Spec> {
    let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
    let (owner, repo) = (*segments.first()?, *segments.get(1)?);
    let repo = repo.strip_suffix(".git").unwrap_or(repo);
    if !is_part(owner) || !is_part(repo) {
        return None;
    }
    let repo = format!("{owner}/{repo}");
    match segments.get(2..) {
        None | Some([]) | Some([""]) => Some(Spec::Github {
            repo,
            reference: None,
            path: None,
        }),
        Some([kind, reference, rest @ ..]) if *kind == "tree" || *kind == "blob" => {
            let mut rest = rest.to_vec();
            // A file's URL (`…/blob/REF/PATH/SKILL.md`) means the folder holding it.
            if *kind == "blob" {
                rest.pop();
            }
            Some(Spec::Github {
                repo,
                reference: Some(reference.to_string()),
                path: folder(&rest),
            })
        }
        _ => None,
    }
}

/// `URL#REF` split in two.
fn fragment(url: &str) -> (String, Option<String>) {
    match url.split_once('#') {
        Some((u, r)) if !r.is_empty() => (u.to_string(), Some(r.to_string())),
        Some((u, _)) => (u.to_string(), None),
        None => (url.to_string(), None),
    }
}

/// Classifies a repository URL of `git` syntax (`git@host:path`, `ssh://`, `git://`,
/// `file://`, `git+…`, or any URL ending in `.git`): GitHub's through its archives, the
/// others through `git`.
fn git_url(arg: &str) -> Option<Spec> {
    let (url, reference) = fragment(arg.strip_prefix("git+").unwrap_or(arg));
    let github = url
        .strip_prefix("git@github.com:")
        .or_else(|| url.strip_prefix("ssh://git@github.com/"))
        .or_else(|| {
            url.strip_prefix("https://github.com/")
                .filter(|p| p.ends_with(".git"))
        });
    if let Some(path) = github
        && let Some(Spec::Github { repo, .. }) = github_path(path)
    {
        return Some(Spec::Github {
            repo,
            reference,
            path: None,
        });
    }
    let scp = url.split_once(':').is_some_and(|(user_host, rest)| {
        user_host.contains('@') && !user_host.contains('/') && !rest.starts_with("//")
    });
    let git = scp
        || ["ssh://", "git://", "file://"]
            .iter()
            .any(|p| url.starts_with(p))
        || arg.starts_with("git+")
        || ((url.starts_with("https://") || url.starts_with("http://"))
            && url.trim_end_matches('/').ends_with(".git"));
    git.then_some(Spec::Git {
        url,
        reference,
        path: None,
    })
}

/// Refuses a repository folder path holding `.` or `..` (one that would climb out of
/// the repository, or name a folder two ways).
fn checked(arg: &str, spec: Spec) -> Result<Spec, SourceError> {
    if let Spec::Github {
        path: Some(path), ..
    } = &spec
        && path.split('/').any(|s| s == "." || s == "..")
    {
        return Err(SourceError::BadPath {
            spec: arg.to_string(),
            path: path.clone(),
            message: "`.` and `..` are not folder names; a path cannot leave the repository".into(),
        });
    }
    Ok(spec)
}

/// Whether `rest` (after `github.com/`) is a file GitHub serves for download, a zip: a
/// release asset, a source archive or a raw file.
fn github_download(rest: &str) -> bool {
    let segments: Vec<&str> = rest.split('/').collect();
    matches!(
        segments.get(2..4),
        Some(["releases", "download"]) | Some(["archive", _]) | Some(["raw", _])
    )
}

/// Classifies `arg`: repository URLs (GitHub's as the browser shows them, and any git
/// URL), zip URLs by scheme; paths when they exist or look like paths (`./`, `../`, `/`,
/// `~`, a drive letter, a `.zip` or `.skill` name); `owner/repo[/path][@ref]`; else a
/// catalog name, `NAME@VERSION` pinning a version. A github.com address that is neither a
/// repository, tree or blob URL nor a download (a release asset, an archive) is refused,
/// and so is a repository path holding `..`.
pub fn parse_spec(arg: &str, home: Option<&Path>, cwd: &Path) -> Result<Spec, SourceError> {
    if let Some(spec) = git_url(arg) {
        return Ok(spec);
    }
    if let Some(rest) = github_rest(arg) {
        if let Some(spec) = github_path(rest) {
            return checked(arg, spec);
        }
        if github_download(rest) {
            return Ok(Spec::Url(if arg.contains("://") {
                arg.to_string()
            } else {
                format!("https://{arg}")
            }));
        }
        return Err(SourceError::NotARepoUrl {
            url: arg.to_string(),
        });
    }
    if arg.starts_with("https://") || arg.starts_with("http://") {
        return Ok(Spec::Url(arg.to_string()));
    }
    let b = arg.as_bytes();
    let drive = b.len() >= 2 && b[0].is_ascii_alphabetic() && b[1] == b':';
    if let Some(rest) = arg.strip_prefix('~')
        && (rest.is_empty() || rest.starts_with('/') || rest.starts_with('\\'))
    {
        let home = home.map(Path::to_path_buf).unwrap_or_default();
        return Ok(Spec::Path(home.join(rest.trim_start_matches(['/', '\\']))));
    }
    let looks_like_path = arg.starts_with("./")
        || arg.starts_with("../")
        || arg.starts_with('/')
        || arg.starts_with(".\\")
        || arg.starts_with("..\\")
        || drive
        || arg == "."
        || arg == ".."
        || arg.ends_with(['/', '\\'])
        // No skill name holds a dot: `x.zip` and `x.skill` are files, present or not.
        || [".zip", ".skill"]
            .iter()
            .any(|ext| arg.to_ascii_lowercase().ends_with(ext));
    let joined = cwd.join(arg);
    if looks_like_path || joined.exists() {
        return Ok(Spec::Path(joined));
    }
    let (repo, reference) = match arg.split_once('@') {
        Some((r, f)) => (r, Some(f.to_string()).filter(|f| !f.is_empty())),
        None => (arg, None),
    };
    let segments: Vec<&str> = repo.split('/').collect();
    if segments.len() >= 2 && is_part(segments[0]) && is_part(segments[1]) {
        let rest = &segments[2..];
        // `.` and `..` are refused as in a tree URL, not taken for a catalog name.
        if rest.iter().all(|s| is_part(s) || *s == "." || *s == "..") {
            return checked(
                arg,
                Spec::Github {
                    repo: format!("{}/{}", segments[0], segments[1]),
                    reference,
                    path: folder(rest),
                },
            );
        }
    }
    Ok(Spec::Catalog {
        name: repo.to_string(),
        version: reference,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_shorthand_path_with_dot_segments_is_a_bad_path_not_a_catalog_name() {
        for arg in [
            "acme/skills/../x",
            "acme/skills/./x",
            "acme/skills/a/..@main",
        ] {
            let e = parse_spec(arg, None, Path::new("/nonexistent")).unwrap_err();
            assert!(matches!(e, SourceError::BadPath { .. }), "{arg}: {e}");
        }
    }

    fn gh(repo: &str, reference: Option<&str>, path: Option<&str>) -> Spec {
        Spec::Github {
            repo: repo.into(),
            reference: reference.map(Into::into),
            path: path.map(Into::into),
        }
    }

    #[test]
    fn classifies_sources() {
        let cwd = Path::new("/nonexistent-cwd");
        let home = Some(Path::new("/h"));
        let p = |a: &str| parse_spec(a, home, cwd).unwrap();
        assert_eq!(p("account-management"), Spec::catalog("account-management"));
        assert_eq!(
            p("crm-management@1.2.0"),
            Spec::Catalog {
                name: "crm-management".into(),
                version: Some("1.2.0".into())
            }
        );
        assert_eq!(
            p("https://x.test/a.zip"),
            Spec::Url("https://x.test/a.zip".into())
        );
        assert_eq!(p("./s"), Spec::Path(cwd.join("./s")));
        assert_eq!(p("/abs/s.zip"), Spec::Path(PathBuf::from("/abs/s.zip")));
        assert_eq!(p("~/s"), Spec::Path(PathBuf::from("/h/s")));
        assert_eq!(p("C:\\s"), Spec::Path(cwd.join("C:\\s")));
        assert_eq!(p("owner/repo@v1"), gh("owner/repo", Some("v1"), None));
    }

    #[test]
    fn github_as_the_browser_and_git_show_it() {
        let cwd = Path::new("/nonexistent-cwd");
        let p = |a: &str| parse_spec(a, None, cwd).unwrap();
        let plain = gh("o/r", None, None);
        for url in [
            "https://github.com/o/r",
            "https://github.com/o/r/",
            "github.com/o/r",
            "https://github.com/o/r.git",
            "git@github.com:o/r.git",
            "git@github.com:o/r",
            "ssh://git@github.com/o/r.git",
        ] {
            assert_eq!(p(url), plain, "{url}");
        }
        assert_eq!(
            p("https://github.com/o/r/tree/main/skills/a"),
            gh("o/r", Some("main"), Some("skills/a"))
        );
        assert_eq!(
            p("github.com/o/r/blob/v2/skills/a/SKILL.md"),
            gh("o/r", Some("v2"), Some("skills/a"))
        );
        assert_eq!(
            p("https://github.com/o/r/tree/main"),
            gh("o/r", Some("main"), None)
        );
        assert_eq!(p("o/r/skills/a"), gh("o/r", None, Some("skills/a")));
        assert_eq!(
            p("o/r/skills/a@feature/x"),
            gh("o/r", Some("feature/x"), Some("skills/a"))
        );
        assert_eq!(p("o/r@feature/x"), gh("o/r", Some("feature/x"), None));
        // A release asset is a zip, not a repository.
        assert_eq!(
            p("https://github.com/o/r/releases/download/v1/a.zip"),
            Spec::Url("https://github.com/o/r/releases/download/v1/a.zip".into())
        );
        assert_eq!(
            p("github.com/o/r/archive/refs/tags/v1.zip"),
            Spec::Url("https://github.com/o/r/archive/refs/tags/v1.zip".into())
        );
        // Other github.com pages are refused, not downloaded; so is a path climbing out.
        let refused = |a: &str| parse_spec(a, None, cwd).unwrap_err().kind();
        for url in [
            "https://github.com/o/r/pulls",
            "github.com/o/r/issues/3",
            "https://github.com/o",
            "https://github.com/",
        ] {
            assert_eq!(refused(url), "bad-url", "{url}");
        }
        assert_eq!(refused("https://github.com/o/r/tree/main/.."), "bad-path");
        assert_eq!(refused("github.com/o/r/tree/main/a/../../x"), "bad-path");
        // A ref holding `/` read from a tree URL.
        assert_eq!(
            slash_ref_shorthand("https://github.com/o/r/tree/feature/x/skills/a").as_deref(),
            Some("o/r/skills/a@feature/x")
        );
        assert_eq!(
            slash_ref_shorthand("github.com/o/r/blob/feature/x/a/SKILL.md").as_deref(),
            Some("o/r/a@feature/x")
        );
        assert_eq!(slash_ref_shorthand("github.com/o/r/tree/main"), None);
    }

    #[test]
    fn other_git_repositories() {
        let cwd = Path::new("/nonexistent-cwd");
        let p = |a: &str| parse_spec(a, None, cwd).unwrap();
        let git = |url: &str, r: Option<&str>| Spec::Git {
            url: url.into(),
            reference: r.map(Into::into),
            path: None,
        };
        assert_eq!(
            p("https://gitlab.com/g/sub/r.git"),
            git("https://gitlab.com/g/sub/r.git", None)
        );
        assert_eq!(
            p("git@gitlab.com:g/r.git#v1"),
            git("git@gitlab.com:g/r.git", Some("v1"))
        );
        assert_eq!(p("file:///srv/r#main"), git("file:///srv/r", Some("main")));
        assert_eq!(p("git://127.0.0.1/r"), git("git://127.0.0.1/r", None));
        assert_eq!(
            p("git+https://example.com/r"),
            git("https://example.com/r", None)
        );
        assert_eq!(
            p("ssh://git@h.example/r"),
            git("ssh://git@h.example/r", None)
        );
    }
}
