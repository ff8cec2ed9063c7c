//! Change report between two runs: which reforestation and merge candidates were added,
//! removed or changed (keyed by parcel id), and what that does to each village.
//!
//! Both sides are read from the same tables the results GeoPackage holds
//! (`reforestation_candidates`, `merge_candidates`), so `landcons diff OLD NEW` and the
//! comparison a run makes with the results it replaces give the same answer.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use geo::MultiPolygon;

use crate::error::{Error, Result};
use crate::output::gpkg::{read_layer, GpkgWriter};
use crate::output::table::{column, round, Table};
use crate::output::{mu, styles};
use crate::parcels::{AttrValue, FieldKind};

/// Areas are stored to the centimetre² in the candidate layers; a change below this is
/// rounding, not a redrawn parcel.
const AREA_TOLERANCE_M2: f64 = 0.01;

/// One candidate parcel as the results describe it.
#[derive(Debug, Clone)]
pub struct Candidate {
    pub land_use: String,
    pub village_code: String,
    pub village_name: String,
    pub grade: i64,
    pub area_m2: f64,
    /// Merge group id (merge candidates only).
    pub group: Option<i64>,
    pub geometry: MultiPolygon<f64>,
}

/// The candidates of one run, by parcel id.
#[derive(Debug, Clone, Default)]
pub struct Snapshot {
    pub reforestation: BTreeMap<String, Candidate>,
    pub merge: BTreeMap<String, Candidate>,
}

impl Snapshot {
    /// Reads the candidate layers of a results GeoPackage.
    pub fn read(gpkg: &Path) -> Result<Snapshot> {
        let (t, g) = read_layer(gpkg, "reforestation_candidates")?;
        let reforestation = candidates_of(gpkg, "reforestation_candidates", &t, g)?;
        let (t, g) = read_layer(gpkg, "merge_candidates")?;
        let merge = candidates_of(gpkg, "merge_candidates", &t, g)?;
        Ok(Snapshot {
            reforestation,
            merge,
        })
    }

    /// From the tables a run is about to write (same columns as the layers).
    pub fn from_tables(
        reforestation: (&Table, &[&MultiPolygon<f64>]),
        merge: (&Table, &[&MultiPolygon<f64>]),
    ) -> Result<Snapshot> {
        let owned = |g: &[&MultiPolygon<f64>]| g.iter().map(|m| (*m).clone()).collect();
        Ok(Snapshot {
            reforestation: candidates_of(
                Path::new(""),
                "reforestation_candidates",
                reforestation.0,
                owned(reforestation.1),
            )?,
            merge: candidates_of(Path::new(""), "merge_candidates", merge.0, owned(merge.1))?,
        })
    }

    /// Member ids of each merge group.
    fn group_members(&self) -> BTreeMap<i64, BTreeSet<&str>> {
        let mut out: BTreeMap<i64, BTreeSet<&str>> = BTreeMap::new();
        for (id, c) in &self.merge {
            if let Some(g) = c.group {
                out.entry(g).or_default().insert(id.as_str());
            }
        }
        out
    }
}

fn candidates_of(
    path: &Path,
    layer: &str,
    table: &Table,
    geometries: Vec<MultiPolygon<f64>>,
) -> Result<BTreeMap<String, Candidate>> {
    let index = |name: &str| table.columns.iter().position(|c| c.name == name);
    let need = |name: &str| {
        index(name).ok_or_else(|| {
            Error::input(
                path,
                format!("layer {layer} has no column {name}: not a landcons results GeoPackage of this version"),
            )
        })
    };
    let (id, land_use, code, name, grade, area) = (
        need("parcel_id")?,
        need("land_use")?,
        need("village_code")?,
        need("village_name")?,
        need("grade")?,
        need("area_m2")?,
    );
    let group = index("group_id");
    let mut out = BTreeMap::new();
    for (row, geometry) in table.rows.iter().zip(geometries) {
        out.insert(
            row[id].as_text(),
            Candidate {
                land_use: row[land_use].as_text(),
                village_code: row[code].as_text(),
                village_name: row[name].as_text(),
                grade: row[grade].as_f64().unwrap_or(0.0) as i64,
                area_m2: row[area].as_f64().unwrap_or(f64::NAN),
                group: group.and_then(|g| row[g].as_f64()).map(|g| g as i64),
                geometry,
            },
        );
    }
    Ok(out)
}

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

