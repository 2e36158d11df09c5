//! Download progress on a terminal, and sizes as people read them.

use std::cell::RefCell;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};
use skillpack::source::http::Progress;

use super::Printer;

/// Download progress for the command line: a `Downloading` line, a progress bar on a
/// terminal, and a line per retry.
pub(crate) struct Transfer<'a> {
    p: &'a Printer,
    bar: RefCell<Option<ProgressBar>>,
}

impl<'a> Transfer<'a> {
    pub(crate) fn new(p: &'a Printer) -> Transfer<'a> {
        Transfer {
            p,
            bar: RefCell::new(None),
        }
    }
}

impl Progress for Transfer<'_> {
    fn start(&self, what: &str, total: Option<u64>) {
        self.p.status("Downloading", what);
        if !self.p.interactive() {
            return;
        }
        let bar = match total {
            Some(len) => ProgressBar::new(len).with_style(
                ProgressStyle::with_template(
                    "{spinner:.green} [{bar:32}] {bytes}/{total_bytes} {bytes_per_sec} {eta}",
                )
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .progress_chars("=> "),
            ),
            None => ProgressBar::new_spinner().with_style(
                ProgressStyle::with_template("{spinner:.green} {bytes} {bytes_per_sec}")
                    .unwrap_or_else(|_| ProgressStyle::default_spinner()),
            ),
        };
        bar.enable_steady_tick(Duration::from_millis(120));
        *self.bar.borrow_mut() = Some(bar);
    }

    fn advance(&self, bytes: u64) {
        if let Some(bar) = self.bar.borrow().as_ref() {
            bar.inc(bytes);
        }
    }

    fn finish(&self) {
        if let Some(bar) = self.bar.borrow_mut().take() {
            bar.finish_and_clear();
        }
    }

    fn retry(&self, what: &str, attempt: u32, attempts: u32, delay: Duration, reason: &str) {
        let delay = if delay < Duration::from_secs(1) {
            format!("{} ms", delay.as_millis())
        } else {
            format!("{:.1} s", delay.as_secs_f64())
        };
        self.p.status_warn(
            "Retrying",
            format!(
                "{what} in {delay} (attempt {} of {attempts}): {reason}",
                attempt + 1
            ),
        );
    }
}

pub(crate) fn human_size(bytes: u64) -> String {
    const UNITS: [&str; 4] = ["B", "KiB", "MiB", "GiB"];
    let mut v = bytes as f64;
    let mut unit = 0;
    while v >= 1024.0 && unit < UNITS.len() - 1 {
        v /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{bytes} B")
    } else {
        format!("{v:.1} {}", UNITS[unit])
    }
}
