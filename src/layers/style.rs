//! Layer styles as plain data; `output::qml` renders them as QGIS styles.

/// One fill symbol: colour "r,g,b,a", outline colour and outline width (mm).
#[derive(Debug, Clone, PartialEq)]
pub struct Fill {
    pub rgba: String,
    pub outline: &'static str,
    pub width: f64,
}

impl Fill {
    pub fn new(rgba: &str, outline: &'static str, width: f64) -> Fill {
        Fill {
            rgba: rgba.to_string(),
            outline,
            width,
        }
    }
}

/// One class of a categorised style.
#[derive(Debug, Clone, PartialEq)]
pub struct Category {
    pub value: String,
    pub label: String,
    pub fill: Fill,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Style {
    /// Every feature drawn alike.
    Single(Fill),
    /// A fill per value of `field`.
    Categorized { field: String, categories: Vec<Category> },
    /// A fill per rule: each feature is drawn by every rule whose QGIS expression holds
    /// for it ("ELSE": when no other rule does), so the filters should not overlap.
    Rules(Vec<Rule>),
}

/// One rule of a rule-based style.
#[derive(Debug, Clone, PartialEq)]
pub struct Rule {
    /// A QGIS expression, or "ELSE".
    pub filter: String,
    pub label: String,
    pub fill: Fill,
}

impl Style {
    pub fn categorized(field: &str, categories: Vec<(String, String, Fill)>) -> Style {
        Style::Categorized {
            field: field.to_string(),
            categories: categories
                .into_iter()
                .map(|(value, label, fill)| Category { value, label, fill })
                .collect(),
        }
    }
}

/// Labels drawn on a layer's features: the text of `field` over each feature's
/// centre, in a font with the CJK glyphs, with a white halo so it reads on any fill.
#[derive(Debug, Clone, PartialEq)]
pub struct Labels {
    /// A field name, or a QGIS expression (`"name" || '\n' || "project_id"`).
    pub field: String,
    /// Text size in points.
    pub size: f64,
}

impl Labels {
    /// Whether `field` is an expression rather than a field's name.
    pub fn is_expression(&self) -> bool {
        !self.field.chars().all(|c| c.is_alphanumeric() || c == '_')
    }
}

/// One colour of a raster style: value, colour and legend label.
#[derive(Debug, Clone, PartialEq)]
pub struct RasterClass {
    pub value: f64,
    pub rgb: [i16; 3],
    pub label: String,
}

/// A raster's style.
#[derive(Debug, Clone, PartialEq)]
pub enum RasterStyle {
    /// One colour per value (the grades): only the listed values show, and the legend
    /// lists exactly these classes.
    Paletted(Vec<RasterClass>),
    /// Colours interpolated between stops; values above the last stop take its colour.
    Ramp(Vec<RasterClass>),
}

#[cfg(test)]
mod tests {
    use super::Labels;

    #[test]
    fn a_label_is_a_field_or_an_expression() {
        let label = |field: &str| Labels { field: field.into(), size: 8.0 };
        assert!(!label("village_name").is_expression());
        assert!(!label("村名").is_expression());
        assert!(label("\"name\" || '\\n' || \"project_id\"").is_expression());
    }
}
