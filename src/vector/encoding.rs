//! Attribute text encodings of shapefiles. Chinese survey deliveries are often GBK,
//! with or without a `.cpg` file, and sometimes with a `.cpg` that lies (UTF-8 over GBK
//! text, GBK over UTF-8, a Western code page over GBK). One encoding is chosen for the
//! whole file from all of its text, never value by value; a declaration that the text
//! contradicts stops the run with an example, instead of garbling names in silence.

use std::path::Path;

use encoding_rs::{Encoding, GB18030, GBK, UTF_8};

use crate::error::{Error, Result};

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

/// Bytes of a .dbf read at a time by [`detect_dbf`].
const DETECT_CHUNK: usize = 1 << 20;

/// GBK characters after which text that is not UTF-8 and reads as Chinese GBK is
/// decided without reading on: a GBK delivery is decided in its first chunk.
const EARLY_UNITS: u64 = 256;

/// [`TextStats`] of a .dbf file's records (None when it cannot be read), reading `chunk`
/// bytes at a time. Text that is not UTF-8 and reads as Chinese GBK is decided as soon
/// as a chunk shows it (a GBK delivery in its first); otherwise the whole file is read.
fn detect_dbf(path: &Path, chunk: usize) -> Option<TextStats> {
    use std::io::Read;
    let mut file = std::fs::File::open(path).ok()?;
    let mut header = [0u8; 10];
    file.read_exact(&mut header).ok()?;
    let skip = u16::from_le_bytes([header[8], header[9]]) as usize;
    std::io::copy(&mut file.by_ref().take(skip.saturating_sub(header.len()) as u64), &mut std::io::sink()).ok()?;
    let mut stats = TextStats::default();
    let mut buf = vec![0u8; chunk];
    loop {
        let n = file.read(&mut buf).ok()?;
        if n == 0 {
            stats.finish();
            return Some(stats);
        }
        stats.add(&buf[..n]);
        if stats.utf8.invalid && stats.gbk.units >= EARLY_UNITS && stats.gbk.chinese() {
            return Some(stats);
        }
    }
}

/// What a file's text bytes look like in UTF-8 and in GBK, gathered chunk by chunk
/// (characters cut between chunks are carried over).
#[derive(Debug, Clone, Default)]
pub struct TextStats {
    /// Bytes ≥ 0x80.
    pub non_ascii: u64,
    pub utf8: Utf8Scan,
    pub gbk: GbkScan,
}

impl TextStats {
    /// The stats of one whole text.
    pub fn of(text: &[u8]) -> TextStats {
        let mut s = TextStats::default();
        s.add(text);
        s.finish();
        s
    }

    /// The next bytes of the text.
    pub fn add(&mut self, bytes: &[u8]) {
        self.non_ascii += bytes.iter().filter(|b| **b >= 0x80).count() as u64;
        self.utf8.add(bytes);
        self.gbk.add(bytes);
    }

    /// The end of the text: a character left unfinished is malformed.
    pub fn finish(&mut self) {
        self.utf8.finish();
        self.gbk.finish();
    }

    /// What the text is.
    pub fn verdict(&self) -> Detected {
        match (self.non_ascii, self.utf8.invalid) {
            (0, _) => Detected::Ascii,
            // Valid UTF-8 that reads as nothing (Latin letters, Chinese) in UTF-8 but as
            // Chinese in GBK: a short GBK name can be valid UTF-8 ("师" is C8 A6, "ʦ").
            (_, false) if !self.utf8.plausible() && self.gbk.chinese() => Detected::Gbk,
            (_, false) => Detected::Utf8,
            (_, true) if self.gbk.chinese() => Detected::Gbk,
            (_, true) => Detected::Other,
        }
    }
}

/// UTF-8 validity and what the characters are.
#[derive(Debug, Clone, Default)]
pub struct Utf8Scan {
    pub invalid: bool,
    /// A character neither survey text (Chinese) nor Latin text holds.
    pub odd: bool,
    /// Bytes of a character cut at the end of the last chunk.
    pending: Vec<u8>,
}

