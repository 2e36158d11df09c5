//! Library errors as failures to print: the message, a hint saying what to do next, the
//! exit code, and the stable kind for `--json`.

use skillpack::bundle::BundleError;
use skillpack::install::InstallError;
use skillpack::skill::SkillError;
use skillpack::source::SourceError;

use std::path::Path;

use super::restore::command_for_root;
use super::{Failure, command};

pub(crate) fn source_failure(e: SourceError) -> Failure {
    source_failure_in(e, &[])
}

/// [`source_failure`] for a SOURCE given to `install` with `flags` (the skills root, the
/// index): a suggested name is suggested with them, so that it installs where asked.
pub(crate) fn source_failure_in(e: SourceError, flags: &[String]) -> Failure {
    let kind = e.kind();
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
        SourceError::NotFound { .. } => with_kind(kind,
            // A PATH argument that names nothing: a usage error in every command.
            Failure::usage(e.to_string())
                .hint("check the path: a relative one starts from the current folder"),
        ),
        SourceError::UnknownSkill {
            suggestion: Some(near),
            ..
        } => with_kind(kind,
            Failure::new(e.to_string()).hint(format!(
                "did you mean `{}`?",
                command(
                    ["skillpack", "install", near.as_str()]
                        .into_iter()
                        .chain(flags.iter().map(String::as_str))
                )
            )),
        ),
        SourceError::UnknownSkill { .. } => with_kind(kind,
            Failure::new(e.to_string()).hint(
                "name a folder, zip, https:// URL, GitHub repository (owner/repo, or its URL) or git URL, or add a catalog with --index URL",
            ),
        ),
        SourceError::AmbiguousSkill { .. }
        | SourceError::NothingUnder { .. }
        | SourceError::BadPath { .. }
        | SourceError::NotARepoUrl { .. } => {
            with_kind(kind, super::source_hints::failure(e.last_attempt(), None))
        }
        SourceError::ManySkills { .. } | SourceError::SkillNotInRepo { .. } => with_kind(kind,
            Failure::new(e.to_string())
                .hint("name the skill's folder with --skill NAME (e.g. --skill crm-management)"),
        ),
        SourceError::GitMissing { .. } => with_kind(kind,
            Failure::new(e.to_string()).hint(
                "install git (e.g. `apt install git`); GitHub repositories install without it (owner/repo or their https://github.com/ address)",
            ),
        ),
        SourceError::Git { .. } => with_kind(kind,
            Failure::new(e.to_string()).hint(
                "check the URL and the ref after `#` (a branch, tag or full commit id), and that `git clone URL` works from this machine",
            ),
        ),
        SourceError::NoSuchVersion { .. } => with_kind(kind,
            Failure::new(e.to_string())
                .hint("install one of the known versions, or the newest without @VERSION"),
        ),
        SourceError::RepoNotFound { .. } => with_kind(kind,
            Failure::new(e.to_string())
                .hint("check the owner/repo spelling and the ref after @; private repositories are not supported"),
        ),
        SourceError::Insecure { .. } => with_kind(kind,
            Failure::new(e.to_string()).hint("use the https:// address of the archive"),
        ),
        SourceError::InsecureGit { .. } => with_kind(kind,
            Failure::new(e.to_string())
                .hint("use the repository's https:// or ssh address (git@host:owner/repo.git)"),
        ),
        SourceError::Redirect { .. } => with_kind(kind,
            Failure::new(e.to_string())
                .hint("ask the server's owner for a direct https:// address"),
        ),
        SourceError::Tls { .. } => with_kind(kind,
            Failure::new(e.to_string()).hint(
                "certificates are always checked; check the system clock, the system's trusted certificates and any proxy",
            ),
        ),
        SourceError::Unreachable { .. } => with_kind(kind,
            Failure::new(e.to_string()).hint(
                "check the network connection and the host name (HTTPS_PROXY is honoured), then run the command again",
            ),
        ),
        SourceError::Network { .. } | SourceError::Status { .. } => {
            with_kind(kind, Failure::new(e.to_string()).hint(retry_hint))
        }
        SourceError::Truncated { .. } => with_kind(kind,
            Failure::new(e.to_string())
                .hint(format!("nothing was kept or installed; {retry_hint}")),
        ),
        SourceError::TooLarge { .. } => with_kind(kind, Failure::new(e.to_string())),
        SourceError::Index { .. } => with_kind(kind,
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
    install_failure_in("install", e)
}

/// [`install_failure`] for the command `verb` (`uninstall` advises removing, not overwriting).
pub(crate) fn install_failure_in(verb: &str, e: InstallError) -> Failure {
    let kind = e.kind();
    match e {
        InstallError::Bundle(b) => bundle_failure(b),
        InstallError::ArchiveDigest { .. } => Failure {
            kind: Some(kind.into()),
            ..Failure::new(e.to_string()).hint("the archive is not the one expected; nothing was installed. Check the digest with its publisher")
        },
        InstallError::TreeDigest { .. } => Failure {
            kind: Some(kind.into()),
            ..Failure::new(e.to_string()).hint("the skill's files differ from the pinned release; nothing was installed")
        },
        InstallError::Skill(SkillError::Invalid { ref diagnostics }) => {
            let n = diagnostics.iter().filter(|d| d.severity == skillpack::skill::Severity::Error).count();
            Failure {
                kind: Some(kind.into()),
                ..Failure::new(e.to_string()).hint(match local_folder(diagnostics) {
                    // From a local folder: the command that lists them there.
                    Some(dir) => format!(
                        "{n} problem{} in all; nothing was installed. `{} {}` lists them",
                        if n == 1 { "" } else { "s" },
                        command(["skillpack", "validate"]),
                        super::path_word(&dir)
                    ),
                    // From an archive: no folder to point a command at, so the rules found.
                    None if n <= 1 => "nothing was installed".to_string(),
                    None => format!("{n} problems in all ({}); nothing was installed", rules(diagnostics)),
                })
            }
        }
        InstallError::Skill(SkillError::NotLoaded { agent, loads, ref diagnostics }) => {
            let profile = ["--profile", agent.id()];
            // From an archive there is no folder to validate: the rules it breaks instead.
            let hint = match local_folder(diagnostics) {
                Some(dir) => format!(
                    "nothing was installed. `{} {}` shows {} {}",
                    command(["skillpack", "validate"].into_iter().chain(profile)),
                    super::path_word(&dir),
                    if loads { "what" } else { "why" },
                    if loads {
                        format!("{} changes", agent.display_name())
                    } else {
                        format!("{} skips it", agent.display_name())
                    }
                ),
                None => format!(
                    "nothing was installed; under the {} profile it breaks: {}",
                    agent.id(),
                    rules(diagnostics)
                ),
            };
            Failure {
                kind: Some(kind.into()),
                ..Failure::new(e.to_string()).hint(hint)
            }
        }
        InstallError::Modified { ref path, ref summary } => {
            let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            let message = match verb {
                "uninstall" => format!("`{}` has local changes ({summary}); pass --force to remove it", path.display()),
                _ => e.to_string(),
            };
            let verify = in_root(path.parent().unwrap_or(path), "verify", &[name.as_str()]);
            Failure {
                kind: Some(kind.into()),
                ..Failure::new(message).hint(format!("`{verify}` lists the changes"))
            }
        }
        // The record is gone: each skill comes back from where it came from, which only the
        // user knows now.
        InstallError::LockFile { ref path, ref message } => {
            let root = path.parent().filter(|s| s.ends_with(".skillpack")).and_then(Path::parent);
            let (list, reinstall) = match root {
                Some(root) => (in_root(root, "list", &[]), in_root(root, "install", &["--force", "SOURCE"])),
                None => ("skillpack list".into(), "skillpack install --force SOURCE".into()),
            };
            Failure {
                kind: Some(e.kind().into()),
                ..Failure::new(format!(
                    "`{}` is damaged: {message}. Move it aside (for example to lock.json.damaged) and run again",
                    path.display()
                ))
                .hint(format!(
                    "`{list}` then shows the skills as unmanaged; reinstall each from its original source with `{reinstall}` to record it again"
                ))
            }
        }
        InstallError::Downgrade { ref offered, .. } => Failure {
            kind: Some(kind.into()),
            ..Failure::new(e.to_string()).hint(format!(
                "run the same command with --force to install {offered} anyway"
            ))
        },
        InstallError::KeyRequired { ref name, .. } => Failure {
            kind: Some(kind.into()),
            ..Failure::new(e.to_string()).hint(format!(
                "if its publisher really changed keys, pass the new one with --trusted-key; to install {name} from a source no key signs, uninstall it first"
            ))
        },
        // The record is dropped by an uninstall of the same root.
        InstallError::NotAFolder { ref name, ref path, found } => {
            let again = in_root(path.parent().unwrap_or(path), "uninstall", &[name.as_str()]);
            Failure {
                kind: Some(e.kind().into()),
                ..Failure::new(format!(
                    "`{}` is {found}, not the folder skillpack installed; nothing was removed",
                    path.display()
                ))
                .hint(format!(
                    "remove it yourself if you no longer need it, then `{again}` drops the record"
                ))
            }
        }
        InstallError::ProjectFolder { link, .. } => Failure {
            kind: Some(kind.into()),
            ..Failure::new(e.to_string()).hint(format!(
                "replace {} with a real folder, or pass --dir to name the real skills folder",
                if link { "the link" } else { "it" }
            ))
        },
        InstallError::Unmanaged { .. } => Failure {
            kind: Some(kind.into()),
            ..Failure::new(e.to_string())
        },
        other => Failure {
            kind: Some(other.kind().into()),
            ..Failure::new(other.to_string())
        },
    }
}

/// `skillpack VERB ARGS…` with the flags that name the skills root `dir`.
fn in_root(dir: &Path, verb: &str, args: &[&str]) -> String {
    match super::process_env() {
        Ok(env) => command_for_root(&env, dir, verb, args),
        Err(_) => {
            let dir = dir.to_string_lossy();
            let words = ["skillpack", verb].into_iter().chain(args.iter().copied());
            command(words.chain(["--dir", &*dir]))
        }
    }
}

/// The rule ids of the errors among `diagnostics`, each once, in order.
fn rules(diagnostics: &[skillpack::skill::Diagnostic]) -> String {
    let mut ids: Vec<&str> = Vec::new();
    for d in diagnostics
        .iter()
        .filter(|d| d.severity == skillpack::skill::Severity::Error)
    {
        if !ids.contains(&d.rule) {
            ids.push(d.rule);
        }
    }
    ids.join(", ")
}

/// The local folder the diagnostics are about, when they name one by its absolute path.
fn local_folder(diagnostics: &[skillpack::skill::Diagnostic]) -> Option<std::path::PathBuf> {
    let file = &diagnostics.first()?.file;
    let dir = file.parent().filter(|d| d.is_absolute())?;
    Some(dir.to_path_buf())
}
