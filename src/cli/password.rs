//! Passwords typed on the terminal, not echoed. The terminal is in raw mode while one is
//! read (as for the picker), so Ctrl-C arrives as a key: the terminal is put back as it was
//! and the command stops with exit status 130, rather than dying with echo still off.

use std::io::{self, Read};

use console::Term;

use super::raw;

/// Puts the terminal back however the read ends.
struct Restore(Option<raw::Saved>);

impl Drop for Restore {
    fn drop(&mut self) {
        if let Some(saved) = self.0.take() {
            raw::leave(saved);
        }
    }
}

/// Shows `prompt` on stderr and reads a line from the terminal on stdin without echo;
/// `None` when Ctrl-C was pressed.
pub(crate) fn read(prompt: &str) -> io::Result<Option<String>> {
    let term = Term::stderr();
    term.write_str(prompt)?;
    let Some(saved) = raw::enter()? else {
        // Not a terminal skillpack can switch to raw mode: the usual no-echo read.
        return rpassword::read_password().map(Some);
    };
    let restore = Restore(Some(saved));
    let bytes = read_line(&mut io::stdin().lock());
    drop(restore);
    term.write_line("")?;
    match bytes? {
        Some(bytes) => String::from_utf8(bytes)
            .map(Some)
            .map_err(|_| io::Error::new(io::ErrorKind::InvalidData, "it is not UTF-8 text")),
        None => Ok(None),
    }
}

const CTRL_C: u8 = 0x03;
const CTRL_D: u8 = 0x04;
const CTRL_U: u8 = 0x15;
const BACKSPACE: u8 = 0x08;
const DELETE: u8 = 0x7f;

/// The bytes typed up to Enter (or end of input, or Ctrl-D on an empty line), with
/// Backspace and Ctrl-U applied; `None` at Ctrl-C.
fn read_line(input: &mut impl Read) -> io::Result<Option<Vec<u8>>> {
    let mut line = Vec::new();
    let mut byte = [0u8; 1];
    loop {
        if input.read(&mut byte)? == 0 {
            return Ok(Some(line));
        }
        match byte[0] {
            b'\r' | b'\n' => return Ok(Some(line)),
            CTRL_C => return Ok(None),
            CTRL_D if line.is_empty() => return Ok(Some(line)),
            CTRL_U => line.clear(),
            // One character back: the bytes of a UTF-8 sequence go together.
            BACKSPACE | DELETE => {
                while let Some(last) = line.pop() {
                    if last & 0xC0 != 0x80 {
                        break;
                    }
                }
            }
            b => line.push(b),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn typed(keys: &[u8]) -> Option<String> {
        read_line(&mut &keys[..])
            .unwrap()
            .map(|b| String::from_utf8(b).unwrap())
    }

    #[test]
    fn editing_keys_apply_and_ctrl_c_interrupts() {
        assert_eq!(typed(b"secret\r").as_deref(), Some("secret"));
        assert_eq!(typed(b"secrex\x7ft\n").as_deref(), Some("secret"));
        assert_eq!(typed("pä\x7f\x7fok\r".as_bytes()).as_deref(), Some("ok"));
        assert_eq!(typed(b"junk\x15pw\r").as_deref(), Some("pw"));
        assert_eq!(typed(b"par\x03tial\r"), None);
        assert_eq!(typed(b"eof").as_deref(), Some("eof"));
    }
}
