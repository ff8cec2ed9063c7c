//! 约束性指标: the upper-level targets a plan must meet, per unit (合计, 乡镇, 村级片区,
//! 村), read from a CSV (UTF-8) or XLSX file — a column 层级, a column 单元 (the unit's
//! code or name) and a column (ha) per indicator; an empty cell sets no target. Reading
//! checks the file alone (a wrong level, a number that is none, an unknown column: an
//! error naming the file, row and column); [`super::targets_check`] compares the plan.

use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// Whether the plan must reach a target (a floor: 保有量) or stay under it (a ceiling:
/// 规模).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sense {
    Floor,
    Ceiling,
}

/// The indicators: (key, the plan's column name, other names a file may use, sense).
pub const TARGETS: [(&str, &str, &[&str], Sense); 5] = [
    ("basic_farmland", "永久基本农田面积", &["永久基本农田", "永久基本农田保护面积", "basic_farmland"], Sense::Floor),
    ("cropland", "耕地保有量", &["耕地保有量面积", "cropland"], Sense::Floor),
    ("construction", "城乡建设用地面积", &["城乡建设用地", "城乡建设用地规模", "construction"], Sense::Ceiling),
    ("forest", "林地保有量", &["林地保有量面积", "forest"], Sense::Floor),
    ("wetland", "湿地面积", &["湿地", "湿地保护面积", "wetland"], Sense::Floor),
];

/// Number of indicators.
pub const K: usize = TARGETS.len();

/// Columns a file may carry that are not read.
const IGNORED: [&str; 6] = ["序号", "名称", "备注", "乡镇级片区名称", "村级片区所含村名称", "中心村名称"];

/// One unit's targets.
#[derive(Debug, Clone, PartialEq)]
pub struct TargetRow {
    /// Its row in the file (1 = the header).
    pub line: usize,
    /// "total", "township", "cluster" or "village".
    pub level: &'static str,
    pub unit: String,
    /// Per indicator, in ha.
    pub values: [Option<f64>; K],
}

/// A targets file, read.
#[derive(Debug, Clone, PartialEq)]
pub struct TargetFile {
    pub path: PathBuf,
    pub rows: Vec<TargetRow>,
}

/// Reads and checks the file at `path` (CSV, or XLSX by its extension: `sheet`, else the
/// first).
pub fn read(path: &Path, sheet: &str) -> Result<TargetFile> {
    let xlsx = path.extension().is_some_and(|e| e.eq_ignore_ascii_case("xlsx"));
    let cells = if xlsx { read_xlsx(path, sheet)? } else { read_csv(path)? };
    parse(path, &cells)
}

/// A header's name without its unit ("耕地保有量（公顷）" → "耕地保有量").
fn bare(header: &str) -> &str {
    let h = header.trim().trim_start_matches('\u{feff}');
    let cut = h.find(['（', '(']).unwrap_or(h.len());
    h[..cut].trim()
}

/// What a header names: the level, the unit, an indicator, or nothing read.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Column {
    Level,
    Unit,
    Target(usize),
    Ignored,
}

fn column(header: &str) -> Option<Column> {
    let h = bare(header);
    match h {
        "层级" | "level" => Some(Column::Level),
        "单元" | "单元代码" | "unit" => Some(Column::Unit),
        _ if IGNORED.contains(&h) || h.is_empty() => Some(Column::Ignored),
        _ => TARGETS.iter().position(|(key, zh, other, _)| h == *zh || h == *key || other.contains(&h)).map(Column::Target),
    }
}

fn level_of(text: &str) -> Option<&'static str> {
    Some(match text.trim() {
        "合计" | "总计" | "县" | "全域" | "total" | "county" => "total",
        "乡镇" | "乡镇级片区" | "township" => "township",
        "村级片区" | "片区" | "cluster" => "cluster",
        "村" | "行政村" | "village" => "village",
        _ => return None,
    })
}

/// The rows of a table of cells (the header first).
fn parse(path: &Path, cells: &[Vec<String>]) -> Result<TargetFile> {
    let fail = |line: usize, col: &str, message: String| Error::input(path, format!("row {line}, column {col}: {message}"));
    let Some(header) = cells.first() else {
        return Err(Error::input(path, "the targets file is empty (no header row)"));
    };
    let mut columns = Vec::with_capacity(header.len());
    for h in header {
        let names: Vec<&str> = TARGETS.iter().map(|t| t.1).collect();
        columns.push(column(h).ok_or_else(|| fail(1, h, format!("unknown column; the columns are 层级, 单元 and the indicators {} (ha)", names.join(", "))))?);
    }
    for (want, name) in [(Column::Level, "层级"), (Column::Unit, "单元")] {
        if !columns.contains(&want) {
            return Err(Error::input(path, format!("row 1: no column {name}")));
        }
    }
    let mut rows = Vec::new();
    for (k, row) in cells.iter().enumerate().skip(1) {
        let line = k + 1;
        if row.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        let mut out = TargetRow { line, level: "", unit: String::new(), values: [None; K] };
        for (c, col) in columns.iter().enumerate() {
            let text = row.get(c).map(|t| t.trim()).unwrap_or("");
            match col {
                Column::Level => out.level = level_of(text).ok_or_else(|| fail(line, &header[c], format!("{text:?} is no level (合计, 乡镇, 村级片区 or 村)")))?,
                Column::Unit => out.unit = text.to_string(),
                Column::Target(t) if !text.is_empty() => {
                    let v: f64 = text.replace(',', "").parse().map_err(|_| fail(line, &header[c], format!("{text:?} is not a number (ha)")))?;
                    if !v.is_finite() || v < 0.0 {
                        return Err(fail(line, &header[c], format!("{text} must be an area ≥ 0 (ha)")));
                    }
                    out.values[*t] = Some(v);
                }
                _ => {}
            }
        }
        if out.unit.is_empty() && out.level != "total" {
            return Err(fail(line, "单元", "no unit (a code or name)".into()));
        }
        rows.push(out);
    }
    Ok(TargetFile { path: path.to_path_buf(), rows })
}

