//! Terminal output in the style of cargo: right-aligned coloured verbs on stderr, plain text
//! when colour is off (`NO_COLOR`, `--color never`, or not a terminal), JSON on stdout.

use std::io::{IsTerminal, Write};

use console::Style;

use crate::{ColorChoice, GlobalArgs};

use super::Failure;

pub struct Printer {
    pub json: bool,
    pub quiet: bool,
    pub verbose: u8,
    color: bool,
    pub stderr_tty: bool,
    pub stdin_tty: bool,
}

impl Printer {
    pub fn new(g: &GlobalArgs) -> Printer {
        let stderr_tty = std::io::stderr().is_terminal();
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
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
        }
    }

    /// Whether prompts and progress bars may appear.
    pub fn interactive(&self) -> bool {
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
    pub fn status(&self, verb: &str, message: impl AsRef<str>) {
        if self.quiet || self.json {
            return;
        }
        let verb = format!("{verb:>12}");
        eprintln!(
            "{} {}",
            self.paint(Style::new().green().bold(), &verb),
            message.as_ref()
        );
    }

    /// A status line in a warning colour.
    pub fn status_warn(&self, verb: &str, message: impl AsRef<str>) {
        if self.quiet || self.json {
            return;
        }
        let verb = format!("{verb:>12}");
        eprintln!(
            "{} {}",
            self.paint(Style::new().yellow().bold(), &verb),
            message.as_ref()
        );
    }

    /// Extra detail, shown with `-v`.
    pub fn detail(&self, message: impl AsRef<str>) {
        if self.verbose > 0 && !self.json {
            eprintln!(
                "{}",
                self.paint(
                    Style::new().dim(),
                    &format!("             {}", message.as_ref())
                )
            );
        }
    }

    pub fn warn(&self, message: impl AsRef<str>) {
        if self.quiet || self.json {
            return;
        }
        eprintln!(
            "{}: {}",
            self.paint(Style::new().yellow().bold(), "warning"),
            message.as_ref()
        );
    }

    /// Plain text on stdout (tables, lists), unless JSON.
    pub fn out(&self, line: impl AsRef<str>) {
        if !self.json {
            println!("{}", line.as_ref());
        }
    }

    pub fn bold(&self, text: &str) -> String {
        self.paint(Style::new().bold(), text)
    }

    pub fn red(&self, text: &str) -> String {
        self.paint(Style::new().red(), text)
    }

    pub fn yellow(&self, text: &str) -> String {
        self.paint(Style::new().yellow(), text)
    }

    pub fn green(&self, text: &str) -> String {
        self.paint(Style::new().green(), text)
    }

    pub fn dim(&self, text: &str) -> String {
        self.paint(Style::new().dim(), text)
    }

    /// Writes a JSON document on stdout.
    pub fn json_out(&self, value: &serde_json::Value) {
        // Buffered: a large report would otherwise cost one write call per line.
        let mut out = std::io::BufWriter::new(std::io::stdout().lock());
        let _ = serde_json::to_writer_pretty(&mut out, value);
        let _ = writeln!(out);
        let _ = out.flush();
    }

    /// Reports a failure: one line on stderr (`error: …`, then `  hint: …`), and with
    /// `--json` also an error document on stdout.
    pub fn failure(&self, f: &Failure) {
        if self.json {
            self.json_out(&serde_json::json!({
                "version": skillpack::SCHEMA_VERSION,
                "error": { "message": f.message, "hint": f.hint, "kind": f.kind, "code": f.code },
            }));
        }
        eprintln!(
            "{}: {}",
            self.paint(Style::new().red().bold(), "error"),
            f.message
        );
        if let Some(h) = &f.hint {
            eprintln!("  {}: {h}", self.paint(Style::new().cyan().bold(), "hint"));
        }
    }
}
