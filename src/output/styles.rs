//! QGIS styles (QML) stored in the GeoPackage's `layer_styles` table as each layer's
//! default style, so QGIS opens every layer styled.

use crate::terrain::GRADE_COLOURS;

/// One fill symbol: colour, outline colour and width (mm).
struct Fill {
    rgba: String,
    outline: &'static str,
    width: f64,
}

fn fill_symbol(name: &str, f: &Fill) -> String {
    format!(
        r#"<symbol type="fill" name="{name}" alpha="1" clip_to_extent="1" force_rhr="0"><layer class="SimpleFill" enabled="1" locked="0" pass="0"><Option type="Map"><Option type="QString" name="color" value="{}"/><Option type="QString" name="outline_color" value="{}"/><Option type="QString" name="outline_style" value="solid"/><Option type="QString" name="outline_width" value="{}"/><Option type="QString" name="outline_width_unit" value="MM"/><Option type="QString" name="style" value="solid"/></Option></layer></symbol>"#,
        f.rgba, f.outline, f.width
    )
}

fn document(renderer: &str) -> String {
    format!(
        "<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>\n<qgis version=\"3.22.16\" styleCategories=\"Symbology\">{renderer}<blendMode>0</blendMode><featureBlendMode>0</featureBlendMode><layerOpacity>1</layerOpacity></qgis>\n"
    )
}

/// Categorised by a field: (value, label, fill) per category.
fn categorized(field: &str, categories: &[(String, String, Fill)]) -> String {
    let mut cats = String::new();
    let mut symbols = String::new();
    for (i, (value, label, fill)) in categories.iter().enumerate() {
        cats.push_str(&format!(
            r#"<category render="true" symbol="{i}" value="{value}" label="{}" type="string"/>"#,
            escape(label)
        ));
        symbols.push_str(&fill_symbol(&i.to_string(), fill));
    }
    document(&format!(
        r#"<renderer-v2 type="categorizedSymbol" attr="{field}" symbollevels="0" enableorderby="0" forceraster="0"><categories>{cats}</categories><symbols>{symbols}</symbols></renderer-v2>"#
    ))
}

fn single(fill: &Fill) -> String {
    document(&format!(
        r#"<renderer-v2 type="singleSymbol" symbollevels="0" enableorderby="0" forceraster="0"><symbols>{}</symbols></renderer-v2>"#,
        fill_symbol("0", fill)
    ))
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn rgb(c: [i16; 3], alpha: u8) -> String {
    format!("{},{},{},{alpha}", c[0], c[1], c[2])
}

/// `parcels`: coloured by computed slope grade, green (flat) to red (steep).
pub fn parcels_qml(labels: &[String; 5]) -> String {
    let mut cats: Vec<(String, String, Fill)> = GRADE_COLOURS
        .iter()
        .zip(labels)
        .map(|((code, colour), label)| {
            (
                code.to_string(),
                format!("grade {label}"),
                Fill {
                    rgba: rgb(*colour, 200),
                    outline: "90,90,90,255",
                    width: 0.06,
                },
            )
        })
        .collect();
    cats.push((
        "0".into(),
        "no slope data".into(),
        Fill {
            rgba: "200,200,200,200".into(),
            outline: "90,90,90,255",
            width: 0.06,
        },
    ));
    categorized("grade", &cats)
}

/// `reforestation_candidates`: purple with a dark outline, distinct from the grade colours.
pub fn candidates_qml() -> String {
    single(&Fill {
        rgba: "123,50,148,235".into(),
        outline: "20,0,30,255",
        width: 0.35,
    })
}

/// `merge_candidates`: light blue plots.
pub fn merge_candidates_qml() -> String {
    single(&Fill {
        rgba: "116,173,209,200".into(),
        outline: "40,80,140,255",
        width: 0.15,
    })
}

/// `merge_groups`: the merged fields' outlines in strong blue over a faint fill.
pub fn merge_groups_qml() -> String {
    single(&Fill {
        rgba: "69,117,180,60".into(),
        outline: "8,48,107,255",
        width: 0.6,
    })
}

/// `changes_*`: added green, removed red, changed orange.
pub fn changes_qml() -> String {
    let cat = |value: &str, label: &str, rgba: &str| {
        (
            value.to_string(),
            label.to_string(),
            Fill {
                rgba: rgba.into(),
                outline: "40,40,40,255",
                width: 0.3,
            },
        )
    };
    categorized(
        "change",
        &[
            cat("added", "added since the previous run", "26,150,65,220"),
            cat("removed", "removed since the previous run", "215,25,28,220"),
            cat(
                "changed",
                "changed (grade, area or group)",
                "253,174,97,220",
            ),
        ],
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn styles_are_well_formed_enough_for_qgis() {
        let labels = crate::terrain::grade_labels(&[2.0, 6.0, 15.0, 25.0]);
        let q = parcels_qml(&labels);
        assert!(q.contains(r#"attr="grade""#));
        assert_eq!(q.matches("<category ").count(), 6);
        assert_eq!(q.matches("<symbol ").count(), 6);
        assert!(q.contains("&gt;25°"), "labels are escaped");
        assert!(candidates_qml().contains("singleSymbol"));
    }
}
