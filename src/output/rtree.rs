//! GeoPackage spatial indexes (the `gpkg_rtree_index` extension), bulk-loaded.
//!
//! GDAL 3.6 (Debian 12) fills a layer's R-tree at close by inserting every feature into
//! SQLite's R*-tree one at a time: ~20 µs a row, 5–8 s for a county's parcels, the
//! largest single cost of writing the results. The envelopes are known here, so the tree
//! is packed instead (Sort-Tile-Recursive: full leaves of spatially close envelopes) and
//! its nodes are written straight into the R-tree's own tables, in SQLite's node format,
//! as GDAL ≥ 3.7 does. The result is an ordinary SQLite R-tree: `rtreecheck()` accepts it
//! and later inserts/updates/deletes go through SQLite's R-tree code via the triggers the
//! GeoPackage specification defines (written here, as GDAL writes them).

use rusqlite::{params, Connection};

/// Bytes per cell in a 2-D SQLite R-tree node: 8-byte id + 4 × f32.
const CELL_BYTES: usize = 24;

/// One envelope as the R-tree stores it (f32, rounded outwards as SQLite does).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Entry {
    pub id: i64,
    pub min_x: f32,
    pub max_x: f32,
    pub min_y: f32,
    pub max_y: f32,
}

impl Entry {
    /// From an f64 envelope; min values rounded down and max values up, so the stored
    /// box always contains the geometry.
    pub fn new(id: i64, min_x: f64, max_x: f64, min_y: f64, max_y: f64) -> Entry {
        Entry {
            id,
            min_x: round_down(min_x),
            max_x: round_up(max_x),
            min_y: round_down(min_y),
            max_y: round_up(max_y),
        }
    }

    fn union(&self, o: &Entry) -> Entry {
        Entry {
            id: self.id,
            min_x: self.min_x.min(o.min_x),
            max_x: self.max_x.max(o.max_x),
            min_y: self.min_y.min(o.min_y),
            max_y: self.max_y.max(o.max_y),
        }
    }

    fn centre(&self) -> (f32, f32) {
        (
            self.min_x / 2.0 + self.max_x / 2.0,
            self.min_y / 2.0 + self.max_y / 2.0,
        )
    }
}

fn round_down(v: f64) -> f32 {
    let f = v as f32;
    if (f as f64) > v {
        next_toward_neg_inf(f)
    } else {
        f
    }
}

fn round_up(v: f64) -> f32 {
    let f = v as f32;
    if (f as f64) < v {
        -next_toward_neg_inf(-f)
    } else {
        f
    }
}

/// The largest f32 below `f` (finite, non-NaN input).
fn next_toward_neg_inf(f: f32) -> f32 {
    if f == 0.0 {
        return -f32::from_bits(1);
    }
    let bits = f.to_bits();
    f32::from_bits(if f > 0.0 { bits - 1 } else { bits + 1 })
}

/// A packed tree: node blobs by node number (1 = root), and the two maps SQLite keeps.
#[derive(Debug, Default)]
pub struct PackedTree {
    pub nodes: Vec<(i64, Vec<u8>)>,
    /// Entry id → leaf node number.
    pub rowids: Vec<(i64, i64)>,
    /// Node number → parent node number (every node but the root).
    pub parents: Vec<(i64, i64)>,
}

/// Packs `entries` into nodes of `node_bytes` bytes (the R-tree's node size).
pub fn pack(entries: Vec<Entry>, node_bytes: usize) -> PackedTree {
    let capacity = ((node_bytes - 4) / CELL_BYTES).max(2);
    let mut tree = PackedTree::default();
    if entries.is_empty() {
        tree.nodes.push((1, vec![0u8; node_bytes]));
        return tree;
    }
    let levels = levels(entries, capacity);
    let numbers = node_numbers(&levels);
    let depth = levels.len() - 1;
    for (level, nodes) in levels.iter().enumerate() {
        for (k, cells) in nodes.iter().enumerate() {
            let number = numbers[level][k];
            // Leaf cells carry feature ids; inner cells the child's node number, which
            // is the child's position in the level below.
            let ids: Vec<i64> = cells
                .iter()
                .map(|cell| match level {
                    0 => {
                        tree.rowids.push((cell.id, number));
                        cell.id
                    }
                    _ => {
                        let child = numbers[level - 1][cell.id as usize];
                        tree.parents.push((child, number));
                        child
                    }
                })
                .collect();
            let root_depth = (number == 1).then_some(depth);
            tree.nodes.push((number, node_blob(cells, &ids, root_depth, node_bytes)));
        }
    }
    tree.nodes.sort_by_key(|(n, _)| *n);
    tree.rowids.sort_unstable();
    tree.parents.sort_unstable();
    tree
}

