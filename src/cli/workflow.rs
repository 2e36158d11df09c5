//! GitHub Actions workflow commands (`::error file=…::message`): their escapes, shared by
//! every command that writes annotations.

use skillpack::text::escape;

/// Workflow command data: `%`, CR and LF are escaped as GitHub reads them, and any other
/// control character as the terminal output does, so that a log cannot be rewritten.
pub(crate) fn escape_data(s: &str) -> String {
    let data = s
        .replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A");
    escape(&data).into_owned()
}

/// Workflow command property values: the data escapes, plus `:` and `,`.
pub(crate) fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}
