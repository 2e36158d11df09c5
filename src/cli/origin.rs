//! Where a missing companion would be installed from, as the command line shows it: the
//! source to install it from, a note for lists, and the commands that install a set
//! (with `--index` for a companion only an index holds).

use skillpack::install::companions::{Companion, Origin};
use skillpack::source::{Spec, catalog};

use super::command;
use crate::TargetArgs;

/// The catalog's description of a companion; empty for one it does not know.
pub(crate) fn describe(name: &str) -> &'static str {
    catalog::find(name).map(|e| e.description).unwrap_or("")
}

/// What a printed install command keeps from the command line besides its sources: the
/// skills root, and the trusted keys an index had to be signed by.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Flags<'a> {
    pub target: &'a TargetArgs,
    /// `--trusted-key` as given: repeated for a companion found in an index.
    pub keys: &'a [String],
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
        // The index is the one the session reads: a name resolves through it.
        Origin::Catalog | Origin::Index { .. } => Some((name.to_string(), Spec::catalog(name))),
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
        Origin::Index { index } => match describe(name) {
            "" => format!("from the index {index}"),
            about => about.to_string(),
        },
        Origin::Github {
            repo,
            reference,
            path,
        } => format!("from {repo}@{} {path}", short(reference)),
        Origin::Git { url, commit, path } => format!("from {url}#{} {path}", short(commit)),
        Origin::Nowhere { .. } => "not found".into(),
    }
}

/// How a companion the agent does not see can be installed, said alike by the table and
/// `--json`.
#[derive(Debug, Clone)]
pub(crate) enum Install {
    /// The command that installs it from where it was found, with the flags kept.
    Command(String),
    /// It was found nowhere: the places searched.
    Nowhere(Vec<String>),
}

/// How `c` can be installed: from where `located` says it is (its declarer's repository,
/// an index, the catalog), else by name into the root `flags` names.
pub(crate) fn install_for(
    flags: Flags<'_>,
    located: &[(&Companion, Origin)],
    c: &Companion,
) -> Install {
    let by_name = || install_command(flags.target, &[c.name.as_str()]);
    match located.iter().find(|(l, _)| l.name == c.name) {
        Some((_, Origin::Nowhere { searched })) => Install::Nowhere(searched.clone()),
        Some((l, o)) => Install::Command(
            install_commands(flags, &[(l, o.clone())])
                .pop()
                .unwrap_or_else(by_name),
        ),
        None => Install::Command(by_name()),
    }
}

/// The commands that install `missing` (grouped: catalog names together, each index's
/// names together, each repository's skills together), with the flags `flags` keeps.
pub(crate) fn install_commands(flags: Flags<'_>, missing: &[(&Companion, Origin)]) -> Vec<String> {
    let mut catalog: Vec<&str> = Vec::new();
    let mut indexes: Vec<(String, Vec<String>)> = Vec::new();
    let mut repos: Vec<(String, Vec<String>)> = Vec::new();
    let add = |groups: &mut Vec<(String, Vec<String>)>, key: String, word: String| match groups
        .iter_mut()
        .find(|(k, _)| *k == key)
    {
        Some((_, words)) => words.push(word),
        None => groups.push((key, vec![word])),
    };
    for (c, origin) in missing {
        match origin {
            Origin::Catalog => catalog.push(&c.name),
            Origin::Index { index } => add(&mut indexes, index.clone(), c.name.clone()),
            Origin::Github { path, .. } | Origin::Git { path, .. } => {
                if let Some((arg, _)) = origin_spec(&c.name, origin) {
                    add(&mut repos, arg, path.clone());
                }
            }
            Origin::Nowhere { .. } => {}
        }
    }
    let mut out = Vec::new();
    if !catalog.is_empty() {
        out.push(install_command(flags.target, &catalog));
    }
    for (index, names) in indexes {
        let mut words: Vec<String> = vec!["skillpack".into(), "install".into()];
        words.extend(names);
        words.extend(["--index".into(), index]);
        for key in flags.keys {
            words.extend(["--trusted-key".into(), key.clone()]);
        }
        words.extend(super::restore::target_words(flags.target));
        out.push(command(words.iter().map(String::as_str)));
    }
    for (arg, paths) in repos {
        let mut words: Vec<String> = vec!["skillpack".into(), "install".into(), arg];
        for path in paths {
            words.extend(["--skill".into(), path]);
        }
        words.extend(super::restore::target_words(flags.target));
        out.push(command(words.iter().map(String::as_str)));
    }
    out
}
