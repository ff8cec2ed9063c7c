//! Per-parcel cache of zonal statistics: after a survey update most parcels are
//! unchanged, and their statistics against an unchanged slope raster are too.
//!
//! An entry is keyed by parcel id and a hash of the parcel's geometry (as used: after
//! reprojection and repair); the whole file is keyed by the slope raster's cache key and
//! the grade breaks, so any change to the DEM, terrain settings or tool version drops it.
//! Values are stored bit for bit, so a reused parcel's figures equal a recomputation.

use std::collections::HashMap;
use std::io::{BufWriter, Read, Write};
use std::path::Path;

use geo::MultiPolygon;
use rayon::prelude::*;
use sha2::{Digest, Sha256};

use super::ParcelSlope;
use crate::error::{Error, Result};
use crate::parcels::{Parcels, Shapes};

const MAGIC: &[u8; 8] = b"LCZONAL1";

/// 128 bits of SHA-256 over the geometry's structure and coordinate bits.
pub type GeometryHash = [u8; 16];

pub fn geometry_hash(g: &MultiPolygon<f64>) -> GeometryHash {
    let mut s = Shapes::new();
    s.push(g);
    parcel_hash(&s, 0)
}

/// The hash of parcel `i` of a geometry store: polygon, hole and vertex counts and
/// every coordinate's bits.
fn parcel_hash(shapes: &Shapes, i: usize) -> GeometryHash {
    let mut h = Sha256::new();
    h.update((shapes.polygons(i).count() as u64).to_le_bytes());
    for rings in shapes.polygons(i) {
        let rings: Vec<_> = rings.collect();
        h.update((rings.len() as u64 - 1).to_le_bytes());
        for ring in rings {
            h.update((ring.len() as u64).to_le_bytes());
            for c in ring {
                h.update(c.x.to_bits().to_le_bytes());
                h.update(c.y.to_bits().to_le_bytes());
            }
        }
    }
    let full = h.finalize();
    let mut out = [0u8; 16];
    out.copy_from_slice(&full[..16]);
    out
}

/// Hashes of every parcel's geometry, in parcel order.
pub fn geometry_hashes(parcels: &Parcels) -> Vec<GeometryHash> {
    (0..parcels.len())
        .into_par_iter()
        .map(|i| parcel_hash(parcels.shapes(), i))
        .collect()
}

/// Statistics from a previous run, by (parcel id, geometry hash).
#[derive(Default)]
pub struct ZonalCache {
    entries: HashMap<(String, GeometryHash), ParcelSlope>,
}

impl ZonalCache {
    /// Reads the cache at `path` if it was written under `key`; anything else (missing,
    /// other key, unreadable, truncated) is an empty cache: the parcels are recomputed.
    pub fn load(path: &Path, key: &str) -> ZonalCache {
        Self::try_load(path, key).unwrap_or_default()
    }

    fn try_load(path: &Path, key: &str) -> Option<ZonalCache> {
        let mut bytes = Vec::new();
        std::fs::File::open(path)
            .ok()?
            .read_to_end(&mut bytes)
            .ok()?;
        let mut r = Reader { bytes: &bytes };
        if r.take(8)? != MAGIC || r.string()? != key {
            return None;
        }
        let count = r.u64()? as usize;
        let mut entries = HashMap::with_capacity(count.min(bytes.len() / 100));
        for _ in 0..count {
            let id = r.string()?;
            let hash: GeometryHash = r.take(16)?.try_into().ok()?;
            let mut v = [0f64; 10];
            for x in v.iter_mut() {
                *x = f64::from_bits(r.u64()?);
            }
            let grade = r.take(1)?[0];
            let stats = ParcelSlope {
                area_m2: v[0],
                slope_mean: v[1],
                slope_min: v[2],
                slope_max: v[3],
                share: [v[4], v[5], v[6], v[7], v[8]],
                nodata_share: v[9],
                grade,
            };
            entries.insert((id, hash), stats);
        }
        Some(ZonalCache { entries })
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Reads the cache at `path` written under `key`; a missing or unreadable one is an
    /// error (a shard's results must be complete).
    pub fn load_strict(path: &Path, key: &str) -> Result<ZonalCache> {
        Self::try_load(path, key).ok_or_else(|| Error::input(path, "is not a readable zonal statistics file of this terrain (other DEM or terrain settings?)"))
    }

    /// Adds the entries of `other` (another shard's parcels).
    pub fn extend(&mut self, other: ZonalCache) {
        self.entries.extend(other.entries);
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The cached statistics of each parcel whose id and geometry are unchanged.
    pub fn lookup(&self, parcels: &Parcels, hashes: &[GeometryHash]) -> Vec<Option<ParcelSlope>> {
        hashes
            .iter()
            .enumerate()
            .map(|(i, h)| self.entries.get(&(parcels.id(i).to_string(), *h)).copied())
            .collect()
    }
}

/// Writes the statistics of this run's parcels under `key`.
pub fn save(
    path: &Path,
    key: &str,
    parcels: &Parcels,
    hashes: &[GeometryHash],
    stats: &[ParcelSlope],
) -> Result<()> {
    save_some(path, key, parcels, hashes, stats, &vec![true; parcels.len()])
}

/// Writes the statistics of the parcels marked in `keep` (a shard's own parcels).
pub fn save_some(
    path: &Path,
    key: &str,
    parcels: &Parcels,
    hashes: &[GeometryHash],
    stats: &[ParcelSlope],
    keep: &[bool],
) -> Result<()> {
    let err = |e: std::io::Error| Error::output(path, e);
    let mut w = BufWriter::new(std::fs::File::create(path).map_err(err)?);
    w.write_all(MAGIC).map_err(err)?;
    write_string(&mut w, key).map_err(err)?;
    let count = keep.iter().filter(|k| **k).count();
    w.write_all(&(count as u64).to_le_bytes())
        .map_err(err)?;
    for (i, (h, s)) in hashes.iter().zip(stats).enumerate().filter(|(i, _)| keep[*i]) {
        write_string(&mut w, parcels.id(i)).map_err(err)?;
        w.write_all(h).map_err(err)?;
        let values = [
            s.area_m2,
            s.slope_mean,
            s.slope_min,
            s.slope_max,
            s.share[0],
            s.share[1],
            s.share[2],
            s.share[3],
            s.share[4],
            s.nodata_share,
        ];
        for v in values {
            w.write_all(&v.to_bits().to_le_bytes()).map_err(err)?;
        }
        w.write_all(&[s.grade]).map_err(err)?;
    }
    w.into_inner()
        .map_err(|e| err(e.into_error()))?
        .sync_all()
        .map_err(err)
}

fn write_string(w: &mut impl Write, s: &str) -> std::io::Result<()> {
    w.write_all(&(s.len() as u32).to_le_bytes())?;
    w.write_all(s.as_bytes())
}

struct Reader<'a> {
    bytes: &'a [u8],
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        if self.bytes.len() < n {
            return None;
        }
        let (head, rest) = self.bytes.split_at(n);
        self.bytes = rest;
        Some(head)
    }
    fn u64(&mut self) -> Option<u64> {
        Some(u64::from_le_bytes(self.take(8)?.try_into().ok()?))
    }
    fn string(&mut self) -> Option<String> {
        let n = u32::from_le_bytes(self.take(4)?.try_into().ok()?) as usize;
        String::from_utf8(self.take(n)?.to_vec()).ok()
    }
}