/// One parcel whose candidacy differs between the runs.
#[derive(Debug, Clone)]
pub struct Change {
    pub parcel_id: String,
    pub kind: ChangeKind,
    /// What changed, e.g. "grade 4 → 5; area 1200.00 → 1350.20 m²".
    pub detail: String,
    pub old: Option<Candidate>,
    pub new: Option<Candidate>,
    /// Merge only: the other members of the parcel's group, before and after.
    pub old_partners: Vec<String>,
    pub new_partners: Vec<String>,
}

/// Candidate counts and areas of one village, before and after.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct VillageDelta {
    pub village_name: String,
    pub reforestation: [usize; 2],
    pub reforestation_m2: [f64; 2],
    pub merge_plots: [usize; 2],
    pub merge_groups: [usize; 2],
}

#[derive(Debug, Clone, Default)]
pub struct Changes {
    pub reforestation: Vec<Change>,
    pub merge: Vec<Change>,
    /// Villages whose figures differ, by village code.
    pub villages: BTreeMap<String, VillageDelta>,
    pub totals: VillageDelta,
}

/// Compares two runs' candidates.
pub fn compare(old: &Snapshot, new: &Snapshot) -> Changes {
    let reforestation = diff_map(&old.reforestation, &new.reforestation, |_, _| None);
    let old_groups = old.group_members();
    let new_groups = new.group_members();
    let partners = |groups: &BTreeMap<i64, BTreeSet<&str>>, id: &str, c: &Candidate| {
        c.group
            .and_then(|g| groups.get(&g))
            .map(|m| {
                m.iter()
                    .filter(|p| **p != id)
                    .map(|p| p.to_string())
                    .collect()
            })
            .unwrap_or_default()
    };
    let mut merge = diff_map(&old.merge, &new.merge, |o, n| {
        // Group ids are renumbered when groups come and go: a group is the same when
        // its members are.
        let before = old_groups.get(&o.group?)?;
        let after = new_groups.get(&n.group?)?;
        (before != after).then(|| "group members changed".to_string())
    });
    for c in &mut merge {
        if let Some(o) = &c.old {
            c.old_partners = partners(&old_groups, &c.parcel_id, o);
        }
        if let Some(n) = &c.new {
            c.new_partners = partners(&new_groups, &c.parcel_id, n);
        }
    }
    let (villages, totals) = village_deltas(old, new);
    Changes {
        reforestation,
        merge,
        villages,
        totals,
    }
}

fn diff_map(
    old: &BTreeMap<String, Candidate>,
    new: &BTreeMap<String, Candidate>,
    other: impl Fn(&Candidate, &Candidate) -> Option<String>,
) -> Vec<Change> {
    let ids: BTreeSet<&String> = old.keys().chain(new.keys()).collect();
    let mut out = Vec::new();
    for id in ids {
        let (o, n) = (old.get(id), new.get(id));
        let (kind, detail) = match (o, n) {
            (None, Some(n)) => (
                ChangeKind::Added,
                format!("grade {}, {:.2} m²", n.grade, n.area_m2),
            ),
            (Some(o), None) => (
                ChangeKind::Removed,
                format!("was grade {}, {:.2} m²", o.grade, o.area_m2),
            ),
            (Some(o), Some(n)) => {
                let mut what = Vec::new();
                if o.grade != n.grade {
                    what.push(format!("grade {} → {}", o.grade, n.grade));
                }
                if (o.area_m2 - n.area_m2).abs() > AREA_TOLERANCE_M2 {
                    what.push(format!("area {:.2} → {:.2} m²", o.area_m2, n.area_m2));
                }
                what.extend(other(o, n));
                if what.is_empty() {
                    continue;
                }
                (ChangeKind::Changed, what.join("; "))
            }
            (None, None) => continue,
        };
        out.push(Change {
            parcel_id: id.clone(),
            kind,
            detail,
            old: o.cloned(),
            new: n.cloned(),
            old_partners: Vec::new(),
            new_partners: Vec::new(),
        });
    }
    out
}

