//! Change report between two runs: which rows of the compared layers (the registry's
//! layers with a [`ChangeSpec`]) were added, removed or changed, keyed by their
//! identity, and what that does to each village.
//!
//! Both sides are the rows the results GeoPackage holds, so `landcons diff OLD NEW` and
//! the comparison a run makes with the results it replaces give the same answer.

mod report;
mod snapshot;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;

use crate::error::{Error, Result};
use crate::layers::{by_change_label, registry, ChangeSpec};
use crate::output::gpkg::{read_geometries, GpkgWriter};
use crate::output::rows::Rows;
use geo::MultiPolygon;
use rayon::prelude::*;
pub use report::zh_title;
pub use snapshot::{Record, Snapshot};

/// Areas are stored to the centimetre² in the candidate layers; a change below this is
/// rounding, not a redrawn parcel.
const AREA_TOLERANCE_M2: f64 = 0.01;

/// A compared figure (a count, mu or 万元 as its layer stores them) differs when it
/// differs by more than this: the same inputs give the same figures to the bit.
const FIGURE_TOLERANCE: f64 = 1e-6;

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ChangeKind {
    Added,
    Removed,
    Changed,
}

impl ChangeKind {
    pub fn name(self) -> &'static str {
        match self {
            ChangeKind::Added => "added",
            ChangeKind::Removed => "removed",
            ChangeKind::Changed => "changed",
        }
    }
}

/// One row whose presence or figures differ between the runs.
#[derive(Debug, Clone)]
pub struct Change {
    pub key: String,
    pub kind: ChangeKind,
    /// What changed, e.g. "grade 4 → 5; area 1200.00 → 1350.20 m²".
    pub detail: String,
    pub old: Option<Record>,
    pub new: Option<Record>,
    /// Layers with groups: the other members of the row's group, before and after.
    pub old_partners: Vec<String>,
    pub new_partners: Vec<String>,
}

/// The changes of one compared layer.
#[derive(Debug, Clone)]
pub struct LayerChanges {
    pub spec: ChangeSpec,
    pub changes: Vec<Change>,
    /// The geometry each change shows (the current one, or the last known one of a row
    /// that is gone), in the order of `changes`; empty until [`Changes::locate`].
    pub geometries: Vec<MultiPolygon<f64>>,
}

/// Where one side's geometries are: the GeoPackage a snapshot was read from, or the
/// rows a run is about to write (by layer).
pub enum Shapes<'a> {
    File(&'a Path),
    Rows(&'a [(ChangeSpec, &'a dyn Rows)]),
}

impl Shapes<'_> {
    /// The geometries at `ats` (see [`Record::at`]) of the compared layer `spec`.
    fn fetch(&self, spec: &ChangeSpec, ats: &[i64]) -> Result<Vec<MultiPolygon<f64>>> {
        match self {
            Shapes::File(path) => {
                match by_change_label(spec.label) {
                    Some(l) if !ats.is_empty() => read_geometries(path, l.name(), ats),
                    _ => Ok(vec![MultiPolygon::new(vec![]); ats.len()]),
                }
            }
            Shapes::Rows(layers) => {
                let rows = layers.iter().find(|(s, _)| s.label == spec.label).map(|(_, r)| *r);
                let of = |at: i64| rows.and_then(|r| r.geometry(at as usize)).map(|g| g.into_owned());
                Ok(ats.iter().map(|&at| of(at).unwrap_or_else(|| MultiPolygon::new(vec![]))).collect())
            }
        }
    }
}

impl Changes {
    /// Fetches the geometry of each change from the side that shows it: a province's
    /// candidates are compared by their attributes, and only the changed rows'
    /// geometries are ever read.
    pub fn locate(&mut self, old: Shapes, new: Shapes) -> Result<()> {
        for l in &mut self.layers {
            let (mut from_old, mut from_new) = (Vec::new(), Vec::new());
            for (k, c) in l.changes.iter().enumerate() {
                match (&c.new, &c.old) {
                    (Some(n), _) => from_new.push((k, n.at)),
                    (None, Some(o)) => from_old.push((k, o.at)),
                    (None, None) => {}
                }
            }
            l.geometries = vec![MultiPolygon::new(vec![]); l.changes.len()];
            for (side, list) in [(&new, from_new), (&old, from_old)] {
                let ats: Vec<i64> = list.iter().map(|&(_, at)| at).collect();
                for ((k, _), g) in list.iter().zip(side.fetch(&l.spec, &ats)?) {
                    l.geometries[*k] = g;
                }
            }
        }
        Ok(())
    }
}

