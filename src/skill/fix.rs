//! `validate --fix`: the fixes that are safe and mechanical, applied to the text of a
//! `SKILL.md` so that everything else in it (comments, order, quoting, the body) stays.
//!
//! - a byte-order mark before the opening `---` is removed;
//! - a boolean or number where a string is expected is quoted as it is spelled;
//! - a top-level key that no agent reads (a registry field, or an unknown one) is moved
//!   under `metadata` as a string that keeps its whole value: lists of words joined with
//!   `, `, structured values as JSON ([`Node::as_metadata_string`]);
//! - a top-level `key: value` line whose unquoted value stops the YAML from parsing (most
//!   often a `: ` inside it) has the rest of its line quoted, when the frontmatter then
//!   parses with the same keys.
//!
//! A file whose frontmatter does not parse, even so, is never rewritten, and neither is
//! one whose fixed frontmatter would not read back as the same values, moved and quoted:
//! every fix is checked by parsing the result. Claude Code fields are left where they are: moving
//! one would change what Claude Code does.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use super::frontmatter;
use super::rules::{self, CLAUDE_CODE_FIELDS, Profile, REGISTRY_FIELDS, RuleId, SPEC_FIELDS, Sink};
use super::yaml::{self, Node, Value};

/// One change made, or one problem left for a person, at a line of the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Note {
    pub rule: RuleId,
    pub line: usize,
    pub message: String,
}

/// What [`fix_text`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fixed {
    /// The fixed text; equal to the input when nothing was fixed.
    pub text: String,
    pub applied: Vec<Note>,
    /// Problems a fix exists for in general, left alone here, and why.
    pub skipped: Vec<Note>,
}

/// Why a file was not rewritten at all.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Unfixable {
    #[error("the file is not UTF-8")]
    NotUtf8,
    #[error("the frontmatter does not parse ({0}); fix it by hand first")]
    NotParsed(String),
    #[error("the fixed frontmatter would not read back the same, so the file was left as it is")]
    NotVerified,
}

/// The result of [`fix_file`].
#[derive(Debug)]
pub struct FileFix {
    pub path: PathBuf,
    pub before: String,
    pub fixed: Fixed,
}

#[derive(Debug, thiserror::Error)]
pub enum FixError {
    #[error("cannot read `{}`: {source}", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("`{}` is a symbolic link; fix the file it points to", path.display())]
    Symlink { path: PathBuf },
    #[error("`{}` was not changed: {reason}", path.display())]
    Unfixable { path: PathBuf, reason: Unfixable },
    #[error("cannot write `{}`: {source}", path.display())]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

impl FixError {
    /// A stable id for the kind of failure.
    pub fn kind(&self) -> &'static str {
        match self {
            FixError::Read { .. } => "read",
            FixError::Symlink { .. } => "symlink",
            FixError::Unfixable { .. } => "unfixable",
            FixError::Write { .. } => "write",
        }
    }
}

/// Fixes the `SKILL.md` at `path` in place (an atomic replace, keeping its permissions)
/// when there is something to fix; `folder` is the skill folder's name.
pub fn fix_file(path: &Path, profile: Profile, folder: Option<&str>) -> Result<FileFix, FixError> {
    let read_error = |source| FixError::Read {
        path: path.to_path_buf(),
        source,
    };
    let meta = std::fs::symlink_metadata(path).map_err(read_error)?;
    if meta.file_type().is_symlink() {
        return Err(FixError::Symlink {
            path: path.to_path_buf(),
        });
    }
    // Not a link (above), a regular file of at most the cap, never a FIFO waited on.
    let bytes = crate::durable::read_regular(path, false, super::capped::SKILL_MD_CAP)
        .and_then(|b| b.ok_or_else(super::capped::too_large))
        .map_err(read_error)?;
    let unfixable = |reason| FixError::Unfixable {
        path: path.to_path_buf(),
        reason,
    };
    let before = String::from_utf8(bytes).map_err(|_| unfixable(Unfixable::NotUtf8))?;
    let fixed = fix_text(&before, profile, folder).map_err(unfixable)?;
    if fixed.text != before {
        write(path, &fixed.text, &meta).map_err(|source| FixError::Write {
            path: path.to_path_buf(),
            source,
        })?;
    }
    Ok(FileFix {
        path: path.to_path_buf(),
        before,
        fixed,
    })
}

