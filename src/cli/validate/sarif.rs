//! The `sarif` format: one SARIF 2.1.0 log on stdout, for GitHub code scanning and other
//! SARIF readers.
//!
//! The log is written through the few serde structs below rather than a SARIF crate: the
//! one there is (`serde-sarif`) generates its ~100 types from the schema in a build script
//! (schemafy, syn, prettyplease) and derives a builder for each, a heavy build for the
//! dozen fields written here. tests/it/validate_ci.rs checks every log against the official
//! schema.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use serde::Serialize;
use skillpack::skill::{
    Profile, RULES, RuleId, Severity, SkillReport, ValidateOptions, fingerprint,
};
use skillpack::text::uri_path;

const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";
/// The base every relative artifact URI is resolved against: the folder validated from.
const SRCROOT: &str = "%SRCROOT%";
const FINGERPRINT_KEY: &str = "skillpackProblem/v1";

#[derive(Serialize)]
struct Log<'a> {
    #[serde(rename = "$schema")]
    schema: &'static str,
    version: &'static str,
    runs: [Run<'a>; 1],
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Run<'a> {
    tool: Tool,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    original_uri_base_ids: BTreeMap<&'static str, Artifact>,
    /// Columns count Unicode scalar values, as skillpack's diagnostics do.
    column_kind: &'static str,
    results: Vec<SarifResult<'a>>,
}

#[derive(Serialize)]
struct Tool {
    driver: Driver,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Driver {
    name: &'static str,
    version: &'static str,
    semantic_version: &'static str,
    information_uri: String,
    rules: Vec<Rule>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Rule {
    id: &'static str,
    short_description: Text,
    full_description: Text,
    help: Help,
    help_uri: String,
    default_configuration: Configuration,
}

#[derive(Serialize)]
struct Text {
    text: String,
}

#[derive(Serialize)]
struct Help {
    text: &'static str,
    markdown: &'static str,
}

#[derive(Serialize)]
struct Configuration {
    enabled: bool,
    level: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifResult<'a> {
    rule_id: &'static str,
    rule_index: usize,
    level: &'static str,
    message: MessageRef<'a>,
    locations: [Location; 1],
    partial_fingerprints: BTreeMap<&'static str, String>,
}

#[derive(Serialize)]
struct MessageRef<'a> {
    text: &'a str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Location {
    physical_location: PhysicalLocation,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PhysicalLocation {
    artifact_location: Artifact,
    region: Region,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Artifact {
    uri: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    uri_base_id: Option<&'static str>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Region {
    start_line: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    start_column: Option<usize>,
}

fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Note => "note",
    }
}

/// Where docs/validate.md explains `rule`, in the documentation of this version.
pub(super) fn help_uri(rule: RuleId) -> String {
    format!(
        "{}/blob/v{}/docs/validate.md#{}",
        env!("CARGO_PKG_REPOSITORY"),
        env!("CARGO_PKG_VERSION"),
        rule.id()
    )
}

fn sentence(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(first) => format!("{}{}", first.to_uppercase(), chars.as_str()),
        None => String::new(),
    }
}

fn rules(profile: Profile, strict: bool) -> Vec<Rule> {
    RULES
        .iter()
        .map(|r| {
            let severity = r.level(profile);
            Rule {
                id: r.id,
                short_description: Text {
                    text: sentence(r.summary),
                },
                full_description: Text {
                    text: format!("{}. {}", sentence(r.summary), r.rule.help()),
                },
                help: Help {
                    text: r.rule.help(),
                    markdown: r.rule.help(),
                },
                help_uri: help_uri(r.rule),
                default_configuration: Configuration {
                    enabled: severity.is_some(),
                    level: match severity {
                        Some(_) if strict => "error",
                        Some(s) => level(s),
                        None => "none",
                    },
                },
            }
        })
        .collect()
}

/// `file` (as given, relative to `cwd` or absolute) relative to `base`, when it is below
/// it; `.` and `..` resolved as written.
pub(super) fn below(file: &Path, cwd: &Path, base: &Path) -> Option<PathBuf> {
    let absolute = if file.is_absolute() {
        file.to_path_buf()
    } else {
        cwd.join(file)
    };
    skillpack::paths::lexical(&absolute)
        .strip_prefix(base)
        .ok()
        .map(Path::to_path_buf)
}

