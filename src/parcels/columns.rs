//! Columnar attribute storage: one typed vector per column, text dictionary-coded, so a
//! million parcels' attributes take tens of megabytes instead of gigabytes.

use std::borrow::Cow;
use std::hash::BuildHasher;

use hashbrown::{DefaultHashBuilder, HashTable};

use crate::table::{AttrValue, FieldKind};

const NULL_CODE: u32 = u32::MAX;

/// Text values, each distinct string stored once, back to back in one buffer.
#[derive(Debug, Default)]
pub struct TextColumn {
    codes: Vec<u32>,
    /// The distinct values, concatenated; value c is text[ends[c - 1]..ends[c]].
    text: String,
    ends: Vec<usize>,
    /// Only while building: the codes, hashed by their values.
    lookup: HashTable<u32>,
    hasher: DefaultHashBuilder,
}

impl TextColumn {
    pub fn push(&mut self, value: Option<&str>) {
        let code = match value {
            None => NULL_CODE,
            Some(v) => self.code_or_insert(v),
        };
        self.codes.push(code);
    }

    /// The code of `v` among the values seen so far, if it is one.
    pub fn code_of(&self, v: &str) -> Option<u32> {
        let hash = self.hasher.hash_one(v);
        self.lookup.find(hash, |&c| self.value(c) == v).copied()
    }

    fn code_or_insert(&mut self, v: &str) -> u32 {
        // Neighbouring parcels often share a value (village, owner, land use).
        if let Some(&last) = self.codes.last().filter(|&&c| c != NULL_CODE && self.value(c) == v) {
            return last;
        }
        let hash = self.hasher.hash_one(v);
        let (text, ends) = (&self.text, &self.ends);
        let value = |c: u32| &text[start(ends, c)..ends[c as usize]];
        if let Some(&c) = self.lookup.find(hash, |&c| value(c) == v) {
            return c;
        }
        let c = self.ends.len() as u32;
        self.text.push_str(v);
        self.ends.push(self.text.len());
        let (text, ends, hasher) = (&self.text, &self.ends, &self.hasher);
        self.lookup.insert_unique(hash, c, |&k| hasher.hash_one(&text[start(ends, k)..ends[k as usize]]));
        c
    }

    fn value(&self, c: u32) -> &str {
        &self.text[start(&self.ends, c)..self.ends[c as usize]]
    }

    /// The value of row `i` ("" for null).
    pub fn get(&self, i: usize) -> &str {
        self.get_opt(i).unwrap_or("")
    }

    pub fn get_opt(&self, i: usize) -> Option<&str> {
        match self.codes[i] {
            NULL_CODE => None,
            c => Some(self.value(c)),
        }
    }

    /// Drops the building index.
    pub fn seal(&mut self) {
        self.lookup = HashTable::new();
        self.codes.shrink_to_fit();
        self.text.shrink_to_fit();
        self.ends.shrink_to_fit();
    }

    pub fn len(&self) -> usize {
        self.codes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.codes.is_empty()
    }
}

/// Where value `c` starts in the concatenated text.
fn start(ends: &[usize], c: u32) -> usize {
    match c {
        0 => 0,
        c => ends[c as usize - 1],
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