/// Counts of one layer in one village (or in total), before and after.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Delta {
    pub rows: [usize; 2],
    pub m2: [f64; 2],
    pub groups: [usize; 2],
}

/// One village's deltas, one per compared layer (in the order of `Changes::layers`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct VillageDelta {
    pub village_name: String,
    pub layers: Vec<Delta>,
}

#[derive(Debug, Clone, Default)]
pub struct Changes {
    pub layers: Vec<LayerChanges>,
    /// Villages whose figures differ, by village code.
    pub villages: BTreeMap<String, VillageDelta>,
    pub totals: VillageDelta,
}

/// Compares two runs, layer by layer (a layer one side lacks is not compared).
pub fn compare(old: &Snapshot, new: &Snapshot) -> Changes {
    let specs: Vec<ChangeSpec> = registry()
        .iter()
        .filter_map(|l| l.changes())
        .filter(|s| old.layers.contains_key(s.label) && new.layers.contains_key(s.label))
        .collect();
    let diffs = || {
        specs
            .par_iter()
            .map(|spec| LayerChanges {
                spec: *spec,
                changes: diff_layer(spec, &old.layers[spec.label], &new.layers[spec.label]),
                geometries: Vec::new(),
            })
            .collect()
    };
    let (layers, (villages, totals)) = rayon::join(diffs, || village_deltas(&specs, old, new));
    Changes { layers, villages, totals }
}

type Records = BTreeMap<String, Record>;
/// Member keys of each group, in key order.
type Groups<'r> = HashMap<i64, Vec<&'r str>>;

/// Member keys of each group (records are in key order, so each list is sorted).
fn group_members(records: &Records) -> Groups<'_> {
    let mut out: Groups = HashMap::new();
    for (key, r) in records {
        if let Some(g) = r.group {
            out.entry(g).or_default().push(key.as_str());
        }
    }
    out
}

/// The other members of `key`'s group, in key order.
fn partners<'g>(groups: &'g Groups, key: &'g str, r: &Record) -> impl Iterator<Item = &'g str> + 'g {
    let members = r.group.and_then(|g| groups.get(&g));
    members.into_iter().flatten().copied().filter(move |p| *p != key)
}

/// Whether a row's group partners differ between the runs. A row in a group on both
/// sides has the same partners when its two groups have the same members, which is
/// decided once per pair of groups (a merge group's members share the answer).
struct Regrouped<'g> {
    old: &'g Groups<'g>,
    new: &'g Groups<'g>,
    known: HashMap<(i64, i64), bool>,
}

impl Regrouped<'_> {
    fn of(&mut self, key: &str, o: &Record, n: &Record) -> bool {
        let (old, new) = (self.old, self.new);
        match (o.group, n.group) {
            (Some(go), Some(gn)) => *self.known.entry((go, gn)).or_insert_with(|| old.get(&go) != new.get(&gn)),
            _ => !partners(old, key, o).eq(partners(new, key, n)),
        }
    }
}

/// Every key of either side once, in order, with its record on each side: the two
/// sorted maps walked side by side.
fn pair_up<'r>(old: &'r Records, new: &'r Records) -> impl Iterator<Item = (&'r String, Option<&'r Record>, Option<&'r Record>)> {
    let (mut o, mut n) = (old.iter().peekable(), new.iter().peekable());
    std::iter::from_fn(move || match (o.peek(), n.peek()) {
        (Some((ko, _)), Some((kn, _))) if ko < kn => o.next().map(|(k, r)| (k, Some(r), None)),
        (Some((ko, _)), Some((kn, _))) if ko > kn => n.next().map(|(k, r)| (k, None, Some(r))),
        (Some(_), Some(_)) => o.next().zip(n.next()).map(|((k, ro), (_, rn))| (k, Some(ro), Some(rn))),
        (Some(_), None) => o.next().map(|(k, r)| (k, Some(r), None)),
        (None, Some(_)) => n.next().map(|(k, r)| (k, None, Some(r))),
        (None, None) => None,
    })
}

