//! Terminal output in the style of cargo: right-aligned coloured verbs on stderr, plain text
//! when colour is off (`NO_COLOR`, `--color never`, or not a terminal), JSON on stdout.
//!
//! Messages given to `status`, `status_warn`, `detail`, `warn` and `failure` are escaped
//! here ([`skillpack::text::escape`]): they carry names, versions, paths and errors that come
//! from skills, archives, indexes and records. Lines given to `out` and `err` may hold our own
//! colours, so their callers escape what they put in them. Writes to a closed pipe
//! (`skillpack list | head`) are dropped quietly.

use std::cell::{Cell, RefCell};
use std::collections::BTreeSet;
use std::io::{IsTerminal, Write};

use console::Style;
use skillpack::text::escape;

use crate::{ColorChoice, GlobalArgs};

use super::{Failure, fit};

/// The width of the verb column of status lines: the longest verb, `Would install`.
pub(crate) const VERB_WIDTH: usize = 13;

pub(crate) struct Printer {
    pub json: bool,
    pub quiet: bool,
    pub verbose: u8,
    color: bool,
    pub stderr_tty: bool,
    pub stdin_tty: bool,
    /// stdout's reader went away: further output is dropped.
    stdout_closed: Cell<bool>,
    /// Keys of warnings already given, for [`Printer::warn_once`].
    warned: RefCell<BTreeSet<String>>,
    /// The home folder, shown as `~` in error messages like everywhere else.
    home: Option<String>,
}