fn write(path: &Path, text: &str, meta: &std::fs::Metadata) -> std::io::Result<()> {
    let parent = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .ok_or_else(|| std::io::Error::other("the file name is not UTF-8"))?;
    #[cfg(unix)]
    let mode = std::os::unix::fs::PermissionsExt::mode(&meta.permissions()) & 0o7777;
    #[cfg(not(unix))]
    let mode = {
        let _ = meta;
        0o644
    };
    let dir = cap_std::fs::Dir::open_ambient_dir(parent, cap_std::ambient_authority())?;
    crate::durable::write_atomic(&dir, name, text.as_bytes(), mode)
}

/// A unified diff of `before` → `after` (three lines of context), labelled `a/LABEL` and
/// `b/LABEL` as git labels them; empty when they are equal.
pub fn unified_diff(label: &str, before: &str, after: &str) -> String {
    if before == after {
        return String::new();
    }
    similar::TextDiff::from_lines(before, after)
        .unified_diff()
        .context_radius(3)
        .header(&format!("a/{label}"), &format!("b/{label}"))
        .to_string()
}

/// The fixed text of a `SKILL.md`, and what was and was not fixed; `folder` is the skill
/// folder's name (for the rules that compare with it).
pub fn fix_text(text: &str, profile: Profile, folder: Option<&str>) -> Result<Fixed, Unfixable> {
    let mut applied = Vec::new();
    let mut skipped = Vec::new();
    let body = match text.strip_prefix('\u{feff}') {
        Some(rest) => {
            applied.push(Note {
                rule: RuleId::ByteOrderMark,
                line: 1,
                message: "removed the byte-order mark".into(),
            });
            rest
        }
        None => text,
    };
    let repaired = match parse(body) {
        Ok(_) => None,
        Err(Unfixable::NotParsed(why)) => {
            let (text, notes) = quote_values(body).ok_or(Unfixable::NotParsed(why))?;
            applied.extend(notes);
            Some(text)
        }
        Err(e) => return Err(e),
    };
    let body = repaired.as_deref().unwrap_or(body);
    let parsed = parse(body)?;
    let Some(root) = &parsed.root else {
        return Ok(Fixed {
            text: body.to_string(),
            applied,
            skipped,
        });
    };
    let plan = plan(
        root,
        parsed.yaml,
        parsed.first_line,
        profile,
        folder,
        &mut applied,
        &mut skipped,
    );
    let yaml = edit(parsed.yaml, parsed.first_line, &plan);
    let out = format!("{}{yaml}{}", &body[..parsed.start], &body[parsed.end..]);
    if yaml != parsed.yaml {
        let again = parse(&out).map_err(|_| Unfixable::NotVerified)?;
        let new_root = again.root.as_ref().ok_or(Unfixable::NotVerified)?;
        if !verify(root, new_root, &plan) {
            return Err(Unfixable::NotVerified);
        }
    }
    Ok(Fixed {
        text: out,
        applied,
        skipped,
    })
}

struct Parsed<'a> {
    yaml: &'a str,
    /// Byte range of the YAML in the text.
    start: usize,
    end: usize,
    first_line: usize,
    /// `None` when the frontmatter is empty.
    root: Option<Node>,
}

fn parse(text: &str) -> Result<Parsed<'_>, Unfixable> {
    let split = frontmatter::split(text).map_err(|e| {
        Unfixable::NotParsed(match e {
            frontmatter::SplitError::NoOpening => "line 1 is not `---`".into(),
            frontmatter::SplitError::NotClosed => "no `---` line closes it".into(),
        })
    })?;
    let start = split.yaml.as_ptr() as usize - text.as_ptr() as usize;
    let root = if split.yaml.trim().is_empty() {
        None
    } else {
        let node = yaml::parse(split.yaml, split.yaml_line)
            .map_err(|e| Unfixable::NotParsed(format!("line {}: {}", e.line, e.message)))?;
        node.entries().is_some().then_some(node)
    };
    Ok(Parsed {
        yaml: split.yaml,
        start,
        end: start + split.yaml.len(),
        first_line: split.yaml_line,
        root,
    })
}

