//! The GeoPackage's tables as GDAL 3.6 creates them. The statements are GDAL's text,
//! character for character (`sqlite3 FILE .schema` of a file GDAL wrote), so a file
//! written here dumps exactly as one written through GDAL and every reader that knows
//! GDAL's files (QGIS, ogr2ogr, GDAL itself appending later) sees what it expects.

use rusqlite::{params, Connection};

/// `PRAGMA application_id`: "GPKG" (GeoPackage ≥ 1.2).
const APPLICATION_ID: u32 = 0x4750_4B47;
/// `PRAGMA user_version`: GeoPackage 1.2.0, what GDAL 3.6 declares for vector-only files.
const USER_VERSION: u32 = 10200;

const SPATIAL_REF_SYS: &str = "CREATE TABLE gpkg_spatial_ref_sys (srs_name TEXT NOT NULL,srs_id INTEGER NOT NULL PRIMARY KEY,organization TEXT NOT NULL,organization_coordsys_id INTEGER NOT NULL,definition  TEXT NOT NULL,description TEXT)";
const CONTENTS: &str = "CREATE TABLE gpkg_contents (table_name TEXT NOT NULL PRIMARY KEY,data_type TEXT NOT NULL,identifier TEXT UNIQUE,description TEXT DEFAULT '',last_change DATETIME NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),min_x DOUBLE, min_y DOUBLE,max_x DOUBLE, max_y DOUBLE,srs_id INTEGER,CONSTRAINT fk_gc_r_srs_id FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys(srs_id))";
const OGR_CONTENTS: &str = "CREATE TABLE gpkg_ogr_contents(table_name TEXT NOT NULL PRIMARY KEY,feature_count INTEGER DEFAULT NULL)";
const GEOMETRY_COLUMNS: &str = "CREATE TABLE gpkg_geometry_columns (table_name TEXT NOT NULL,column_name TEXT NOT NULL,geometry_type_name TEXT NOT NULL,srs_id INTEGER NOT NULL,z TINYINT NOT NULL,m TINYINT NOT NULL,CONSTRAINT pk_geom_cols PRIMARY KEY (table_name, column_name),CONSTRAINT uk_gc_table_name UNIQUE (table_name),CONSTRAINT fk_gc_tn FOREIGN KEY (table_name) REFERENCES gpkg_contents(table_name),CONSTRAINT fk_gc_srs FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys (srs_id))";
const TILE_MATRIX_SET: &str = "CREATE TABLE gpkg_tile_matrix_set (table_name TEXT NOT NULL PRIMARY KEY,srs_id INTEGER NOT NULL,min_x DOUBLE NOT NULL,min_y DOUBLE NOT NULL,max_x DOUBLE NOT NULL,max_y DOUBLE NOT NULL,CONSTRAINT fk_gtms_table_name FOREIGN KEY (table_name) REFERENCES gpkg_contents(table_name),CONSTRAINT fk_gtms_srs FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys (srs_id))";
const TILE_MATRIX: &str = "CREATE TABLE gpkg_tile_matrix (table_name TEXT NOT NULL,zoom_level INTEGER NOT NULL,matrix_width INTEGER NOT NULL,matrix_height INTEGER NOT NULL,tile_width INTEGER NOT NULL,tile_height INTEGER NOT NULL,pixel_x_size DOUBLE NOT NULL,pixel_y_size DOUBLE NOT NULL,CONSTRAINT pk_ttm PRIMARY KEY (table_name, zoom_level),CONSTRAINT fk_tmm_table_name FOREIGN KEY (table_name) REFERENCES gpkg_contents(table_name))";
/// GDAL's statement, used when the metadata registers the first extension (SQLite
/// stores it without IF NOT EXISTS, so the stored text is GDAL's).
pub const EXTENSIONS: &str = "CREATE TABLE IF NOT EXISTS gpkg_extensions (table_name TEXT,column_name TEXT,extension_name TEXT NOT NULL,definition TEXT NOT NULL,scope TEXT NOT NULL,CONSTRAINT ge_tce UNIQUE (table_name, column_name, extension_name))";
pub const METADATA: &str = "CREATE TABLE gpkg_metadata (id INTEGER CONSTRAINT m_pk PRIMARY KEY ASC NOT NULL,md_scope TEXT NOT NULL DEFAULT 'dataset',md_standard_uri TEXT NOT NULL,mime_type TEXT NOT NULL DEFAULT 'text/xml',metadata TEXT NOT NULL DEFAULT '')";
pub const METADATA_REFERENCE: &str = "CREATE TABLE gpkg_metadata_reference (reference_scope TEXT NOT NULL,table_name TEXT,column_name TEXT,row_id_value INTEGER,timestamp DATETIME NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),md_file_id INTEGER NOT NULL,md_parent_id INTEGER,CONSTRAINT crmr_mfi_fk FOREIGN KEY (md_file_id) REFERENCES gpkg_metadata(id),CONSTRAINT crmr_mpi_fk FOREIGN KEY (md_parent_id) REFERENCES gpkg_metadata(id))";

