//! What in an output folder belongs to landcons, checked before a run touches anything.
//!
//! A run removes and replaces only what it made: result sets under `OUT/.landcons/runs/`
//! (real folders with a marker file), the link `OUT/current` into one of them, the links
//! `OUT/<name>` → `current/<name>`, and its own temporary links. Everything the run would
//! read, remove or replace is resolved first: a link that leads elsewhere (an absolute
//! link, `../keep`, `.landcons/runs/../../keep`), a folder without the marker, or a file of
//! the user's where a result goes stops the run with an error naming it, before anything
//! is written or removed. Links are never followed to decide what to remove.

use std::ffi::OsStr;
use std::fs::Metadata;
use std::path::{Component, Path, PathBuf};

use crate::error::{Error, Result};

/// The visible pointer to the current result set.
pub const CURRENT: &str = "current";
/// The folder of landcons's own working files inside an output folder.
pub const PRIVATE: &str = ".landcons";
/// Where the result sets live, below the output folder.
pub const RUNS: &str = ".landcons/runs";
/// The file that marks a folder as a result set landcons made.
pub const MARKER: &str = ".landcons-run";
/// A file every result set of earlier versions holds (the zonal cache): such a set,
/// made before the marker existed, is recognised by it.
pub const EARLIER_MARK: &str = ".landcons-zonal-cache";

/// A result name and the setting (or fixed output) that gives it, for messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResultName {
    pub name: String,
    pub key: String,
}

/// What the checks found that the run may remove: the sets killed runs left, and
/// temporary links; and the user's files `--force` allows to be replaced.
#[derive(Debug, Default)]
pub struct Inspection {
    /// The current result set, if any (checked to be ours).
    pub current: Option<PathBuf>,
    debris: Vec<PathBuf>,
    temporary_links: Vec<PathBuf>,
    /// Files not made by landcons where results go, replaced only under `--force`.
    pub replaced: Vec<PathBuf>,
    /// A copied results folder (plain files beside a landcons manifest, no `current`):
    /// the names of its result files, taken in as the earlier result set.
    pub adopted: Vec<String>,
}

/// Checks the whole output folder against what a run will do there; removes nothing.
pub fn inspect(out: &Path, names: &[ResultName], force: bool) -> Result<Inspection> {
    check_private_folders(out)?;
    let current = current_set(out)?;
    let debris = debris(out, current.as_deref())?;
    let copied = std::fs::symlink_metadata(out.join(CURRENT)).is_err() && holds_a_copied_manifest(out, names);
    let adopted = match copied {
        true => names.iter().map(|n| n.name.clone()).filter(|n| is_plain_file(&out.join(n))).collect(),
        false => Vec::new(),
    };
    let unadopted: Vec<ResultName> = names.iter().filter(|n| !adopted.contains(&n.name)).cloned().collect();
    let replaced = foreign_files(out, &unadopted, force)?;
    Ok(Inspection { current, debris, temporary_links: temporary_links(out), replaced, adopted })
}

/// A plain manifest of a successful landcons run where the result set's manifest goes:
/// the folder is a copy of results (`cp -L`, or an archive unpacked), not the user's files.
fn holds_a_copied_manifest(out: &Path, names: &[ResultName]) -> bool {
    let Some(manifest) = names.iter().find(|n| n.key == "output.manifest") else { return false };
    let path = out.join(&manifest.name);
    is_plain_file(&path) && super::Manifest::read(&path).is_some_and(|m| m.tool == "landcons")
}

fn is_plain_file(path: &Path) -> bool {
    std::fs::symlink_metadata(path).is_ok_and(|m| m.is_file())
}

impl Inspection {
    /// Removes what killed runs left (each checked by [`inspect`] to be landcons's).
    pub fn remove_debris(&self) {
        for dir in &self.debris {
            remove_result_set(dir);
        }
        for link in &self.temporary_links {
            let _ = std::fs::remove_file(link);
        }
    }
}