/// The key, the value and the trailing comment (with the blanks before it, or empty) of a
/// top-level `key: value` line whose value is written plain (not quoted, not a flow
/// collection, block scalar, anchor, alias or tag). As in YAML, a ` #` ends the value.
fn plain_entry(line: &str) -> Option<(&str, &str, &str)> {
    let line = line.trim_end_matches(['\n', '\r']);
    let (key, rest) = line.split_once(": ")?;
    let rest = rest.trim_start();
    let hash = rest
        .char_indices()
        .find(|&(i, c)| c == '#' && i > 0 && rest[..i].ends_with([' ', '\t']))
        .map_or(rest.len(), |(i, _)| i);
    let value = rest[..hash].trim_end();
    let comment = &rest[value.len()..];
    let comment = if hash == rest.len() { "" } else { comment };
    let plain = is_plain_key(key)
        && value
            .chars()
            .next()
            .is_some_and(|c| !"\"'[]{}|>&*!%@`#".contains(c));
    plain.then_some((key, value, comment))
}

/// The frontmatter of `text` repaired by quoting, one at a time, the values of the
/// top-level `key: value` lines the YAML fails at, until it parses; `None` when that does
/// not make it parse, or when the result does not have exactly the keys the top-level
/// lines name, each quoted value reading back as the text it was.
fn quote_values(text: &str) -> Option<(String, Vec<Note>)> {
    let split = frontmatter::split(text).ok()?;
    let start = split.yaml.as_ptr() as usize - text.as_ptr() as usize;
    let end = start + split.yaml.len();
    let first_line = split.yaml_line;
    let mut lines: Vec<String> = split
        .yaml
        .split_inclusive('\n')
        .map(str::to_string)
        .collect();
    let mut quoted: Vec<(usize, String, String)> = Vec::new();
    let root = loop {
        let yaml = lines.concat();
        let err = match yaml::parse(&yaml, first_line) {
            Ok(root) => break root,
            Err(e) => e,
        };
        if matches!(err.kind, yaml::YamlErrorKind::DuplicateKey { .. }) {
            return None;
        }
        // The top-level line the error is at, or the last one before it.
        let at = err
            .line
            .checked_sub(first_line)?
            .min(lines.len().checked_sub(1)?);
        let i = (0..=at)
            .rev()
            .find(|&i| !lines[i].starts_with([' ', '\t', '#', '-']) && lines[i].contains(':'))?;
        if quoted.iter().any(|(q, _, _)| *q == i) {
            return None;
        }
        let (key, value, comment) = plain_entry(&lines[i])?;
        let (key, value, comment) = (key.to_string(), value.to_string(), comment.to_string());
        let eol = if lines[i].ends_with("\r\n") {
            "\r\n"
        } else if lines[i].ends_with('\n') {
            "\n"
        } else {
            ""
        };
        lines[i] = format!(
            "{key}: {}{comment}{eol}",
            serde_json::Value::from(value.as_str())
        );
        quoted.push((i, key, value));
    };
    // The same top-level keys as the lines name, in order, and each quoted value as written.
    let keys: Vec<&str> = lines
        .iter()
        .filter(|l| !l.starts_with([' ', '\t', '#', '-', '\r', '\n']) && !l.trim().is_empty())
        .filter_map(|l| l.split_once(':').map(|(k, _)| k))
        .collect();
    let entries = root.entries()?;
    let same_keys = entries.len() == keys.len()
        && entries
            .iter()
            .zip(&keys)
            .all(|((k, _), line_key)| k.as_str() == Some(line_key));
    let same_values = quoted
        .iter()
        .all(|(_, k, v)| root.get(k).and_then(Node::as_str) == Some(v.as_str()));
    if !same_keys || !same_values {
        return None;
    }
    let notes = quoted
        .iter()
        .map(|(i, k, _)| Note {
            rule: RuleId::YamlSyntax,
            line: first_line + i,
            message: format!("quoted the value of `{k}`, which did not parse unquoted"),
        })
        .collect();
    Some((
        format!("{}{}{}", &text[..start], lines.concat(), &text[end..]),
        notes,
    ))
}

/// The edits to make, in terms of the original frontmatter.
#[derive(Default)]
struct Plan {
    /// Top-level keys to move, with the string each becomes, in file order.
    moves: Vec<(String, String)>,
    /// File lines (inclusive ranges) the moved entries take up.
    removed: Vec<(usize, usize)>,
    /// Where the moved entries go: after this file line, with this indentation; a new
    /// `metadata:` line first when there is none.
    insert_after: usize,
    indent: usize,
    new_metadata: bool,
    /// Scalars to quote: their (line, column) and byte range in the YAML.
    quotes: Vec<((usize, usize), (usize, usize))>,
}

