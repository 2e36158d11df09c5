//! The skill model: `SKILL.md` frontmatter parsed with positions, the validation rules and
//! profiles, and the diagnostics they produce. Nothing here prints.

pub(crate) mod body;
mod capped;
pub(crate) mod diagnostic;
pub(crate) mod discover;
pub mod fix;
pub mod frontmatter;
pub(crate) mod help;
pub mod junk;
pub(crate) mod loader;
pub(crate) mod rules;
pub mod yaml;

pub use capped::SKILL_MD_CAP;
use capped::{read_skill_md, too_large};

use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::agents::Agent;

pub use diagnostic::{Diagnostic, Severity, fingerprint, worst_first};
pub use discover::{DiscoverError, containing, discover};
use rules::Sink;
pub use rules::{Profile, RULES, Rule, RuleId, is_valid_name};
use yaml::{Node, Value, YamlErrorKind};

/// What skillpack needs to know about a skill, read from its frontmatter.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SkillMeta {
    pub name: String,
    pub description: String,
    /// `metadata.version`, else a top-level `version`.
    pub version: Option<String>,
    /// `recommended_skills` (a list at the top level) or `metadata.recommended_skills`
    /// (a comma- or space-separated string), in declaration order, without duplicates.
    pub companions: Vec<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum SkillError {
    #[error("no SKILL.md in `{}`", dir.display())]
    Missing { dir: PathBuf },

    #[error("cannot read `{}`: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    /// The skill could not be loaded; the diagnostics say why.
    #[error("{}", first_error(.diagnostics))]
    Invalid { diagnostics: Vec<Diagnostic> },

    /// `agent` would not load the skill, or (`loads`) would load it other than as written;
    /// the errors of its profile say why.
    #[error(
        "{} {}: {}",
        agent.display_name(),
        if *loads { "changes it" } else { "skips it" },
        first_error(.diagnostics)
    )]
    NotLoaded {
        agent: Agent,
        loads: bool,
        diagnostics: Vec<Diagnostic>,
    },
}

impl SkillError {
    /// The stable id of the error: `no-skill-md`, `io`, the rule of the first error of an
    /// invalid skill, or `not-loaded`.
    pub fn kind(&self) -> &'static str {
        match self {
            SkillError::Missing { .. } => "no-skill-md",
            SkillError::Io { .. } => "io",
            SkillError::Invalid { diagnostics } => diagnostics
                .iter()
                .find(|d| d.severity == Severity::Error)
                .map_or("invalid", |d| d.rule),
            SkillError::NotLoaded { .. } => "not-loaded",
        }
    }
}

fn first_error(d: &[Diagnostic]) -> String {
    d.iter()
        .find(|d| d.severity == Severity::Error)
        .map(|d| d.to_string())
        .unwrap_or_else(|| "the skill is invalid".into())
}

/// A parsed `SKILL.md`.
#[derive(Debug, Clone)]
pub struct SkillFile {
    pub text: String,
    /// The frontmatter tree, when it split and parsed.
    pub frontmatter: Option<Node>,
    /// First line of the body (1-based).
    pub body_line: usize,
    /// Byte offset of the body in `text`, when the frontmatter split.
    pub body_offset: Option<usize>,
    /// Diagnostics found while splitting and parsing.
    pub diagnostics: Vec<Diagnostic>,
}

impl SkillFile {
    /// Splits and parses `text`, recording syntax problems as diagnostics.
    pub fn parse(path: &Path, text: String) -> SkillFile {
        SkillFile::parse_as(path, text, Profile::Spec)
    }

