//! The companion picker and the `[y/N]` question on a real pseudo-terminal: the binary runs
//! in a pty of a given width, keys are typed into it, and what it draws is read back through
//! a terminal emulator (`vt100`). Companions come from an index on a loopback server.

use std::fs;
use std::io::{Read, Write};
use std::num::NonZeroU16;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use portable_pty::{Child, CommandBuilder, MasterPty, PtySize, native_pty_system};

use crate::net::{self, Reply, Server, index, index_entry, skill_zip};

const COMPANIONS: [&str; 4] = [
    "customer-success-playbook",
    "crm-management",
    "sales-playbook",
    "partnership-strategy",
];

const PROMPT: &str = "Install companions of account-management?";
const DOWN: &[u8] = b"\x1b[B";
const SPACE: &[u8] = b" ";
pub(crate) const ENTER: &[u8] = b"\r";
pub(crate) const CTRL_C: &[u8] = b"\x03";

/// A temporary HOME and cache, and a loopback index serving newer versions of the four
/// companions (an index entry overrides the catalog's pinned one when it is newer).
struct Sandbox {
    home: net::Home,
    server: Server,
}

impl Sandbox {
    fn new() -> Sandbox {
        let server = Server::start();
        let entries = COMPANIONS
            .iter()
            .map(|n| index_entry(n, "9.0.0", &format!("{n}.zip")))
            .collect();
        server.route("/index.json", vec![Reply::Body(index(entries))]);
        for n in COMPANIONS {
            server.route(
                &format!("/{n}.zip"),
                vec![Reply::Body(skill_zip(n, "9.0.0"))],
            );
        }
        Sandbox {
            home: net::Home::new(),
            server,
        }
    }

    fn root(&self) -> PathBuf {
        self.home.root()
    }

    /// `skillpack ARGS… --dir ROOT` outside a terminal.
    fn run(&self, args: &[&str]) -> std::process::Output {
        let mut c = self.home.std_cmd();
        c.args(args)
            .arg("--dir")
            .arg(self.root())
            .env("SKILLPACK_INDEX", self.server.url("/index.json"));
        c.output().unwrap()
    }

    /// `skillpack install --dir ROOT ARGS…` in a pseudo-terminal `cols` wide.
    fn install_on_pty(&self, cols: u16, args: &[&str]) -> Pty {
        let mut cmd = pty_command(&self.home, assert_cmd::cargo::cargo_bin("skillpack"));
        cmd.arg("install");
        cmd.arg("--dir");
        cmd.arg(self.root());
        cmd.args(args);
        cmd.env("SKILLPACK_INDEX", self.server.url("/index.json"));
        Pty::spawn(cols, 24, cmd)
    }

    /// Skill names recorded in the root's lock, sorted.
    fn installed(&self) -> Vec<String> {
        let Ok(text) = fs::read_to_string(self.root().join(".skillpack/lock.json")) else {
            return Vec::new();
        };
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        v["skills"].as_object().unwrap().keys().cloned().collect()
    }

    fn declined_file(&self) -> PathBuf {
        self.root().join(".skillpack/declined.json")
    }
}

/// `program` to run in a pseudo-terminal with `home` as HOME and working folder, its cache
/// and fast retries, and nothing else from the environment but PATH.
pub(crate) fn pty_command(
    home: &net::Home,
    program: impl AsRef<std::ffi::OsStr>,
) -> CommandBuilder {
    let mut cmd = CommandBuilder::new(program);
    cmd.env_clear();
    cmd.env("HOME", home.home.path());
    cmd.env("PATH", std::env::var_os("PATH").unwrap_or_default());
    cmd.env("TERM", "xterm-256color");
    cmd.env("SKILLPACK_CACHE_DIR", home.cache.path());
    cmd.env("SKILLPACK_RETRY_BASE_MS", "1");
    cmd.cwd(home.home.path());
    cmd
}

/// A program running in a pseudo-terminal, its output fed to a terminal emulator.
pub(crate) struct Pty {
    screen: Arc<Mutex<vt100::Parser>>,
    writer: Box<dyn Write + Send>,
    child: Box<dyn Child + Send + Sync>,
    master: Box<dyn MasterPty + Send>,
}