/// The three rows the specification requires (undefined Cartesian, undefined geographic,
/// WGS 84), with GDAL's names, definitions and descriptions.
const REQUIRED_SRS: [(&str, i32, &str, &str); 3] = [
    ("Undefined Cartesian SRS", -1, "undefined", "undefined Cartesian coordinate reference system"),
    ("Undefined geographic SRS", 0, "undefined", "undefined geographic coordinate reference system"),
    (
        "WGS 84 geodetic",
        4326,
        r#"GEOGCS["WGS 84",DATUM["WGS_1984",SPHEROID["WGS 84",6378137,298.257223563,AUTHORITY["EPSG","7030"]],AUTHORITY["EPSG","6326"]],PRIMEM["Greenwich",0,AUTHORITY["EPSG","8901"]],UNIT["degree",0.0174532925199433,AUTHORITY["EPSG","9122"]],AXIS["Latitude",NORTH],AXIS["Longitude",EAST],AUTHORITY["EPSG","4326"]]"#,
        "longitude/latitude coordinates in decimal degrees on the WGS 84 spheroid",
    ),
];

/// GDAL's triggers on gpkg_tile_matrix (the specification's constraints on zoom levels,
/// matrix and pixel sizes), written for every new file even without tiles.
fn tile_matrix_triggers() -> Vec<String> {
    let checks = [
        ("zoom_level", "of", "cannot be less than 0", "(NEW.zoom_level < 0)"),
        ("matrix_width", "OF", "cannot be less than 1", "(NEW.matrix_width < 1)"),
        ("matrix_height", "OF", "cannot be less than 1", "(NEW.matrix_height < 1)"),
        ("pixel_x_size", "OF", "must be greater than 0", "NOT (NEW.pixel_x_size > 0)"),
        ("pixel_y_size", "OF", "must be greater than 0", "NOT (NEW.pixel_y_size > 0)"),
    ];
    let mut out = Vec::new();
    for (column, of, rule, condition) in checks {
        for (event, when) in [("insert", "INSERT".to_string()), ("update", format!("UPDATE {of} {column}"))] {
            out.push(format!(
                "CREATE TRIGGER 'gpkg_tile_matrix_{column}_{event}' BEFORE {when} ON 'gpkg_tile_matrix' FOR EACH ROW BEGIN SELECT RAISE(ABORT, '{event} on table ''gpkg_tile_matrix'' violates constraint: {column} {rule}') WHERE {condition}; END"
            ));
        }
    }
    out
}

/// Creates the tables of a new, empty GeoPackage, in GDAL's order, with the required
/// spatial reference systems.
pub fn create_base(conn: &Connection) -> rusqlite::Result<()> {
    conn.pragma_update(None, "application_id", APPLICATION_ID)?;
    conn.pragma_update(None, "user_version", USER_VERSION)?;
    conn.execute_batch(SPATIAL_REF_SYS)?;
    for (name, id, definition, description) in REQUIRED_SRS {
        let organization = if id == 4326 { "EPSG" } else { "NONE" };
        conn.execute(
            "INSERT INTO gpkg_spatial_ref_sys (srs_name, srs_id, organization, organization_coordsys_id, definition, description) VALUES (?1, ?2, ?3, ?2, ?4, ?5)",
            params![name, id, organization, definition, description],
        )?;
    }
    for sql in [CONTENTS, OGR_CONTENTS, GEOMETRY_COLUMNS, TILE_MATRIX_SET, TILE_MATRIX] {
        conn.execute_batch(sql)?;
    }
    for sql in tile_matrix_triggers() {
        conn.execute_batch(&sql)?;
    }
    Ok(())
}

