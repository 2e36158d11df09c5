//! `skillpack install`: resolve each SOURCE, fetch it, and run it through the install pipeline.

use std::path::Path;
use std::process::ExitCode;

use clap::Args;
use serde_json::json;

use skillpack::agents::Env;
use skillpack::bundle::{BundleError, Limits};
use skillpack::install::{self, Action, InstallError, Report, Root};
use skillpack::skill::SkillError;
use skillpack::source::{self, Fetched, SourceError, Spec, catalog};

use super::{CmdResult, Failure, Printer, display_path, process_env, target_root};
use crate::{LimitArgs, TargetArgs};

pub const LONG_ABOUT: &str = "\
Install skills into an agent's skills folder.

With no SOURCE, installs the account-management skill compiled into skillpack: no network
needed. Every source goes through the same pipeline: the archive digest is verified, every
entry is checked before anything is unpacked, the skill is staged beside the target and
checked to load, then swapped in atomically and recorded in <root>/.skillpack/lock.json.

SOURCE is a catalog name (account-management), a local folder, a .zip or .skill file.";

pub const EXAMPLES: &str = "\
Examples:
  skillpack install                              the embedded account-management skill
  skillpack install --scope project              into ./.claude/skills of this project
  skillpack install --agent codex                into ~/.agents/skills
  skillpack install ./my-skill                   a local folder
  skillpack install my-skill.zip --sha256 9f2c…  a zip, checked against its digest
  skillpack install --dir /tmp/skills --dry-run  show what would happen, change nothing";

#[derive(Debug, Args)]
pub struct InstallArgs {
    /// What to install (default: the embedded account-management)
    #[arg(value_name = "SOURCE")]
    pub sources: Vec<String>,

    #[command(flatten)]
    pub target: TargetArgs,

    /// Expected SHA-256 of the archive (file and URL sources)
    #[arg(long, value_name = "HEX")]
    pub sha256: Option<String>,

    /// Replace a skill with local changes, or a folder skillpack did not install
    #[arg(long)]
    pub force: bool,

    /// Verify, unpack and check, but change nothing
    #[arg(long)]
    pub dry_run: bool,

    /// Answer yes to every question
    #[arg(short, long)]
    pub yes: bool,

    #[command(flatten)]
    pub limits: LimitArgs,
}

pub fn limits(l: &LimitArgs) -> Limits {
    Limits {
        max_total: l.max_size,
        max_entry: l.max_size,
        max_entries: l.max_files,
        max_ratio: l.max_ratio,
        ..Limits::default()
    }
}

pub fn run(p: &Printer, args: InstallArgs) -> CmdResult {
    let env = process_env()?;
    let root = target_root(&env, &args.target)?;
    let sources = if args.sources.is_empty() {
        vec![source::embedded::NAME.to_string()]
    } else {
        args.sources.clone()
    };
    if args.sha256.is_some() && sources.len() > 1 {
        return Err(Failure::usage("--sha256 applies to a single SOURCE")
            .hint("install the sources one at a time"));
    }
    let opts = install::Options {
        force: args.force,
        dry_run: args.dry_run,
        limits: limits(&args.limits),
    };
    let mut reports = Vec::new();
    for arg in &sources {
        let fetched = fetch(p, &env, arg, &args)?;
        let report = install_one(p, &env, &root, fetched, &opts)?;
        reports.push(report);
    }
    if p.json {
        p.json_out(&json!({
            "version": skillpack::SCHEMA_VERSION,
            "root": root.dir,
            "dry_run": args.dry_run,
            "installed": reports.iter().map(report_json).collect::<Vec<_>>(),
        }));
    }
    Ok(ExitCode::SUCCESS)
}

/// resolve + fetch for one SOURCE argument.
fn fetch(p: &Printer, env: &Env, arg: &str, args: &InstallArgs) -> Result<Fetched, Failure> {
    match source::parse_spec(arg, env.home.as_deref(), &env.cwd) {
        Spec::Catalog(name) => match catalog::find(&name) {
            Some(entry) if entry.origin == catalog::Origin::Embedded => {
                p.detail(format!("{name} is compiled into skillpack"));
                Ok(source::fetch_embedded())
            }
            Some(_) => Err(Failure::new(format!(
                "`{name}` is not compiled into skillpack and must be downloaded"
            ))
            .hint("download its zip and run `skillpack install FILE.zip`")),
            None => Err(source_failure(SourceError::UnknownSkill {
                name: name.clone(),
                hint: String::new(),
            })
            .hint(format!(
                "known skills: {}",
                catalog::ENTRIES
                    .iter()
                    .map(|e| e.name)
                    .collect::<Vec<_>>()
                    .join(", ")
            ))),
        },
        Spec::Path(path) => source::fetch_path(&path, args.sha256.clone()).map_err(source_failure),
        Spec::Url(url) => Err(Failure::new(format!(
            "cannot install `{url}`: URL sources are not supported by this build"
        ))
        .hint("download the zip and run `skillpack install FILE.zip --sha256 HEX`")),
        Spec::Github { repo, .. } => Err(Failure::new(format!(
            "cannot install `{repo}`: GitHub sources are not supported by this build"
        ))),
    }
}

