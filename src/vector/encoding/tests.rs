//! Tests of the encoding choice (unit, beside `encoding.rs`).

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
