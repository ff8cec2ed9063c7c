//! All-or-nothing results: every run writes its complete result set into a folder of its
//! own, `OUT/.landcons/runs/<id>/`, and makes it visible with one atomic step, the
//! rename of the symlink `OUT/current` onto it. The files users open keep stable names
//! (`OUT/landcons.gpkg` → `current/landcons.gpkg`, ...), so at every instant every name
//! shows the complete earlier set or the complete new one, never a mix; a run killed
//! at any point leaves only debris that the next run removes.
//!
//! rename(2) of a symlink is atomic on local file systems and on NFS, where a
//! `renameat2(RENAME_EXCHANGE)` of folders is not available.

use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// The visible pointer to the current result set.
pub const CURRENT: &str = "current";
/// Where the result sets live.
const RUNS: &str = ".landcons/runs";

/// The folder a run writes into, committed or removed.
pub struct Staging {
    pub dir: PathBuf,
    out: PathBuf,
    id: String,
    committed: bool,
}

impl Staging {
    /// Prepares `out` (whose lock the caller holds): converts a folder written by an
    /// earlier landcons version, removes what killed runs left, and creates this run's
    /// folder. `legacy_names` are the result files an earlier version wrote at the top.
    pub fn begin(out: &Path, legacy_names: &[String]) -> Result<Staging> {
        let runs = out.join(RUNS);
        std::fs::create_dir_all(&runs)
            .map_err(|e| Error::output_from(out, "output folder is not writable", e))?;
        migrate_legacy(out, legacy_names)?;
        remove_debris(out)?;
        let id = format!("{}-{}", crate::time::now().replace([':', '-'], ""), std::process::id());
        let dir = runs.join(&id);
        std::fs::create_dir(&dir).map_err(|e| Error::output_from(&dir, "output folder is not writable", e))?;
        Ok(Staging {
            dir,
            out: out.to_path_buf(),
            id,
            committed: false,
        })
    }

    /// Where to write `name` during the run.
    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }

    /// Makes this run's results the visible ones: files synced, `current` switched in one
    /// rename, stable names linked, the previous set removed. Returns the visible paths.
    pub fn commit(mut self) -> Result<Vec<PathBuf>> {
        sync_folder_contents(&self.dir)?;
        let names = visible_names(&self.dir)?;
        check_names_free(&self.out, &names)?;
        let previous = current_run(&self.out);
        replace_symlink(&self.out.join(CURRENT), &Path::new(RUNS).join(&self.id))?;
        self.committed = true;
        sync_dir(&self.out)?;
        for name in &names {
            let link = self.out.join(name);
            let target = Path::new(CURRENT).join(name);
            if std::fs::read_link(&link).ok().as_deref() != Some(target.as_path()) {
                replace_symlink(&link, &target)?;
            }
        }
        remove_dangling_links(&self.out)?;
        if let Some(old) = previous.filter(|p| *p != self.dir) {
            let _ = std::fs::remove_dir_all(old);
        }
        sync_dir(&self.out)?;
        Ok(names.iter().map(|n| self.out.join(n)).collect())
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        if !self.committed {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}

/// The run folder `OUT/current` points to, if any.
pub fn current_run(out: &Path) -> Option<PathBuf> {
    let target = std::fs::read_link(out.join(CURRENT)).ok()?;
    let dir = out.join(target);
    dir.is_dir().then_some(dir)
}

/// Before the switch: every name the new set shows can be linked at the top (no
/// folder of that name is in the way), so nothing can fail half-way after it.
fn check_names_free(out: &Path, names: &[String]) -> Result<()> {
    for name in names {
        let path = out.join(name);
        if std::fs::symlink_metadata(&path).is_ok_and(|m| m.is_dir()) {
            return Err(Error::output(&path, "a folder of that name is in the way; nothing was replaced"));
        }
    }
    Ok(())
}

/// Names of the files a result set shows at the top (hidden working files excluded).
fn visible_names(dir: &Path) -> Result<Vec<String>> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map_err(|e| Error::output_from(dir, "cannot list", e))?
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| !n.starts_with('.'))
        .collect();
    names.sort();
    Ok(names)
}

