//! Excel workbooks of the planning tables: Chinese headers with units (two header rows
//! where columns share a heading, e.g. 耕地保有量 over 现状 / 规划), frozen headers,
//! number formats by unit, one sheet per table.

use std::path::Path;

use rust_xlsxwriter::{DocProperties, ExcelDateTime, Format, FormatAlign, FormatBorder, Workbook, Worksheet, XlsxError};

use crate::error::{Error, Result};
use crate::layers::Field;
use crate::output::rows::Rows;
use crate::table::{AttrValue, FieldKind};

/// A header cell spanning `span` columns; `tall` ones also span every header row.
#[derive(Debug, Clone, PartialEq)]
pub struct Header {
    pub text: String,
    pub span: u16,
    pub tall: bool,
}

/// One sheet: its name, header rows, the number format of each column, and the rows.
pub struct Sheet<'r> {
    pub name: String,
    pub headers: Vec<Vec<Header>>,
    /// Excel number format per column ("" for general, "@" for text).
    pub formats: Vec<&'static str>,
    pub rows: &'r dyn Rows,
}

impl<'r> Sheet<'r> {
    /// A sheet of a registry layer's rows, headed by the fields' Chinese aliases and units.
    pub fn of_fields(name: &str, fields: &[Field], rows: &'r dyn Rows) -> Sheet<'r> {
        Sheet {
            name: name.to_string(),
            headers: headers(fields),
            formats: fields.iter().map(number_format).collect(),
            rows,
        }
    }
}

/// The heading a column shares with its neighbours: its declared group, or its alias
/// when the next or previous column has the same alias (an area in m², ha and mu).
fn group_of(fields: &[Field], c: usize) -> Option<&str> {
    if let Some(g) = &fields[c].group {
        return Some(g);
    }
    let same = |k: usize| fields.get(k).is_some_and(|f| f.group.is_none() && f.alias == fields[c].alias);
    (same(c + 1) || (c > 0 && same(c - 1))).then_some(&fields[c].alias)
}

fn with_unit(text: &str, unit: &str) -> String {
    match (text.is_empty(), unit.is_empty()) {
        (_, true) => text.to_string(),
        (true, false) => unit.to_string(),
        (false, false) => format!("{text}（{unit}）"),
    }
}

/// One header row when no columns share a heading, else two: the shared headings over
/// their columns' own labels, and tall cells for the rest.
pub fn headers(fields: &[Field]) -> Vec<Vec<Header>> {
    let groups: Vec<Option<&str>> = (0..fields.len()).map(|c| group_of(fields, c)).collect();
    if groups.iter().all(Option::is_none) {
        let row = fields.iter().map(|f| Header { text: with_unit(&f.alias, f.unit), span: 1, tall: false }).collect();
        return vec![row];
    }
    let (mut top, mut below) = (Vec::new(), Vec::new());
    let mut c = 0;
    while c < fields.len() {
        let Some(g) = groups[c] else {
            top.push(Header { text: with_unit(&fields[c].alias, fields[c].unit), span: 1, tall: true });
            below.push(Header { text: String::new(), span: 1, tall: false });
            c += 1;
            continue;
        };
        let end = (c..fields.len()).find(|&k| groups[k] != Some(g)).unwrap_or(fields.len());
        top.push(Header { text: g.to_string(), span: (end - c) as u16, tall: false });
        for f in &fields[c..end] {
            let own = f.alias.strip_prefix(g).unwrap_or(&f.alias);
            below.push(Header { text: with_unit(own, f.unit), span: 1, tall: false });
        }
        c = end;
    }
    vec![top, below]
}

/// The Excel number format of a column, by its kind and unit.
pub fn number_format(f: &Field) -> &'static str {
    const FIXED: [&str; 7] = ["0", "0.0", "0.00", "0.000", "0.0000", "0.00000", "0.000000"];
    match (f.kind, f.unit) {
        (FieldKind::Real, _) if f.decimals.is_some() => FIXED[f.decimals.unwrap_or(0).min(6) as usize],
        (FieldKind::Text, _) => "@",
        (FieldKind::Int, _) => "0",
        (_, "公顷") => "0.0000",
        (_, "°") => "0.00",
        (_, "m²" | "亩") => "0.00",
        _ => "0.00##",
    }
}

/// Writes the sheets into a new workbook at `path`.
pub fn write_workbook(path: &Path, sheets: &[Sheet]) -> Result<()> {
    let fail = |e: XlsxError| Error::output_from(path, "cannot write the workbook", e);
    let mut book = Workbook::new();
    // A fixed creation time: the same results give the same file (the run's time is in
    // manifest.json).
    let created = ExcelDateTime::from_ymd(2000, 1, 1).map_err(fail)?;
    let properties = DocProperties::new().set_title("规划指标分解表").set_author("landcons").set_creation_datetime(&created);
    book.set_properties(&properties);
    for sheet in sheets {
        let ws = book.add_worksheet();
        fill(ws, sheet).map_err(fail)?;
    }
    book.save(path).map_err(fail)
}

