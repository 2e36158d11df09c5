//! Checks of a skill beyond its frontmatter: the Markdown body (length, links and
//! `references/…` paths that point nowhere) and the files in the folder (size, junk).
//! Everything here is a warning: the skill loads, but something in it is likely broken.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use super::rules::{RuleId, Sink};

/// The specification's advice: keep `SKILL.md` under 500 lines, detail in other files.
pub(crate) const BODY_MAX_LINES: usize = 500;
/// Files over this size bloat every install and upload.
pub(crate) const LARGE_FILE: u64 = 1024 * 1024;
/// Folders the body may point into, by the specification's convention.
const RESOURCE_DIRS: &[&str] = &["references/", "scripts/", "assets/"];

/// Checks the body of `SKILL.md`, which starts on line `first_line` of the file; `dir` is
/// the skill folder that relative paths are resolved against.
pub(crate) fn check_body(sink: &mut Sink<'_>, dir: &Path, body: &str, first_line: usize) {
    let lines = body.lines().count();
    if lines > BODY_MAX_LINES {
        sink.push(
            RuleId::BodyTooLong,
            first_line + BODY_MAX_LINES,
            1,
            format!(
                "the body is {lines} lines long; keep SKILL.md under {BODY_MAX_LINES} lines by moving detail into files under references/"
            ),
        );
    }
    let mut checked: HashSet<String> = HashSet::new();
    let mut fence: Option<(char, usize)> = None;
    for (i, line) in body.lines().enumerate() {
        let line_no = first_line + i;
        if let Some(f) = fence_marker(line) {
            match fence {
                None => fence = Some(f),
                Some((c, n)) if f.0 == c && f.1 >= n && is_fence_close(line) => fence = None,
                Some(_) => {}
            }
            continue;
        }
        let found = if fence.is_none() {
            links(line, &code_span_mask(line))
        } else {
            Vec::new()
        };
        for link in &found {
            check_link(sink, dir, link, line_no, &mut checked);
        }
        let targets: Vec<(usize, usize)> = found.iter().map(|l| l.range).collect();
        // Paths are looked for in code too: `python scripts/x.py` is how scripts are named.
        for (col, path) in resource_paths(line, &targets) {
            if checked.insert(path.clone()) && !dir.join(&path).exists() {
                sink.push(
                    RuleId::MissingReference,
                    line_no,
                    col,
                    format!(
                        "`{path}` is not in the skill folder; add the file or correct the path"
                    ),
                );
            }
        }
    }
}

/// A link target found in a line, with its 1-based column.
struct Link {
    col: usize,
    target: String,
    /// Byte range of the target in the line, which the path scan leaves to the link check.
    range: (usize, usize),
}

fn check_link(
    sink: &mut Sink<'_>,
    dir: &Path,
    link: &Link,
    line: usize,
    checked: &mut HashSet<String>,
) {
    let Some(path) = local_target(&link.target) else {
        return;
    };
    if !checked.insert(path.clone()) {
        return;
    }
    match normalize(&path) {
        None => sink.push(
            RuleId::LinkOutsideSkill,
            line,
            link.col,
            format!(
                "the link to `{}` leaves the skill folder, so it breaks once the skill is installed; copy the file into the folder and link to the copy",
                link.target
            ),
        ),
        Some(rel) if !dir.join(&rel).exists() => sink.push(
            RuleId::BrokenLink,
            line,
            link.col,
            format!(
                "the link to `{}` points to a file missing from the skill folder; add `{}` or correct the link",
                link.target,
                rel.display()
            ),
        ),
        Some(_) => {}
    }
}

/// The file a link target names inside the skill, or `None` for URLs, anchors, absolute
/// paths and templates.
fn local_target(target: &str) -> Option<String> {
    let target = target.trim();
    let path = target.split(['#', '?']).next().unwrap_or_default();
    if path.is_empty()
        || path.starts_with(['/', '\\', '~'])
        || path.contains(['$', '{', '}', '*'])
        || has_scheme(path)
    {
        return None;
    }
    Some(percent_decode(path))
}

/// `https:`, `mailto:` and other URL schemes (a letter, then letters, digits, `+.-`).
fn has_scheme(s: &str) -> bool {
    match s.split_once(':') {
        Some((scheme, _)) => {
            scheme
                .chars()
                .next()
                .is_some_and(|c| c.is_ascii_alphabetic())
                && scheme
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '.' | '-'))
        }
        None => false,
    }
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && let Some(b) = s
                .get(i + 1..i + 3)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        {
            out.push(b);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8(out).unwrap_or_else(|_| s.to_string())
}

/// `path` with `.` and `..` resolved, or `None` when it climbs out of the folder.
fn normalize(path: &str) -> Option<PathBuf> {
    crate::paths::within(Path::new(path))
}