    /// As [`SkillFile::parse`], with the severities of `profile`.
    pub fn parse_as(path: &Path, text: String, profile: Profile) -> SkillFile {
        let mut sink = Sink::new(path, profile);
        let mut frontmatter = None;
        let mut body_line = 1;
        let mut body_offset = None;
        let mut start = 0;
        if text.starts_with('\u{feff}') {
            start = '\u{feff}'.len_utf8();
            sink.push(
                RuleId::ByteOrderMark,
                1,
                1,
                "SKILL.md starts with a byte-order mark, which hides the opening `---`; save it as UTF-8 without BOM",
            );
        }
        let rest = &text[start..];
        match frontmatter::split(rest) {
            Err(frontmatter::SplitError::NoOpening) => {
                let first = rest.lines().next().unwrap_or_default().trim_end();
                let message = if rest.trim().is_empty() {
                    "SKILL.md is empty; start it with the frontmatter: `---`, `name: …`, `description: …`, `---`".to_string()
                } else {
                    format!(
                        "SKILL.md must open with YAML frontmatter, `---` on line 1, but line 1 is `{}`; add `---`, `name: …`, `description: …`, `---` above it",
                        truncate(first, 40)
                    )
                };
                sink.push(RuleId::FrontmatterMissing, 1, 1, message);
            }
            Err(frontmatter::SplitError::NotClosed) => sink.push(
                RuleId::FrontmatterUnclosed,
                1,
                1,
                "the frontmatter opened on line 1 is never closed; add a `---` line after the last field",
            ),
            Ok(split) => {
                body_line = split.body_line;
                body_offset = Some(text.len() - split.body.len());
                if split.yaml.trim().is_empty() {
                    sink.push(
                        RuleId::FrontmatterNotMapping,
                        split.yaml_line,
                        1,
                        "the frontmatter is empty; add at least `name` and `description`",
                    );
                } else {
                    match yaml::parse(split.yaml, split.yaml_line) {
                        Ok(node) => frontmatter = Some(node),
                        Err(e) => yaml_error(&mut sink, &e),
                    }
                }
            }
        }
        SkillFile {
            text,
            frontmatter,
            body_line,
            body_offset,
            diagnostics: sink.out,
        }
    }

    pub fn read(path: &Path) -> Result<SkillFile, SkillError> {
        Self::read_from(path, true)
    }

    /// [`SkillFile::read`] of a `SKILL.md` in a folder skillpack manages: a link in its place
    /// is refused, never followed.
    pub fn read_no_follow(path: &Path) -> Result<SkillFile, SkillError> {
        Self::read_from(path, false)
    }

    fn read_from(path: &Path, follow: bool) -> Result<SkillFile, SkillError> {
        let bytes = crate::durable::read_regular(path, follow, SKILL_MD_CAP)
            .and_then(|b| b.ok_or_else(too_large))
            .map_err(|source| SkillError::Io {
                path: path.to_path_buf(),
                source,
            })?;
        let text = String::from_utf8_lossy(&bytes).into_owned();
        Ok(SkillFile::parse(path, text))
    }

    /// The Markdown after the frontmatter, when the frontmatter split.
    pub fn body(&self) -> Option<&str> {
        self.body_offset.map(|o| &self.text[o..])
    }

    /// The metadata skillpack uses, read leniently (absent or mistyped fields are empty).
    pub fn meta(&self) -> SkillMeta {
        let Some(root) = &self.frontmatter else {
            return SkillMeta::default();
        };
        let text = |n: Option<&Node>| {
            n.and_then(Node::text)
                .map(|t| t.into_owned())
                .filter(|s| !s.is_empty())
        };
        let metadata = root.get("metadata");
        let version =
            text(metadata.and_then(|m| m.get("version"))).or_else(|| text(root.get("version")));
        let mut companions: Vec<String> = Vec::new();
        let mut add = |s: &str| {
            let s = s.trim();
            if !s.is_empty() && !companions.iter().any(|c| c == s) {
                companions.push(s.to_string());
            }
        };
        if let Some(Value::Seq(items)) = root.get("recommended_skills").map(|n| &n.value) {
            items.iter().filter_map(Node::as_str).for_each(&mut add);
        }
        if let Some(list) = metadata
            .and_then(|m| m.get("recommended_skills"))
            .and_then(Node::as_str)
        {
            list.split(|c: char| c == ',' || c.is_whitespace())
                .for_each(&mut add);
        }
        SkillMeta {
            name: text(root.get("name")).unwrap_or_default(),
            description: text(root.get("description")).unwrap_or_default(),
            version,
            companions,
        }
    }
}

