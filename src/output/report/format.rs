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

/// 一, 二, … 十, 十一, … 九十九 for section numbers (digits beyond).
pub(super) fn chinese_ordinal(n: usize) -> String {
    const DIGITS: [&str; 10] = ["", "一", "二", "三", "四", "五", "六", "七", "八", "九"];
    match n {
        1..=9 => DIGITS[n].to_string(),
        10..=99 => {
            // 十, 十一 … 十九, 二十, 二十一 … 九十九.
            let tens = if n / 10 == 1 { "" } else { DIGITS[n / 10] };
            format!("{tens}十{}", DIGITS[n % 10])
        }
        _ => n.to_string(),
    }
}

#[cfg(test)]
mod ordinal_tests {
    use super::chinese_ordinal;

    #[test]
    fn section_numbers_past_ten_are_chinese_numerals() {
        let got: Vec<String> = [1, 9, 10, 11, 19, 20, 21, 99, 100].into_iter().map(chinese_ordinal).collect();
        assert_eq!(got, ["一", "九", "十", "十一", "十九", "二十", "二十一", "九十九", "100"]);
    }
}
