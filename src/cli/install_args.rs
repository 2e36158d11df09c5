//! The arguments of `skillpack install`, shared by the steps that read them (choosing
//! skills from a source, fetching, the pipeline).

use clap::Args;

use crate::{FetchArgs, TargetArgs};

#[derive(Debug, Args)]
pub struct InstallArgs {
    /// What to install (default: the embedded account-management)
    #[arg(value_name = "SOURCE")]
    pub sources: Vec<String>,

    #[command(flatten)]
    pub target: TargetArgs,

    /// Expected SHA-256 of the archive (file and URL sources)
    #[arg(long, value_name = "HEX", value_parser = parse_sha256)]
    pub sha256: Option<String>,

    /// The skill to take from a source holding several: a name, or a folder path (one holding
    /// '/': skills/NAME, ./NAME); repeat for more, '*' for all
    #[arg(long = "skill", value_name = "NAME")]
    pub skills: Vec<String>,

    /// List the skills each source holds (name, folder, description); install nothing
    #[arg(long, conflicts_with_all = ["skills", "dry_run"])]
    pub list: bool,

    /// Replace a skill with local changes, or a folder skillpack did not install
    #[arg(long)]
    pub force: bool,

    /// Verify, unpack and check, but change nothing
    #[arg(long)]
    pub dry_run: bool,

    /// Answer yes to every question
    #[arg(short, long)]
    pub yes: bool,

    /// Also install every missing companion of the installed skills, without asking
    #[arg(long, conflicts_with = "no_companions")]
    pub with_companions: bool,

    /// Do not look for companions after installing
    #[arg(long)]
    pub no_companions: bool,

    #[command(flatten)]
    pub fetch: FetchArgs,
}

/// 64 hexadecimal digits, optionally after `sha256:`; kept in lowercase.
pub(crate) fn parse_sha256(text: &str) -> Result<String, String> {
    let hex = text.trim().trim_start_matches("sha256:");
    if hex.len() == 64 && hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        Ok(hex.to_ascii_lowercase())
    } else {
        Err("expected 64 hexadecimal digits (a SHA-256), e.g. from `sha256sum FILE`".into())
    }
}
