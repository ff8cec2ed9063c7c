//! Attribute text encodings of shapefiles. Chinese survey deliveries are often GBK,
//! with or without a `.cpg` file, and sometimes with a `.cpg` that lies (UTF-8 over GBK
//! text, GBK over UTF-8, a Western code page over GBK). One encoding is chosen for the
//! whole file from all of its text, never value by value; a declaration that the text
//! contradicts stops the run with an example, instead of garbling names in silence.

use std::path::Path;

use encoding_rs::{Encoding, GB18030, GBK, UTF_8};

use crate::error::{Error, Result};

mod detect;
#[cfg(test)]
mod tests;

pub use detect::*;

/// Decodes DBF text bytes to UTF-8, every value with the one encoding chosen for the file.
#[derive(Debug, Clone)]
pub struct TextDecoder {
    encoding: &'static Encoding,
    /// Where the choice came from (and how to override it), said when a value does not
    /// decode.
    why: String,
}

/// The encoding a `.cpg` file names (e.g. "UTF-8", "GBK", "936", "CP936").
pub fn decode_cpg(text: &str) -> Option<&'static Encoding> {
    let t = text
        .trim()
        .trim_start_matches('\u{feff}')
        .to_ascii_lowercase();
    let label = match t.as_str() {
        "936" | "cp936" | "ansi 936" | "gb2312" | "gb18030" | "gbk" => "gbk",
        "65001" | "utf8" | "utf-8" => "utf-8",
        other => {
            let other = other.strip_prefix("ansi ").unwrap_or(other);
            other.strip_prefix("cp").unwrap_or(other)
        }
    };
    Encoding::for_label(label.as_bytes()).or_else(|| {
        // Windows code pages by number: "1252" → windows-1252.
        label
            .parse::<u32>()
            .ok()
            .and_then(|n| Encoding::for_label(format!("windows-{n}").as_bytes()))
    })
}

impl TextDecoder {
    /// The decoder of a shapefile's attributes. `setting` is "auto" or an encoding name
    /// (the user's choice, used for every value); `key` names the setting that overrides
    /// the choice (`inputs.parcels_encoding`), when there is one. In auto mode the whole
    /// .dbf decides against its .cpg (see [`judge`]).
    pub fn for_shapefile(shp: &Path, setting: &str, key: Option<&str>) -> Result<TextDecoder> {
        let setting = setting.trim();
        if !setting.eq_ignore_ascii_case("auto") {
            let enc = decode_cpg(setting).ok_or_else(|| {
                Error::setting(key.unwrap_or("encoding"), None, format!("unknown encoding {setting:?}"))
            })?;
            return Ok(TextDecoder { encoding: enc, why: format!("set by {}", key.unwrap_or("the settings")) });
        }
        let cpg = shp.with_extension("cpg");
        let cpg_text = std::fs::read_to_string(&cpg).ok();
        let declared = cpg_text.as_deref().and_then(decode_cpg);
        let dbf = shp.with_extension("dbf");
        // An unreadable .dbf is GDAL's to report when it opens the layer.
        let overridden = key.map(|k| format!("; {k} overrides it")).unwrap_or_default();
        let Some(stats) = detect_dbf(&dbf, DETECT_CHUNK) else {
            return Ok(TextDecoder { encoding: declared.unwrap_or(UTF_8), why: format!("its .cpg declares{overridden}") });
        };
        match (judge(declared, &stats), declared) {
            (Judgement::Use(encoding), Some(_)) => Ok(TextDecoder { encoding, why: format!("its .cpg declares, which the whole file's text agrees with{overridden}") }),
            (Judgement::Use(encoding), None) => Ok(TextDecoder { encoding, why: format!("chosen for the whole file from its text{overridden}") }),
            (Judgement::Contradicts(found), Some(d)) => {
                let what = match found {
                    Some(f) => format!("is {}", f.name()),
                    None => format!("does not decode as {}", d.name()),
                };
                let example = example(&dbf, d, found);
                Err(Error::input(
                    &cpg,
                    format!(
                        "declares the code page {} ({:?}), but the text of {} {what}{example}; correct or delete the .cpg{}",
                        d.name(),
                        cpg_text.as_deref().unwrap_or("").trim(),
                        dbf.display(),
                        override_hint(key, found),
                    ),
                ))
            }
            (_, _) => {
                let cpg_says = match &cpg_text {
                    Some(t) => format!("its .cpg ({:?}) names no encoding landcons knows", t.trim()),
                    None => "no .cpg file names its code page".to_string(),
                };
                Err(Error::input(
                    &dbf,
                    format!(
                        "the text is neither UTF-8 nor Chinese GBK, and {cpg_says}{}; add a .cpg naming it{}",
                        example(&dbf, UTF_8, Some(GBK)),
                        override_hint(key, None),
                    ),
                ))
            }
        }
    }

