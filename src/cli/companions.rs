//! `skillpack companions`, and the companion step that follows `install`: which companion
//! skills are installed where, which are missing, and (only when the user says so) which
//! to install.

use std::process::ExitCode;

use clap::Args;
use serde_json::json;

use skillpack::agents::{Agent, Env};
use skillpack::install::companions::{self, Companion, Origin};
use skillpack::install::declined;
use skillpack::skill::is_valid_name;
use skillpack::source::{catalog, embedded};
use skillpack::text::escape;

pub(crate) use super::companions_table::{render, status_word};
use super::origin::{Flags, Install, describe, install_commands, install_for};
use super::{CmdResult, Failure, Printer, command, display_path, process_env, target_root};
use crate::{FetchArgs, TargetArgs};

pub(crate) const LONG_ABOUT: &str = "\
Show the companion skills a skill recommends: where each is installed (scope, path,
version), whether the agent can see it there, or that it is missing, with the command that
installs it.

Companions are read from the skill's own SKILL.md: `metadata.recommended_skills` (a comma-
or space-separated string) or a top-level `recommended_skills` list. Places searched: the
agent's user and project folders (the current folder up to the repository root), Claude
Code plugin skills, and other agents' folders, which are reported as not visible. A
missing one is looked for in the recommending skill's repository, the catalog, and the
index (--index, or SKILLPACK_INDEX).";

pub(crate) const EXAMPLES: &str = "\
Examples:
  skillpack companions                         companions of account-management
  skillpack companions crm-management --depth 2
  skillpack companions --agent codex --json
  skillpack companions my-skill --index https://example.com/index.json";

#[derive(Debug, Args)]
pub struct CompanionsArgs {
    /// The skill whose companions to show
    #[arg(value_name = "NAME", default_value = embedded::NAME)]
    pub name: String,

    /// Follow companions of companions this many levels deep
    #[arg(long, value_name = "N", default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=8))]
    pub depth: u32,

    #[command(flatten)]
    pub target: TargetArgs,

    #[command(flatten)]
    pub fetch: FetchArgs,
}

/// Warns about a declared companion name that is not a skill name; it is not looked for,
/// offered or put in a command.
pub(crate) fn warn_ignored(p: &Printer, of: &str, name: &str) {
    p.warn(format!(
        "ignoring the companion `{name}` declared by {of}: it is not a skill name (lowercase letters, digits and single hyphens)"
    ));
}

/// One companion for `--json`: `declined` says the user declined it in the target root
/// (it is not offered again there, and its status stays what it is); `install` is the
/// command the table shows (with the flags `flags` keeps), or null with the places
/// `searched` for one found nowhere.
pub(crate) fn companion_json(
    env: &Env,
    (of, c): (&str, &Companion),
    declined: bool,
    flags: Flags<'_>,
    located: &[(&Companion, Origin)],
) -> serde_json::Value {
    let how = (!c.is_visible()).then(|| install_for(flags, located, c));
    let mut v = json!({
        "of": of,
        "name": c.name,
        "status": c.status(),
        "declined": declined,
        "description": describe(&c.name),
        "locations": c.found.iter().map(|f| json!({
            "path": f.path,
            "display": display_path(env, &f.path),
            "scope": f.scope,
            "agent": f.agent.map(|a| a.id()),
            "visible": f.visible,
            "version": f.version,
        })).collect::<Vec<_>>(),
        "install": match &how {
            Some(Install::Command(cmd)) => Some(cmd),
            _ => None,
        },
    });
    if let Some(Install::Nowhere(searched)) = how {
        v["searched"] = json!(searched);
    }
    v
}

/// "found in ~/.agents/skills, which Claude Code does not read" (not escaped).
pub(crate) fn not_visible(env: &Env, agent: Agent, f: &companions::Found) -> String {
    format!(
        "found in {}, which {} does not read",
        display_path(env, f.path.parent().unwrap_or(&f.path)),
        agent.display_name()
    )
}

