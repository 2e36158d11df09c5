//! Prompts drawn by hand on the terminal (stderr): a multi-select list of named items and a
//! yes/no question.
//!
//! Every line is fitted to the terminal width ([`super::fit`]: cut with `…`, the description
//! first), so each item takes exactly one row and a redraw replaces exactly the rows drawn
//! before. When the terminal was made narrower since the last frame, most terminals have
//! reflowed that frame onto more rows; the redraw starts that many rows up. The terminal stays in raw mode for the whole prompt, so Ctrl-C arrives as a key
//! ([`Answer::Interrupted`]) rather than a signal, and the cursor is shown again however the
//! prompt ends. Text from outside (names, descriptions) is escaped here.

use std::io;

use console::{Key, Style, Term};
use skillpack::text::escape;

use super::raw;
use super::{fit, pad};

/// An item to pick: a name, and a description shown after it (cut first when space is short).
pub(crate) trait Choice {
    fn name(&self) -> &str;
    fn description(&self) -> &str;
}

impl<N: AsRef<str>, D: AsRef<str>> Choice for (N, D) {
    fn name(&self) -> &str {
        self.0.as_ref()
    }

    fn description(&self) -> &str {
        self.1.as_ref()
    }
}

/// How a prompt ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Answer<T> {
    Chosen(T),
    /// Esc or `q`: no decision.
    Cancelled,
    /// Ctrl-C: the command stops ([`INTERRUPTED`]).
    Interrupted,
}

/// The exit status after Ctrl-C at a prompt: 128 + SIGINT, as shells report it.
pub(crate) const INTERRUPTED: u8 = 130;

const HELP: &str = "space ticks, enter confirms, esc cancels, a ticks all";

/// A prompt in progress: the cursor hidden (when asked), the terminal in raw mode, and the
/// width of each line drawn with the terminal width it was drawn at. Dropping it shows the
/// cursor and restores the terminal.
struct Screen<'t> {
    term: &'t Term,
    drawn: Vec<usize>,
    drawn_at: usize,
    raw: Option<raw::Saved>,
}

impl<'t> Screen<'t> {
    fn start(term: &'t Term, hide_cursor: bool) -> io::Result<Screen<'t>> {
        let raw = raw::enter()?;
        let screen = Screen {
            term,
            drawn: Vec::new(),
            drawn_at: 0,
            raw,
        };
        if hide_cursor {
            term.hide_cursor()?;
        }
        Ok(screen)
    }

    /// Terminal width and height, with a floor so that a tiny or unknown size still draws.
    fn size(&self) -> (usize, usize) {
        let (rows, cols) = self.term.size();
        (usize::from(cols).max(20), usize::from(rows).max(4))
    }

    /// The terminal width now, as the terminal wraps rows (no floor).
    fn columns(&self) -> usize {
        usize::from(self.term.size().1).max(1)
    }

    /// Replaces the rows drawn before with `lines`, each already fitted to one row.
    fn draw(&mut self, lines: &[String]) -> io::Result<()> {
        self.erase()?;
        let mut frame = String::new();
        for line in lines {
            frame.push_str(line);
            frame.push('\n');
        }
        self.term.write_str(&frame)?;
        self.drawn = lines
            .iter()
            .map(|l| console::measure_text_width(l))
            .collect();
        self.drawn_at = self.columns();
        Ok(())
    }

    /// Clears the rows drawn before, from the first one to the end of the screen.
    fn erase(&mut self) -> io::Result<()> {
        if !self.drawn.is_empty() {
            let rows = rows_taken(&self.drawn, self.drawn_at, self.columns());
            self.term.move_cursor_up(rows)?;
            self.term.write_str("\r")?;
            self.term.clear_to_end_of_screen()?;
            self.drawn.clear();
        }
        Ok(())
    }

    fn read_key(&self) -> io::Result<Key> {
        self.term.read_key_raw()
    }
}

impl Drop for Screen<'_> {
    fn drop(&mut self) {
        let _ = self.term.show_cursor();
        if let Some(saved) = self.raw.take() {
            raw::leave(saved);
        }
    }
}