    /// The encoding's name, for the manifest and messages.
    pub fn name(&self) -> &'static str {
        self.encoding.name()
    }

    /// Decodes one value with the file's encoding; bytes it does not decode are an error.
    pub fn decode(&self, bytes: &[u8]) -> std::result::Result<String, String> {
        let mut out = String::new();
        self.decode_into(bytes, &mut out)?;
        Ok(out)
    }

    /// As [`TextDecoder::decode`], appending to `out` (a buffer reused value after value).
    pub fn decode_into(&self, bytes: &[u8], out: &mut String) -> std::result::Result<(), String> {
        let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
        let (text, had_errors) = self.encoding.decode_without_bom_handling(bytes);
        if had_errors {
            return Err(format!(
                "text is not valid {} (the encoding {}; bytes {:02X?})",
                self.name(),
                self.why,
                &bytes[..bytes.len().min(16)]
            ));
        }
        out.push_str(&text);
        Ok(())
    }
}

/// How to override the choice, when a setting can.
fn override_hint(key: Option<&str>, found: Option<&'static Encoding>) -> String {
    match (key, found) {
        (Some(k), Some(f)) => format!(", or set {k} = {:?} (or the encoding you know it is) to read every value with it", f.name().to_ascii_lowercase()),
        (Some(k), None) => format!(", or set {k} to the encoding you know it is"),
        (None, _) => String::new(),
    }
}

/// What a file's text is, judged from all of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Detected {
    /// Only ASCII: every code page reads it the same.
    Ascii,
    /// Valid UTF-8 (unless it reads as Chinese only in GBK).
    Utf8,
    /// Chinese text in GBK: decodes cleanly as GBK, mostly GB2312 characters.
    Gbk,
    /// Neither: a single-byte code page, another multi-byte one, or damaged text.
    Other,
}

