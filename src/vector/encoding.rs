//! Attribute text encodings of shapefiles. Chinese survey deliveries are often GBK,
//! with or without a `.cpg` file, and sometimes with a `.cpg` that says UTF-8 wrongly.

use std::path::Path;

use encoding_rs::{Encoding, GBK, UTF_8};

use crate::error::{Error, Result};

/// Decodes DBF text bytes to UTF-8.
#[derive(Debug, Clone)]
pub struct TextDecoder {
    /// The encoding the file says or the user set.
    declared: Option<&'static Encoding>,
    /// Set by the user: never second-guessed.
    forced: bool,
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
        other => other.strip_prefix("cp").unwrap_or(other),
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
    /// `setting` is `inputs.parcels_encoding`: "auto" or an encoding name.
    pub fn for_shapefile(shp: &Path, setting: &str) -> Result<TextDecoder> {
        let setting = setting.trim();
        if !setting.eq_ignore_ascii_case("auto") {
            let enc = decode_cpg(setting).ok_or_else(|| {
                Error::setting(
                    "inputs.parcels_encoding",
                    None,
                    format!("unknown encoding {setting:?}"),
                )
            })?;
            return Ok(TextDecoder {
                declared: Some(enc),
                forced: true,
            });
        }
        let cpg = shp.with_extension("cpg");
        let declared = std::fs::read_to_string(&cpg).ok().and_then(|t| decode_cpg(&t));
        // A .cpg naming a code page is believed; without one, or over one that says
        // UTF-8, the whole file's text decides, not each value: a short GBK name can
        // also be valid UTF-8 ("师" is C8 A6 in GBK, "ʦ" in UTF-8).
        let declared = match declared {
            Some(d) if d != UTF_8 => Some(d),
            declared => match (declared, detect_dbf(&shp.with_extension("dbf"), DETECT_CHUNK)) {
                // A .cpg that says UTF-8 over text that is not: the text wins.
                (Some(_), Some(found)) if found == GBK => Some(GBK),
                (Some(d), _) => Some(d),
                (None, found) => found,
            },
        };
        Ok(TextDecoder {
            declared,
            forced: false,
        })
    }

    pub fn name(&self) -> &'static str {
        self.declared
            .map(|e| e.name())
            .unwrap_or("auto (UTF-8, else GBK)")
    }

    /// Decodes one value. In auto mode, text that is not valid in the declared encoding
    /// (a mislabelled .cpg) or that has no declaration is read as UTF-8 when valid, else GBK.
    pub fn decode(&self, bytes: &[u8]) -> std::result::Result<String, String> {
        let mut out = String::new();
        self.decode_into(bytes, &mut out)?;
        Ok(out)
    }

    /// As [`TextDecoder::decode`], appending to `out` (a buffer reused value after value).
    pub fn decode_into(&self, bytes: &[u8], out: &mut String) -> std::result::Result<(), String> {
        let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
        if let Some(enc) = self.declared {
            let (text, had_errors) = enc.decode_without_bom_handling(bytes);
            if !had_errors {
                out.push_str(&text);
                return Ok(());
            }
            if self.forced {
                return Err(format!(
                    "text is not valid {} (inputs.parcels_encoding)",
                    enc.name()
                ));
            }
        }
        if let Ok(s) = std::str::from_utf8(bytes) {
            out.push_str(s);
            return Ok(());
        }
        let (text, had_errors) = GBK.decode_without_bom_handling(bytes);
        if had_errors {
            return Err(format!(
                "text is neither UTF-8 nor GBK; set inputs.parcels_encoding (bytes {:02X?})",
                &bytes[..bytes.len().min(16)]
            ));
        }
        out.push_str(&text);
        Ok(())
    }
}

/// Bytes of a .dbf read at a time by [`detect_dbf`].
const DETECT_CHUNK: usize = 1 << 20;

/// [`detect`] over a .dbf file's records (None when it cannot be read), reading `chunk`
/// bytes at a time: text that is not UTF-8 answers GBK as soon as it is met (a GBK
/// delivery is decided in its first chunk); valid UTF-8 is read to the end. Only text
/// that is valid UTF-8 but does not read as Chinese needs the whole file at once (to
/// try it as GBK), and is read again.
fn detect_dbf(path: &Path, chunk: usize) -> Option<&'static Encoding> {
    use std::io::Read;
    let mut file = std::fs::File::open(path).ok()?;
    let mut header = [0u8; 10];
    file.read_exact(&mut header).ok()?;
    let skip = u16::from_le_bytes([header[8], header[9]]) as usize;
    std::io::copy(&mut file.by_ref().take(skip.saturating_sub(header.len()) as u64), &mut std::io::sink()).ok()?;
    let (mut buf, mut carried) = (vec![0u8; chunk + 4], 0);
    let (mut ascii, mut cjk, mut plausible_all) = (true, false, true);
    loop {
        let n = file.read(&mut buf[carried..carried + chunk]).ok()?;
        let bytes = &buf[..carried + n];
        let valid = match std::str::from_utf8(bytes) {
            Ok(s) => s,
            // Invalid, or a sequence cut at the end of the file: not UTF-8.
            Err(e) if e.error_len().is_some() || n == 0 => return Some(GBK),
            // A sequence cut at the end of the chunk: finished by the next one.
            Err(e) => std::str::from_utf8(&bytes[..e.valid_up_to()]).expect("valid up to here"),
        };
        ascii &= valid.is_ascii();
        cjk |= valid.chars().any(is_cjk);
        plausible_all &= valid.chars().all(plausible);
        if n == 0 {
            break;
        }
        let used = valid.len();
        buf.copy_within(used..carried + n, 0);
        carried = carried + n - used;
    }
    match (ascii, cjk && plausible_all) {
        (true, _) => None,
        (false, true) => Some(UTF_8),
        (false, false) => std::fs::read(path).ok().and_then(|dbf| detect(dbf_records(&dbf))),
    }
}

