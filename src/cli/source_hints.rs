//! What to do next when a source holding skills does not say which one is meant: a name
//! several folders answer to, a folder holding no skill, a github.com address that is not a
//! repository's, a ref that may hold `/`.

use skillpack::source::{self, SourceError, listing};
use skillpack::text::escape;

use super::{Failure, command};

/// The accepted github.com forms, for a refused address.
const GITHUB_FORMS: &str = "use a repository as GitHub shows it: OWNER/REPO[@REF], \
     OWNER/REPO/PATH[@REF], https://github.com/OWNER/REPO, \
     https://github.com/OWNER/REPO/tree/REF/PATH, \
     https://github.com/OWNER/REPO/blob/REF/PATH/SKILL.md, or a release asset's \
     https://github.com/OWNER/REPO/releases/download/TAG/FILE.zip";

/// The failure for `e` (one of the errors of choosing a skill in a source), with the
/// commands to run when `typed` gives the SOURCE as typed and the flags that go with it.
pub(crate) fn failure(e: &SourceError, typed: Option<(&str, &[String])>) -> Failure {
    let message = e.to_string();
    match e {
        SourceError::AmbiguousSkill { paths, .. } => {
            let words: Vec<String> = paths.iter().map(|p| listing::path_word(p)).collect();
            let hint = match typed {
                Some((arg, flags)) => format!(
                    "pick one by its folder: {}",
                    words
                        .iter()
                        .map(|w| format!("`{}`", install_command(arg, w, flags)))
                        .collect::<Vec<_>>()
                        .join(" or ")
                ),
                None => format!(
                    "pick one by its folder: --skill {}",
                    words.join(" or --skill ")
                ),
            };
            Failure::new(message).hint(escape(&hint).into_owned())
        }
        SourceError::NothingUnder { .. } => Failure::new(message)
            .hint("name a folder it holds, or run the repository with --list to see them all"),
        SourceError::BadPath { .. } => Failure::new(message)
            .hint("name the folder from the repository's root, without `.` or `..`"),
        SourceError::NotARepoUrl { .. } => Failure::new(message).hint(GITHUB_FORMS),
        SourceError::NoSkillInFolder { .. } => Failure::new(message)
            .hint("name the skill's own folder (the one holding SKILL.md), or a folder of skills"),
        _ => Failure::new(message),
    }
}

/// `skillpack install ARG --skill WORD FLAGS…`, as it is typed.
pub(crate) fn install_command(arg: &str, word: &str, flags: &[String]) -> String {
    command(
        ["skillpack", "install", arg, "--skill", word]
            .into_iter()
            .chain(flags.iter().map(String::as_str)),
    )
}

/// A ref a tree or blob URL named that was not found, when the URL's path may hold the
/// rest of a ref with `/`: the hint says how such a ref is written.
pub(crate) fn ref_not_found(e: &SourceError, arg: &str) -> Option<Failure> {
    let SourceError::RepoNotFound { .. } = e.last_attempt() else {
        return None;
    };
    let shorthand = source::slash_ref_shorthand(arg)?;
    Some(Failure::new(e.to_string()).hint(format!(
        "in a tree or blob URL the ref is the one segment after `tree/`; a ref containing `/` is \
         written OWNER/REPO/PATH@REF, e.g. `{}`",
        escape(&shorthand)
    )))
}
