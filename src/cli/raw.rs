//! Raw mode held for the length of a prompt, so that Ctrl-C is read as a key between key
//! reads too; output processing is kept, so `\n` still starts a new row.

#[cfg(unix)]
mod imp {
    use std::io;

    use rustix::termios::{self, OptionalActions, Termios};

    pub(crate) struct Saved(Termios);

    pub(crate) fn enter() -> io::Result<Option<Saved>> {
        let stdin = io::stdin();
        let Ok(original) = termios::tcgetattr(&stdin) else {
            // Not a terminal after all: key reads go to /dev/tty, in raw mode each.
            return Ok(None);
        };
        let mut raw = original.clone();
        raw.make_raw();
        raw.output_modes = original.output_modes;
        termios::tcsetattr(&stdin, OptionalActions::Drain, &raw)?;
        Ok(Some(Saved(original)))
    }

    pub(crate) fn leave(saved: Saved) {
        let _ = termios::tcsetattr(io::stdin(), OptionalActions::Drain, &saved.0);
    }
}

#[cfg(not(unix))]
mod imp {
    pub(crate) struct Saved;

    pub(crate) fn enter() -> std::io::Result<Option<Saved>> {
        Ok(None)
    }

    pub(crate) fn leave(_: Saved) {}
}

pub(crate) use imp::{Saved, enter, leave};
