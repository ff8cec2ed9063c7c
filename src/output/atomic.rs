//! Files and folders that appear whole or not at all: written under a temporary name,
//! synced, renamed into place, the folder synced.

use std::path::Path;

use crate::error::{Error, Result};

/// Writes `bytes` to `path` atomically.
pub fn write_file(path: &Path, bytes: &[u8]) -> Result<()> {
    let tmp = path.with_file_name(format!(".{}.tmp-{}", path.file_name().and_then(|n| n.to_str()).unwrap_or("file"), std::process::id()));
    let fail = |e: std::io::Error| Error::output_from(path, "cannot write", e);
    std::fs::write(&tmp, bytes).map_err(fail)?;
    std::fs::File::open(&tmp).and_then(|f| f.sync_all()).map_err(fail)?;
    std::fs::rename(&tmp, path).map_err(fail)?;
    sync_parent(path)
}

/// fsync of every file below `dir` and of every folder, `dir` included.
pub fn sync_tree(dir: &Path) -> Result<()> {
    for entry in std::fs::read_dir(dir).map_err(|e| Error::output_from(dir, "cannot list", e))?.flatten() {
        let path = entry.path();
        let kind = entry.file_type().map_err(|e| Error::output_from(&path, "cannot stat", e))?;
        if kind.is_dir() {
            sync_tree(&path)?;
        } else if kind.is_file() {
            std::fs::File::open(&path).and_then(|f| f.sync_all()).map_err(|e| Error::output_from(&path, "cannot sync", e))?;
        }
    }
    std::fs::File::open(dir).and_then(|f| f.sync_all()).map_err(|e| Error::output_from(dir, "cannot sync", e))
}

/// Moves the finished folder `tmp` to `target` (which must not exist) in one rename.
pub fn publish_dir(tmp: &Path, target: &Path) -> Result<()> {
    sync_tree(tmp)?;
    std::fs::rename(tmp, target).map_err(|e| Error::output_from(target, "cannot move the finished folder into place", e))?;
    sync_parent(target)
}

fn sync_parent(path: &Path) -> Result<()> {
    let parent = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    std::fs::File::open(parent).and_then(|f| f.sync_all()).map_err(|e| Error::output_from(parent, "cannot sync", e))
}

/// Starts writing `path`'s cached pages to disk without waiting for them (Linux's
/// sync_file_range); a later fsync (the commit's) then finds most of the work done.
/// Elsewhere, a plain fsync.
pub fn start_writeback(path: &Path) -> Result<()> {
    let file = std::fs::File::open(path).map_err(|e| Error::output_from(path, "cannot open to sync", e))?;
    #[cfg(target_os = "linux")]
    {
        use std::os::fd::AsRawFd;
        // SAFETY: the descriptor is open for the call; offset 0 and length 0 mean the
        // whole file.
        let rc = unsafe { libc::sync_file_range(file.as_raw_fd(), 0, 0, libc::SYNC_FILE_RANGE_WRITE) };
        if rc == 0 {
            return Ok(());
        }
    }
    file.sync_all().map_err(|e| Error::output_from(path, "cannot sync", e))
}