fn diff_layer(spec: &ChangeSpec, old: &Records, new: &Records) -> Vec<Change> {
    let (old_groups, new_groups) = (group_members(old), group_members(new));
    let listed = |groups, key, r: Option<&Record>| -> Vec<String> {
        r.map(|r| partners(groups, key, r).map(str::to_string).collect()).unwrap_or_default()
    };
    let mut regrouped = Regrouped { old: &old_groups, new: &new_groups, known: HashMap::new() };
    let mut out = Vec::new();
    for (key, o, n) in pair_up(old, new) {
        // Group ids are renumbered when groups come and go: a group is the same when
        // its members are.
        let regrouped = match (o, n) {
            (Some(o), Some(n)) if spec.group.is_some() => regrouped.of(key, o, n),
            _ => false,
        };
        let Some((kind, detail)) = describe(spec, o, n, regrouped) else { continue };
        out.push(Change {
            key: key.clone(),
            kind,
            detail,
            old_partners: listed(&old_groups, key, o),
            new_partners: listed(&new_groups, key, n),
            old: o.cloned(),
            new: n.cloned(),
        });
    }
    out
}

/// The kind of change and its detail; None when nothing that is compared changed.
fn describe(spec: &ChangeSpec, o: Option<&Record>, n: Option<&Record>, regrouped: bool) -> Option<(ChangeKind, String)> {
    // What a row is: "grade 4, 1200.00 m²" (a parcel), "1200.00 m²" (a project).
    let what = |r: &Record| match spec.grade.is_empty() {
        true => format!("{:.2} m²", r.area_m2),
        false => format!("grade {}, {:.2} m²", r.grade, r.area_m2),
    };
    match (o, n) {
        (None, Some(n)) => Some((ChangeKind::Added, what(n))),
        (Some(o), None) => Some((ChangeKind::Removed, format!("was {}", what(o)))),
        (Some(o), Some(n)) => {
            let mut what = Vec::new();
            if o.grade != n.grade {
                what.push(format!("grade {} → {}", o.grade, n.grade));
            }
            if (o.area_m2 - n.area_m2).abs() > AREA_TOLERANCE_M2 {
                what.push(format!("area {:.2} → {:.2} m²", o.area_m2, n.area_m2));
            }
            for ((column, _), (a, b)) in spec.figures.iter().zip(o.figures.iter().zip(n.figures.iter())) {
                if (a - b).abs() > FIGURE_TOLERANCE || a.is_nan() != b.is_nan() {
                    what.push(format!("{column} {a} → {b}"));
                }
            }
            if regrouped {
                what.push("group members changed".to_string());
            }
            (!what.is_empty()).then(|| (ChangeKind::Changed, what.join("; ")))
        }
        (None, None) => None,
    }
}

fn village_deltas(specs: &[ChangeSpec], old: &Snapshot, new: &Snapshot) -> (BTreeMap<String, VillageDelta>, VillageDelta) {
    let blank = || VillageDelta {
        village_name: String::new(),
        layers: vec![Delta::default(); specs.len()],
    };
    let mut all: BTreeMap<&str, VillageDelta> = BTreeMap::new();
    let mut groups: BTreeMap<(&str, usize), [BTreeSet<i64>; 2]> = BTreeMap::new();
    for (side, snap) in [old, new].into_iter().enumerate() {
        for (k, spec) in specs.iter().enumerate() {
            for r in snap.layers[spec.label].values() {
                let v = all.entry(&r.village_code).or_insert_with(blank);
                if *v.village_name != *r.village_name {
                    v.village_name = r.village_name.to_string();
                }
                v.layers[k].rows[side] += 1;
                v.layers[k].m2[side] += r.area_m2;
                if let Some(g) = r.group {
                    groups.entry((&r.village_code, k)).or_default()[side].insert(g);
                }
            }
        }
    }
    for ((code, k), g) in &groups {
        if let Some(v) = all.get_mut(code) {
            v.layers[*k].groups = [g[0].len(), g[1].len()];
        }
    }
    let mut totals = VillageDelta {
        village_name: "(all villages)".into(),
        ..blank()
    };
    for v in all.values() {
        for (t, d) in totals.layers.iter_mut().zip(&v.layers) {
            for s in 0..2 {
                t.rows[s] += d.rows[s];
                t.m2[s] += d.m2[s];
                t.groups[s] += d.groups[s];
            }
        }
    }
    all.retain(|_, v| {
        v.layers.iter().zip(specs).any(|(d, spec)| {
            d.rows[0] != d.rows[1]
                || (spec.village_mu && (d.m2[0] - d.m2[1]).abs() > AREA_TOLERANCE_M2)
                || d.groups[0] != d.groups[1]
        })
    });
    (all.into_iter().map(|(code, v)| (code.to_string(), v)).collect(), totals)
}

