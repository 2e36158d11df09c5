//! Where a missing companion would be installed from, as the command line shows it: the
//! source to install it from, a note for lists, and the commands that install a set.

use skillpack::install::companions::{Companion, Origin};
use skillpack::source::{Spec, catalog};

use super::command;
use crate::TargetArgs;

/// The catalog's description of a companion; empty for one it does not know.
pub(crate) fn describe(name: &str) -> &'static str {
    catalog::find(name).map(|e| e.description).unwrap_or("")
}

/// The exact command that installs `missing` for the chosen target, every word quoted for
/// the shell (not escaped for the terminal).
pub(crate) fn install_command(target: &TargetArgs, missing: &[&str]) -> String {
    let mut words: Vec<String> = vec!["skillpack".into(), "install".into()];
    words.extend(missing.iter().map(|m| m.to_string()));
    words.extend(super::restore::target_words(target));
    command(words.iter().map(String::as_str))
}

/// The source that installs `name` from `origin`, as typed and as parsed; `None` when it
/// is nowhere known.
pub(crate) fn origin_spec(name: &str, origin: &Origin) -> Option<(String, Spec)> {
    match origin {
        Origin::Catalog => Some((name.to_string(), Spec::catalog(name))),
        Origin::Github {
            repo,
            reference,
            path,
        } => Some((
            format!("{repo}@{reference}"),
            Spec::Github {
                repo: repo.clone(),
                reference: Some(reference.clone()),
                path: Some(path.clone()),
            },
        )),
        Origin::Git { url, commit, path } => Some((
            format!("{url}#{commit}"),
            Spec::Git {
                url: url.clone(),
                reference: Some(commit.clone()),
                path: Some(path.clone()),
            },
        )),
        Origin::Nowhere { .. } => None,
    }
}

/// What to say of a missing companion in a list: what the catalog says of it, or where it
/// would come from.
pub(crate) fn origin_note(name: &str, origin: &Origin) -> String {
    let short = |c: &str| c.chars().take(12).collect::<String>();
    match origin {
        Origin::Catalog => describe(name).to_string(),
        Origin::Github {
            repo,
            reference,
            path,
        } => format!("from {repo}@{} {path}", short(reference)),
        Origin::Git { url, commit, path } => format!("from {url}#{} {path}", short(commit)),
        Origin::Nowhere { .. } => "not found".into(),
    }
}

/// The commands that install `missing` (grouped: catalog names together, each
/// repository's skills together), for the root `target` names.
pub(crate) fn install_commands(
    target: &TargetArgs,
    missing: &[(&Companion, Origin)],
) -> Vec<String> {
    let mut catalog: Vec<&str> = Vec::new();
    let mut repos: Vec<(String, Vec<String>)> = Vec::new();
    for (c, origin) in missing {
        match origin_spec(&c.name, origin) {
            Some((_, Spec::Catalog { .. })) => catalog.push(&c.name),
            Some((arg, _)) => {
                let path = match origin {
                    Origin::Github { path, .. } | Origin::Git { path, .. } => path.clone(),
                    _ => c.name.clone(),
                };
                match repos.iter_mut().find(|(a, _)| *a == arg) {
                    Some((_, paths)) => paths.push(path),
                    None => repos.push((arg, vec![path])),
                }
            }
            None => {}
        }
    }
    let mut out = Vec::new();
    if !catalog.is_empty() {
        out.push(install_command(target, &catalog));
    }
    for (arg, paths) in repos {
        let mut words: Vec<String> = vec!["skillpack".into(), "install".into(), arg];
        for path in paths {
            words.extend(["--skill".into(), path]);
        }
        words.extend(super::restore::target_words(target));
        out.push(super::command(words.iter().map(String::as_str)));
    }
    out
}
