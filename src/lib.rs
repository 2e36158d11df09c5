//! skillpack: install, verify, pack and validate Agent Skills.
//!
//! The library owns every stage of the install pipeline
//! (`resolve → fetch → verify → inspect → stage → check → commit → record`)
//! and never prints: the binary's `cli` module turns its values and typed errors into output.

#![warn(unreachable_pub)]

pub mod agents;
pub mod bundle;
pub mod durable;
pub mod git;
pub mod install;
pub mod paths;
pub mod sign;
pub mod skill;
pub mod source;
pub mod text;

/// Version of the JSON documents skillpack writes (`lock.json`, `index.json`, `--json` output).
pub const SCHEMA_VERSION: u32 = 1;
