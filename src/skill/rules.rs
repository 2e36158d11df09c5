//! The validation rules of DESIGN section 6, each with a stable id.
//!
//! [`RuleId`] names every rule and its stable id; [`RULES`] says how severe each is in each
//! [`Profile`]. The checks below read a parsed frontmatter tree and push [`Diagnostic`]s
//! through a [`Sink`], which looks the severity up there.

use std::borrow::Cow;
use std::path::{Path, PathBuf};

use unicode_normalization::UnicodeNormalization;

use super::diagnostic::{Diagnostic, Severity};
use super::yaml::{Node, Value};
use crate::agents::Agent;

/// Which rule set decides what is an error.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Profile {
    /// The Agent Skills specification, as the reference validator applies it.
    #[default]
    Spec,
    /// What Claude Code loads: the specification plus the fields Claude Code reads, with
    /// errors only for what makes Claude Code skip the skill.
    ClaudeCode,
    /// What Codex loads: errors only for what makes Codex skip the skill.
    Codex,
    /// What Gemini CLI loads: errors only for what makes Gemini CLI skip the skill.
    GeminiCli,
    /// What claude.ai upload and the Skills API accept.
    Upload,
}

impl Profile {
    pub const ALL: [Profile; 5] = [
        Profile::Spec,
        Profile::ClaudeCode,
        Profile::Codex,
        Profile::GeminiCli,
        Profile::Upload,
    ];

    pub fn id(self) -> &'static str {
        match self {
            Profile::Spec => "spec",
            Profile::ClaudeCode => "claude-code",
            Profile::Codex => "codex",
            Profile::GeminiCli => "gemini-cli",
            Profile::Upload => "upload",
        }
    }

    fn index(self) -> usize {
        match self {
            Profile::Spec => 0,
            Profile::ClaudeCode => 1,
            Profile::Codex => 2,
            Profile::GeminiCli => 3,
            Profile::Upload => 4,
        }
    }

    /// The profile of what `agent` loads. Agents not observed are judged as Codex loads
    /// skills: the strictest reader of the open standard among those observed.
    pub fn of(agent: Agent) -> Profile {
        match agent {
            Agent::CLAUDE_CODE => Profile::ClaudeCode,
            Agent::GEMINI_CLI => Profile::GeminiCli,
            _ => Profile::Codex,
        }
    }

    /// The agent whose loader this profile describes, if it is an agent's.
    pub fn agent(self) -> Option<Agent> {
        match self {
            Profile::ClaudeCode => Some(Agent::CLAUDE_CODE),
            Profile::Codex => Some(Agent::CODEX),
            Profile::GeminiCli => Some(Agent::GEMINI_CLI),
            Profile::Spec | Profile::Upload => None,
        }
    }
}

/// Declares [`RuleId`], with one variant per rule and the stable id each is known by.
macro_rules! rule_ids {
    ($($variant:ident = $id:literal,)*) => {
        /// A validation rule. Every finding names its rule through this type, so that a
        /// misspelt rule does not compile; [`RuleId::id`] is the stable id shown to users.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum RuleId {
            $($variant,)*
        }

        impl RuleId {
            /// Every rule, in declaration order (the order of [`RULES`]).
            pub const ALL: &'static [RuleId] = &[$(RuleId::$variant,)*];

            /// The stable id, as shown in every output format and in the documentation.
            pub const fn id(self) -> &'static str {
                match self {
                    $(RuleId::$variant => $id,)*
                }
            }
        }
    };
}

rule_ids! {
    MissingSkillMd = "missing-skill-md",
    SkillMdCase = "skill-md-case",
    Unreadable = "unreadable",
    SkillMdTooLarge = "skill-md-too-large",
    NotUtf8 = "not-utf8",
    ByteOrderMark = "byte-order-mark",
    FrontmatterMissing = "frontmatter-missing",
    FrontmatterUnclosed = "frontmatter-unclosed",
    FrontmatterNotMapping = "frontmatter-not-mapping",
    YamlSyntax = "yaml-syntax",
    DuplicateKey = "duplicate-key",
    KeyType = "key-type",
    NullValue = "null-value",
    UnknownField = "unknown-field",
    RegistryField = "registry-field",
    ScalarNotString = "scalar-not-string",
    ValueControlCharacter = "value-control-character",
    NameMissing = "name-missing",
    NameType = "name-type",
    NameEmpty = "name-empty",
    NameTooLong = "name-too-long",
    NameNotLowercase = "name-not-lowercase",
    NameHyphenEdge = "name-hyphen-edge",
    NameDoubleHyphen = "name-double-hyphen",
    NameInvalidChar = "name-invalid-char",
    NameMismatch = "name-mismatch",
    NameNotAscii = "name-not-ascii",
    NameReservedWord = "name-reserved-word",
    DescriptionMissing = "description-missing",
    DescriptionType = "description-type",
    DescriptionEmpty = "description-empty",
    DescriptionTooLong = "description-too-long",
    DescriptionAngleBracket = "description-angle-bracket",
    LicenseType = "license-type",
    CompatibilityType = "compatibility-type",
    CompatibilityTooLong = "compatibility-too-long",
    CompatibilityEmpty = "compatibility-empty",
    MetadataType = "metadata-type",
    MetadataValueType = "metadata-value-type",
    AllowedToolsType = "allowed-tools-type",
    FieldType = "field-type",
    FieldValue = "field-value",
    BodyTooLong = "body-too-long",
    BrokenLink = "broken-link",
    MissingReference = "missing-reference",
    LinkOutsideSkill = "link-outside-skill",
    LargeFile = "large-file",
    JunkFile = "junk-file",
}

