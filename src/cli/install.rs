//! `skillpack install`: resolve each SOURCE, fetch it, and run it through the install pipeline.

use std::process::ExitCode;

use serde_json::json;

use skillpack::install::{self, Report};
use skillpack::source::{self, Session, Spec};

use super::agents::target_roots;
use super::choose::{Asked, fetch_source};
use super::fetch::{install_options, session};
use super::install_args::InstallArgs;
use super::offer::{self, Step};
use super::pipeline::{install_one, report_json};
use super::progress::Transfer;
use super::{CmdResult, Failure, Printer, process_env};

pub(crate) const LONG_ABOUT: &str = "\
Install skills into an agent's skills folder.

With no SOURCE, installs the account-management skill compiled into skillpack: no network
needed. Every source goes through the same pipeline: the archive digest is verified, every
entry is checked before anything is unpacked, the skill is staged beside the target and
checked to load, then swapped in atomically and recorded in <root>/.skillpack/lock.json.

SOURCE is one of:
  NAME[@VERSION]    a catalog name: account-management (compiled in), or a companion such
                    as crm-management, fetched from its pinned repository commit and
                    checked against its pinned tree digest; --index adds a remote catalog
  ./folder          a local skill folder, or a folder of several skills
  FILE.zip          a .zip or .skill file
  https://URL       a zip on the web: pin it with --sha256, or confirm it (--yes) and its
                    digest is recorded
  owner/repo[/path][@ref], https://github.com/owner/repo[/tree/REF/PATH],
  git@github.com:owner/repo.git
                    a GitHub repository, fetched as the archive of one commit; in a
                    tree/blob URL the first segment after tree/ is the ref (a branch with
                    a `/` in its name: owner/repo/PATH@feature/x)
  URL.git[#ref], git@host:repo.git, ssh://, git://, file://, git+URL
                    any other git repository, fetched with the system git

A source of several skills takes --skill NAME (repeatable; a name or a folder path) or
--skill '*'; --list shows what it holds and installs nothing; on a terminal, a picker.
--agent takes a list (claude-code,codex) or `all`: one download, a verified copy in each
agent's folder.

Afterwards the companion skills the installed skills recommend are looked for; missing ones
are offered on a terminal and listed elsewhere. --with-companions installs them without
asking, --no-companions skips the step.

Downloads are HTTPS only (plain http only to loopback addresses), certificate-checked,
retried on transient failures, streamed into a cache and verified before anything is
unpacked. HTTPS_PROXY is honoured. git repositories are fetched over https, ssh or from a
local path (http:// and git:// only from loopback addresses).

Environment: SKILLPACK_INDEX (as --index), SKILLPACK_CACHE_DIR (the download cache),
SKILLPACK_GITHUB_URL (a mirror of https://codeload.github.com), SKILLPACK_HTTP_TIMEOUT
(seconds a download may stall, default 30), SKILLPACK_HTTP_MIN_RATE (bytes per second a
download must average, default 100), SKILLPACK_HTTP_DEADLINE (seconds for a whole download,
default 900), SKILLPACK_RETRY_BASE_MS (first retry delay), SKILLPACK_TRUSTED_KEYS (as
--trusted-key, comma- or space-separated).

Signatures: with --trusted-key KEY (a minisign public key, RW…, or its .pub file), an
index must come with index.json.minisig, a signature by one of the trusted keys, or
nothing is installed; so must the SHA256SUMS beside an https:// URL's archive, which must
list it. The key that verified it is recorded in lock.json.";

pub(crate) const EXAMPLES: &str = "\
Examples:
  skillpack install                              the embedded account-management skill
  skillpack install --scope project              into the .claude/skills of the project root
  skillpack install --agent codex                into ~/.agents/skills
  skillpack install ./my-skill                   a local folder
  skillpack install my-skill.zip --sha256 9f2c…  a zip, checked against its digest
  skillpack install crm-management               a companion, verified against its pin
  skillpack install --with-companions            account-management and its companions
  skillpack install https://example.com/s.zip --sha256 9f2c…
  skillpack install acme/skills@v2 --skill crm   one skill of a GitHub repository
  skillpack install https://github.com/acme/skills/tree/main/skills/crm
  skillpack install acme/skills --list           the skills a repository holds
  skillpack install git@gitlab.com:team/s.git#v2 --skill '*'
  skillpack install crm-management --agent claude-code,codex
  skillpack install acme/skills --skill a --skill b
                                                 two skills, one download
  skillpack install team-skill --index https://skills.example.com/index.json
  skillpack install team-skill --index URL --trusted-key team.pub
                                                 only if team.pub's key signed the index
  skillpack install --dir /tmp/skills --dry-run  show what would happen, change nothing";

pub(crate) fn run(p: &Printer, args: InstallArgs) -> CmdResult {
    let env = process_env()?;
    let targets = target_roots(&env, &args.target)?;
    let root = targets[0].root.clone();
    let sources = if args.sources.is_empty() {
        vec![source::embedded::NAME.to_string()]
    } else {
        args.sources.clone()
    };
    if args.sha256.is_some() && sources.len() > 1 {
        return Err(Failure::usage("--sha256 applies to a single SOURCE")
            .hint("install the sources one at a time"));
    }
    let specs: Vec<(String, Spec)> = sources
        .iter()
        .map(|a| {
            let spec = source::parse_spec(a, env.home.as_deref(), &env.cwd)
                .map_err(super::failure::source_failure)?;
            Ok((a.clone(), spec))
        })
        .collect::<Result<_, Failure>>()?;
    let holds_skills = |s: &Spec| !matches!(s, Spec::Catalog { .. });
    if (!args.skills.is_empty() || args.list) && !specs.iter().any(|(_, s)| holds_skills(s)) {
        let flag = if args.list { "--list" } else { "--skill" };
        return Err(Failure::usage(format!(
            "{flag} applies to sources holding skills: a repository, a folder or a zip"
        ))
        .hint("e.g. `skillpack install acme/skills --skill NAME`"));
    }
    let opts = install::Options {
        force: args.force,
        dry_run: args.dry_run,
        // Every target agent (claude-code when none is named) must load the skill,
        // whichever root it goes to; `--dir` alone names no agent: the specification's check.
        agents: match args.target.agent_given || args.target.dir.is_none() {
            true => targets.iter().flat_map(|t| t.agents.clone()).collect(),
            false => Vec::new(),
        },
        ..install_options(&args.fetch.limits)
    };
    let transfer = Transfer::new(p);
    let mut session = session(&env, &args.fetch, &transfer)?;
    if args.list {
        super::source_list::list(p, &mut session, &specs, &args)?;
        return Ok(ExitCode::SUCCESS);
    }
    // Reports of the first root (what companions are looked up for), and every report
    // with the agents its root serves.
    let mut reports = Vec::new();
    let mut all: Vec<serde_json::Value> = Vec::new();
    let shown_agents = !args.target.agent.words().is_empty();
    // `asked`: --skill and --sha256, for the sources the user gave (not for companions).
    let install_all = |session: &mut Session<'_>,
                       specs: Vec<(String, Spec)>,
                       asked: Asked<'_>,
                       reports: &mut Vec<Report>,
                       all: &mut Vec<_>| {
        let mut bundles = Vec::new();
        for (arg, spec) in specs {
            bundles.extend(fetch_source(p, session, (&arg, spec), asked, &args)?);
        }
        // Every root must take every skill before any does (none holds a newer version or
        // changes made by hand), so that several agents' copies never differ.
        if targets.len() > 1 {
            let dry = install::Options {
                dry_run: true,
                ..opts.clone()
            };
            for (fetched, t) in bundles
                .iter()
                .flat_map(|f| targets.iter().map(move |t| (f, t)))
            {
                check_pipeline(p, &t.root, session, fetched, &dry).map_err(|f| Failure {
                    message: format!(
                        "{} (in {}, for {}); nothing was installed",
                        f.message,
                        super::display_path(&env, &t.root.dir),
                        t.ids().join(", ")
                    ),
                    ..f
                })?;
            }
        }
        for mut fetched in bundles {
            // One download and one checked tree: every further root must get the tree the
            // first one got.
            for (i, t) in targets.iter().enumerate() {
                let ids = if shown_agents { t.ids() } else { Vec::new() };
                let report = install_one(p, &env, &t.root, session, &fetched, &opts, &ids)?;
                all.push(report_json(&report, &t.ids()));
                if i == 0 {
                    fetched.expected_tree.get_or_insert(report.tree.clone());
                    reports.push(report);
                }
            }
        }
        Ok::<_, Failure>(())
    };
    let asked = Asked {
        skills: &args.skills,
        sha256: args.sha256.as_deref(),
    };
    super::project::check_before(&env, &args.target)?;
    let first = install_all(&mut session, specs, asked, &mut reports, &mut all);
    super::project::after_install(p, &env, &args.target, args.dry_run, &targets, &all)?;
    first?;
    // What the companions add is recorded after them (the rest is recorded already).
    let recorded = all.len();

    // Companions: one level, offered or listed, installed only when the user says so.
    let step = if args.no_companions {
        Step::Skip
    } else if args.with_companions {
        Step::All
    } else {
        Step::Ask
    };
    let explicit = args.target.dir.is_some().then(|| root.dir.clone());
    let target = offer::Target {
        env: &env,
        args: &args.target,
        keys: &args.fetch.trusted_keys,
        root: &root,
        explicit: explicit.as_deref(),
        dry_run: args.dry_run,
    };
    let declarers: std::collections::BTreeMap<String, source::SourceRecord> = reports
        .iter()
        .filter_map(|r| Some((r.name.clone(), r.source.clone()?)))
        .collect();
    let index = args.fetch.index.clone();
    let mut locate = |of: &str, name: &str| {
        install::companions::locate(&mut session, name, declarers.get(of), index.as_deref())
    };
    let (chosen, companions) = offer::after_install(p, &target, &reports, step, &mut locate)?;
    // Each companion on its own: one that fails is reported and the others still install;
    // what was installed before stays installed.
    let mut failed = Vec::new();
    let mut failures = Vec::new();
    for (name, arg, spec) in chosen {
        if let Err(f) = install_all(
            &mut session,
            vec![(arg, spec)],
            Asked::default(),
            &mut reports,
            &mut all,
        ) {
            let f = Failure {
                message: format!("{name}: {}", f.message),
                ..f
            };
            failed.push(json!({"name": name, "error": f.message, "kind": f.kind}));
            failures.push(f);
        }
    }
    if !p.json {
        report_failures(p, failures);
    }

    super::project::after_install(
        p,
        &env,
        &args.target,
        args.dry_run,
        &targets,
        &all[recorded..],
    )?;
    if p.json {
        p.json_out(&json!({
            "version": skillpack::SCHEMA_VERSION,
            "root": root.dir,
            "dry_run": args.dry_run,
            "installed": all,
            "companions": companions,
            "failed": failed,
        }));
    }
    if failed.is_empty() {
        return Ok(ExitCode::SUCCESS);
    }
    if !p.json {
        p.err(format!(
            "{}: {} companion{} could not be installed; the rest of the install stands",
            p.red("error"),
            failed.len(),
            if failed.len() == 1 { "" } else { "s" }
        ));
    }
    Ok(ExitCode::FAILURE)
}

/// Companion failures on stderr, those with the same hint together and the hint said once,
/// after the last of them.
fn report_failures(p: &Printer, failures: Vec<Failure>) {
    let mut groups: Vec<(Option<String>, Vec<Failure>)> = Vec::new();
    for f in failures {
        match groups.iter_mut().find(|(hint, _)| *hint == f.hint) {
            Some((_, group)) => group.push(f),
            None => groups.push((f.hint.clone(), vec![f])),
        }
    }
    for (hint, group) in groups {
        let last = group.len() - 1;
        for (i, f) in group.into_iter().enumerate() {
            let hint = if i == last { hint.clone() } else { None };
            p.failure(&Failure { hint, ..f });
        }
    }
}

/// Whether `root` would take the bundle (`opts`: a dry run), said only in a failure.
fn check_pipeline(
    p: &Printer,
    root: &install::Root,
    session: &mut Session<'_>,
    fetched: &skillpack::source::Fetched,
    opts: &install::Options,
) -> Result<Report, Failure> {
    install::install_fetched(session, root, fetched, opts, &mut p.on_wait())
        .map_err(|e| super::pipeline::in_archive(p, &fetched.source, e))
}
