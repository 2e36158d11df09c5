//! The `skillpack` command line: argument parsing (clap derive) and dispatch only.
#![warn(unreachable_pub)]

mod cli;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand, ValueEnum};

const ABOUT: &str = "Install, verify, pack and validate Agent Skills";

const LONG_ABOUT: &str = "\
Install, verify, pack and validate Agent Skills.

skillpack does three jobs:
  users        skillpack install               put the account-management skill (compiled in)
                                               into ~/.claude/skills, verified and atomically
  maintainers  skillpack pack DIR --out dist   build reproducible release zips, SHA256SUMS
                                               and index.json
  CI           skillpack validate DIR          check SKILL.md frontmatter with file:line
                                               diagnostics";

pub(crate) const EXAMPLES: &str = "\
Examples:
  skillpack install                          install account-management for Claude Code
  skillpack install ./my-skill --dry-run     check a local skill without installing it
  skillpack list                             show installed skills and their state
  skillpack validate skills --format github  annotate a pull request with problems
  skillpack pack skill/account-management --out dist

Exit codes: 0 success, 1 failure or validation errors, 2 usage error.";

#[derive(Debug, Parser)]
#[command(name = "skillpack", version, about = ABOUT, long_about = LONG_ABOUT)]
#[command(max_term_width = 100)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,

    #[command(flatten)]
    pub global: GlobalArgs,
}

#[derive(Debug, Args, Clone)]
#[command(next_help_heading = "Output")]
pub struct GlobalArgs {
    /// Print machine-readable JSON on stdout (errors too, as a JSON error document)
    #[arg(long, global = true)]
    pub json: bool,

    /// Print only errors
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,

    /// Print more detail (repeat for more)
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,

    /// When to use colour (NO_COLOR is honoured by `auto`)
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto, value_name = "WHEN")]
    pub color: ColorChoice,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

/// Which skills root a command works on.
#[derive(Debug, Args, Clone)]
#[command(next_help_heading = "Where")]
pub struct TargetArgs {
    /// The agents whose skills folders to use: ids separated by commas, or `all` (every
    /// agent found on this machine)
    #[arg(long, value_name = "AGENTS", default_value = "claude-code", value_parser = cli::agents::parse)]
    pub(crate) agent: cli::agents::AgentsArg,

    /// Whether `--agent` was on the command line (set after parsing, for `install`).
    #[arg(skip)]
    pub(crate) agent_given: bool,

    /// `user` (your home folder) or `project` (the nearest folder up from the current one
    /// that holds .git, else the current folder)
    #[arg(long, value_enum, default_value_t = ScopeArg::User)]
    pub scope: ScopeArg,

    /// Whether `--scope` was on the command line (set after parsing, for `update`).
    #[arg(skip)]
    pub(crate) scope_given: bool,

    /// An explicit skills root: skills go to DIR/<name>/ (overrides --agent and --scope)
    #[arg(long, value_name = "DIR")]
    pub dir: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ScopeArg {
    User,
    Project,
}

/// Where names resolve and how much may be fetched: shared by `install` and `update`.
#[derive(Debug, Args, Clone)]
#[command(next_help_heading = "What to install")]
pub struct FetchArgs {
    /// A remote catalog (the index.json `pack` writes) to resolve names through
    #[arg(
        long,
        value_name = "URL",
        env = "SKILLPACK_INDEX",
        hide_env_values = true
    )]
    pub index: Option<String>,

    /// A minisign public key (`RW…`, or a .pub file) the index must be signed by; repeat
    /// for several. Also SKILLPACK_TRUSTED_KEYS (comma- or space-separated)
    #[arg(long = "trusted-key", value_name = "KEY")]
    pub trusted_keys: Vec<String>,

    /// Leave SKILLPACK_TRUSTED_KEYS out (set for a source a recorded key verified: only
    /// that key, or one named on the command line, may sign it).
    #[arg(skip)]
    pub(crate) recorded_key_only: bool,

    /// Use the saved copy of an index that cannot be reached (set by `sync`, which restores
    /// locked versions; never by install or update, which look for what is new).
    #[arg(skip)]
    pub(crate) saved_index: bool,

    #[command(flatten)]
    pub limits: LimitArgs,
}

