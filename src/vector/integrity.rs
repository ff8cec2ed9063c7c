//! Files cut short in transfer say so before they are read: the sizes a shapefile's
//! headers and a GeoPackage's SQLite header declare, against the sizes on disk.

use std::io::Read;
use std::path::Path;

use crate::error::{Error, Result};

/// Checks a vector source's files against the sizes their headers declare.
pub fn check_complete(path: &Path) -> Result<()> {
    let ext = path.extension().map(|e| e.to_ascii_lowercase());
    match ext.as_ref().and_then(|e| e.to_str()) {
        Some("shp") => {
            for (side, expected) in [("shp", shp_length as fn(&[u8]) -> Option<u64>), ("shx", shp_length), ("dbf", dbf_length)] {
                check_file(&path.with_extension(side), expected)?;
            }
            Ok(())
        }
        Some("gpkg") => check_file(path, sqlite_length),
        _ => Ok(()),
    }
}

/// Compares a file's size with the size its first 100 bytes declare. A file whose
/// header is not of its format at all (a text file named .shp) is left to GDAL, which
/// says it is no vector file.
fn check_file(path: &Path, declared: fn(&[u8]) -> Option<u64>) -> Result<()> {
    let Ok(mut f) = std::fs::File::open(path) else { return Ok(()) };
    let found = f.metadata().map(|m| m.len()).unwrap_or(0);
    let mut head = Vec::with_capacity(100);
    let _ = (&mut f).take(100).read_to_end(&mut head);
    if !of_its_format(path, &head) {
        return Ok(());
    }
    match declared(&head) {
        Some(expected) if found < expected => Err(Error::input(
            path,
            format!("file is truncated or corrupt (its header declares {expected} bytes, found {found})"),
        )),
        None if found < 100 && found > 0 => Err(Error::input(path, format!("file is truncated or corrupt (only {found} bytes)"))),
        _ => Ok(()),
    }
}

/// Whether the first bytes are those of the file's format (.shp and .shx: the file
/// code 9994; a GeoPackage: SQLite's signature, or as much of it as there is). A .dbf
/// has no signature.
fn of_its_format(path: &Path, head: &[u8]) -> bool {
    let ext = path.extension().map(|e| e.to_ascii_lowercase());
    let magic: &[u8] = match ext.as_ref().and_then(|e| e.to_str()) {
        Some("shp" | "shx") => &[0, 0, 0x27, 0x0A],
        Some("gpkg") => b"SQLite format 3\0",
        _ => return true,
    };
    let n = head.len().min(magic.len());
    n > 0 && head[..n] == magic[..n]
}

/// .shp and .shx: the file length in 16-bit words, big-endian, at byte 24.
fn shp_length(head: &[u8]) -> Option<u64> {
    let words = u32::from_be_bytes(head.get(24..28)?.try_into().ok()?);
    Some(words as u64 * 2)
}

/// .dbf: header length + records × record length (the end-of-file marker is optional).
fn dbf_length(head: &[u8]) -> Option<u64> {
    let records = u32::from_le_bytes(head.get(4..8)?.try_into().ok()?) as u64;
    let header = u16::from_le_bytes(head.get(8..10)?.try_into().ok()?) as u64;
    let record = u16::from_le_bytes(head.get(10..12)?.try_into().ok()?) as u64;
    Some(header + records * record)
}

/// SQLite (GeoPackage): page size × pages in the header (when the header's count is
/// valid: its change counter equals the version-valid-for number).
fn sqlite_length(head: &[u8]) -> Option<u64> {
    if !head.starts_with(b"SQLite format 3\0") {
        return None;
    }
    let page = match u16::from_be_bytes(head.get(16..18)?.try_into().ok()?) {
        1 => 65536,
        p => p as u64,
    };
    let pages = u32::from_be_bytes(head.get(28..32)?.try_into().ok()?) as u64;
    let valid = head.get(24..28)? == head.get(92..96)?;
    (valid && pages > 0).then_some(page * pages)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_sizes() {
        let mut shp = vec![0u8; 100];
        shp[24..28].copy_from_slice(&500u32.to_be_bytes());
        assert_eq!(shp_length(&shp), Some(1000));
        let mut dbf = vec![0u8; 32];
        dbf[4..8].copy_from_slice(&10u32.to_le_bytes());
        dbf[8..10].copy_from_slice(&97u16.to_le_bytes());
        dbf[10..12].copy_from_slice(&50u16.to_le_bytes());
        assert_eq!(dbf_length(&dbf), Some(597));
        assert_eq!(sqlite_length(b"not a database"), None);
        assert!(of_its_format(Path::new("a.shp"), &shp_magic()));
        assert!(!of_its_format(Path::new("a.shp"), b"this is text"));
        assert!(of_its_format(Path::new("a.gpkg"), b"SQLite for"), "a header cut short is still its format");
        assert!(!of_its_format(Path::new("a.gpkg"), b"neither a GeoPackage"));
        assert!(of_its_format(Path::new("a.dbf"), b"\x03anything"));
    }

    fn shp_magic() -> Vec<u8> {
        let mut head = vec![0u8; 100];
        head[2..4].copy_from_slice(&[0x27, 0x0A]);
        head
    }
}