pub(crate) fn run(p: &Printer, args: CompanionsArgs) -> CmdResult {
    let env = process_env()?;
    let agent: Agent = args.target.agent.primary(&env);
    if !is_valid_name(&args.name) {
        let mut list = vec!["skillpack".to_string(), "list".to_string()];
        list.extend(super::restore::target_words(&args.target));
        return Err(Failure::usage(format!(
            "`{}` is not a skill name: skill names are lowercase letters, digits and single hyphens",
            args.name
        ))
        .hint(format!(
            "`{}` shows the installed skills by name",
            command(list.iter().map(String::as_str))
        )));
    }
    let explicit = match &args.target.dir {
        Some(_) => Some(target_root(&env, &args.target)?.dir),
        None => None,
    };
    let graph = companions::resolve(&env, agent, explicit.as_deref(), &args.name, args.depth)
        .map_err(|why| {
            if let companions::Unresolved::Unreadable { path, link } = why {
                return unreadable(&env, &path, link, &args);
            }
            // The installed and catalog names it most resembles.
            let known: Vec<String> = target_root(&env, &args.target)
                .map(|root| root.present_skills())
                .unwrap_or_default()
                .into_iter()
                .chain(catalog::ENTRIES.iter().map(|e| e.name.to_string()))
                .collect();
            Failure::new(format!(
                "`{}` is not installed where {} reads skills, and not in the catalog",
                args.name,
                agent.display_name()
            ))
            .hint(
                super::restore::did_you_mean("companions", &args.name, &known, &args.target)
                    .unwrap_or_else(|| {
                        "install it first, or pass --agent/--scope/--dir to look elsewhere".into()
                    }),
            )
        })?;
    for (of, name) in &graph.ignored {
        warn_ignored(p, of, name);
    }
    let list = graph.list;
    let root = target_root(&env, &args.target)?;
    let declined = declined::read(&root);
    if let Some(problem) = &declined.problem {
        p.detail(format!(
            "ignoring the record of declined companions: {problem}"
        ));
    }
    let located = locate_missing(p, &env, (&root, &args.fetch), &list)?;
    let flags = Flags {
        target: &args.target,
        keys: &args.fetch.trusted_keys,
    };
    if p.json {
        p.json_out(&json!({
            "version": skillpack::SCHEMA_VERSION,
            "skill": args.name,
            "agent": agent.id(),
            "companions": list.iter().map(|(of, c)| companion_json(&env, (of, c), declined.contains(&c.name), flags, &located)).collect::<Vec<_>>(),
        }));
        return Ok(ExitCode::SUCCESS);
    }
    if list.is_empty() {
        p.status(
            "Companions",
            format!("{} recommends no companion skills", args.name),
        );
        return Ok(ExitCode::SUCCESS);
    }
    let printed = render(p, &env, agent, flags, &list, &declined, &located);
    if !located.is_empty() && !p.quiet {
        for (c, origin) in &located {
            if let Origin::Nowhere { searched } = origin {
                p.err_words(
                    &format!(
                        "  {}: {}",
                        p.dim(&format!("{} was not found in", escape(&c.name))),
                        escape(&searched.join(", "))
                    ),
                    "    ",
                );
            }
        }
        let located: Vec<(&Companion, Origin)> =
            located.iter().map(|(c, o)| (*c, o.clone())).collect();
        let commands = install_commands(flags, &located);
        for cmd in commands.iter().filter(|c| !printed.contains(c)) {
            let line = format!(
                "  {}: {}",
                p.dim("install the missing ones with"),
                escape(cmd)
            );
            match p.err_width() {
                // The words wrapped, the command whole on a line of its own.
                Some(width) if console::measure_text_width(&line) > width => {
                    p.err_words(
                        &format!("  {}", p.dim("install the missing ones with:")),
                        "  ",
                    );
                    p.err(format!("    {}", escape(cmd)));
                }
                _ => p.err(line),
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Where each missing companion in `list` can be installed from: the declarer's repository
/// at its recorded commit (from the cache when it is there), else the catalog or the index
/// (`--index`, else SKILLPACK_INDEX).
fn locate_missing<'a>(
    p: &Printer,
    env: &Env,
    (root, fetch): (&skillpack::install::Root, &FetchArgs),
    list: &'a [(String, Companion)],
) -> Result<Vec<(&'a Companion, Origin)>, Failure> {
    let missing: Vec<&(String, Companion)> = list.iter().filter(|(_, c)| c.is_missing()).collect();
    if missing.is_empty() {
        return Ok(Vec::new());
    }
    let lock = skillpack::install::read_lock(root).unwrap_or_default();
    let transfer = super::progress::Transfer::new(p);
    let mut session = super::fetch::session(env, fetch, &transfer)?;
    let located = missing
        .into_iter()
        .map(|(of, c)| {
            let declarer = lock.skills.get(of).map(|e| &e.source);
            (c, companions::locate(&mut session, &c.name, declarer, None))
        })
        .collect();
    super::pipeline::say_warnings(p, &mut session);
    Ok(located)
}

/// The skill's installed folder is a link, or holds no readable SKILL.md: said, with the
/// command that puts the skill back (a catalog skill) or what to do instead.
fn unreadable(env: &Env, path: &std::path::Path, link: bool, args: &CompanionsArgs) -> Failure {
    let shown = display_path(env, path);
    let what = match link {
        true => "is a symbolic link, which skillpack does not read through",
        false => "holds no SKILL.md skillpack can read",
    };
    let mut words = vec!["skillpack".into(), "install".into(), "--force".into()];
    words.extend([args.name.clone()]);
    words.extend(super::restore::target_words(&args.target));
    let hint = match catalog::ENTRIES.iter().any(|e| e.name == args.name) {
        true => format!(
            "`{}` puts the skill back in its place",
            command(words.iter().map(String::as_str))
        ),
        false => {
            "put the skill's own folder in its place, or install it again from its source".into()
        }
    };
    Failure::new(format!(
        "`{shown}` {what}; its companions are not looked up"
    ))
    .hint(hint)
}