/// Archive limits; the defaults refuse zip bombs.
#[derive(Debug, Args, Clone)]
#[command(next_help_heading = "Limits")]
pub struct LimitArgs {
    /// Largest uncompressed total (and single entry): bytes, or with a unit (512K, 200M, 1G)
    #[arg(long, value_name = "SIZE", default_value = "128M", value_parser = cli::size::parse_size)]
    pub max_size: u64,

    /// Most entries an archive may hold
    #[arg(long, value_name = "N", default_value_t = 10_000)]
    pub max_files: usize,

    /// Largest compression ratio for entries over 1 MiB
    #[arg(long, value_name = "N", default_value_t = 200)]
    pub max_ratio: u64,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Install skills: the embedded account-management by default
    #[command(long_about = cli::install::LONG_ABOUT, after_help = cli::install::EXAMPLES)]
    #[command(visible_alias = "add")]
    Install(cli::install_args::InstallArgs),

    /// List installed skills with version, source and state
    #[command(long_about = cli::list::LONG_ABOUT, after_help = cli::list::EXAMPLES)]
    #[command(visible_alias = "ls")]
    List(cli::list::ListArgs),

    /// Re-hash installed skills against the lock file
    #[command(long_about = cli::verify::LONG_ABOUT, after_help = cli::verify::EXAMPLES)]
    Verify(cli::verify::VerifyArgs),

    /// Remove skills that skillpack installed
    #[command(long_about = cli::uninstall::LONG_ABOUT, after_help = cli::uninstall::EXAMPLES)]
    #[command(visible_aliases = ["remove", "rm"])]
    Uninstall(cli::uninstall::UninstallArgs),

    /// Re-resolve installed skills and install newer versions
    #[command(long_about = cli::update::LONG_ABOUT, after_help = cli::update::EXAMPLES)]
    Update(cli::update::UpdateArgs),

    /// Show a skill's companion skills: installed where, or missing
    #[command(long_about = cli::companions::LONG_ABOUT, after_help = cli::companions::EXAMPLES)]
    Companions(cli::companions::CompanionsArgs),

    /// Check skills against the Agent Skills rules, with file:line diagnostics
    #[command(long_about = cli::validate::LONG_ABOUT, after_help = cli::validate::EXAMPLES)]
    Validate(cli::validate::ValidateArgs),

    /// Build reproducible release zips, SHA256SUMS and index.json
    #[command(long_about = cli::pack::LONG_ABOUT, after_help = cli::pack::EXAMPLES)]
    Pack(cli::pack::PackArgs),

    /// List the agents skillpack installs for, their folders, and which are found here
    #[command(long_about = cli::agents_cmd::LONG_ABOUT, after_help = cli::agents_cmd::EXAMPLES)]
    Agents(cli::agents_cmd::AgentsArgs),

    /// What each agent really loads from its skills folders, and why not
    #[command(long_about = cli::doctor::LONG_ABOUT, after_help = cli::doctor::EXAMPLES)]
    Doctor(cli::doctor::DoctorArgs),

    /// Make the project's skills exactly what skillpack.lock says (--check: report only)
    #[command(long_about = cli::sync::LONG_ABOUT, after_help = cli::sync::EXAMPLES)]
    Sync(cli::sync::SyncArgs),

    /// Work with skillpack.lock: `lock export` writes one from what is installed
    #[command(long_about = cli::project::LONG_ABOUT, after_help = cli::project::EXAMPLES)]
    Lock(cli::project::LockArgs),

    /// Make a minisign key pair for signing packs
    #[command(long_about = cli::key::LONG_ABOUT, after_help = cli::key::EXAMPLES)]
    Key(cli::key::KeyArgs),

    /// Print a shell completion script
    #[command(long_about = cli::completions::LONG_ABOUT, after_help = cli::completions::EXAMPLES)]
    Completions(cli::completions::CompletionsArgs),

    /// Print a man page, or write them all with --out DIR
    #[command(long_about = cli::man::LONG_ABOUT, after_help = cli::man::EXAMPLES)]
    Man(cli::man::ManArgs),
}

fn main() -> ExitCode {
    cli::settings::capture();
    cli::completions::answer_if_asked();
    match cli::help::parse() {
        Ok(cli) => cli::run(cli),
        Err(code) => code,
    }
}
