//! The bar charts of report.html as inline SVG: round axes from zero, bars to scale,
//! every bar carrying its value for tests to read back.

use super::{escape, format_number, unit_suffix, value_attr, words, Bar, Chart, DEFAULT_BAR_COLOUR};

pub(super) fn chart_section(chart: &Chart, english: bool) -> (String, String) {
    let body = if chart.bars.is_empty() {
        let (main, beside) = words(english, "无数据", "no data");
        format!("<p class=\"empty\" data-chart=\"{}\">{main} <span class=\"en\">{beside}</span></p>\n", escape(&chart.key))
    } else {
        format!("<figure class=\"chart\">\n{}</figure>\n", bar_chart_svg(chart))
    };
    (
        format!("{}{}", escape(&chart.title), unit_suffix(&chart.unit, english)),
        body,
    )
}

/// The value range of a chart's axis and its tick step: "nice" numbers (1, 2, 5 × 10^k)
/// that include zero, so bars start at zero and ticks read as round figures. The step
/// aims at eight intervals and so gives four to eight: the longest bar fills at least
/// three quarters of the plot.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Axis {
    pub(super) lo: f64,
    pub(super) hi: f64,
    pub(super) step: f64,
}

impl Axis {
    pub(super) fn for_values(values: impl Iterator<Item = f64>) -> Axis {
        let (mut lo, mut hi) = (0f64, 0f64);
        for v in values.filter(|v| v.is_finite()) {
            lo = lo.min(v);
            hi = hi.max(v);
        }
        if hi - lo <= 0.0 {
            // All zero (or no finite value): a unit axis so zero-length bars still sit
            // on a readable scale.
            hi = 1.0;
        }
        let step = nice_step((hi - lo) / 8.0);
        Axis {
            lo: (lo / step).floor() * step,
            hi: (hi / step).ceil() * step,
            step,
        }
    }

    pub(super) fn ticks(&self) -> Vec<f64> {
        let n = ((self.hi - self.lo) / self.step).round() as usize;
        (0..=n).map(|i| self.lo + i as f64 * self.step).collect()
    }

    /// Decimals that tick labels need (0.25 → 2).
    pub(super) fn tick_decimals(&self) -> usize {
        (-self.step.log10().floor()).max(0.0) as usize
    }

    /// The position of `v` on a plot spanning x0..x1.
    pub(super) fn x(&self, v: f64, x0: f64, x1: f64) -> f64 {
        let v = if v.is_finite() {
            v.clamp(self.lo, self.hi)
        } else {
            0.0
        };
        x0 + (v - self.lo) / (self.hi - self.lo) * (x1 - x0)
    }
}

