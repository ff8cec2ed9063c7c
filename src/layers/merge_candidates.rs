//! `merge_candidates` (小田并大田): the plots of each proposed merged field.

use crate::stages::merge::MergePlan;
use std::borrow::Cow;

use geo::MultiPolygon;

use super::style::{Fill, Style};
use super::parcel_columns::{self, ParcelColumn, ParcelColumn::*};
use super::{ChangeSpec, Field, Layer, RunData, Title, Values};
use crate::settings::Rule;
use crate::table::{AttrValue, FieldKind::*};

pub struct MergeCandidates;

/// The parcel's own columns, after its id and group.
const COLUMNS: &[ParcelColumn] = &[LandUse, LandUseName, VillageCode, VillageName, OwnerCode, AreaM2, AreaMu, Grade];

impl Layer for MergeCandidates {
    fn name(&self) -> &'static str {
        "merge_candidates"
    }

    fn title(&self) -> Title {
        Title {
            zh: "小田并大田候选地块",
            en: "merge candidates",
            description: "plots proposed for merging",
        }
    }

    fn spatial(&self) -> bool {
        true
    }

    fn ready(&self, d: &RunData) -> bool {
        d.get::<MergePlan>().is_some()
    }

    fn fields(&self, d: &RunData) -> Vec<Field> {
        let mut fields = vec![Id.field(), Field::new("group_id", Int, "归并组号", "")];
        fields.extend(parcel_columns::fields(COLUMNS));
        fields.extend([Field::new("shape_index", Real, "形状指数", ""), Field::coded("fragmented", Int, "破碎耕地", "", Values::YesNo)]);
        fields.extend(super::constraint_fields(d, Rule::Merge));
        fields
    }

    fn items(&self, d: &RunData) -> Vec<usize> {
        d.get::<MergePlan>()
            .map(|m| m.members.iter().flatten().copied().collect())
            .unwrap_or_default()
    }

    fn row<'a>(&self, d: &RunData<'a>, i: usize, out: &mut Vec<AttrValue<'a>>) {
        let merge = d.need::<MergePlan>();
        out.extend([Id.value(d, i), AttrValue::Int(merge.group_of[i] as i64)]);
        parcel_columns::push(COLUMNS, d, i, out);
        out.push(AttrValue::Real(merge.shapes[i].shape_index));
        out.push(AttrValue::Int(merge.shapes[i].fragmented as i64));
        out.extend(super::constraint_values(d, Rule::Merge, i));
    }

    fn geometry<'a>(&self, d: &RunData<'a>, i: usize) -> Option<Cow<'a, MultiPolygon<f64>>> {
        Some(Cow::Owned(d.parcels.geometry(i)))
    }

    fn style(&self, _d: &RunData) -> Option<Style> {
        Some(Style::Single(Fill::new("116,173,209,200", "40,80,140,255", 0.15)))
    }

    fn changes(&self) -> Option<ChangeSpec> {
        Some(ChangeSpec { count_label: "merge_plots", village_mu: false, group: Some(("group_id", "merge_groups")), ..ChangeSpec::parcels("merge", "merge candidates", "plots") })
    }
}
