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

use super::owned::{self, Inspection, ResultName, CURRENT, MARKER, RUNS};
use crate::error::{Error, Result};

/// The folder a run writes into, committed or removed.
pub struct Staging {
    pub dir: PathBuf,
    out: PathBuf,
    id: String,
    /// Every name the result set may show at the top.
    names: Vec<ResultName>,
    force: bool,
    committed: bool,
}

impl Staging {
    /// Prepares `out` (whose lock the caller holds): checks that everything the run would
    /// remove or replace there is landcons's ([`owned::inspect`]; `force` lets a user's
    /// file where a result goes be replaced), removes what killed runs left, and creates
    /// this run's folder with its marker. `names` are the files the result set may show.
    pub fn begin(out: &Path, names: &[ResultName], force: bool) -> Result<Staging> {
        let inspection = owned::inspect(out, names, force)?;
        for path in &inspection.replaced {
            tracing::warn!(file = %path.display(), "not written by landcons: replaced by this run's result (--force)");
        }
        let runs = out.join(RUNS);
        std::fs::create_dir_all(&runs).map_err(|e| Error::output_from(out, "output folder is not writable", e))?;
        inspection.remove_debris();
        adopt_copied_results(out, &inspection.adopted)?;
        let id = format!("{}-{}", crate::time::now().replace([':', '-'], ""), std::process::id());
        let dir = runs.join(&id);
        std::fs::create_dir(&dir).map_err(|e| Error::output_from(&dir, "output folder is not writable", e))?;
        let marker = dir.join(MARKER);
        std::fs::write(&marker, b"a landcons result set\n").map_err(|e| Error::output_from(&marker, "cannot write", e))?;
        Ok(Staging { dir, out: out.to_path_buf(), id, names: names.to_vec(), force, committed: false })
    }

    /// Where to write `name` during the run.
    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }

    /// Makes this run's results the visible ones: files synced, `current` switched in one
    /// rename, stable names linked, the previous set removed. Returns the visible paths.
    /// The folder is checked again first: nothing may have appeared in the way meanwhile.
    pub fn commit(mut self) -> Result<Vec<PathBuf>> {
        sync_folder_contents(&self.dir)?;
        let names = visible_names(&self.dir)?;
        self.check_expected(&names)?;
        let Inspection { current: previous, .. } = owned::inspect(&self.out, &self.names, self.force)?;
        replace_symlink(&self.out.join(CURRENT), &Path::new(RUNS).join(&self.id))?;
        self.committed = true;
        sync_dir(&self.out)?;
        for name in &names {
            let link = self.out.join(name);
            if !owned::is_our_link(&link, name) {
                replace_symlink(&link, &Path::new(CURRENT).join(name))?;
            }
        }
        remove_dangling_links(&self.out)?;
        if let Some(old) = previous.filter(|p| *p != self.dir) {
            owned::remove_result_set(&old);
        }
        sync_dir(&self.out)?;
        Ok(names.iter().map(|n| self.out.join(n)).collect())
    }

    /// Every file the set shows was declared before the run began (and so checked):
    /// an undeclared one is a bug, caught before it replaces anything.
    fn check_expected(&self, names: &[String]) -> Result<()> {
        match names.iter().find(|n| !self.names.iter().any(|r| r.name == **n)) {
            Some(n) => Err(Error::output(self.dir.join(n), "a result file missing from the declared result names (a bug: please report it); nothing was replaced")),
            None => Ok(()),
        }
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        if !self.committed {
            owned::remove_result_set(&self.dir);
        }
    }
}

/// A copied results folder (plain result files beside a landcons manifest): its files
/// become the earlier result set (moved, not changed), so the run compares with them and
/// the commit replaces them in one step. A kill part-way leaves only earlier results.
fn adopt_copied_results(out: &Path, names: &[String]) -> Result<()> {
    if names.is_empty() {
        return Ok(());
    }
    let id = "copied-results";
    let dir = out.join(RUNS).join(id);
    std::fs::create_dir_all(&dir).map_err(|e| Error::output_from(&dir, "cannot create", e))?;
    let marker = dir.join(MARKER);
    std::fs::write(&marker, b"a landcons result set (copied results taken in)\n").map_err(|e| Error::output_from(&marker, "cannot write", e))?;
    let hidden = [owned::EARLIER_MARK.to_string()];
    for name in names.iter().chain(hidden.iter().filter(|n| out.join(n).is_file())) {
        std::fs::rename(out.join(name), dir.join(name)).map_err(|e| Error::output_from(out.join(name), "cannot move into the result set", e))?;
    }
    replace_symlink(&out.join(CURRENT), &Path::new(RUNS).join(id))?;
    for name in names {
        replace_symlink(&out.join(name), &Path::new(CURRENT).join(name))?;
    }
    tracing::info!(folder = %out.display(), "took copied results in as the earlier result set");
    Ok(())
}

/// The run folder `OUT/current` points to, if any and if it is landcons's.
pub fn current_run(out: &Path) -> Option<PathBuf> {
    owned::current_set(out).ok().flatten()
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
    let tmp = owned::temporary_link(link);
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
