//! `project_types` (项目类别图): one feature per project type, the union of its projects'
//! footprints, with the type's totals: the coverage of the .qgz's second project atlas,
//! a page per project type (项目分类图), beside the page per project.

use std::borrow::Cow;

use geo::MultiPolygon;

use super::projects::{wan, COLOURS};
use super::style::{Fill, Rule, Style};
use super::villages::{bounds, page_extent_values, PAGE_EXTENT};
use super::{Field, Layer, RunData, Title, Values};
use crate::stages::projects::{Kind, Project, Projects, KINDS};
use crate::table::{AttrValue, FieldKind::*};
use crate::units::{mu, round};

pub struct ProjectTypes;

/// The projects of type `kind` that have a footprint.
fn of_kind<'a>(d: &'a RunData, kind: usize) -> impl Iterator<Item = &'a Project> + 'a {
    d.get::<Projects>().into_iter().flat_map(|p| p.projects.iter()).filter(move |p| p.kind().index() == kind)
}

/// The union of the footprints of type `kind` (projects of one type may share parcels'
/// neighbours but not parcels; GEOS unions them).
fn union_of(d: &RunData, kind: usize) -> MultiPolygon<f64> {
    let parts = MultiPolygon::new(of_kind(d, kind).filter_map(|p| p.footprint.as_ref()).flat_map(|g| g.0.iter().cloned()).collect());
    crate::vector::union::union_all(&parts).unwrap_or(parts)
}

impl Layer for ProjectTypes {
    fn name(&self) -> &'static str {
        "project_types"
    }

    fn title(&self) -> Title {
        Title { zh: "项目分类图", en: "projects by type", description: "one feature per project type: its projects' footprints and totals (the atlas page per type)" }
    }

    fn spatial(&self) -> bool {
        true
    }

    fn enabled(&self, d: &RunData) -> bool {
        d.settings.projects.enabled
    }

    fn ready(&self, d: &RunData) -> bool {
        d.has::<Projects>()
    }

    fn fields(&self, _d: &RunData) -> Vec<Field> {
        vec![
            Field::coded("type_code", Text, "类别代码", "", Values::Codes(&KINDS)),
            Field::new("type", Text, "项目类别", ""),
            Field::new("projects", Int, "项目数", "个"),
            Field::new("parcels", Int, "图斑数", "个"),
            Field::new("area_mu", Real, "规模（亩）", "亩"),
            Field::new("new_cropland_mu", Real, "新增耕地（亩）", "亩"),
            Field::new("investment_wan", Real, "投资估算（万元）", "万元"),
        ]
        .into_iter()
        .chain(PAGE_EXTENT)
        .collect()
    }

    /// The types that have projects, in type order.
    fn items(&self, d: &RunData) -> Vec<usize> {
        Kind::ALL.iter().map(|k| k.index()).filter(|&k| of_kind(d, k).next().is_some()).collect()
    }

    fn row<'a>(&self, d: &RunData<'a>, k: usize, out: &mut Vec<AttrValue<'a>>) {
        let (code, zh, _) = KINDS[k];
        let projects: Vec<&Project> = of_kind(d, k).collect();
        let area: i64 = projects.iter().map(|p| p.area_cm2).sum();
        let new: i64 = projects.iter().map(|p| p.new_cm2).sum();
        out.extend([AttrValue::text(code), AttrValue::text(zh), AttrValue::Int(projects.len() as i64)]);
        out.push(AttrValue::Int(projects.iter().map(|p| p.parcels.len() as i64).sum()));
        out.extend([AttrValue::Real(round(mu(area as f64 / 100.0), 2)), AttrValue::Real(round(mu(new as f64 / 100.0), 2))]);
        out.push(AttrValue::Real(wan(projects.iter().map(|p| p.invest_fen).sum())));
        // The page's map: every footprint of the type, framed as a village's page is.
        let boxes = projects.iter().filter_map(|p| bounds(p.footprint.as_ref()?));
        let own = boxes.reduce(|a, b| [a[0].min(b[0]), a[1].min(b[1]), a[2].max(b[2]), a[3].max(b[3])]);
        page_extent_values(own, d.parcels.extent(), out);
    }

    fn geometry<'a>(&self, d: &RunData<'a>, k: usize) -> Option<Cow<'a, MultiPolygon<f64>>> {
        Some(Cow::Owned(union_of(d, k)))
    }

    /// A colour per type; on a page of the type atlas only the page's type is drawn.
    fn style(&self, d: &RunData) -> Option<Style> {
        let lang = d.settings.output.language;
        let rules = Kind::ALL
            .iter()
            .zip(COLOURS)
            .map(|(k, rgba)| {
                let (code, zh, en) = KINDS[k.index()];
                let filter = format!("\"type_code\" = '{code}' AND (coalesce(@atlas_layerid, '') NOT LIKE 'project_types%' OR $id = @atlas_featureid)");
                Rule { filter, label: lang.pick(zh, &format!("{en} ({zh})")).to_string(), fill: Fill::new(rgba, "200,0,0,255", 0.8) }
            })
            .collect();
        Some(Style::Rules(rules))
    }
}
