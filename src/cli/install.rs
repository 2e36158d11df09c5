//! `skillpack install`: resolve each SOURCE, fetch it, and run it through the install pipeline.

use std::cell::RefCell;
use std::path::Path;
use std::process::ExitCode;
use std::time::Duration;

use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};
use serde_json::json;

use skillpack::agents::Env;
use skillpack::bundle::{BundleError, Limits};
use skillpack::install::{self, Action, InstallError, Report, Root};
use skillpack::skill::SkillError;
use skillpack::source::SourceRecord;
use skillpack::source::http::Progress;
use skillpack::source::{self, Config, Fetched, InRepo, Resolved, Session, SourceError, Spec};

use super::companions::{self, Step};
use super::{CmdResult, Failure, Printer, command, display_path, process_env, target_root};
use crate::{FetchArgs, LimitArgs, TargetArgs};

pub const LONG_ABOUT: &str = "\
Install skills into an agent's skills folder.

With no SOURCE, installs the account-management skill compiled into skillpack: no network
needed. Every source goes through the same pipeline: the archive digest is verified, every
entry is checked before anything is unpacked, the skill is staged beside the target and
checked to load, then swapped in atomically and recorded in <root>/.skillpack/lock.json.

SOURCE is one of:
  NAME              a catalog name: account-management (compiled in), or a companion such
                    as crm-management, fetched from its pinned repository commit and
                    checked against its pinned tree digest; --index adds a remote catalog
  ./folder          a local skill folder
  FILE.zip          a .zip or .skill file
  https://URL       a zip on the web: pin it with --sha256, or confirm it (--yes) and its
                    digest is recorded
  owner/repo[@ref]  a GitHub repository archive (ref: branch, tag or commit; default the
                    default branch); --skill NAME picks the skill in it

Afterwards the companion skills the installed skills recommend are looked for; missing ones
are offered on a terminal and listed elsewhere. --with-companions installs them without
asking, --no-companions skips the step.

Downloads are HTTPS only (plain http only to loopback addresses), certificate-checked,
retried on transient failures, streamed into a cache and verified before anything is
unpacked. HTTPS_PROXY is honoured.