/// Removes a result set with its marker last, so a removal cut short leaves a folder
/// still marked as landcons's (or an empty one), which the next run removes in turn.
pub fn remove_result_set(dir: &Path) {
    let Ok(meta) = std::fs::symlink_metadata(dir) else { return };
    if !meta.is_dir() {
        let _ = std::fs::remove_file(dir);
        return;
    }
    let marks = [MARKER, EARLIER_MARK];
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        if marks.iter().any(|m| entry.file_name() == *m) {
            continue;
        }
        match entry.file_type().is_ok_and(|t| t.is_dir()) {
            true => std::fs::remove_dir_all(entry.path()),
            false => std::fs::remove_file(entry.path()),
        }
        .ok();
    }
    for mark in marks {
        let _ = std::fs::remove_file(dir.join(mark));
    }
    let _ = std::fs::remove_dir(dir);
}

/// The result set `OUT/current` points to: `None` when there is no link (or it leads to
/// no folder); an error when it is not a link, or leads anywhere but to a result set.
pub fn current_set(out: &Path) -> Result<Option<PathBuf>> {
    let link = out.join(CURRENT);
    let meta = match std::fs::symlink_metadata(&link) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(Error::output_from(&link, "cannot inspect", e)),
    };
    if !meta.file_type().is_symlink() {
        return Err(not_ours(&link, format!("is {}, not the link landcons makes to its current results", kind(&meta))));
    }
    let target = std::fs::read_link(&link).map_err(|e| Error::output_from(&link, "cannot read the link", e))?;
    let Some(id) = run_id(&target) else {
        return Err(not_ours(&link, format!("points to {}, not to a result set in {RUNS}/", target.display())));
    };
    let dir = out.join(RUNS).join(id);
    match std::fs::symlink_metadata(&dir) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(Error::output_from(&dir, "cannot inspect", e)),
        Ok(m) if m.is_dir() && is_result_set(&dir) => Ok(Some(dir)),
        Ok(m) => Err(not_ours(&dir, format!("is {} without landcons's marker {MARKER}", kind(&m)))),
    }
}

/// The run id of a link target of the one form landcons writes, `.landcons/runs/<id>`.
fn run_id(target: &Path) -> Option<&OsStr> {
    let parts: Vec<Component> = target.components().collect();
    match parts.as_slice() {
        [Component::Normal(a), Component::Normal(b), Component::Normal(id)] if *a == ".landcons" && *b == "runs" => Some(id),
        _ => None,
    }
}

/// A real folder (not a link) holding the marker as a regular file.
pub fn is_result_set(dir: &Path) -> bool {
    let regular = |name: &str| std::fs::symlink_metadata(dir.join(name)).is_ok_and(|m| m.is_file());
    std::fs::symlink_metadata(dir).is_ok_and(|m| m.is_dir()) && (regular(MARKER) || regular(EARLIER_MARK))
}

/// Where the shards of a cluster job live, below the output folder.
pub const SHARDS: &str = ".landcons/shards";

/// `.landcons`, `.landcons/runs` and `.landcons/shards`, where they exist, are real
/// folders: a link there would make every removal below it land elsewhere.
pub fn check_private_folders(out: &Path) -> Result<()> {
    for rel in [PRIVATE, RUNS, SHARDS] {
        let path = out.join(rel);
        match std::fs::symlink_metadata(&path) {
            Ok(m) if m.is_dir() => {}
            Ok(m) => return Err(not_ours(&path, format!("is {}, not the folder landcons keeps its result sets in", kind(&m)))),
            Err(_) => continue,
        }
    }
    Ok(())
}

/// Entries of `.landcons/runs/` other than the current set: sets of killed runs (marked,
/// or empty: killed before the marker was written) and links, all removable; anything
/// else is not landcons's, and stops the run.
fn debris(out: &Path, current: Option<&Path>) -> Result<Vec<PathBuf>> {
    let runs = out.join(RUNS);
    let Ok(entries) = std::fs::read_dir(&runs) else { return Ok(Vec::new()) };
    let mut found = Vec::new();
    for entry in entries.flatten() {
        let path = entry.path();
        if Some(path.as_path()) == current {
            continue;
        }
        let meta = std::fs::symlink_metadata(&path).map_err(|e| Error::output_from(&path, "cannot inspect", e))?;
        let empty = || std::fs::read_dir(&path).is_ok_and(|mut d| d.next().is_none());
        let removable = meta.file_type().is_symlink() || (meta.is_dir() && (is_result_set(&path) || empty()));
        if !removable {
            return Err(not_ours(&path, format!("is {} landcons did not make (no marker {MARKER}); move it out of {RUNS}/", kind(&meta))));
        }
        found.push(path);
    }
    Ok(found)
}