/// The last file line of each top-level entry: up to the line before the next key, less
/// the blank lines and unindented comments in between (they stay with what follows;
/// indented comments belong to the value).
fn entry_ends(root: &Node, yaml: &str, first_line: usize) -> Vec<usize> {
    let lines: Vec<&str> = yaml.lines().collect();
    let last = first_line + lines.len() - 1;
    let keys: Vec<usize> = root
        .entries()
        .unwrap_or_default()
        .iter()
        .map(|(k, _)| k.line)
        .collect();
    keys.iter()
        .enumerate()
        .map(|(i, &start)| {
            let mut end = keys.get(i + 1).map_or(last, |next| next - 1);
            while end > start {
                let line = lines[end - first_line];
                if line.trim().is_empty() || line.starts_with('#') {
                    end -= 1;
                } else {
                    break;
                }
            }
            end
        })
        .collect()
}

fn plan(
    root: &Node,
    yaml: &str,
    first_line: usize,
    profile: Profile,
    folder: Option<&str>,
    applied: &mut Vec<Note>,
    skipped: &mut Vec<Note>,
) -> Plan {
    let entries = root.entries().unwrap_or_default();
    let ends = entry_ends(root, yaml, first_line);
    let mut plan = Plan::default();
    // Entries can be moved line by line only in a block mapping: one key per line.
    let block = entries
        .windows(2)
        .all(|w| w[0].0.line < w[1].0.line && w[0].0.col == w[1].0.col);
    let metadata = entries
        .iter()
        .position(|(k, _)| k.as_str() == Some("metadata"));
    let meta_entries = metadata.and_then(|i| entries[i].1.entries());
    // A block of `key: value` lines below `metadata:`, which moved keys are added to.
    let meta_block = meta_entries.filter(|e| {
        !e.is_empty()
            && e[0].0.line > entries[metadata.unwrap_or_default()].0.line
            && e.windows(2).all(|w| w[0].0.line < w[1].0.line)
    });
    let existing: HashSet<String> = meta_entries
        .unwrap_or_default()
        .iter()
        .filter_map(|(k, _)| k.text().map(|t| t.into_owned()))
        .collect();
    for (i, (key, value)) in entries.iter().enumerate() {
        let Some(k) = key.text() else { continue };
        let k = k.as_ref();
        if SPEC_FIELDS.contains(&k) {
            continue;
        }
        let rule = if REGISTRY_FIELDS.contains(&k) {
            RuleId::RegistryField
        } else {
            RuleId::UnknownField
        };
        let mut skip = |why: String| {
            skipped.push(Note {
                rule,
                line: key.line,
                message: why,
            })
        };
        if CLAUDE_CODE_FIELDS.iter().any(|(f, _)| *f == k) {
            if profile != Profile::ClaudeCode {
                skip(format!(
                    "`{k}` is a Claude Code field: moving it would change what Claude Code does; remove it, or validate with `--profile claude-code`"
                ));
            }
            continue;
        }
        let Some(text) = value.as_metadata_string() else {
            skip(format!("`{k}` has no value; remove it"));
            continue;
        };
        if !block {
            skip(format!(
                "`{k}` cannot be moved line by line: the frontmatter's keys are not each a plain key at the start of its own line (a flow mapping `{{…}}`, a quoted or `?` complex key); move it by hand"
            ));
            continue;
        }
        if existing.contains(k) || plan.moves.iter().any(|(m, _)| m == k) {
            skip(format!(
                "`metadata` already has `{k}`; merge the two by hand"
            ));
            continue;
        }
        if metadata.is_some() && meta_block.is_none() {
            skip(format!(
                "`{k}` was not moved: `metadata` is not a block of indented `key: value` lines"
            ));
            continue;
        }
        applied.push(Note {
            rule,
            line: key.line,
            message: format!("moved `{k}` under `metadata`"),
        });
        plan.moves.push((k.to_string(), text));
        plan.removed.push((key.line, ends[i]));
    }
    match (metadata, meta_block) {
        (Some(i), Some(block)) => {
            plan.insert_after = ends[i];
            plan.indent = block[0].0.col.saturating_sub(1);
        }
        _ => {
            plan.insert_after = first_line + yaml.lines().count() - 1;
            plan.indent = 2;
            plan.new_metadata = true;
        }
    }
    // Quote the scalars the rules say should be strings, outside the moved entries.
    let mut sink = Sink::new(Path::new("SKILL.md"), profile);
    rules::check_frontmatter(&mut sink, root, folder);
    let removed = |line: usize| plan.removed.iter().any(|(a, b)| (*a..=*b).contains(&line));
    for d in sink
        .out
        .iter()
        .filter(|d| d.rule == RuleId::ScalarNotString.id())
    {
        if removed(d.line) {
            continue;
        }
        let at = (d.line, d.col);
        match find(root, at).and_then(|n| Some((n, n.span?, n.raw.as_deref()?))) {
            Some((_, (start, len), raw)) => {
                plan.quotes.push((at, (start, start + len)));
                applied.push(Note {
                    rule: RuleId::ScalarNotString,
                    line: d.line,
                    message: format!("quoted `{raw}`"),
                });
            }
            None => skipped.push(Note {
                rule: RuleId::ScalarNotString,
                line: d.line,
                message: "the value could not be located; quote it by hand".into(),
            }),
        }
    }
    plan
}

