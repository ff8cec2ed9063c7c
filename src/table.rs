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