/// `name` as an SQL identifier (double quotes, inner ones doubled: SQLite's `%w`).
pub fn ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// `text` as an SQL string literal (single quotes, inner ones doubled: SQLite's `%q`).
pub fn literal(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

/// A user table: its feature-id column, its geometry column if it has one, and its other
/// columns with their declared SQL types.
pub struct TableDef<'a> {
    pub name: &'a str,
    pub fid: &'a str,
    pub geometry: Option<&'a str>,
    pub columns: Vec<(&'a str, &'static str)>,
}

impl TableDef<'_> {
    /// The CREATE TABLE statement, spaced as GDAL writes it.
    pub fn create_sql(&self) -> String {
        let mut sql = format!("CREATE TABLE {} ( {} INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL", ident(self.name), ident(self.fid));
        if let Some(geometry) = self.geometry {
            sql.push_str(&format!(", {} MULTIPOLYGON", ident(geometry)));
        }
        for (name, ty) in &self.columns {
            sql.push_str(&format!(", {} {ty}", ident(name)));
        }
        sql.push(')');
        sql
    }

    /// An INSERT of every column, the feature id first: ?1 = fid, then geometry, then
    /// the columns in order.
    pub fn insert_sql(&self) -> String {
        self.insert_rows_sql(1)
    }

    /// Parameters per row: the feature id, the geometry if any, the columns.
    pub fn params_per_row(&self) -> usize {
        1 + usize::from(self.geometry.is_some()) + self.columns.len()
    }

    /// An INSERT of `rows` rows at once, their parameters one row after the other.
    pub fn insert_rows_sql(&self, rows: usize) -> String {
        let names: Vec<String> = std::iter::once(self.fid)
            .chain(self.geometry)
            .chain(self.columns.iter().map(|(n, _)| *n))
            .map(ident)
            .collect();
        let tuples: Vec<String> = (0..rows)
            .map(|r| {
                let slots: Vec<String> = (1..=names.len()).map(|k| format!("?{}", r * names.len() + k)).collect();
                format!("({})", slots.join(", "))
            })
            .collect();
        format!("INSERT INTO {} ({}) VALUES {}", ident(self.name), names.join(", "), tuples.join(", "))
    }

    /// A second column of the same name (SQLite compares names without case) would make
    /// CREATE TABLE fail with a less helpful message; this names it.
    pub fn duplicate_column(&self) -> Option<&str> {
        let all: Vec<&str> = std::iter::once(self.fid).chain(self.geometry).chain(self.columns.iter().map(|(n, _)| *n)).collect();
        all.iter()
            .enumerate()
            .find(|(k, n)| all[..*k].iter().any(|m| m.eq_ignore_ascii_case(n)))
            .map(|(_, n)| *n)
    }
}

/// What gpkg_contents and its companions record about a table once it is written.
pub struct Registration<'a> {
    pub table: &'a str,
    /// The geometry column and its srs_id; None for an attribute table.
    pub geometry: Option<(&'a str, i32)>,
    /// [min_x, min_y, max_x, max_y] of the geometries, None when there are none.
    pub extent: Option<[f64; 4]>,
    pub rows: usize,
}

