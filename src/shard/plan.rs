//! `landcons plan`: one pass over the parcel layer's village codes, official areas and
//! envelopes (no geometry is decoded), townships packed into shards, the plan saved.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use gdal::vector::LayerAccess;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::fingerprint::{self, Fingerprints};
use super::{pack, shards_dir, township_of};
use crate::context::CancelToken;
use crate::error::{Error, Result};
use crate::gdal_util;
use crate::settings::Settings;

/// Version of the plan file's layout.
const FORMAT: u32 = 1;

/// A township's figures in the parcel layer as delivered.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TownshipFigures {
    /// Features with a geometry.
    pub parcels: u64,
    /// Σ official area (TBMJ), whole cm².
    pub tbmj_cm2: i64,
    /// Envelope of its features, in the layer's CRS.
    pub bbox: [f64; 4],
}

/// One shard: its townships, their envelope and parcel count.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ShardSpec {
    pub index: usize,
    pub townships: Vec<String>,
    /// Envelope of its townships in the layer's CRS.
    pub bbox: [f64; 4],
    pub parcels: u64,
}

/// The plan of a sharded job.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ShardPlan {
    pub format: u32,
    pub id: String,
    pub created: String,
    pub township_digits: usize,
    /// How far around a shard's envelope neighbours are loaded, in the layer's units.
    pub halo: f64,
    /// Hash of the settings that shape the results (all but `[run]` and the folder).
    pub settings_hash: String,
    /// Content hashes of the inputs at planning time (the manifest's `input_hashes`).
    pub input_hashes: BTreeMap<String, Option<String>>,
    pub fingerprints: Fingerprints,
    pub shards: Vec<ShardSpec>,
    pub townships: BTreeMap<String, TownshipFigures>,
}

impl ShardPlan {
    /// Where the current plan of output folder `out` is kept.
    pub fn path(out: &Path) -> PathBuf {
        shards_dir(out).join("plan.json")
    }

    /// The folder of this plan's shard results.
    pub fn dir(&self, out: &Path) -> PathBuf {
        shards_dir(out).join(&self.id)
    }

    /// The current plan of `out`.
    pub fn load(out: &Path) -> Result<ShardPlan> {
        let path = Self::path(out);
        let text = std::fs::read_to_string(&path)
            .map_err(|e| Error::input_from(&path, "no shard plan here: run `landcons plan PIPELINE --shards N` first", e))?;
        let plan: ShardPlan = serde_json::from_str(&text).map_err(|e| Error::input_from(&path, "is not a shard plan", e))?;
        if plan.format != FORMAT {
            return Err(Error::input(&path, format!("is a plan of format {}, this landcons reads {FORMAT}: make a new plan", plan.format)));
        }
        Ok(plan)
    }

    /// Writes the plan as the current one (replaced in one rename).
    pub fn save(&self, out: &Path) -> Result<()> {
        let path = Self::path(out);
        std::fs::create_dir_all(self.dir(out)).map_err(|e| Error::output_from(&path, "cannot create the shard folder", e))?;
        let text = serde_json::to_string_pretty(self).unwrap_or_default();
        crate::output::atomic::write_file(&path, text.as_bytes())
    }

    /// The shard of `index`, or an error saying how many there are.
    pub fn shard(&self, index: usize) -> Result<&ShardSpec> {
        self.shards.get(index).ok_or_else(|| {
            Error::shards(format!("shard {index} does not exist: the plan {} has shards 0 to {}", self.id, self.shards.len().saturating_sub(1)))
        })
    }

    /// An error when `settings` or the inputs differ from those the plan was made with.
    pub fn check(&self, settings: &Settings, input_files: &[PathBuf], out: &Path) -> Result<()> {
        if settings_hash(settings) != self.settings_hash {
            return Err(Error::shards(format!(
                "the settings differ from those of the shard plan {} (made {}): run every shard and the gather with the plan's pipeline file and --set options, or make a new plan",
                self.id, self.created
            )));
        }
        fingerprint::check(&self.fingerprints, &fingerprint::of(input_files), &Self::path(out))
    }
}

/// Hash of what shapes the shards' results: the settings without `[run]` (threads,
/// memory), `[progress]`, the output folder and the slope raster names.
pub fn settings_hash(settings: &Settings) -> String {
    let mut s = settings.clone();
    s.run = Default::default();
    // The plan progress (`[progress]`, `--baseline`) is made by the gather alone, after the
    // shards' stages: it may differ between the shards and the gather.
    s.progress = Default::default();
    let defaults = crate::settings::OutputSettings::default();
    s.output.dir = PathBuf::new();
    // The gather writes the slope rasters as VRTs over the shards' tiles.
    (s.output.slope, s.output.slope_grade) = (defaults.slope, defaults.slope_grade);
    format!("{:x}", Sha256::digest(s.to_toml().as_bytes()))
}