fn village_deltas(
    old: &Snapshot,
    new: &Snapshot,
) -> (BTreeMap<String, VillageDelta>, VillageDelta) {
    let mut all: BTreeMap<String, VillageDelta> = BTreeMap::new();
    let mut groups: BTreeMap<String, [BTreeSet<i64>; 2]> = BTreeMap::new();
    for (side, snap) in [old, new].into_iter().enumerate() {
        for c in snap.reforestation.values() {
            let v = all.entry(c.village_code.clone()).or_default();
            v.village_name.clone_from(&c.village_name);
            v.reforestation[side] += 1;
            v.reforestation_m2[side] += c.area_m2;
        }
        for c in snap.merge.values() {
            let v = all.entry(c.village_code.clone()).or_default();
            v.village_name.clone_from(&c.village_name);
            v.merge_plots[side] += 1;
            if let Some(g) = c.group {
                groups.entry(c.village_code.clone()).or_default()[side].insert(g);
            }
        }
    }
    for (code, g) in &groups {
        if let Some(v) = all.get_mut(code) {
            v.merge_groups = [g[0].len(), g[1].len()];
        }
    }
    let mut totals = VillageDelta {
        village_name: "(all villages)".into(),
        ..Default::default()
    };
    for v in all.values() {
        for s in 0..2 {
            totals.reforestation[s] += v.reforestation[s];
            totals.reforestation_m2[s] += v.reforestation_m2[s];
            totals.merge_plots[s] += v.merge_plots[s];
            totals.merge_groups[s] += v.merge_groups[s];
        }
    }
    all.retain(|_, v| {
        v.reforestation[0] != v.reforestation[1]
            || (v.reforestation_m2[0] - v.reforestation_m2[1]).abs() > AREA_TOLERANCE_M2
            || v.merge_plots[0] != v.merge_plots[1]
            || v.merge_groups[0] != v.merge_groups[1]
    });
    (all, totals)
}

impl Changes {
    pub fn count(list: &[Change], kind: ChangeKind) -> usize {
        list.iter().filter(|c| c.kind == kind).count()
    }

    pub fn is_empty(&self) -> bool {
        self.reforestation.is_empty() && self.merge.is_empty()
    }

    /// A few lines for stdout and the manifest.
    pub fn summary(&self) -> String {
        use ChangeKind::*;
        let t = &self.totals;
        let line = |name: &str, list: &[Change]| {
            format!(
                "{name}: {} added, {} removed, {} changed",
                Self::count(list, Added),
                Self::count(list, Removed),
                Self::count(list, Changed)
            )
        };
        format!(
            "{}\n  candidates {} → {} ({:+.2} mu)\n{}\n  plots {} → {}, groups {} → {}\nvillages with changes: {}",
            line("reforestation candidates", &self.reforestation),
            t.reforestation[0],
            t.reforestation[1],
            mu(t.reforestation_m2[1] - t.reforestation_m2[0]),
            line("merge candidates", &self.merge),
            t.merge_plots[0],
            t.merge_plots[1],
            t.merge_groups[0],
            t.merge_groups[1],
            self.villages.len()
        )
    }

    /// The figures of [`Changes::summary`] as JSON (manifest, `diff --json`).
    pub fn summary_json(&self) -> serde_json::Value {
        use ChangeKind::*;
        let counts = |list: &[Change]| {
            serde_json::json!({
                "added": Self::count(list, Added),
                "removed": Self::count(list, Removed),
                "changed": Self::count(list, Changed),
            })
        };
        serde_json::json!({
            "reforestation": counts(&self.reforestation),
            "merge": counts(&self.merge),
            "villages_changed": self.villages.len(),
            "summary": self.summary(),
        })
    }

