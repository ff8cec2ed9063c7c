//! The parcel layer as plain data: a compact store (columnar attributes, flat
//! coordinates) that every stage reads by parcel index, and its reading from a survey
//! delivery (`read.rs`).

mod columns;
mod field_index;
mod read;
mod shapes;

use std::path::PathBuf;

use geo::{MultiPolygon, Rect};

use crate::table::{AttrValue, FieldSpec};
use crate::vector::crs::WorkCrs;
use crate::vector::GeometryIssue;
use columns::{Column, TextColumn};
pub use read::{read_parcels, read_parcels_within, work_crs_of, Candidate, ReadOptions, Selection};
pub use shapes::Shapes;

/// Where the parcels came from.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct ParcelSource {
    pub path: PathBuf,
    pub layer_name: String,
    /// Encoding the attributes were decoded from ("UTF-8", "GBK", ...).
    pub encoding: String,
    /// Whether the parcels were reprojected on reading (into the working CRS).
    pub reprojected: bool,
    /// The metric CRS the parcels are held in.
    pub work_crs: WorkCrs,
    /// How the features were read: "arrow" (a GeoPackage's Arrow stream, in batches of
    /// columns) or "features" (one OGR feature at a time).
    pub read_as: &'static str,
}

/// The values the field map names, for one parcel (text trimmed).
#[derive(Debug, Clone, Default)]
pub struct Mapped<'a> {
    pub id: &'a str,
    pub land_use: &'a str,
    /// The survey's land-use name (DLMC), "" when the layer has none.
    pub land_use_name: &'a str,
    pub village_code: &'a str,
    pub village_name: &'a str,
    pub owner_code: &'a str,
    pub terrace_type: &'a str,
    /// The grade recorded in the survey (GDPDJB), when present and readable as 1–5.
    pub recorded_grade: Option<u8>,
    /// The official area (TBMJ), when present.
    pub official_area: Option<f64>,
}

/// Survey parcels (图斑), in input order; index i is parcel i everywhere.
#[derive(Debug)]
pub struct Parcels {
    pub source: ParcelSource,
    /// The input layer's columns, in order.
    pub fields: Vec<FieldSpec>,
    columns: Vec<Column>,
    ids: TextColumn,
    land_use: TextColumn,
    land_use_name: TextColumn,
    village_code: TextColumn,
    village_name: TextColumn,
    owner_code: TextColumn,
    terrace_type: TextColumn,
    recorded_grade: Vec<u8>,
    official_area: Vec<Option<f64>>,
    shapes: Shapes,
    /// Geometries that were repaired or skipped on reading.
    pub issues: Vec<GeometryIssue>,
}

impl Parcels {
    /// An empty store for parcels with the columns `fields`.
    pub fn new(source: ParcelSource, fields: Vec<FieldSpec>) -> Parcels {
        Parcels {
            source,
            columns: fields.iter().map(|f| Column::new(f.kind)).collect(),
            fields,
            ids: TextColumn::default(),
            land_use: TextColumn::default(),
            land_use_name: TextColumn::default(),
            village_code: TextColumn::default(),
            village_name: TextColumn::default(),
            owner_code: TextColumn::default(),
            terrace_type: TextColumn::default(),
            recorded_grade: Vec::new(),
            official_area: Vec::new(),
            shapes: Shapes::new(),
            issues: Vec::new(),
        }
    }

    /// Parcels with only ids and geometries (library callers, tests).
    pub fn from_geometries(items: impl IntoIterator<Item = (String, MultiPolygon<f64>)>) -> Parcels {
        let mut p = Parcels::new(ParcelSource::default(), Vec::new());
        for (id, g) in items {
            p.push(&[], &Mapped { id: &id, ..Default::default() }, &g);
        }
        p.seal();
        p
    }

