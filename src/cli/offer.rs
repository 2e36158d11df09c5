//! The companion step after `install`: the companions of the installed skills that are
//! missing are offered in a picker on a terminal (none ticked; those left unticked are
//! remembered as declined for the skills root and not offered there again), and listed
//! with the command that installs them elsewhere. Nothing is installed silently.

use std::collections::BTreeSet;
use std::path::Path;

use console::Term;
use skillpack::agents::{Agent, Env};
use skillpack::install::companions::{self, Companion, Origin};
use skillpack::install::declined::{self, Declined};
use skillpack::install::{Report, Root};
use skillpack::source::Spec;
use skillpack::text::escape;

use super::companions::{companion_json, not_visible, status_word, warn_ignored};
use super::origin::{Flags, describe, install_commands, origin_note, origin_spec};
use super::picker::{self, Answer};
use super::{Failure, Printer, display_path, pad};
use crate::TargetArgs;

/// What to do about missing companions after an install.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Step {
    /// Ask on a terminal (none pre-selected; declined ones are not offered again);
    /// otherwise list them with the command and install nothing.
    Ask,
    /// `--with-companions`: install every missing one, declined or not.
    All,
    /// `--no-companions`.
    Skip,
}

/// Where the install went.
pub(crate) struct Target<'a> {
    pub env: &'a Env,
    pub args: &'a TargetArgs,
    /// `--trusted-key` as given, repeated in commands that read the index.
    pub keys: &'a [String],
    pub root: &'a Root,
    /// The root, when the user named it with `--dir` (it is searched first).
    pub explicit: Option<&'a Path>,
    /// `--dry-run`: ask, but remember nothing.
    pub dry_run: bool,
}

/// A companion to install now: its name, the source as the user would type it, and the
/// source.
pub(crate) type Chosen = (String, String, Spec);

/// The companions to install now, and a JSON description of every companion.
pub(crate) type Offer = (Vec<Chosen>, Vec<serde_json::Value>);

/// Where a missing companion may be installed from: `(declarer, name)` → [`Origin`].
pub(crate) type Locate<'a> = dyn FnMut(&str, &str) -> Origin + 'a;