impl Pty {
    pub(crate) fn spawn(cols: u16, rows: u16, cmd: CommandBuilder) -> Pty {
        let pair = native_pty_system()
            .openpty(PtySize {
                rows,
                cols,
                pixel_width: 0,
                pixel_height: 0,
            })
            .unwrap();
        let child = pair.slave.spawn_command(cmd).unwrap();
        drop(pair.slave);
        let mut reader = pair.master.try_clone_reader().unwrap();
        let writer = pair.master.take_writer().unwrap();
        let size = |n| NonZeroU16::new(n).unwrap();
        let screen = Arc::new(Mutex::new(vt100::Parser::new(size(rows), size(cols), 0)));
        let feed = screen.clone();
        thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n) = reader.read(&mut buf) {
                if n == 0 {
                    break;
                }
                feed.lock().unwrap().process(&buf[..n]);
            }
        });
        Pty {
            screen,
            writer,
            child,
            master: pair.master,
        }
    }

    /// Makes the terminal `cols` wide (the program gets SIGWINCH) and reflows what is on the
    /// screen as tmux and most terminal emulators do: each line the terminal had wrapped is
    /// joined, then wrapped again at the new width, the cursor kept on its character, and
    /// the top rows scrolled off when the lines no longer fit. Colours are not kept, nor
    /// rows below the cursor's line.
    pub(crate) fn resize(&mut self, cols: u16) {
        let mut parser = self.screen.lock().unwrap();
        let screen = parser.screen();
        let (rows, old_cols) = (screen.size().0.get(), screen.size().1.get());
        let (cursor_row, cursor_col) = screen.cursor_position();
        let hidden = screen.hide_cursor();
        let texts: Vec<String> = screen.rows(0, old_cols).collect();
        // Each line as one text, and where the cursor is in its line.
        let mut lines: Vec<String> = vec![String::new()];
        let mut cursor = (0, 0);
        for (r, text) in texts.iter().enumerate() {
            let last = lines.len() - 1;
            if r == usize::from(cursor_row) {
                let before = lines[last].chars().count();
                cursor = (last, before + usize::from(cursor_col));
            }
            lines[last].push_str(text);
            if !screen.row_wrapped(r as u16) {
                lines.push(String::new());
            }
        }
        lines.truncate(cursor.0 + 1);
        let size = |n| NonZeroU16::new(n).unwrap();
        let mut fresh = vt100::Parser::new(size(rows), size(cols), 0);
        let mut bytes = String::new();
        for (i, line) in lines.iter().enumerate() {
            if i == cursor.0 {
                let chars: Vec<char> = line.chars().collect();
                let at = cursor.1.min(chars.len());
                bytes.extend(&chars[..at]);
                bytes.push_str(&" ".repeat(cursor.1 - at));
                bytes.push_str("\x1b7");
                bytes.extend(&chars[at..]);
                bytes.push_str("\x1b8");
            } else {
                bytes.push_str(line);
                bytes.push_str("\r\n");
            }
        }
        if hidden {
            bytes.push_str("\x1b[?25l");
        }
        fresh.process(bytes.as_bytes());
        *parser = fresh;
        self.master
            .resize(PtySize {
                rows,
                cols,
                pixel_width: 0,
                pixel_height: 0,
            })
            .unwrap();
    }

    pub(crate) fn contents(&self) -> String {
        self.screen.lock().unwrap().screen().contents()
    }

    fn cursor_hidden(&self) -> bool {
        self.screen.lock().unwrap().screen().hide_cursor()
    }

    /// The rows of the screen as they are drawn, one string per row.
    pub(crate) fn rows(&self) -> Vec<String> {
        let parser = self.screen.lock().unwrap();
        let screen = parser.screen();
        screen.rows(0, screen.size().1.get()).collect()
    }

    /// The rows of the picker (from its prompt to its help line) that the terminal wrapped
    /// onto the next one. The status lines above it are ordinary output, written once,
    /// which a narrow terminal may wrap.
    fn wrapped_picker_rows(&self) -> Vec<u16> {
        let rows = self.rows();
        let first = rows
            .iter()
            .position(|r| r.starts_with("Install companions"))
            .unwrap();
        let last = rows
            .iter()
            .rposition(|r| r.starts_with("space ticks"))
            .unwrap();
        self.wrapped_rows()
            .into_iter()
            .filter(|r| (first..=last).contains(&usize::from(*r)))
            .collect()
    }

    /// Rows the terminal wrapped onto the next one.
    pub(crate) fn wrapped_rows(&self) -> Vec<u16> {
        let parser = self.screen.lock().unwrap();
        let screen = parser.screen();
        (0..screen.size().0.get())
            .filter(|r| screen.row_wrapped(*r))
            .collect()
    }

    /// Waits (at most 20 s) until the screen satisfies `done`; its contents.
    pub(crate) fn wait_for(&self, what: &str, done: impl Fn(&str) -> bool) -> String {
        let start = Instant::now();
        loop {
            let text = self.contents();
            if done(&text) {
                return text;
            }
            if start.elapsed() > Duration::from_secs(20) {
                panic!("timed out waiting for {what}; the screen:\n{text}");
            }
            thread::sleep(Duration::from_millis(20));
        }
    }

    /// Types `keys`, one key at a time, each after the previous one was drawn.
    pub(crate) fn keys(&mut self, keys: &[&[u8]]) {
        for key in keys {
            self.writer.write_all(key).unwrap();
            self.writer.flush().unwrap();
            thread::sleep(Duration::from_millis(150));
        }
    }

    /// Waits (at most 60 s) for the program to exit; its exit status.
    pub(crate) fn exit_code(&mut self) -> u32 {
        let start = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                // Let the reader drain what was written last.
                thread::sleep(Duration::from_millis(200));
                return status.exit_code();
            }
            if start.elapsed() > Duration::from_secs(60) {
                let _ = self.child.kill();
                panic!("still running; the screen:\n{}", self.contents());
            }
            thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Pty {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
        }
    }
}