/// A fenced code block marker (```` ``` ```` or `~~~`, up to three spaces in): its
/// character and length.
fn fence_marker(line: &str) -> Option<(char, usize)> {
    let indent = line.len() - line.trim_start_matches(' ').len();
    if indent > 3 {
        return None;
    }
    let rest = &line[indent..];
    let c = rest.chars().next().filter(|c| matches!(c, '`' | '~'))?;
    let n = rest.chars().take_while(|x| *x == c).count();
    (n >= 3).then_some((c, n))
}

/// A closing fence carries nothing after its marker.
fn is_fence_close(line: &str) -> bool {
    line.trim().chars().all(|c| matches!(c, '`' | '~'))
}

/// For each byte of `line`, whether it lies inside an inline code span (empty when the
/// line has none).
fn code_span_mask(line: &str) -> Vec<bool> {
    if !line.contains('`') {
        return Vec::new();
    }
    let bytes = line.as_bytes();
    let mut mask = vec![false; bytes.len()];
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] != b'`' {
            i += 1;
            continue;
        }
        let run = bytes[i..].iter().take_while(|b| **b == b'`').count();
        let open_end = i + run;
        // The span closes at the next run of exactly the same length.
        let mut j = open_end;
        let mut close = None;
        while j < bytes.len() {
            if bytes[j] == b'`' {
                let r = bytes[j..].iter().take_while(|b| **b == b'`').count();
                if r == run {
                    close = Some(j);
                    break;
                }
                j += r;
            } else {
                j += 1;
            }
        }
        match close {
            Some(c) => {
                mask[i..c + run].iter_mut().for_each(|m| *m = true);
                i = c + run;
            }
            None => i = open_end,
        }
    }
    mask
}

/// Inline links and images (`[text](target "title")`) and reference definitions
/// (`[id]: target`) outside code spans.
fn links(line: &str, code: &[bool]) -> Vec<Link> {
    let mut out = Vec::new();
    if !line.contains('[') {
        return out;
    }
    let trimmed = line.trim_start();
    let indent = line.len() - trimmed.len();
    if indent <= 3
        && trimmed.starts_with('[')
        && let Some(end) = trimmed.find("]:")
    {
        let rest = &trimmed[end + 2..];
        let target = rest.trim_start();
        let start = indent + end + 2 + (rest.len() - target.len());
        let target = target.split_whitespace().next().unwrap_or_default();
        let target = target.trim_start_matches('<').trim_end_matches('>');
        if !target.is_empty() {
            out.push(Link {
                col: col_of(line, start),
                target: target.to_string(),
                range: (start, line.len()),
            });
        }
        return out;
    }
    let mut from = 0;
    while let Some(pos) = line[from..].find("](") {
        let open = from + pos + 2;
        from = open;
        if code.get(open - 2).copied().unwrap_or(false) {
            continue;
        }
        let rest = &line[open..];
        let (target, len) = if let Some(inner) = rest.strip_prefix('<') {
            match inner.find('>') {
                Some(e) => (&inner[..e], e + 2),
                None => continue,
            }
        } else {
            // Balanced parentheses may appear inside a target.
            let mut depth = 0usize;
            let mut end = None;
            for (k, b) in rest.bytes().enumerate() {
                match b {
                    b'(' => depth += 1,
                    b')' if depth == 0 => {
                        end = Some(k);
                        break;
                    }
                    b')' => depth -= 1,
                    b' ' | b'\t' if depth == 0 => {
                        end = Some(k);
                        break;
                    }
                    _ => {}
                }
            }
            match end {
                // After a space only a title may follow, else this is not a link.
                Some(e) if rest.as_bytes()[e] != b')' => {
                    let after = rest[e..].trim_start();
                    if !after.starts_with(['"', '\'', '(']) {
                        continue;
                    }
                    (&rest[..e], e)
                }
                Some(e) => (&rest[..e], e),
                None => continue,
            }
        };
        if !target.is_empty() {
            out.push(Link {
                col: col_of(line, open),
                target: target.to_string(),
                range: (open, open + len),
            });
        }
        from = open + len.min(rest.len());
    }
    out
}

/// `references/…`, `scripts/…` and `assets/…` paths in a line, each with its 1-based
/// column. A path inside another path (`src/assets/x`), a glob or a placeholder
/// (`references/<topic>.md`) is not one.
fn resource_paths(line: &str, skip: &[(usize, usize)]) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    if !line.contains("s/") {
        return out;
    }
    for dir in RESOURCE_DIRS {
        let mut from = 0;
        while let Some(pos) = line[from..].find(dir) {
            let start = from + pos;
            from = start + dir.len();
            if skip.iter().any(|(a, b)| (*a..*b).contains(&start)) {
                continue;
            }
            let before = &line[..start];
            let standalone = match before.chars().next_back() {
                None => true,
                Some('/') => {
                    before.ends_with("./") && !before.ends_with("../") && {
                        let b = &before[..before.len() - 2];
                        b.chars().next_back().is_none_or(|c| !is_path_char(c))
                    }
                }
                Some(c) => !is_path_char(c),
            };
            if !standalone {
                continue;
            }
            let tail = &line[start..];
            let len = tail
                .char_indices()
                .find(|(_, c)| !is_path_char(*c))
                .map_or(tail.len(), |(i, _)| i);
            let next = tail[len..].chars().next();
            if matches!(next, Some('*' | '?' | '{' | '<' | '$' | '[')) {
                continue;
            }
            let path = tail[..len].trim_end_matches(['.', ',', ':', ';']);
            if path.len() <= dir.len() || path.contains("..") {
                continue;
            }
            out.push((col_of(line, start), path.to_string()));
        }
    }
    out.sort();
    out
}

