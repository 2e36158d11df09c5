//! What each agent's own loader does with one skill folder: loads it (under which name)
//! or skips it, learned from the real clients (Claude Code 2.1.330, Codex 0.169.0,
//! Gemini CLI 0.61.0) on the corpus in `tests/data/doctor/`.
//!
//! The clients disagree with each other and with the specification: Claude Code names a
//! skill after its folder and ignores `name`; Codex and Gemini CLI use `name`. Codex reads
//! strict UTF-8 YAML; Gemini CLI falls back to reading `name:` and `description:` lines
//! when the YAML does not parse. Which folders each agent looks in is `install::doctor`'s
//! business; this module judges one `SKILL.md`.

use std::path::Path;

use crate::agents::Agent;

use super::diagnostic::{Diagnostic, Severity};
use super::rules::{Profile, RuleId, find_rule};
use super::yaml::{Node, Value, YamlErrorKind};
use super::{frontmatter, yaml};

/// The rule id of a finding that no validation rule covers: the agent skips the skill for
/// a reason of its own.
pub(crate) const NOT_LOADED: &str = "not-loaded";

/// What an agent does with a skill folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    /// The agent lists the skill.
    pub loads: bool,
    /// The name it lists the skill under (when it loads it).
    pub name: Option<String>,
    /// What `validate` finds, as errors where they are why the agent skips the skill and
    /// as warnings otherwise.
    pub problems: Vec<Diagnostic>,
}

/// Whether findings of `rule` make `agent` skip a skill: the errors of its profile
/// ([`Profile::of`]).
pub(crate) fn skips_on(agent: Agent, rule: &str) -> bool {
    RuleId::from_id(rule)
        .is_some_and(|r| find_rule(r).level(Profile::of(agent)) == Some(Severity::Error))
}

/// Whether `agent` loads a skill with a finding of `rule` mangled: what it shows is not
/// what the file says. Observed with the clients: Claude Code and Gemini CLI replace bytes
/// that are not UTF-8 (a Latin-1 `é` becomes U+FFFD); Gemini CLI lists a `name` or
/// `description` that is a YAML list or mapping as its text (`[a, b]`), and Codex does so
/// for one written on one line holding `: ` (`{a: 1}`).
pub(crate) fn mangles(agent: Agent, rule: &str) -> bool {
    let rule = RuleId::from_id(rule);
    match agent {
        Agent::CLAUDE_CODE => rule == Some(RuleId::NotUtf8),
        Agent::GEMINI_CLI => matches!(
            rule,
            Some(RuleId::NotUtf8 | RuleId::NameType | RuleId::DescriptionType)
        ),
        // Codex, and the agents judged as it.
        _ => matches!(rule, Some(RuleId::NameType | RuleId::DescriptionType)),
    }
}

/// Gives `problems`, found under `agent`'s profile in the skill whose `SKILL.md` is
/// `skill_md`, the severity the agent's behaviour warrants: when it skips the skill, those
/// of the rules it skips on are errors (and when none is, a [`NOT_LOADED`] error says so);
/// when it `loads` it, those of the rules it [`mangles`] the skill on are errors, the rest
/// warnings.
pub(crate) fn settle(agent: Agent, loads: bool, skill_md: &Path, problems: &mut Vec<Diagnostic>) {
    for d in problems.iter_mut() {
        let error = if loads {
            mangles(agent, d.rule)
        } else {
            skips_on(agent, d.rule)
        };
        d.severity = if error {
            Severity::Error
        } else {
            Severity::Warning
        };
    }
    if !loads && !problems.iter().any(|d| d.severity == Severity::Error) {
        problems.insert(
            0,
            Diagnostic {
                rule: NOT_LOADED,
                severity: Severity::Error,
                file: skill_md.to_path_buf(),
                line: 0,
                col: 0,
                message: format!(
                    "{} does not load this SKILL.md; check that it opens with `---`, holds `name` and `description`, and closes with `---`",
                    agent.display_name()
                ),
            },
        );
    }
}

/// The name `agent` lists a `SKILL.md` of these bytes under, found in folder `folder`;
/// `None` when it skips it.
pub(crate) fn load(agent: Agent, bytes: &[u8], folder: &str) -> Option<String> {
    match agent {
        Agent::CLAUDE_CODE => claude_code(bytes, folder),
        Agent::CODEX => codex(bytes, folder),
        Agent::GEMINI_CLI => gemini_cli(bytes),
        // Not observed: as Codex (see `skips_on`).
        _ => codex(bytes, folder),
    }
}