/// The records of a .dbf file (after its header), or nothing for a file too short.
fn dbf_records(dbf: &[u8]) -> &[u8] {
    let header = dbf.get(8..10).map(|b| u16::from_le_bytes([b[0], b[1]]) as usize).unwrap_or(usize::MAX);
    dbf.get(header..).unwrap_or(&[])
}

/// UTF-8 or GBK for a file's text bytes. UTF-8 when they are valid UTF-8 that reads as
/// Chinese text (CJK characters, with ASCII and CJK or general punctuation); GBK when they
/// are not valid UTF-8, or when as UTF-8 they read as something else (Latin accents, format
/// characters, symbols: what GBK's two-byte characters look like when read as UTF-8, as a
/// short GBK name can be) and as GBK they read as Chinese text. None for ASCII only.
/// Bytes that read as Chinese text both ways are truly ambiguous (rare: a few
/// characters in 10⁵ random names); they count as UTF-8, and a .cpg file or
/// `inputs.parcels_encoding` decides.
pub fn detect(text: &[u8]) -> Option<&'static Encoding> {
    if text.is_ascii() {
        return None;
    }
    match std::str::from_utf8(text) {
        Err(_) => Some(GBK),
        Ok(s) if reads_as_chinese(s) => Some(UTF_8),
        Ok(_) => match GBK.decode_without_bom_handling_and_without_replacement(text) {
            Some(g) if reads_as_chinese(&g) => Some(GBK),
            _ => Some(UTF_8),
        },
    }
}

/// Text with CJK characters and nothing survey text would not hold.
pub fn reads_as_chinese(s: &str) -> bool {
    s.chars().any(is_cjk) && s.chars().all(plausible)
}

fn is_cjk(c: char) -> bool {
    ('\u{3400}'..='\u{9fff}').contains(&c) || ('\u{f900}'..='\u{faff}').contains(&c)
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

impl Default for TextDecoder {
    fn default() -> Self {
        TextDecoder {
            declared: Some(UTF_8),
            forced: false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn auto() -> TextDecoder {
        TextDecoder {
            declared: None,
            forced: false,
        }
    }

    #[test]
    fn cpg_names() {
        assert_eq!(decode_cpg("UTF-8"), Some(UTF_8));
        assert_eq!(decode_cpg("936\n"), Some(GBK));
        assert_eq!(decode_cpg("GBK"), Some(GBK));
        assert_eq!(decode_cpg("1252").map(|e| e.name()), Some("windows-1252"));
    }

    #[test]
    fn gbk_without_declaration_is_detected() {
        let (gbk, _, _) = GBK.encode("上坪村");
        assert_eq!(auto().decode(&gbk).unwrap(), "上坪村");
        assert_eq!(auto().decode("上坪村".as_bytes()).unwrap(), "上坪村");
    }

    #[test]
    fn a_utf8_cpg_on_gbk_text_falls_back_in_auto_mode_only() {
        let (gbk, _, _) = GBK.encode("龙潭村");
        let mislabelled = TextDecoder {
            declared: Some(UTF_8),
            forced: false,
        };
        assert_eq!(mislabelled.decode(&gbk).unwrap(), "龙潭村");
        let forced = TextDecoder {
            declared: Some(UTF_8),
            forced: true,
        };
        assert!(forced.decode(&gbk).unwrap_err().contains("UTF-8"));
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
        let (gbk, _, _) = GBK.encode("龙潭村 上坪村 石门村");
        let (gbk_latin, _, _) = GBK.encode("师");
        let utf8 = "龙潭村 上坪村 石门村 ".repeat(5);
        let mut late_gbk = utf8.clone().into_bytes();
        late_gbk.extend_from_slice(&gbk);
        let cases: Vec<Vec<u8>> = vec![
            b"plain ascii".to_vec(),
            gbk.into_owned(),
            utf8.into_bytes(),
            late_gbk,
            // Valid UTF-8 that reads as Latin text ("ʦ"), GBK for "师".
            [b"  ".as_slice(), &gbk_latin, b"  "].concat(),
            "café".as_bytes().to_vec(),
            // A UTF-8 sequence cut at the end of the file.
            [b"abc".as_slice(), &"龙".as_bytes()[..2]].concat(),
        ];
        for case in &cases {
            let file = dbf(case);
            // Chunks of 1 to 7 bytes cut every multi-byte character somewhere.
            for chunk in [1, 2, 3, 5, 7, DETECT_CHUNK] {
                assert_eq!(detect_dbf(file.path(), chunk), detect(case), "{case:02X?} in chunks of {chunk}");
            }
        }
    }

    #[test]
    fn utf8_bom_is_stripped() {
        assert_eq!(
            auto().decode("\u{feff}石门村".as_bytes()).unwrap(),
            "石门村"
        );
    }
}