impl RuleId {
    /// The rule with this stable id.
    pub fn from_id(id: &str) -> Option<RuleId> {
        RuleId::ALL.iter().copied().find(|r| r.id() == id)
    }
}

impl std::fmt::Display for RuleId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.id())
    }
}

/// One rule: its stable id, its severity in each profile (`None`: not checked there), and
/// what it checks. In an agent's profile (`claude-code`, `codex`, `gemini-cli`) an error is
/// a rule that makes that agent skip the skill, learned from the real client; a finding of
/// it stays an error only when the agent's loader does skip the skill (see
/// [`super::loader`]), and is a warning when the agent recovers from it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rule {
    pub rule: RuleId,
    /// `rule.id()`.
    pub id: &'static str,
    /// Severity in `spec`, `claude-code`, `codex`, `gemini-cli` and `upload`, in that order.
    pub levels: [Option<Severity>; 5],
    pub summary: &'static str,
}

impl Rule {
    pub fn level(&self, profile: Profile) -> Option<Severity> {
        self.levels[profile.index()]
    }
}

const E: Option<Severity> = Some(Severity::Error);
const W: Option<Severity> = Some(Severity::Warning);
const N: Option<Severity> = None;

const fn rule(rule: RuleId, levels: [Option<Severity>; 5], summary: &'static str) -> Rule {
    Rule {
        rule,
        id: rule.id(),
        levels,
        summary,
    }
}