    /// Appends one parcel: its attributes (in `fields` order), mapped values and geometry.
    pub fn push(&mut self, attributes: &[AttrValue], m: &Mapped, geometry: &MultiPolygon<f64>) {
        for (c, v) in self.columns.iter_mut().zip(attributes) {
            c.push(v);
        }
        self.ids.push(Some(m.id));
        self.land_use.push(Some(m.land_use));
        self.land_use_name.push(Some(m.land_use_name));
        self.village_code.push(Some(m.village_code));
        self.village_name.push(Some(m.village_name));
        self.owner_code.push(Some(m.owner_code));
        self.terrace_type.push(Some(m.terrace_type));
        self.recorded_grade.push(m.recorded_grade.unwrap_or(0));
        self.official_area.push(m.official_area);
        self.shapes.push(geometry);
    }

    /// Ends building: drops the building indexes and spare capacity.
    pub fn seal(&mut self) {
        self.columns.iter_mut().for_each(Column::seal);
        for c in [
            &mut self.ids,
            &mut self.land_use,
            &mut self.land_use_name,
            &mut self.village_code,
            &mut self.village_name,
            &mut self.owner_code,
            &mut self.terrace_type,
        ] {
            c.seal();
        }
        self.recorded_grade.shrink_to_fit();
        self.official_area.shrink_to_fit();
        self.shapes.shrink_to_fit();
    }

    pub fn len(&self) -> usize {
        self.ids.len()
    }

    /// While building, with every id so far distinct: the parcel with the id `id`.
    pub fn parcel_with_id(&self, id: &str) -> Option<usize> {
        self.ids.code_of(id).map(|c| c as usize)
    }

    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    pub fn id(&self, i: usize) -> &str {
        self.ids.get(i)
    }
    pub fn land_use(&self, i: usize) -> &str {
        self.land_use.get(i)
    }
    /// The survey's land-use name (DLMC); "" when it has none.
    pub fn land_use_name(&self, i: usize) -> &str {
        self.land_use_name.get(i)
    }
    pub fn village_code(&self, i: usize) -> &str {
        self.village_code.get(i)
    }
    pub fn village_name(&self, i: usize) -> &str {
        self.village_name.get(i)
    }
    pub fn owner_code(&self, i: usize) -> &str {
        self.owner_code.get(i)
    }
    pub fn terrace_type(&self, i: usize) -> &str {
        self.terrace_type.get(i)
    }
    pub fn recorded_grade(&self, i: usize) -> Option<u8> {
        Some(self.recorded_grade[i]).filter(|g| *g != 0)
    }
    pub fn official_area(&self, i: usize) -> Option<f64> {
        self.official_area[i]
    }

    /// Original attribute `column` of parcel `i`.
    pub fn attribute(&self, i: usize, column: usize) -> AttrValue<'_> {
        self.columns[column].get(i)
    }

    /// Parcel `i`'s geometry as a geo multipolygon (a copy).
    pub fn geometry(&self, i: usize) -> MultiPolygon<f64> {
        self.shapes.multipolygon(i)
    }

    /// The polygons of parcels `members`, gathered into one multipolygon (a copy): what a
    /// union of them starts from.
    pub fn gathered(&self, members: &[usize]) -> MultiPolygon<f64> {
        MultiPolygon::new(members.iter().flat_map(|&i| self.geometry(i).0).collect())
    }

    /// The flat geometry store (rings as slices).
    pub fn shapes(&self) -> &Shapes {
        &self.shapes
    }

    pub fn bounding_rect(&self, i: usize) -> Option<Rect<f64>> {
        self.shapes.bounding_rect(i)
    }

    /// Bounding box of all parcels (min x, min y, max x, max y).
    pub fn extent(&self) -> Option<[f64; 4]> {
        (0..self.len())
            .filter_map(|i| self.bounding_rect(i))
            .map(|r| [r.min().x, r.min().y, r.max().x, r.max().y])
            .reduce(|a, b| [a[0].min(b[0]), a[1].min(b[1]), a[2].max(b[2]), a[3].max(b[3])])
    }
}
