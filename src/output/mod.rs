//! Outputs: the results GeoPackage, the village CSV, the manifest, and the staging
//! folder that makes a run all-or-nothing.

pub mod gpkg;
pub mod table;

use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// A hidden folder inside the output folder where a run writes everything; only a
/// run that completes moves its files into place, so a failed or killed run never
/// leaves a half-written file where a good one was.
pub struct Staging {
    pub dir: PathBuf,
    pub out_dir: PathBuf,
    committed: bool,
}

impl Staging {
    pub fn new(out_dir: &Path) -> Result<Staging> {
        std::fs::create_dir_all(out_dir)
            .map_err(|e| Error::output(out_dir, format!("cannot create the output folder: {e}")))?;
        let dir = out_dir.join(format!(".landcons-staging-{}", std::process::id()));
        if dir.exists() {
            let _ = std::fs::remove_dir_all(&dir);
        }
        std::fs::create_dir(&dir)
            .map_err(|e| Error::output(out_dir, format!("output folder is not writable: {e}")))?;
        Ok(Staging {
            dir,
            out_dir: out_dir.to_path_buf(),
            committed: false,
        })
    }

    /// Where to write `name` during the run.
    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }

    /// Moves every staged file into the output folder (each rename is atomic).
    pub fn commit(mut self) -> Result<Vec<PathBuf>> {
        let mut moved = Vec::new();
        let mut entries: Vec<_> = std::fs::read_dir(&self.dir)
            .map_err(|e| Error::output(&self.dir, e))?
            .filter_map(|e| e.ok())
            .map(|e| e.path())
            .collect();
        entries.sort();
        for src in entries {
            let Some(name) = src.file_name() else {
                continue;
            };
            let dst = self.out_dir.join(name);
            std::fs::rename(&src, &dst)
                .map_err(|e| Error::output(&dst, format!("cannot move into place: {e}")))?;
            moved.push(dst);
        }
        let _ = std::fs::remove_dir(&self.dir);
        self.committed = true;
        Ok(moved)
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        if !self.committed {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}

/// Area in m² to hectares and mu (1 mu = 666.67 m²).
pub fn ha(m2: f64) -> f64 {
    m2 / 10_000.0
}
pub fn mu(m2: f64) -> f64 {
    m2 / crate::rules::village::M2_PER_MU
}
