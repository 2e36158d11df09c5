//! The safe reader: reads an archive's central directory and refuses it whole if any entry
//! is unsafe, before a single byte is inflated; then locates the skill root.

use std::collections::{BTreeSet, HashMap};
use std::io::{Read, Seek};

use zip::{CompressionMethod, ZipArchive};

use super::error::{BundleError, SafetyRule};
use super::rules::{Limits, check_entry_name, collision_key};

/// What [`inspect`] found: the skill root inside the archive and the files to extract.
#[derive(Debug, Clone)]
pub struct Plan {
    /// The skill root's path inside the archive, without a trailing slash; empty when
    /// `SKILL.md` sits at the archive root.
    pub root: String,
    pub files: Vec<PlannedFile>,
}

impl Plan {
    /// The last component of the skill root, when the skill sits in a folder.
    pub fn folder_name(&self) -> Option<&str> {
        self.root.rsplit('/').next().filter(|s| !s.is_empty())
    }
}

#[derive(Debug, Clone)]
pub struct PlannedFile {
    pub index: usize,
    /// The full entry name, for messages.
    pub entry: String,
    /// Path relative to the skill root, forward slashes.
    pub path: String,
    /// Uncompressed size as the header declares it; enforced while inflating.
    pub size: u64,
    pub compressed: u64,
    pub executable: bool,
}

/// Opens a zip, mapping every failure to [`BundleError::NotAZip`].
pub fn open_archive<R: Read + Seek>(reader: R) -> Result<ZipArchive<R>, BundleError> {
    ZipArchive::new(reader).map_err(|e| BundleError::NotAZip {
        reason: e.to_string(),
    })
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    File,
    Dir,
}

/// Where the skill root of an archive is.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum SkillAt {
    /// `SKILL.md` at the archive root, or exactly one top-level folder holding it.
    #[default]
    Find,
    /// This folder inside the archive's single top folder (a repository archive; empty:
    /// the repository root).
    InTop(String),
    /// This folder from the archive root (empty: the root itself).
    Exact(String),
}

/// The folders of an archive holding a `SKILL.md`, from the archive root (empty for the
/// root itself), sorted and each once.
pub fn skill_dirs<'a>(names: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    let mut dirs: Vec<String> = names
        .into_iter()
        .filter_map(|n| {
            let dir = n.strip_suffix("SKILL.md")?;
            (dir.is_empty() || dir.ends_with('/')).then(|| dir.trim_end_matches('/').to_string())
        })
        .collect();
    dirs.sort();
    dirs.dedup();
    dirs
}

