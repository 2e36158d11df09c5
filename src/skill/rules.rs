//! The validation rules of DESIGN section 6, each with a stable id.
//!
//! Rules read a parsed frontmatter tree and push [`Diagnostic`]s; which of them are
//! errors depends on the [`Profile`].

use std::path::Path;

use unicode_normalization::UnicodeNormalization;

use super::diagnostic::{Diagnostic, Severity};
use super::yaml::{Node, Value};

/// Which rule set decides what is an error.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Profile {
    /// The Agent Skills specification, as the reference validator applies it.
    #[default]
    Spec,
    /// The specification plus the fields Claude Code reads.
    ClaudeCode,
    /// What claude.ai upload and the Skills API accept.
    Upload,
}

impl Profile {
    pub fn id(self) -> &'static str {
        match self {
            Profile::Spec => "spec",
            Profile::ClaudeCode => "claude-code",
            Profile::Upload => "upload",
        }
    }
}

/// The top-level keys the specification allows.
pub const SPEC_FIELDS: &[&str] = &[
    "name",
    "description",
    "license",
    "compatibility",
    "metadata",
    "allowed-tools",
];

/// Keys a large public skill collection puts at the top level; the specification wants
/// them under `metadata`.
pub const REGISTRY_FIELDS: &[&str] = &[
    "version",
    "category",
    "tags",
    "recommended_skills",
    "platforms",
    "maintainers",
];

/// Keys Claude Code reads beyond the specification.
pub const CLAUDE_CODE_FIELDS: &[&str] = &[
    "when_to_use",
    "argument-hint",
    "arguments",
    "disable-model-invocation",
    "user-invocable",
    "disallowed-tools",
    "model",
    "effort",
    "context",
    "agent",
    "background",
    "hooks",
    "paths",
    "shell",
];

pub const NAME_MAX: usize = 64;
pub const DESCRIPTION_MAX: usize = 1024;
pub const COMPATIBILITY_MAX: usize = 500;

/// Collects diagnostics for one file.
pub struct Sink<'a> {
    pub file: &'a Path,
    pub out: Vec<Diagnostic>,
}

impl Sink<'_> {
    pub fn push(
        &mut self,
        rule: &'static str,
        severity: Severity,
        line: usize,
        col: usize,
        message: impl Into<String>,
    ) {
        self.out.push(Diagnostic {
            rule,
            severity,
            file: self.file.to_path_buf(),
            line,
            col,
            message: message.into(),
        });
    }

    pub fn error_at(&mut self, rule: &'static str, node: &Node, message: impl Into<String>) {
        self.push(rule, Severity::Error, node.line, node.col, message);
    }
}

/// Number of Unicode scalar values, the unit every length limit is counted in.
pub fn char_len(s: &str) -> usize {
    s.chars().count()
}

/// Checks the `name` value; `folder` is the name of the folder holding `SKILL.md`.
pub fn check_name(sink: &mut Sink<'_>, node: &Node, folder: Option<&str>) {
    let Some(raw) = node.as_str() else {
        sink.error_at(
            "name-type",
            node,
            format!("`name` must be a string, found {}", node.type_name()),
        );
        return;
    };
    let name: String = raw.trim().nfkc().collect();
    if name.is_empty() {
        sink.error_at(
            "name-empty",
            node,
            "`name` is empty; set it to the folder name",
        );
        return;
    }
    if char_len(&name) > NAME_MAX {
        sink.error_at(
            "name-too-long",
            node,
            format!(
                "`name` is {} characters long; the limit is {NAME_MAX}",
                char_len(&name)
            ),
        );
    }
    if name != name.to_lowercase() {
        sink.error_at(
            "name-not-lowercase",
            node,
            format!("`name` must be lowercase: use `{}`", name.to_lowercase()),
        );
    }
    if name.starts_with('-') || name.ends_with('-') {
        sink.error_at(
            "name-hyphen-edge",
            node,
            "`name` must not start or end with a hyphen",
        );
    }
    if name.contains("--") {
        sink.error_at(
            "name-double-hyphen",
            node,
            "`name` must not contain consecutive hyphens",
        );
    }
    if let Some(bad) = name.chars().find(|c| !(c.is_alphanumeric() || *c == '-')) {
        sink.error_at(
            "name-invalid-char",
            node,
            format!("`name` may hold only letters, digits and hyphens; found {bad:?}"),
        );
    }
    if let Some(folder) = folder {
        let folder: String = folder.nfkc().collect();
        if folder != name {
            sink.error_at(
                "name-mismatch",
                node,
                format!(
                    "`name` is `{name}` but the folder is `{folder}`; rename one to match the other"
                ),
            );
        }
    }
}

