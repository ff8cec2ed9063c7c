//! What a .dbf's text is: UTF-8, GBK or something else, from statistics of all its
//! text (or of its first chunk when that already decides it).

use std::path::Path;

use super::Detected;

/// Bytes of a .dbf read at a time by [`detect_dbf`].
pub(super) const DETECT_CHUNK: usize = 1 << 20;

/// GBK characters after which text that is not UTF-8 and reads as Chinese GBK is
/// decided without reading on: a GBK delivery is decided in its first chunk.
pub(super) const EARLY_UNITS: u64 = 256;

/// [`TextStats`] of a .dbf file's records (None when it cannot be read), reading `chunk`
/// bytes at a time. Text that is not UTF-8 and reads as Chinese GBK is decided as soon
/// as a chunk shows it (a GBK delivery in its first); otherwise the whole file is read.
pub(super) fn detect_dbf(path: &Path, chunk: usize) -> Option<TextStats> {
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

pub(super) fn is_cjk(c: char) -> bool {
    ('\u{3400}'..='\u{9fff}').contains(&c) || ('\u{f900}'..='\u{faff}').contains(&c)
}

/// Latin letters and signs (Latin-1 Supplement, Latin Extended-A and -B): names in
/// Western text.
pub(super) fn latin(c: char) -> bool {
    ('\u{a0}'..='\u{24f}').contains(&c)
}

/// A character survey text holds: printable ASCII (and NUL padding), CJK, CJK and fullwidth punctuation,
/// general punctuation (dashes, quotes), the middle dot, Roman and circled numerals.
pub(super) fn plausible(c: char) -> bool {
    matches!(c, ' '..='~' | '\t' | '\r' | '\n' | '\0' | '\u{b7}' | '\u{d7}')
        || is_cjk(c)
        || ('\u{3000}'..='\u{303f}').contains(&c)
        || ('\u{ff00}'..='\u{ffef}').contains(&c)
        || ('\u{2010}'..='\u{2027}').contains(&c)
        || ('\u{2160}'..='\u{217f}').contains(&c)
        || ('\u{2460}'..='\u{24ff}').contains(&c)
}