fn is_path_char(c: char) -> bool {
    c.is_alphanumeric() || matches!(c, '-' | '_' | '.' | '/' | '+' | '@' | '%')
}

/// The 1-based column, in characters, of byte offset `byte` of `line`.
fn col_of(line: &str, byte: usize) -> usize {
    line[..byte].chars().count() + 1
}

/// Checks the files of the skill folder: junk that should not ship, and files too large to.
/// Folders of nested skills are theirs to check; `.git` is never shipped; symbolic links
/// are not followed.
pub(crate) fn check_files(sink: &mut Sink<'_>, dir: &Path) {
    scan(sink, dir, true);
}

fn scan(sink: &mut Sink<'_>, dir: &Path, top: bool) {
    let Ok(list) = std::fs::read_dir(dir) else {
        return;
    };
    let entries: Vec<std::fs::DirEntry> = list.flatten().collect();
    // Found in the listing already read, so telling a nested skill costs no extra call.
    if !top
        && entries
            .iter()
            .any(|e| e.file_name() == "SKILL.md" || e.file_name() == "skill.md")
    {
        return;
    }
    for entry in entries {
        let Ok(kind) = entry.file_type() else {
            continue;
        };
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if name == ".git" {
            continue;
        }
        if super::junk::is_junk(&name) {
            sink.push_file(
                RuleId::JunkFile,
                entry.path(),
                format!(
                    "`{name}` is {}, not part of the skill (pack leaves it out); delete it and list it in .gitignore",
                    super::junk::what(&name)
                ),
            );
        } else if kind.is_dir() {
            scan(sink, &entry.path(), false);
        } else if kind.is_file()
            && let Ok(meta) = entry.metadata()
            && meta.len() > LARGE_FILE
        {
            sink.push_file(
                RuleId::LargeFile,
                entry.path(),
                format!(
                    "the file is {:.1} MiB; files over 1 MiB slow every install and upload: shrink it, or fetch it from a script at run time",
                    meta.len() as f64 / (1024.0 * 1024.0)
                ),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn targets(line: &str) -> Vec<(usize, String)> {
        links(line, &code_span_mask(line))
            .into_iter()
            .map(|l| (l.col, l.target))
            .collect()
    }

    #[test]
    fn finds_inline_links_images_and_definitions() {
        assert_eq!(
            targets("See [the guide](references/guide.md \"Guide\") and ![x](assets/a b.png)."),
            vec![(17, "references/guide.md".to_string())]
        );
        assert_eq!(
            targets("[ref]: ./docs/x.md"),
            vec![(8, "./docs/x.md".to_string())]
        );
        assert_eq!(
            targets("[a](<my file.md>)"),
            vec![(5, "my file.md".to_string())]
        );
        assert_eq!(targets("[a](x_(1).md)"), vec![(5, "x_(1).md".to_string())]);
        assert!(targets("`[a](b.md)` is code").is_empty());
    }

    #[test]
    fn link_targets_outside_the_skill_are_told_apart() {
        assert_eq!(local_target("https://example.com/a"), None);
        assert_eq!(local_target("mailto:a@b.c"), None);
        assert_eq!(local_target("#section"), None);
        assert_eq!(local_target("/etc/passwd"), None);
        assert_eq!(local_target("a%20b.md#top").as_deref(), Some("a b.md"));
        assert_eq!(normalize("./a/../b.md"), Some(PathBuf::from("b.md")));
        assert_eq!(normalize("../other/SKILL.md"), None);
    }

    #[test]
    fn finds_resource_paths_but_not_placeholders() {
        let found = |l: &str| {
            resource_paths(l, &[])
                .into_iter()
                .map(|(_, p)| p)
                .collect::<Vec<_>>()
        };
        assert_eq!(
            found("Run `python scripts/fill.py in.pdf`."),
            vec!["scripts/fill.py"]
        );
        assert_eq!(found("Read references/api.md."), vec!["references/api.md"]);
        assert_eq!(found("see ./assets/logo.png"), vec!["assets/logo.png"]);
        assert!(found("references/<topic>.md and references/*.md").is_empty());
        assert!(found("src/assets/app.js and the references/ folder").is_empty());
        assert!(found("../scripts/x.py").is_empty());
    }

    #[test]
    fn code_spans_are_masked() {
        let mask = code_span_mask("a `b` ``c ` d`` e");
        let inside: String = "a `b` ``c ` d`` e"
            .chars()
            .zip(&mask)
            .filter(|(_, m)| **m)
            .map(|(c, _)| c)
            .collect();
        assert_eq!(inside, "`b```c ` d``");
    }
}
