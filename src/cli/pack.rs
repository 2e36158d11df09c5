//! `skillpack pack`: validate skill folders, then write reproducible release zips,
//! `SHA256SUMS` and `index.json`.

use std::collections::BTreeMap;
use std::path::{Component, Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, ValueEnum};
use serde_json::json;

use skillpack::bundle::BundleError;
use skillpack::bundle::error::PackReason;
use skillpack::bundle::index::{Index, IndexEntry};
use skillpack::bundle::pack::{Release, pack_release, sha256sums, write_release_file};
use skillpack::skill::{
    Diagnostic, Severity, SkillReport, ValidateOptions, find_skill_md, validate_dir,
};

use super::install::human_size;
use skillpack::text::escape;

use super::{CmdResult, Failure, Printer, ProfileArg, command, process_env};

pub const LONG_ABOUT: &str = "\
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
SHA256SUMS and index.json list exactly the skills of this run.";

pub const EXAMPLES: &str = "\
Examples:
  skillpack pack skill/account-management --out dist
  skillpack pack skills/* --out dist --format skill     also write <name>.skill files
  SOURCE_DATE_EPOCH=$(git log -1 --format=%ct) skillpack pack my-skill
  cd dist && sha256sum -c SHA256SUMS                     check the artifacts";

#[derive(Debug, Args)]
pub struct PackArgs {
    /// Skill folders to pack (or their SKILL.md files)
    #[arg(value_name = "PATH", required = true)]
    pub paths: Vec<PathBuf>,

    /// Folder to write the archives, SHA256SUMS and index.json into (created if missing)
    #[arg(short, long, value_name = "DIR", default_value = "dist")]
    pub out: PathBuf,

    /// `zip`: <name>-<version>.zip; `skill`: also a <name>.skill copy for claude.ai upload
    #[arg(long, value_enum, default_value_t = PackFormat::Zip)]
    pub format: PackFormat,

    /// The validation rules a skill must pass (`upload`: what claude.ai accepts)
    #[arg(long, value_enum, default_value_t = ProfileArg::Spec)]
    pub profile: ProfileArg,

    /// Refuse skills with warnings as well as errors
    #[arg(long)]
    pub strict: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PackFormat {
    Zip,
    Skill,
}

/// 1980-01-01 and 2108-01-01 in seconds since 1970: the range of an MS-DOS timestamp.
const DOS_EPOCH_MIN: u64 = 315_532_800;
const DOS_EPOCH_MAX: u64 = 4_354_819_200;

/// One PATH argument, resolved to its skill folder.
struct Input {
    /// As the user wrote it, for messages.
    dir: PathBuf,
    /// Absolute and symlink-free, to compare folders.
    canonical: PathBuf,
}

/// One validated skill, ready to pack.
struct Packed {
    input: Input,
    report: SkillReport,
    warnings: Vec<Diagnostic>,
    release: Release,
}

pub fn run(p: &Printer, args: PackArgs) -> CmdResult {
    let env = process_env()?;
    let epoch = source_date_epoch()?;
    // Zip timestamps are MS-DOS dates: 1980 to 2107.
    if epoch.is_some_and(|e| !(DOS_EPOCH_MIN..DOS_EPOCH_MAX).contains(&e)) {
        p.warn(
            "SOURCE_DATE_EPOCH lies outside the years zip can record (1980–2107); it is clamped",
        );
    }
    let inputs = resolve_inputs(&args.paths)?;
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
    check_unique_names(&reports)?;

    let packed = prepare(reports, epoch)?;
    for w in packed.iter().flat_map(|s| &s.warnings) {
        if !p.quiet && !p.json {
            p.err(escape(&w.to_string()));
        }
    }
    write_out(p, &args, &packed)?;

    if p.json {
        p.json_out(&json!({
            "version": skillpack::SCHEMA_VERSION,
            "out": out_abs,
            "format": match args.format { PackFormat::Zip => "zip", PackFormat::Skill => "skill" },
            "source_date_epoch": epoch,
            "skills": packed.iter().map(|s| skill_json(s, args.format)).collect::<Vec<_>>(),
            "sums": "SHA256SUMS",
            "index": "index.json",
        }));
    }
    Ok(ExitCode::SUCCESS)
}

/// Packs every validated skill in memory, in name order; nothing is written yet.
fn prepare(reports: Vec<(Input, SkillReport)>, epoch: Option<u64>) -> Result<Vec<Packed>, Failure> {
    let mut packed = Vec::new();
    for (input, report) in reports {
        let name = skill_name(&input, &report);
        let mut warnings: Vec<Diagnostic> = report
            .diagnostics
            .iter()
            .filter(|d| d.severity == Severity::Warning)
            .cloned()
            .collect();
        let version = match &report.meta.version {
            Some(v) => v.clone(),
            None => {
                warnings.push(Diagnostic {
                    rule: "version-missing",
                    severity: Severity::Warning,
                    file: report
                        .skill_md
                        .clone()
                        .unwrap_or_else(|| input.dir.join("SKILL.md")),
                    line: 0,
                    col: 0,
                    message: "no version in the frontmatter; packed as 0.0.0 (set `version` \
                              under `metadata`)"
                        .into(),
                });
                "0.0.0".into()
            }
        };
        let release = pack_release(&input.dir, &name, &version, epoch).map_err(pack_failure)?;
        packed.push(Packed {
            input,
            report,
            warnings,
            release,
        });
    }
    packed.sort_by(|a, b| a.release.name.as_bytes().cmp(b.release.name.as_bytes()));
    Ok(packed)
}

/// Writes the archives, then SHA256SUMS and index.json, each atomically.
fn write_out(p: &Printer, args: &PackArgs, packed: &[Packed]) -> Result<(), Failure> {
    // Everything is checked and in memory: only now is DIR created and written.
    std::fs::create_dir_all(&args.out).map_err(|e| {
        Failure::new(format!("cannot create `{}`: {e}", args.out.display()))
            .hint("choose another --out folder")
    })?;
    let write = |file: &str, bytes: &[u8]| {
        write_release_file(&args.out, file, bytes).map_err(|e| {
            Failure::new(e.to_string()).hint("check that the --out folder is writable")
        })
    };
    let mut sums: Vec<(String, String)> = Vec::new();
    for s in packed {
        let r = &s.release;
        write(&r.file_name, &r.bytes)?;
        sums.push((r.file_name.clone(), r.sha256.clone()));
        if args.format == PackFormat::Skill {
            write(&r.skill_file_name(), &r.bytes)?;
            sums.push((r.skill_file_name(), r.sha256.clone()));
        }
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
    }
    let index = Index::new(packed.iter().map(index_entry).collect());
    write(
        "SHA256SUMS",
        sha256sums(sums.iter().map(|(f, h)| (f.as_str(), h.as_str()))).as_bytes(),
    )?;
    write("index.json", &index.to_json())?;
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
    Ok(())
}

/// `SOURCE_DATE_EPOCH` as the reproducible-builds convention defines it: unset or empty
/// means none; anything but whole seconds is an error rather than silently ignored.
fn source_date_epoch() -> Result<Option<u64>, Failure> {
    let Some(raw) = std::env::var_os("SOURCE_DATE_EPOCH") else {
        return Ok(None);
    };
    if raw.is_empty() {
        return Ok(None);
    }
    let text = raw.to_string_lossy();
    match text.parse::<u64>() {
        Ok(secs) if text.bytes().all(|b| b.is_ascii_digit()) => Ok(Some(secs)),
        _ => Err(Failure::usage(format!(
            "SOURCE_DATE_EPOCH must be a number of seconds since 1970-01-01, not `{text}`"
        ))
        .hint("set it to e.g. $(git log -1 --format=%ct), or unset it")),
    }
}

/// Resolves PATH arguments to skill folders, dropping repeats of the same folder.
fn resolve_inputs(paths: &[PathBuf]) -> Result<Vec<Input>, Failure> {
    let mut inputs: Vec<Input> = Vec::new();
    for path in paths {
        let dir = if path.is_file()
            && path
                .file_name()
                .is_some_and(|n| n.eq_ignore_ascii_case("SKILL.md"))
        {
            match path.parent() {
                Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
                _ => PathBuf::from("."),
            }
        } else {
            path.clone()
        };
        let canonical = std::fs::canonicalize(&dir).map_err(|_| {
            Failure::new(format!("no such folder: `{}`", path.display()))
                .hint("name a skill folder, the one holding SKILL.md")
        })?;
        if !canonical.is_dir() {
            return Err(
                Failure::new(format!("`{}` is not a skill folder", path.display()))
                    .hint("name a skill folder, the one holding SKILL.md"),
            );
        }
        if find_skill_md(&dir).is_none() {
            return Err(no_skill_md(&dir));
        }
        if !inputs.iter().any(|i| i.canonical == canonical) {
            inputs.push(Input { dir, canonical });
        }
    }
    Ok(inputs)
}

/// A folder without SKILL.md; when it holds skill folders, say how to name them.
fn no_skill_md(dir: &Path) -> Failure {
    let mut children: Vec<PathBuf> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_dir() && find_skill_md(p).is_some())
        .collect();
    children.sort();
    let failure = Failure::new(format!(
        "no SKILL.md in `{}`: a skill is a folder holding SKILL.md",
        dir.display()
    ));
    if children.is_empty() {
        return failure.hint("name a skill folder, the one holding SKILL.md");
    }
    let shown: Vec<String> = children
        .iter()
        .take(3)
        .map(|c| c.to_string_lossy().into_owned())
        .collect();
    let more = if children.len() > 3 { " …" } else { "" };
    let mut words = vec!["skillpack", "pack"];
    words.extend(shown.iter().map(String::as_str));
    failure.hint(format!(
        "it holds {} skill folder{}; name them: {}{more}",
        children.len(),
        if children.len() == 1 { "" } else { "s" },
        command(words)
    ))
}

/// The absolute form of `path` with symlinks resolved as far as it exists, so that it can
/// be compared with canonical skill folders before it is created.
fn resolve_out(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for part in path.components() {
        match part {
            Component::CurDir => {}
            // `out` is canonical while it exists, so its parent is the real one.
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
        if let Ok(real) = std::fs::canonicalize(&out) {
            out = real;
        }
    }
    out
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

/// The name the skill is published under: its frontmatter `name`, which validation holds
/// equal to the folder name.
fn skill_name(input: &Input, report: &SkillReport) -> String {
    if !report.meta.name.is_empty() {
        return report.meta.name.clone();
    }
    input
        .canonical
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// Two skills of one name would overwrite each other's archive and index entry.
fn check_unique_names(reports: &[(Input, SkillReport)]) -> Result<(), Failure> {
    let mut seen: BTreeMap<String, &Input> = BTreeMap::new();
    for (input, report) in reports {
        let name = skill_name(input, report);
        if let Some(first) = seen.get(&name) {
            return Err(Failure::usage(format!(
                "two skills are named `{name}`: `{}` and `{}`",
                first.dir.display(),
                input.dir.display()
            ))
            .hint("pack them in separate runs, with different --out folders"));
        }
        seen.insert(name, input);
    }
    Ok(())
}

fn pack_failure(e: BundleError) -> Failure {
    let kind = match &e {
        BundleError::Pack {
            reason: PackReason::Symlink,
            ..
        } => "symlink",
        _ => e.rule().unwrap_or("pack"),
    };
    Failure {
        kind: Some(kind.into()),
        ..Failure::new(e.to_string())
            .hint("fix the folder, then run the command again; nothing was written")
    }
}

fn index_entry(s: &Packed) -> IndexEntry {
    IndexEntry {
        name: s.release.name.clone(),
        version: s.release.version.clone(),
        description: s.report.meta.description.clone(),
        url: s.release.file_name.clone(),
        sha256: s.release.sha256.clone(),
        tree: s.release.tree.clone(),
        size: s.release.bytes.len() as u64,
        companions: s.report.meta.companions.clone(),
    }
}

fn skill_json(s: &Packed, format: PackFormat) -> serde_json::Value {
    let r = &s.release;
    json!({
        "name": r.name,
        "version": r.version,
        "path": s.input.canonical,
        "file": r.file_name,
        "skill_file": (format == PackFormat::Skill).then(|| r.skill_file_name()),
        "sha256": r.sha256,
        "tree": r.tree,
        "size": r.bytes.len(),
        "files": r.files,
        "content_size": r.content_size,
        "companions": s.report.meta.companions,
        "warnings": s.warnings,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn out_folder_is_resolved_before_it_exists() {
        let tmp = tempfile::tempdir().unwrap();
        let base = std::fs::canonicalize(tmp.path()).unwrap();
        assert_eq!(resolve_out(&base.join("a/b")), base.join("a/b"));
        assert_eq!(resolve_out(&base.join("a/../c")), base.join("c"));
        assert_eq!(resolve_out(&base.join("./d")), base.join("d"));
        std::fs::create_dir(base.join("e")).unwrap();
        assert_eq!(resolve_out(&base.join("e/../f/./g")), base.join("f/g"));
        #[cfg(unix)]
        {
            std::os::unix::fs::symlink(base.join("e"), base.join("link")).unwrap();
            assert_eq!(resolve_out(&base.join("link/h")), base.join("e/h"));
        }
    }
}
