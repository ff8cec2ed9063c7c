//! Cheap identity of the input files (size and modification time of each file and its
//! shapefile side-cars): shards check it against the plan instead of hashing a
//! province's DEM again; the plan holds the content hashes.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::UNIX_EPOCH;

use crate::error::{Error, Result};

/// File → "bytes:mtime_ns" (or "missing").
pub type Fingerprints = BTreeMap<String, String>;

/// The fingerprints of `files`.
pub fn of(files: &[PathBuf]) -> Fingerprints {
    files.iter().map(|f| (f.display().to_string(), one(f))).collect()
}

fn one(path: &Path) -> String {
    let mut parts = Vec::new();
    let mut files = vec![path.to_path_buf()];
    if path.extension().is_some_and(|e| e.eq_ignore_ascii_case("shp")) {
        files.extend(["shx", "dbf", "prj", "cpg"].map(|ext| path.with_extension(ext)).into_iter().filter(|p| p.exists()));
    }
    for f in files {
        let described = std::fs::metadata(&f).ok().map(|m| {
            let ns = m.modified().ok().and_then(|t| t.duration_since(UNIX_EPOCH).ok()).map(|d| d.as_nanos()).unwrap_or(0);
            format!("{}:{ns}", m.len())
        });
        parts.push(described.unwrap_or_else(|| "missing".into()));
    }
    parts.join(",")
}

/// An error naming the first input that changed since the plan was made.
pub fn check(planned: &Fingerprints, now: &Fingerprints, plan_path: &Path) -> Result<()> {
    for (file, was) in planned {
        if now.get(file) != Some(was) {
            return Err(Error::input(
                Path::new(file),
                format!("changed since the shard plan {} was made: make a new plan (landcons plan)", plan_path.display()),
            ));
        }
    }
    if let Some(extra) = now.keys().find(|k| !planned.contains_key(*k)) {
        return Err(Error::input(Path::new(extra), format!("is an input the shard plan {} does not know: make a new plan (landcons plan)", plan_path.display())));
    }
    Ok(())
}