/// Creates or replaces `link` → `target` atomically (a temporary link renamed over it).
fn replace_symlink(link: &Path, target: &Path) -> Result<()> {
    let name = link.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let tmp = link.with_file_name(format!(".{name}.{}.tmp", std::process::id()));
    let _ = std::fs::remove_file(&tmp);
    std::os::unix::fs::symlink(target, &tmp).map_err(|e| {
        Error::output_from(link, "cannot create a symbolic link (the output folder's file system must support them)", e)
    })?;
    std::fs::rename(&tmp, link).map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        Error::output_from(link, "cannot switch to the new results", e)
    })
}

/// Top-level links into `current/` whose file the current set no longer has.
fn remove_dangling_links(out: &Path) -> Result<()> {
    for entry in std::fs::read_dir(out).map_err(|e| Error::output_from(out, "cannot list", e))?.flatten() {
        let path = entry.path();
        let into_current = std::fs::read_link(&path).is_ok_and(|t| t.starts_with(CURRENT) && t != Path::new(CURRENT));
        if into_current && !path.exists() {
            let _ = std::fs::remove_file(&path);
        }
    }
    Ok(())
}

/// Removes what killed runs left: run folders `current` does not point to, temporary
/// links, and the staging folders of earlier versions. Only called under the lock.
fn remove_debris(out: &Path) -> Result<()> {
    let keep = current_run(out);
    let runs = out.join(RUNS);
    for entry in std::fs::read_dir(&runs).map_err(|e| Error::output_from(&runs, "cannot list", e))?.flatten() {
        if Some(entry.path()) != keep {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
    for entry in std::fs::read_dir(out).map_err(|e| Error::output_from(out, "cannot list", e))?.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with(".landcons-staging-") {
            let _ = std::fs::remove_dir_all(entry.path());
        } else if name.starts_with('.') && name.ends_with(".tmp") {
            let _ = std::fs::remove_file(entry.path());
        }
    }
    Ok(())
}

/// A folder written by a landcons version without result sets holds its results as
/// plain files: they become the first result set (moved, not changed), so the next
/// commit can replace them in one step. A kill part-way leaves only earlier results.
fn migrate_legacy(out: &Path, names: &[String]) -> Result<()> {
    if std::fs::symlink_metadata(out.join(CURRENT)).is_ok() {
        return Ok(());
    }
    let plain = |n: &String| std::fs::symlink_metadata(out.join(n)).is_ok_and(|m| m.is_file());
    let found: Vec<&String> = names.iter().filter(|n| plain(n)).collect();
    if found.is_empty() {
        return Ok(());
    }
    let id = "earlier-version";
    let dir = out.join(RUNS).join(id);
    std::fs::create_dir_all(&dir).map_err(|e| Error::output_from(&dir, "cannot create", e))?;
    for name in &found {
        std::fs::rename(out.join(name), dir.join(name))
            .map_err(|e| Error::output_from(out.join(name), "cannot move into the result set", e))?;
    }
    replace_symlink(&out.join(CURRENT), &Path::new(RUNS).join(id))?;
    for name in found.iter().filter(|n| !n.starts_with('.')) {
        replace_symlink(&out.join(name), &Path::new(CURRENT).join(name))?;
    }
    tracing::info!(folder = %out.display(), "converted results of an earlier landcons version to a result set");
    Ok(())
}

/// fsync of every file in a folder (and its sub-folders) and of the folder itself, so a
/// power cut after the switch cannot leave the new set with holes.
fn sync_folder_contents(dir: &Path) -> Result<()> {
    super::atomic::sync_tree(dir)
}

fn sync_dir(dir: &Path) -> Result<()> {
    std::fs::File::open(dir)
        .and_then(|f| f.sync_all())
        .map_err(|e| Error::output_from(dir, "cannot sync", e))
}
