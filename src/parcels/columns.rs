//! Columnar attribute storage: one typed vector per column, text dictionary-coded, so a
//! million parcels' attributes take tens of megabytes instead of gigabytes.

use std::borrow::Cow;
use std::collections::HashMap;

use crate::table::{AttrValue, FieldKind};

const NULL_CODE: u32 = u32::MAX;

/// Text values, each distinct string stored once.
#[derive(Debug, Default)]
pub struct TextColumn {
    codes: Vec<u32>,
    values: Vec<Box<str>>,
    /// Only while building: the code of each distinct value.
    lookup: HashMap<Box<str>, u32>,
}

impl TextColumn {
    pub fn push(&mut self, value: Option<&str>) {
        let code = match value {
            None => NULL_CODE,
            Some(v) => match self.lookup.get(v) {
                Some(&c) => c,
                None => {
                    let c = self.values.len() as u32;
                    self.values.push(v.into());
                    self.lookup.insert(v.into(), c);
                    c
                }
            },
        };
        self.codes.push(code);
    }

    /// The value of row `i` ("" for null).
    pub fn get(&self, i: usize) -> &str {
        self.get_opt(i).unwrap_or("")
    }

    pub fn get_opt(&self, i: usize) -> Option<&str> {
        match self.codes[i] {
            NULL_CODE => None,
            c => Some(&self.values[c as usize]),
        }
    }

    /// Drops the building index.
    pub fn seal(&mut self) {
        self.lookup = HashMap::new();
        self.codes.shrink_to_fit();
        self.values.shrink_to_fit();
    }

    pub fn len(&self) -> usize {
        self.codes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.codes.is_empty()
    }
}

/// One attribute column of the input layer.
#[derive(Debug)]
pub enum Column {
    Int(Vec<Option<i64>>),
    Real(Vec<Option<f64>>),
    Text(TextColumn),
}

impl Column {
    pub fn new(kind: FieldKind) -> Column {
        match kind {
            FieldKind::Int => Column::Int(Vec::new()),
            FieldKind::Real => Column::Real(Vec::new()),
            FieldKind::Text => Column::Text(TextColumn::default()),
        }
    }

    /// Appends a value; a value of another kind than the column's is stored as null.
    pub fn push(&mut self, v: &AttrValue) {
        match (self, v) {
            (Column::Int(c), AttrValue::Int(x)) => c.push(Some(*x)),
            (Column::Int(c), _) => c.push(None),
            (Column::Real(c), AttrValue::Real(x)) => c.push(Some(*x)),
            (Column::Real(c), _) => c.push(None),
            (Column::Text(c), AttrValue::Text(s)) => c.push(Some(s)),
            (Column::Text(c), _) => c.push(None),
        }
    }

    pub fn get(&self, i: usize) -> AttrValue<'_> {
        match self {
            Column::Int(c) => AttrValue::opt_int(c[i]),
            Column::Real(c) => c[i].map(AttrValue::Real).unwrap_or(AttrValue::Null),
            Column::Text(c) => c
                .get_opt(i)
                .map(|s| AttrValue::Text(Cow::Borrowed(s)))
                .unwrap_or(AttrValue::Null),
        }
    }

    pub fn seal(&mut self) {
        match self {
            Column::Int(c) => c.shrink_to_fit(),
            Column::Real(c) => c.shrink_to_fit(),
            Column::Text(c) => c.seal(),
        }
    }
}