/// Checks the `description` value.
pub fn check_description(sink: &mut Sink<'_>, node: &Node) {
    let Some(text) = node.as_str() else {
        sink.error_at(
            "description-type",
            node,
            format!("`description` must be a string, found {}", node.type_name()),
        );
        return;
    };
    if text.trim().is_empty() {
        sink.error_at(
            "description-empty",
            node,
            "`description` is empty; say what the skill does and when to use it",
        );
    } else if char_len(text) > DESCRIPTION_MAX {
        sink.error_at(
            "description-too-long",
            node,
            format!(
                "`description` is {} characters long; the limit is {DESCRIPTION_MAX}",
                char_len(text)
            ),
        );
    }
}

/// The rules every profile shares: the specification's fields and types.
pub fn check_spec_fields(sink: &mut Sink<'_>, root: &Node, folder: Option<&str>, profile: Profile) {
    let Some(entries) = root.entries() else {
        sink.error_at(
            "frontmatter-not-mapping",
            root,
            format!(
                "the frontmatter must be a YAML mapping of keys to values, found {}",
                root.type_name()
            ),
        );
        return;
    };
    for (key, value) in entries {
        let Some(k) = key.as_str() else {
            sink.error_at(
                "key-type",
                key,
                format!("keys must be strings, found {}", key.type_name()),
            );
            continue;
        };
        if matches!(value.value, Value::Null) {
            sink.error_at(
                "null-value",
                value,
                format!("`{k}` has no value; give it one or remove the key"),
            );
            continue;
        }
        match k {
            "name" => check_name(sink, value, folder),
            "description" => check_description(sink, value),
            "license" => {
                if value.as_str().is_none() {
                    sink.error_at(
                        "license-type",
                        value,
                        format!("`license` must be a string, found {}", value.type_name()),
                    );
                }
            }
            "compatibility" => match value.as_str() {
                None => sink.error_at(
                    "compatibility-type",
                    value,
                    format!(
                        "`compatibility` must be a string, found {}",
                        value.type_name()
                    ),
                ),
                Some(s) if char_len(s) > COMPATIBILITY_MAX => sink.error_at(
                    "compatibility-too-long",
                    value,
                    format!(
                        "`compatibility` is {} characters long; the limit is {COMPATIBILITY_MAX}",
                        char_len(s)
                    ),
                ),
                Some(_) => {}
            },
            "metadata" => check_metadata(sink, value),
            "allowed-tools" => {
                let list_ok = profile == Profile::ClaudeCode
                    && matches!(&value.value, Value::Seq(items) if items.iter().all(|i| i.as_str().is_some()));
                if value.as_str().is_none() && !list_ok {
                    sink.error_at(
                        "allowed-tools-type",
                        value,
                        format!(
                            "`allowed-tools` must be a space-separated string, found {}",
                            value.type_name()
                        ),
                    );
                }
            }
            _ if REGISTRY_FIELDS.contains(&k) => sink.error_at(
                "registry-field",
                key,
                format!("`{k}` is not a specification field; move it under `metadata` as a string"),
            ),
            _ if profile == Profile::ClaudeCode && CLAUDE_CODE_FIELDS.contains(&k) => {}
            _ => {
                let severity = if profile == Profile::ClaudeCode {
                    Severity::Warning
                } else {
                    Severity::Error
                };
                sink.push(
                    "unknown-field",
                    severity,
                    key.line,
                    key.col,
                    format!(
                        "`{k}` is not a specification field (allowed: {}); remove it or move it under `metadata`",
                        SPEC_FIELDS.join(", ")
                    ),
                );
            }
        }
    }
    if root.get("name").is_none() {
        sink.push(
            "name-missing",
            Severity::Error,
            root.line.max(1),
            1,
            "the frontmatter has no `name`; add `name: <folder name>`",
        );
    }
    if root.get("description").is_none() {
        sink.push(
            "description-missing",
            Severity::Error,
            root.line.max(1),
            1,
            "the frontmatter has no `description`; say what the skill does and when to use it",
        );
    }
}

fn check_metadata(sink: &mut Sink<'_>, node: &Node) {
    let Some(entries) = node.entries() else {
        sink.error_at(
            "metadata-type",
            node,
            format!(
                "`metadata` must be a mapping of string keys to string values, found {}",
                node.type_name()
            ),
        );
        return;
    };
    for (k, v) in entries {
        if v.as_str().is_none() {
            let key = k.scalar_text().unwrap_or_default();
            sink.error_at(
                "metadata-value-type",
                v,
                format!(
                    "`metadata.{key}` must be a string, found {}; quote it",
                    v.type_name()
                ),
            );
        }
    }
}
