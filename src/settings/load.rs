//! Turning pipeline text (plus `--set` overrides) into typed settings, with messages that
//! point at the line, the key or the `--set` argument at fault.

use super::keys;
use super::{Origin, Settings};
use crate::error::{Error, Result};

/// Applies the overrides, deserialises, and rejects unknown keys. Validation of the
/// values is the caller's next step (with the returned origin for messages).
pub(super) fn parse<'a>(
    text: &'a str,
    source: &'a str,
    overrides: &[String],
) -> Result<(Settings, Origin<'a>)> {
    let mut doc: toml_edit::DocumentMut = text
        .parse()
        .map_err(|e: toml_edit::TomlError| Error::setting(source, None, one_line(&e.to_string())))?;
    let mut origin = Origin {
        source,
        text,
        overrides: Vec::new(),
        flags: &[],
    };
    for item in overrides {
        let key = keys::apply_override(&mut doc, item)?;
        origin.overrides.push((key, item.clone()));
    }
    // Re-parse the (overridden) text so errors keep their spans (line numbers).
    let merged = doc.to_string();
    let de = toml_edit::de::Deserializer::parse(merged.as_str())
        .map_err(|e| Error::setting(source, None, one_line(e.message())))?;
    let mut unknown = Vec::new();
    let settings: Settings = serde_ignored::deserialize(de, |path| unknown.push(path.to_string()))
        .map_err(|e| type_error(&origin, &merged, &e))?;
    if let Some(key) = unknown.first() {
        let (at, message) = keys::unknown_key_message(source, text, key);
        return Err(Error::setting(at, None, message));
    }
    Ok((settings, origin))
}

/// A value of the wrong type: names the key, and its line or its `--set` argument.
fn type_error(origin: &Origin, merged: &str, e: &toml_edit::de::Error) -> Error {
    let message = in_words(&one_line(e.message()));
    let line = e.span().map(|s| line_of(merged, s.start));
    match line.and_then(|l| key_on_line(merged, l)) {
        Some(key) => origin.fail(&key, message),
        None => {
            let at = line
                .map(|l| format!("{} (line {l})", origin.source))
                .unwrap_or_else(|| origin.source.to_string());
            Error::setting(at, None, message)
        }
    }
}

/// Serde's and TOML's type names in words a planner reads ("a whole number", not
/// "usize"; "text", not "string"), for both what was given and what was expected.
fn in_words(message: &str) -> String {
    let mut m = message.to_string();
    for (rust, words) in [
        ("invalid value: integer", "got"),
        ("invalid type: integer", "got the whole number"),
        ("invalid type: floating point", "got the number"),
        ("invalid type: boolean", "got"),
        ("invalid type: string", "got the text"),
        ("invalid type: sequence", "got a list"),
        ("invalid type: map", "got a table"),
        ("expected usize", "expected a whole number ≥ 0"),
        ("expected u64", "expected a whole number ≥ 0"),
        ("expected u32", "expected a whole number ≥ 0"),
        ("expected u8", "expected a whole number from 0 to 255"),
        ("expected i64", "expected a whole number"),
        ("expected i32", "expected a whole number"),
        ("expected f64", "expected a number"),
        ("expected a string", "expected text"),
        ("expected a boolean", "expected true or false"),
        ("expected a sequence", "expected a list [ … ]"),
        ("expected a map", "expected a table { … }"),
        ("wanted string or table", "expected text"),
        ("data did not match any variant of untagged enum OneOrMany", "expected a file path, or a list of them [ … ]"),
    ] {
        m = m.replace(rust, words);
    }
    m
}

/// 1-based line number of a byte offset.
pub(super) fn line_of(text: &str, offset: usize) -> usize {
    let bytes = text.as_bytes();
    bytes[..offset.min(bytes.len())]
        .iter()
        .filter(|b| **b == b'\n')
        .count()
        + 1
}

/// The dotted key set on 1-based `line` (`section.key`), for messages about its value.
fn key_on_line(text: &str, line: usize) -> Option<String> {
    let lines: Vec<&str> = text.lines().collect();
    let (key, _) = lines.get(line.checked_sub(1)?)?.split_once('=')?;
    let key = key.trim().trim_matches('"');
    let section = lines[..line - 1]
        .iter()
        .rev()
        .map(|l| l.trim())
        .find(|l| l.starts_with('['))
        .map(|l| l.trim_matches(|c| c == '[' || c == ']').trim().to_string());
    Some(match section {
        Some(s) if !s.is_empty() => format!("{s}.{key}"),
        _ => key.to_string(),
    })
}

pub(super) fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}