/// Every rule, in the order the documentation lists them and [`RuleId`] declares them (one
/// entry per rule, checked when compiling). Ids are stable: tools match on them.
#[rustfmt::skip]
pub const RULES: &[Rule] = &[
    rule(RuleId::MissingSkillMd,          [E, E, E, E, E], "the folder holds no SKILL.md"),
    rule(RuleId::SkillMdCase,             [W, E, E, E, W], "the file is named skill.md rather than SKILL.md"),
    rule(RuleId::Unreadable,              [E, E, E, E, E], "SKILL.md cannot be read"),
    rule(RuleId::SkillMdTooLarge,         [E, E, E, E, E], "SKILL.md is over 4 MiB"),
    rule(RuleId::NotUtf8,                 [E, W, E, W, E], "SKILL.md is not UTF-8"),
    rule(RuleId::ByteOrderMark,           [E, W, E, E, E], "SKILL.md starts with a byte-order mark"),
    rule(RuleId::FrontmatterMissing,      [E, E, E, E, E], "line 1 is not `---`"),
    rule(RuleId::FrontmatterUnclosed,     [E, E, E, E, E], "no `---` line closes the frontmatter"),
    rule(RuleId::FrontmatterNotMapping,   [E, E, E, E, E], "the frontmatter is empty or not a mapping"),
    rule(RuleId::YamlSyntax,              [E, E, E, W, E], "the frontmatter is not valid YAML"),
    rule(RuleId::DuplicateKey,            [E, W, E, W, E], "a key appears twice in one mapping"),
    rule(RuleId::KeyType,                 [E, W, W, W, E], "a key is a list or a mapping"),
    rule(RuleId::NullValue,               [E, W, W, W, E], "a key has no value (empty, `~` or `null`)"),
    rule(RuleId::UnknownField,            [E, W, W, W, E], "a top-level key the profile does not know"),
    rule(RuleId::RegistryField,           [E, W, W, W, E], "a registry key (`version`, `tags`…) outside `metadata`"),
    rule(RuleId::ScalarNotString,         [W, W, W, W, W], "a boolean or number where a string is expected"),
    rule(RuleId::ValueControlCharacter,   [W, W, W, W, W], "a value holds control characters (an escape sequence)"),
    rule(RuleId::NameMissing,             [E, W, W, E, E], "no `name`"),
    rule(RuleId::NameType,                [E, W, E, W, E], "`name` is a list or a mapping"),
    rule(RuleId::NameEmpty,               [E, W, W, E, E], "`name` is empty or blank"),
    rule(RuleId::NameTooLong,             [E, W, E, W, E], "`name` is over 64 characters after NFKC"),
    rule(RuleId::NameNotLowercase,        [E, W, W, W, E], "`name` has uppercase letters"),
    rule(RuleId::NameHyphenEdge,          [E, W, W, W, E], "`name` starts or ends with a hyphen"),
    rule(RuleId::NameDoubleHyphen,        [E, W, W, W, E], "`name` contains `--`"),
    rule(RuleId::NameInvalidChar,         [E, W, W, W, E], "`name` has a character other than a letter, digit or hyphen"),
    rule(RuleId::NameMismatch,            [E, W, W, W, E], "`name` differs from the folder name"),
    rule(RuleId::NameNotAscii,            [N, N, N, N, E], "`name` has a non-ASCII character"),
    rule(RuleId::NameReservedWord,        [N, N, N, N, E], "`name` contains `anthropic` or `claude`"),
    rule(RuleId::DescriptionMissing,      [E, E, E, E, E], "no `description`"),
    rule(RuleId::DescriptionType,         [E, E, E, W, E], "`description` is a list or a mapping"),
    rule(RuleId::DescriptionEmpty,        [E, E, E, W, E], "`description` is empty, blank or null"),
    rule(RuleId::DescriptionTooLong,      [E, W, W, W, E], "`description` is over 1024 characters"),
    rule(RuleId::DescriptionAngleBracket, [N, N, N, N, E], "`description` contains `<` or `>`"),
    rule(RuleId::LicenseType,             [E, W, W, W, E], "`license` is a list or a mapping"),
    rule(RuleId::CompatibilityType,       [E, W, W, W, E], "`compatibility` is a list or a mapping"),
    rule(RuleId::CompatibilityTooLong,    [E, W, W, W, E], "`compatibility` is over 500 characters"),
    rule(RuleId::CompatibilityEmpty,      [W, W, W, W, W], "`compatibility` is empty or blank"),
    rule(RuleId::MetadataType,            [E, W, E, W, E], "`metadata` is not a mapping"),
    rule(RuleId::MetadataValueType,       [E, W, W, W, E], "a `metadata` value is a list or a mapping"),
    rule(RuleId::AllowedToolsType,        [E, W, W, W, E], "`allowed-tools` is not a string (claude-code: or a list of strings)"),
    rule(RuleId::FieldType,               [N, E, N, N, N], "a Claude Code field has the wrong type"),
    rule(RuleId::FieldValue,              [N, W, N, N, N], "a Claude Code field has a value Claude Code does not know"),
    rule(RuleId::BodyTooLong,             [W, W, W, W, W], "the body is over 500 lines"),
    rule(RuleId::BrokenLink,              [W, W, W, W, W], "a relative link points to a file missing from the folder"),
    rule(RuleId::MissingReference,        [W, W, W, W, W], "a `references/`, `scripts/` or `assets/` path in the body is missing"),
    rule(RuleId::LinkOutsideSkill,        [W, W, W, W, W], "a relative link leaves the skill folder"),
    rule(RuleId::LargeFile,               [W, W, W, W, W], "a file is over 1 MiB"),
    rule(RuleId::JunkFile,                [W, W, W, W, W], "`.DS_Store`, `__pycache__` or `*.pyc` in the folder"),
];

// `RULES[i]` is the entry of the `i`th variant of `RuleId`, for every variant.
const _: () = {
    assert!(RULES.len() == RuleId::ALL.len());
    let mut i = 0;
    while i < RULES.len() {
        assert!(RULES[i].rule as usize == i && RuleId::ALL[i] as usize == i);
        i += 1;
    }
};

/// The table entry of `rule`.
pub(crate) fn find_rule(rule: RuleId) -> &'static Rule {
    &RULES[rule as usize]
}

/// The top-level keys the specification allows.
pub(crate) const SPEC_FIELDS: &[&str] = &[
    "name",
    "description",
    "license",
    "compatibility",
    "metadata",
    "allowed-tools",
];

/// Keys a large public skill collection puts at the top level; the specification wants
/// them under `metadata`.
pub(crate) const REGISTRY_FIELDS: &[&str] = &[
    "version",
    "category",
    "tags",
    "recommended_skills",
    "platforms",
    "maintainers",
];

/// The shape a Claude Code field must have.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FieldKind {
    Str,
    Bool,
    /// A string, or a list of strings.
    StrOrList,
    Map,
    /// A string, one of these (others warn: Claude Code may learn new ones).
    OneOf(&'static [&'static str]),
}