/// verify → inspect → stage → check → commit → record, with progress lines.
pub fn install_one(
    p: &Printer,
    env: &Env,
    root: &Root,
    fetched: Fetched,
    opts: &install::Options,
) -> Result<Report, Failure> {
    let request = fetched.into_request();
    p.detail(format!("archive sha256:{}", request.archive_sha256));
    let mut on_wait = |lock: &Path| {
        p.status_warn(
            "Blocking",
            format!(
                "waiting for another skillpack run (lock {})",
                lock.display()
            ),
        )
    };
    let report = install::install(root, &request, opts, &mut on_wait).map_err(install_failure)?;
    if report.recovered > 0 {
        p.status_warn(
            "Recovered",
            format!(
                "cleaned {} folder(s) left by an interrupted run",
                report.recovered
            ),
        );
    }
    let where_ = display_path(env, &report.path);
    let version = report
        .version
        .as_deref()
        .map(|v| format!(" {v}"))
        .unwrap_or_default();
    let what = format!("{}{version}", report.name);
    let size = format!(
        "{} file{}, {}",
        report.files,
        if report.files == 1 { "" } else { "s" },
        human_size(report.size)
    );
    match &report.action {
        Action::Installed => p.status("Installed", format!("{what} to {where_} ({size})")),
        Action::Updated { from } => p.status(
            "Replaced",
            format!(
                "{} {} with{version} at {where_} ({size})",
                report.name,
                from.as_deref().unwrap_or("(unversioned)")
            ),
        ),
        Action::Unchanged => p.status("Fresh", format!("{what} is already installed at {where_}")),
        Action::WouldInstall { replaces } => p.status(
            "Would install",
            format!(
                "{what} to {where_} ({size}){}; nothing was changed",
                if *replaces { ", replacing it" } else { "" }
            ),
        ),
    }
    p.detail(format!("tree {}", report.tree));
    Ok(report)
}

pub fn report_json(r: &Report) -> serde_json::Value {
    json!({
        "name": r.name,
        "version": r.version,
        "action": r.action.id(),
        "path": r.path,
        "tree": r.tree,
        "files": r.files,
        "size": r.size,
        "companions": r.companions,
    })
}

pub fn human_size(bytes: u64) -> String {
    const UNITS: [&str; 4] = ["B", "KiB", "MiB", "GiB"];
    let mut v = bytes as f64;
    let mut unit = 0;
    while v >= 1024.0 && unit < UNITS.len() - 1 {
        v /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{bytes} B")
    } else {
        format!("{v:.1} {}", UNITS[unit])
    }
}

pub fn source_failure(e: SourceError) -> Failure {
    match e {
        SourceError::Bundle(b) => bundle_failure(b),
        SourceError::NotFound { .. } => Failure::new(e.to_string())
            .hint("check the path, or name a catalog skill such as account-management"),
        other => Failure::new(other.to_string()),
    }
}

fn bundle_failure(e: BundleError) -> Failure {
    let kind = e.rule().map(str::to_string);
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

pub fn install_failure(e: InstallError) -> Failure {
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
                ..Failure::new(e.to_string()).hint(format!(
                    "{n} problem{} in all; nothing was installed. Run `skillpack validate` on the skill folder to see them",
                    if n == 1 { "" } else { "s" }
                ))
            }
        }
        InstallError::Modified { ref path, .. } => {
            let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            Failure {
                kind: Some("modified".into()),
                ..Failure::new(e.to_string()).hint(format!("`skillpack verify {name}` lists the changes"))
            }
        }
        InstallError::Unmanaged { .. } => Failure {
            kind: Some("unmanaged".into()),
            ..Failure::new(e.to_string())
        },
        other => Failure::new(other.to_string()),
    }
}
