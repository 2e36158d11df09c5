//! The `json` format: one document on stdout, whose schema is in docs/validate.md.

use std::io::Write;
use std::path::Path;

use serde_json::json;
use skillpack::skill::{SkillReport, ValidateOptions};

use super::Totals;

/// Writes a JSON document on stdout in one piece: a report on thousands of skills is
/// megabytes, which line-buffered output would write a line at a time.
pub(super) fn print_json(doc: &serde_json::Value) {
    let mut text =
        skillpack::text::json_safe(serde_json::to_string_pretty(doc).unwrap_or_default());
    text.push('\n');
    let _ = std::io::stdout().lock().write_all(text.as_bytes());
}

/// The `--format json` document; its schema is in docs/validate.md.
pub(super) fn report_json(
    reports: &[SkillReport],
    t: &Totals,
    opts: &ValidateOptions,
) -> serde_json::Value {
    let path = |p: &Path| p.to_string_lossy().into_owned();
    json!({
        "version": skillpack::SCHEMA_VERSION,
        "profile": opts.profile.id(),
        "strict": opts.strict,
        "summary": {
            "skills": t.skills,
            "valid": t.skills - t.invalid,
            "invalid": t.invalid,
            "errors": t.errors,
            "warnings": t.warnings,
        },
        "skills": reports.iter().map(|r| json!({
            "path": path(&r.dir),
            "skill_md": r.skill_md.as_deref().map(path),
            "name": (!r.meta.name.is_empty()).then_some(&r.meta.name),
            "valid": !r.has_errors(),
            "errors": r.errors(),
            "warnings": r.warnings(),
            "diagnostics": r.diagnostics,
        })).collect::<Vec<_>>(),
    })
}