/// Every file under `dir` with its bytes, links and special files by their kind.
fn snapshot(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out: Vec<(String, Vec<u8>)> = walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(Result::ok)
        .map(|e| {
            let rel = e.path().strip_prefix(dir).unwrap().display().to_string();
            let t = e.file_type();
            let data = if t.is_file() {
                fs::read(e.path()).unwrap()
            } else if t.is_dir() {
                b"<dir>".to_vec()
            } else {
                b"<other>".to_vec()
            };
            (rel, data)
        })
        .collect();
    out.sort();
    out
}

/// Moving and ticking at `cols` columns: one row per companion, nothing wrapped, and
/// exactly the ticked ones installed; the others are remembered as declined.
fn pick_two(cols: u16) {
    let sb = Sandbox::new();
    let mut pty = sb.install_on_pty(cols, &[]);
    pty.wait_for("the picker", |s| s.contains(PROMPT));
    // down, tick crm-management; down, down, tick partnership-strategy.
    pty.keys(&[DOWN, SPACE, DOWN, DOWN, SPACE]);
    let screen = pty.wait_for("the second tick", |s| {
        s.contains("> [x] partnership-strategy")
    });
    println!("the picker at {cols} columns after moving and ticking:\n{screen}");
    for name in COMPANIONS {
        let rows = screen.matches(&format!("] {name} ")).count();
        assert_eq!(rows, 1, "{name}:\n{screen}");
        // Nowhere else on the screen either: no table of them above the picker.
        assert_eq!(screen.matches(name).count(), 1, "{name}:\n{screen}");
    }
    assert!(screen.contains("  [x] crm-management"), "{screen}");
    assert!(screen.contains("  [ ] sales-playbook"), "{screen}");
    assert_eq!(pty.wrapped_picker_rows(), Vec::<u16>::new(), "{screen}");
    let rows = pty.rows();
    let first = rows
        .iter()
        .position(|r| r.starts_with("Install companions"))
        .unwrap();
    for row in &rows[first..first + 6] {
        assert!(row.chars().count() < usize::from(cols), "{row:?}");
    }
    assert!(pty.cursor_hidden(), "the picker hides the cursor");
    pty.keys(&[ENTER]);
    assert_eq!(pty.exit_code(), 0, "{}", pty.contents());
    assert!(!pty.cursor_hidden(), "{}", pty.contents());
    assert_eq!(
        sb.installed(),
        [
            "account-management",
            "crm-management",
            "partnership-strategy"
        ]
    );
    let declined = fs::read_to_string(sb.declined_file()).unwrap();
    assert!(
        declined.contains("\"customer-success-playbook\""),
        "{declined}"
    );
    assert!(declined.contains("\"sales-playbook\""), "{declined}");
    assert!(!declined.contains("crm-management"), "{declined}");
}