/// The companion step after `install`: reports the companions of the installed skills and
/// returns the ones to install now (chosen by the user, or all with `--with-companions`).
/// Ctrl-C at the picker is a failure with exit status 130, and nothing more is done.
pub(crate) fn after_install(
    p: &Printer,
    t: &Target<'_>,
    installed: &[Report],
    step: Step,
    locate: &mut Locate<'_>,
) -> Result<Offer, Failure> {
    if step == Step::Skip {
        return Ok((Vec::new(), Vec::new()));
    }
    let agent: Agent = t.args.agent.primary(t.env);
    let list = discover(p, t, agent, installed);
    let declined = declined::read(t.root);
    if let Some(problem) = &declined.problem {
        p.detail(format!(
            "ignoring the record of declined companions: {problem}"
        ));
    }
    if list.is_empty() {
        return Ok((Vec::new(), Vec::new()));
    }
    // Where each missing one can come from: its declarer's repository first.
    let located: Vec<(&Companion, Origin)> = list
        .iter()
        .filter(|(_, c)| c.is_missing())
        .map(|(of, c)| (c, locate(of, &c.name)))
        .collect();
    let flags = Flags {
        target: t.args,
        keys: t.keys,
    };
    let json: Vec<serde_json::Value> = list
        .iter()
        .map(|(of, c)| companion_json(t.env, (of, c), declined.contains(&c.name), flags, &located))
        .collect();
    for (c, origin) in &located {
        if let Origin::Nowhere { searched } = origin {
            p.warn(format!(
                "companion `{}` was not found in {}; it cannot be installed from there",
                escape(&c.name),
                escape(&searched.join(", "))
            ));
        }
    }
    let notes: Notes = located
        .iter()
        .map(|(c, o)| (c.name.clone(), origin_note(&c.name, o)))
        .collect();
    let installable: Vec<(&Companion, &Origin)> = located
        .iter()
        .filter(|(_, o)| !matches!(o, Origin::Nowhere { .. }))
        .map(|(c, o)| (*c, o))
        .collect();
    let spec_of = |name: &str| -> Option<Chosen> {
        let (_, origin) = installable.iter().find(|(c, _)| c.name == name)?;
        let (arg, spec) = origin_spec(name, origin)?;
        Some((name.to_string(), arg, spec))
    };
    let missing: Vec<&Companion> = installable.iter().map(|(c, _)| *c).collect();
    let owners: BTreeSet<&str> = list.iter().map(|(of, _)| of.as_str()).collect();
    let owners = owners.into_iter().collect::<Vec<_>>().join(", ");
    if missing.is_empty() {
        if located.is_empty() {
            p.status(
                "Companions",
                match list.len() {
                    1 => format!("the companion of {owners} is installed"),
                    n => format!("all {n} companions of {owners} are installed"),
                },
            );
        }
        return Ok((Vec::new(), json));
    }
    let names = |cs: &[&Companion]| cs.iter().map(|c| c.name.clone()).collect::<Vec<_>>();
    let offered: Vec<&Companion> = missing
        .iter()
        .copied()
        .filter(|c| !declined.contains(&c.name))
        .collect();
    if step == Step::Ask && p.interactive() {
        if offered.is_empty() {
            p.status(
                "Companions",
                format!(
                    "{} of {owners} {} declined here before; listed by {}, installed by --with-companions",
                    super::plural(missing.len(), "missing companion"),
                    if missing.len() == 1 { "was" } else { "were" },
                    companions_commands(t, &list, &names(&missing)),
                ),
            );
            return Ok((Vec::new(), json));
        }
        let chosen = ask(p, t, (agent, &owners), (&list, &offered), &notes)?;
        return Ok((chosen.iter().filter_map(|n| spec_of(n)).collect(), json));
    }
    if !p.quiet && !p.json {
        p.status(
            "Companions",
            format!(
                "{} of {} of {owners} {} not available {}",
                located.len(),
                super::plural(list.len(), "companion"),
                if located.len() == 1 { "is" } else { "are" },
                match t.explicit {
                    Some(dir) => format!("in {}", super::display_path(t.env, dir)),
                    None => format!("to {}", agent.display_name()),
                }
            ),
        );
        render_to_stderr(p, t.env, agent, &list, &declined, &notes);
    }
    let all = names(&missing);
    if step == Step::All {
        // Installed now: no longer declined, should they go missing again.
        let again: Vec<String> = all
            .iter()
            .filter(|n| declined.contains(n))
            .cloned()
            .collect();
        if !again.is_empty() && !t.dry_run {
            remember(p, t, &[], &again);
        }
        return Ok((all.iter().filter_map(|n| spec_of(n)).collect(), json));
    }
    if !p.quiet && !p.json && !all.is_empty() {
        let owned: Vec<(&Companion, Origin)> = installable
            .iter()
            .map(|(c, o)| (*c, (*o).clone()))
            .collect();
        for cmd in install_commands(flags, &owned) {
            p.err(format!("  {}: {}", p.dim("to install them"), escape(&cmd)));
        }
        p.err(format!("  {}", p.dim("or re-run with --with-companions")));
    }
    Ok((Vec::new(), json))
}

/// The companions the installed skills declare (one level), each with its declarer,
/// leaving out the skills just installed and warning about names that are not skill names.
fn discover(
    p: &Printer,
    t: &Target<'_>,
    agent: Agent,
    installed: &[Report],
) -> Vec<(String, Companion)> {
    let just: BTreeSet<&str> = installed.iter().map(|r| r.name.as_str()).collect();
    let mut seen = BTreeSet::new();
    let mut list = Vec::new();
    for r in installed {
        let (valid, invalid) = companions::split_names(&r.companions);
        for name in &invalid {
            warn_ignored(p, &r.name, name);
        }
        let names: Vec<String> = valid
            .iter()
            .filter(|c| !just.contains(c.as_str()) && seen.insert((*c).clone()))
            .cloned()
            .collect();
        for c in companions::discover(t.env, agent, t.explicit, &names) {
            list.push((r.name.clone(), c));
        }
    }
    list
}

