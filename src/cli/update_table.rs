//! What `update --dry-run` found, as a table.

use skillpack::text::escape;

use super::{Printer, column_width, pad};

/// What `--dry-run` found, one row per skill (name, status, installed and available
/// versions) fitted to the terminal: the status words line up, and the versions come last
/// (they are cut first).
pub(crate) fn dry_run_table(
    p: &Printer,
    rows: &[(String, &'static str, Option<String>, Option<String>)],
) {
    let cells: Vec<(String, &str, String, String)> = rows
        .iter()
        .map(|(name, status, from, to)| {
            (
                escape(name).into_owned(),
                *status,
                escape(from.as_deref().unwrap_or("-")).into_owned(),
                escape(to.as_deref().unwrap_or("-")).into_owned(),
            )
        })
        .collect();
    let w = column_width(cells.iter().map(|c| c.0.as_str()), 4);
    let vw = column_width(cells.iter().map(|c| c.2.as_str()), 9);
    p.out_row(p.bold(&format!(
        "{}  {}  {}  AVAILABLE",
        pad("NAME", w),
        pad("STATUS", 13),
        pad("INSTALLED", vw)
    )));
    for (name, status, from, to) in &cells {
        let painted = match *status {
            "up to date" => p.green(status),
            "failed" => p.red(status),
            _ => p.yellow(status),
        };
        p.out_row(format!(
            "{}  {}  {}  {to}",
            pad(name, w),
            pad(&painted, 13),
            pad(from, vw)
        ));
    }
}