/// The temporary links a killed switch left at the top: `.<name>.<pid>.tmp`, links only.
fn temporary_links(out: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(out) else { return Vec::new() };
    entries
        .flatten()
        .filter(|e| is_temporary_name(&e.file_name().to_string_lossy()))
        .filter(|e| e.file_type().is_ok_and(|t| t.is_symlink()))
        .map(|e| e.path())
        .collect()
}

/// `.<name>.<digits>.tmp`, the name [`temporary_link`] gives.
fn is_temporary_name(name: &str) -> bool {
    let Some(inner) = name.strip_prefix('.').and_then(|n| n.strip_suffix(".tmp")) else { return false };
    inner.rsplit_once('.').is_some_and(|(base, pid)| !base.is_empty() && !pid.is_empty() && pid.bytes().all(|b| b.is_ascii_digit()))
}

/// The temporary name of a link being replaced.
pub fn temporary_link(link: &Path) -> PathBuf {
    let name = link.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    link.with_file_name(format!(".{name}.{}.tmp", std::process::id()))
}

/// Where a result name shows at the top, what is there must be nothing or landcons's own
/// link `current/<name>`. A user's file there is replaced only with `force`; a folder or
/// a link elsewhere never.
fn foreign_files(out: &Path, names: &[ResultName], force: bool) -> Result<Vec<PathBuf>> {
    let mut replaced = Vec::new();
    for n in names {
        let path = out.join(&n.name);
        let Ok(meta) = std::fs::symlink_metadata(&path) else { continue };
        if is_our_link(&path, &n.name) {
            continue;
        }
        if meta.is_file() && force {
            replaced.push(path);
            continue;
        }
        let hint = match meta.is_file() {
            true => "; move it away, give the output another name, or run with --force to replace it",
            false => "; move it away or give the output another name",
        };
        return Err(not_ours(&path, format!("is {} landcons did not write, where the result {} ({}) goes{hint}", kind(&meta), n.name, n.key)));
    }
    Ok(replaced)
}

/// `OUT/<name>` is the link `current/<name>` landcons makes.
pub fn is_our_link(path: &Path, name: &str) -> bool {
    std::fs::read_link(path).is_ok_and(|t| t == Path::new(CURRENT).join(name))
}

fn kind(meta: &Metadata) -> &'static str {
    let t = meta.file_type();
    if t.is_symlink() {
        "a link"
    } else if t.is_dir() {
        "a folder"
    } else if t.is_file() {
        "a file"
    } else {
        "a special file"
    }
}

/// The output folder holds something landcons did not make where it would read, remove
/// or replace: nothing is touched.
fn not_ours(path: &Path, what: String) -> Error {
    Error::output(path, format!("{what}; nothing was removed or replaced"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_one_link_form_names_a_run() {
        assert_eq!(run_id(Path::new(".landcons/runs/20260101T000000Z-1")), Some(OsStr::new("20260101T000000Z-1")));
        for bad in ["/tmp/keep", "../keep", ".landcons/runs/../../keep", ".landcons/runs", "./.landcons/runs/x", ".landcons/runs/x/y", "x/runs/y"] {
            assert_eq!(run_id(Path::new(bad)), None, "{bad}");
        }
    }

    #[test]
    fn temporary_names_are_ours_only() {
        assert!(is_temporary_name(".landcons.gpkg.123.tmp"));
        assert!(is_temporary_name(".current.9.tmp"));
        for other in [".notes.tmp", "a.1.tmp", ".x.12a.tmp", "..1.tmp", ".x.1.tmpx"] {
            assert!(!is_temporary_name(other), "{other}");
        }
        let link = temporary_link(Path::new("/o/slope.tif"));
        assert!(is_temporary_name(&link.file_name().unwrap().to_string_lossy()));
    }
}
