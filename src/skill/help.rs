//! What each validation rule is for and how to fix what it finds: the long form of the
//! one-line summaries in [`RULES`](super::rules::RULES), for reports that show help with a
//! finding (SARIF) and for docs/validate.md, which has a section per rule.

use super::rules::RuleId;

impl RuleId {
    /// Why the rule exists and how to fix what it finds, in a sentence or two of plain
    /// text (backquotes mark code).
    pub const fn help(self) -> &'static str {
        match self {
            RuleId::MissingSkillMd => {
                "Agents load a skill from the `SKILL.md` in its folder. Add one that starts with `---`, `name: <folder name>`, `description: …`, `---`, or remove the folder."
            }
            RuleId::SkillMdCase => {
                "Agents look for `SKILL.md`; `skill.md` is found only on case-insensitive file systems. Rename the file to `SKILL.md`."
            }
            RuleId::Unreadable => {
                "The file exists but cannot be read. Check its permissions and that it is a regular file."
            }
            RuleId::SkillMdTooLarge => {
                "An agent puts the whole `SKILL.md` into its context when it uses the skill, and skillpack reads at most 4 MiB of one. Keep the instructions short and move the bulk into files under `references/`."
            }
            RuleId::NotUtf8 => {
                "Skills are read as UTF-8; other encodings garble the text or stop the load. Save the file as UTF-8."
            }
            RuleId::ByteOrderMark => {
                "A byte-order mark before the opening `---` hides the frontmatter from agents. Save the file as UTF-8 without BOM (`skillpack validate --fix` removes it)."
            }
            RuleId::FrontmatterMissing => {
                "The frontmatter must open with `---` on line 1. Add `---`, `name: …`, `description: …`, `---` at the top of the file."
            }
            RuleId::FrontmatterUnclosed => {
                "The frontmatter opened on line 1 never ends, so the whole file is read as YAML. Add a `---` line after the last field."
            }
            RuleId::FrontmatterNotMapping => {
                "The frontmatter must be a YAML mapping of `key: value` lines. Write at least `name` and `description` as keys."
            }
            RuleId::YamlSyntax => {
                "The frontmatter is not valid YAML, so no agent can read it. Quote values that hold `: ` or ` #` or start with a YAML indicator, and indent with spaces (`skillpack validate --fix` quotes the value of a top-level `key: value` line that stops the YAML)."
            }
            RuleId::DuplicateKey => {
                "A key given twice makes readers disagree on which value wins. Keep one of them."
            }
            RuleId::KeyType => "Keys must be plain words, not lists or mappings. Rename the key.",
            RuleId::NullValue => {
                "An empty value, `~` or `null` is YAML's null: the field is there but has no value. Give it a value or remove the key."
            }
            RuleId::UnknownField => {
                "The specification allows only `name`, `description`, `license`, `compatibility`, `metadata` and `allowed-tools` at the top level. Remove the key or move it under `metadata` (`skillpack validate --fix` moves keys that no agent reads)."
            }
            RuleId::RegistryField => {
                "Skill registries put keys such as `version` or `tags` at the top level, which the specification does not allow. Move them under `metadata` as strings (`skillpack validate --fix` does it without losing their values); a key `metadata` already holds is to be merged by hand."
            }
            RuleId::ScalarNotString => {
                "A boolean or number where a string is expected is read as text by some readers and as a number by others (`1.0` becomes `1`). Quote the value (`skillpack validate --fix` quotes it as written)."
            }
            RuleId::ValueControlCharacter => {
                "A control character other than a line break or a tab (an escape sequence, a bell) in a value can rewrite the screen of whoever reads it in a terminal. skillpack shows it escaped; remove it from the value."
            }
            RuleId::NameMissing => "Every skill needs a `name`. Add `name:` with the folder name.",
            RuleId::NameType => "`name` must be a string. Write it on one line as the folder name.",
            RuleId::NameEmpty => "`name` must not be blank. Set it to the folder name.",
            RuleId::NameTooLong => {
                "Names are at most 64 characters after NFKC normalisation. Shorten the name and rename the folder to match."
            }
            RuleId::NameNotLowercase => {
                "Names are lowercase. Use the lowercase form and rename the folder to match."
            }
            RuleId::NameHyphenEdge => {
                "Names must not start or end with a hyphen. Remove it from the name and the folder."
            }
            RuleId::NameDoubleHyphen => {
                "Names must not contain `--`. Use single hyphens in the name and the folder."
            }
            RuleId::NameInvalidChar => {
                "Names hold only letters, digits and hyphens. Replace other characters with hyphens, in the name and the folder."
            }
            RuleId::NameMismatch => {
                "Agents load a skill under its folder name, which must equal `name`. Rename the folder or change `name`."
            }
            RuleId::NameNotAscii => {
                "claude.ai upload and the Skills API accept only `a-z`, `0-9` and `-` in names. Use an ASCII name."
            }
            RuleId::NameReservedWord => {
                "claude.ai upload and the Skills API refuse names containing `anthropic` or `claude`. Choose another name."
            }
            RuleId::DescriptionMissing => {
                "Agents choose skills by their `description`. Add one saying what the skill does and when to use it."
            }
            RuleId::DescriptionType => {
                "`description` must be a string. Write it on one line, or as a `>` folded block."
            }
            RuleId::DescriptionEmpty => {
                "A blank `description` gives the agent nothing to choose the skill by. Say what the skill does and when to use it."
            }
            RuleId::DescriptionTooLong => {
                "Descriptions are at most 1024 characters. Shorten it and move detail into the body."
            }
            RuleId::DescriptionAngleBracket => {
                "claude.ai upload and the Skills API refuse `<` and `>` in descriptions. Reword it without them."
            }
            RuleId::LicenseType => {
                "`license` must be a string, such as `MIT` or `Proprietary. LICENSE.txt has complete terms`."
            }
            RuleId::CompatibilityType => {
                "`compatibility` must be a string saying what the skill needs."
            }
            RuleId::CompatibilityTooLong => {
                "`compatibility` is at most 500 characters. Shorten it."
            }
            RuleId::CompatibilityEmpty => {
                "When present, `compatibility` should say what the skill needs (a product, packages, network access). Fill it in or remove it."
            }
            RuleId::MetadataType => {
                "`metadata` must be a mapping of keys to strings: `metadata:` then indented `key: \"value\"` lines."
            }
            RuleId::MetadataValueType => {
                "`metadata` values must be strings. Write lists on one line, e.g. comma-separated, and quote them."
            }
            RuleId::AllowedToolsType => {
                "`allowed-tools` is one space-separated string of tool names, such as `Read Grep Bash(git:*)` (Claude Code also takes a list of strings)."
            }
            RuleId::FieldType => {
                "Claude Code reads this field with a fixed type (string, boolean, list or mapping). Write the value with that type."
            }
            RuleId::FieldValue => {
                "Claude Code does not know this value for the field and may ignore it. Use one of the values the message lists."
            }
            RuleId::BodyTooLong => {
                "A body over 500 lines costs context every time the skill loads. Move detail into files under `references/` and link to them."
            }
            RuleId::BrokenLink => {
                "A relative link points to a file that is not in the skill folder, so it breaks once the skill is installed. Add the file or correct the link."
            }
            RuleId::MissingReference => {
                "A `references/`, `scripts/` or `assets/` path in the body names a file missing from the folder. Add the file or correct the path."
            }
            RuleId::LinkOutsideSkill => {
                "A link that leaves the skill folder (`../x.md`) breaks once the skill is installed on its own. Copy the file into the skill."
            }
            RuleId::LargeFile => {
                "Files over 1 MiB make installs slow and often do not belong in a skill. Remove the file or make it smaller."
            }
            RuleId::JunkFile => {
                "`.DS_Store`, `__pycache__` and `*.pyc` are generated files, not part of the skill. Delete them and list them in .gitignore."
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_rule_has_help_that_ends_a_sentence() {
        for &rule in RuleId::ALL {
            let help = rule.help();
            assert!(help.len() > 20, "{rule}: {help}");
            assert!(help.ends_with('.') || help.ends_with(')'), "{rule}: {help}");
        }
    }
}
