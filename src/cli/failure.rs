//! Library errors as failures to print: the message, a hint saying what to do next, the
//! exit code, and the stable kind for `--json`.

use skillpack::bundle::BundleError;
use skillpack::install::InstallError;
use skillpack::skill::SkillError;
use skillpack::source::SourceError;

use super::{Failure, command};

pub(crate) fn source_failure(e: SourceError) -> Failure {
    let with_kind = |kind: &str, f: Failure| Failure {
        kind: Some(kind.into()),
        ..f
    };
    let retry_hint =
        "check the address and the network (HTTPS_PROXY is honoured), then run the command again";
    if let SourceError::Bundle(b) = e {
        return bundle_failure(b);
    }
    match e.last_attempt() {
        SourceError::Signature { source, .. } => with_kind(
            source.kind(),
            Failure::new(e.to_string()).hint(
                "nothing was installed; ask the index's publisher for its public key, or check \
                 that the index and its .minisig were not replaced",
            ),
        ),
        SourceError::SignedSums { source, .. } => with_kind(
            source.kind(),
            Failure::new(e.to_string()).hint(
                "nothing was installed; ask the release's publisher for its public key, or check \
                 that SHA256SUMS and its .minisig were not replaced",
            ),
        ),
        SourceError::NoSums { .. } | SourceError::NotInSums { .. } => with_kind(
            e.kind(),
            Failure::new(e.to_string()).hint(
                "nothing was installed; without --trusted-key the archive is checked against \
                 --sha256 (or confirmed with --yes) instead",
            ),
        ),
        SourceError::NotFound { .. } => with_kind(
            "not-found",
            // A PATH argument that names nothing: a usage error in every command.
            Failure::usage(e.to_string())
                .hint("check the path: a relative one starts from the current folder"),
        ),
        SourceError::UnknownSkill {
            suggestion: Some(near),
            ..
        } => with_kind(
            "unknown-skill",
            Failure::new(e.to_string()).hint(format!(
                "did you mean `{}`?",
                command(["skillpack", "install", near.as_str()])
            )),
        ),
        SourceError::UnknownSkill { .. } => with_kind(
            "unknown-skill",
            Failure::new(e.to_string()).hint(
                "name a folder, zip, https:// URL, GitHub repository (owner/repo, or its URL) or git URL, or add a catalog with --index URL",
            ),
        ),
        SourceError::ManySkills { .. }
        | SourceError::SkillNotInRepo { .. }
        | SourceError::AmbiguousSkill { .. } => with_kind(
            "skill-not-found",
            Failure::new(e.to_string())
                .hint("name the skill's folder with --skill NAME (e.g. --skill crm-management)"),
        ),
        SourceError::GitMissing { .. } => with_kind(
            "git-not-found",
            Failure::new(e.to_string()).hint(
                "install git (e.g. `apt install git`); GitHub repositories install without it (owner/repo or their https://github.com/ address)",
            ),
        ),
        SourceError::Git { .. } => with_kind(
            "git-failed",
            Failure::new(e.to_string()).hint(
                "check the URL and the ref after `#` (a branch, tag or full commit id), and that `git clone URL` works from this machine",
            ),
        ),
        SourceError::NoSuchVersion { .. } => with_kind(
            "no-such-version",
            Failure::new(e.to_string())
                .hint("install one of the known versions, or the newest without @VERSION"),
        ),
        SourceError::RepoNotFound { .. } => with_kind(
            "repo-not-found",
            Failure::new(e.to_string())
                .hint("check the owner/repo spelling and the ref after @; private repositories are not supported"),
        ),
        SourceError::Insecure { .. } => with_kind(
            "insecure-url",
            Failure::new(e.to_string()).hint("use the https:// address of the archive"),
        ),
        SourceError::Redirect { .. } => with_kind(
            "redirect",
            Failure::new(e.to_string())
                .hint("ask the server's owner for a direct https:// address"),
        ),
        SourceError::Tls { .. } => with_kind(
            "tls",
            Failure::new(e.to_string()).hint(
                "certificates are always checked; check the system clock, the system's trusted certificates and any proxy",
            ),
        ),
        SourceError::Unreachable { .. } => with_kind(
            "unreachable",
            Failure::new(e.to_string()).hint(
                "check the network connection and the host name (HTTPS_PROXY is honoured), then run the command again",
            ),
        ),
        SourceError::Network { .. } | SourceError::Status { .. } => {
            with_kind("network", Failure::new(e.to_string()).hint(retry_hint))
        }
        SourceError::Truncated { .. } => with_kind(
            "truncated",
            Failure::new(e.to_string())
                .hint(format!("nothing was kept or installed; {retry_hint}")),
        ),
        SourceError::TooLarge { .. } => with_kind("too-large", Failure::new(e.to_string())),
        SourceError::ArchiveDigest { .. } => with_kind(
            "archive-digest",
            Failure::new(e.to_string()).hint(
                "the archive is not the one expected; nothing was installed. Check the digest with its publisher",
            ),
        ),
        SourceError::Index { .. } => with_kind(
            "index",
            Failure::new(e.to_string()).hint("check --index or SKILLPACK_INDEX"),
        ),
        other => with_kind(other.kind(), Failure::new(e.to_string())),
    }
}

