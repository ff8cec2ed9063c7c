//! The run's `report.html`: what an analyst reads the morning after an overnight run —
//! the run's facts, key figures, charts, per-village tables, warnings and what changed
//! since the previous run — as a [`Report`] for `output::report` to render.
//!
//! Every figure is read from the rows the run writes (through the layer registry), not
//! recomputed: the report and the GeoPackage/CSVs cannot disagree, in value or rounding.
//! It sits above `changes` (it reports them) and below `pipeline` (which writes it).

mod changes;
mod facts;
mod figures;
mod held;
mod progress;
mod projects;
mod structure;
mod villages;

use std::collections::BTreeMap;

use crate::changes::Changes;
use crate::layers::RunData;
use crate::output::manifest::Manifest;
use crate::output::report::Report;
use crate::settings::Language;
use crate::stages::rule::CardSource;
use held::Held;

/// Layers whose rows the report's tables and charts read (with the columns kept, where
/// not all: the merge layers are only counted per village); the cards' layers are read
/// besides (`figures::sources`).
const READ: [(&str, Option<&[&str]>); 11] = [
    ("village_summary", None),
    ("merge_candidates", Some(&["village_code"])),
    ("merge_groups", Some(&["village_code"])),
    ("swap_ledger", None),
    ("linkage_ledger", None),
    ("indicators", None),
    ("land_use_structure", Some(&["level", "class", "current_ha", "current_share", "planned_ha", "planned_share", "change_ha"])),
    ("targets", None),
    ("projects", Some(projects::COLUMNS)),
    ("funding_balance", None),
    ("plan_progress", None),
];

/// What the report draws on: the layers it reads, by name (absent when not written).
struct Sources {
    layers: BTreeMap<&'static str, Held>,
    counts: BTreeMap<&'static str, usize>,
    /// Upper bounds of grades 1–4 in degrees.
    breaks: [f64; 4],
    /// The language the report's own words are in.
    lang: Language,
}

impl Sources {
    fn layer(&self, name: &str) -> Option<&Held> {
        self.layers.get(name)
    }

    /// `village_summary` (written by every run; [`build`] puts an empty one in its place
    /// if it ever were not, so the report still renders).
    fn villages(&self) -> &Held {
        &self.layers["village_summary"]
    }

    /// Rows of a layer, None when the run does not write it.
    fn rows(&self, name: &str) -> Option<usize> {
        self.counts.get(name).copied()
    }
}

/// The report of a run from its data, its manifest (facts, warnings) and its changes;
/// `seconds` is the run's time so far.
pub fn build(data: &RunData, manifest: &Manifest, changes: Option<&Changes>, seconds: f64) -> Report {
    let mut layers = BTreeMap::new();
    let mut counts = BTreeMap::new();
    for (name, only) in READ {
        if let Some(held) = Held::read(data, name, only) {
            counts.insert(name, held.table.rows.len());
            layers.insert(name, held);
        }
    }
    layers.entry("village_summary").or_default();
    // The layers the cards read: every layer a card totals, read whole; those it counts.
    for source in figures::sources() {
        match source {
            CardSource::Total(name, _) | CardSource::Checked(name, _, _) if !layers.contains_key(name) => {
                if let Some(held) = Held::read(data, name, None) {
                    counts.insert(name, held.table.rows.len());
                    layers.insert(name, held);
                }
            }
            CardSource::Rows(name) if !counts.contains_key(name) => {
                if let Some(n) = Held::count(data, name) {
                    counts.insert(name, n);
                }
            }
            _ => {}
        }
    }
    let lang = data.settings.output.language;
    let s = Sources { layers, counts, breaks: data.settings.terrain.grade_breaks, lang };
    let mut tables = vec![villages::key_figures_table(&s), villages::grades_table(&s)];
    tables.extend(structure::structure_table(&s));
    tables.extend(structure::targets_table(&s));
    tables.extend(projects::by_type_table(&s));
    tables.extend(projects::funding_table(&s));
    tables.extend(projects::unscheduled_table(&s));
    tables.extend(progress::progress_table(&s));
    let subtitle = lang.pick("运行报告", "run report");
    Report {
        title: lang.pick("全域土地综合整治 坡度分析与整治潜力报告", "Land consolidation: slope analysis and consolidation potential").into(),
        subtitle: format!("landcons {} {subtitle} · {}", manifest.version, facts::when(&manifest.started)),
        facts: facts::facts(manifest, seconds, lang),
        figures: figures::figures(&s),
        charts: vec![villages::grades_chart(&s), villages::candidates_chart(&s)],
        tables,
        warnings: manifest.warnings.iter().map(|w| w.message.clone()).collect(),
        changes: changes.map(|c| changes::lines(c, lang)).unwrap_or_default(),
        english: lang == Language::En,
    }
}
