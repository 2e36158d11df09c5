//! The skill model: `SKILL.md` frontmatter parsed with positions, the validation rules and
//! profiles, and the diagnostics they produce. Nothing here prints.

pub mod diagnostic;
pub mod frontmatter;
pub mod rules;
pub mod yaml;

use std::path::{Path, PathBuf};

pub use diagnostic::{Diagnostic, Severity};
pub use rules::Profile;
use rules::Sink;
use yaml::{Node, Value};

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
    pub path: PathBuf,
    pub text: String,
    /// The frontmatter tree, when it split and parsed.
    pub frontmatter: Option<Node>,
    /// First line of the body (1-based).
    pub body_line: usize,
    /// Diagnostics found while splitting and parsing.
    pub diagnostics: Vec<Diagnostic>,
}

impl SkillFile {
    /// Splits and parses `text`, recording syntax problems as diagnostics.
    pub fn parse(path: &Path, text: String) -> SkillFile {
        let mut sink = Sink {
            file: path,
            out: Vec::new(),
        };
        let mut frontmatter = None;
        let mut body_line = 1;
        match frontmatter::split(&text) {
            Err(frontmatter::SplitError::NoOpening) => sink.push(
                "frontmatter-missing",
                Severity::Error,
                1,
                1,
                "SKILL.md must open with YAML frontmatter: `---` on line 1, the fields, then `---`",
            ),
            Err(frontmatter::SplitError::NotClosed) => sink.push(
                "frontmatter-unclosed",
                Severity::Error,
                1,
                1,
                "the frontmatter opened on line 1 is never closed; add a `---` line after the fields",
            ),
            Ok(split) => {
                body_line = split.body_line;
                if split.yaml.trim().is_empty() {
                    sink.push(
                        "frontmatter-not-mapping",
                        Severity::Error,
                        split.yaml_line,
                        1,
                        "the frontmatter is empty; add at least `name` and `description`",
                    );
                } else {
                    match yaml::parse(split.yaml, split.yaml_line) {
                        Ok(node) => frontmatter = Some(node),
                        Err(e) => {
                            let rule = if e.message.to_lowercase().contains("duplicate") {
                                "duplicate-key"
                            } else {
                                "yaml-syntax"
                            };
                            sink.push(rule, Severity::Error, e.line, e.col, format!("invalid YAML: {}", e.message));
                        }
                    }
                }
            }
        }
        SkillFile {
            path: path.to_path_buf(),
            text,
            frontmatter,
            body_line,
            diagnostics: sink.out,
        }
    }

    pub fn read(path: &Path) -> Result<SkillFile, SkillError> {
        let bytes = std::fs::read(path).map_err(|source| SkillError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        let text = String::from_utf8_lossy(&bytes).into_owned();
        Ok(SkillFile::parse(path, text))
    }

    /// The metadata skillpack uses, read leniently (absent or mistyped fields are empty).
    pub fn meta(&self) -> SkillMeta {
        let Some(root) = &self.frontmatter else {
            return SkillMeta::default();
        };
        let text = |n: Option<&Node>| n.and_then(|n| n.scalar_text()).filter(|s| !s.is_empty());
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

/// Finds the `SKILL.md` of a skill folder (`skill.md` is accepted too, as the reference
/// validator does).
pub fn find_skill_md(dir: &Path) -> Option<PathBuf> {
    ["SKILL.md", "skill.md"]
        .iter()
        .map(|n| dir.join(n))
        .find(|p| p.is_file())
}

/// The install check: the skill in `dir` loads in Claude Code: a `SKILL.md` whose
/// frontmatter parses, with a valid `name` equal to `folder` and a valid `description`.
pub fn check_installable(dir: &Path, folder: &str) -> Result<SkillMeta, SkillError> {
    let path = dir.join("SKILL.md");
    if !path.is_file() {
        return Err(SkillError::Missing {
            dir: dir.to_path_buf(),
        });
    }
    let file = SkillFile::read(&path)?;
    let mut sink = Sink {
        file: &path,
        out: file.diagnostics.clone(),
    };
    if let Some(root) = &file.frontmatter {
        match root.entries() {
            None => rules::check_spec_fields(&mut sink, root, Some(folder), Profile::Spec),
            Some(_) => {
                match root.get("name") {
                    Some(n) => rules::check_name(&mut sink, n, Some(folder)),
                    None => sink.push(
                        "name-missing",
                        Severity::Error,
                        1,
                        1,
                        "the frontmatter has no `name`",
                    ),
                }
                match root.get("description") {
                    Some(d) => rules::check_description(&mut sink, d),
                    None => sink.push(
                        "description-missing",
                        Severity::Error,
                        1,
                        1,
                        "the frontmatter has no `description`",
                    ),
                }
            }
        }
    }
    if sink.out.iter().any(|d| d.severity == Severity::Error) {
        return Err(SkillError::Invalid {
            diagnostics: sink.out,
        });
    }
    Ok(file.meta())
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
    /// Sorted by file, line, column.
    pub diagnostics: Vec<Diagnostic>,
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

/// Validates the skill folder `dir` under `opts.profile`.
pub fn validate_dir(dir: &Path, opts: &ValidateOptions) -> SkillReport {
    let folder = dir
        .canonicalize()
        .ok()
        .and_then(|d| d.file_name().map(|n| n.to_string_lossy().into_owned()));
    let Some(path) = find_skill_md(dir) else {
        let diag = Diagnostic {
            rule: "missing-skill-md",
            severity: Severity::Error,
            file: dir.join("SKILL.md"),
            line: 0,
            col: 0,
            message: "the folder has no SKILL.md; a skill is a folder holding SKILL.md".into(),
        };
        return SkillReport {
            dir: dir.to_path_buf(),
            skill_md: None,
            meta: SkillMeta::default(),
            diagnostics: vec![diag],
        };
    };
    let file = match SkillFile::read(&path) {
        Ok(f) => f,
        Err(e) => {
            let diag = Diagnostic {
                rule: "unreadable",
                severity: Severity::Error,
                file: path.clone(),
                line: 0,
                col: 0,
                message: e.to_string(),
            };
            return SkillReport {
                dir: dir.to_path_buf(),
                skill_md: Some(path),
                meta: SkillMeta::default(),
                diagnostics: vec![diag],
            };
        }
    };
    let mut sink = Sink {
        file: &path,
        out: file.diagnostics.clone(),
    };
    if let Some(root) = &file.frontmatter {
        rules::check_spec_fields(&mut sink, root, folder.as_deref(), opts.profile);
    }
    let mut diagnostics = sink.out;
    if opts.strict {
        diagnostics
            .iter_mut()
            .for_each(|d| d.severity = Severity::Error);
    }
    diagnostics
        .sort_by(|a, b| (&a.file, a.line, a.col, a.rule).cmp(&(&b.file, b.line, b.col, b.rule)));
    SkillReport {
        dir: dir.to_path_buf(),
        skill_md: Some(path),
        meta: file.meta(),
        diagnostics,
    }
}
