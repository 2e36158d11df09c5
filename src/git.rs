//! The system `git`, asked what changed in a checkout: the files a branch touched since it
//! left a revision, plus the uncommitted ones. Owns running `git` and reading its answer;
//! what the files mean (which skills they belong to) is decided elsewhere.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::Command;

#[derive(Debug, thiserror::Error)]
pub enum GitError {
    #[error("cannot run `git`: {0}")]
    NotFound(#[source] std::io::Error),

    #[error("`{}` is not inside a git repository", dir.display())]
    NotARepository { dir: PathBuf },

    #[error("`{rev}` is not a revision of this repository")]
    UnknownRevision { rev: String },

    #[error("`{rev}` and HEAD have no common ancestor in this clone")]
    NoMergeBase { rev: String },

    #[error("`git {args}` failed: {stderr}")]
    Failed { args: String, stderr: String },
}

impl GitError {
    /// A stable id for the kind of failure.
    pub fn kind(&self) -> &'static str {
        match self {
            GitError::NotFound(_) => "git-not-found",
            GitError::NotARepository { .. } => "not-a-repository",
            GitError::UnknownRevision { .. } => "unknown-revision",
            GitError::NoMergeBase { .. } => "no-merge-base",
            GitError::Failed { .. } => "git-failed",
        }
    }
}

/// What a finished `git` said: its standard output, or (when it failed) its standard error.
type Answer = Result<Vec<u8>, String>;

/// Runs `git -C dir ARGS`; an error only when git cannot be run at all.
fn git<I, S>(dir: &Path, args: I) -> Result<Answer, GitError>
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    run(Command::new("git").arg("-C").arg(dir).args(args))
}

/// Runs `cmd` with no input; what it said ([`Answer`]), an error only when it cannot run.
/// git speaks the C locale, so that the messages read here are the ones it was written
/// for, whatever language the user's git is set to.
fn run(cmd: &mut Command) -> Result<Answer, GitError> {
    let out = cmd
        .env("LC_ALL", "C")
        .stdin(std::process::Stdio::null())
        .output()
        .map_err(GitError::NotFound)?;
    Ok(if out.status.success() {
        Ok(out.stdout)
    } else {
        Err(String::from_utf8_lossy(&out.stderr).trim().to_string())
    })
}

fn failed(args: &[&str], stderr: String) -> GitError {
    GitError::Failed {
        args: args.join(" "),
        stderr,
    }
}

/// NUL-separated paths, relative to `top`, made absolute.
fn paths(top: &Path, out: &[u8]) -> impl Iterator<Item = PathBuf> {
    out.split(|b| *b == 0)
        .filter(|p| !p.is_empty())
        .map(|p| top.join(String::from_utf8_lossy(p).as_ref()))
        .collect::<Vec<_>>()
        .into_iter()
}

/// Every file changed in the repository holding `dir` since the branch left `rev`: the
/// commits since the merge base of `rev` and HEAD (`git diff REV...HEAD`, renames as a
/// deletion and an addition), the uncommitted changes to tracked files, and the
/// untracked files that are not ignored. Absolute paths (under the repository's top
/// folder, canonical), sorted, each once; deleted files included.
pub fn changed_files(dir: &Path, rev: &str) -> Result<Vec<PathBuf>, GitError> {
    let top = match git(dir, ["rev-parse", "--show-toplevel"])? {
        Ok(out) => PathBuf::from(String::from_utf8_lossy(&out).trim_end_matches(['\n', '\r'])),
        Err(_) => {
            return Err(GitError::NotARepository {
                dir: dir.to_path_buf(),
            });
        }
    };
    let top = top.canonicalize().unwrap_or(top);
    // A revision spelled as an option would be read as one.
    let commit = format!("{rev}^{{commit}}");
    if rev.starts_with('-')
        || git(&top, ["rev-parse", "--verify", "--quiet", commit.as_str()])?.is_err()
    {
        return Err(GitError::UnknownRevision {
            rev: rev.to_string(),
        });
    }
    let range = format!("{rev}...HEAD");
    let diff = ["diff", "--name-only", "--no-renames", "-z", range.as_str()];
    let mut files: Vec<PathBuf> = match git(&top, diff)? {
        Ok(out) => paths(&top, &out).collect(),
        Err(stderr) if stderr.contains("merge base") => {
            return Err(GitError::NoMergeBase {
                rev: rev.to_string(),
            });
        }
        Err(stderr) => return Err(failed(&diff, stderr)),
    };
    let worktree = ["diff", "--name-only", "--no-renames", "-z", "HEAD"];
    match git(&top, worktree)? {
        Ok(out) => files.extend(paths(&top, &out)),
        Err(stderr) => return Err(failed(&worktree, stderr)),
    }
    let untracked = ["ls-files", "--others", "--exclude-standard", "-z"];
    match git(&top, untracked)? {
        Ok(out) => files.extend(paths(&top, &out)),
        Err(stderr) => return Err(failed(&untracked, stderr)),
    }
    files.sort();
    files.dedup();
    Ok(files)
}