/// A CSV file's cells (RFC 4180 quoting, a UTF-8 byte-order mark allowed).
fn read_csv(path: &Path) -> Result<Vec<Vec<String>>> {
    let bytes = std::fs::read(path).map_err(|e| Error::input_from(path, "cannot read the targets file", e))?;
    let text = String::from_utf8(bytes).map_err(|e| Error::input(path, format!("not UTF-8 text (byte {}): save the targets as CSV UTF-8", e.utf8_error().valid_up_to())))?;
    Ok(csv_cells(text.trim_start_matches('\u{feff}')))
}

/// Cells of CSV text.
pub fn csv_cells(text: &str) -> Vec<Vec<String>> {
    let mut rows = vec![vec![String::new()]];
    let (mut quoted, mut chars) = (false, text.chars().peekable());
    while let Some(ch) = chars.next() {
        let row = rows.last_mut().expect("a row");
        match (ch, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                chars.next();
                row.last_mut().expect("a cell").push('"');
            }
            ('"', _) => quoted = !quoted,
            (',', false) => row.push(String::new()),
            ('\r', false) => {}
            ('\n', false) => rows.push(vec![String::new()]),
            (c, _) => row.last_mut().expect("a cell").push(c),
        }
    }
    if rows.last().is_some_and(|r| r.len() == 1 && r[0].is_empty()) {
        rows.pop();
    }
    rows
}

/// An XLSX sheet's cells as text.
fn read_xlsx(path: &Path, sheet: &str) -> Result<Vec<Vec<String>>> {
    use calamine::{open_workbook, Data, Reader, Xlsx};
    let mut book: Xlsx<_> = open_workbook(path).map_err(|e: calamine::XlsxError| Error::input_from(path, "cannot read the targets workbook", e))?;
    let name = match sheet {
        "" => book.sheet_names().first().cloned().ok_or_else(|| Error::input(path, "the workbook has no sheet"))?,
        s => s.to_string(),
    };
    let range = book.worksheet_range(&name).map_err(|e| Error::input_from(path, format!("cannot read sheet {name:?}"), e))?;
    let text = |d: &Data| match d {
        Data::Empty => String::new(),
        Data::Float(f) => f.to_string(),
        Data::Int(i) => i.to_string(),
        other => other.to_string(),
    };
    // The header is the sheet's first used row (row 1 of a sheet written as a table).
    Ok(range.rows().map(|r| r.iter().map(text).collect()).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(text: &str) -> Result<TargetFile> {
        parse(Path::new("targets.csv"), &csv_cells(text))
    }

    #[test]
    fn reads_levels_units_and_targets_in_ha() {
        let t = parsed("序号,层级,单元,耕地保有量（公顷）,城乡建设用地面积(公顷),湿地\n1,合计,,\"1,234.5\",12,\n2,村,小湖村,100.25,,0\n").unwrap();
        assert_eq!(t.rows.len(), 2);
        assert_eq!((t.rows[0].level, t.rows[0].values[1], t.rows[0].values[2]), ("total", Some(1234.5), Some(12.0)));
        assert_eq!((t.rows[1].line, t.rows[1].level, t.rows[1].unit.as_str()), (3, "village", "小湖村"));
        assert_eq!(t.rows[1].values, [None, Some(100.25), None, None, Some(0.0)]);
    }

    #[test]
    fn a_bad_file_names_its_row_and_column() {
        let message = |text: &str| parsed(text).unwrap_err().to_string();
        assert_eq!(message("层级,单元,耕地保有量\n村,小湖村,很多\n"), "targets.csv: row 2, column 耕地保有量: \"很多\" is not a number (ha)");
        assert!(message("层级,单元,耕地\n").contains("row 1, column 耕地: unknown column"));
        assert!(message("层级,单元,林地保有量\n合计,,1\n镇,x,2\n").contains("row 3, column 层级: \"镇\" is no level"));
        assert!(message("层级,林地保有量\n").contains("no column 单元"));
        assert!(message("层级,单元,林地保有量\n村,,1\n").contains("row 2, column 单元: no unit"));
        assert!(message("层级,单元,林地保有量\n村,a,-1\n").contains("must be an area ≥ 0"));
    }
}
