//! The integration tests, in one test binary: each module drives the real `skillpack`
//! binary (through `assert_cmd`) against temporary homes, skills roots and a loopback
//! HTTP server (`net`).

mod action_script;
mod agents;
mod cli;
mod companions;
mod doctor;
mod hardening_fetch;
mod hardening_root;
mod hardening_text;
mod hints;
mod install;
mod install_script;
mod json;
mod lock_edges;
mod man;
mod net;
mod network;
mod pack;
#[cfg(unix)]
mod picker;
#[cfg(unix)]
mod project_import;
mod project_lock;
mod several;
mod shown_paths;
mod signatures;
mod skill_content;
mod sources;
mod sync;
#[cfg(unix)]
mod terminal;
mod validate;
mod validate_ci;