impl Utf8Scan {
    fn add(&mut self, bytes: &[u8]) {
        if self.invalid {
            return;
        }
        let joined;
        let bytes = match self.pending.is_empty() {
            true => bytes,
            false => {
                joined = [std::mem::take(&mut self.pending).as_slice(), bytes].concat();
                &joined
            }
        };
        let valid = match std::str::from_utf8(bytes) {
            Ok(s) => s,
            Err(e) if e.error_len().is_some() => {
                self.invalid = true;
                return;
            }
            // A sequence cut at the end of the chunk: finished by the next one.
            Err(e) => {
                self.pending = bytes[e.valid_up_to()..].to_vec();
                std::str::from_utf8(&bytes[..e.valid_up_to()]).expect("valid up to here")
            }
        };
        self.odd |= !valid.chars().all(|c| plausible(c) || latin(c));
    }

    fn finish(&mut self) {
        self.invalid |= !self.pending.is_empty();
    }

    /// Reads as text: Chinese (with survey punctuation) or Latin letters.
    pub fn plausible(&self) -> bool {
        !self.invalid && !self.odd
    }
}

/// GBK's structure (GB18030: one byte ASCII; lead 0x81–0xFE and trail 0x40–0x7E or
/// 0x80–0xFE; lead, digit, lead, digit), and how much of it is GB2312, the character
/// set survey text is written in.
#[derive(Debug, Clone, Default)]
pub struct GbkScan {
    /// Characters of more than one byte (and 0x80, the euro sign).
    pub units: u64,
    /// Of them, GB2312 characters: lead 0xA1–0xA9 (punctuation, fullwidth forms) or
    /// 0xB0–0xF7 (hanzi), trail 0xA1–0xFE.
    pub gb2312: u64,
    /// Of them, GB2312 hanzi.
    pub hanzi: u64,
    /// Byte sequences GBK does not allow.
    pub malformed: u64,
    /// The bytes of a character begun and not finished.
    pending: Vec<u8>,
}

impl GbkScan {
    fn add(&mut self, mut bytes: &[u8]) {
        while let Some(&b) = bytes.first() {
            // Runs of ASCII between characters (most of a .dbf) are skipped at once.
            if self.pending.is_empty() && b < 0x80 {
                let run = bytes.iter().position(|b| *b >= 0x80).unwrap_or(bytes.len());
                bytes = &bytes[run..];
                continue;
            }
            self.push(b);
            bytes = &bytes[1..];
        }
    }

    fn push(&mut self, b: u8) {
        let lead = |b: u8| (0x81..=0xFE).contains(&b);
        match (self.pending.as_slice(), b) {
            ([], 0x00..=0x7F) => {}
            ([], 0x80) => self.units += 1,
            ([], b) if lead(b) => self.pending.push(b),
            ([], _) => self.malformed += 1,
            (&[l], 0x40..=0x7E | 0x80..=0xFE) => {
                self.units += 1;
                let gb2312 = ((0xA1..=0xA9).contains(&l) || (0xB0..=0xF7).contains(&l)) && b >= 0xA1;
                self.gb2312 += gb2312 as u64;
                self.hanzi += (gb2312 && l >= 0xB0) as u64;
                self.pending.clear();
            }
            (&[_], 0x30..=0x39) => self.pending.push(b),
            (&[_, _], b) if lead(b) => self.pending.push(b),
            (&[_, _, _], 0x30..=0x39) => {
                self.units += 1;
                self.pending.clear();
            }
            // A broken character: counted, and the byte that broke it starts afresh.
            _ => {
                self.malformed += 1;
                self.pending.clear();
                self.push(b);
            }
        }
    }

    fn finish(&mut self) {
        if !self.pending.is_empty() {
            self.malformed += 1;
            self.pending.clear();
        }
    }

    /// Every byte sequence is GBK.
    pub fn clean(&self) -> bool {
        self.malformed == 0
    }

    /// Reads as Chinese: GB2312 hanzi, at least three characters in four GB2312 (text
    /// in another code page or UTF-8 read as GBK gives half or less), and hardly a
    /// malformed sequence (1 in 100: a value cut inside a character is the reader's to
    /// report, naming it).
    pub fn chinese(&self) -> bool {
        self.hanzi > 0 && self.gb2312 * 4 >= self.units * 3 && self.malformed * 100 <= self.units
    }
}

/// What a text's bytes are (for a whole text at once; [`detect_dbf`] streams a file).
pub fn detect(text: &[u8]) -> Detected {
    TextStats::of(text).verdict()
}

/// Text with CJK characters and nothing survey text would not hold.
pub fn reads_as_chinese(s: &str) -> bool {
    s.chars().any(is_cjk) && s.chars().all(plausible)
}

fn is_cjk(c: char) -> bool {
    ('\u{3400}'..='\u{9fff}').contains(&c) || ('\u{f900}'..='\u{faff}').contains(&c)
}

