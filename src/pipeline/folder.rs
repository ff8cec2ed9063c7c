//! The output folder a failed first run must not leave behind.

use std::path::{Path, PathBuf};

/// Removes the output folder on drop if this run created it and did not complete (a
/// run that failed leaves no folder behind where there was none), unless kept.
pub struct CreatedDir {
    path: PathBuf,
    created: bool,
}

impl CreatedDir {
    pub fn new(path: &Path) -> CreatedDir {
        CreatedDir {
            path: path.to_path_buf(),
            created: !path.exists(),
        }
    }

    pub fn keep(mut self) {
        self.created = false;
    }
}

impl Drop for CreatedDir {
    fn drop(&mut self) {
        if self.created {
            let _ = std::fs::remove_dir_all(&self.path);
        }
    }
}
