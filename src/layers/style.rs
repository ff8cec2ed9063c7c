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
