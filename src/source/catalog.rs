//! The catalog compiled into the binary: account-management (embedded) and its companions,
//! pinned to one commit of their public repository and to their tree digests.

/// Where a catalog entry's bundle comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    Embedded,
    /// A folder of a GitHub repository at a fixed commit.
    Github {
        repo: &'static str,
        commit: &'static str,
        path: &'static str,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub name: &'static str,
    pub description: &'static str,
    pub version: &'static str,
    pub origin: Origin,
    /// The tree digest the installed folder must have (`None` for the embedded skill, whose
    /// digest is computed from the bytes compiled in).
    pub tree: Option<&'static str>,
}

const COMPANION_REPO: &str = "AbsolutelySkilled/AbsolutelySkilled";
const COMPANION_COMMIT: &str = "c916c4ebbcd65bbc0f4d5f64764a84e746c90afc";

pub static ENTRIES: &[Entry] = &[
    Entry {
        name: "account-management",
        description: "Key-account playbook: account plans, stakeholder maps, QBRs, renewals, health scores, save plays",
        version: "0.1.0",
        origin: Origin::Embedded,
        tree: None,
    },
    Entry {
        name: "customer-success-playbook",
        description: "Customer success operations: health scoring, onboarding, churn prediction, expansion, NRR",
        version: "0.1.0",
        origin: Origin::Github {
            repo: COMPANION_REPO,
            commit: COMPANION_COMMIT,
            path: "skills/customer-success-playbook",
        },
        tree: Some("sha256:cbd161225511c87667e6872b791fdbbf42a46e23c069ff74e44e406b60f2e885"),
    },
    Entry {
        name: "crm-management",
        description: "CRM architecture: pipeline stages, lead scoring, forecasting, automation, data hygiene",
        version: "0.1.0",
        origin: Origin::Github {
            repo: COMPANION_REPO,
            commit: COMPANION_COMMIT,
            path: "skills/crm-management",
        },
        tree: Some("sha256:af58614114b3a732da4dd9399dfb09cf0df6838a615d0b0ac94fa0d6f706e87c"),
    },
    Entry {
        name: "sales-playbook",
        description: "B2B sales process: outbound sequences, discovery, MEDDIC qualification, objections, closing",
        version: "0.1.0",
        origin: Origin::Github {
            repo: COMPANION_REPO,
            commit: COMPANION_COMMIT,
            path: "skills/sales-playbook",
        },
        tree: Some("sha256:91e39ddf82ffbd58eb5e35493af8e7e23470a92d1ffe8721331613f695276ee9"),
    },
    Entry {
        name: "partnership-strategy",
        description: "Partner programs: co-marketing, integrations, channel and affiliate programs, joint GTM",
        version: "0.1.0",
        origin: Origin::Github {
            repo: COMPANION_REPO,
            commit: COMPANION_COMMIT,
            path: "skills/partnership-strategy",
        },
        tree: Some("sha256:34397d3537cf615714bff127c8069f80d3d9b3041a76b66ecc00e36acbf6b83c"),
    },
];

pub fn find(name: &str) -> Option<&'static Entry> {
    ENTRIES.iter().find(|e| e.name == name)
}
