//! The layers a report reads, as the GeoPackage and the CSVs hold them: rows drawn
//! through the registry (same fields, same rounding), so a number in the report is a
//! number a user finds in the results.

use std::collections::BTreeMap;

use rayon::prelude::*;

use crate::layers::{by_name, RunData};
use crate::output::rows::{LayerRows, Rows};
use crate::table::{AttrValue, Table};

/// One written layer's rows, values owned.
#[derive(Default)]
pub struct Held {
    pub table: Table,
}

impl Held {
    /// The rows of layer `name`, or None when this run does not write it (a rule
    /// switched off, or a stage that did not run). With `only`, just those columns are
    /// kept: a per-parcel layer of a province is counted by village, not held whole.
    pub fn read(data: &RunData, name: &str, only: Option<&[&str]>) -> Option<Held> {
        let layer = by_name(name).filter(|l| l.enabled(data) && l.ready(data))?;
        let rows = LayerRows::new(layer, data);
        let kept: Vec<usize> = (0..rows.columns().len())
            .filter(|&c| only.is_none_or(|names| names.contains(&rows.columns()[c].name.as_ref())))
            .collect();
        // Rows in parallel (in order): the report is written at the run's end, where the
        // GeoPackage being closed leaves a core free.
        let owned = (0..rows.len())
            .into_par_iter()
            .map_init(Vec::new, |values, i| {
                values.clear();
                rows.fill(i, values);
                kept.iter().map(|&c| values[c].clone().into_owned()).collect()
            })
            .collect();
        let columns = kept.iter().map(|&c| rows.columns()[c].clone()).collect();
        Some(Held { table: Table { columns, rows: owned } })
    }

    /// How many rows layer `name` has (0 when it is not written), without reading them.
    pub fn count(data: &RunData, name: &str) -> Option<usize> {
        let layer = by_name(name).filter(|l| l.enabled(data) && l.ready(data))?;
        Some(LayerRows::new(layer, data).len())
    }

    fn value(&self, row: usize, field: &str) -> Option<&AttrValue<'static>> {
        let c = self.table.column(field)?;
        self.table.rows.get(row)?.get(c)
    }

    /// A number of a row; NaN (shown as "—") when the field is missing or null.
    pub fn num(&self, row: usize, field: &str) -> f64 {
        self.value(row, field).and_then(AttrValue::as_f64).unwrap_or(f64::NAN)
    }

    pub fn text(&self, row: usize, field: &str) -> String {
        self.value(row, field).map(AttrValue::as_text).unwrap_or_default()
    }

    /// The total row: the one whose first column says "total" (village_summary's
    /// `TOTAL`, the ledgers' and the indicator table's `total` level).
    pub fn total_row(&self) -> Option<usize> {
        self.table.rows.iter().position(|r| matches!(r.first(), Some(AttrValue::Text(t)) if t.eq_ignore_ascii_case("total")))
    }

    /// A field of the total row.
    pub fn total(&self, field: &str) -> Option<f64> {
        self.total_row().map(|r| self.num(r, field))
    }

    /// Every row but the total row, in layer order.
    pub fn detail_rows(&self) -> impl Iterator<Item = usize> + '_ {
        let total = self.total_row();
        (0..self.table.rows.len()).filter(move |r| Some(*r) != total)
    }

    /// Rows per value of `field` (e.g. merge plots per village code).
    pub fn count_by(&self, field: &str) -> BTreeMap<String, usize> {
        let mut out = BTreeMap::new();
        for r in 0..self.table.rows.len() {
            *out.entry(self.text(r, field)).or_insert(0) += 1;
        }
        out
    }
}
