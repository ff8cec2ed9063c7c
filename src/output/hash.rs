//! Content hashes of files: inputs (for the manifest and the caches) and outputs (so a
//! reused result is checked, not trusted).

use std::path::Path;

use sha2::{Digest, Sha256};

/// SHA-256 of a file, hex; for a shapefile, its sidecar files too.
pub fn content_hash(path: &Path) -> std::io::Result<String> {
    let mut hasher = Sha256::new();
    let mut files = vec![path.to_path_buf()];
    if path.extension().is_some_and(|e| e.eq_ignore_ascii_case("shp")) {
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