/// Claude Code: any bytes (invalid UTF-8 replaced), a leading byte-order mark ignored;
/// YAML that fails is retried with tabs turned into spaces and values quoted, so an
/// unquoted `: `, a tab or a repeated key do not stop it; a non-blank string
/// `description` is required and its boolean fields must be booleans. The name is always
/// the folder's.
fn claude_code(bytes: &[u8], folder: &str) -> Option<String> {
    let text = String::from_utf8_lossy(bytes);
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    let split = frontmatter::split(text).ok()?;
    let description = match yaml::parse(split.yaml, split.yaml_line) {
        Ok(root) => {
            root.entries()?;
            let bools = ["user-invocable", "disable-model-invocation", "background"];
            for field in bools {
                if root
                    .get(field)
                    .is_some_and(|n| !matches!(n.value, Value::Bool(_) | Value::Null))
                {
                    return None;
                }
            }
            string(root.get("description")?)?
        }
        Err(e) => match e.kind {
            YamlErrorKind::MappingValueNotAllowed
            | YamlErrorKind::Tab
            | YamlErrorKind::DuplicateKey { .. } => simple(split.yaml).1?,
            YamlErrorKind::Other => return None,
        },
    };
    (!description.trim().is_empty()).then(|| folder.to_string())
}

/// Codex: strict UTF-8, no byte-order mark; YAML must parse, except for an unquoted `: `
/// in a value (a list or mapping written on one line holding `: ` is read as its text); a
/// non-blank string `description`; `name`, when given, a string or number,
/// trimmed, of at most 64 characters (null, empty or blank: the folder name); `metadata` a
/// mapping.
fn codex(bytes: &[u8], folder: &str) -> Option<String> {
    let text = std::str::from_utf8(bytes).ok()?;
    let split = frontmatter::split(text).ok()?;
    let (name, description) = match yaml::parse(split.yaml, split.yaml_line) {
        Ok(root) => {
            root.entries()?;
            if root
                .get("metadata")
                .is_some_and(|m| m.entries().is_none() && !m.is_null())
            {
                return None;
            }
            // A list or mapping whose line holds `: ` is read again with that line's value
            // quoted, as written: `description: {a: 1}` loads as the text `{a: 1}`.
            let text = |key: &str, n: &Node| string(n).or_else(|| quoted_retry(split.yaml, key, n));
            let name = match root.get("name") {
                None => None,
                Some(n) if n.is_null() => None,
                Some(n) => Some(text("name", n)?),
            };
            (name, text("description", root.get("description")?)?)
        }
        Err(e) if e.kind == YamlErrorKind::MappingValueNotAllowed => {
            let (name, description) = simple(split.yaml);
            (name, description?)
        }
        Err(_) => return None,
    };
    if description.trim().is_empty() {
        return None;
    }
    let name = name
        .map(|n| n.trim().to_string())
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| folder.to_string());
    (name.chars().count() <= super::rules::NAME_MAX).then_some(name)
}

/// Gemini CLI: the frontmatter must match `^---\r?\n(…)\r?\n---`; YAML with string `name`
/// and `description`, else the `name:` and `description:` lines as written; an empty or
/// blank name is skipped. Characters that cannot be in a file name become `-`.
fn gemini_cli(bytes: &[u8]) -> Option<String> {
    let text = String::from_utf8_lossy(bytes);
    let rest = text
        .strip_prefix("---\n")
        .or_else(|| text.strip_prefix("---\r\n"))?;
    // The lazy `([\s\S]*?)\r?\n---`: the first `\n---` after the opening line.
    let end = rest.find("\n---")?;
    let block = rest[..end].strip_suffix('\r').unwrap_or(&rest[..end]);
    let from_yaml = yaml::parse(block, 2).ok().and_then(|root| {
        let name = root.get("name")?.as_str()?.to_string();
        root.get("description")?.as_str()?;
        Some(name)
    });
    let name = match from_yaml {
        Some(name) => name,
        None => match simple(block) {
            (Some(name), Some(_)) => name,
            _ => return None,
        },
    };
    if name.trim().is_empty() {
        return None;
    }
    Some(name.replace([':', '\\', '/', '<', '>', '*', '?', '"', '|'], "-"))
}

/// A string value as a schema-less reader sees it: strings, and numbers or booleans as
/// spelled.
fn string(node: &Node) -> Option<String> {
    match &node.value {
        Value::Str(s) => Some(s.clone()),
        Value::Int(_) | Value::Float(_) | Value::Bool(_) => node.text().map(|t| t.into_owned()),
        _ => None,
    }
}

/// The value on the top-level `key:` line as written, when `node` is a list or mapping
/// and that text holds `: `: Codex quotes such values and reads the YAML again.
fn quoted_retry(block: &str, key: &str, node: &Node) -> Option<String> {
    if !matches!(node.value, Value::Seq(_) | Value::Map(_)) {
        return None;
    }
    let value = block
        .split('\n')
        .find_map(|l| {
            l.trim_end_matches('\r')
                .strip_prefix(key)?
                .strip_prefix(':')
        })?
        .trim();
    value.contains(": ").then(|| value.to_string())
}

