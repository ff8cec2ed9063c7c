//! Content hashes of files: inputs (for the manifest and the caches) and outputs (so a
//! reused result is checked, not trusted).

use std::io::Read;
use std::path::Path;

use sha2::{Digest, Sha256};

/// Bytes read at a time.
const CHUNK: usize = 1 << 20;

/// SHA-256 of a file, hex; for a shapefile, its sidecar files too.
pub fn content_hash(path: &Path) -> std::io::Result<String> {
    content_hash_unless(path, &|| false)
}

/// As [`content_hash`], giving up with an `Interrupted` error as soon as `stop` says so
/// (asked between chunks): a province's DEM tiles or slope raster take minutes to hash,
/// and a run asked to stop must not wait for that.
pub fn content_hash_unless(path: &Path, stop: &dyn Fn() -> bool) -> std::io::Result<String> {
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
    let mut buf = vec![0u8; CHUNK];
    for f in files {
        let mut file = std::fs::File::open(&f)?;
        loop {
            if stop() {
                return Err(std::io::Error::new(std::io::ErrorKind::Interrupted, "stop requested"));
            }
            match file.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => hasher.update(&buf[..n]),
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            }
        }
    }
    Ok(format!("{:x}", hasher.finalize()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hash_is_sha256_of_the_bytes_over_chunks_and_a_stop_interrupts_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("big.bin");
        // More than two chunks, not a whole number of them.
        let bytes: Vec<u8> = (0..(2 * CHUNK + 12_345)).map(|i| (i * 7 % 251) as u8).collect();
        std::fs::write(&path, &bytes).unwrap();
        assert_eq!(content_hash(&path).unwrap(), format!("{:x}", Sha256::digest(&bytes)));
        let asked = std::cell::Cell::new(0);
        let stop_after_one = || {
            asked.set(asked.get() + 1);
            asked.get() > 1
        };
        let err = content_hash_unless(&path, &stop_after_one).unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::Interrupted);
        assert_eq!(asked.get(), 2, "asked before each chunk, and stopped at the second");
    }
}