/// The tree's levels bottom-up, each a list of nodes (their cells); an inner cell's id
/// is its child's position in the level below.
fn levels(mut entries: Vec<Entry>, capacity: usize) -> Vec<Vec<Vec<Entry>>> {
    let mut levels = Vec::new();
    loop {
        let nodes = sort_tile(&mut entries, capacity);
        let done = nodes.len() == 1;
        // The next level up holds one cell per node: its bounds.
        entries = nodes
            .iter()
            .enumerate()
            .map(|(k, cells)| Entry {
                id: k as i64,
                ..cells[1..].iter().fold(cells[0], |acc, c| acc.union(c))
            })
            .collect();
        levels.push(nodes);
        if done {
            return levels;
        }
    }
}

/// Node numbers top-down: the root 1, then level by level.
fn node_numbers(levels: &[Vec<Vec<Entry>>]) -> Vec<Vec<i64>> {
    let mut numbers: Vec<Vec<i64>> = vec![Vec::new(); levels.len()];
    let mut next = 1i64;
    for level in (0..levels.len()).rev() {
        numbers[level] = (next..next + levels[level].len() as i64).collect();
        next += levels[level].len() as i64;
    }
    numbers
}

/// One node as SQLite's R*Tree stores it: the depth (root only), the cell count, then
/// each cell's id and its bounds as big-endian f32 (min x, max x, min y, max y).
fn node_blob(cells: &[Entry], ids: &[i64], root_depth: Option<usize>, node_bytes: usize) -> Vec<u8> {
    let mut blob = vec![0u8; node_bytes];
    if let Some(depth) = root_depth {
        blob[0..2].copy_from_slice(&(depth as u16).to_be_bytes());
    }
    blob[2..4].copy_from_slice(&(cells.len() as u16).to_be_bytes());
    for (c, (cell, id)) in cells.iter().zip(ids).enumerate() {
        let at = 4 + c * CELL_BYTES;
        blob[at..at + 8].copy_from_slice(&id.to_be_bytes());
        for (j, v) in [cell.min_x, cell.max_x, cell.min_y, cell.max_y].iter().enumerate() {
            let p = at + 8 + 4 * j;
            blob[p..p + 4].copy_from_slice(&v.to_bits().to_be_bytes());
        }
    }
    blob
}

/// Sort-Tile-Recursive grouping of one level into nodes of at most `capacity` cells.
/// Inner-level entries get their position as id, so the level above can refer to them.
fn sort_tile(entries: &mut [Entry], capacity: usize) -> Vec<Vec<Entry>> {
    let n = entries.len();
    let node_count = n.div_ceil(capacity);
    let slices = (node_count as f64).sqrt().ceil() as usize;
    let per_slice = slices.max(1) * capacity;
    entries.sort_by(|a, b| a.centre().0.total_cmp(&b.centre().0).then(a.id.cmp(&b.id)));
    let mut nodes = Vec::with_capacity(node_count);
    for slice in entries.chunks_mut(per_slice) {
        slice.sort_by(|a, b| a.centre().1.total_cmp(&b.centre().1).then(a.id.cmp(&b.id)));
        for cells in slice.chunks(capacity) {
            nodes.push(cells.to_vec());
        }
    }
    nodes
}

