//! `skillpack pack`: validate skill folders, then write reproducible release zips,
//! `SHA256SUMS` and `index.json`.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, ValueEnum};
use serde_json::json;

use skillpack::bundle::release::{self, Candidate, Planned, ReleaseError, Written};
use skillpack::sign::SigningKey;
use skillpack::skill::{Diagnostic, Severity, SkillReport, ValidateOptions, validate_dir};

use super::progress::human_size;
use skillpack::text::escape;

use super::{CmdResult, Failure, Printer, ProfileArg, process_env};

mod inputs;
use inputs::{Input, resolve_inputs, resolve_out};

pub(crate) const LONG_ABOUT: &str = "\
Validate skill folders, then build release archives that are byte-identical on every run
and every machine.

For each PATH (a skill folder, or its SKILL.md), writes into DIR:
  <name>-<version>.zip   the skill folder at the zip root, as claude.ai upload expects
  SHA256SUMS             digests of the files written, checked by `sha256sum -c SHA256SUMS`
  index.json             name, version, description, url, sha256, tree digest, size and
                         companions of each skill: what `skillpack install --index` reads

The version is `metadata.version` from SKILL.md (else a top-level `version`), or 0.0.0
with a warning. A skill with validation errors, a symbolic link or a file that
`skillpack install` would refuse is not packed, and nothing is written.

Entries are sorted, with a fixed timestamp (1980-01-01, or SOURCE_DATE_EPOCH), Unix modes
0644 (0755 when executable), and one deflate implementation and level. `.git`,
`.DS_Store`, `__pycache__`, `*.pyc` and `node_modules` are left out. Each file is written
through a temporary file and a rename; other files in DIR are never touched, and
SHA256SUMS and index.json list exactly the skills of this run.

With --sign KEYFILE (a minisign secret key, from `skillpack key new` or `minisign -G`),
SHA256SUMS.minisig and index.json.minisig are written beside them: check them with
`minisign -Vm dist/index.json -p skillpack.pub`, or let `skillpack install --trusted-key`
do it. The key is unlocked before anything is packed; its password comes from a prompt, or
from SKILLPACK_SIGNING_PASSWORD.";