    /// Writes `changes_reforestation`, `changes_merge` and `changes_villages` (with QGIS
    /// styles when `with_styles`: a run's GeoPackage writes all its styles at once).
    pub fn write_layers(&self, gpkg: &mut GpkgWriter, crs_wkt: &str) -> Result<()> {
        for (name, list) in [
            ("changes_reforestation", &self.reforestation),
            ("changes_merge", &self.merge),
        ] {
            let (table, geometries) = change_table(list, name == "changes_merge");
            let refs: Vec<&MultiPolygon<f64>> = geometries.iter().collect();
            gpkg.write_layer(name, crs_wkt, &table, Some(&refs))?;
        }
        gpkg.write_layer("changes_villages", "", &self.village_table(), None)
    }

    /// Styles of the change layers, for [`GpkgWriter::write_styles`].
    pub fn styles() -> Vec<(&'static str, String, &'static str)> {
        vec![
            (
                "changes_reforestation",
                styles::changes_qml(),
                "reforestation candidates added, removed or changed since the previous run",
            ),
            (
                "changes_merge",
                styles::changes_qml(),
                "merge candidates added, removed or changed since the previous run",
            ),
        ]
    }

    fn village_table(&self) -> Table {
        use FieldKind::*;
        let mut columns = vec![column("village_code", Text), column("village_name", Text)];
        for name in [
            "reforestation",
            "reforestation_mu",
            "merge_plots",
            "merge_groups",
        ] {
            let kind = if name.ends_with("_mu") { Real } else { Int };
            for side in ["old", "new", "delta"] {
                columns.push(column(&format!("{name}_{side}"), kind));
            }
        }
        let row = |code: &str, v: &VillageDelta| {
            let mut r = vec![
                AttrValue::Text(code.to_string()),
                AttrValue::Text(v.village_name.clone()),
            ];
            let ints = |r: &mut Vec<AttrValue>, x: [usize; 2]| {
                r.extend([
                    AttrValue::Int(x[0] as i64),
                    AttrValue::Int(x[1] as i64),
                    AttrValue::Int(x[1] as i64 - x[0] as i64),
                ])
            };
            ints(&mut r, v.reforestation);
            let (a, b) = (mu(v.reforestation_m2[0]), mu(v.reforestation_m2[1]));
            r.extend([
                AttrValue::Real(round(a, 2)),
                AttrValue::Real(round(b, 2)),
                AttrValue::Real(round(b - a, 2)),
            ]);
            ints(&mut r, v.merge_plots);
            ints(&mut r, v.merge_groups);
            r
        };
        let mut rows: Vec<Vec<AttrValue>> = self.villages.iter().map(|(c, v)| row(c, v)).collect();
        rows.push(row("", &self.totals));
        Table { columns, rows }
    }
}