/// What to say of each missing companion, by name ([`origin_note`]).
type Notes = std::collections::BTreeMap<String, String>;

fn note(notes: &Notes, name: &str) -> String {
    notes
        .get(name)
        .cloned()
        .unwrap_or_else(|| describe(name).to_string())
}

/// The picker: the ticked companions are returned, the others remembered as declined.
fn ask(
    p: &Printer,
    t: &Target<'_>,
    (agent, owners): (Agent, &str),
    (list, offered): (&[(String, Companion)], &[&Companion]),
    notes: &Notes,
) -> Result<Vec<String>, Failure> {
    let items: Vec<(&str, String)> = offered
        .iter()
        .map(|c| {
            let about = match c.found.first() {
                Some(f) => not_visible(t.env, agent, f),
                None => note(notes, &c.name),
            };
            (c.name.as_str(), about)
        })
        .collect();
    let prompt = format!("Install companions of {owners}?");
    let picked = match picker::pick(&Term::stderr(), &prompt, &items) {
        Ok(Answer::Chosen(picked)) => picked,
        Ok(Answer::Interrupted) => {
            return Err(Failure::interrupted(
                "interrupted: no companion was installed",
            ));
        }
        // Esc, `q`, or a terminal that went away: no decision, asked again next time.
        Ok(Answer::Cancelled) | Err(_) => return Ok(Vec::new()),
    };
    let mut chosen = Vec::new();
    let mut left = Vec::new();
    for (i, c) in offered.iter().enumerate() {
        let side = if picked.contains(&i) {
            &mut chosen
        } else {
            &mut left
        };
        side.push(c.name.clone());
    }
    if !left.is_empty() && !t.dry_run && remember(p, t, &left, &[]) {
        p.status(
            "Declined",
            format!(
                "{}: not offered again here; listed by {}",
                left.join(", "),
                companions_commands(t, list, &left)
            ),
        );
    }
    Ok(chosen)
}

/// Records declined and accepted companions for the root; a failure is only a warning.
fn remember(p: &Printer, t: &Target<'_>, declined: &[String], accepted: &[String]) -> bool {
    let mut on_wait = p.on_wait();
    match declined::record(t.root, declined, accepted, &mut on_wait) {
        Ok(_) => true,
        Err(e) => {
            p.warn(format!("could not remember the declined companions: {e}"));
            false
        }
    }
}

/// The companion list on stderr (stdout is kept for the command's own output), each row
/// fitted to the terminal.
fn render_to_stderr(
    p: &Printer,
    env: &Env,
    agent: Agent,
    list: &[(String, Companion)],
    declined: &Declined,
    notes: &Notes,
) {
    let w = super::column_width(list.iter().map(|(_, c)| c.name.as_str()), 0);
    for (_, c) in list {
        let detail = match (c.status(), c.found.first()) {
            ("installed", Some(f)) => display_path(env, &f.path),
            ("not-visible", Some(f)) => not_visible(env, agent, f),
            _ => note(notes, &c.name),
        };
        p.err_row(format!(
            "{:13} {}  {}  {}",
            "",
            pad(&escape(&c.name), w),
            status_word(p, c, declined.contains(&c.name)),
            p.dim(&escape(&detail))
        ));
    }
}

/// The skills of `list` that recommend one of `names`, each once, in order.
fn declarers<'a>(list: &'a [(String, Companion)], names: &[String]) -> Vec<&'a str> {
    let mut out: Vec<&str> = Vec::new();
    for (of, c) in list {
        if names.contains(&c.name) && !out.contains(&of.as_str()) {
            out.push(of);
        }
    }
    out
}

/// `skillpack companions OF` for the root `t` names, in backquotes, for each skill that
/// recommends one of `names`, joined by `and`.
fn companions_commands(t: &Target<'_>, list: &[(String, Companion)], names: &[String]) -> String {
    declarers(list, names)
        .into_iter()
        .map(|of| {
            let mut words = vec!["skillpack".to_string(), "companions".to_string(), of.into()];
            words.extend(super::restore::target_words(t.args));
            format!("`{}`", super::command(words.iter().map(String::as_str)))
        })
        .collect::<Vec<_>>()
        .join(" and ")
}
