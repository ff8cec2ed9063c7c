//! Attribute values and tables as plain data: what readers produce and writers consume.

use std::borrow::Cow;

/// One attribute value. Text borrows where it can (rows built from the run's data) and
/// owns where it must (values read back from a file).
#[derive(Debug, Clone, PartialEq)]
pub enum AttrValue<'a> {
    Null,
    Int(i64),
    Real(f64),
    Text(Cow<'a, str>),
}

impl<'a> AttrValue<'a> {
    pub fn text(s: impl Into<Cow<'a, str>>) -> Self {
        AttrValue::Text(s.into())
    }

    /// A real number, or null when it is not finite (NaN statistics of empty parcels).
    pub fn real_or_null(v: f64) -> Self {
        if v.is_finite() {
            AttrValue::Real(v)
        } else {
            AttrValue::Null
        }
    }

    pub fn opt_int(v: Option<i64>) -> Self {
        v.map(AttrValue::Int).unwrap_or(AttrValue::Null)
    }

    pub fn as_text(&self) -> String {
        match self {
            AttrValue::Null => String::new(),
            AttrValue::Int(v) => v.to_string(),
            AttrValue::Real(v) => crate::units::unsigned_zero(*v).to_string(),
            AttrValue::Text(s) => s.to_string(),
        }
    }

    pub fn as_f64(&self) -> Option<f64> {
        match self {
            AttrValue::Int(v) => Some(*v as f64),
            AttrValue::Real(v) => Some(*v),
            AttrValue::Text(s) => s.trim().parse().ok(),
            AttrValue::Null => None,
        }
    }

    /// The same value with no borrow (to keep beyond the data it came from).
    pub fn into_owned(self) -> AttrValue<'static> {
        match self {
            AttrValue::Null => AttrValue::Null,
            AttrValue::Int(v) => AttrValue::Int(v),
            AttrValue::Real(v) => AttrValue::Real(v),
            AttrValue::Text(s) => AttrValue::Text(Cow::Owned(s.into_owned())),
        }
    }
}

/// The kind of an attribute column, kept so outputs can recreate it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldKind {
    Int,
    Real,
    Text,
}

/// A column as a source file declares it.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldSpec {
    pub name: String,
    pub kind: FieldKind,
    pub width: i32,
    pub precision: i32,
}

impl FieldSpec {
    pub fn new(name: &str, kind: FieldKind) -> FieldSpec {
        FieldSpec {
            name: name.to_string(),
            kind,
            width: 0,
            precision: 0,
        }
    }
}

/// Columns and rows of an attribute table (values owned: read back from a file).
#[derive(Debug, Clone, Default)]
pub struct Table {
    pub columns: Vec<FieldSpec>,
    pub rows: Vec<Vec<AttrValue<'static>>>,
}

impl Table {
    /// Position of a column by name.
    pub fn column(&self, name: &str) -> Option<usize> {
        self.columns.iter().position(|c| c.name == name)
    }
}

/// One column of a layer: its name, kind, Chinese alias and unit.
#[derive(Debug, Clone, PartialEq)]
pub struct Field {
    pub name: Cow<'static, str>,
    pub kind: FieldKind,
    /// Chinese name shown in QGIS and in tables (地类编码, 面积（亩）, ...).
    pub alias: Cow<'static, str>,
    /// Unit ("m²", "亩", "°", ...; "" for none).
    pub unit: &'static str,
    /// The value map QGIS shows its values through (codes → names), if any.
    pub values: Option<Values>,
    /// The heading over a run of columns in spreadsheets (耕地保有量 over its 现状 and
    /// 规划 columns); the alias minus this prefix heads the column itself.
    pub group: Option<Cow<'static, str>>,
    /// Decimals a spreadsheet shows (None: by the unit).
    pub decimals: Option<u8>,
}

impl Field {
    pub const fn new(name: &'static str, kind: FieldKind, alias: &'static str, unit: &'static str) -> Field {
        Field {
            name: Cow::Borrowed(name),
            kind,
            alias: Cow::Borrowed(alias),
            unit,
            values: None,
            group: None,
            decimals: None,
        }
    }

    /// A column whose values QGIS shows through a value map (codes → names).
    pub const fn coded(name: &'static str, kind: FieldKind, alias: &'static str, unit: &'static str, values: Values) -> Field {
        Field {
            name: Cow::Borrowed(name),
            kind,
            alias: Cow::Borrowed(alias),
            unit,
            values: Some(values),
            group: None,
            decimals: None,
        }
    }

    /// The same field shown through a value map.
    pub fn shown_as(self, values: Values) -> Field {
        Field { values: Some(values), ..self }
    }

    /// A column whose name or alias is made at run time (input columns, zone shares).
    pub fn owned(name: String, kind: FieldKind, alias: String, unit: &'static str) -> Field {
        Field {
            name: Cow::Owned(name),
            kind,
            alias: Cow::Owned(alias),
            unit,
            values: None,
            group: None,
            decimals: None,
        }
    }

    /// The column under a spreadsheet heading shared with its neighbours.
    pub fn grouped(mut self, group: impl Into<Cow<'static, str>>) -> Field {
        self.group = Some(group.into());
        self
    }

    /// The column shown with `decimals` decimals in spreadsheets (printed figures).
    pub fn with_decimals(mut self, decimals: u8) -> Field {
        self.decimals = Some(decimals);
        self
    }

    /// The column as a writer creates it.
    pub fn spec(&self) -> FieldSpec {
        FieldSpec::new(&self.name, self.kind)
    }
}


/// The value map a field shows its values through.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Values {
    /// Land-use codes (GB/T 21010 / 三调) → names.
    LandUse,
    /// Slope grades 1–5 → 一级（≤2°）…; 0 → 无坡度数据.
    Grade,
    /// 1/0 flags → 是/否.
    YesNo,
    /// "yes"/"no" text → 是/否.
    YesNoText,
    /// The parcel's part in the swap: out/in/reserve → 流出/补充/储备.
    SwapRole,
    /// How a swap unit was balanced: own/township/county/deficit.
    CoveredBy,
    /// Overlapping parcels: duplicate/contains/overlap, and geometry repairs.
    TopologyKind,
    /// Change report rows: added/removed/changed → 新增/移除/变化.
    Change,
    /// 耕地类型 (GDLX): TT → 梯田, PD → 坡地.
    TerraceType,
    /// A value map declared with the field itself: (stored value, 中文 name, English
    /// name), in the order QGIS lists them — a rule's own codes need no entry here.
    Codes(&'static [(&'static str, &'static str, &'static str)]),
}

