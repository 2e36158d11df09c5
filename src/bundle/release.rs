//! The release build behind `skillpack pack`: from validated skill folders to the archives,
//! `SHA256SUMS` and `index.json` of one run.
//!
//! [`plan`] decides everything in memory (names, versions, archive bytes, index entries);
//! [`write`] then writes each file atomically. Nothing is written when any skill is refused.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::skill::{Diagnostic, Severity, SkillReport};

use super::error::BundleError;
use super::index::{Index, IndexEntry};
pub use super::pack::ZIP_EPOCH_RANGE;
use super::pack::{Release, pack_release, remove_release_file, sha256sums, write_release_file};
use crate::sign::{SIG_SUFFIX, SignError, SigningKey};

/// The id of the warning given to a skill packed without a version.
pub const VERSION_MISSING: &str = "version-missing";

/// The version a skill without one is published under.
pub const DEFAULT_VERSION: &str = "0.0.0";

/// Whether `epoch` must be clamped to fit a zip timestamp.
pub fn epoch_is_clamped(epoch: u64) -> bool {
    !ZIP_EPOCH_RANGE.contains(&epoch)
}

/// Why a `SOURCE_DATE_EPOCH` value was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("SOURCE_DATE_EPOCH must be a number of seconds since 1970-01-01, not `{0}`")]
pub struct BadEpoch(pub String);

/// `SOURCE_DATE_EPOCH` as the reproducible-builds convention defines it: unset or empty
/// means none; anything but whole seconds is an error rather than silently ignored.
pub fn parse_source_date_epoch(raw: Option<&std::ffi::OsStr>) -> Result<Option<u64>, BadEpoch> {
    let Some(raw) = raw.filter(|r| !r.is_empty()) else {
        return Ok(None);
    };
    let text = raw.to_string_lossy();
    match text.parse::<u64>() {
        Ok(secs) if text.bytes().all(|b| b.is_ascii_digit()) => Ok(Some(secs)),
        _ => Err(BadEpoch(text.into_owned())),
    }
}

/// One validated skill folder offered for release.
#[derive(Debug)]
pub struct Candidate {
    /// The folder as the user named it, for messages.
    pub dir: PathBuf,
    /// What validation found; skills with errors are refused before [`plan`].
    pub report: SkillReport,
}

/// One skill packed in memory, ready to be written.
#[derive(Debug)]
pub struct Planned {
    pub dir: PathBuf,
    pub report: SkillReport,
    /// Validation warnings, plus [`VERSION_MISSING`] when the skill has no version.
    pub warnings: Vec<Diagnostic>,
    pub release: Release,
}

impl Planned {
    /// The skill's entry in `index.json`; its `url` is relative to the index.
    pub fn index_entry(&self) -> IndexEntry {
        IndexEntry {
            name: self.release.name.clone(),
            version: self.release.version.clone(),
            description: self.report.meta.description.clone(),
            url: self.release.file_name.clone(),
            sha256: self.release.sha256.clone(),
            tree: self.release.tree.clone(),
            size: self.release.bytes.len() as u64,
            companions: self.report.meta.companions.clone(),
        }
    }
}

/// Why a release could not be planned.
#[derive(Debug, thiserror::Error)]
pub enum ReleaseError {
    /// Two folders publish the same name: their archives and index entries would collide.
    #[error("two skills are named `{name}`: `{}` and `{}`", first.display(), second.display())]
    DuplicateName {
        name: String,
        first: PathBuf,
        second: PathBuf,
    },
    #[error(transparent)]
    Bundle(#[from] BundleError),
}

impl ReleaseError {
    /// A stable id for `--json` output and hints.
    pub fn kind(&self) -> &'static str {
        match self {
            ReleaseError::DuplicateName { .. } => "duplicate-name",
            ReleaseError::Bundle(e) => e.kind(),
        }
    }
}