fn change_table(list: &[Change], merge: bool) -> (Table, Vec<MultiPolygon<f64>>) {
    use FieldKind::*;
    let mut columns = vec![
        column("parcel_id", Text),
        column("change", Text),
        column("detail", Text),
        column("village_code", Text),
        column("village_name", Text),
        column("land_use_old", Text),
        column("land_use_new", Text),
        column("grade_old", Int),
        column("grade_new", Int),
        column("area_m2_old", Real),
        column("area_m2_new", Real),
    ];
    if merge {
        columns.extend([
            column("group_old", Int),
            column("group_new", Int),
            column("partners_old", Text),
            column("partners_new", Text),
        ]);
    }
    let mut rows = Vec::new();
    let mut geometries = Vec::new();
    for c in list {
        let side = |f: &dyn Fn(&Candidate) -> AttrValue, x: &Option<Candidate>| {
            x.as_ref().map(f).unwrap_or(AttrValue::Null)
        };
        // The current geometry, or the last known one for a parcel that is gone.
        let Some(now) = c.new.as_ref().or(c.old.as_ref()) else {
            continue;
        };
        let mut row = vec![
            AttrValue::Text(c.parcel_id.clone()),
            AttrValue::Text(c.kind.name().into()),
            AttrValue::Text(c.detail.clone()),
            AttrValue::Text(now.village_code.clone()),
            AttrValue::Text(now.village_name.clone()),
            side(&|x| AttrValue::Text(x.land_use.clone()), &c.old),
            side(&|x| AttrValue::Text(x.land_use.clone()), &c.new),
            side(&|x| AttrValue::Int(x.grade), &c.old),
            side(&|x| AttrValue::Int(x.grade), &c.new),
            side(&|x| AttrValue::Real(x.area_m2), &c.old),
            side(&|x| AttrValue::Real(x.area_m2), &c.new),
        ];
        if merge {
            let group = |x: &Candidate| x.group.map(AttrValue::Int).unwrap_or(AttrValue::Null);
            row.push(side(&group, &c.old));
            row.push(side(&group, &c.new));
            row.push(AttrValue::Text(c.old_partners.join(",")));
            row.push(AttrValue::Text(c.new_partners.join(",")));
        }
        rows.push(row);
        geometries.push(now.geometry.clone());
    }
    (Table { columns, rows }, geometries)
}

/// The results GeoPackage of a results folder, or the file itself.
pub fn results_gpkg(path: &Path) -> Result<std::path::PathBuf> {
    if path.is_file() {
        return Ok(path.to_path_buf());
    }
    if !path.is_dir() {
        return Err(Error::input(path, "no such results folder or GeoPackage"));
    }
    // The manifest names the GeoPackage when output.gpkg was changed.
    let named = std::fs::read_to_string(path.join("manifest.json"))
        .ok()
        .and_then(|t| serde_json::from_str::<serde_json::Value>(&t).ok())
        .and_then(|m| m["settings"]["output"]["gpkg"].as_str().map(String::from));
    let gpkg = path.join(named.as_deref().unwrap_or("landcons.gpkg"));
    if gpkg.is_file() {
        Ok(gpkg)
    } else {
        Err(Error::input(
            path,
            format!("holds no results GeoPackage ({} not found)", gpkg.display()),
        ))
    }
}

/// `landcons diff`: compares two results and, given `out`, writes the change layers.
pub fn diff(old: &Path, new: &Path, out: Option<&Path>) -> Result<Changes> {
    let (old_gpkg, new_gpkg) = (results_gpkg(old)?, results_gpkg(new)?);
    let changes = compare(&Snapshot::read(&old_gpkg)?, &Snapshot::read(&new_gpkg)?);
    if let Some(out) = out {
        let crs = layer_crs_wkt(&new_gpkg, "merge_candidates")?;
        let staged = out.with_file_name(format!(
            ".partial-{}",
            out.file_name()
                .and_then(|n| n.to_str())
                .unwrap_or("changes.gpkg")
        ));
        let _ = std::fs::remove_file(&staged);
        let write = || -> Result<()> {
            let mut gpkg = GpkgWriter::create(&staged)?;
            changes.write_layers(&mut gpkg, &crs)?;
            gpkg.write_styles(&Changes::styles())?;
            gpkg.close()
        };
        if let Err(e) = write() {
            let _ = std::fs::remove_file(&staged);
            return Err(e);
        }
        std::fs::rename(&staged, out).map_err(|e| Error::output(out, e))?;
    }
    Ok(changes)
}

fn layer_crs_wkt(gpkg: &Path, layer: &str) -> Result<String> {
    use gdal::vector::LayerAccess;
    let ds = gdal::Dataset::open(gpkg).map_err(|e| Error::input(gpkg, e))?;
    let l = ds
        .layer_by_name(layer)
        .map_err(|e| Error::input(gpkg, format!("layer {layer}: {e}")))?;
    Ok(l.spatial_ref()
        .and_then(|s| s.to_wkt().ok())
        .unwrap_or_default())
}