/// Why an index could not be built.
#[derive(Debug, thiserror::Error)]
pub enum IndexError {
    #[error(transparent)]
    Sql(#[from] rusqlite::Error),
    /// SQLite made a root node too small for two cells (not a 2-D R-tree as expected).
    #[error("unexpected R-tree node size {0} bytes")]
    NodeSize(usize),
}

/// Creates the spatial index of `table.column` (fid column `fid`) from `entries` in the
/// open GeoPackage: R-tree virtual table, packed nodes, the specification's triggers and
/// the `gpkg_extensions` row. Call inside a transaction.
pub fn create_index(conn: &Connection, table: &str, column: &str, fid: &str, entries: Vec<Entry>) -> Result<(), IndexError> {
    let rtree = format!("rtree_{table}_{column}");
    conn.execute_batch(&format!("CREATE VIRTUAL TABLE \"{rtree}\" USING rtree(id, minx, maxx, miny, maxy)"))?;
    // The node size SQLite chose for this file's page size (the root node's length).
    let node_bytes: i64 = conn.query_row(&format!("SELECT length(data) FROM \"{rtree}_node\" WHERE nodeno = 1"), [], |r| r.get(0))?;
    let node_bytes = usize::try_from(node_bytes).unwrap_or(0);
    if node_bytes < 4 + 2 * CELL_BYTES {
        return Err(IndexError::NodeSize(node_bytes));
    }
    let tree = pack(entries, node_bytes);
    conn.execute_batch(&format!("DELETE FROM \"{rtree}_node\""))?;
    let mut insert_node = conn.prepare(&format!("INSERT INTO \"{rtree}_node\" VALUES (?1, ?2)"))?;
    for (n, blob) in &tree.nodes {
        insert_node.execute(params![n, blob])?;
    }
    for (name, rows) in [("rowid", &tree.rowids), ("parent", &tree.parents)] {
        let mut insert = conn.prepare(&format!("INSERT INTO \"{rtree}_{name}\" VALUES (?1, ?2)"))?;
        for (a, b) in rows {
            insert.execute(params![a, b])?;
        }
    }
    for trigger in spec_triggers(table, column, fid) {
        conn.execute_batch(&trigger)?;
    }
    // Already there when the GeoPackage has metadata (GDAL's statement); else created
    // here, where and as the GDAL-based writer created it.
    conn.execute_batch(
        "CREATE TABLE IF NOT EXISTS gpkg_extensions (table_name TEXT, column_name TEXT, \
         extension_name TEXT NOT NULL, definition TEXT NOT NULL, scope TEXT NOT NULL, \
         CONSTRAINT ge_tce UNIQUE (table_name, column_name, extension_name))",
    )?;
    conn.execute(
        "INSERT INTO gpkg_extensions (table_name, column_name, extension_name, definition, scope) \
         VALUES (?1, ?2, 'gpkg_rtree_index', 'http://www.geopackage.org/spec120/#extension_rtree', 'write-only')",
        params![table, column],
    )?;
    Ok(())
}

/// The R-tree triggers of the GeoPackage 1.2 specification (annex F.3), which keep the
/// index in step with later edits (QGIS, ogr2ogr -update).
fn spec_triggers(t: &str, c: &str, i: &str) -> Vec<String> {
    let r = format!("rtree_{t}_{c}");
    let insert_new = format!(
        "INSERT OR REPLACE INTO \"{r}\" VALUES (NEW.\"{i}\", ST_MinX(NEW.\"{c}\"), ST_MaxX(NEW.\"{c}\"), ST_MinY(NEW.\"{c}\"), ST_MaxY(NEW.\"{c}\"));"
    );
    vec![
        format!(
            "CREATE TRIGGER \"{r}_insert\" AFTER INSERT ON \"{t}\" WHEN (new.\"{c}\" NOT NULL AND NOT ST_IsEmpty(NEW.\"{c}\")) BEGIN {insert_new} END"
        ),
        format!(
            "CREATE TRIGGER \"{r}_update1\" AFTER UPDATE OF \"{c}\" ON \"{t}\" WHEN OLD.\"{i}\" = NEW.\"{i}\" AND (NEW.\"{c}\" NOTNULL AND NOT ST_IsEmpty(NEW.\"{c}\")) BEGIN {insert_new} END"
        ),
        format!(
            "CREATE TRIGGER \"{r}_update2\" AFTER UPDATE OF \"{c}\" ON \"{t}\" WHEN OLD.\"{i}\" = NEW.\"{i}\" AND (NEW.\"{c}\" ISNULL OR ST_IsEmpty(NEW.\"{c}\")) BEGIN DELETE FROM \"{r}\" WHERE id = OLD.\"{i}\"; END"
        ),
        format!(
            "CREATE TRIGGER \"{r}_update3\" AFTER UPDATE ON \"{t}\" WHEN OLD.\"{i}\" != NEW.\"{i}\" AND (NEW.\"{c}\" NOTNULL AND NOT ST_IsEmpty(NEW.\"{c}\")) BEGIN DELETE FROM \"{r}\" WHERE id = OLD.\"{i}\"; {insert_new} END"
        ),
        format!(
            "CREATE TRIGGER \"{r}_update4\" AFTER UPDATE ON \"{t}\" WHEN OLD.\"{i}\" != NEW.\"{i}\" AND (NEW.\"{c}\" ISNULL OR ST_IsEmpty(NEW.\"{c}\")) BEGIN DELETE FROM \"{r}\" WHERE id IN (OLD.\"{i}\", NEW.\"{i}\"); END"
        ),
        format!(
            "CREATE TRIGGER \"{r}_delete\" AFTER DELETE ON \"{t}\" WHEN old.\"{c}\" NOT NULL BEGIN DELETE FROM \"{r}\" WHERE id = OLD.\"{i}\"; END"
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grid(n: usize) -> Vec<Entry> {
        (0..n)
            .map(|k| {
                let (x, y) = ((k % 97) as f64 * 10.0, (k / 97) as f64 * 10.0);
                Entry::new(k as i64 + 1, x, x + 9.5, y, y + 9.5)
            })
            .collect()
    }

    fn cell(blob: &[u8], c: usize) -> Entry {
        let at = 4 + c * CELL_BYTES;
        let f = |p: usize| f32::from_bits(u32::from_be_bytes(blob[p..p + 4].try_into().unwrap()));
        Entry {
            id: i64::from_be_bytes(blob[at..at + 8].try_into().unwrap()),
            min_x: f(at + 8),
            max_x: f(at + 12),
            min_y: f(at + 16),
            max_y: f(at + 20),
        }
    }

    #[test]
    fn every_entry_lands_in_one_leaf_and_parents_contain_children() {
        for n in [0, 1, 51, 52, 2600, 10_000] {
            let tree = pack(grid(n), 1228);
            assert_eq!(tree.rowids.len(), n);
            let ids: std::collections::BTreeSet<i64> = tree.rowids.iter().map(|r| r.0).collect();
            assert_eq!(ids.len(), n, "ids unique");
            let blob_of = |no: i64| &tree.nodes.iter().find(|(k, _)| *k == no).unwrap().1;
            assert!(tree.nodes.iter().all(|(_, b)| b.len() == 1228));
            for (no, blob) in &tree.nodes {
                let count = u16::from_be_bytes([blob[2], blob[3]]) as usize;
                assert!(count <= 51, "node {no} has {count} cells");
            }
            // Every child's cells lie inside the parent's cell for it.
            for &(child, parent) in &tree.parents {
                let p = blob_of(parent);
                let count = u16::from_be_bytes([p[2], p[3]]) as usize;
                let bound = (0..count)
                    .map(|c| cell(p, c))
                    .find(|e| e.id == child)
                    .unwrap();
                let cb = blob_of(child);
                for c in 0..u16::from_be_bytes([cb[2], cb[3]]) as usize {
                    let e = cell(cb, c);
                    assert!(e.min_x >= bound.min_x && e.max_x <= bound.max_x);
                    assert!(e.min_y >= bound.min_y && e.max_y <= bound.max_y);
                }
            }
            if n > 0 {
                let root = blob_of(1);
                let depth = u16::from_be_bytes([root[0], root[1]]);
                let expected = match n {
                    0..=51 => 0,
                    52..=2601 => 1,
                    _ => 2,
                };
                assert_eq!(depth, expected, "{n} entries");
            }
        }
    }

    #[test]
    fn stored_boxes_contain_the_f64_envelope() {
        let e = Entry::new(
            1,
            500_000.123456789,
            500_010.987654321,
            3_300_000.1,
            3_300_000.3,
        );
        assert!((e.min_x as f64) <= 500_000.123456789 && (e.max_x as f64) >= 500_010.987654321);
        assert!((e.min_y as f64) <= 3_300_000.1 && (e.max_y as f64) >= 3_300_000.3);
        let z = Entry::new(2, 0.0, 0.0, -1e-30, 1e-30);
        assert!(z.min_y < 0.0 && z.max_y > 0.0);
    }
}
