//! Fetch settings from the command line and the environment: the archive limits, the
//! trusted signing keys and the fetch session every command that downloads uses.

use skillpack::agents::Env;
use skillpack::bundle::Limits;
use skillpack::sign::TrustedKey;
use skillpack::source::http::Progress;
use skillpack::source::{Config, Places, Session};

use super::Failure;
use crate::{FetchArgs, LimitArgs};

pub(crate) fn limits(l: &LimitArgs) -> Limits {
    Limits {
        max_total: l.max_size,
        max_entry: l.max_size,
        max_entries: l.max_files,
        max_ratio: l.max_ratio,
        ..Limits::default()
    }
}

/// The limit flags of `l` that differ from their defaults, for a printed command that
/// must fetch within the same limits.
pub(crate) fn limit_words(l: &LimitArgs) -> Vec<String> {
    let mut words = Vec::new();
    if l.max_size != 128 << 20 {
        words.extend(["--max-size".into(), l.max_size.to_string()]);
    }
    if l.max_files != 10_000 {
        words.extend(["--max-files".into(), l.max_files.to_string()]);
    }
    if l.max_ratio != 200 {
        words.extend(["--max-ratio".into(), l.max_ratio.to_string()]);
    }
    words
}

/// A fetch session configured from the environment, `--index` and the limits; an HTTP
/// setting in the environment that is not a number in its range is a usage error.
pub(crate) fn session<'p>(
    env: &Env,
    fetch: &FetchArgs,
    progress: &'p dyn Progress,
) -> Result<Session<'p>, Failure> {
    let config = base_config(env.cwd.clone(), fetch.index.clone(), limits(&fetch.limits))?;
    let config = Config {
        trusted_keys: trusted_keys(env, fetch)?,
        saved_index: fetch.saved_index,
        ..config
    };
    Ok(Session::new(config, progress))
}

/// The fetch configuration the environment gives (cache folder, mirrors, HTTP settings)
/// for `cwd`, `index` and `limits`; a setting out of its range is a usage error.
pub(crate) fn base_config(
    cwd: std::path::PathBuf,
    index: Option<String>,
    limits: skillpack::bundle::Limits,
) -> Result<Config, Failure> {
    Config::from_vars(cwd, index, limits, &places(), &|var| {
        super::settings::get().var_os(var)
    })
    .map_err(|e| {
        Failure::usage(e.to_string()).hint(format!(
            "set {} to a value in that range, or unset it",
            e.var()
        ))
    })
}

/// The install options every command starts from: the archive limits given, commits as
/// configured (see [`super::commit_options`]), dry runs unpacked in the temporary folder.
pub(crate) fn install_options(l: &LimitArgs) -> skillpack::install::Options {
    skillpack::install::Options {
        limits: limits(l),
        commit: super::commit_options(),
        scratch: super::scratch_dir(),
        ..Default::default()
    }
}

/// The folders a fetch session keeps its cache and scratch files in, as read at start-up.
pub(crate) fn places() -> Places {
    let s = super::settings::get();
    Places {
        cache_home: s.cache_home.clone(),
        temp: s.temp.clone(),
    }
}

/// The keys of `--trusted-key` and `SKILLPACK_TRUSTED_KEYS` (comma- or space-separated):
/// each a public key (`RW…`) or the path of a minisign .pub file.
fn trusted_keys(env: &Env, fetch: &FetchArgs) -> Result<Vec<TrustedKey>, Failure> {
    let from_env = match fetch.recorded_key_only {
        true => String::new(),
        false => super::settings::get()
            .var("SKILLPACK_TRUSTED_KEYS")
            .unwrap_or_default(),
    };
    let args = fetch.trusted_keys.iter().map(String::as_str).chain(
        from_env
            .split(|c: char| c == ',' || c.is_whitespace())
            .filter(|k| !k.is_empty()),
    );
    let mut keys: Vec<TrustedKey> = Vec::new();
    for arg in args {
        let key = TrustedKey::from_arg(arg, &env.cwd).map_err(|e| {
            let hint = match e {
                skillpack::sign::SignError::SecretNotPublic(_) => {
                    "pass the .pub file beside it (`skillpack key new` writes skillpack.pub), or the public key it holds (RW…)"
                }
                _ => "pass the public key minisign prints (RW…), or the path of its .pub file",
            };
            Failure::usage(e.to_string()).hint(hint)
        })?;
        if !keys.iter().any(|k| k.id() == key.id()) {
            keys.push(key);
        }
    }
    Ok(keys)
}
