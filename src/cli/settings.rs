//! The process's environment, read once at start-up ([`capture`], first thing in `main`):
//! every variable, the current and home folders, and the platform's cache and temporary
//! folders. Commands take what they need from [`get`]; nothing else in skillpack reads the
//! environment, and the library is handed values, never the environment itself.

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::path::PathBuf;
use std::sync::OnceLock;

pub(crate) struct Settings {
    vars: BTreeMap<OsString, OsString>,
    /// The current folder, or why it cannot be read.
    pub(crate) cwd: Result<PathBuf, String>,
    pub(crate) home: Option<PathBuf>,
    /// The platform's cache folder (`$XDG_CACHE_HOME`, `~/.cache`, `~/Library/Caches`…).
    pub(crate) cache_home: Option<PathBuf>,
    /// The temporary folder (`$TMPDIR`, else the platform's).
    pub(crate) temp: PathBuf,
}

static SETTINGS: OnceLock<Settings> = OnceLock::new();

/// Reads the environment; later calls to [`get`] see what it was then.
pub(crate) fn capture() {
    let _ = SETTINGS.set(Settings::read());
}

/// The environment as [`capture`] read it.
pub(crate) fn get() -> &'static Settings {
    SETTINGS.get_or_init(Settings::read)
}

impl Settings {
    fn read() -> Settings {
        Settings {
            vars: std::env::vars_os().collect(),
            cwd: std::env::current_dir().map_err(|e| e.to_string()),
            home: dirs::home_dir(),
            cache_home: dirs::cache_dir(),
            temp: std::env::temp_dir(),
        }
    }

    /// The value of `name`, as the OS gave it.
    pub(crate) fn var_os(&self, name: &str) -> Option<OsString> {
        self.vars.get(std::ffi::OsStr::new(name)).cloned()
    }

    /// The value of `name` when it is set and valid Unicode.
    pub(crate) fn var(&self, name: &str) -> Option<String> {
        self.var_os(name).and_then(|v| v.into_string().ok())
    }
}