/// Runs `git ARGS` for a remote repository: no terminal prompt for credentials, and only
/// the transports a repository URL should use (never `ext::`, which runs commands).
/// Unencrypted transports (`http`, `git`) only when `plain` says the caller allows them
/// for this URL; git also applies the list to redirects, so https cannot be downgraded.
fn remote_git(args: &[&OsStr], plain: bool) -> Result<Answer, GitError> {
    let allowed = if plain {
        "file:git:http:https:ssh"
    } else {
        "file:https:ssh"
    };
    run(Command::new("git")
        .args(["-c", "protocol.ext.allow=never"])
        .args(args)
        .env("GIT_TERMINAL_PROMPT", "0")
        .env("GIT_ALLOW_PROTOCOL", allowed))
}

/// Whether `text` is a full commit id.
fn is_commit(text: &str) -> bool {
    text.len() == 40 && text.bytes().all(|b| b.is_ascii_hexdigit())
}

/// Fetches `reference` (a branch, a tag, a full commit id, or `HEAD` for the default
/// branch) of the repository at `url` into the bare repository `store` (made when
/// missing), one commit deep, and returns the commit id. A commit already in `store` is
/// not fetched again: a pinned source works offline once fetched. `plain` allows the
/// unencrypted transports (`http://`, `git://`), which the caller permits on loopback only.
pub fn fetch_shallow(
    store: &Path,
    url: &str,
    reference: &str,
    plain: bool,
) -> Result<String, GitError> {
    let bad = |what: &str| GitError::Failed {
        args: format!("fetch {url} {reference}"),
        stderr: format!("refusing {what} that begins with `-`"),
    };
    if url.starts_with('-') {
        return Err(bad("a URL"));
    }
    if reference.starts_with('-') {
        return Err(bad("a ref"));
    }
    if !store.join("HEAD").is_file() {
        std::fs::create_dir_all(store).map_err(GitError::NotFound)?;
        let init = ["init", "--bare", "--quiet"];
        if let Err(stderr) = git(store, init)? {
            return Err(failed(&init, stderr));
        }
    }
    let commit = format!("{reference}^{{commit}}");
    if is_commit(reference)
        && let Ok(out) = git(store, ["rev-parse", "--verify", "--quiet", commit.as_str()])?
    {
        return Ok(String::from_utf8_lossy(&out).trim().to_ascii_lowercase());
    }
    // Fetched into a ref of its own, which then says which commit it was.
    let spec = format!("{reference}:refs/skillpack/fetched");
    let args: Vec<&OsStr> = vec![
        "-C".as_ref(),
        store.as_os_str(),
        "fetch".as_ref(),
        "--quiet".as_ref(),
        "--force".as_ref(),
        "--depth=1".as_ref(),
        "--no-tags".as_ref(),
        "--no-write-fetch-head".as_ref(),
        "--".as_ref(),
        url.as_ref(),
        spec.as_ref(),
    ];
    if let Err(stderr) = remote_git(&args, plain)? {
        return Err(GitError::Failed {
            args: format!("fetch {url} {reference}"),
            stderr,
        });
    }
    match git(
        store,
        ["rev-parse", "--verify", "refs/skillpack/fetched^{commit}"],
    )? {
        Ok(out) => Ok(String::from_utf8_lossy(&out).trim().to_ascii_lowercase()),
        Err(stderr) => Err(GitError::Failed {
            args: "rev-parse refs/skillpack/fetched".into(),
            stderr,
        }),
    }
}

/// Writes the files of `commit` in `store` as a zip at `out`, each under `prefix/`; the
/// commit id is the zip's comment, as in a GitHub archive.
pub fn archive_zip(store: &Path, commit: &str, prefix: &str, out: &Path) -> Result<(), GitError> {
    if !is_commit(commit) {
        return Err(GitError::UnknownRevision {
            rev: commit.to_string(),
        });
    }
    let prefix = format!("--prefix={prefix}/");
    let out_arg = out.as_os_str().to_owned();
    let args: Vec<&OsStr> = vec![
        "archive".as_ref(),
        "--format=zip".as_ref(),
        prefix.as_ref(),
        "-o".as_ref(),
        out_arg.as_ref(),
        commit.as_ref(),
    ];
    match git(store, &args)? {
        Ok(_) => Ok(()),
        Err(stderr) => Err(GitError::Failed {
            args: format!("archive {commit}"),
            stderr,
        }),
    }
}