fn bundle_failure(e: BundleError) -> Failure {
    let kind = Some(e.kind().to_string());
    let hint = match &e {
        BundleError::Unsafe { .. }
        | BundleError::MultipleSkills { .. }
        | BundleError::NoSkill { .. } => Some("the archive was refused whole; nothing was written"),
        BundleError::NotAZip { .. } | BundleError::Corrupt { .. } => {
            Some("download it again, or ask its publisher for a valid zip")
        }
        BundleError::Pack { .. } => Some("fix the folder, then run the command again"),
        _ => None,
    };
    Failure {
        message: e.to_string(),
        hint: hint.map(str::to_string),
        code: 1,
        kind,
    }
}

pub(crate) fn install_failure(e: InstallError) -> Failure {
    match e {
        InstallError::Bundle(b) => bundle_failure(b),
        InstallError::ArchiveDigest { .. } => Failure {
            kind: Some("archive-digest".into()),
            ..Failure::new(e.to_string()).hint("the archive is not the one expected; nothing was installed. Check the digest with its publisher")
        },
        InstallError::TreeDigest { .. } => Failure {
            kind: Some("tree-digest".into()),
            ..Failure::new(e.to_string()).hint("the skill's files differ from the pinned release; nothing was installed")
        },
        InstallError::Skill(SkillError::Invalid { ref diagnostics }) => {
            let n = diagnostics.iter().filter(|d| d.severity == skillpack::skill::Severity::Error).count();
            Failure {
                kind: Some("invalid-skill".into()),
                ..Failure::new(e.to_string()).hint(match local_folder(diagnostics) {
                    // From a local folder: the command that lists them there.
                    Some(dir) => format!(
                        "{n} problem{} in all; nothing was installed. `{}` lists them",
                        if n == 1 { "" } else { "s" },
                        command(["skillpack", "validate", &dir])
                    ),
                    None => format!(
                        "{n} problem{} in all; nothing was installed. Run `skillpack validate` on the skill folder to see them",
                        if n == 1 { "" } else { "s" }
                    ),
                })
            }
        }
        InstallError::Skill(SkillError::NotLoaded { agent, ref diagnostics }) => {
            let profile = ["--profile", agent.id()];
            let dir = local_folder(diagnostics);
            let validate = match &dir {
                Some(dir) => command(["skillpack", "validate"].into_iter().chain(profile).chain([dir.as_str()])),
                None => command(["skillpack", "validate"].into_iter().chain(profile)),
            };
            Failure {
                kind: Some("invalid-skill".into()),
                ..Failure::new(e.to_string()).hint(format!(
                    "nothing was installed. `{validate}` shows why {} skips it{}",
                    agent.display_name(),
                    if dir.is_some() { "" } else { " in the skill folder" }
                ))
            }
        }
        InstallError::Modified { ref path, .. } => {
            let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            Failure {
                kind: Some("modified".into()),
                ..Failure::new(e.to_string()).hint(format!("`{}` lists the changes", command(["skillpack", "verify", name.as_str()])))
            }
        }
        InstallError::Downgrade { ref offered, .. } => Failure {
            kind: Some("downgrade".into()),
            ..Failure::new(e.to_string()).hint(format!(
                "run the same command with --force to install {offered} anyway"
            ))
        },
        InstallError::Unmanaged { .. } => Failure {
            kind: Some("unmanaged".into()),
            ..Failure::new(e.to_string())
        },
        other => Failure {
            kind: Some(other.kind().into()),
            ..Failure::new(other.to_string())
        },
    }
}

/// The local folder the diagnostics are about, when they name one by its absolute path.
fn local_folder(diagnostics: &[skillpack::skill::Diagnostic]) -> Option<String> {
    let file = &diagnostics.first()?.file;
    let dir = file.parent().filter(|d| d.is_absolute())?;
    Some(dir.to_string_lossy().into_owned())
}