/// The results GeoPackage of a results folder, or the file itself.
pub fn results_gpkg(path: &Path) -> Result<std::path::PathBuf> {
    if path.is_file() {
        return landcons_results(path.to_path_buf());
    }
    if !path.is_dir() {
        return Err(Error::input(path, "no such results folder or GeoPackage"));
    }
    // The manifest names the GeoPackage when output.gpkg was changed.
    let named = crate::output::Manifest::read(&path.join("manifest.json")).map(|m| m.settings.output.gpkg);
    let gpkg = path.join(named.as_deref().unwrap_or("landcons.gpkg"));
    if gpkg.is_file() {
        landcons_results(gpkg)
    } else {
        Err(Error::input(path, format!("holds no results GeoPackage ({} not found)", gpkg.display())))
    }
}

/// A GeoPackage a landcons run wrote (its run metadata), else an error: any other file
/// would compare as "no rows" and report nothing changed.
fn landcons_results(gpkg: std::path::PathBuf) -> Result<std::path::PathBuf> {
    match crate::output::guard::is_results_gpkg(&gpkg) {
        true => Ok(gpkg),
        false => Err(Error::input(&gpkg, "is not a landcons results GeoPackage (it has no landcons run metadata); diff compares the results of two landcons runs")),
    }
}

/// The metadata item that marks a GeoPackage of change layers written by `landcons diff`.
const CHANGES_MARK: &str = "LANDCONS_CHANGES";

/// `landcons diff`: compares two results and, given `out`, writes the change layers.
/// `out` never replaces OLD, NEW, a results GeoPackage or a file of a result set, nor
/// (unless `force`) an existing file that is not an earlier `landcons diff` output.
pub fn diff(old: &Path, new: &Path, out: Option<&Path>, force: bool) -> Result<Changes> {
    let (old_gpkg, new_gpkg) = (results_gpkg(old)?, results_gpkg(new)?);
    if let Some(out) = out {
        let made_here = |p: &Path| crate::output::guard::has_metadata(p, CHANGES_MARK);
        let target = crate::output::guard::Target { path: out, option: "--out", made_here: &made_here };
        crate::output::guard::check_target(&target, &[old_gpkg.as_path(), new_gpkg.as_path()], force)?;
    }
    let mut changes = compare(&Snapshot::read(&old_gpkg)?, &Snapshot::read(&new_gpkg)?);
    if let Some(out) = out {
        changes.locate(Shapes::File(&old_gpkg), Shapes::File(&new_gpkg))?;
        let crs = layer_crs_wkt(&new_gpkg)?;
        let name = out.file_name().and_then(|n| n.to_str()).unwrap_or("changes.gpkg");
        let staged = out.with_file_name(format!(".partial-{name}"));
        let _ = std::fs::remove_file(&staged);
        let write = || -> Result<()> {
            let mut gpkg = GpkgWriter::create(&staged)?;
            changes.write_layers(&mut gpkg, &crs)?;
            // No pipeline here: the default language and grade breaks.
            let defaults = crate::settings::Settings::default();
            gpkg.write_styles(&changes.styles(defaults.output.language, &defaults.terrain.grade_breaks))?;
            gpkg.set_metadata(CHANGES_MARK, env!("CARGO_PKG_VERSION"))?;
            gpkg.close()
        };
        if let Err(e) = write() {
            let _ = std::fs::remove_file(&staged);
            return Err(e);
        }
        std::fs::rename(&staged, out).map_err(|e| Error::output_from(out, "cannot move into place", e))?;
    }
    Ok(changes)
}

/// The CRS of the first compared spatial layer of a results GeoPackage.
fn layer_crs_wkt(gpkg: &Path) -> Result<String> {
    use gdal::vector::LayerAccess;
    let ds = gdal::Dataset::open(gpkg).map_err(|e| Error::input_from(gpkg, "cannot open", e))?;
    let crs = registry()
        .iter()
        .filter(|l| l.changes().is_some() && l.spatial())
        .filter_map(|l| ds.layer_by_name(l.name()).ok())
        .find_map(|l| l.spatial_ref().and_then(|s| s.to_wkt().ok()));
    Ok(crs.unwrap_or_default())
}
