//! Rows as writers see them: a layer of the registry over the run's data, or a table
//! held in memory (a change report), behind one trait.

use std::borrow::Cow;

use geo::MultiPolygon;

use crate::layers::{Layer, RunData};
use crate::table::{AttrValue, FieldSpec, Table};

/// A sequence of rows with fixed columns, optionally with a geometry per row.
pub trait Rows: Sync {
    fn columns(&self) -> &[FieldSpec];
    fn len(&self) -> usize;
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
    fn spatial(&self) -> bool;
    /// Appends the values of row `i` to `out` (which the caller clears).
    fn fill<'s>(&'s self, i: usize, out: &mut Vec<AttrValue<'s>>);
    fn geometry(&self, i: usize) -> Option<Cow<'_, MultiPolygon<f64>>>;
}

/// A registry layer's rows over a run's data.
pub struct LayerRows<'a, 'd> {
    pub layer: &'static dyn Layer,
    data: &'d RunData<'a>,
    items: Vec<usize>,
    columns: Vec<FieldSpec>,
}

impl<'a, 'd> LayerRows<'a, 'd> {
    pub fn new(layer: &'static dyn Layer, data: &'d RunData<'a>) -> Self {
        LayerRows {
            layer,
            items: layer.items(data),
            columns: layer.fields(data).iter().map(|f| f.spec()).collect(),
            data,
        }
    }
}

impl Rows for LayerRows<'_, '_> {
    fn columns(&self) -> &[FieldSpec] {
        &self.columns
    }
    fn len(&self) -> usize {
        self.items.len()
    }
    fn spatial(&self) -> bool {
        self.layer.spatial()
    }
    fn fill<'s>(&'s self, i: usize, out: &mut Vec<AttrValue<'s>>) {
        let data: &'s RunData<'s> = self.data;
        self.layer.row(data, self.items[i], out);
    }
    fn geometry(&self, i: usize) -> Option<Cow<'_, MultiPolygon<f64>>> {
        self.layer.geometry(self.data, self.items[i])
    }
}

/// A table in memory, with geometries when it is a map layer.
pub struct TableRows<'t> {
    pub table: &'t Table,
    pub geometries: Option<&'t [MultiPolygon<f64>]>,
}

impl Rows for TableRows<'_> {
    fn columns(&self) -> &[FieldSpec] {
        &self.table.columns
    }
    fn len(&self) -> usize {
        self.table.rows.len()
    }
    fn spatial(&self) -> bool {
        self.geometries.is_some()
    }
    fn fill<'s>(&'s self, i: usize, out: &mut Vec<AttrValue<'s>>) {
        out.extend(self.table.rows[i].iter().cloned());
    }
    fn geometry(&self, i: usize) -> Option<Cow<'_, MultiPolygon<f64>>> {
        self.geometries.map(|g| Cow::Borrowed(&g[i]))
    }
}