/// What the declaration and the text together decide.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Judgement {
    /// Read every value with this encoding.
    Use(&'static Encoding),
    /// The declared encoding is contradicted: the text is this one (None: the text does
    /// not decode in the declared one, and is nothing recognised either).
    Contradicts(Option<&'static Encoding>),
    /// No declaration, and the text is neither UTF-8 nor Chinese GBK.
    Unknown,
}

/// Non-ASCII bytes up to which text that reads as Chinese both in UTF-8 and in GBK is
/// truly ambiguous (a name or two): the declaration decides it. Beyond, chance matches
/// of GBK's byte pattern by UTF-8 text vanish, and UTF-8 is what it is.
pub const AMBIGUOUS_BYTES: u64 = 24;

/// The encoding of a file whose .cpg declares `declared` (None: no .cpg) and whose text
/// is described by `stats`.
///
/// A declaration stands when the text agrees with it or says nothing against it (ASCII
/// only; a single-byte code page over text that is neither UTF-8 nor GBK, which any such
/// page decodes). It is contradicted when the text confidently is something else: valid
/// UTF-8 under any other declaration (except a few ambiguous bytes that read as Chinese
/// in a declared GBK), Chinese GBK under UTF-8 or a single-byte page, or bytes the
/// declared UTF-8 or GBK does not decode.
pub fn judge(declared: Option<&'static Encoding>, stats: &TextStats) -> Judgement {
    let found = stats.verdict();
    let Some(d) = declared else {
        return match found {
            Detected::Ascii | Detected::Utf8 => Judgement::Use(UTF_8),
            Detected::Gbk => Judgement::Use(GBK),
            Detected::Other => Judgement::Unknown,
        };
    };
    let gbk_family = d == GBK || d == GB18030;
    match found {
        Detected::Ascii => Judgement::Use(d),
        Detected::Utf8 if d == UTF_8 => Judgement::Use(d),
        Detected::Utf8 if gbk_family && stats.non_ascii <= AMBIGUOUS_BYTES && stats.gbk.clean() && stats.gbk.chinese() => Judgement::Use(d),
        Detected::Utf8 => Judgement::Contradicts(Some(UTF_8)),
        Detected::Gbk if gbk_family => Judgement::Use(d),
        Detected::Gbk if d == UTF_8 || d.is_single_byte() => Judgement::Contradicts(Some(GBK)),
        // Big5, Shift_JIS and the like may look like GBK: they are believed, and a value
        // they do not decode is an error.
        Detected::Gbk => Judgement::Use(d),
        Detected::Other if d == UTF_8 => Judgement::Contradicts(None),
        Detected::Other if gbk_family && !stats.gbk.clean() => Judgement::Contradicts(None),
        Detected::Other => Judgement::Use(d),
    }
}

/// ", e.g. field F of record N reads "…" as A and "…" as B": the first value with
/// non-ASCII bytes (the first `a` does not decode, if any), read both ways.
fn example(dbf: &Path, a: &'static Encoding, b: Option<&'static Encoding>) -> String {
    let Some(v) = first_value(dbf, a) else { return String::new() };
    let read = |e: &'static Encoding| e.decode_without_bom_handling(&v.bytes).0.trim_end().to_string();
    let other = match b {
        Some(b) => format!(" and {:?} as {}", read(b), b.name()),
        None => String::new(),
    };
    format!(", e.g. field {} of record {} reads {:?} as {}{other}", v.field, v.record, read(a), a.name())
}

/// A value of a .dbf, its field and its record (1-based).
struct DbfValue {
    field: String,
    record: u64,
    bytes: Vec<u8>,
}

/// The first value with non-ASCII bytes that `enc` does not decode, else the first with
/// non-ASCII bytes (None for a file that cannot be read or has none). Only read to
/// explain an error: it stops at the first such value.
fn first_value(dbf: &Path, enc: &'static Encoding) -> Option<DbfValue> {
    use std::io::Read;
    let mut file = std::io::BufReader::new(std::fs::File::open(dbf).ok()?);
    let mut head = [0u8; 32];
    file.read_exact(&mut head).ok()?;
    let records = u32::from_le_bytes(head[4..8].try_into().ok()?) as u64;
    let header_len = u16::from_le_bytes([head[8], head[9]]) as usize;
    let record_len = u16::from_le_bytes([head[10], head[11]]) as usize;
    let mut descriptors = vec![0u8; header_len.checked_sub(32)?];
    file.read_exact(&mut descriptors).ok()?;
    // Field descriptors of 32 bytes (name, type, length at 16) until the 0x0D terminator.
    let fields: Vec<(String, usize)> = descriptors
        .chunks_exact(32)
        .take_while(|d| d[0] != 0x0D)
        .map(|d| (String::from_utf8_lossy(d[..11].split(|b| *b == 0).next().unwrap_or(&[])).into_owned(), d[16] as usize))
        .collect();
    let mut record = vec![0u8; record_len];
    let mut fallback = None;
    for r in 1..=records {
        file.read_exact(&mut record).ok()?;
        let mut at = 1; // the deletion flag
        for (name, len) in &fields {
            let bytes = record.get(at..at + len)?;
            at += len;
            if bytes.is_ascii() {
                continue;
            }
            let value = DbfValue { field: name.clone(), record: r, bytes: bytes.to_vec() };
            if enc.decode_without_bom_handling_and_without_replacement(bytes).is_none() {
                return Some(value);
            }
            fallback.get_or_insert(value);
        }
    }
    fallback
}