/// `name` and `description` read line by line, as agents do when the YAML fails: the
/// text after `name:`, and after `description:` with its indented continuation lines.
fn simple(block: &str) -> (Option<String>, Option<String>) {
    let lines: Vec<&str> = block
        .split('\n')
        .map(|l| l.trim_end_matches('\r'))
        .collect();
    let (mut name, mut description) = (None, None);
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i].trim_start();
        if let Some(v) = line.strip_prefix("name:") {
            name = Some(v.trim().to_string());
        } else if let Some(v) = line.strip_prefix("description:") {
            let mut parts = vec![v.trim().to_string()];
            while i + 1 < lines.len()
                && lines[i + 1].starts_with([' ', '\t'])
                && !lines[i + 1].trim().is_empty()
            {
                parts.push(lines[i + 1].trim().to_string());
                i += 1;
            }
            parts.retain(|p| !p.is_empty());
            description = Some(parts.join(" "));
        }
        i += 1;
    }
    (name, description)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn md(fm: &str) -> Vec<u8> {
        format!("---\n{fm}---\nBody.\n").into_bytes()
    }

    #[test]
    fn claude_code_names_skills_after_their_folder() {
        let text = md("name: other\ndescription: d\n");
        assert_eq!(
            load(Agent::CLAUDE_CODE, &text, "folder"),
            Some("folder".into())
        );
        assert_eq!(load(Agent::CODEX, &text, "folder"), Some("other".into()));
        assert_eq!(
            load(Agent::GEMINI_CLI, &text, "folder"),
            Some("other".into())
        );
    }

    #[test]
    fn an_unterminated_quote_stops_all_but_gemini_cli() {
        let text = md("name: q\ndescription: \"open\n");
        assert_eq!(load(Agent::CLAUDE_CODE, &text, "q"), None);
        assert_eq!(load(Agent::CODEX, &text, "q"), None);
        assert_eq!(load(Agent::GEMINI_CLI, &text, "q"), Some("q".into()));
    }

    #[test]
    fn gemini_cli_reads_lines_when_yaml_gives_no_strings() {
        let text = md("name: [a, b]\ndescription: d\n");
        assert_eq!(load(Agent::GEMINI_CLI, &text, "x"), Some("[a, b]".into()));
        let text = md("name: a:b\ndescription: d\n");
        assert_eq!(load(Agent::GEMINI_CLI, &text, "x"), Some("a-b".into()));
        assert_eq!(load(Agent::GEMINI_CLI, &md("description: d\n"), "x"), None);
        let text = md("name: \"\"\ndescription: d\n");
        assert_eq!(load(Agent::GEMINI_CLI, &text, "x"), None);
        // `~` is no string, so the line is read as written.
        let text = md("name: ~\ndescription: d\n");
        assert_eq!(load(Agent::GEMINI_CLI, &text, "x"), Some("~".into()));
    }

    #[test]
    fn codex_reads_a_one_line_collection_holding_a_colon_as_text() {
        let text = md("name: m\ndescription: {a: 1}\n");
        assert_eq!(load(Agent::CODEX, &text, "m"), Some("m".into()));
        let text = md("name: m\ndescription: [a, \"b: c\"]\n");
        assert_eq!(load(Agent::CODEX, &text, "m"), Some("m".into()));
        for desc in ["[a, b]", "{a}", "\n  a: 1\n  b: two"] {
            let text = md(&format!("name: m\ndescription: {desc}\n"));
            assert_eq!(load(Agent::CODEX, &text, "m"), None, "{desc}");
        }
        let text = md("name: m\ndescription: {a: 1}\nmetadata: text\n");
        assert_eq!(load(Agent::CODEX, &text, "m"), None);
    }

    #[test]
    fn codex_falls_back_to_the_folder_name() {
        assert_eq!(
            load(Agent::CODEX, &md("description: d\n"), "folder"),
            Some("folder".into())
        );
        for name in ["~", "\"\"", "\"  \""] {
            let text = md(&format!("name: {name}\ndescription: d\n"));
            assert_eq!(load(Agent::CODEX, &text, "folder"), Some("folder".into()));
        }
        let text = md("name: 'quoted-fold '\ndescription: d\n");
        assert_eq!(load(Agent::CODEX, &text, "x"), Some("quoted-fold".into()));
        let long = md(&format!("name: {}\ndescription: d\n", "n".repeat(65)));
        assert_eq!(load(Agent::CODEX, &long, "x"), None);
    }
}
