//! The change report as users see it: a summary (stdout, manifest), the layers
//! `changes_<label>` (one feature per changed row, styled) and `changes_villages`.

use geo::MultiPolygon;

use super::{Change, ChangeKind, Changes, LayerChanges, VillageDelta};
use crate::error::Result;
use crate::layers::present::{forms, name_of};
use crate::layers::style::{Fill, Style};
use crate::layers::{by_change_label, ChangeSpec, Field, Values};
use crate::output::gpkg::{GpkgWriter, StyleRow};
use crate::output::qml::vector_qml;
use crate::output::rows::TableRows;
use crate::settings::Language;
use crate::table::{AttrValue, FieldKind, FieldSpec, Table};
use crate::units::{mu, round};

impl Changes {
    fn count(list: &[Change], kind: ChangeKind) -> usize {
        list.iter().filter(|c| c.kind == kind).count()
    }

    pub fn is_empty(&self) -> bool {
        self.layers.iter().all(|l| l.changes.is_empty())
    }

    /// A few lines for stdout and the manifest.
    pub fn summary(&self) -> String {
        let mut lines = Vec::new();
        for (k, l) in self.layers.iter().enumerate() {
            use ChangeKind::*;
            let c = &l.changes;
            lines.push(format!(
                "{}: {} added, {} removed, {} changed",
                l.spec.title,
                Self::count(c, Added),
                Self::count(c, Removed),
                Self::count(c, Changed)
            ));
            let t = &self.totals.layers[k];
            let mut detail = format!("  {} {} → {}", l.spec.noun, t.rows[0], t.rows[1]);
            if l.spec.village_mu {
                detail.push_str(&format!(" ({:+.2} mu)", mu(t.m2[1] - t.m2[0])));
            }
            if l.spec.group.is_some() {
                detail.push_str(&format!(", groups {} → {}", t.groups[0], t.groups[1]));
            }
            lines.push(detail);
        }
        lines.push(format!("villages with changes: {}", self.villages.len()));
        lines.join("\n")
    }

    /// The figures of [`Changes::summary`] as JSON (manifest, `diff --json`).
    pub fn summary_json(&self) -> serde_json::Value {
        use ChangeKind::*;
        let mut object = serde_json::Map::new();
        for l in &self.layers {
            let c = &l.changes;
            object.insert(
                l.spec.label.to_string(),
                serde_json::json!({
                    "added": Self::count(c, Added),
                    "removed": Self::count(c, Removed),
                    "changed": Self::count(c, Changed),
                }),
            );
        }
        object.insert("villages_changed".into(), self.villages.len().into());
        object.insert("summary".into(), self.summary().into());
        serde_json::Value::Object(object)
    }

    /// Writes `changes_<label>` for every compared layer, and `changes_villages`.
    pub fn write_layers(&self, gpkg: &mut GpkgWriter, crs_wkt: &str) -> Result<()> {
        for l in &self.layers {
            let (table, geometries) = change_table(l);
            let rows = TableRows { table: &table, geometries: Some(&geometries) };
            gpkg.write_layer(&format!("changes_{}", l.spec.label), crs_wkt, &rows)?;
        }
        let table = self.village_table();
        gpkg.write_layer("changes_villages", "", &TableRows { table: &table, geometries: None })
    }

    /// Styles of the change layers and of `changes_villages`: legend, aliases and value
    /// maps in `lang` (grade names after `breaks`).
    pub fn styles(&self, lang: Language, breaks: &[f64; 4]) -> Vec<StyleRow> {
        let mut rows: Vec<StyleRow> = self
            .layers
            .iter()
            .map(|l| StyleRow {
                table: format!("changes_{}", l.spec.label),
                spatial: true,
                qml: vector_qml(Some(&change_style(lang, breaks)), None, &forms(&change_fields(l), lang, breaks)),
                description: format!("{} added, removed or changed since the previous run", l.spec.title),
            })
            .collect();
        rows.push(StyleRow {
            table: "changes_villages".into(),
            spatial: false,
            qml: vector_qml(None, None, &forms(&self.village_fields(), lang, breaks)),
            description: "per village: candidates before and after, and the difference".into(),
        });
        rows
    }

    /// The columns of `changes_villages`, with their Chinese names.
    fn village_fields(&self) -> Vec<Field> {
        use FieldKind::*;
        let mut fields = vec![Field::new("village_code", Text, "村代码", ""), Field::new("village_name", Text, "村名称", "")];
        for l in &self.layers {
            let title = zh_title(&l.spec);
            let mut add = |name: String, kind, alias: String, unit| {
                for (side, zh) in [("old", "上次"), ("new", "本次"), ("delta", "增减")] {
                    fields.push(Field::owned(format!("{name}_{side}"), kind, format!("{alias}（{zh}）"), unit));
                }
            };
            add(l.spec.count_label.to_string(), Int, format!("{title}数"), "");
            if l.spec.village_mu {
                add(format!("{}_mu", l.spec.count_label), Real, format!("{title}面积·亩"), "");
            }
            if let Some((_, label)) = l.spec.group {
                add(label.to_string(), Int, "归并组数".into(), "");
            }
        }
        fields
    }

    /// The `changes_villages` table: per village (and, last, the total row with an empty
    /// code) each compared layer's old, new and delta figures.
    pub fn village_table(&self) -> Table {
        let columns = self.village_fields().iter().map(Field::spec).collect();
        let mut rows: Vec<_> = self.villages.iter().map(|(c, v)| self.village_row(c, v)).collect();
        rows.push(self.village_row("", &self.totals));
        Table { columns, rows }
    }