const NOT_REGULAR: &str = "SKILL.md is not a regular file (a FIFO, socket or device), so it was not read; put the skill's text in a regular file named SKILL.md";

fn truncate(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s.to_string(),
    }
}

/// A YAML error, with the usual fix for the usual causes.
fn yaml_error(sink: &mut Sink<'_>, e: &yaml::YamlError) {
    let fix = match &e.kind {
        YamlErrorKind::DuplicateKey { key } => {
            let key = key.as_deref().unwrap_or("a key");
            sink.push(
                RuleId::DuplicateKey,
                e.line,
                e.col,
                format!("`{key}` appears twice in the same mapping; keep one of them"),
            );
            return;
        }
        YamlErrorKind::MappingValueNotAllowed => {
            "quote the value: an unquoted `: ` inside a value starts a new mapping"
        }
        YamlErrorKind::Tab => "indent with spaces, not tabs",
        YamlErrorKind::Other => {
            "quote values that contain `: ` or ` #`, or that start with a YAML indicator such as `[`, `{`, `*`, `&`, `!`, `|`, `>`, `%`, `@` or a backquote"
        }
    };
    sink.push(
        RuleId::YamlSyntax,
        e.line,
        e.col,
        format!("invalid YAML: {}; {fix}", e.message),
    );
}

/// Finds the `SKILL.md` of a skill folder (`skill.md` is accepted too, as the reference
/// validator does).
pub fn find_skill_md(dir: &Path) -> Option<PathBuf> {
    ["SKILL.md", "skill.md"]
        .iter()
        .map(|n| dir.join(n))
        .find(|p| p.is_file())
}

/// The install check: the skill in `dir` loads in Claude Code: a `SKILL.md` in UTF-8 whose
/// frontmatter parses, with a valid `name` equal to `folder` and a valid `description`
/// (the rules and messages `validate` applies to them).
///
/// `dir` is where the skill was staged, a folder that is gone by the time an error is
/// shown: diagnostics and errors name `origin/SKILL.md` when the skill came from a folder
/// (`origin`), else the skill's own entry, `<folder>/SKILL.md` (plain `SKILL.md` when
/// `folder` is not a skill name).
pub fn check_installable(
    dir: &Path,
    folder: &str,
    origin: Option<&Path>,
) -> Result<SkillMeta, SkillError> {
    let shown_dir = match origin {
        Some(origin) => origin.to_path_buf(),
        None if is_valid_name(folder) => PathBuf::from(folder),
        None => PathBuf::new(),
    };
    let shown = shown_dir.join("SKILL.md");
    let path = dir.join("SKILL.md");
    if !path.is_file() {
        return Err(SkillError::Missing {
            dir: if shown_dir.as_os_str().is_empty() {
                PathBuf::from(".")
            } else {
                shown_dir
            },
        });
    }
    let bytes = read_skill_md(&path)
        .and_then(|b| b.ok_or_else(too_large))
        .map_err(|source| SkillError::Io {
            path: shown.clone(),
            source,
        })?;
    let mut sink = Sink::new(&shown, Profile::Spec);
    let text = utf8_text(&mut sink, bytes);
    let mut file = SkillFile::parse(&shown, text);
    sink.out.append(&mut file.diagnostics);
    // Only what Claude Code needs to load the skill: the other fields do not stop it.
    if let Some(root) = &file.frontmatter {
        if root.entries().is_none() {
            rules::check_frontmatter(&mut sink, root, Some(folder));
        } else {
            if let Some(n) = root.get("name") {
                rules::check_name(&mut sink, n, Some(folder));
            }
            if let Some(d) = root.get("description") {
                rules::check_description(&mut sink, d);
            }
            rules::check_required(&mut sink, root, Some(folder));
        }
    }
    if sink.out.iter().any(|d| d.severity == Severity::Error) {
        return Err(SkillError::Invalid {
            diagnostics: sink.out,
        });
    }
    Ok(file.meta())
}