/// The name a skill is published under: its frontmatter `name`, which validation holds
/// equal to the folder name, or the folder's own name when the frontmatter has none.
pub fn release_name(dir: &Path, report: &SkillReport) -> String {
    if !report.meta.name.is_empty() {
        return report.meta.name.clone();
    }
    let canonical = std::fs::canonicalize(dir).unwrap_or_else(|_| dir.to_path_buf());
    canonical
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// Packs every candidate in memory, in name order; nothing is written. Names must be
/// unique; a skill without a version is packed as [`DEFAULT_VERSION`] with a warning.
pub fn plan(candidates: Vec<Candidate>, epoch: Option<u64>) -> Result<Vec<Planned>, ReleaseError> {
    let mut seen: BTreeMap<String, PathBuf> = BTreeMap::new();
    for c in &candidates {
        let name = release_name(&c.dir, &c.report);
        if let Some(first) = seen.get(&name) {
            return Err(ReleaseError::DuplicateName {
                name,
                first: first.clone(),
                second: c.dir.clone(),
            });
        }
        seen.insert(name, c.dir.clone());
    }
    let mut planned = Vec::with_capacity(candidates.len());
    for Candidate { dir, report } in candidates {
        let name = release_name(&dir, &report);
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
                    rule: VERSION_MISSING,
                    severity: Severity::Warning,
                    file: report
                        .skill_md
                        .clone()
                        .unwrap_or_else(|| dir.join("SKILL.md")),
                    line: 0,
                    col: 0,
                    message: format!(
                        "no version in the frontmatter; packed as {DEFAULT_VERSION} (set \
                         `version` under `metadata`)"
                    ),
                });
                DEFAULT_VERSION.into()
            }
        };
        let release = pack_release(&dir, &name, &version, epoch)?;
        planned.push(Planned {
            dir,
            report,
            warnings,
            release,
        });
    }
    planned.sort_by(|a, b| a.release.name.as_bytes().cmp(b.release.name.as_bytes()));
    Ok(planned)
}

/// One file [`write`] wrote.
#[derive(Debug, Clone, Copy)]
pub enum Written<'a> {
    /// A skill's archive (or its `.skill` copy).
    Archive(&'a Planned),
    /// `SHA256SUMS` and `index.json`, written last.
    Manifests,
}

/// The names of the two manifests a release writes, each signed by `<name>.minisig` when a
/// key is given.
pub const MANIFESTS: [&str; 2] = ["SHA256SUMS", "index.json"];