/// The rows that lines of `widths` columns, drawn one a row on a terminal `before` columns
/// wide, take once it is `now` columns wide. A narrower terminal that reflows (tmux, most
/// terminal emulators) wraps each longer line onto several rows; the cursor is moved up
/// that far, which at worst also clears some rows above the prompt on one that does not.
fn rows_taken(widths: &[usize], before: usize, now: usize) -> usize {
    if now >= before {
        return widths.len();
    }
    widths.iter().map(|w| w.div_ceil(now).max(1)).sum()
}

/// Asks which of `items` to take (none ticked at first); the indices ticked, in order.
pub(crate) fn pick<C: Choice>(
    term: &Term,
    prompt: &str,
    items: &[C],
) -> io::Result<Answer<Vec<usize>>> {
    let mut screen = Screen::start(term, true)?;
    let mut ticked = vec![false; items.len()];
    let mut at = 0usize;
    let mut top = 0usize;
    loop {
        let (width, rows) = screen.size();
        // The prompt, the help line and the row the cursor rests on stay on screen.
        let shown = items.len().min(rows - 3).max(1);
        if at < top {
            top = at;
        } else if at >= top + shown {
            top = at + 1 - shown;
        }
        let lines = frame(prompt, items, &ticked, at, top, shown, width - 1);
        screen.draw(&lines)?;
        let last = items.len().saturating_sub(1);
        match screen.read_key()? {
            Key::ArrowUp | Key::BackTab | Key::Char('k') => {
                at = if at == 0 { last } else { at - 1 };
            }
            Key::ArrowDown | Key::Tab | Key::Char('j') => {
                at = if at >= last { 0 } else { at + 1 };
            }
            Key::Home | Key::PageUp => at = 0,
            Key::End | Key::PageDown => at = last,
            Key::Char(' ') => {
                if let Some(t) = ticked.get_mut(at) {
                    *t = !*t;
                }
            }
            Key::Char('a') => {
                let all = ticked.iter().all(|t| *t);
                ticked.iter_mut().for_each(|t| *t = !all);
            }
            Key::Enter => {
                screen.erase()?;
                let chosen = (0..items.len()).filter(|i| ticked[*i]).collect();
                return Ok(Answer::Chosen(chosen));
            }
            Key::Escape | Key::Char('q') => {
                screen.erase()?;
                return Ok(Answer::Cancelled);
            }
            Key::CtrlC => {
                screen.erase()?;
                return Ok(Answer::Interrupted);
            }
            _ => {}
        }
    }
}

/// The rows of the picker: the prompt, the visible items, and the help line.
fn frame<C: Choice>(
    prompt: &str,
    items: &[C],
    ticked: &[bool],
    at: usize,
    top: usize,
    shown: usize,
    width: usize,
) -> Vec<String> {
    let bold = Style::new().for_stderr().bold();
    let dim = Style::new().for_stderr().dim();
    let names: Vec<String> = items
        .iter()
        .map(|c| escape(c.name()).into_owned())
        .collect();
    // Names are kept whole while the row has room for them after the pointer and the box
    // (`> [x] `): the description is what gets cut first.
    let name_width =
        super::column_width(names.iter().map(String::as_str), 0).min(width.saturating_sub(6));
    let mut lines = vec![bold.apply_to(fit(&escape(prompt), width)).to_string()];
    for (i, c) in items.iter().enumerate().skip(top).take(shown) {
        let mark = if ticked[i] { "[x]" } else { "[ ]" };
        let pointer = if i == at { ">" } else { " " };
        let text = format!(
            "{pointer} {mark} {}  {}",
            pad(&fit(&names[i], name_width), name_width),
            escape(c.description())
        );
        let text = fit(text.trim_end(), width);
        lines.push(if i == at {
            bold.apply_to(text).to_string()
        } else {
            text
        });
    }
    let position = if shown < items.len() {
        format!("{}/{}, ", at + 1, items.len())
    } else {
        String::new()
    };
    lines.push(
        dim.apply_to(fit(&format!("{position}{HELP}"), width))
            .to_string(),
    );
    lines
}