/// The install check when the skill is installed for `agents`: each of them loads the
/// skill in `dir`, installed as `folder` (the errors of its profile). What an agent loads
/// in spite of is returned, per agent, as warnings. Diagnostics name files as
/// [`check_installable`] does.
pub fn check_loads(
    dir: &Path,
    folder: &str,
    origin: Option<&Path>,
    agents: &[Agent],
) -> Result<(SkillMeta, Vec<(Agent, Diagnostic)>), SkillError> {
    let shown_dir = match origin {
        Some(origin) => origin.to_path_buf(),
        None if is_valid_name(folder) => PathBuf::from(folder),
        None => PathBuf::new(),
    };
    if !dir.join("SKILL.md").is_file() {
        return Err(SkillError::Missing {
            dir: if shown_dir.as_os_str().is_empty() {
                PathBuf::from(".")
            } else {
                shown_dir
            },
        });
    }
    let mut warnings = Vec::new();
    for &agent in agents {
        let opts = ValidateOptions {
            profile: Profile::of(agent),
            strict: false,
        };
        let report = validate_named(dir, Some(folder), &opts);
        let mut diagnostics = report.diagnostics.clone();
        for d in &mut diagnostics {
            if let Ok(rest) = d.file.strip_prefix(dir) {
                d.file = shown_dir.join(rest);
            }
        }
        if report.has_errors() {
            return Err(SkillError::NotLoaded {
                agent,
                loads: report.loads_as.is_some(),
                diagnostics,
            });
        }
        // What the agent loads in spite of: said, not refused.
        warnings.extend(diagnostics.into_iter().map(|d| (agent, d)));
    }
    Ok((SkillFile::read(&dir.join("SKILL.md"))?.meta(), warnings))
}

/// How [`validate_dir`] judges a skill.
#[derive(Debug, Clone, Copy, Default)]
pub struct ValidateOptions {
    pub profile: Profile,
    /// Turn warnings into errors.
    pub strict: bool,
}

/// Everything [`validate_dir`] found in one skill folder.
#[derive(Debug, Clone)]
pub struct SkillReport {
    pub dir: PathBuf,
    /// The `SKILL.md` (or `skill.md`) validated, if there was one.
    pub skill_md: Option<PathBuf>,
    pub meta: SkillMeta,
    /// Those in `SKILL.md` first, then by file, line, column and rule.
    pub diagnostics: Vec<Diagnostic>,
    /// Under an agent's profile, the name that agent lists the skill under; `None` when it
    /// skips the skill, or under a profile that is not an agent's.
    pub loads_as: Option<String>,
}

impl SkillReport {
    pub fn errors(&self) -> usize {
        self.diagnostics
            .iter()
            .filter(|d| d.severity == Severity::Error)
            .count()
    }

    pub fn warnings(&self) -> usize {
        self.diagnostics
            .iter()
            .filter(|d| d.severity == Severity::Warning)
            .count()
    }

    pub fn has_errors(&self) -> bool {
        self.errors() > 0
    }
}

/// The name of the folder `dir` as the user sees it: `.` and `..` resolved lexically, so
/// that `validate .` inside a skill compares with the skill's folder, while a symbolic
/// link keeps its own name (the one an agent loads the skill under).
pub fn folder_name(dir: &Path) -> Option<String> {
    let abs = crate::paths::lexical(&std::path::absolute(dir).ok()?);
    abs.file_name().map(|n| n.to_string_lossy().into_owned())
}

/// Validates the skill folder `dir` under `opts.profile`.
pub fn validate_dir(dir: &Path, opts: &ValidateOptions) -> SkillReport {
    validate_named(dir, folder_name(dir).as_deref(), opts)
}

/// What `agent` does with the skill folder `dir`, which it found under the name `folder`:
/// whether it loads it, under which name, and every finding of its profile.
pub fn judge(agent: Agent, dir: &Path, folder: &str) -> loader::Verdict {
    let opts = ValidateOptions {
        profile: Profile::of(agent),
        strict: false,
    };
    let report = validate_named(dir, Some(folder), &opts);
    loader::Verdict {
        loads: report.loads_as.is_some(),
        name: report.loads_as,
        problems: report.diagnostics,
    }
}

