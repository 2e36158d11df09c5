//! What `update` says of skills that do not simply update: the `--dry-run` table, and a
//! folder changed here whose source has not moved.

use skillpack::text::escape;

use skillpack::install;

use super::{Printer, column_width, display_path, pad};

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

/// Says that `entry`'s source has not moved but its folder is not what was recorded
/// (`id`, the folder's state): update leaves it as it is, and `hint` restores it.
pub(crate) fn say_changed_here(
    p: &Printer,
    env: &skillpack::agents::Env,
    root: &install::Root,
    (name, version): (&str, Option<&str>),
    id: &str,
    state: Option<&install::TreeState>,
    hint: &str,
) {
    let what = match state {
        _ if id == "pending" => "an interrupted run left it unfinished".to_string(),
        Some(install::TreeState::Missing) => "its folder is gone".to_string(),
        Some(install::TreeState::NotAFolder(found)) => format!("its folder is now {found}"),
        Some(state) => format!(
            "its files were changed here ({})",
            install::summarise(state)
        ),
        None => id.to_string(),
    };
    p.status_warn(
        "Changed",
        format!(
            "{} {} is the newest, but {} in {}; nothing was changed",
            name,
            version.unwrap_or("(unversioned)"),
            what,
            display_path(env, &root.dir)
        ),
    );
    if !p.quiet && !p.json {
        p.err(format!("  {}: {hint}", p.dim("hint")));
    }
}
