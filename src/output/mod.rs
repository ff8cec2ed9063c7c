//! Outputs: the results GeoPackage, the village CSV, the manifest, and the staging
//! folder that makes a run all-or-nothing.

pub mod gpkg;
pub mod rtree;
pub mod styles;
pub mod table;

use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

const STAGING_PREFIX: &str = ".landcons-staging-";

/// Staging folders left by runs that were killed (SIGKILL, power loss): their process
/// is gone, so they are removed.
fn remove_stale_staging(out_dir: &Path) {
    let Ok(entries) = std::fs::read_dir(out_dir) else {
        return;
    };
    for e in entries.flatten() {
        let name = e.file_name().to_string_lossy().to_string();
        let Some(pid) = name
            .strip_prefix(STAGING_PREFIX)
            .and_then(|p| p.parse::<u32>().ok())
        else {
            continue;
        };
        if pid != std::process::id() && !Path::new(&format!("/proc/{pid}")).exists() {
            let _ = std::fs::remove_dir_all(e.path());
        }
    }
}

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
        remove_stale_staging(out_dir);
        let dir = out_dir.join(format!("{STAGING_PREFIX}{}", std::process::id()));
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

    /// Moves every staged file into the output folder. Files it replaces are first
    /// moved aside; if any move fails, everything is put back as it was, so the folder
    /// holds either the complete old results or the complete new ones.
    pub fn commit(mut self) -> Result<Vec<PathBuf>> {
        let mut entries: Vec<PathBuf> = std::fs::read_dir(&self.dir)
            .map_err(|e| Error::output(&self.dir, e))?
            .filter_map(|e| e.ok())
            .map(|e| e.path())
            .filter(|p| p.is_file())
            .collect();
        entries.sort();
        let aside = self.dir.join(".previous");
        std::fs::create_dir_all(&aside).map_err(|e| Error::output(&aside, e))?;
        let mut set_aside: Vec<(PathBuf, PathBuf)> = Vec::new();
        let mut moved: Vec<PathBuf> = Vec::new();
        let result = (|| -> Result<()> {
            for src in &entries {
                let Some(name) = src.file_name() else {
                    continue;
                };
                let dst = self.out_dir.join(name);
                if dst.is_dir() {
                    return Err(Error::output(
                        &dst,
                        "a folder of that name is in the way; nothing was replaced",
                    ));
                }
                if dst.exists() {
                    let keep = aside.join(name);
                    std::fs::rename(&dst, &keep)
                        .map_err(|e| Error::output(&dst, format!("cannot replace: {e}")))?;
                    set_aside.push((keep, dst.clone()));
                }
                std::fs::rename(src, &dst)
                    .map_err(|e| Error::output(&dst, format!("cannot move into place: {e}")))?;
                moved.push(dst);
            }
            Ok(())
        })();
        if let Err(e) = result {
            for dst in &moved {
                let _ = std::fs::remove_file(dst);
            }
            for (keep, dst) in &set_aside {
                let _ = std::fs::rename(keep, dst);
            }
            return Err(e);
        }
        let _ = std::fs::remove_dir_all(&self.dir);
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

/// An exclusive lock on an output folder, so two runs cannot interleave their results.
/// The lock file holds the owner's process id; a lock left by a process that no longer
/// exists (a killed run) is taken over.
pub struct Lock {
    path: PathBuf,
}

impl Lock {
    pub fn acquire(out_dir: &Path) -> Result<Lock> {
        use std::io::Write;
        std::fs::create_dir_all(out_dir)
            .map_err(|e| Error::output(out_dir, format!("cannot create the output folder: {e}")))?;
        let path = out_dir.join(".landcons.lock");
        for _ in 0..2 {
            match std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&path)
            {
                Ok(mut f) => {
                    let _ = writeln!(f, "{}", std::process::id());
                    return Ok(Lock { path });
                }
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                    let owner = std::fs::read_to_string(&path)
                        .ok()
                        .and_then(|t| t.trim().parse::<u32>().ok());
                    match owner {
                        Some(pid) if Path::new(&format!("/proc/{pid}")).exists() => {
                            return Err(Error::Busy(format!(
                                "{}: another landcons run (process {pid}) is writing into this folder; wait for it or use another --out",
                                out_dir.display()
                            )));
                        }
                        _ => {
                            let _ = std::fs::remove_file(&path); // stale: its process is gone
                        }
                    }
                }
                Err(e) => {
                    return Err(Error::output(
                        &path,
                        format!("cannot create the lock file: {e}"),
                    ))
                }
            }
        }
        Err(Error::Busy(format!(
            "{}: cannot take the output folder's lock",
            out_dir.display()
        )))
    }
}

impl Drop for Lock {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

/// SHA-256 of a file, hex; for inputs such as a shapefile, its sidecar files too.
pub fn content_hash(path: &Path) -> std::io::Result<String> {
    use sha2::{Digest, Sha256};
    let mut hasher = Sha256::new();
    let mut files = vec![path.to_path_buf()];
    if path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("shp"))
    {
        for ext in ["shx", "dbf", "prj", "cpg"] {
            let side = path.with_extension(ext);
            if side.exists() {
                files.push(side);
            }
        }
    }
    for f in files {
        let mut file = std::fs::File::open(&f)?;
        std::io::copy(&mut file, &mut hasher)?;
    }
    Ok(format!("{:x}", hasher.finalize()))
}

/// Area in m² to hectares and mu (1 mu = 666.67 m²).
pub fn ha(m2: f64) -> f64 {
    m2 / 10_000.0
}
pub fn mu(m2: f64) -> f64 {
    m2 / crate::rules::village::M2_PER_MU
}