/// Validates the skill folder `dir`, whose name is `folder` (what `name` must equal and,
/// for Claude Code, the name the skill is listed under), under `opts.profile`. Under an
/// agent's profile the agent's own loader decides which findings are errors (see
/// [`loader::settle`]).
pub fn validate_named(dir: &Path, folder: Option<&str>, opts: &ValidateOptions) -> SkillReport {
    let agent = opts.profile.agent();
    let missing = dir.join("SKILL.md");
    let Some(path) = find_skill_md(dir) else {
        let mut sink = Sink::new(&missing, opts.profile);
        // A FIFO, socket or device named SKILL.md: said, never opened.
        let special = missing
            .metadata()
            .is_ok_and(|m| !m.is_file() && !m.is_dir());
        if special {
            sink.push(RuleId::Unreadable, 0, 0, NOT_REGULAR);
        } else {
            sink.push(
                RuleId::MissingSkillMd,
                0,
                0,
                "the folder has no SKILL.md; a skill is a folder holding a SKILL.md that starts with `name` and `description` frontmatter",
            );
        }
        let mut out = sink.out;
        if let Some(agent) = agent {
            loader::settle(agent, false, &missing, &mut out);
        }
        return finish(dir, None, SkillMeta::default(), out, opts, None);
    };
    let mut sink = Sink::new(&path, opts.profile);
    // Agents read `SKILL.md` only (on a case-insensitive file system `skill.md` is that).
    let exact = path.file_name().is_some_and(|n| n == "SKILL.md");
    if !exact {
        sink.push(
            RuleId::SkillMdCase,
            0,
            0,
            "the file is named `skill.md`; rename it to `SKILL.md`, the name agents look for on case-sensitive file systems",
        );
    }
    let failed = match read_skill_md(&path) {
        Ok(Some(b)) => Ok(b),
        Ok(None) => {
            let size = path.metadata().map_or(0, |m| m.len());
            Err((
                RuleId::SkillMdTooLarge,
                format!(
                    "SKILL.md is {:.1} MiB, and skillpack reads at most {} MiB of one; an agent puts all of it into its context when it uses the skill: keep the instructions short and move the bulk into files under `references/`",
                    size as f64 / (1024.0 * 1024.0),
                    SKILL_MD_CAP >> 20
                ),
            ))
        }
        // `open_regular` refuses what is not a regular file.
        Err(e) if e.kind() == std::io::ErrorKind::InvalidInput => {
            Err((RuleId::Unreadable, NOT_REGULAR.to_string()))
        }
        Err(e) => Err((
            RuleId::Unreadable,
            format!("cannot read the file: {e}; check its permissions"),
        )),
    };
    let bytes = match failed {
        Ok(b) => b,
        Err((rule, message)) => {
            sink.push(rule, 0, 0, message);
            let mut out = sink.out;
            if let Some(agent) = agent {
                loader::settle(agent, false, &path, &mut out);
            }
            return finish(
                dir,
                Some(path.clone()),
                SkillMeta::default(),
                out,
                opts,
                None,
            );
        }
    };
    let loads_as = match agent {
        Some(agent) if exact => loader::load(agent, &bytes, folder.unwrap_or_default()),
        _ => None,
    };
    let text = utf8_text(&mut sink, bytes);
    let mut file = SkillFile::parse_as(&path, text, opts.profile);
    if let Some(target) = link_leaving(dir, &path) {
        // What a link out of the folder reaches is no part of the skill: never quoted.
        for d in &mut file.diagnostics {
            if d.rule == RuleId::FrontmatterMissing.id() {
                d.message = format!(
                    "SKILL.md is a symbolic link to `{}`, outside the skill folder, and that file does not open with `---` frontmatter; point the link at the skill's own SKILL.md",
                    target.display()
                );
            }
        }
    }
    sink.out.append(&mut file.diagnostics);
    if let Some(root) = &file.frontmatter {
        rules::check_frontmatter(&mut sink, root, folder);
    }
    if let Some(body) = file.body() {
        body::check_body(&mut sink, dir, body, file.body_line);
    }
    body::check_files(&mut sink, dir);
    let meta = file.meta();
    let mut out = sink.out;
    if let Some(agent) = agent {
        loader::settle(agent, loads_as.is_some(), &path, &mut out);
    }
    finish(dir, Some(path.clone()), meta, out, opts, loads_as)
}

