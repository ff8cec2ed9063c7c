//! `villages` (行政村): each village's parcels dissolved into its outline, with the
//! village's key figures beside it — the atlas's pages and the map's village layer.

use crate::stages::dissolve::VillageShape;
use crate::stages::merge::MergeData;
use std::borrow::Cow;

use geo::MultiPolygon;

use super::style::{Fill, Labels, Rule, Style};
use super::{Field, Layer, RunData, Title};
use crate::stages::villages::{VillageRow, TOTAL_CODE};
use crate::table::{AttrValue, FieldKind::*};
use crate::units::{mu, round};

pub struct Villages;

const FIELDS: &[Field] = &[
    Field::new("village_code", Text, "村代码", ""),
    Field::new("village_name", Text, "村名称", ""),
    Field::new("parcel_count", Int, "图斑数", "个"),
    Field::new("land_mu", Real, "图斑总面积", "亩"),
    Field::new("cropland_count", Int, "耕地图斑数", "个"),
    Field::new("cropland_mu", Real, "耕地面积", "亩"),
    Field::new("steep_cropland_mu", Real, "五级坡度耕地面积", "亩"),
    Field::new("reforest_count", Int, "退耕还林候选", "个"),
    Field::new("reforest_mu", Real, "退耕还林候选面积", "亩"),
    Field::new("swap_out_count", Int, "置换流出", "个"),
    Field::new("swap_out_mu", Real, "置换流出面积", "亩"),
    Field::new("swap_in_count", Int, "置换补充", "个"),
    Field::new("swap_in_mu", Real, "置换补充面积", "亩"),
    Field::new("merge_groups", Int, "小田并大田归并组", "个"),
    Field::new("merge_plots", Int, "归并地块", "个"),
    Field::new("grade_mismatch_count", Int, "坡度级别不符", "个"),
];

impl Layer for Villages {
    fn name(&self) -> &'static str {
        "villages"
    }

    fn title(&self) -> Title {
        Title {
            zh: "行政村",
            en: "villages",
            description: "each village's parcels dissolved, with its key figures",
        }
    }

    fn spatial(&self) -> bool {
        true
    }

    fn ready(&self, d: &RunData) -> bool {
        d.slice::<VillageRow>().is_some() && d.slice::<VillageShape>().is_some() && d.get::<MergeData>().is_some()
    }

    fn fields(&self, _d: &RunData) -> Vec<Field> {
        FIELDS.to_vec()
    }

    /// The village rows of the summary, without its total row.
    fn items(&self, d: &RunData) -> Vec<usize> {
        let rows = d.slice::<VillageRow>().unwrap_or(&[]);
        (0..rows.len()).filter(|&k| rows[k].village_code != TOTAL_CODE).collect()
    }

    fn row<'a>(&self, d: &RunData<'a>, k: usize, out: &mut Vec<AttrValue<'a>>) {
        let r = &d.need::<Vec<VillageRow>>()[k];
        let area_mu = |m2: f64| AttrValue::Real(round(mu(m2), 2));
        let count = |n: u64| AttrValue::Int(n as i64);
        out.extend([AttrValue::text(r.village_code.as_str()), AttrValue::text(r.village_name.as_str())]);
        out.push(count(r.parcel_count));
        out.push(area_mu(shape(d, r).map_or(0.0, |s| s.land_m2)));
        out.extend([count(r.cropland_count), area_mu(r.cropland_m2), area_mu(r.cropland_grade_m2[4])]);
        out.extend([count(r.reforest_count), area_mu(r.reforest_m2)]);
        out.extend([count(r.swap_out_count), area_mu(r.swap_out_m2), count(r.swap_in_count), area_mu(r.swap_in_m2)]);
        let (groups, plots) = merge_figures(d, &r.village_code);
        out.extend([count(groups), count(plots), count(r.grade_mismatch_count)]);
    }

    fn geometry<'a>(&self, d: &RunData<'a>, k: usize) -> Option<Cow<'a, MultiPolygon<f64>>> {
        let r = &d.slice::<VillageRow>()?[k];
        let outline = shape(d, r).map(|s| &s.geometry);
        Some(outline.map_or_else(|| Cow::Owned(MultiPolygon::new(vec![])), Cow::Borrowed))
    }

    /// Outlines that frame what the other layers show. On an atlas page the page's
    /// village is outlined in red and the others are faded under a white veil, so
    /// the page shows one village in its surroundings; outside an atlas (no atlas
    /// feature) every village is a plain outline.
    fn style(&self, d: &RunData) -> Option<Style> {
        let lang = d.settings.output.language;
        let rule = |filter: &str, label: &str, fill: Fill| Rule { filter: filter.into(), label: label.into(), fill };
        Some(Style::Rules(vec![
            rule("$id = @atlas_featureid", lang.pick("本页行政村", "this village"), Fill::new("0,0,0,0", "200,0,0,255", 1.2)),
            rule(
                "@atlas_featureid IS NOT NULL AND $id <> @atlas_featureid",
                lang.pick("其他行政村", "other villages"),
                Fill::new("255,255,255,150", "35,35,35,255", 0.7),
            ),
            rule("ELSE", lang.pick("行政村界", "village boundary"), Fill::new("0,0,0,0", "35,35,35,255", 0.9)),
        ]))
    }

    fn labels(&self, _d: &RunData) -> Option<Labels> {
        Some(Labels { field: "village_name".into(), size: 11.0 })
    }
}

/// The outline of village row `r`.
fn shape<'a>(d: &RunData<'a>, r: &VillageRow) -> Option<&'a crate::stages::dissolve::VillageShape> {
    let shapes = d.slice::<VillageShape>()?;
    let at = shapes.binary_search_by(|s| s.village_code.as_str().cmp(&r.village_code)).ok()?;
    Some(&shapes[at])
}

/// Merge groups of the village (by the village of their first plot, as `merge_groups`
/// places them) and their plots.
fn merge_figures(d: &RunData, code: &str) -> (u64, u64) {
    d.get::<MergeData>().and_then(|m| m.groups_by_village.get(code).copied()).unwrap_or((0, 0))
}