#[test]
fn picker_at_60_columns_draws_each_companion_once_and_installs_the_ticked_ones() {
    pick_two(60);
}

#[test]
fn picker_at_120_columns_draws_each_companion_once_and_installs_the_ticked_ones() {
    pick_two(120);
}

#[test]
fn picker_redrawn_after_the_terminal_narrows_leaves_no_old_rows_behind() {
    let sb = Sandbox::new();
    let mut pty = sb.install_on_pty(100, &[]);
    pty.wait_for("the picker", |s| s.contains(PROMPT));
    pty.resize(45);
    thread::sleep(Duration::from_millis(100));
    pty.keys(&[DOWN]);
    let screen = pty.wait_for("the redrawn picker", |s| s.contains("> [ ] crm-management"));
    println!("the picker after narrowing to 45 columns:\n{screen}");
    assert_eq!(screen.matches(PROMPT).count(), 1, "{screen}");
    assert_eq!(screen.matches("space ticks").count(), 1, "{screen}");
    for name in COMPANIONS {
        // Long names are cut at 45 columns: their first ten characters.
        assert_eq!(screen.matches(&name[..10]).count(), 1, "{name}:\n{screen}");
    }
    assert_eq!(pty.wrapped_picker_rows(), Vec::<u16>::new(), "{screen}");
    for row in pty.rows() {
        assert!(row.chars().count() <= 45, "{row:?}");
    }
    pty.keys(&[SPACE, ENTER]);
    assert_eq!(pty.exit_code(), 0, "{}", pty.contents());
    assert_eq!(sb.installed(), ["account-management", "crm-management"]);
}

#[test]
fn picker_at_40_columns_cuts_descriptions_with_an_ellipsis() {
    let sb = Sandbox::new();
    let mut pty = sb.install_on_pty(40, &[]);
    let screen = pty.wait_for("the picker", |s| s.contains("Install companions of"));
    assert_eq!(pty.wrapped_picker_rows(), Vec::<u16>::new(), "{screen}");
    assert!(screen.lines().any(|l| l.ends_with('…')), "{screen}");
    pty.keys(&[b"q"]);
    assert_eq!(pty.exit_code(), 0);
    assert_eq!(sb.installed(), ["account-management"]);
    assert!(
        !sb.declined_file().exists(),
        "q cancels: no decision is kept"
    );
}

#[test]
fn ctrl_c_at_the_picker_exits_130_shows_the_cursor_and_changes_nothing() {
    let sb = Sandbox::new();
    let out = sb.run(&["install", "--no-companions"]);
    assert!(out.status.success(), "{out:?}");
    let before = snapshot(&sb.root());
    let mut pty = sb.install_on_pty(60, &[]);
    pty.wait_for("the picker", |s| s.contains(PROMPT));
    pty.keys(&[DOWN, SPACE]);
    assert!(pty.cursor_hidden());
    pty.keys(&[CTRL_C]);
    assert_eq!(pty.exit_code(), 130, "{}", pty.contents());
    assert!(!pty.cursor_hidden(), "the cursor is shown again");
    let screen = pty.contents();
    assert!(!screen.contains("> [x]"), "the picker is erased:\n{screen}");
    assert!(screen.contains("interrupted"), "{screen}");
    assert_eq!(snapshot(&sb.root()), before, "nothing changed");
    assert_eq!(sb.installed(), ["account-management"]);
}

