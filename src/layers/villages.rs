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

/// The fields holding an atlas page's map extent, last in every coverage layer
/// (villages, projects, project types).
pub const PAGE_EXTENT: [Field; 4] = [
    Field::new("map_xmin", Real, "图幅范围西", "m"),
    Field::new("map_ymin", Real, "图幅范围南", "m"),
    Field::new("map_xmax", Real, "图幅范围东", "m"),
    Field::new("map_ymax", Real, "图幅范围北", "m"),
];

/// The values of [`PAGE_EXTENT`]: `own` (a page's footprint box) framed within `region`
/// as the atlas map's shape asks; NULL without a footprint.
pub fn page_extent_values(own: Option<[f64; 4]>, region: Option<[f64; 4]>, out: &mut Vec<AttrValue<'_>>) {
    let extent = own.zip(region).map(|(b, all)| atlas_extent(b, all, ATLAS_MAP_MM.0 / ATLAS_MAP_MM.1));
    out.extend((0..4).map(|k| extent.map_or(AttrValue::Null, |e| AttrValue::Real(round(e[k], 2)))));
}

/// A QGIS expression true while the village atlas prints (its coverage layer's id is
/// `villages` with the project's suffix).
const VILLAGE_PAGE: &str = "@atlas_layerid LIKE 'villages%'";

/// The atlas page's map frame, mm (width, height): a page's extent has its shape.
pub const ATLAS_MAP_MM: (f64, f64) = (195.0, 182.0);

/// The margin around a village on its atlas page, as a share of its size on each side.
const ATLAS_MARGIN: f64 = 0.1;

/// A village's atlas map extent [xmin, ymin, xmax, ymax]: its outline's box with the
/// margin, grown to the frame's shape around its centre, then slid inside `region` (all
/// villages' box) where it fits, so a village at the region's edge is framed by its
/// neighbours instead of an empty band.
pub fn atlas_extent(b: [f64; 4], region: [f64; 4], aspect: f64) -> [f64; 4] {
    let (mut w, mut h) = ((b[2] - b[0]) * (1.0 + 2.0 * ATLAS_MARGIN), (b[3] - b[1]) * (1.0 + 2.0 * ATLAS_MARGIN));
    (w, h) = (w.max(1.0), h.max(1.0));
    if w / h < aspect {
        w = h * aspect;
    } else {
        h = w / aspect;
    }
    let slide = |centre: f64, size: f64, lo: f64, hi: f64| match size <= hi - lo {
        true => centre.clamp(lo + size / 2.0, hi - size / 2.0),
        false => (lo + hi) / 2.0,
    };
    let cx = slide((b[0] + b[2]) / 2.0, w, region[0], region[2]);
    let cy = slide((b[1] + b[3]) / 2.0, h, region[1], region[3]);
    [cx - w / 2.0, cy - h / 2.0, cx + w / 2.0, cy + h / 2.0]
}

/// The box of a geometry, if it has one.
pub fn bounds(g: &MultiPolygon<f64>) -> Option<[f64; 4]> {
    use geo::BoundingRect;
    g.bounding_rect().map(|r| [r.min().x, r.min().y, r.max().x, r.max().y])
}

/// Every village's outline in one box.
fn region(shapes: &[VillageShape]) -> Option<[f64; 4]> {
    shapes.iter().filter_map(|s| bounds(&s.geometry)).reduce(|a, b| [a[0].min(b[0]), a[1].min(b[1]), a[2].max(b[2]), a[3].max(b[3])])
}

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
        [FIELDS, &PAGE_EXTENT].concat()
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
        let own = shape(d, r).and_then(|s| bounds(&s.geometry));
        page_extent_values(own, region(d.slice::<VillageShape>().unwrap_or(&[])), out);
    }

    fn geometry<'a>(&self, d: &RunData<'a>, k: usize) -> Option<Cow<'a, MultiPolygon<f64>>> {
        let r = &d.slice::<VillageRow>()?[k];
        let outline = shape(d, r).map(|s| &s.geometry);
        Some(outline.map_or_else(|| Cow::Owned(MultiPolygon::new(vec![])), Cow::Borrowed))
    }

    /// Outlines that frame what the other layers show. On a village atlas page the
    /// page's village is outlined in red and the others are faded under a white veil,
    /// so the page shows one village in its surroundings; outside the village atlas (no
    /// atlas feature, or another atlas's: a project's) every village is a plain outline.
    fn style(&self, d: &RunData) -> Option<Style> {
        let lang = d.settings.output.language;
        let rule = |filter: &str, label: &str, fill: Fill| Rule { filter: filter.into(), label: label.into(), fill };
        Some(Style::Rules(vec![
            rule(&format!("{VILLAGE_PAGE} AND $id = @atlas_featureid"), lang.pick("本页行政村", "this village"), Fill::new("0,0,0,0", "200,0,0,255", 1.2)),
            rule(
                &format!("{VILLAGE_PAGE} AND $id <> @atlas_featureid"),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_page_frames_its_village_in_the_frame_shape_and_slides_inside_the_region() {
        let region = [0.0, 0.0, 1000.0, 1000.0];
        // A 100 × 50 village in the middle: 120 × 60 with the margin, grown to 2:1 frame
        // height 60 → width 120 (already 2:1), centred on (500, 500).
        assert_eq!(atlas_extent([450.0, 475.0, 550.0, 525.0], region, 2.0), [440.0, 470.0, 560.0, 530.0]);
        // A wide village on the south edge: 400 × 40 → 480 × 48, grown to square 480 ×
        // 480 around y = 20: it would reach y = −220, so it slides up to [0, 480].
        let e = atlas_extent([300.0, 0.0, 700.0, 40.0], region, 1.0);
        assert_eq!(e, [260.0, 0.0, 740.0, 480.0]);
        // Wider than the region: centred on the region.
        let e = atlas_extent([-100.0, 400.0, 1100.0, 500.0], region, 1.0);
        assert!((e[0] + e[2] - 1000.0).abs() < 1e-9 && e[2] - e[0] > 1000.0);
    }
}