/// `file` as a URI: relative to `base` (the repository's checkout, against `%SRCROOT%`)
/// when it is below it, which is how code scanning matches results with the repository's
/// files; else a `file:` URI.
fn artifact(file: &Path, cwd: &Path, base: &Path) -> Artifact {
    match below(file, cwd, base) {
        Some(rel) => Artifact {
            uri: uri_path(&rel),
            uri_base_id: Some(SRCROOT),
        },
        None => Artifact {
            uri: url::Url::from_file_path(cwd.join(file))
                .map(String::from)
                .unwrap_or_else(|()| uri_path(file)),
            uri_base_id: None,
        },
    }
}

/// The SARIF log of `reports`; paths (as given, relative to `cwd`) are made relative to
/// `base`, the repository's checkout.
pub(super) fn log(
    reports: &[SkillReport],
    opts: &ValidateOptions,
    cwd: &Path,
    base: &Path,
) -> String {
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut results = Vec::new();
    for d in reports.iter().flat_map(|r| &r.diagnostics) {
        let Some(rule) = RuleId::from_id(d.rule) else {
            continue;
        };
        let artifact = artifact(&d.file, cwd, base);
        // The same problem twice in one file (two equal links) is told apart by its rank.
        let base = fingerprint(d.rule, &artifact.uri, &d.message);
        let n = seen.entry(base.clone()).or_default();
        *n += 1;
        results.push(SarifResult {
            rule_id: d.rule,
            rule_index: rule as usize,
            level: level(d.severity),
            message: MessageRef { text: &d.message },
            locations: [Location {
                physical_location: PhysicalLocation {
                    artifact_location: artifact,
                    // Findings about a whole file point at its first line: code scanning
                    // shows a result only with a line.
                    region: Region {
                        start_line: d.line.max(1),
                        start_column: (d.line > 0).then_some(d.col.max(1)),
                    },
                },
            }],
            partial_fingerprints: BTreeMap::from([(FINGERPRINT_KEY, format!("{base}:{n}"))]),
        });
    }
    let base_ids = url::Url::from_directory_path(cwd)
        .map(|u| {
            BTreeMap::from([(
                SRCROOT,
                Artifact {
                    uri: u.into(),
                    uri_base_id: None,
                },
            )])
        })
        .unwrap_or_default();
    let log = Log {
        schema: SCHEMA,
        version: "2.1.0",
        runs: [Run {
            tool: Tool {
                driver: Driver {
                    name: "skillpack",
                    version: env!("CARGO_PKG_VERSION"),
                    semantic_version: env!("CARGO_PKG_VERSION"),
                    information_uri: env!("CARGO_PKG_REPOSITORY").to_string(),
                    rules: rules(opts.profile, opts.strict),
                },
            },
            original_uri_base_ids: base_ids,
            column_kind: "unicodeCodePoints",
            results,
        }],
    };
    let mut text =
        skillpack::text::json_safe(serde_json::to_string_pretty(&log).unwrap_or_default());
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_below_the_root_are_relative_and_encoded() {
        let cwd = Path::new("/repo");
        let a = artifact(Path::new("./skills/my skill/SKILL.md"), cwd, cwd);
        assert_eq!(a.uri, "skills/my%20skill/SKILL.md");
        assert_eq!(a.uri_base_id, Some(SRCROOT));
        let b = artifact(Path::new("/repo/skills/a/SKILL.md"), cwd, cwd);
        assert_eq!(b.uri, "skills/a/SKILL.md");
        let c = artifact(Path::new("/elsewhere/a/SKILL.md"), cwd, cwd);
        assert_eq!(c.uri, "file:///elsewhere/a/SKILL.md");
        assert_eq!(c.uri_base_id, None);
        // Run from a folder inside the checkout: still relative to the checkout.
        let d = artifact(Path::new("a/../b/SKILL.md"), Path::new("/repo/skills"), cwd);
        assert_eq!(d.uri, "skills/b/SKILL.md");
    }
}