/// Keys Claude Code reads beyond the specification (`allowed-tools` is a specification
/// field that Claude Code also accepts as a list).
pub(crate) const CLAUDE_CODE_FIELDS: &[(&str, FieldKind)] = &[
    ("when_to_use", FieldKind::Str),
    // Documented as `argument-hint: [file]`, which YAML reads as a list.
    ("argument-hint", FieldKind::StrOrList),
    ("arguments", FieldKind::StrOrList),
    ("disable-model-invocation", FieldKind::Bool),
    ("user-invocable", FieldKind::Bool),
    ("disallowed-tools", FieldKind::StrOrList),
    ("model", FieldKind::Str),
    (
        "effort",
        FieldKind::OneOf(&["low", "medium", "high", "xhigh", "max"]),
    ),
    ("context", FieldKind::OneOf(&["fork", "inherit"])),
    ("agent", FieldKind::Str),
    ("background", FieldKind::Bool),
    ("hooks", FieldKind::Map),
    ("paths", FieldKind::StrOrList),
    ("shell", FieldKind::OneOf(&["bash", "powershell"])),
];

/// Words claude.ai upload and the Skills API refuse in a name.
pub(crate) const RESERVED_WORDS: &[&str] = &["anthropic", "claude"];

pub(crate) const NAME_MAX: usize = 64;
pub(crate) const DESCRIPTION_MAX: usize = 1024;
pub(crate) const COMPATIBILITY_MAX: usize = 500;

/// Collects the diagnostics of one skill, with severities taken from [`RULES`] for the
/// profile.
pub(crate) struct Sink<'a> {
    /// The file positions refer to (the `SKILL.md`).
    pub file: &'a Path,
    pub profile: Profile,
    pub out: Vec<Diagnostic>,
}

impl<'a> Sink<'a> {
    pub(crate) fn new(file: &'a Path, profile: Profile) -> Sink<'a> {
        Sink {
            file,
            profile,
            out: Vec::new(),
        }
    }

    /// Whether `rule` is checked in this profile.
    pub(crate) fn enabled(&self, rule: RuleId) -> bool {
        self.level(rule).is_some()
    }

    fn level(&self, rule: RuleId) -> Option<Severity> {
        find_rule(rule).level(self.profile)
    }

    /// Records a finding in [`Sink::file`] at a 1-based line and column (0: the whole file).
    pub(crate) fn push(
        &mut self,
        rule: RuleId,
        line: usize,
        col: usize,
        message: impl Into<String>,
    ) {
        let file = self.file.to_path_buf();
        self.push_in(rule, file, line, col, message);
    }

    /// Records a finding at the position of `node`.
    pub(crate) fn at(&mut self, rule: RuleId, node: &Node, message: impl Into<String>) {
        self.push(rule, node.line, node.col, message);
    }

    /// Records a finding about another file of the skill, as a whole.
    pub(crate) fn push_file(&mut self, rule: RuleId, file: PathBuf, message: impl Into<String>) {
        self.push_in(rule, file, 0, 0, message);
    }

    fn push_in(
        &mut self,
        rule: RuleId,
        file: PathBuf,
        line: usize,
        col: usize,
        message: impl Into<String>,
    ) {
        if let Some(severity) = self.level(rule) {
            self.out.push(Diagnostic {
                rule: rule.id(),
                severity,
                file,
                line,
                col,
                message: message.into(),
            });
        }
    }
}

/// Number of Unicode scalar values, the unit every length limit is counted in.
pub(crate) fn char_len(s: &str) -> usize {
    s.chars().count()
}

/// Whitespace as Python's `str.strip` sees it, which the reference validator uses: Unicode
/// whitespace plus the ASCII information separators.
fn is_py_space(c: char) -> bool {
    c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c)
}

fn py_strip(s: &str) -> &str {
    s.trim_matches(is_py_space)
}

/// Letters and digits as Python's `str.isalnum` sees them (the reference validator's
/// test), for text already in NFKC: alphabetic or numeric characters, but not the
/// combining marks (vowel signs) nor the enclosed capital letters (U+1F150…U+1F189) that
/// Rust also counts as alphabetic.
pub(crate) fn is_name_char(c: char) -> bool {
    c == '-'
        || (c.is_alphanumeric()
            && !unicode_normalization::char::is_combining_mark(c)
            && !('\u{1F130}'..='\u{1F189}').contains(&c))
}

