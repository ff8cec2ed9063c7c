//! How report.html writes numbers and text: Chinese statistical tables' number format,
//! full-precision data attributes, HTML escaping, section ordinals.

/// `data-value`: the full-precision value (shortest text that reads back as the same f64).
pub(super) fn value_attr(value: f64) -> String {
    if value.is_finite() {
        format!("{}", crate::units::unsigned_zero(value))
    } else {
        "NaN".to_string()
    }
}

/// A number as Chinese statistical tables print it: `decimals` decimals, thousands
/// separated by commas (1,234,567.89); no "-0"; "—" for a missing (non-finite) value.
pub fn format_number(value: f64, decimals: usize) -> String {
    if !value.is_finite() {
        return "—".to_string();
    }
    let text = format!("{:.*}", decimals, value.abs());
    let (int, frac) = text
        .split_once('.')
        .map_or((text.as_str(), None), |(i, f)| (i, Some(f)));
    let mut grouped = String::new();
    for (i, digit) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(digit);
    }
    let negative = value < 0.0 && text.chars().any(|c| c.is_ascii_digit() && c != '0');
    let sign = if negative { "-" } else { "" };
    match frac {
        Some(f) => format!("{sign}{grouped}.{f}"),
        None => format!("{sign}{grouped}"),
    }
}

/// Text for HTML content and attribute values: user data (village names, file paths)
/// must show as typed, never become markup.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// 一, 二, … 十 for section numbers (digits beyond ten).
pub(super) fn chinese_ordinal(n: usize) -> String {
    const DIGITS: [&str; 10] = ["一", "二", "三", "四", "五", "六", "七", "八", "九", "十"];
    DIGITS
        .get(n.wrapping_sub(1))
        .map_or(n.to_string(), |d| d.to_string())
}