/// Writes the archives (and `.skill` copies when `skill_files`), then `SHA256SUMS` and
/// `index.json`, each atomically into the existing folder `out`. With `key`, the two
/// manifests are signed first, in memory, so that a signing failure writes nothing; the
/// signatures (`SHA256SUMS.minisig`, `index.json.minisig`) are written last. Without one,
/// signatures left by an earlier run are removed: they would no longer match. `on_written`
/// is called after each skill's files and after the manifests, so a caller can report
/// progress.
pub fn write<'a>(
    out: &Path,
    planned: &'a [Planned],
    skill_files: bool,
    key: Option<&SigningKey>,
    mut on_written: impl FnMut(Written<'a>),
) -> Result<(), BundleError> {
    let mut sums: Vec<(String, String)> = Vec::new();
    for p in planned {
        let r = &p.release;
        sums.push((r.file_name.clone(), r.sha256.clone()));
        if skill_files {
            sums.push((r.skill_file_name(), r.sha256.clone()));
        }
    }
    let index = Index::new(planned.iter().map(Planned::index_entry).collect()).to_json();
    let sums = sha256sums(sums.iter().map(|(f, h)| (f.as_str(), h.as_str())));
    let manifests: [(&str, &[u8]); 2] = [(MANIFESTS[0], sums.as_bytes()), (MANIFESTS[1], &index)];
    let signatures = match key {
        Some(key) => manifests
            .iter()
            .map(|(name, bytes)| Ok((format!("{name}{SIG_SUFFIX}"), key.sign(name, bytes)?)))
            .collect::<Result<Vec<_>, SignError>>()?,
        None => Vec::new(),
    };
    for p in planned {
        let r = &p.release;
        write_release_file(out, &r.file_name, &r.bytes)?;
        if skill_files {
            write_release_file(out, &r.skill_file_name(), &r.bytes)?;
        }
        on_written(Written::Archive(p));
    }
    for (name, bytes) in manifests {
        write_release_file(out, name, bytes)?;
    }
    for (name, text) in &signatures {
        write_release_file(out, name, text.as_bytes())?;
    }
    if key.is_none() {
        for name in MANIFESTS {
            remove_release_file(out, &format!("{name}{SIG_SUFFIX}"))?;
        }
    }
    on_written(Written::Manifests);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::OsStr;

    #[test]
    fn source_date_epoch_values() {
        assert_eq!(parse_source_date_epoch(None), Ok(None));
        assert_eq!(parse_source_date_epoch(Some(OsStr::new(""))), Ok(None));
        assert_eq!(
            parse_source_date_epoch(Some(OsStr::new("1700000000"))),
            Ok(Some(1_700_000_000))
        );
        for bad in ["-1", "+5", "1.5", "1e9", " 1", "soon"] {
            assert_eq!(
                parse_source_date_epoch(Some(OsStr::new(bad))),
                Err(BadEpoch(bad.into())),
                "{bad}"
            );
        }
    }

    #[test]
    fn clamping_matches_the_zip_time_range() {
        use super::super::pack::zip_time;
        assert!(epoch_is_clamped(0));
        assert!(!epoch_is_clamped(ZIP_EPOCH_RANGE.start));
        assert!(epoch_is_clamped(ZIP_EPOCH_RANGE.end));
        // The first and last representable instants are kept exactly; beyond them, clamped.
        assert_eq!(zip_time(Some(0)), zip_time(None));
        assert_eq!(zip_time(Some(ZIP_EPOCH_RANGE.start)), zip_time(None));
        assert_eq!(zip_time(Some(ZIP_EPOCH_RANGE.end - 1)).year(), 2107);
        assert_eq!(zip_time(Some(u64::MAX / 2)).year(), 2107);
    }

    fn skill(root: &Path, folder: &str, frontmatter: &str) -> Candidate {
        let dir = root.join(folder);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(
            dir.join("SKILL.md"),
            format!("---\n{frontmatter}\n---\n# Body\n"),
        )
        .unwrap();
        let report = crate::skill::validate_dir(&dir, &Default::default());
        Candidate { dir, report }
    }

    #[test]
    fn plans_in_name_order_with_default_version() {
        let tmp = tempfile::tempdir().unwrap();
        let b = skill(
            tmp.path(),
            "b-skill",
            "name: b-skill\ndescription: B does things.\nmetadata:\n  version: 1.2.0",
        );
        let a = skill(
            tmp.path(),
            "a-skill",
            "name: a-skill\ndescription: A does things.",
        );
        let planned = plan(vec![b, a], None).unwrap();
        let names: Vec<&str> = planned.iter().map(|p| p.release.name.as_str()).collect();
        assert_eq!(names, ["a-skill", "b-skill"]);
        assert_eq!(planned[0].release.file_name, "a-skill-0.0.0.zip");
        assert!(
            planned[0]
                .warnings
                .iter()
                .any(|w| w.rule == VERSION_MISSING)
        );
        assert_eq!(planned[1].release.file_name, "b-skill-1.2.0.zip");
        assert!(
            !planned[1]
                .warnings
                .iter()
                .any(|w| w.rule == VERSION_MISSING)
        );
        let entry = planned[1].index_entry();
        assert_eq!(entry.url, "b-skill-1.2.0.zip");
        assert_eq!(entry.sha256, planned[1].release.sha256);
    }

    #[test]
    fn duplicate_names_are_refused_before_packing() {
        let tmp = tempfile::tempdir().unwrap();
        let one = skill(tmp.path(), "one/same", "name: same\ndescription: One.");
        let two = skill(tmp.path(), "two/same", "name: same\ndescription: Two.");
        let err = plan(vec![one, two], None).unwrap_err();
        assert_eq!(err.kind(), "duplicate-name");
        assert!(matches!(err, ReleaseError::DuplicateName { ref name, .. } if name == "same"));
    }

    #[test]
    fn writes_archives_then_manifests() {
        let tmp = tempfile::tempdir().unwrap();
        let s = skill(
            tmp.path(),
            "src/w",
            "name: w\ndescription: W.\nmetadata:\n  version: 2.0.0",
        );
        let planned = plan(vec![s], Some(1_700_000_000)).unwrap();
        let out = tmp.path().join("dist");
        std::fs::create_dir(&out).unwrap();
        let mut seen = Vec::new();
        write(&out, &planned, true, None, |w| seen.push(w)).unwrap();
        assert!(matches!(
            seen[..],
            [Written::Archive(p), Written::Manifests] if std::ptr::eq(p, &planned[0])
        ));
        let sums = std::fs::read_to_string(out.join("SHA256SUMS")).unwrap();
        let hex = &planned[0].release.sha256;
        assert_eq!(sums, format!("{hex}  w-2.0.0.zip\n{hex}  w.skill\n"));
        let index = Index::from_json(&std::fs::read(out.join("index.json")).unwrap()).unwrap();
        assert_eq!(index.get("w").unwrap().version, "2.0.0");
        assert_eq!(
            std::fs::read(out.join("w.skill")).unwrap(),
            planned[0].release.bytes
        );
    }
}
