//! The account-management skill shipped in the binary: loadable by every agent and every
//! validator, complete, and pointing the agent at skillpack for its companions.

use std::path::{Path, PathBuf};

use skillpack::skill::SkillFile;
use skillpack::skill::yaml::Value;

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("skill/account-management")
}

fn skill() -> SkillFile {
    SkillFile::read(&dir().join("SKILL.md")).unwrap()
}

#[test]
fn frontmatter_uses_only_specification_fields_with_string_metadata() {
    let file = skill();
    assert!(file.diagnostics.is_empty(), "{:?}", file.diagnostics);
    let root = file.frontmatter.expect("frontmatter parses");
    let keys: Vec<&str> = root
        .entries()
        .unwrap()
        .iter()
        .map(|(k, _)| k.as_str().unwrap())
        .collect();
    for k in &keys {
        assert!(
            [
                "name",
                "description",
                "license",
                "compatibility",
                "metadata"
            ]
            .contains(k),
            "unexpected key {k}"
        );
    }
    assert_eq!(
        root.get("name").unwrap().as_str(),
        Some("account-management")
    );
    assert_eq!(root.get("license").unwrap().as_str(), Some("MIT"));
    let metadata = root.get("metadata").unwrap();
    for (k, v) in metadata.entries().unwrap() {
        assert!(
            matches!(v.value, Value::Str(_)),
            "metadata.{:?} must be a string",
            k.as_str()
        );
    }
    let meta = |k: &str| {
        metadata
            .get(k)
            .and_then(|v| v.as_str())
            .unwrap_or_default()
            .to_string()
    };
    assert_eq!(meta("version"), "0.1.0");
    assert_eq!(meta("category"), "sales");
    assert_eq!(meta("platforms"), "claude-code, gemini-cli, openai-codex");
    assert_eq!(
        meta("recommended_skills"),
        "customer-success-playbook, crm-management, sales-playbook, partnership-strategy"
    );
}

#[test]
fn frontmatter_is_block_style() {
    let text = std::fs::read_to_string(dir().join("SKILL.md")).unwrap();
    let yaml = skillpack::skill::frontmatter::split(&text).unwrap().yaml;
    for line in yaml.lines() {
        let value = line.split_once(':').map(|(_, v)| v.trim()).unwrap_or("");
        assert!(
            !value.starts_with('[') && !value.starts_with('{'),
            "flow style in `{line}`"
        );
    }
}

#[test]
fn description_says_what_and_when_within_limits() {
    let meta = skill().meta();
    let d = &meta.description;
    assert!(
        d.chars().count() <= 1024,
        "description is {} characters",
        d.chars().count()
    );
    assert!(
        d.chars().count() >= 200,
        "description too thin to trigger on"
    );
    assert!(!d.contains('<') && !d.contains('>'));
    for trigger in [
        "account plan",
        "stakeholder",
        "QBR",
        "renewal",
        "health score",
        "upsell",
        "cross-sell",
        "expansion",
        "churn",
    ] {
        assert!(d.contains(trigger), "description lacks trigger `{trigger}`");
    }
    assert_eq!(
        meta.companions,
        [
            "customer-success-playbook",
            "crm-management",
            "sales-playbook",
            "partnership-strategy"
        ]
    );
}

#[test]
fn body_is_under_500_lines_and_its_links_exist() {
    let text = std::fs::read_to_string(dir().join("SKILL.md")).unwrap();
    assert!(
        text.lines().count() < 500,
        "SKILL.md has {} lines",
        text.lines().count()
    );
    assert!(text.contains("[references/qbr-template.md](references/qbr-template.md)"));
    for (i, _) in text.match_indices("](") {
        let target: String = text[i + 2..].chars().take_while(|c| *c != ')').collect();
        if !target.contains("://") && !target.starts_with('#') {
            assert!(dir().join(&target).exists(), "broken link {target}");
        }
    }
}

#[test]
fn every_part_and_figure_carries_over() {
    let skill = std::fs::read_to_string(dir().join("SKILL.md")).unwrap();
    let qbr = std::fs::read_to_string(dir().join("references/qbr-template.md")).unwrap();
    let needles_skill = [
        "🧢",
        // principles, tiers, roles
        "10-15%",
        "30-40%",
        "champion",
        "economic buyer",
        "blocker",
        "60-90 days",
        "10x",
        // account plan template
        "Last Updated:",
        "CUSTOMER OVERVIEW",
        "STRATEGIC GOALS",
        "HOW WE MAP TO THEIR GOALS",
        "SUCCESS METRICS",
        "RISKS",
        "EXPANSION OPPORTUNITIES",
        "90-DAY ACTION PLAN",
        // power grid
        "MOBILIZE",
        "PROTECT & GROW",
        "MONITOR",
        "LEVERAGE",
        // QBR agenda
        "00-05",
        "05-15",
        "15-30",
        "30-40",
        "40-50",
        "50-58",
        "58-60",
        "5 business days",
        // expansion
        "Seat expansion",
        "Cross-sell",
        "NPS of 8 or higher",
        "60 days",
        // renewal timeline
        "120 days",
        "90 days",
        "60 days",
        "30 days",
        "7 days",
        "$100K",
        // health score
        "30%",
        "20%",
        "15%",
        "above 75",
        "100 for green",
        "50 for yellow",
        "0 for\nred",
        // save playbook
        "24 hours",
        "48 hours",
        "1 week",
        "$50K",
        // companions
        "skillpack companions account-management",
    ];
    for n in needles_skill {
        assert!(skill.contains(n), "SKILL.md lost `{n}`");
    }
    let needles_qbr = [
        "5-7 business days",
        "60-90 minutes",
        "Slide 1",
        "Slide 5",
        "Slide 10",
        "within 15%",
        "count to 5",
        "MUTUAL ACTION PLAN",
        "QBR Follow-Up",
        "24 hours",
        "48 hours",
    ];
    for n in needles_qbr {
        assert!(qbr.contains(n), "qbr-template.md lost `{n}`");
    }
}