/// Registers a written table as GDAL does: gpkg_contents (features or attributes; GDAL
/// stores srs_id 0 for attribute tables), gpkg_geometry_columns, and gpkg_ogr_contents
/// (the feature count QGIS and GDAL read instead of counting, NULL for an empty table as
/// GDAL leaves it).
pub fn register(conn: &Connection, r: &Registration) -> rusqlite::Result<()> {
    let data_type = if r.geometry.is_some() { "features" } else { "attributes" };
    conn.execute(
        "INSERT INTO gpkg_contents (table_name, data_type, identifier, description, last_change, srs_id) \
         VALUES (?1, ?2, ?1, '', strftime('%Y-%m-%dT%H:%M:%fZ','now'), ?3)",
        params![r.table, data_type, r.geometry.map_or(0, |(_, srs_id)| srs_id)],
    )?;
    if let Some([min_x, min_y, max_x, max_y]) = r.extent {
        // GDAL writes the extent as SQL text made by SQLite's printf("%.18g"), which
        // (SQLite 3.40) keeps 16 significant digits; the same round trip here stores
        // the same doubles.
        conn.execute(
            "UPDATE gpkg_contents SET min_x = CAST(printf('%.18g', ?1) AS REAL), min_y = CAST(printf('%.18g', ?2) AS REAL), \
             max_x = CAST(printf('%.18g', ?3) AS REAL), max_y = CAST(printf('%.18g', ?4) AS REAL) WHERE table_name = ?5",
            params![min_x, min_y, max_x, max_y, r.table],
        )?;
    }
    if let Some((column, srs_id)) = r.geometry {
        conn.execute(
            "INSERT INTO gpkg_geometry_columns (table_name, column_name, geometry_type_name, srs_id, z, m) VALUES (?1, ?2, 'MULTIPOLYGON', ?3, 0, 0)",
            params![r.table, column, srs_id],
        )?;
    }
    let count = (r.rows > 0).then_some(r.rows as i64);
    conn.execute("INSERT INTO gpkg_ogr_contents (table_name, feature_count) VALUES (?1, ?2)", params![r.table, count])?;
    Ok(())
}

/// GDAL's triggers that keep gpkg_ogr_contents.feature_count in step with later edits;
/// GDAL creates them when it closes the file, after the rows are in.
pub fn create_feature_count_triggers(conn: &Connection, table: &str) -> rusqlite::Result<()> {
    let trigger = |event: &str, op: &str| {
        format!(
            "CREATE TRIGGER {} AFTER {} ON {} BEGIN UPDATE gpkg_ogr_contents SET feature_count = feature_count {op} 1 WHERE lower(table_name) = lower({}); END;",
            ident(&format!("trigger_{}_feature_count_{table}", event.to_lowercase())),
            event,
            ident(table),
            literal(table),
        )
    };
    conn.execute_batch(&trigger("INSERT", "+"))?;
    conn.execute_batch(&trigger("DELETE", "-"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_statements_as_gdal_writes_them() {
        let t = TableDef { name: "adjacency", fid: "fid", geometry: None, columns: vec![("id_a", "TEXT"), ("shared_m", "REAL")] };
        assert_eq!(t.create_sql(), r#"CREATE TABLE "adjacency" ( "fid" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL, "id_a" TEXT, "shared_m" REAL)"#);
        assert_eq!(t.insert_sql(), r#"INSERT INTO "adjacency" ("fid", "id_a", "shared_m") VALUES (?1, ?2, ?3)"#);
        assert_eq!(t.insert_rows_sql(2), r#"INSERT INTO "adjacency" ("fid", "id_a", "shared_m") VALUES (?1, ?2, ?3), (?4, ?5, ?6)"#);
        let g = TableDef { name: "a\"b", fid: "fid", geometry: Some("geom"), columns: vec![("n", "INTEGER")] };
        assert_eq!(g.create_sql(), r#"CREATE TABLE "a""b" ( "fid" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL, "geom" MULTIPOLYGON, "n" INTEGER)"#);
        let clash = TableDef { name: "t", fid: "fid", geometry: Some("geom"), columns: vec![("n", "TEXT"), ("GEOM", "TEXT")] };
        assert_eq!(clash.duplicate_column(), Some("GEOM"));
        assert_eq!(g.duplicate_column(), None);
    }

    #[test]
    fn tile_matrix_triggers_as_gdal_writes_them() {
        let t = tile_matrix_triggers();
        assert_eq!(t.len(), 10);
        assert_eq!(t[1], "CREATE TRIGGER 'gpkg_tile_matrix_zoom_level_update' BEFORE UPDATE of zoom_level ON 'gpkg_tile_matrix' FOR EACH ROW BEGIN SELECT RAISE(ABORT, 'update on table ''gpkg_tile_matrix'' violates constraint: zoom_level cannot be less than 0') WHERE (NEW.zoom_level < 0); END");
        assert_eq!(t[8], "CREATE TRIGGER 'gpkg_tile_matrix_pixel_y_size_insert' BEFORE INSERT ON 'gpkg_tile_matrix' FOR EACH ROW BEGIN SELECT RAISE(ABORT, 'insert on table ''gpkg_tile_matrix'' violates constraint: pixel_y_size must be greater than 0') WHERE NOT (NEW.pixel_y_size > 0); END");
    }
}