/// The smallest of 1, 2, 5 × 10^k not below `raw`.
pub(super) fn nice_step(raw: f64) -> f64 {
    let magnitude = 10f64.powi(raw.log10().floor() as i32);
    [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .map(|m| m * magnitude)
        .find(|s| *s >= raw * (1.0 - 1e-9))
        .unwrap_or(10.0 * magnitude)
}

/// Chart geometry in SVG user units (the SVG scales to the page width).
pub(super) const CHART_WIDTH: f64 = 680.0;
pub(super) const ROW_HEIGHT: f64 = 26.0;
pub(super) const BAR_HEIGHT: f64 = 16.0;
pub(super) const LABEL_FONT: f64 = 13.0;
pub(super) const VALUE_FONT: f64 = 12.0;

pub(super) fn bar_chart_svg(chart: &Chart) -> String {
    let axis = Axis::for_values(chart.bars.iter().map(|b| b.value));
    let values: Vec<String> = chart
        .bars
        .iter()
        .map(|b| format_number(b.value, chart.decimals))
        .collect();
    let widest_label = chart
        .bars
        .iter()
        .map(|b| text_width(&b.label, LABEL_FONT))
        .fold(0.0, f64::max);
    let widest_value = values
        .iter()
        .map(|v| text_width(v, VALUE_FONT))
        .fold(0.0, f64::max);
    let x0 = (widest_label + 12.0).clamp(48.0, 220.0);
    let x1 = CHART_WIDTH - widest_value - 14.0;
    let plot_bottom = 6.0 + chart.bars.len() as f64 * ROW_HEIGHT;
    let height = plot_bottom + 22.0;
    let mut svg = format!(
        "<svg viewBox=\"0 0 {CHART_WIDTH} {height}\" width=\"100%\" role=\"img\" aria-label=\"{title}\" \
         data-chart=\"{key}\" xmlns=\"http://www.w3.org/2000/svg\">\n<title>{title}</title>\n",
        title = escape(&chart.title),
        key = escape(&chart.key)
    );
    svg.push_str(&axis_svg(&axis, x0, x1, plot_bottom));
    for (i, (bar, value)) in chart.bars.iter().zip(&values).enumerate() {
        let y = 6.0 + i as f64 * ROW_HEIGHT;
        svg.push_str(&bar_svg(chart, bar, value, &axis, (x0, x1), y));
    }
    svg.push_str("</svg>\n");
    svg
}

/// Grid lines with their tick labels below the plot, and the zero line over them.
pub(super) fn axis_svg(axis: &Axis, x0: f64, x1: f64, plot_bottom: f64) -> String {
    let decimals = axis.tick_decimals();
    let mut svg = String::from("<g class=\"axis\">\n");
    for t in axis.ticks() {
        let x = axis.x(t, x0, x1);
        svg.push_str(&format!(
            "<line x1=\"{x:.1}\" y1=\"2\" x2=\"{x:.1}\" y2=\"{plot_bottom:.1}\" class=\"grid\"/>\
             <text x=\"{x:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text>\n",
            plot_bottom + 15.0,
            format_number(t, decimals)
        ));
    }
    let zero = axis.x(0.0, x0, x1);
    svg.push_str(&format!(
        "<line x1=\"{zero:.1}\" y1=\"2\" x2=\"{zero:.1}\" y2=\"{plot_bottom:.1}\" class=\"zero\"/>\n</g>\n"
    ));
    svg
}

pub(super) fn bar_svg(chart: &Chart, bar: &Bar, value: &str, axis: &Axis, (x0, x1): (f64, f64), y: f64) -> String {
    let zero = axis.x(0.0, x0, x1);
    let end = axis.x(bar.value, x0, x1);
    let (left, width) = (zero.min(end), (end - zero).abs());
    let mid = y + ROW_HEIGHT / 2.0;
    let attrs = format!(
        "data-chart=\"{}\" data-bar=\"{}\" data-value=\"{}\"",
        escape(&chart.key),
        escape(&bar.key),
        value_attr(bar.value)
    );
    format!(
        "<g class=\"bar\">\n<text class=\"label\" x=\"{:.1}\" y=\"{mid:.1}\" dy=\"0.35em\" text-anchor=\"end\">{}</text>\n\
         <rect x=\"{left:.2}\" y=\"{:.1}\" width=\"{width:.2}\" height=\"{BAR_HEIGHT}\" fill=\"{}\" {attrs}/>\n\
         <text class=\"value\" x=\"{:.1}\" y=\"{mid:.1}\" dy=\"0.35em\" {attrs}>{value}</text>\n</g>\n",
        x0 - 8.0,
        escape(&bar.label),
        mid - BAR_HEIGHT / 2.0,
        bar_colour(bar.colour.as_deref()),
        zero.max(end) + 5.0,
    )
}

/// A bar's colour if it is a hex colour (#rgb, #rrggbb), else the default: the colour
/// lands in an attribute, so nothing else is let through.
pub(super) fn bar_colour(colour: Option<&str>) -> &str {
    match colour {
        Some(c)
            if (c.len() == 4 || c.len() == 7)
                && c.starts_with('#')
                && c[1..].chars().all(|ch| ch.is_ascii_hexdigit()) =>
        {
            c
        }
        _ => DEFAULT_BAR_COLOUR,
    }
}

/// Approximate rendered width of `s`: CJK and other wide characters take a full em,
/// Latin characters and digits about 0.6 em (enough to lay out labels without a font).
pub(super) fn text_width(s: &str, font: f64) -> f64 {
    s.chars()
        .map(|c| if (c as u32) < 0x1100 { 0.6 } else { 1.0 })
        .sum::<f64>()
        * font
}