Environment: SKILLPACK_INDEX (as --index), SKILLPACK_CACHE_DIR (the download cache),
SKILLPACK_GITHUB_URL (a mirror of https://codeload.github.com), SKILLPACK_HTTP_TIMEOUT
(seconds a download may stall, default 30), SKILLPACK_HTTP_MIN_RATE (bytes per second a
download must average, default 100), SKILLPACK_HTTP_DEADLINE (seconds for a whole download,
default 900), SKILLPACK_RETRY_BASE_MS (first retry delay).";

pub const EXAMPLES: &str = "\
Examples:
  skillpack install                              the embedded account-management skill
  skillpack install --scope project              into ./.claude/skills of this project
  skillpack install --agent codex                into ~/.agents/skills
  skillpack install ./my-skill                   a local folder
  skillpack install my-skill.zip --sha256 9f2c…  a zip, checked against its digest
  skillpack install crm-management               a companion, verified against its pin
  skillpack install --with-companions            account-management and its companions
  skillpack install https://example.com/s.zip --sha256 9f2c…
  skillpack install acme/skills@v2 --skill crm   one skill of a GitHub repository
  skillpack install acme/skills --skill a --skill b
                                                 two skills, one download
  skillpack install team-skill --index https://skills.example.com/index.json
  skillpack install --dir /tmp/skills --dry-run  show what would happen, change nothing";

#[derive(Debug, Args)]
pub struct InstallArgs {
    /// What to install (default: the embedded account-management)
    #[arg(value_name = "SOURCE")]
    pub sources: Vec<String>,

    #[command(flatten)]
    pub target: TargetArgs,

    /// Expected SHA-256 of the archive (file and URL sources)
    #[arg(long, value_name = "HEX", value_parser = parse_sha256)]
    pub sha256: Option<String>,

    /// The skill to take from an owner/repo source (repeat for several)
    #[arg(long = "skill", value_name = "NAME")]
    pub skills: Vec<String>,

    /// Replace a skill with local changes, or a folder skillpack did not install
    #[arg(long)]
    pub force: bool,

    /// Verify, unpack and check, but change nothing
    #[arg(long)]
    pub dry_run: bool,

    /// Answer yes to every question
    #[arg(short, long)]
    pub yes: bool,

    /// Also install every missing companion of the installed skills, without asking
    #[arg(long, conflicts_with = "no_companions")]
    pub with_companions: bool,

    /// Do not look for companions after installing
    #[arg(long)]
    pub no_companions: bool,

    #[command(flatten)]
    pub fetch: FetchArgs,
}

/// 64 hexadecimal digits, optionally after `sha256:`; kept in lowercase.
fn parse_sha256(text: &str) -> Result<String, String> {
    let hex = text.trim().trim_start_matches("sha256:");
    if hex.len() == 64 && hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        Ok(hex.to_ascii_lowercase())
    } else {
        Err("expected 64 hexadecimal digits (a SHA-256), e.g. from `sha256sum FILE`".into())
    }
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
    let specs: Vec<Spec> = sources
        .iter()
        .map(|a| source::parse_spec(a, env.home.as_deref(), &env.cwd))
        .collect();
    if !args.skills.is_empty() && !specs.iter().any(|s| matches!(s, Spec::Github { .. })) {
        return Err(
            Failure::usage("--skill applies to owner/repo[@ref] sources")
                .hint("e.g. `skillpack install acme/skills --skill NAME`"),
        );
    }
    let opts = install::Options {
        force: args.force,
        dry_run: args.dry_run,
        limits: limits(&args.fetch.limits),
        commit: super::commit_options(),
    };
    let transfer = Transfer::new(p);
    let mut session = session(&env, &args.fetch, &transfer)?;
    let mut reports = Vec::new();
    let mut install_all = |specs: Vec<Spec>, reports: &mut Vec<Report>| {
        for spec in specs {
            for fetched in fetch_source(p, &mut session, spec, &args)? {
                let report = install_one(p, &env, &root, &mut session, fetched, &opts)?;
                reports.push(report);
            }
        }
        Ok::<_, Failure>(())
    };
    install_all(specs, &mut reports)?;

    // Companions: one level, offered or listed, installed only when the user says so.
    let step = if args.no_companions {
        Step::Skip
    } else if args.with_companions {
        Step::All
    } else {
        Step::Ask
    };
    let explicit = args.target.dir.is_some().then(|| root.dir.clone());
    let (chosen, companions) =
        companions::after_install(p, &env, &args.target, explicit.as_deref(), &reports, step);
    // Each companion on its own: one that fails is reported and the others still install;
    // what was installed before stays installed.
    let mut failed = Vec::new();
    for name in chosen {
        if let Err(f) = install_all(vec![Spec::Catalog(name.clone())], &mut reports) {
            if !p.json {
                p.failure(&f);
            }
            failed.push(json!({"name": name, "error": f.message, "kind": f.kind}));
        }
    }

    if p.json {
        p.json_out(&json!({
            "version": skillpack::SCHEMA_VERSION,
            "root": root.dir,
            "dry_run": args.dry_run,
            "installed": reports.iter().map(report_json).collect::<Vec<_>>(),
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

/// A fetch session configured from the environment, `--index` and the limits; an HTTP
/// setting in the environment that is not a number in its range is a usage error.
pub fn session<'p>(
    env: &Env,
    fetch: &FetchArgs,
    progress: &'p dyn Progress,
) -> Result<Session<'p>, Failure> {
    let config = Config::from_vars(
        env.cwd.clone(),
        fetch.index.clone(),
        limits(&fetch.limits),
        &|var| std::env::var_os(var),
    )
    .map_err(|e| {
        Failure::usage(e.to_string()).hint(format!(
            "set {} to a value in that range, or unset it",
            e.var()
        ))
    })?;
    Ok(Session::new(config, progress))
}

/// resolve + fetch for one SOURCE: one bundle, or one per `--skill` of a repository.
pub fn fetch_source(
    p: &Printer,
    session: &mut Session<'_>,
    spec: Spec,
    args: &InstallArgs,
) -> Result<Vec<Fetched>, Failure> {
    let sha256 = args.sha256.as_deref();
    match spec {
        Spec::Catalog(name) => {
            let resolved = session.resolve(&name, None).map_err(source_failure)?;
            describe_resolved(p, session, &resolved, args.fetch.index.as_deref());
            Ok(vec![
                session.fetch_resolved(&resolved).map_err(source_failure)?,
            ])
        }
        Spec::Path(path) => Ok(vec![
            session
                .fetch_path(&path, args.sha256.clone())
                .map_err(source_failure)?,
        ]),
        Spec::Url(url) => {
            let fetched = session.fetch_url(&url, sha256).map_err(source_failure)?;
            if sha256.is_none() {
                confirm_unpinned(p, &fetched, args.yes, args.dry_run)?;
            }
            Ok(vec![fetched])
        }
        Spec::Github { repo, reference } => {
            let reference = reference.as_deref();
            if args.skills.is_empty() {
                return Ok(vec![
                    session
                        .fetch_github(&repo, reference, InRepo::Only, sha256)
                        .map_err(source_failure)?,
                ]);
            }
            args.skills
                .iter()
                .map(|s| {
                    session
                        .fetch_github(&repo, reference, InRepo::Named(s), sha256)
                        .map_err(source_failure)
                })
                .collect()
        }
    }
}

/// A `-v` line saying where a catalog name resolved to, after any warning the resolution
/// left (an index that could not be read, entries of the index `index` that were set aside).
pub fn describe_resolved(
    p: &Printer,
    session: &mut Session<'_>,
    resolved: &Resolved,
    index: Option<&str>,
) {
    for w in session.take_warnings() {
        p.warn(format!("{w}; using the catalog compiled into skillpack"));
    }
    // Read once per run already: this looks the index up again, it does not fetch it again.
    if let Some(spec) = index.filter(|i| !i.trim().is_empty())
        && let Ok(idx) = session.index(spec)
    {
        for name in &idx.ignored {
            p.warn_once(
                &format!("index-entry\0{spec}\0{name}"),
                format!(
                    "ignoring the entry `{name}` of the index {}: it is not a skill name (lowercase letters, digits and single hyphens)",
                    idx.shown()
                ),
            );
        }
    }
    match resolved {
        Resolved::Embedded => p.detail(format!("{} is compiled into skillpack", resolved.name())),
        Resolved::Catalog(e) => {
            if let source::catalog::Origin::Github { repo, commit, path } = &e.origin {
                p.detail(format!(
                    "{} {} is {path} of {repo} at {commit}",
                    e.name, e.version
                ));
            }
        }
        Resolved::Index { entry, index, .. } => p.detail(format!(
            "{} {} comes from the index {index}",
            entry.name, entry.version
        )),
    }
}

/// A download nothing vouches for is installed only when the user says so: on a terminal
/// by answering a question, elsewhere with `--yes`. Its digest is recorded either way.
pub fn confirm_unpinned(
    p: &Printer,
    fetched: &Fetched,
    yes: bool,
    dry_run: bool,
) -> Result<(), Failure> {
    let url = match &fetched.source {
        SourceRecord::Url { url } | SourceRecord::Index { url, .. } => url.as_str(),
        _ => "the download",
    };
    let digest = &fetched.sha256;
    if dry_run {
        p.warn(format!(
            "`{url}` is not pinned with --sha256; its sha256 is {digest}"
        ));
        return Ok(());
    }
    if yes {
        p.warn(format!(
            "installing `{url}` without --sha256; recording its sha256 {digest}"
        ));
        return Ok(());
    }
    let pin_hint = format!(
        "its sha256 is {digest}; if its publisher confirms that, run `{}`, or pass --yes to trust it as it is",
        command(["skillpack", "install", url, "--sha256", digest])
    );
    if p.interactive() {
        let answer = dialoguer::Confirm::new()
            .with_prompt(format!(
                "`{}` is not pinned with --sha256 (its sha256 is {digest}). Install it?",
                skillpack::text::escape(url)
            ))
            .default(false)
            .interact()
            .unwrap_or(false);
        return if answer {
            Ok(())
        } else {
            Err(Failure::new(format!("did not install `{url}`")).hint(pin_hint))
        };
    }
    Err(Failure {
        kind: Some("unpinned".into()),
        ..Failure::new(format!(
            "refusing to install `{url}` without --sha256: nothing vouches for its content"
        ))
        .hint(pin_hint)
    })
}

/// verify → inspect → stage → check → commit → record, with progress lines.
pub fn install_one(
    p: &Printer,
    env: &Env,
    root: &Root,
    session: &mut Session<'_>,
    fetched: Fetched,
    opts: &install::Options,
) -> Result<Report, Failure> {
    let report = run_pipeline(p, root, session, fetched, opts)?;
    render(p, env, &report);
    Ok(report)
}

/// The pipeline alone, reporting only waits for the root's lock and recovered debris.
pub fn run_pipeline(
    p: &Printer,
    root: &Root,
    session: &mut Session<'_>,
    fetched: Fetched,
    opts: &install::Options,
) -> Result<Report, Failure> {
    p.detail(format!("archive sha256:{}", fetched.sha256));
    let mut on_wait = |lock: &Path| {
        p.status_warn(
            "Blocking",
            format!(
                "waiting for another skillpack run (lock {})",
                lock.display()
            ),
        )
    };
    let report = install::install_fetched(session, root, &fetched, opts, &mut on_wait)
        .map_err(install_failure)?;
    if report.recovered > 0 {
        p.status_warn(
            "Recovered",
            format!(
                "cleaned {} folder(s) left by an interrupted run",
                report.recovered
            ),
        );
    }
    Ok(report)
}

/// The status line for what the pipeline did.
pub fn render(p: &Printer, env: &Env, report: &Report) {
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
}

/// Download progress for the command line: a `Downloading` line, a progress bar on a
/// terminal, and a line per retry.
pub struct Transfer<'a> {
    p: &'a Printer,
    bar: RefCell<Option<ProgressBar>>,
}

impl<'a> Transfer<'a> {
    pub fn new(p: &'a Printer) -> Transfer<'a> {
        Transfer {
            p,
            bar: RefCell::new(None),
        }
    }
}

impl Progress for Transfer<'_> {
    fn start(&self, what: &str, total: Option<u64>) {
        self.p.status("Downloading", what);
        if !self.p.interactive() {
            return;
        }
        let bar = match total {
            Some(len) => ProgressBar::new(len).with_style(
                ProgressStyle::with_template(
                    "{spinner:.green} [{bar:32}] {bytes}/{total_bytes} {bytes_per_sec} {eta}",
                )
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .progress_chars("=> "),
            ),
            None => ProgressBar::new_spinner().with_style(
                ProgressStyle::with_template("{spinner:.green} {bytes} {bytes_per_sec}")
                    .unwrap_or_else(|_| ProgressStyle::default_spinner()),
            ),
        };
        bar.enable_steady_tick(Duration::from_millis(120));
        *self.bar.borrow_mut() = Some(bar);
    }

    fn advance(&self, bytes: u64) {
        if let Some(bar) = self.bar.borrow().as_ref() {
            bar.inc(bytes);
        }
    }

    fn finish(&self) {
        if let Some(bar) = self.bar.borrow_mut().take() {
            bar.finish_and_clear();
        }
    }

    fn retry(&self, what: &str, attempt: u32, attempts: u32, delay: Duration, reason: &str) {
        let delay = if delay < Duration::from_secs(1) {
            format!("{} ms", delay.as_millis())
        } else {
            format!("{:.1} s", delay.as_secs_f64())
        };
        self.p.status_warn(
            "Retrying",
            format!(
                "{what} in {delay} (attempt {} of {attempts}): {reason}",
                attempt + 1
            ),
        );
    }
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
        // Only names that are skill names: the others were reported as ignored.
        "companions": r.companions.iter().filter(|c| skillpack::skill::is_valid_name(c)).collect::<Vec<_>>(),
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
        SourceError::NotFound { .. } => Failure::new(e.to_string())
            .hint("check the path, or name a catalog skill such as account-management"),
        SourceError::UnknownSkill { .. } => with_kind(
            "unknown-skill",
            Failure::new(e.to_string()).hint(
                "name a folder, zip, https:// URL or owner/repo --skill NAME, or add a catalog with --index URL",
            ),
        ),
        SourceError::ManySkills { .. }
        | SourceError::SkillNotInRepo { .. }
        | SourceError::AmbiguousSkill { .. } => with_kind(
            "skill-not-found",
            Failure::new(e.to_string())
                .hint("name the skill's folder with --skill NAME (e.g. --skill crm-management)"),
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
        _ => Failure::new(e.to_string()),
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
                ..Failure::new(e.to_string()).hint(format!("`{}` lists the changes", command(["skillpack", "verify", name.as_str()])))
            }
        }
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
