//! The companions table: one row per companion with its status and where it is, or the
//! command that installs it.

use skillpack::agents::{Agent, Env};
use skillpack::install::companions::{Companion, Origin};
use skillpack::install::declined::Declined;
use skillpack::text::escape;

use super::companions::not_visible;
use super::origin::{Flags, Install, install_for};
use super::{Printer, column_width, display_path, pad};

/// The status word of a companion, padded so that the words line up: `installed`,
/// `not visible`, `missing`, or `declined` for a missing one the user declined.
pub(crate) fn status_word(p: &Printer, c: &Companion, declined: bool) -> String {
    let word = match c.status() {
        "installed" => p.green("installed"),
        "not-visible" => p.yellow("not visible"),
        _ if declined => p.dim("declined"),
        _ => p.red("missing"),
    };
    pad(&word, STATUS_WIDTH)
}

const STATUS_WIDTH: usize = 11;

/// The companions table on stdout, each row fitted to the terminal: a header, then one
/// line per companion, each missing one with the command that installs it into the root
/// `flags` names.
/// When a row with a command would not fit the terminal, the commands are printed whole
/// below the table, each on its own line, rather than cut; those are returned, so that
/// they are not printed again.
pub(crate) fn render(
    p: &Printer,
    env: &Env,
    agent: Agent,
    flags: Flags<'_>,
    list: &[(String, Companion)],
    declined: &Declined,
    located: &[(&Companion, Origin)],
) -> Vec<String> {
    let w = column_width(list.iter().map(|(_, c)| c.name.as_str()), 9);
    // Where one companion can be installed from: a text, or the command that installs it.
    let how = |c: &Companion| match install_for(flags, located, c) {
        Install::Nowhere(searched) => (Some(format!("not found in {}", searched.join(", "))), None),
        Install::Command(cmd) => (None, Some(cmd)),
    };
    let rows: Vec<(&Companion, String, Option<String>)> = list
        .iter()
        .map(|(_, c)| match c.found.first() {
            Some(f) if f.visible => {
                let version = f.version.as_deref().map(|v| format!(" ({v})"));
                let at = format!("{} {}", f.scope, display_path(env, &f.path));
                (c, format!("{at}{}", version.unwrap_or_default()), None)
            }
            Some(f) => {
                let (text, cmd) = how(c);
                let found = not_visible(env, agent, f);
                (
                    c,
                    text.map_or(found.clone(), |t| format!("{found}; {t}")),
                    cmd,
                )
            }
            None => {
                let (text, cmd) = how(c);
                (c, text.unwrap_or_default(), cmd)
            }
        })
        .collect();
    let start = |c: &Companion| {
        format!(
            "{}  {}  ",
            pad(&escape(&c.name), w),
            status_word(p, c, declined.contains(&c.name))
        )
    };
    let whole = |text: &str, cmd: &Option<String>| match (text.is_empty(), cmd) {
        (_, None) => text.to_string(),
        (true, Some(cmd)) => format!("`{cmd}`"),
        (false, Some(cmd)) => format!("{text}; `{cmd}`"),
    };
    let below = p.out_width().is_some_and(|width| {
        rows.iter().any(|(c, text, cmd)| {
            cmd.is_some()
                && console::measure_text_width(&start(c))
                    + console::measure_text_width(&escape(&whole(text, cmd)))
                    > width
        })
    });
    p.out_row(p.bold(&format!(
        "{}  {}  WHERE",
        pad("COMPANION", w),
        pad("STATUS", STATUS_WIDTH)
    )));
    for (c, text, cmd) in &rows {
        let detail = match cmd {
            Some(_) if below && text.is_empty() => "command below".to_string(),
            Some(_) if below => format!("command below; {text}"),
            _ => whole(text, cmd),
        };
        p.out_row(format!("{}{}", start(c), escape(&detail)));
    }
    let mut printed: Vec<String> = Vec::new();
    if below {
        p.out(p.dim("install commands:"));
        for cmd in rows.iter().filter_map(|(_, _, cmd)| cmd.as_ref()) {
            if !printed.contains(cmd) {
                p.out(format!("  {}", escape(cmd)));
                printed.push(cmd.clone());
            }
        }
    }
    printed
}