/// Where `file`, a symbolic link, points (as the link says it) when what it reaches is
/// outside the folder `dir`.
fn link_leaving(dir: &Path, file: &Path) -> Option<PathBuf> {
    let target = std::fs::read_link(file).ok()?;
    let (reached, dir) = (file.canonicalize().ok()?, dir.canonicalize().ok()?);
    (!reached.starts_with(dir)).then_some(target)
}

/// The text of a `SKILL.md`; bytes that are not UTF-8 are reported under `not-utf8` at the
/// first bad byte, and replaced so that the other rules still run.
fn utf8_text(sink: &mut Sink<'_>, bytes: Vec<u8>) -> String {
    match String::from_utf8(bytes) {
        Ok(t) => t,
        Err(e) => {
            // `valid_up_to` is at most the length of the bytes.
            let valid = &e.as_bytes()[..e.utf8_error().valid_up_to()];
            let line = valid.iter().filter(|b| **b == b'\n').count() + 1;
            let line_start = valid.iter().rposition(|b| *b == b'\n').map_or(0, |i| i + 1);
            let col = String::from_utf8_lossy(&valid[line_start..])
                .chars()
                .count()
                + 1;
            sink.push(
                RuleId::NotUtf8,
                line,
                col,
                "SKILL.md is not valid UTF-8; save it as UTF-8",
            );
            String::from_utf8_lossy(e.as_bytes()).into_owned()
        }
    }
}

fn finish(
    dir: &Path,
    skill_md: Option<PathBuf>,
    meta: SkillMeta,
    mut diagnostics: Vec<Diagnostic>,
    opts: &ValidateOptions,
    loads_as: Option<String>,
) -> SkillReport {
    if opts.strict {
        diagnostics
            .iter_mut()
            .for_each(|d| d.severity = Severity::Error);
    }
    let main = skill_md.clone().unwrap_or_else(|| dir.join("SKILL.md"));
    diagnostics.sort_by(|a, b| {
        (a.file != main, &a.file, a.line, a.col, a.rule).cmp(&(
            b.file != main,
            &b.file,
            b.line,
            b.col,
            b.rule,
        ))
    });
    SkillReport {
        dir: dir.to_path_buf(),
        skill_md,
        meta,
        diagnostics,
        loads_as,
    }
}

/// Validates many skill folders in parallel; the reports keep the order of `dirs`.
pub fn validate_all(dirs: &[PathBuf], opts: &ValidateOptions) -> Vec<SkillReport> {
    dirs.par_iter().map(|d| validate_dir(d, opts)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn yaml_messages(frontmatter: &str) -> Vec<String> {
        let text = format!("---\n{frontmatter}---\nbody\n");
        SkillFile::parse(Path::new("s/SKILL.md"), text)
            .diagnostics
            .into_iter()
            .map(|d| format!("{}: {}", d.rule, d.message))
            .collect()
    }

    #[test]
    fn yaml_errors_get_the_fix_for_their_kind() {
        let colon = yaml_messages("name: s\ndescription: Use it when: asked\n");
        assert!(
            colon[0].starts_with("yaml-syntax: ")
                && colon[0].ends_with(
                    "; quote the value: an unquoted `: ` inside a value starts a new mapping"
                ),
            "{colon:?}"
        );
        let tab = yaml_messages("name: s\nmetadata:\n\ta: b\n");
        assert!(
            tab[0].ends_with("; indent with spaces, not tabs"),
            "{tab:?}"
        );
        let other = yaml_messages("name: s\ndescription: \"open\n");
        assert!(other[0].ends_with("or a backquote"), "{other:?}");
        let dup = yaml_messages("name: s\nname: t\n");
        assert_eq!(
            dup,
            ["duplicate-key: `name` appears twice in the same mapping; keep one of them"]
        );
    }
}