pub(crate) const EXAMPLES: &str = "\
Examples:
  skillpack pack skill/account-management --out dist
  skillpack pack skills/* --out dist --skill-files      also write <name>.skill files
  SOURCE_DATE_EPOCH=$(git log -1 --format=%ct) skillpack pack my-skill
  cd dist && sha256sum -c SHA256SUMS                     check the artifacts
  skillpack pack skills/* --out dist --sign skillpack.key  also sign SHA256SUMS and index.json";

#[derive(Debug, Args)]
pub struct PackArgs {
    /// Skill folders to pack (or their SKILL.md files)
    #[arg(value_name = "PATH", required = true)]
    pub paths: Vec<PathBuf>,

    /// Folder to write the archives, SHA256SUMS and index.json into (created if missing)
    #[arg(short, long, value_name = "DIR", default_value = "dist")]
    pub out: PathBuf,

    /// Also write a <name>.skill copy of each zip, for claude.ai upload
    #[arg(long)]
    pub skill_files: bool,

    /// Replaced by --skill-files (`skill`); still accepted, with a warning
    #[arg(long, value_enum, value_name = "FORMAT", hide = true)]
    pub format: Option<PackFormat>,

    /// The validation rules a skill must pass (`upload`: what claude.ai accepts)
    #[arg(long, value_enum, default_value_t = ProfileArg::Spec)]
    pub profile: ProfileArg,

    /// Refuse skills with warnings as well as errors
    #[arg(long)]
    pub strict: bool,

    /// Sign SHA256SUMS and index.json with this minisign secret key (password from a
    /// prompt or SKILLPACK_SIGNING_PASSWORD)
    #[arg(long, value_name = "KEYFILE")]
    pub sign: Option<PathBuf>,
}

/// The values of the old `--format`: `zip` (the default) or `skill` (`--skill-files`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PackFormat {
    Zip,
    Skill,
}

impl PackArgs {
    /// Whether `.skill` copies are written: `--skill-files`, or the old `--format skill`.
    fn skill_files(&self) -> bool {
        self.skill_files || self.format == Some(PackFormat::Skill)
    }
}

pub(crate) fn run(p: &Printer, args: PackArgs) -> CmdResult {
    let env = process_env()?;
    let epoch = release::parse_source_date_epoch(
        super::settings::get()
            .var_os("SOURCE_DATE_EPOCH")
            .as_deref(),
    )
    .map_err(|e| {
        Failure::usage(e.to_string()).hint("set it to e.g. $(git log -1 --format=%ct), or unset it")
    })?;
    if epoch.is_some_and(release::epoch_is_clamped) {
        p.warn(
            "SOURCE_DATE_EPOCH lies outside the years zip can record (1980–2107); it is clamped",
        );
    }
    if let Some(format) = args.format {
        p.warn(match format {
            PackFormat::Skill => "`pack --format skill` is deprecated: use --skill-files",
            PackFormat::Zip => {
                "`pack --format zip` is deprecated: zips are always written; drop it"
            }
        });
    }
    let inputs = resolve_inputs(&args.paths)?;
    // The key is unlocked before anything else, so that a wrong password costs no work.
    let key = match &args.sign {
        Some(path) => Some(super::key::load_signing_key(p, &env.cwd.join(path))?),
        None => None,
    };
    let out_abs = resolve_out(&env.cwd.join(&args.out));
    if let Some(inside) = inputs.iter().find(|i| out_abs.starts_with(&i.canonical)) {
        return Err(Failure::usage(format!(
            "--out `{}` is inside the skill folder `{}`: the next pack would include its own releases",
            args.out.display(),
            inside.dir.display()
        ))
        .hint("choose an --out folder outside every skill folder, such as `dist`"));
    }

    // Validate everything before packing anything, so that every problem is reported at once.
    // Options the validator may add later keep their defaults.
    #[allow(clippy::needless_update)]
    let opts = ValidateOptions {
        profile: args.profile.into(),
        strict: args.strict,
        ..ValidateOptions::default()
    };
    let reports: Vec<(Input, SkillReport)> = inputs
        .into_iter()
        .map(|i| {
            let report = validate_dir(&i.dir, &opts);
            (i, report)
        })
        .collect();
    if let Err(f) = refuse_invalid(p, &reports) {
        return refuse_json(p, f, &reports);
    }
    let candidates = reports
        .into_iter()
        .map(|(input, report)| Candidate {
            dir: input.dir,
            report,
        })
        .collect();
    let packed = release::plan(candidates, epoch).map_err(release_failure)?;
    for w in packed.iter().flat_map(|s| &s.warnings) {
        if !p.quiet && !p.json {
            p.err(escape(&w.to_string()));
        }
    }
    write_out(p, &args, &packed, key.as_ref())?;

    if p.json {
        p.json_out(&json!({
            "version": skillpack::SCHEMA_VERSION,
            "out": out_abs,
            "format": if args.skill_files() { "skill" } else { "zip" },
            "source_date_epoch": epoch,
            "skills": packed.iter().map(|s| skill_json(s, args.skill_files())).collect::<Vec<_>>(),
            "sums": "SHA256SUMS",
            "index": "index.json",
            "signed_by": key.as_ref().map(|k| json!({"key_id": k.id().to_string(), "public_key": k.public_base64()})),
        }));
    }
    Ok(ExitCode::SUCCESS)
}

/// Writes the archives, then SHA256SUMS and index.json, each atomically.
fn write_out(
    p: &Printer,
    args: &PackArgs,
    packed: &[Planned],
    key: Option<&SigningKey>,
) -> Result<(), Failure> {
    // Everything is checked and in memory: only now is DIR created and written.
    std::fs::create_dir_all(&args.out).map_err(|e| {
        Failure::new(format!("cannot create `{}`: {e}", args.out.display()))
            .hint("choose another --out folder")
    })?;
    let skill_files = args.skill_files();
    release::write(&args.out, packed, skill_files, key, |written| {
        let Written::Archive(s) = written else { return };
        let r = &s.release;
        p.status(
            "Packed",
            format!(
                "{} {} to {} ({} file{}, {}, {} compressed)",
                r.name,
                r.version,
                args.out.join(&r.file_name).display(),
                r.files,
                if r.files == 1 { "" } else { "s" },
                human_size(r.content_size),
                human_size(r.bytes.len() as u64),
            ),
        );
        p.detail(format!("sha256 {}", r.sha256));
        p.detail(format!("tree {}", r.tree));
    })
    .map_err(|e| Failure::new(e.to_string()).hint("check that the --out folder is writable"))?;
    p.status(
        "Wrote",
        format!(
            "{} and {} ({} skill{})",
            args.out.join("SHA256SUMS").display(),
            args.out.join("index.json").display(),
            packed.len(),
            if packed.len() == 1 { "" } else { "s" }
        ),
    );
    if let Some(key) = key {
        p.status(
            "Signed",
            format!(
                "SHA256SUMS.minisig and index.json.minisig with key ID {} ({})",
                key.id(),
                key.public_base64()
            ),
        );
    }
    Ok(())
}

/// Prints every error (and, unless quiet, every warning) of the invalid skills and refuses.
fn refuse_invalid(p: &Printer, reports: &[(Input, SkillReport)]) -> Result<(), Failure> {
    let invalid: Vec<&(Input, SkillReport)> =
        reports.iter().filter(|(_, r)| r.has_errors()).collect();
    if invalid.is_empty() {
        return Ok(());
    }
    for (_, report) in &invalid {
        for d in &report.diagnostics {
            if !p.json && (d.severity == Severity::Error || !p.quiet) {
                p.err(escape(&d.to_string()));
            }
        }
    }
    let errors: usize = invalid.iter().map(|(_, r)| r.errors()).sum();
    let plural = |n: usize| if n == 1 { "" } else { "s" };
    let message = match &invalid[..] {
        [(input, _)] => format!(
            "`{}` has {errors} error{}; nothing was packed",
            input.dir.display(),
            plural(errors)
        ),
        _ => format!(
            "{} skills have {errors} error{} in all; nothing was packed",
            invalid.len(),
            plural(errors)
        ),
    };
    Err(Failure {
        kind: Some("invalid-skill".into()),
        ..Failure::new(message).hint("fix the problems listed above, then run the command again")
    })
}

/// With `--json`, a refusal carries the diagnostics in the error document, so that a
/// consumer of stdout learns what to fix; stderr keeps only the error line.
fn refuse_json(p: &Printer, f: Failure, reports: &[(Input, SkillReport)]) -> CmdResult {
    if !p.json {
        return Err(f);
    }
    let diagnostics: Vec<&Diagnostic> = reports.iter().flat_map(|(_, r)| &r.diagnostics).collect();
    p.json_out(&json!({
        "version": skillpack::SCHEMA_VERSION,
        "error": { "message": f.message, "hint": f.hint, "kind": f.kind, "code": f.code },
        "diagnostics": diagnostics,
    }));
    p.err(format!("{}: {}", p.red("error"), escape(&f.message)));
    Ok(ExitCode::from(f.code))
}

/// A refusal of the release build, with its stable kind.
fn release_failure(e: ReleaseError) -> Failure {
    let kind = e.kind();
    let failure = match &e {
        ReleaseError::DuplicateName { .. } => Failure::usage(e.to_string())
            .hint("pack them in separate runs, with different --out folders"),
        ReleaseError::Bundle(_) => Failure::new(e.to_string())
            .hint("fix the folder, then run the command again; nothing was written"),
    };
    Failure {
        kind: Some(kind.into()),
        ..failure
    }
}

fn skill_json(s: &Planned, skill_files: bool) -> serde_json::Value {
    let r = &s.release;
    json!({
        "name": r.name,
        "version": r.version,
        "path": std::fs::canonicalize(&s.dir).unwrap_or_else(|_| s.dir.clone()),
        "file": r.file_name,
        "skill_file": skill_files.then(|| r.skill_file_name()),
        "sha256": r.sha256,
        "tree": r.tree,
        "size": r.bytes.len(),
        "files": r.files,
        "content_size": r.content_size,
        "companions": s.report.meta.companions,
        "warnings": s.warnings,
    })
}