/// Whether `name` is a valid skill name as stored on disk and in records: 1–64 characters,
/// already in NFKC, lowercase letters, digits and single inner hyphens. Every name read from
/// a record, an index or a skill's companion list passes this before a path or command is
/// built from it, so `..`, `/`, `\\`, control characters and shell syntax never get that far.
pub fn is_valid_name(name: &str) -> bool {
    !name.is_empty()
        && char_len(name) <= NAME_MAX
        && name.nfkc().eq(name.chars())
        && name == name.to_lowercase()
        && !name.starts_with('-')
        && !name.ends_with('-')
        && !name.contains("--")
        && name.chars().all(is_name_char)
}

/// A value where a string is expected, read as the text a schema-less reader sees.
/// Nulls and collections are reported (the latter under `type_rule`); booleans and
/// numbers are accepted as spelled, with a warning that typed readers see otherwise.
fn string_value<'n>(
    sink: &mut Sink<'_>,
    field: &str,
    node: &'n Node,
    type_rule: RuleId,
) -> Option<Cow<'n, str>> {
    match &node.value {
        Value::Str(s) => {
            // Line breaks and tabs are text; anything else can rewrite a terminal that
            // shows the value (skillpack escapes it; other tools may not).
            if let Some(c) = s
                .chars()
                .find(|c| c.is_control() && !matches!(c, '\n' | '\t' | '\r'))
            {
                sink.at(
                    RuleId::ValueControlCharacter,
                    node,
                    format!(
                        "`{field}` holds the control character {}; remove it",
                        c.escape_unicode()
                    ),
                );
            }
            Some(Cow::Borrowed(s))
        }
        Value::Null => {
            null_value(sink, field, node);
            None
        }
        Value::Seq(_) | Value::Map(_) => {
            sink.at(
                type_rule,
                node,
                format!("`{field}` must be a string, found {}", node.a_type()),
            );
            None
        }
        Value::Bool(_) | Value::Int(_) | Value::Float(_) => {
            let text = node.text().unwrap_or_default();
            sink.at(
                RuleId::ScalarNotString,
                node,
                format!(
                    "`{field}` is read as {} by typed YAML readers; quote it: `\"{text}\"`",
                    node.a_type()
                ),
            );
            Some(text)
        }
    }
}

fn null_value(sink: &mut Sink<'_>, field: &str, node: &Node) {
    let spelled = match node.raw.as_deref() {
        Some(raw) if !raw.is_empty() => format!(" (`{raw}` is YAML for null)"),
        _ => String::new(),
    };
    sink.at(
        RuleId::NullValue,
        node,
        format!("`{field}` has no value{spelled}; give it a value or remove the key"),
    );
}