/// Latin letters and signs (Latin-1 Supplement, Latin Extended-A and -B): names in
/// Western text.
fn latin(c: char) -> bool {
    ('\u{a0}'..='\u{24f}').contains(&c)
}

/// A character survey text holds: printable ASCII (and NUL padding), CJK, CJK and fullwidth punctuation,
/// general punctuation (dashes, quotes), the middle dot, Roman and circled numerals.
fn plausible(c: char) -> bool {
    matches!(c, ' '..='~' | '\t' | '\r' | '\n' | '\0' | '\u{b7}' | '\u{d7}')
        || is_cjk(c)
        || ('\u{3000}'..='\u{303f}').contains(&c)
        || ('\u{ff00}'..='\u{ffef}').contains(&c)
        || ('\u{2010}'..='\u{2027}').contains(&c)
        || ('\u{2160}'..='\u{217f}').contains(&c)
        || ('\u{2460}'..='\u{24ff}').contains(&c)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpg_names() {
        assert_eq!(decode_cpg("UTF-8"), Some(UTF_8));
        assert_eq!(decode_cpg("936\n"), Some(GBK));
        assert_eq!(decode_cpg("GBK"), Some(GBK));
        assert_eq!(decode_cpg("1252").map(|e| e.name()), Some("windows-1252"));
        assert_eq!(decode_cpg("ANSI 1252").map(|e| e.name()), Some("windows-1252"));
        assert_eq!(decode_cpg("ANSI 936"), Some(GBK));
    }

    fn gbk(s: &str) -> Vec<u8> {
        GBK.encode(s).0.into_owned()
    }

    fn latin1(s: &str) -> Vec<u8> {
        encoding_rs::WINDOWS_1252.encode(s).0.into_owned()
    }

    #[test]
    fn text_is_detected_as_a_whole() {
        assert_eq!(detect(b"plain ascii"), Detected::Ascii);
        assert_eq!(detect(&gbk("上坪村 龙潭村")), Detected::Gbk);
        assert_eq!(detect("上坪村 龙潭村".as_bytes()), Detected::Utf8);
        // Valid UTF-8 that reads as nothing ("ʦ"), GBK for "师".
        assert_eq!(detect(&gbk("  师  ")), Detected::Gbk);
        // Latin text is not GBK, in UTF-8 (where é and ü are GB2312-like pairs) or not.
        for s in ["café", "Zürich", "été", "Hôtel-Dieu de Genève", "Ærø Señora"] {
            assert_eq!(detect(s.as_bytes()), Detected::Utf8, "{s} in UTF-8");
            assert_eq!(detect(&latin1(s)), Detected::Other, "{s} in windows-1252");
        }
        // UTF-8 Chinese read as GBK often decodes ("涓婂潽鏉"), but is not GB2312 text.
        let long = "上坪村 龙潭村 石门村 新民村 和平村 ".repeat(20);
        assert!(!TextStats::of(long.as_bytes()).gbk.chinese());
    }

    #[test]
    fn a_declaration_stands_unless_the_text_contradicts_it() {
        let judged = |declared: Option<&'static Encoding>, text: &[u8]| judge(declared, &TextStats::of(text));
        let utf8 = "上坪村 龙潭村 石门村 新民村 和平村 ".repeat(4);
        let gbk_text = gbk(&utf8);
        let w1252 = encoding_rs::WINDOWS_1252;
        // Agreement, ASCII, no declaration.
        assert_eq!(judged(Some(GBK), &gbk_text), Judgement::Use(GBK));
        assert_eq!(judged(Some(UTF_8), utf8.as_bytes()), Judgement::Use(UTF_8));
        assert_eq!(judged(Some(GBK), b"abc"), Judgement::Use(GBK));
        assert_eq!(judged(None, &gbk_text), Judgement::Use(GBK));
        assert_eq!(judged(None, utf8.as_bytes()), Judgement::Use(UTF_8));
        assert_eq!(judged(None, &latin1("café")), Judgement::Unknown);
        // Lies.
        assert_eq!(judged(Some(GBK), utf8.as_bytes()), Judgement::Contradicts(Some(UTF_8)));
        assert_eq!(judged(Some(w1252), &gbk_text), Judgement::Contradicts(Some(GBK)));
        assert_eq!(judged(Some(UTF_8), &gbk_text), Judgement::Contradicts(Some(GBK)));
        assert_eq!(judged(Some(w1252), utf8.as_bytes()), Judgement::Contradicts(Some(UTF_8)));
        assert_eq!(judged(Some(UTF_8), &latin1("café")), Judgement::Contradicts(None));
        // Western text declared as such is not called GBK.
        for s in ["café", "Zürich", "été", "Hôtel-Dieu de Genève"] {
            assert_eq!(judged(Some(w1252), &latin1(s)), Judgement::Use(w1252), "{s}");
            assert_eq!(judged(Some(UTF_8), s.as_bytes()), Judgement::Use(UTF_8), "{s}");
        }
        // A few bytes that read as Chinese both ways: the declaration decides.
        let ambiguous = gbk("洹颁啊"); // "䡰䰡" in UTF-8
        assert!(std::str::from_utf8(&ambiguous).is_ok_and(reads_as_chinese));
        assert_eq!(judged(Some(GBK), &ambiguous), Judgement::Use(GBK));
        assert_eq!(judged(Some(UTF_8), &ambiguous), Judgement::Use(UTF_8));
    }

    #[test]
    fn values_decode_with_the_one_encoding_or_fail() {
        let d = TextDecoder { encoding: GBK, why: "chosen for the whole file from its text".into() };
        assert_eq!(d.decode(&gbk("龙潭村")).unwrap(), "龙潭村");
        // No fallback value by value: UTF-8 in a GBK file is not quietly read as UTF-8.
        let utf8 = TextDecoder { encoding: UTF_8, why: "set by inputs.parcels_encoding".into() };
        let e = utf8.decode(&gbk("龙潭村")).unwrap_err();
        assert!(e.contains("UTF-8") && e.contains("inputs.parcels_encoding"), "{e}");
    }

    /// A .dbf-like file: a 32-byte header giving its length, then `records`.
    fn dbf(records: &[u8]) -> tempfile::NamedTempFile {
        let mut bytes = vec![0u8; 32];
        bytes[8] = 32;
        bytes.extend_from_slice(records);
        let file = tempfile::NamedTempFile::new().unwrap();
        std::fs::write(file.path(), bytes).unwrap();
        file
    }

    #[test]
    fn a_dbf_read_in_chunks_is_detected_as_the_whole_file() {
        let gbk_text = gbk("龙潭村 上坪村 石门村");
        let utf8 = "龙潭村 上坪村 石门村 ".repeat(5);
        let mut late_gbk = utf8.clone().into_bytes();
        late_gbk.extend_from_slice(&gbk_text);
        let cases: Vec<Vec<u8>> = vec![
            b"plain ascii".to_vec(),
            gbk_text.clone(),
            utf8.into_bytes(),
            late_gbk,
            [b"  ".as_slice(), &gbk("师"), b"  "].concat(),
            "café".as_bytes().to_vec(),
            latin1("Zürich été"),
            // A UTF-8 sequence cut at the end of the file.
            [b"abc".as_slice(), &"龙".as_bytes()[..2]].concat(),
            // A GB18030 four-byte character.
            gbk("龙潭村").into_iter().chain([0x81, 0x30, 0x81, 0x30]).collect(),
        ];
        for case in &cases {
            let file = dbf(case);
            // Chunks of 1 to 7 bytes cut every multi-byte character somewhere.
            for chunk in [1, 2, 3, 5, 7, DETECT_CHUNK] {
                let stats = detect_dbf(file.path(), chunk).unwrap();
                assert_eq!(stats.verdict(), detect(case), "{case:02X?} in chunks of {chunk}");
                assert_eq!(stats.gbk.clean(), TextStats::of(case).gbk.clean(), "{case:02X?} in chunks of {chunk}");
            }
        }
    }

    #[test]
    fn gbk_text_is_decided_in_its_first_chunk() {
        // GBK names, then a stretch that is no text at all: never reached.
        let names = gbk(&"上坪村龙潭村石门村新民村和平村".repeat(40));
        let file = dbf(&[names.as_slice(), &[0xFF; 64]].concat());
        let stats = detect_dbf(file.path(), names.len()).unwrap();
        assert_eq!(stats.verdict(), Detected::Gbk);
        assert!(stats.gbk.clean(), "the bytes after the first chunk were not read");
    }

    #[test]
    fn utf8_bom_is_stripped() {
        let d = TextDecoder { encoding: UTF_8, why: String::new() };
        assert_eq!(d.decode("\u{feff}石门村".as_bytes()).unwrap(), "石门村");
    }
}
