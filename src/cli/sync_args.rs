//! The arguments of `skillpack sync`, and the work it plans per root: shared by the steps
//! of sync (check, fetch, apply, import) without their importing each other back.

use std::path::PathBuf;

use clap::{Args, ValueEnum};

use skillpack::install::project::Locked;
use skillpack::install::sync::Plan;

use super::agents::Target;
use crate::{FetchArgs, ScopeArg};

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SyncFormat {
    Human,
    Github,
}

#[derive(Debug, Args)]
pub struct SyncArgs {
    /// Change nothing; exit 1 when anything differs from the lock
    #[arg(long)]
    pub check: bool,

    /// How --check reports differences: human, or GitHub annotations on the lock
    #[arg(long, value_enum, default_value_t = SyncFormat::Human)]
    pub format: SyncFormat,

    /// Overwrite skills changed by hand, and folders skillpack did not install
    #[arg(long)]
    pub force: bool,

    /// Another lock file (e.g. from a dotfiles repository), trusted as the user's own
    #[arg(long, value_name = "FILE")]
    pub lock: Option<PathBuf>,

    /// Import the `skills` CLI's skills-lock.json into a new skillpack.lock first
    #[arg(long, value_name = "FILE")]
    pub from: Option<PathBuf>,

    /// `project` or `user`: which skills folders the lock describes (default: the scope a
    /// lock named with --lock says, else project)
    #[arg(long, value_enum)]
    pub scope: Option<ScopeArg>,

    /// The agents imported skills are locked for (with --from): ids separated by commas
    #[arg(long, value_name = "AGENTS", default_value = "claude-code", value_parser = super::agents::parse)]
    pub(crate) agent: super::agents::AgentsArg,

    /// Answer yes to every question
    #[arg(short, long)]
    pub yes: bool,

    #[command(flatten)]
    pub fetch: FetchArgs,

    /// Set once this run imported skills-lock.json (which said what it installed).
    #[arg(skip)]
    pub imported: bool,
}

/// One root, the locked skills it should hold, and what sync does there.
pub(crate) struct RootWork<'l> {
    pub(crate) target: Target,
    pub(crate) wanted: Vec<&'l Locked>,
    pub(crate) plan: Plan,
}