/// `name` as the fix for a name that breaks the character rules: lowercase, runs of other
/// characters turned into single hyphens, no hyphen at either end.
fn suggest_name(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars().flat_map(char::to_lowercase) {
        if is_name_char(c) && c != '-' {
            out.push(c);
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
    }
    out.trim_end_matches('-').to_string()
}

/// Checks the `name` value; `folder` is the name of the folder holding `SKILL.md`.
pub(crate) fn check_name(sink: &mut Sink<'_>, node: &Node, folder: Option<&str>) {
    let fix = folder.map_or(String::new(), |f| format!(": `name: {f}`"));
    if node.is_null() && node.raw.as_deref().is_none_or(str::is_empty) {
        // Nothing written after `name:`: read line by line, as Gemini CLI falls back to,
        // that is an empty name (`~` or `null` are at least text).
        sink.at(
            RuleId::NameEmpty,
            node,
            format!("`name` has no value; set it to the folder name{fix}"),
        );
        return;
    }
    let Some(raw) = string_value(sink, "name", node, RuleId::NameType) else {
        return;
    };
    let name: String = py_strip(&raw).nfkc().collect();
    if name.is_empty() {
        sink.at(
            RuleId::NameEmpty,
            node,
            format!("`name` is empty; set it to the folder name{fix}"),
        );
        return;
    }
    let len = char_len(&name);
    if len > NAME_MAX {
        sink.at(
            RuleId::NameTooLong,
            node,
            format!(
                "`name` is {len} characters long; shorten it to at most {NAME_MAX} and rename the folder to match"
            ),
        );
    }
    let suggestion = suggest_name(&name);
    if name != name.to_lowercase() {
        sink.at(
            RuleId::NameNotLowercase,
            node,
            format!("`name` must be lowercase: use `{suggestion}` and rename the folder to match"),
        );
    }
    if name.starts_with('-') || name.ends_with('-') {
        sink.at(
            RuleId::NameHyphenEdge,
            node,
            format!("`name` must not start or end with a hyphen: use `{suggestion}`"),
        );
    }
    if name.contains("--") {
        sink.at(
            RuleId::NameDoubleHyphen,
            node,
            format!("`name` must not contain consecutive hyphens: use `{suggestion}`"),
        );
    }
    if let Some(bad) = name.chars().find(|c| !is_name_char(*c)) {
        sink.at(
            RuleId::NameInvalidChar,
            node,
            format!(
                "`name` may hold only letters, digits and hyphens, not {bad:?} (U+{:04X}): use `{suggestion}`",
                bad as u32
            ),
        );
    }
    if sink.enabled(RuleId::NameNotAscii)
        && let Some(bad) = name.chars().find(|c| !c.is_ascii())
    {
        sink.at(
            RuleId::NameNotAscii,
            node,
            format!(
                "`name` has the non-ASCII character {bad:?}; claude.ai upload accepts only a-z, 0-9 and `-`"
            ),
        );
    }
    if sink.enabled(RuleId::NameReservedWord) {
        let lower = name.to_lowercase();
        if let Some(word) = RESERVED_WORDS.iter().find(|w| lower.contains(*w)) {
            sink.at(
                RuleId::NameReservedWord,
                node,
                format!(
                    "`name` contains the reserved word `{word}`, which claude.ai upload refuses; choose another name"
                ),
            );
        }
    }
    if let Some(folder) = folder {
        let folder: String = folder.nfkc().collect();
        if folder != name {
            sink.at(
                RuleId::NameMismatch,
                node,
                format!(
                    "`name` is `{name}` but the folder is `{folder}`; rename the folder or set `name: {folder}`"
                ),
            );
        }
    }
}

/// Checks the `description` value.
pub(crate) fn check_description(sink: &mut Sink<'_>, node: &Node) {
    if node.is_null() {
        // No description at all to the agents that want one: their reason to skip it.
        let spelled = match node.raw.as_deref() {
            Some(raw) if !raw.is_empty() => format!(" (`{raw}` is YAML for null)"),
            _ => String::new(),
        };
        sink.at(
            RuleId::DescriptionEmpty,
            node,
            format!(
                "`description` has no value{spelled}; say what the skill does and when to use it"
            ),
        );
        return;
    }
    let Some(text) = string_value(sink, "description", node, RuleId::DescriptionType) else {
        return;
    };
    if py_strip(&text).is_empty() {
        sink.at(
            RuleId::DescriptionEmpty,
            node,
            "`description` is blank; say what the skill does and when to use it",
        );
        return;
    }
    let len = char_len(&text);
    if len > DESCRIPTION_MAX {
        sink.at(
            RuleId::DescriptionTooLong,
            node,
            format!(
                "`description` is {len} characters long; shorten it to at most {DESCRIPTION_MAX} and move detail into the body"
            ),
        );
    }
    if sink.enabled(RuleId::DescriptionAngleBracket)
        && let Some(bad) = text.chars().find(|c| matches!(c, '<' | '>'))
    {
        sink.at(
            RuleId::DescriptionAngleBracket,
            node,
            format!(
                "`description` contains `{bad}`, which claude.ai upload refuses; reword it without `<` and `>`"
            ),
        );
    }
}

/// Checks the whole frontmatter `root` against the profile's field rules.
pub(crate) fn check_frontmatter(sink: &mut Sink<'_>, root: &Node, folder: Option<&str>) {
    let Some(entries) = root.entries() else {
        sink.at(
            RuleId::FrontmatterNotMapping,
            root,
            format!(
                "the frontmatter must be a mapping of `key: value` lines, found {}",
                root.a_type()
            ),
        );
        return;
    };
    // Keys `metadata` already holds: one of the same name at the top level cannot simply
    // be moved there.
    let in_metadata = |k: &str| {
        root.get("metadata")
            .and_then(Node::entries)
            .is_some_and(|m| m.iter().any(|(mk, _)| mk.text().as_deref() == Some(k)))
    };
    for (key, value) in entries {
        let Some(k) = key.text() else {
            sink.at(
                RuleId::KeyType,
                key,
                format!("keys must be plain words, found {}", key.a_type()),
            );
            continue;
        };
        let k = k.as_ref();
        match k {
            "name" => check_name(sink, value, folder),
            "description" => check_description(sink, value),
            "license" => {
                string_value(sink, "license", value, RuleId::LicenseType);
            }
            "compatibility" => check_compatibility(sink, value),
            "metadata" => check_metadata(sink, value),
            "allowed-tools" => check_allowed_tools(sink, value),
            _ if REGISTRY_FIELDS.contains(&k) => sink.at(
                RuleId::RegistryField,
                key,
                match value.as_metadata_string() {
                    Some(_) if in_metadata(k) => format!(
                        "`{k}` is not a specification field, and `metadata` already has a `{k}`; merge the two into the one under `metadata` by hand"
                    ),
                    Some(text) => format!(
                        "`{k}` is not a specification field; move it under `metadata` as a string: `metadata:` then `  {k}: {}`",
                        serde_json::Value::String(text)
                    ),
                    None => format!(
                        "`{k}` is not a specification field and has no value; remove it"
                    ),
                },
            ),
            _ => match CLAUDE_CODE_FIELDS.iter().find(|(f, _)| *f == k) {
                Some((field, kind)) if sink.profile == Profile::ClaudeCode => {
                    check_claude_code_field(sink, field, *kind, value)
                }
                Some(_) => sink.at(
                    RuleId::UnknownField,
                    key,
                    format!(
                        "`{k}` is a Claude Code field, not a specification one; remove it, or validate with `--profile claude-code` if the skill is only for Claude Code"
                    ),
                ),
                None if in_metadata(k) => sink.at(
                    RuleId::UnknownField,
                    key,
                    format!(
                        "`{k}` is not a known field (the specification allows {}), and `metadata` already has a `{k}`; remove it or merge the two under `metadata` by hand",
                        SPEC_FIELDS.join(", ")
                    ),
                ),
                None => sink.at(
                    RuleId::UnknownField,
                    key,
                    format!(
                        "`{k}` is not a known field (the specification allows {}); remove it or move it under `metadata`",
                        SPEC_FIELDS.join(", ")
                    ),
                ),
            },
        }
    }
    check_required(sink, root, folder);
}

/// `name` and `description`, which every skill must have, are present in the mapping
/// `root`.
pub(crate) fn check_required(sink: &mut Sink<'_>, root: &Node, folder: Option<&str>) {
    if root.get("name").is_none() {
        sink.push(
            RuleId::NameMissing,
            root.line.max(1),
            1,
            match folder {
                Some(f) => format!("the frontmatter has no `name`; add `name: {f}`"),
                None => "the frontmatter has no `name`; add `name:` with the folder name".into(),
            },
        );
    }
    if root.get("description").is_none() {
        sink.push(
            RuleId::DescriptionMissing,
            root.line.max(1),
            1,
            "the frontmatter has no `description`; add one saying what the skill does and when to use it",
        );
    }
}

fn check_compatibility(sink: &mut Sink<'_>, node: &Node) {
    let Some(text) = string_value(sink, "compatibility", node, RuleId::CompatibilityType) else {
        return;
    };
    let len = char_len(&text);
    if len > COMPATIBILITY_MAX {
        sink.at(
            RuleId::CompatibilityTooLong,
            node,
            format!(
                "`compatibility` is {len} characters long; shorten it to at most {COMPATIBILITY_MAX}"
            ),
        );
    } else if py_strip(&text).is_empty() {
        sink.at(
            RuleId::CompatibilityEmpty,
            node,
            "`compatibility` is blank; say what the skill needs (a product, packages, network access) or remove it",
        );
    }
}

fn check_metadata(sink: &mut Sink<'_>, node: &Node) {
    if node.is_null() {
        return null_value(sink, "metadata", node);
    }
    let Some(entries) = node.entries() else {
        sink.at(
            RuleId::MetadataType,
            node,
            format!(
                "`metadata` must be a mapping of keys to strings (`metadata:` then indented `key: \"value\"` lines), found {}",
                node.a_type()
            ),
        );
        return;
    };
    for (k, v) in entries {
        let Some(key) = k.text() else {
            sink.at(
                RuleId::KeyType,
                k,
                format!("`metadata` keys must be plain words, found {}", k.a_type()),
            );
            continue;
        };
        let field = format!("metadata.{key}");
        match &v.value {
            Value::Seq(_) | Value::Map(_) => sink.at(
                RuleId::MetadataValueType,
                v,
                format!(
                    "`{field}` must be a string, found {}; write it on one line, e.g. comma-separated, and quote it",
                    v.a_type()
                ),
            ),
            _ => {
                string_value(sink, &field, v, RuleId::MetadataValueType);
            }
        }
    }
}

fn check_allowed_tools(sink: &mut Sink<'_>, node: &Node) {
    let list_ok = sink.profile == Profile::ClaudeCode;
    match &node.value {
        Value::Seq(items) if list_ok => string_items(sink, "allowed-tools", items, RuleId::AllowedToolsType),
        Value::Seq(items) => {
            let joined: Vec<Cow<'_, str>> = items.iter().filter_map(Node::text).collect();
            sink.at(
                RuleId::AllowedToolsType,
                node,
                format!(
                    "`allowed-tools` must be one space-separated string, not a list: `allowed-tools: {}`",
                    joined.join(" ")
                ),
            );
        }
        Value::Map(_) => sink.at(
            RuleId::AllowedToolsType,
            node,
            "`allowed-tools` must be a space-separated string of tool names, such as `Read Grep Bash(git:*)`, not a mapping",
        ),
        _ => {
            string_value(sink, "allowed-tools", node, RuleId::AllowedToolsType);
        }
    }
}

/// Each item of a list that must hold strings.
fn string_items(sink: &mut Sink<'_>, field: &str, items: &[Node], type_rule: RuleId) {
    for (i, item) in items.iter().enumerate() {
        string_value(sink, &format!("{field}[{i}]"), item, type_rule);
    }
}

fn check_claude_code_field(sink: &mut Sink<'_>, field: &str, kind: FieldKind, node: &Node) {
    if node.is_null() {
        return null_value(sink, field, node);
    }
    match kind {
        FieldKind::Str => {
            string_value(sink, field, node, RuleId::FieldType);
        }
        FieldKind::Bool => {
            if !matches!(node.value, Value::Bool(_)) {
                let found = match &node.value {
                    Value::Str(s) => format!("the string {s:?}"),
                    v => v.a_type().to_string(),
                };
                sink.at(
                    RuleId::FieldType,
                    node,
                    format!("`{field}` must be a boolean, found {found}; write `true` or `false` without quotes"),
                );
            }
        }
        FieldKind::StrOrList => match &node.value {
            Value::Seq(items) => string_items(sink, field, items, RuleId::FieldType),
            Value::Map(_) => sink.at(
                RuleId::FieldType,
                node,
                format!("`{field}` must be a string or a list of strings, found a mapping"),
            ),
            _ => {
                string_value(sink, field, node, RuleId::FieldType);
            }
        },
        FieldKind::Map => {
            if node.entries().is_none() {
                sink.at(
                    RuleId::FieldType,
                    node,
                    format!(
                        "`{field}` must be a mapping (indented `key: value` lines), found {}",
                        node.a_type()
                    ),
                );
            }
        }
        FieldKind::OneOf(known) => {
            if let Some(text) = string_value(sink, field, node, RuleId::FieldType)
                && !known.contains(&text.as_ref())
            {
                sink.at(
                    RuleId::FieldValue,
                    node,
                    format!(
                        "`{field}` is `{text}`, which Claude Code does not know; use one of {}",
                        known.join(", ")
                    ),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rule_ids_are_unique_kebab_case() {
        let mut ids: Vec<&str> = RULES.iter().map(|r| r.id).collect();
        for id in &ids {
            assert!(
                id.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
                    && !id.starts_with('-'),
                "{id}"
            );
        }
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), RULES.len());
    }

    #[test]
    fn every_rule_id_has_exactly_one_table_entry() {
        assert_eq!(RuleId::ALL.len(), RULES.len());
        for &rule in RuleId::ALL {
            let entries: Vec<&Rule> = RULES.iter().filter(|r| r.rule == rule).collect();
            assert_eq!(entries.len(), 1, "{rule}");
            assert_eq!(entries[0].id, rule.id());
            assert_eq!(find_rule(rule).rule, rule);
            assert_eq!(RuleId::from_id(rule.id()), Some(rule));
        }
        assert_eq!(RuleId::from_id("no-such-rule"), None);
    }

    #[test]
    fn name_chars_follow_python_isalnum() {
        for c in ['a', 'é', 'ß', '日', 'ж', '٣', '-', '7'] {
            assert!(is_name_char(c), "{c:?}");
        }
        // Devanagari vowel sign, combining acute, negative circled A, underscore, space, dot.
        for c in ['\u{093F}', '\u{0301}', '\u{1F150}', '_', ' ', '.'] {
            assert!(!is_name_char(c), "{c:?}");
        }
    }

    #[test]
    fn suggested_names_follow_the_rules() {
        assert_eq!(suggest_name("My Skill"), "my-skill");
        assert_eq!(suggest_name("-a--b_c-"), "a-b-c");
        assert_eq!(suggest_name("PDF.Tools"), "pdf-tools");
    }

    #[test]
    fn python_strip_includes_information_separators() {
        assert_eq!(py_strip("\u{1f} a\u{a0}"), "a");
    }
}

#[cfg(test)]
mod name_tests {
    use super::is_valid_name;

    #[test]
    fn record_names_are_checked_with_the_skill_name_rule() {
        for ok in ["account-management", "a", "crm2", "données"] {
            assert!(is_valid_name(ok), "{ok}");
        }
        for bad in [
            "",
            "..",
            "../victim",
            "/abs/path",
            "a/b",
            "a\\b",
            "-a",
            "a-",
            "a--b",
            "A",
            "x; curl x|sh; #",
            "a\u{1b}[2J",
            ".skillpack",
            &"a".repeat(65),
        ] {
            assert!(!is_valid_name(bad), "{bad:?}");
        }
    }
}