    fn village_row(&self, code: &str, v: &VillageDelta) -> Vec<AttrValue<'static>> {
        let mut r = vec![AttrValue::text(code.to_string()), AttrValue::text(v.village_name.clone())];
        let ints = |r: &mut Vec<AttrValue>, x: [usize; 2]| {
            r.extend([x[0] as i64, x[1] as i64, x[1] as i64 - x[0] as i64].map(AttrValue::Int))
        };
        for (l, d) in self.layers.iter().zip(&v.layers) {
            ints(&mut r, d.rows);
            if l.spec.village_mu {
                let (a, b) = (mu(d.m2[0]), mu(d.m2[1]));
                r.extend([round(a, 2), round(b, 2), round(b - a, 2)].map(AttrValue::Real));
            }
            if l.spec.group.is_some() {
                ints(&mut r, d.groups);
            }
        }
        r
    }
}

/// Added green, removed red, changed orange.
fn change_style(lang: Language, breaks: &[f64; 4]) -> Style {
    let cat = |value: &str, rgba: &str| {
        let label = name_of(Values::Change, value, lang, breaks);
        (value.to_string(), label, Fill::new(rgba, "40,40,40,255", 0.3))
    };
    Style::categorized(
        "change",
        vec![cat("added", "26,150,65,220"), cat("removed", "215,25,28,220"), cat("changed", "253,174,97,220")],
    )
}

/// The Chinese title of the layer a change spec compares (its label when unknown).
pub fn zh_title(spec: &ChangeSpec) -> &'static str {
    by_change_label(spec.label).map_or(spec.label, |l| l.title().zh)
}

/// The columns of `changes_<label>`, with their Chinese names and value maps: the
/// land use and grade when the layer has them, each compared figure before and after.
fn change_fields(l: &LayerChanges) -> Vec<Field> {
    use FieldKind::*;
    let spec = &l.spec;
    let mut fields = vec![
        Field::new(spec.key, Text, spec.key_alias, ""),
        Field::coded("change", Text, "变化类型", "", Values::Change),
        Field::new("detail", Text, "变化说明", ""),
        Field::new("village_code", Text, "坐落单位代码", ""),
        Field::new("village_name", Text, "坐落单位名称", ""),
    ];
    if !spec.land_use.is_empty() {
        fields.extend([Field::coded("land_use_old", Text, "上次地类编码", "", Values::LandUse), Field::coded("land_use_new", Text, "本次地类编码", "", Values::LandUse)]);
    }
    if !spec.grade.is_empty() {
        fields.extend([Field::coded("grade_old", Int, "上次坡度分级", "", Values::Grade), Field::coded("grade_new", Int, "本次坡度分级", "", Values::Grade)]);
    }
    fields.extend([Field::new("area_m2_old", Real, "上次面积", "m²"), Field::new("area_m2_new", Real, "本次面积", "m²")]);
    for (column, zh) in spec.figures {
        fields.push(Field::owned(format!("{column}_old"), Real, format!("上次{zh}"), ""));
        fields.push(Field::owned(format!("{column}_new"), Real, format!("本次{zh}"), ""));
    }
    if spec.group.is_some() {
        fields.extend([
            Field::new("group_old", Int, "上次归并组号", ""),
            Field::new("group_new", Int, "本次归并组号", ""),
            Field::new("partners_old", Text, "上次同组地块", ""),
            Field::new("partners_new", Text, "本次同组地块", ""),
        ]);
    }
    fields
}

fn change_columns(l: &LayerChanges) -> Vec<FieldSpec> {
    change_fields(l).iter().map(Field::spec).collect()
}

fn change_table(l: &LayerChanges) -> (Table, Vec<MultiPolygon<f64>>) {
    let mut rows = Vec::new();
    let mut geometries = Vec::new();
    for (k, c) in l.changes.iter().enumerate() {
        // The current figures, or the last known ones for a row that is gone.
        let Some(now) = c.new.as_ref().or(c.old.as_ref()) else { continue };
        rows.push(change_row(&l.spec, c, now));
        geometries.push(l.geometries.get(k).cloned().unwrap_or_else(|| MultiPolygon::new(vec![])));
    }
    (Table { columns: change_columns(l), rows }, geometries)
}

/// One row of `changes_<label>`, in [`change_fields`]' order.
fn change_row(spec: &ChangeSpec, c: &Change, now: &super::Record) -> Vec<AttrValue<'static>> {
    let both = |row: &mut Vec<AttrValue<'static>>, f: &dyn Fn(&super::Record) -> AttrValue<'static>| {
        row.push(c.old.as_ref().map_or(AttrValue::Null, f));
        row.push(c.new.as_ref().map_or(AttrValue::Null, f));
    };
    let mut row = vec![
        AttrValue::text(c.key.clone()),
        AttrValue::text(c.kind.name()),
        AttrValue::text(c.detail.clone()),
        AttrValue::text(now.village_code.to_string()),
        AttrValue::text(now.village_name.to_string()),
    ];
    if !spec.land_use.is_empty() {
        both(&mut row, &|x| AttrValue::text(x.land_use.to_string()));
    }
    if !spec.grade.is_empty() {
        both(&mut row, &|x| AttrValue::Int(x.grade));
    }
    both(&mut row, &|x| AttrValue::Real(x.area_m2));
    for k in 0..spec.figures.len() {
        both(&mut row, &|x| x.figures.get(k).map_or(AttrValue::Null, |v| AttrValue::Real(*v)));
    }
    if spec.group.is_some() {
        both(&mut row, &|x| AttrValue::opt_int(x.group));
        row.push(AttrValue::text(c.old_partners.join(",")));
        row.push(AttrValue::text(c.new_partners.join(",")));
    }
    row
}
