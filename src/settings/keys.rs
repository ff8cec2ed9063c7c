//! Key-level helpers for pipeline files: `--set` overrides, unknown-key messages
//! with the nearest valid key, and line numbers of keys in the source text.

use super::Settings;
use crate::error::{Error, Result};

/// Valid keys per section, read off the schema itself so the list cannot drift.
fn schema() -> Vec<(String, Vec<String>)> {
    let mut example = Settings::default();
    // Optional settings are skipped when None; fill them so they are listed.
    example.inputs.dem_nodata = Some(0.0);
    example.inputs.dem_crs = Some(String::new());
    example.inputs.dem_band = Some(1);
    example.inputs.parcels_crs = Some(String::new());
    example.inputs.work_crs = Some(String::new());
    example.inputs.previous_parcels = Some(Default::default());
    example.swap.former_cropland = Some(Default::default());
    example.swap.former_cropland_crs = Some(String::new());
    example.targets.path = Some(Default::default());
    example.projects.phase_cap_wan = Some(0.0);
    example.progress.baseline = Some(Default::default());
    example.projects.phase_cap_mu = Some(0.0);
    let text = toml_edit::ser::to_string(&example).unwrap_or_default();
    let doc: toml_edit::DocumentMut = text.parse().unwrap_or_default();
    doc.iter()
        .map(|(section, item)| {
            let keys = item
                .as_table_like()
                .map(|t| t.iter().map(|(k, _)| k.to_string()).collect())
                .unwrap_or_default();
            (section.to_string(), keys)
        })
        .collect()
}

/// Levenshtein distance, for "did you mean".
fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            cur.push((prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1));
        }
        prev = cur;
    }
    prev[b.len()]
}

/// The candidate nearest to `word`, if it is close enough to be a plausible typo.
pub fn suggest<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let lower = word.to_lowercase();
    candidates
        .into_iter()
        .map(|c| (distance(&lower, &c.to_lowercase()), c))
        .filter(|(d, c)| *d <= (c.chars().count() / 3).max(2))
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

/// Where and why, for an unknown dotted key such as `terrain.algoritm`.
pub(super) fn unknown_key_message(source: &str, text: &str, key: &str) -> (String, String) {
    let schema = schema();
    let mut parts = key.splitn(2, '.');
    let section = parts.next().unwrap_or_default();
    let rest = parts.next();
    let at = line_of_key(text, key)
        .map(|l| format!(" (line {l})"))
        .unwrap_or_default();
    let (hint, valid) = match (schema.iter().find(|(s, _)| s == section), rest) {
        (Some((_, keys)), Some(name)) => {
            let name = name.split('.').next().unwrap_or(name);
            (
                suggest(name, keys.iter().map(String::as_str)),
                keys.join(", "),
            )
        }
        _ => {
            let sections: Vec<&str> = schema.iter().map(|(s, _)| s.as_str()).collect();
            (
                suggest(section, sections.iter().copied()),
                sections.join(", "),
            )
        }
    };
    let hint = hint
        .map(|h| format!("; did you mean `{h}`?"))
        .unwrap_or_default();
    (
        format!("{source}{at}"),
        format!("unknown key `{key}`{hint} (valid here: {valid})"),
    )
}

/// 1-based line where a dotted key is set in the source text, if it is there.
pub(crate) fn line_of_key(text: &str, key: &str) -> Option<usize> {
    let (section, name) = match key.rsplit_once('.') {
        Some((s, n)) => (s, n),
        None => ("", key),
    };
    let mut current = String::new();
    for (i, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line.starts_with('[') {
            current = line
                .trim_matches(|c| c == '[' || c == ']')
                .trim()
                .to_string();
            if section.is_empty() && current == name {
                return Some(i + 1);
            }
            continue;
        }
        let Some((k, _)) = line.split_once('=') else {
            continue;
        };
        let k = k.trim().trim_matches('"');
        let full = if current.is_empty() {
            k.to_string()
        } else {
            format!("{current}.{k}")
        };
        if full == key || (current == section && k == name) {
            return Some(i + 1);
        }
    }
    None
}

/// Applies one `KEY=VALUE` override (`terrain.z_factor=2`) and returns the key. The
/// value is read as TOML (numbers, booleans, arrays), or as a plain string when it does
/// not parse.
pub(super) fn apply_override(doc: &mut toml_edit::DocumentMut, item: &str) -> Result<String> {
    let at = format!("--set {item}");
    let (key, value) = item.split_once('=').ok_or_else(|| {
        Error::setting(&at, None, "expected KEY=VALUE, e.g. terrain.z_factor=1.5")
    })?;
    let key = key.trim();
    let value = value.trim();
    let parsed: toml_edit::Value = value
        .parse()
        .unwrap_or_else(|_| toml_edit::Value::from(value));
    let path: Vec<&str> = key.split('.').collect();
    let (last, sections) = path
        .split_last()
        .filter(|(l, _)| !l.is_empty())
        .ok_or_else(|| Error::setting(&at, None, "empty key"))?;
    let schema = schema();
    // Reject unknown keys here too, so a typo in --set is caught with a suggestion.
    if let [section] = sections {
        match schema.iter().find(|(s, _)| s == section) {
            Some((_, keys)) if !keys.iter().any(|k| k == last) => {
                return Err(Error::setting(&at, None, unknown_key_message("", "", key).1));
            }
            None => return Err(Error::setting(&at, None, unknown_key_message("", "", key).1)),
            _ => {}
        }
    } else {
        return Err(Error::setting(
            &at,
            None,
            "keys have the form SECTION.NAME, e.g. run.threads=2",
        ));
    }
    let mut table = doc.as_table_mut();
    for s in sections {
        let entry = table.entry(s).or_insert(toml_edit::table());
        table = entry
            .as_table_mut()
            .ok_or_else(|| Error::setting(&at, None, format!("`{s}` is not a section")))?;
    }
    table[*last] = toml_edit::value(parsed);
    Ok(key.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schema_lists_every_section_and_optional_keys() {
        let s = schema();
        let inputs = &s.iter().find(|(n, _)| n == "inputs").unwrap().1;
        assert!(inputs.contains(&"dem_nodata".to_string()));
        assert!(s.iter().any(|(n, _)| n == "terrain"));
    }

    #[test]
    fn suggest_finds_near_typos_only() {
        assert_eq!(
            suggest("algoritm", ["algorithm", "z_factor"]),
            Some("algorithm")
        );
        assert_eq!(suggest("zzzzzzzz", ["algorithm", "z_factor"]), None);
    }

    #[test]
    fn line_of_key_finds_keys_in_sections() {
        let t = "[inputs]\ndem = []\n\n[terrain]\nz_factor = 1\n";
        assert_eq!(line_of_key(t, "terrain.z_factor"), Some(5));
        assert_eq!(line_of_key(t, "inputs.dem"), Some(2));
        assert_eq!(line_of_key(t, "terrain.nothing"), None);
    }
}
