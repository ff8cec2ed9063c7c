//! Inputs not hashed again when they did not change: each input's size and modification
//! time (with its shapefile side-cars) are recorded in the manifest beside its hash, with
//! the time the hashing began. A re-run takes the previous hash of an input whose stamp
//! is the same — unless a file was modified in the same second as (or after) that
//! hashing began: as with git's racy index entries, a change within the clock's
//! resolution would not show in the time, so such an input is hashed.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use super::inputs::input_files;
use crate::context::RunContext;
use crate::output::hash::content_hash_unless;
use crate::output::manifest::{InputStamp, Manifest};
use crate::shard::fingerprint;

/// Each input file's content hash (None where it could not be read), by path.
pub type Hashes = BTreeMap<String, Option<String>>;

/// The inputs' hashes, their stamps, and which were reused or hashed.
pub struct Hashed {
    pub hashes: Hashes,
    pub stamps: BTreeMap<String, InputStamp>,
    /// {"reused": [paths], "hashed": [paths]} for the manifest.
    pub report: serde_json::Value,
}

fn nanos(t: SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH).map(|d| d.as_nanos() as u64).unwrap_or(0)
}

/// The newest modification time (ns) of `path` and its shapefile side-cars.
fn newest_ns(path: &Path) -> u64 {
    let mut files = vec![path.to_path_buf()];
    if path.extension().is_some_and(|e| e.eq_ignore_ascii_case("shp")) {
        files.extend(["shx", "dbf", "prj", "cpg"].map(|ext| path.with_extension(ext)));
    }
    files.iter().filter_map(|f| std::fs::metadata(f).ok()?.modified().ok()).map(nanos).max().unwrap_or(u64::MAX)
}

/// Whether `was` (the previous run's stamp) still vouches for the file as it is now.
pub fn still_valid(was: &InputStamp, now: &InputStamp) -> bool {
    const SECOND: u64 = 1_000_000_000;
    was.fingerprint == now.fingerprint && was.newest_ns / SECOND < was.hashed_at_ns / SECOND
}

/// Hashes every input of the run, reusing `previous`'s hash where the stamp allows.
pub fn hash_inputs(ctx: &RunContext, dem_files: &[PathBuf], previous: Option<&Manifest>) -> Hashed {
    let stop = || ctx.cancel.signal().is_some();
    let (mut hashes, mut stamps) = (Hashes::new(), BTreeMap::new());
    let (mut reused, mut hashed) = (Vec::new(), Vec::new());
    for f in input_files(&ctx.settings, dem_files) {
        let key = f.display().to_string();
        let now = InputStamp { fingerprint: fingerprint::of(std::slice::from_ref(&f)).remove(&key).unwrap_or_default(), newest_ns: newest_ns(&f), hashed_at_ns: nanos(SystemTime::now()) };
        let earlier = previous.and_then(|m| Some((m.input_stamps.get(&key)?, m.input_hashes.get(&key)?.clone()?)));
        match earlier {
            Some((was, hash)) if still_valid(was, &now) => {
                hashes.insert(key.clone(), Some(hash));
                stamps.insert(key.clone(), was.clone());
                reused.push(key);
            }
            _ => {
                hashes.insert(key.clone(), content_hash_unless(&f, &stop).ok());
                stamps.insert(key.clone(), now);
                hashed.push(key);
            }
        }
    }
    Hashed { hashes, stamps, report: serde_json::json!({ "reused": reused, "hashed": hashed }) }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stamp(fingerprint: &str, newest_s: f64, hashed_s: f64) -> InputStamp {
        InputStamp { fingerprint: fingerprint.into(), newest_ns: (newest_s * 1e9) as u64, hashed_at_ns: (hashed_s * 1e9) as u64 }
    }

    #[test]
    fn the_racy_rule() {
        let now = stamp("10:5", 0.0, 0.0);
        assert!(still_valid(&stamp("10:5", 100.2, 101.0), &now));
        assert!(!still_valid(&stamp("10:6", 100.2, 101.0), &now), "another size or time");
        assert!(!still_valid(&stamp("10:5", 100.2, 100.9), &now), "modified in the second of the hashing");
        assert!(!still_valid(&stamp("10:5", 102.0, 101.0), &now), "modified after the hashing began");
    }
}