/// The node at a file position (a value's own position, not a key's).
fn find(node: &Node, at: (usize, usize)) -> Option<&Node> {
    match &node.value {
        Value::Seq(items) => items.iter().find_map(|n| find(n, at)),
        Value::Map(entries) => entries.iter().find_map(|(_, v)| find(v, at)),
        _ => ((node.line, node.col) == at).then_some(node),
    }
}

/// `yaml` with the plan applied: quotes inside lines, moved entries' lines dropped, and
/// the moved keys written under `metadata`.
fn edit(yaml: &str, first_line: usize, plan: &Plan) -> String {
    if plan.moves.is_empty() && plan.quotes.is_empty() {
        return yaml.to_string();
    }
    let newline = if yaml.contains("\r\n") { "\r\n" } else { "\n" };
    let mut quotes = plan.quotes.clone();
    // From the end, so that earlier byte offsets stay valid.
    quotes.sort_by_key(|(_, (start, _))| std::cmp::Reverse(*start));
    let mut text = yaml.to_string();
    for (_, (start, end)) in quotes {
        let Some(raw) = text.get(start..end) else {
            continue;
        };
        let trimmed = raw.trim();
        let lead = raw.len() - raw.trim_start().len();
        let quoted = serde_json::Value::from(trimmed).to_string();
        text.replace_range(start + lead..start + lead + trimmed.len(), &quoted);
    }
    let mut out = String::with_capacity(text.len() + 64);
    let insertion: String = {
        let pad = " ".repeat(plan.indent);
        let mut s = String::new();
        if plan.new_metadata && !plan.moves.is_empty() {
            s.push_str("metadata:");
            s.push_str(newline);
        }
        for (k, v) in &plan.moves {
            let key = if is_plain_key(k) {
                k.clone()
            } else {
                serde_json::Value::from(k.as_str()).to_string()
            };
            s.push_str(&format!(
                "{pad}{key}: {}{newline}",
                serde_json::Value::from(v.as_str())
            ));
        }
        s
    };
    for (i, line) in text.split_inclusive('\n').enumerate() {
        let n = first_line + i;
        if !plan.removed.iter().any(|(a, b)| (*a..=*b).contains(&n)) {
            out.push_str(line);
        }
        if n == plan.insert_after {
            if !line.ends_with('\n') {
                out.push_str(newline);
            }
            out.push_str(&insertion);
        }
    }
    out
}