/// Checks every entry against the rules of DESIGN section 8 and finds the skill root
/// `at` says; with a given folder, entries elsewhere are checked but not planned.
pub fn inspect<R: Read + Seek>(
    archive: &mut ZipArchive<R>,
    limits: &Limits,
    at: &SkillAt,
) -> Result<Plan, BundleError> {
    if archive.len() > limits.max_entries {
        return Err(BundleError::Limit {
            rule: SafetyRule::TooManyEntries,
            message: format!(
                "{} entries, the limit is {}",
                archive.len(),
                limits.max_entries
            ),
            flag: "--max-files",
        });
    }
    // The archive's name index keeps one entry per name (so the name itself is no longer
    // at hand); duplicates are only visible here.
    if archive.has_duplicate_names() {
        return Err(BundleError::Unsafe {
            entry: "(central directory)".into(),
            rule: SafetyRule::Collision,
            message: "the entry appears twice".into(),
        });
    }
    // Entries sharing compressed bytes are the classic non-recursive zip bomb.
    if archive.has_overlapping_entries().unwrap_or(true) {
        return Err(BundleError::Unsafe {
            entry: "(central directory)".into(),
            rule: SafetyRule::OverlappingEntries,
            message: "entries overlap each other in the archive".into(),
        });
    }
    let mut seen: HashMap<String, (Kind, String)> = HashMap::new();
    let mut files: Vec<(usize, String, u64, u64, bool)> = Vec::new();
    let mut total = 0u64;
    for index in 0..archive.len() {
        let f = archive
            .by_index_raw(index)
            .map_err(|e| BundleError::Corrupt {
                entry: format!("#{index}"),
                reason: e.to_string(),
            })?;
        let raw_is_dir = f.name_raw().ends_with(b"/");
        let name = check_entry_name(f.name_raw())?.to_string();
        let refuse = |rule: SafetyRule, message: &str| BundleError::Unsafe {
            entry: name.clone(),
            rule,
            message: message.into(),
        };
        if f.encrypted() {
            return Err(refuse(SafetyRule::Encrypted, "the entry is encrypted"));
        }
        let file_type = f.unix_mode().map(|m| m & 0o170_000).unwrap_or(0);
        if f.is_symlink() || file_type == 0o120_000 {
            return Err(refuse(SafetyRule::Symlink, "the entry is a symbolic link"));
        }
        if file_type != 0 && file_type != 0o100_000 && file_type != 0o040_000 {
            return Err(refuse(
                SafetyRule::SpecialFile,
                "the entry is a device, FIFO or other special file",
            ));
        }
        let is_dir = raw_is_dir || file_type == 0o040_000;
        if !is_dir
            && !matches!(
                f.compression(),
                CompressionMethod::Stored | CompressionMethod::Deflated
            )
        {
            return Err(refuse(
                SafetyRule::UnsupportedCompression,
                &format!(
                    "compression method {:?} is not supported (use deflate)",
                    f.compression()
                ),
            ));
        }
        register(
            &mut seen,
            &name,
            if is_dir { Kind::Dir } else { Kind::File },
        )?;
        if is_dir {
            continue;
        }
        let size = f.size();
        limits.count_entry(&mut total, &name, size, ("entries", None))?;
        check_ratio(&name, size, f.compressed_size(), limits)?;
        let executable = f.unix_mode().is_some_and(|m| m & 0o111 != 0);
        files.push((index, name, size, f.compressed_size(), executable));
    }

    let names: BTreeSet<&str> = files.iter().map(|f| f.1.as_str()).collect();
    let is_aside = |n: &str| n.split('/').next() == Some("__MACOSX");
    let root = match at {
        SkillAt::Exact(sub) => {
            let sub = sub.trim_matches('/');
            let md = if sub.is_empty() {
                "SKILL.md".to_string()
            } else {
                format!("{sub}/SKILL.md")
            };
            if !names.contains(md.as_str()) {
                return Err(BundleError::NoSkill {
                    hint: format!(" at `{sub}` in the archive"),
                });
            }
            sub.to_string()
        }
        SkillAt::InTop(sub) => {
            let tops: BTreeSet<&str> = names.iter().filter_map(|n| n.split('/').next()).collect();
            let [top] = tops.into_iter().collect::<Vec<_>>()[..] else {
                return Err(BundleError::NoSkill {
                    hint: " (a repository archive must hold exactly one top-level folder)".into(),
                });
            };
            let sub = sub.trim_matches('/');
            let root = if sub.is_empty() {
                top.to_string()
            } else {
                format!("{top}/{sub}")
            };
            if !names.contains(format!("{root}/SKILL.md").as_str()) {
                return Err(BundleError::NoSkill {
                    hint: format!(" at `{sub}` in the repository"),
                });
            }
            root
        }
        SkillAt::Find if names.contains("SKILL.md") => String::new(),
        SkillAt::Find => {
            let roots: Vec<&str> = names
                .iter()
                .filter_map(|n| n.strip_suffix("/SKILL.md"))
                .filter(|r| !r.contains('/'))
                .collect();
            match roots[..] {
                [] => {
                    return Err(BundleError::NoSkill {
                        hint: " at the archive root or in a single top-level folder".into(),
                    });
                }
                [root] => {
                    let prefix = format!("{root}/");
                    if let Some(stray) = names
                        .iter()
                        .find(|n| !n.starts_with(&prefix) && !is_aside(n))
                    {
                        return Err(BundleError::Unsafe {
                            entry: stray.to_string(),
                            rule: SafetyRule::OutsideSkillRoot,
                            message: format!("the entry lies outside the skill folder `{root}/`"),
                        });
                    }
                    root.to_string()
                }
                _ => {
                    return Err(BundleError::MultipleSkills {
                        roots: roots.join(", "),
                    });
                }
            }
        }
    };

    let prefix = if root.is_empty() {
        String::new()
    } else {
        format!("{root}/")
    };
    let planned = files
        .into_iter()
        .filter(|(_, name, ..)| !is_aside(name))
        .filter_map(|(index, entry, size, compressed, executable)| {
            let path = entry.strip_prefix(&prefix)?.to_string();
            Some(PlannedFile {
                index,
                entry,
                path,
                size,
                compressed,
                executable,
            })
        })
        .collect();
    Ok(Plan {
        root,
        files: planned,
    })
}

/// Records `name` and its parent folders, refusing exact duplicates, names that differ only
/// in case, and a file standing where a folder is needed.
fn register(
    seen: &mut HashMap<String, (Kind, String)>,
    name: &str,
    kind: Kind,
) -> Result<(), BundleError> {
    let collide = |other: &str| BundleError::Unsafe {
        entry: name.to_string(),
        rule: SafetyRule::Collision,
        message: if other == name {
            "the entry appears twice".to_string()
        } else {
            format!("the entry collides with `{other}` on case-insensitive file systems")
        },
    };
    let mut parts: Vec<&str> = name.split('/').collect();
    let last = parts.pop().unwrap_or_default();
    let mut path = String::new();
    for part in parts {
        if !path.is_empty() {
            path.push('/');
        }
        path.push_str(part);
        match seen.get(&collision_key(&path)) {
            Some((Kind::Dir, orig)) if orig == &path => {}
            Some((_, orig)) => return Err(collide(orig)),
            None => {
                seen.insert(collision_key(&path), (Kind::Dir, path.clone()));
            }
        }
    }
    if !path.is_empty() {
        path.push('/');
    }
    path.push_str(last);
    match seen.get(&collision_key(&path)) {
        Some((Kind::Dir, orig)) if kind == Kind::Dir && orig == &path => Ok(()),
        Some((_, orig)) => Err(collide(orig)),
        None => {
            seen.insert(collision_key(&path), (kind, path));
            Ok(())
        }
    }
}

/// Refuses an entry over the ratio floor whose inflated size is out of proportion to
/// its compressed size (a zip bomb).
pub(crate) fn check_ratio(
    name: &str,
    size: u64,
    compressed: u64,
    limits: &Limits,
) -> Result<(), BundleError> {
    if size > limits.ratio_floor && size / compressed.max(1) > limits.max_ratio {
        return Err(BundleError::Limit {
            rule: SafetyRule::CompressionRatio,
            message: format!(
                "`{name}` inflates {size} bytes from {compressed} (more than {}:1)",
                limits.max_ratio
            ),
            flag: "--max-ratio",
        });
    }
    Ok(())
}