/// Reads the parcel layer's township figures and packs them into `n` shards.
pub fn make(settings: &Settings, n: usize, input_hashes: BTreeMap<String, Option<String>>, input_files: &[PathBuf], cancel: &CancelToken) -> Result<ShardPlan> {
    if n == 0 {
        return Err(Error::shards("--shards must be at least 1"));
    }
    let (townships, geographic) = township_figures(settings, cancel)?;
    if n > townships.len() {
        return Err(Error::shards(format!(
            "{n} shards for {} townships (the first {} digits of {}): a township is never split, so use at most {} shards, or a longer key (shards.township_digits)",
            townships.len(),
            settings.shards.township_digits,
            settings.fields.village_code,
            townships.len()
        )));
    }
    let units: BTreeMap<String, pack::Unit> = townships
        .iter()
        .map(|(k, v)| (k.clone(), pack::Unit { parcels: v.parcels, centre: [(v.bbox[0] + v.bbox[2]) / 2.0, (v.bbox[1] + v.bbox[3]) / 2.0] }))
        .collect();
    let placed = pack::pack(&units, n);
    let mut shards: Vec<ShardSpec> = (0..n).map(|index| ShardSpec { index, townships: Vec::new(), bbox: EMPTY, parcels: 0 }).collect();
    for (township, shard) in &placed {
        let s = &mut shards[*shard];
        s.townships.push(township.clone());
        s.parcels += townships[township].parcels;
        s.bbox = union(s.bbox, townships[township].bbox);
    }
    let halo_m = settings.shards.halo_m + settings.merge.tolerance_m;
    let halo = match geographic {
        true => degrees_for(halo_m, shards.iter().map(|s| s.bbox)),
        false => halo_m,
    };
    let mut plan = ShardPlan {
        format: FORMAT,
        id: String::new(),
        created: crate::time::now(),
        township_digits: settings.shards.township_digits,
        halo,
        settings_hash: settings_hash(settings),
        input_hashes,
        fingerprints: fingerprint::of(input_files),
        shards,
        townships,
    };
    plan.id = plan_id(&plan);
    Ok(plan)
}

const EMPTY: [f64; 4] = [f64::INFINITY, f64::INFINITY, f64::NEG_INFINITY, f64::NEG_INFINITY];

fn union(a: [f64; 4], b: [f64; 4]) -> [f64; 4] {
    [a[0].min(b[0]), a[1].min(b[1]), a[2].max(b[2]), a[3].max(b[3])]
}

/// A distance in metres as degrees of longitude at the highest latitude of the shards
/// (so never too short), capped at 85°.
fn degrees_for(metres: f64, boxes: impl Iterator<Item = [f64; 4]>) -> f64 {
    let lat = boxes.filter(|b| b[1].is_finite()).map(|b| b[1].abs().max(b[3].abs())).fold(0.0f64, f64::max).min(85.0);
    metres / (111_320.0 * lat.to_radians().cos())
}

fn plan_id(plan: &ShardPlan) -> String {
    let mut h = Sha256::new();
    h.update(plan.settings_hash.as_bytes());
    h.update(serde_json::to_string(&plan.input_hashes).unwrap_or_default().as_bytes());
    h.update(serde_json::to_string(&plan.shards).unwrap_or_default().as_bytes());
    format!("{:x}", h.finalize())[..16].to_string()
}

/// Per township: features, Σ TBMJ and envelope; and whether the layer is lat/lon.
fn township_figures(settings: &Settings, cancel: &CancelToken) -> Result<(BTreeMap<String, TownshipFigures>, bool)> {
    let path = &settings.inputs.parcels;
    let ds = gdal_util::open_vector(path, &[])?;
    let mut layer = gdal_util::layer(&ds, path, &settings.inputs.parcels_layer, gdal_util::Wanted::Polygons, "inputs.parcels_layer")?;
    let srs = crate::vector::layer_crs(&layer, path, settings.inputs.parcels_crs.as_deref(), "inputs.parcels_crs")?;
    let column = |name: &str| layer.defn().fields().position(|f| !name.is_empty() && f.name().eq_ignore_ascii_case(name));
    let code = column(&settings.fields.village_code).ok_or_else(|| {
        Error::input(path, format!("layer {}: field {:?} (fields.village_code) not found; sharding groups parcels by it", layer.name(), settings.fields.village_code))
    })?;
    let area = column(&settings.fields.official_area);
    let digits = settings.shards.township_digits;
    let mut out: BTreeMap<String, TownshipFigures> = BTreeMap::new();
    for feature in layer.features() {
        cancel.check()?;
        let village = feature.field_as_string(code).ok().flatten().unwrap_or_default();
        let t = out.entry(township_of(village.trim(), digits).to_string()).or_insert(TownshipFigures { bbox: EMPTY, ..Default::default() });
        // A parcel without geometry is still a parcel (kept with zero area), with no extent.
        t.parcels += 1;
        if let Some(e) = crate::vector::feature_geometry(&feature).map(|g| g.envelope()) {
            t.bbox = union(t.bbox, [e.MinX, e.MinY, e.MaxX, e.MaxY]);
        }
        let tbmj = area.and_then(|a| feature.field_as_double(a).ok().flatten()).unwrap_or(0.0);
        t.tbmj_cm2 += (tbmj * 100.0).round() as i64;
    }
    Ok((out, srs.is_geographic()))
}