impl Printer {
    /// What to call while another skillpack run holds a root's lock: says so once per wait.
    pub(crate) fn on_wait(&self) -> impl FnMut(&std::path::Path) + '_ {
        move |lock| {
            self.status_warn(
                "Blocking",
                format!(
                    "waiting for another skillpack run to finish (lock {})",
                    lock.display()
                ),
            )
        }
    }

    pub(crate) fn new(g: &GlobalArgs) -> Printer {
        let stderr_tty = std::io::stderr().is_terminal();
        let settings = super::settings::get();
        let no_color = settings.var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        let color = match g.color {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => stderr_tty && !no_color,
        };
        console::set_colors_enabled(color);
        console::set_colors_enabled_stderr(color);
        Printer {
            json: g.json,
            quiet: g.quiet,
            verbose: g.verbose,
            color,
            stderr_tty,
            stdin_tty: std::io::stdin().is_terminal(),
            stdout_closed: Cell::new(false),
            warned: RefCell::new(BTreeSet::new()),
            home: settings
                .var_os("HOME")
                .filter(|h| h.len() > 1)
                .map(|h| h.to_string_lossy().trim_end_matches('/').to_owned()),
        }
    }

    /// `message` with paths under the home folder written `~/…`. Only for messages: a hint
    /// holds commands to copy, where a quoted `~` would not expand.
    fn tilde(&self, message: &str) -> String {
        match &self.home {
            Some(home) if !home.is_empty() => message.replace(&format!("{home}/"), "~/"),
            _ => message.to_owned(),
        }
    }

    /// `text` as a path to show, when it is an absolute one: `.` steps dropped, `..` steps
    /// taken, and the home folder written `~`. Other text (a URL, `owner/repo`) as it is.
    pub(crate) fn path_text(&self, text: &str) -> String {
        let path = std::path::Path::new(text);
        if !path.is_absolute() {
            return text.to_owned();
        }
        let mut clean = std::path::PathBuf::new();
        for part in path.components() {
            match part {
                std::path::Component::CurDir => {}
                std::path::Component::ParentDir => {
                    clean.pop();
                }
                other => clean.push(other),
            }
        }
        self.tilde(&clean.to_string_lossy())
    }

    /// Whether prompts and progress bars may appear.
    pub(crate) fn interactive(&self) -> bool {
        self.stderr_tty && self.stdin_tty && !self.json && !self.quiet
    }

    fn paint(&self, style: Style, text: &str) -> String {
        if self.color {
            style.apply_to(text).to_string()
        } else {
            text.to_string()
        }
    }

    /// `    Verb message` on stderr, unless quiet or JSON.
    pub(crate) fn status(&self, verb: &str, message: impl AsRef<str>) {
        if self.quiet || self.json {
            return;
        }
        let verb = format!("{verb:>VERB_WIDTH$}");
        self.err(format!(
            "{} {}",
            self.paint(Style::new().green().bold(), &verb),
            escape(message.as_ref())
        ));
    }

    /// A status line in a warning colour.
    pub(crate) fn status_warn(&self, verb: &str, message: impl AsRef<str>) {
        if self.quiet || self.json {
            return;
        }
        let verb = format!("{verb:>VERB_WIDTH$}");
        self.err(format!(
            "{} {}",
            self.paint(Style::new().yellow().bold(), &verb),
            escape(message.as_ref())
        ));
    }

    /// Extra detail, shown with `-v`.
    pub(crate) fn detail(&self, message: impl AsRef<str>) {
        if self.verbose > 0 && !self.json {
            self.err(self.paint(
                Style::new().dim(),
                &format!("{:VERB_WIDTH$} {}", "", escape(message.as_ref())),
            ));
        }
    }

    pub(crate) fn warn(&self, message: impl AsRef<str>) {
        if self.quiet || self.json {
            return;
        }
        self.err(format!(
            "{}: {}",
            self.paint(Style::new().yellow().bold(), "warning"),
            escape(message.as_ref())
        ));
    }

    /// A `hint:` line after a status: what the user may have meant or should run next.
    pub(crate) fn hint(&self, message: impl AsRef<str>) {
        if self.quiet || self.json {
            return;
        }
        self.err(format!("  hint: {}", escape(message.as_ref())));
    }

    /// [`Printer::warn`], once per `key` in a run.
    pub(crate) fn warn_once(&self, key: &str, message: impl AsRef<str>) {
        if self.warned.borrow_mut().insert(key.to_string()) {
            self.warn(message);
        }
    }

    /// A line on stdout (tables, lists), unless JSON. The caller escapes outside text in it.
    pub(crate) fn out(&self, line: impl AsRef<str>) {
        if !self.json {
            self.write_stdout(format!("{}\n", line.as_ref()).as_bytes());
        }
    }

    /// A table row on stdout, cut with `…` to the terminal's width (a pipe gets it whole).
    pub(crate) fn out_row(&self, line: impl AsRef<str>) {
        self.out(fitted(line.as_ref(), &console::Term::stdout()));
    }

    /// A row on stderr, cut with `…` to the terminal's width (a pipe gets it whole).
    pub(crate) fn err_row(&self, line: impl AsRef<str>) {
        self.err(fitted(line.as_ref(), &console::Term::stderr()));
    }

    /// The columns a row on stdout may take without wrapping (one less than the terminal is
    /// wide); `None` for a pipe, which gets every line whole.
    pub(crate) fn out_width(&self) -> Option<usize> {
        room(&console::Term::stdout())
    }

    /// As [`Printer::out_width`], for stderr.
    pub(crate) fn err_width(&self) -> Option<usize> {
        room(&console::Term::stderr())
    }

    /// `text` on stderr, wrapped to the terminal at spaces only (a word longer than a row
    /// is left whole); rows after the first start with `indent`.
    pub(crate) fn err_words(&self, text: &str, indent: &str) {
        match self.err_width() {
            Some(width) => {
                for line in wrap_words(text, width, indent) {
                    self.err(line);
                }
            }
            None => self.err(text),
        }
    }

    /// A line on stderr as it is; the caller escapes outside text in it. A stderr that
    /// cannot be written to is no reason to stop (nor to panic).
    pub(crate) fn err(&self, line: impl AsRef<str>) {
        let mut err = std::io::stderr().lock();
        let _ = writeln!(err, "{}", line.as_ref());
    }

    /// Writes `bytes` on stdout; once the reader has gone (a closed pipe), nothing more is
    /// written and the command finishes as it would have.
    fn write_stdout(&self, bytes: &[u8]) {
        if self.stdout_closed.get() {
            return;
        }
        let mut out = std::io::stdout().lock();
        if out.write_all(bytes).and_then(|_| out.flush()).is_err() {
            self.stdout_closed.set(true);
        }
    }

    pub(crate) fn bold(&self, text: &str) -> String {
        self.paint(Style::new().bold(), text)
    }

    pub(crate) fn red(&self, text: &str) -> String {
        self.paint(Style::new().red(), text)
    }

    pub(crate) fn yellow(&self, text: &str) -> String {
        self.paint(Style::new().yellow(), text)
    }

    pub(crate) fn green(&self, text: &str) -> String {
        self.paint(Style::new().green(), text)
    }

    pub(crate) fn dim(&self, text: &str) -> String {
        self.paint(Style::new().dim(), text)
    }

    /// Writes a JSON document on stdout, in one piece.
    pub(crate) fn json_out(&self, value: &serde_json::Value) {
        let text = serde_json::to_string_pretty(value).unwrap_or_default();
        let mut text = skillpack::text::json_safe(text).into_bytes();
        text.push(b'\n');
        self.write_stdout(&text);
    }

    /// Reports a failure: one line on stderr (`error: …`, then `  hint: …`), and with
    /// `--json` also an error document on stdout.
    pub(crate) fn failure(&self, f: &Failure) {
        if self.json {
            self.json_out(&serde_json::json!({
                "version": skillpack::SCHEMA_VERSION,
                "error": { "message": f.message, "hint": f.hint, "kind": f.kind, "code": f.code },
            }));
        }
        self.err(format!(
            "{}: {}",
            self.paint(Style::new().red().bold(), "error"),
            escape(&self.tilde(&f.message))
        ));
        if let Some(h) = &f.hint {
            self.err(format!(
                "  {}: {}",
                self.paint(Style::new().cyan().bold(), "hint"),
                escape(h)
            ));
        }
    }
}

/// One column less than `term` is wide, when it is a terminal.
fn room(term: &console::Term) -> Option<usize> {
    match term.size_checked() {
        Some((_, cols)) if cols > 1 => Some(usize::from(cols) - 1),
        _ => None,
    }
}

/// `text` broken at spaces into rows of at most `width` columns (colours kept; a word wider
/// than that gets a row of its own), the rows after the first starting with `indent`.
pub(crate) fn wrap_words(text: &str, width: usize, indent: &str) -> Vec<String> {
    let body = text.trim_start_matches(' ');
    let mut row = text[..text.len() - body.len()].to_string();
    let mut used = row.len();
    let mut empty = true;
    let mut rows = Vec::new();
    for word in body.split(' ') {
        let w = console::measure_text_width(word);
        if !empty && used + 1 + w > width {
            rows.push(std::mem::take(&mut row));
            row.push_str(indent);
            used = console::measure_text_width(indent);
            empty = true;
        }
        if !empty {
            row.push(' ');
            used += 1;
        }
        row.push_str(word);
        used += w;
        empty = false;
    }
    rows.push(row);
    rows
}

/// `line` cut to one column less than `term` is wide, so that it never wraps (nor leaves
/// the cursor past the edge); whole when `term` is not a terminal.
fn fitted(line: &str, term: &console::Term) -> String {
    match room(term) {
        Some(width) => fit(line, width),
        None => line.to_string(),
    }
}