/// A key that can be written without quotes: letters, digits, `-` and `_`, starting with
/// a letter.
fn is_plain_key(k: &str) -> bool {
    k.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
        && k.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

/// Whether `new` reads as `old` with the plan applied: the same keys and values, except
/// the quoted scalars (now their spelling as strings) and the moved keys (now strings at
/// the end of `metadata`).
fn verify(old: &Node, new: &Node, plan: &Plan) -> bool {
    let quoted: HashSet<(usize, usize)> = plan.quotes.iter().map(|(at, _)| *at).collect();
    let moved = |k: &Node| {
        k.as_str()
            .is_some_and(|k| plan.moves.iter().any(|(m, _)| m == k))
    };
    let (Some(old_entries), Some(new_entries)) = (old.entries(), new.entries()) else {
        return false;
    };
    let kept: Vec<&(Node, Node)> = old_entries.iter().filter(|(k, _)| !moved(k)).collect();
    let mut new_iter = new_entries.iter();
    for (k, v) in kept {
        let Some((nk, nv)) = new_iter.next() else {
            return false;
        };
        if !same(k, nk, &quoted) {
            return false;
        }
        if k.as_str() == Some("metadata") && !plan.moves.is_empty() {
            if !same_metadata(v, nv, plan, &quoted) {
                return false;
            }
        } else if !same(v, nv, &quoted) {
            return false;
        }
    }
    match new_iter.next() {
        None => !plan.new_metadata || plan.moves.is_empty(),
        Some((k, v)) if plan.new_metadata && k.as_str() == Some("metadata") => {
            let empty = Node {
                value: Value::Map(Vec::new()),
                line: 0,
                col: 0,
                raw: None,
                span: None,
            };
            same_metadata(&empty, v, plan, &quoted) && new_iter.next().is_none()
        }
        Some(_) => false,
    }
}

fn same_metadata(old: &Node, new: &Node, plan: &Plan, quoted: &HashSet<(usize, usize)>) -> bool {
    let (Some(o), Some(n)) = (old.entries(), new.entries()) else {
        return false;
    };
    n.len() == o.len() + plan.moves.len()
        && o.iter()
            .zip(n)
            .all(|((ok, ov), (nk, nv))| same(ok, nk, quoted) && same(ov, nv, quoted))
        && n[o.len()..]
            .iter()
            .zip(&plan.moves)
            .all(|((nk, nv), (k, v))| nk.as_str() == Some(k) && nv.as_str() == Some(v))
}

fn same(old: &Node, new: &Node, quoted: &HashSet<(usize, usize)>) -> bool {
    if quoted.contains(&(old.line, old.col)) {
        return new.as_str() == old.raw.as_deref();
    }
    match (&old.value, &new.value) {
        (Value::Seq(a), Value::Seq(b)) => {
            a.len() == b.len() && a.iter().zip(b).all(|(x, y)| same(x, y, quoted))
        }
        (Value::Map(a), Value::Map(b)) => {
            a.len() == b.len()
                && a.iter()
                    .zip(b)
                    .all(|((ak, av), (bk, bv))| same(ak, bk, quoted) && same(av, bv, quoted))
        }
        (Value::Float(a), Value::Float(b)) => {
            a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan())
        }
        (a, b) => a == b,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixed(text: &str) -> Fixed {
        fix_text(text, Profile::Spec, Some("s")).unwrap()
    }

    #[test]
    fn registry_fields_move_under_metadata_with_their_whole_values() {
        let out = fixed(
            "---\nname: s\ndescription: d\nversion: 1.0\nmaintainers:\n  - github: octo\n    # the owner\ntags: [a, b]\n\n# registry keys end here\nmetadata:\n  author: me\n---\nbody\n",
        );
        assert_eq!(
            out.text,
            "---\nname: s\ndescription: d\n\n# registry keys end here\nmetadata:\n  author: me\n  version: \"1.0\"\n  maintainers: \"[{\\\"github\\\":\\\"octo\\\"}]\"\n  tags: \"a, b\"\n---\nbody\n"
        );
        let moved: Vec<&str> = out.applied.iter().map(|n| n.message.as_str()).collect();
        assert_eq!(
            moved,
            [
                "moved `version` under `metadata`",
                "moved `maintainers` under `metadata`",
                "moved `tags` under `metadata`"
            ]
        );
        // The result is clean and reads back with the values.
        let again = fixed(&out.text);
        assert_eq!(again.text, out.text);
        assert!(again.applied.is_empty());
    }

    #[test]
    fn metadata_is_added_when_missing_and_crlf_is_kept() {
        let out = fixed("---\r\nname: s\r\nauthor: me\r\ndescription: d\r\n---\r\n");
        assert_eq!(
            out.text,
            "---\r\nname: s\r\ndescription: d\r\nmetadata:\r\n  author: \"me\"\r\n---\r\n"
        );
    }

    #[test]
    fn typed_scalars_are_quoted_as_spelled() {
        let out = fixed(
            "---\nname: s\ndescription: 42 # the answer\nmetadata:\n  version: 1.0\n  beta: true\n---\n",
        );
        assert_eq!(
            out.text,
            "---\nname: s\ndescription: \"42\" # the answer\nmetadata:\n  version: \"1.0\"\n  beta: \"true\"\n---\n"
        );
        assert_eq!(out.applied.len(), 3);
    }

    #[test]
    fn a_byte_order_mark_is_removed() {
        let out = fixed("\u{feff}---\nname: s\ndescription: d\n---\n");
        assert_eq!(out.text, "---\nname: s\ndescription: d\n---\n");
        assert_eq!(out.applied[0].rule, RuleId::ByteOrderMark);
    }

    #[test]
    fn a_value_that_stops_the_yaml_is_quoted() {
        let out = fixed(
            "---\nname: s\ndescription: Use it when: asked, \"twice\"\r\nlicense: MIT\n---\nbody\n",
        );
        assert_eq!(
            out.text,
            "---\nname: s\ndescription: \"Use it when: asked, \\\"twice\\\"\"\r\nlicense: MIT\n---\nbody\n"
        );
        assert_eq!(out.applied.len(), 1);
        assert_eq!(out.applied[0].rule, RuleId::YamlSyntax);
        assert_eq!(out.applied[0].line, 3);
        // Two such lines, and a registry field moved once the YAML parses.
        let out = fixed("---\nname: s\ndescription: a: b\nversion: x: 1\n---\n");
        assert_eq!(
            out.text,
            "---\nname: s\ndescription: \"a: b\"\nmetadata:\n  version: \"x: 1\"\n---\n"
        );
        assert_eq!(out.applied.len(), 3);

        // A comment after the value stays one, after the closing quote.
        let out = fixed("---\nname: s\ndescription: a: b  # note: c\n---\n");
        assert_eq!(
            out.text,
            "---\nname: s\ndescription: \"a: b\"  # note: c\n---\n"
        );
        // A `#` inside a word is text.
        let out = fixed("---\nname: s\ndescription: a: b#c\n---\n");
        assert_eq!(out.text, "---\nname: s\ndescription: \"a: b#c\"\n---\n");
    }

    #[test]
    fn unparsable_files_are_not_fixed() {
        for text in [
            "---\nname: s\ndescription: \"Use it when: asked\n---\n",
            "---\nname: s\ndescription: Use it\n  when: asked\n---\n",
            "---\nname: s\ndescription: a: b\ndescription: c\n---\n",
            "name: s\n",
            "---\nname: s\n",
            "\u{feff}---\nname: [s\n---\n",
        ] {
            assert!(
                matches!(
                    fix_text(text, Profile::Spec, Some("s")),
                    Err(Unfixable::NotParsed(_))
                ),
                "{text:?}"
            );
        }
    }

    #[test]
    fn claude_code_fields_conflicts_and_flow_metadata_are_left_alone() {
        let text =
            "---\nname: s\ndescription: d\nmodel: sonnet\nowner: x\nmetadata: {author: y}\n---\n";
        let out = fixed(text);
        assert_eq!(out.text, text);
        let why: Vec<&str> = out.skipped.iter().map(|n| n.message.as_str()).collect();
        assert!(why[0].contains("Claude Code field"), "{why:?}");
        assert!(why[1].contains("not a block"), "{why:?}");
        let out = fixed("---\nname: s\ndescription: d\nauthor: x\nmetadata:\n  author: y\n---\n");
        assert!(out.skipped[0].message.contains("already has `author`"));
        // Whether `metadata` is a block or not, a key it holds is to be merged by hand.
        let out = fixed("---\nname: s\ndescription: d\nauthor: x\nmetadata: {author: y}\n---\n");
        assert!(out.skipped[0].message.contains("already has `author`"));
        // Under claude-code, its fields are valid where they are.
        let out = fix_text(text, Profile::ClaudeCode, Some("s")).unwrap();
        assert!(
            !out.skipped
                .iter()
                .any(|n| n.message.contains("Claude Code field"))
        );
    }

    #[test]
    fn diffs_are_unified_with_git_labels() {
        let diff = unified_diff("s/SKILL.md", "a\nb\n", "a\nc\n");
        assert_eq!(
            diff,
            "--- a/s/SKILL.md\n+++ b/s/SKILL.md\n@@ -1,2 +1,2 @@\n a\n-b\n+c\n"
        );
        assert_eq!(unified_diff("x", "same\n", "same\n"), "");
    }
}
