//! `landcons diff OLD NEW`: compares two results folders (or GeoPackages).

use std::path::Path;

use crate::changes::{self, Changes};
use crate::error::Result;

pub fn diff(old: &Path, new: &Path, out: Option<&Path>, force: bool) -> Result<Changes> {
    changes::diff(old, new, out, force)
}

/// The summary and the first changes of each layer, as `landcons diff` prints them.
pub fn summary(changes: &Changes, out: Option<&Path>) -> String {
    const SHOWN: usize = 20;
    let mut text = format!("{}\n", changes.summary());
    for l in &changes.layers {
        let name = l.spec.label;
        for c in l.changes.iter().take(SHOWN) {
            text.push_str(&format!("  {name:<13} {:<8} {} ({})\n", c.kind.name(), c.key, c.detail));
        }
        if l.changes.len() > SHOWN {
            text.push_str(&format!("  {name:<13} … {} more\n", l.changes.len() - SHOWN));
        }
    }
    if let Some(o) = out {
        text.push_str(&format!("change layers written to {}\n", o.display()));
    }
    text
}