fn write_headers(ws: &mut Worksheet, headers: &[Vec<Header>]) -> std::result::Result<(), XlsxError> {
    let style = Format::new()
        .set_bold()
        .set_align(FormatAlign::Center)
        .set_align(FormatAlign::VerticalCenter)
        .set_border(FormatBorder::Thin)
        .set_text_wrap();
    let last = headers.len().saturating_sub(1) as u32;
    // Cells below a tall heading are inside its merged range.
    let covered = tall_columns(headers);
    for (r, row) in headers.iter().enumerate() {
        let r = r as u32;
        let mut col = 0u16;
        for h in row {
            let span = h.span.max(1);
            let bottom = if h.tall { last } else { r };
            let under_tall = r > 0 && covered.get(col as usize).copied().unwrap_or(false);
            if under_tall {
                // written by the merge above
            } else if span == 1 && bottom == r {
                ws.write_string_with_format(r, col, &h.text, &style)?;
            } else {
                ws.merge_range(r, col, bottom, col + span - 1, &h.text, &style)?;
            }
            col += span;
        }
    }
    Ok(())
}

fn fill(ws: &mut Worksheet, sheet: &Sheet) -> std::result::Result<(), XlsxError> {
    ws.set_name(&sheet.name)?;
    write_headers(ws, &sheet.headers)?;
    let first = sheet.headers.len() as u32;
    let formats: Vec<Format> = sheet.formats.iter().map(|f| Format::new().set_border(FormatBorder::Thin).set_num_format(*f)).collect();
    let mut values: Vec<AttrValue> = Vec::new();
    for k in 0..sheet.rows.len() {
        values.clear();
        sheet.rows.fill(k, &mut values);
        for (c, v) in values.iter().enumerate() {
            let real;
            let v = match v {
                AttrValue::Real(x) => {
                    real = AttrValue::Real(shown(*x, sheet.formats[c]));
                    &real
                }
                v => v,
            };
            write_value(ws, first + k as u32, c as u16, v, &formats[c])?;
        }
    }
    let text_columns = sheet.formats.iter().take_while(|f| **f == "@").count().min(3) as u16;
    ws.set_freeze_panes(first, text_columns)?;
    for (c, f) in sheet.formats.iter().enumerate() {
        ws.set_column_width(c as u16, if *f == "@" { 16.0 } else { 13.0 })?;
    }
    Ok(())
}

/// Which columns a tall header cell covers (single-column tall cells only).
fn tall_columns(headers: &[Vec<Header>]) -> Vec<bool> {
    let mut out = Vec::new();
    for h in headers.first().map(Vec::as_slice).unwrap_or(&[]) {
        out.extend(std::iter::repeat_n(h.tall, h.span.max(1) as usize));
    }
    out
}

/// The value as a cell of `format` shows it, with a value that shows as zero made +0:
/// Excel prints −0.001 in a "0.00" column as "-0.00".
fn shown(x: f64, format: &str) -> f64 {
    let decimals = format.split_once('.').map_or(0, |(_, d)| d.chars().filter(|c| matches!(c, '0' | '#')).count());
    match format.is_empty() || format == "@" {
        true => crate::units::unsigned_zero(x),
        false if crate::units::round(x, decimals as i32) == 0.0 => 0.0,
        false => x,
    }
}

fn write_value(ws: &mut Worksheet, r: u32, c: u16, v: &AttrValue, f: &Format) -> std::result::Result<(), XlsxError> {
    match v {
        AttrValue::Null => ws.write_blank(r, c, f).map(|_| ()),
        AttrValue::Int(x) => ws.write_number_with_format(r, c, *x as f64, f).map(|_| ()),
        AttrValue::Real(x) if x.is_finite() => ws.write_number_with_format(r, c, *x, f).map(|_| ()),
        AttrValue::Real(_) => ws.write_blank(r, c, f).map(|_| ()),
        AttrValue::Text(s) => ws.write_string_with_format(r, c, s.as_ref(), f).map(|_| ()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::table::FieldKind::*;

    #[test]
    fn values_that_show_as_zero_are_written_without_a_sign() {
        assert!(shown(-0.001, "0.00").is_sign_positive() && shown(-0.001, "0.00") == 0.0);
        assert!(shown(-0.00001, "0.00##").is_sign_positive());
        assert_eq!(shown(-0.001, "0.00##"), -0.001, "shown with 4 decimals, it is not zero");
        assert_eq!(shown(-0.4, "0"), 0.0);
        assert!(shown(-0.0, "").is_sign_positive());
        assert_eq!(shown(-1.25, "0.00"), -1.25, "the value itself is written, not a rounded copy");
    }

    #[test]
    fn shared_aliases_and_groups_make_two_header_rows() {
        let fields = vec![
            Field::new("code", Text, "代码", ""),
            Field::new("a_m2", Real, "拆旧面积", "m²"),
            Field::new("a_mu", Real, "拆旧面积", "亩"),
            Field::new("c_now", Real, "耕地现状", "公顷").grouped("耕地"),
            Field::new("c_plan", Real, "耕地规划", "公顷").grouped("耕地"),
        ];
        let h = headers(&fields);
        let top: Vec<(&str, u16, bool)> = h[0].iter().map(|x| (x.text.as_str(), x.span, x.tall)).collect();
        assert_eq!(top, [("代码", 1, true), ("拆旧面积", 2, false), ("耕地", 2, false)]);
        let below: Vec<&str> = h[1].iter().map(|x| x.text.as_str()).collect();
        assert_eq!(below, ["", "m²", "亩", "现状（公顷）", "规划（公顷）"]);
        assert_eq!(number_format(&fields[3]), "0.0000");
    }

    #[test]
    fn distinct_aliases_make_one_header_row() {
        let fields = vec![Field::new("n", Int, "图斑数", ""), Field::new("a", Real, "面积", "亩")];
        let h = headers(&fields);
        assert_eq!(h.len(), 1);
        assert_eq!(h[0][1].text, "面积（亩）");
    }
}