#[test]
fn ctrl_c_at_the_yes_no_question_exits_130_and_installs_nothing() {
    let sb = Sandbox::new();
    sb.server.route(
        "/solo.zip",
        vec![Reply::Body(skill_zip("solo-skill", "1.0.0"))],
    );
    let url = sb.server.url("/solo.zip");
    let mut pty = sb.install_on_pty(60, &[&url]);
    let screen = pty.wait_for("the question", |s| s.contains("[y/N]"));
    thread::sleep(Duration::from_millis(100));
    // The digest is said on a line of its own, which may wrap; the question takes one row.
    let row = pty.rows().iter().position(|l| l.contains("[y/N]")).unwrap() as u16;
    let wrapped = pty.wrapped_rows();
    assert!(!wrapped.contains(&row), "{screen}");
    assert!(row == 0 || !wrapped.contains(&(row - 1)), "{screen}");
    pty.keys(&[CTRL_C]);
    assert_eq!(pty.exit_code(), 130, "{}", pty.contents());
    assert!(!pty.cursor_hidden());
    assert!(sb.installed().is_empty());
    assert!(!sb.root().join("solo-skill").exists());
}

#[test]
fn declined_companions_are_not_offered_again_but_still_listed_and_installable() {
    let sb = Sandbox::new();
    let mut first = sb.install_on_pty(80, &[]);
    first.wait_for("the picker", |s| s.contains(PROMPT));
    first.keys(&[ENTER]);
    assert_eq!(first.exit_code(), 0, "{}", first.contents());
    assert_eq!(sb.installed(), ["account-management"]);

    // The second install on a terminal finishes by itself: nothing is asked.
    let mut second = sb.install_on_pty(80, &[]);
    assert_eq!(second.exit_code(), 0, "{}", second.contents());
    let screen = second.contents();
    assert!(!screen.contains(PROMPT), "{screen}");
    assert!(screen.contains("declined here before"), "{screen}");

    let out = sb.run(&["companions"]);
    let table = String::from_utf8_lossy(&out.stdout);
    for name in COMPANIONS {
        let row = table.lines().find(|l| l.starts_with(name)).unwrap();
        assert!(row.contains("declined"), "{table}");
    }
    let out = sb.run(&["companions", "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(
        v["companions"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["declined"] == true && c["status"] == "missing")
    );

    let out = sb.run(&["install", "--with-companions"]);
    assert!(out.status.success(), "{out:?}");
    let mut all = vec!["account-management".to_string()];
    all.extend(COMPANIONS.iter().map(|s| s.to_string()));
    all.sort();
    assert_eq!(sb.installed(), all);
}

fn plant(path: &Path, what: &str, outside: &Path) {
    match what {
        "symlink" => std::os::unix::fs::symlink(outside, path).unwrap(),
        "fifo" => {
            let made = std::process::Command::new("mkfifo")
                .arg(path)
                .status()
                .unwrap();
            assert!(made.success());
        }
        "huge" => fs::write(path, vec![b' '; 4 << 20]).unwrap(),
        _ => fs::write(path, b"\xff\xfe{\"version\": 1, \"declined\": [\x00").unwrap(),
    }
}

#[test]
fn a_hostile_declined_file_neither_blocks_the_install_nor_is_followed() {
    for what in ["symlink", "fifo", "huge", "garbage"] {
        let sb = Sandbox::new();
        let out = sb.run(&["install", "--no-companions"]);
        assert!(out.status.success(), "{out:?}");
        // Outside the root, a record declining every companion: followed, it would hide them.
        let outside = sb.home.home.path().join("outside.json");
        let text = serde_json::json!({"version": 1, "declined": COMPANIONS}).to_string();
        fs::write(&outside, &text).unwrap();
        plant(&sb.declined_file(), what, &outside);

        let out = sb.run(&["install"]);
        assert!(out.status.success(), "{what}: {out:?}");
        let mut pty = sb.install_on_pty(80, &[]);
        pty.wait_for("the picker", |s| s.contains(PROMPT));
        pty.keys(&[ENTER]);
        assert_eq!(pty.exit_code(), 0, "{what}: {}", pty.contents());
        assert_eq!(sb.installed(), ["account-management"], "{what}");
        assert_eq!(fs::read_to_string(&outside).unwrap(), text, "{what}");
        let kind = fs::symlink_metadata(sb.declined_file())
            .unwrap()
            .file_type();
        match what {
            "symlink" => assert!(kind.is_symlink()),
            "fifo" => assert!(!kind.is_file() && !kind.is_dir()),
            _ => {
                // A damaged regular file is replaced by a good one.
                let now = fs::read_to_string(sb.declined_file()).unwrap();
                assert!(now.contains("\"sales-playbook\""), "{what}: {now}");
            }
        }
    }
}

// ------------------------------------------------- choosing skills of a source of several

/// A folder holding alpha, beta and gamma under `skills/`.
fn collection(home: &Path) -> PathBuf {
    let dir = home.join("collection");
    for name in ["alpha", "beta", "gamma"] {
        for (p, d) in net::skill_files(name, "1.0.0") {
            let f = dir.join("skills").join(name).join(p);
            fs::create_dir_all(f.parent().unwrap()).unwrap();
            fs::write(f, d).unwrap();
        }
    }
    dir
}

#[test]
fn a_source_of_several_skills_offers_a_picker_on_a_terminal() {
    let s = Sandbox::new();
    let dir = collection(s.home.home.path());
    let mut pty = s.install_on_pty(60, &[dir.to_str().unwrap(), "--no-companions"]);
    let screen = pty.wait_for("the skill picker", |t| t.contains("space ticks"));
    for name in ["alpha", "beta", "gamma"] {
        let rows = screen.matches(&format!("] {name} ")).count();
        assert_eq!(rows, 1, "{name}:\n{screen}");
    }
    pty.keys(&[DOWN, SPACE, ENTER]);
    assert_eq!(pty.exit_code(), 0, "{}", pty.contents());
    assert_eq!(s.installed(), ["beta"]);
    assert!(!pty.cursor_hidden());
}

#[test]
fn ctrl_c_at_the_skill_picker_exits_130_and_installs_nothing() {
    let s = Sandbox::new();
    let dir = collection(s.home.home.path());
    let mut pty = s.install_on_pty(120, &[dir.to_str().unwrap(), "--no-companions"]);
    pty.wait_for("the skill picker", |t| t.contains("space ticks"));
    pty.keys(&[SPACE, CTRL_C]);
    assert_eq!(pty.exit_code(), 130, "{}", pty.contents());
    assert!(s.installed().is_empty());
    assert!(!pty.cursor_hidden());
}

// ------------------------------------------------------------ declined companions

/// A skill `lead` that recommends `delta`, which an index on `server` holds: after `delta`
/// is declined at the picker, the command printed to list it names `lead`, and lists it.
#[test]
fn the_command_printed_after_declining_lists_the_declined_companion() {
    let home = net::Home::new();
    let server = Server::start();
    let entry = index_entry("delta", "1.0.0", "delta.zip");
    server.route("/index.json", vec![Reply::Body(index(vec![entry]))]);
    server.route("/delta.zip", vec![Reply::Body(skill_zip("delta", "1.0.0"))]);
    let lead = home.home.path().join("lead");
    fs::create_dir_all(&lead).unwrap();
    fs::write(
        lead.join("SKILL.md"),
        "---\nname: lead\ndescription: The lead skill.\nmetadata:\n  recommended_skills: \"delta\"\n---\n# lead\n",
    )
    .unwrap();
    let root = home.home.path().join("team-root");
    let mut cmd = pty_command(&home, assert_cmd::cargo::cargo_bin("skillpack"));
    cmd.args(["install", "./lead", "--dir"]);
    cmd.arg(&root);
    cmd.env("SKILLPACK_INDEX", server.url("/index.json"));
    let mut pty = Pty::spawn(250, 24, cmd);
    pty.wait_for("the picker", |s| s.contains("Install companions of lead?"));
    pty.keys(&[ENTER]);
    assert_eq!(pty.exit_code(), 0, "{}", pty.contents());
    let screen = pty.contents();
    let line = screen
        .lines()
        .find(|l| l.contains("Declined"))
        .unwrap_or_else(|| panic!("{screen}"));
    let printed = line.split('`').nth(1).unwrap_or_else(|| panic!("{line}"));
    let words = shlex::split(printed).unwrap();
    assert_eq!(words[..3], ["skillpack", "companions", "lead"], "{line}");

    let out = home
        .std_cmd()
        .args(&words[1..])
        .env("SKILLPACK_INDEX", server.url("/index.json"))
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let table = String::from_utf8_lossy(&out.stdout);
    let row = table
        .lines()
        .find(|l| l.starts_with("delta"))
        .unwrap_or_else(|| panic!("{table}"));
    assert!(row.contains("declined"), "{table}");
}