/// Asks a yes/no question on one row, `no` unless the user types `y`.
pub(crate) fn confirm(term: &Term, prompt: &str) -> io::Result<Answer<bool>> {
    let screen = Screen::start(term, false)?;
    let suffix = " [y/N] ";
    let row = |answer: &str| {
        let (width, _) = screen.size();
        let room = (width - 1).saturating_sub(suffix.len() + answer.len());
        format!("{}{suffix}{answer}", fit(&escape(prompt), room))
    };
    let question = row("");
    screen.term.write_str(&question)?;
    let answer = loop {
        match screen.read_key()? {
            Key::Char('y' | 'Y') => break Answer::Chosen(true),
            Key::Char('n' | 'N') | Key::Enter => break Answer::Chosen(false),
            Key::Escape | Key::Char('q') => break Answer::Cancelled,
            Key::CtrlC => break Answer::Interrupted,
            _ => {}
        }
    };
    let said = match answer {
        Answer::Chosen(true) => "yes",
        Answer::Chosen(false) | Answer::Cancelled => "no",
        Answer::Interrupted => "",
    };
    screen.term.clear_line()?;
    screen.term.write_line(&row(said))?;
    Ok(answer)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn width_of(line: &str) -> usize {
        console::measure_text_width(line)
    }

    #[test]
    fn every_row_fits_the_width_and_the_description_is_cut_first() {
        let items = [
            (
                "customer-success-playbook",
                "Customer success: onboarding, health scores",
            ),
            ("crm-management", "CRM hygiene, pipelines and forecasting"),
        ];
        for width in [19, 39, 59, 119, 249] {
            let lines = frame(
                "Install companions?",
                &items,
                &[false, true],
                1,
                0,
                2,
                width,
            );
            assert_eq!(lines.len(), 4);
            for line in &lines {
                assert!(width_of(line) <= width, "{width}: {line:?}");
            }
            if width >= 39 {
                assert!(lines[1].contains("customer-success-playbook"), "{lines:?}");
                assert!(lines[2].starts_with("> [x] crm-management"), "{lines:?}");
            }
        }
        let narrow = frame("Install companions?", &items, &[false, false], 0, 0, 2, 39);
        assert!(narrow[1].ends_with('…'), "{narrow:?}");
    }

    #[test]
    fn a_long_list_shows_a_window_around_the_cursor() {
        let items: Vec<(String, String)> =
            (0..30).map(|i| (format!("s{i}"), String::new())).collect();
        let lines = frame("p", &items, &[false; 30], 12, 10, 5, 60);
        assert_eq!(lines.len(), 7);
        assert!(lines[1].contains("s10") && lines[3].contains("> [ ] s12"));
        assert!(lines[6].starts_with("13/30, "));
    }

    #[test]
    fn a_narrower_terminal_counts_the_rows_each_line_was_reflowed_onto() {
        assert_eq!(rows_taken(&[42, 99, 0, 45], 100, 100), 4);
        assert_eq!(rows_taken(&[42, 99, 0, 45], 100, 120), 4);
        assert_eq!(rows_taken(&[42, 99, 0, 45], 100, 45), 1 + 3 + 1 + 1);
    }

    #[test]
    fn names_and_descriptions_are_escaped() {
        let items = [("a\u{1b}[2J", "d\u{7}")];
        let lines = frame("p", &items, &[false], 0, 0, 1, 60);
        assert!(!lines[1].contains('\u{1b}') && !lines[1].contains('\u{7}'));
    }
}
