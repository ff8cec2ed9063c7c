//! `village_summary` (村级汇总): per village, cropland by grade, candidates, grade
//! mismatches and fragmentation before and after merging; also `village_summary.csv`.

use crate::stages::merge::MergeData;
use crate::settings::Settings;
use super::{area_values, Field, Layer, RunData, Title};
use crate::stages::villages::{VillageRow, TOTAL_CODE};
use crate::table::{AttrValue, FieldKind, FieldKind::*};
use crate::units::round;

pub struct VillageSummary;

/// Fragmentation figures, each before and after merging.
const FRAGMENTATION: &[(&str, FieldKind, &str)] = &[
    ("patch_count", Int, "耕地斑块数"),
    ("mean_patch_m2", Real, "平均斑块面积"),
    ("patch_density", Real, "斑块密度"),
    ("edge_density", Real, "边缘密度"),
    ("awmsi", Real, "面积加权平均形状指数"),
    ("large_field_share", Real, "大田占比"),
];

fn area_fields(fields: &mut Vec<Field>, name: &str, alias: &str) {
    for (suffix, unit) in [("m2", "m²"), ("ha", "公顷"), ("mu", "亩")] {
        fields.push(Field::owned(format!("{name}_{suffix}"), Real, alias.to_string(), unit));
    }
}

impl Layer for VillageSummary {
    fn name(&self) -> &'static str {
        "village_summary"
    }

    fn title(&self) -> Title {
        Title {
            zh: "村级汇总",
            en: "village summary",
            description: "per village: cropland by grade, candidates, fragmentation",
        }
    }

    fn spatial(&self) -> bool {
        false
    }

    fn ready(&self, d: &RunData) -> bool {
        d.get::<MergeData>().is_some() && d.slice::<VillageRow>().is_some()
    }

    fn fields(&self, _d: &RunData) -> Vec<Field> {
        let mut f = vec![
            Field::new("village_code", Text, "村代码", ""),
            Field::new("village_name", Text, "村名称", ""),
            Field::new("parcel_count", Int, "图斑数", ""),
            Field::new("cropland_count", Int, "耕地图斑数", ""),
        ];
        area_fields(&mut f, "cropland", "耕地面积");
        for (g, zh) in ["一", "二", "三", "四", "五"].iter().enumerate() {
            area_fields(&mut f, &format!("cropland_g{}", g + 1), &format!("{zh}级坡度耕地面积"));
        }
        area_fields(&mut f, "cropland_nodata", "无坡度数据耕地面积");
        f.push(Field::new("reforest_count", Int, "退耕还林候选数", ""));
        area_fields(&mut f, "reforest", "退耕还林候选面积");
        f.push(Field::new("reforest_share", Real, "退耕还林占耕地比例", ""));
        f.push(Field::new("grade_mismatch_count", Int, "坡度级别不符数", ""));
        for (when, zh) in [("before", "归并前"), ("after", "归并后")] {
            for (name, kind, alias) in FRAGMENTATION {
                f.push(Field::owned(format!("{name}_{when}"), *kind, format!("{alias}（{zh}）"), ""));
            }
        }
        f.push(Field::new("contiguous_share", Real, "集中连片耕地占比", ""));
        f.push(Field::new("swap_out_count", Int, "置换流出图斑数", ""));
        area_fields(&mut f, "swap_out", "置换流出面积");
        f.push(Field::new("swap_in_count", Int, "置换补充图斑数", ""));
        area_fields(&mut f, "swap_in", "置换补充面积");
        f
    }

    fn items(&self, d: &RunData) -> Vec<usize> {
        (0..d.slice::<VillageRow>().map(|v| v.len()).unwrap_or(0)).collect()
    }

    fn row<'a>(&self, d: &RunData<'a>, k: usize, out: &mut Vec<AttrValue<'a>>) {
        let villages = d.need::<Vec<VillageRow>>();
        let start = out.len();
        values(d, &villages[k], out);
        if villages[k].village_code == TOTAL_CODE {
            sum_shown_areas(self, d, villages, &mut out[start..]);
        }
    }

    fn csv_name(&self, s: &Settings) -> Option<String> {
        Some(s.output.village_csv.clone())
    }

    fn sheet_name(&self) -> Option<&'static str> {
        Some("村级汇总")
    }
}

fn fragmentation_values(d: &RunData, r: &VillageRow, out: &mut Vec<AttrValue>) {
    let fragmentation = d.get::<MergeData>().and_then(|m| m.fragmentation.get(&r.village_code));
    let Some(f) = fragmentation.filter(|_| r.village_code != TOTAL_CODE) else {
        out.extend(std::iter::repeat_n(AttrValue::Null, 2 * FRAGMENTATION.len() + 1));
        return;
    };
    for x in [&f.before, &f.after] {
        out.push(AttrValue::Int(x.patch_count as i64));
        out.push(AttrValue::Real(round(x.mean_patch_m2, 2)));
        out.push(AttrValue::Real(round(x.patch_density, 4)));
        out.push(AttrValue::Real(round(x.edge_density, 3)));
        out.push(AttrValue::Real(round(x.awmsi, 4)));
        out.push(AttrValue::Real(round(x.large_field_share, 6)));
    }
    out.push(AttrValue::Real(round(f.contiguous_share, 6)));
}

/// The values of one village's row (or of the total row before its areas are summed).
fn values<'a>(d: &RunData<'a>, r: &'a VillageRow, out: &mut Vec<AttrValue<'a>>) {
    out.extend([r.village_code.as_str(), r.village_name.as_str()].map(AttrValue::text));
    out.push(AttrValue::Int(r.parcel_count as i64));
    out.push(AttrValue::Int(r.cropland_count as i64));
    out.extend(area_values(r.cropland_m2));
    for g in r.cropland_grade_m2 {
        out.extend(area_values(g));
    }
    out.extend(area_values(r.cropland_nodata_m2));
    out.push(AttrValue::Int(r.reforest_count as i64));
    out.extend(area_values(r.reforest_m2));
    out.push(AttrValue::Real(round(r.reforest_share(), 6)));
    out.push(AttrValue::Int(r.grade_mismatch_count as i64));
    fragmentation_values(d, r, out);
    out.push(AttrValue::Int(r.swap_out_count as i64));
    out.extend(area_values(r.swap_out_m2));
    out.push(AttrValue::Int(r.swap_in_count as i64));
    out.extend(area_values(r.swap_in_m2));
}

/// The total row's area columns as the sum of the villages' shown (rounded) values, so
/// a table's total equals the sum of the rows printed above it.
fn sum_shown_areas<'a>(layer: &VillageSummary, d: &RunData<'a>, villages: &'a [VillageRow], total: &mut [AttrValue<'a>]) {
    let fields = layer.fields(d);
    let mut sums = vec![0.0f64; fields.len()];
    let mut row = Vec::with_capacity(fields.len());
    for v in villages.iter().filter(|v| v.village_code != TOTAL_CODE) {
        row.clear();
        values(d, v, &mut row);
        for (sum, value) in sums.iter_mut().zip(&row) {
            if let AttrValue::Real(x) = value {
                *sum += x;
            }
        }
    }
    for ((field, sum), cell) in fields.iter().zip(sums).zip(total.iter_mut()) {
        let decimals = match field.unit {
            "m²" | "亩" => 2,
            "公顷" => 4,
            _ => continue,
        };
        *cell = AttrValue::Real(round(sum, decimals));
    }
}
