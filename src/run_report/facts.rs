//! The run's facts: what ran, when, how long, on which inputs, into which folder.

use crate::output::manifest::Manifest;
use crate::output::report::Fact;
use crate::settings::Language;

fn fact(label: &str, value: String) -> Fact {
    Fact { label: label.into(), value }
}

/// "2026-12-01 11:24:05 UTC" from the manifest's `2026-12-01T11:24:05Z`.
pub fn when(timestamp: &str) -> String {
    timestamp.replace('T', " ").replace('Z', " UTC")
}

/// Status, time, duration, version, inputs, working CRS and output folder. `seconds`
/// is the time until the report was written (the manifest records the full run's).
pub fn facts(m: &Manifest, seconds: f64, lang: Language) -> Vec<Fact> {
    let status = match m.status.as_str() {
        "success" => lang.pick("成功", "success").to_string(),
        other => other.to_string(),
    };
    let dems: Vec<String> = m.inputs.dem.iter().map(|p| p.display().to_string()).collect();
    let crs = &m.inputs.work_crs;
    let i = &m.inputs;
    let parcels = match lang {
        Language::Zh => format!("{}（图层 {}，编码 {}）", i.parcels.display(), i.parcels_layer, i.parcels_encoding),
        Language::En => format!("{} (layer {}, encoding {})", i.parcels.display(), i.parcels_layer, i.parcels_encoding),
    };
    let pick = |zh, en| lang.pick(zh, en);
    vec![
        fact(pick("运行状态", "status"), status),
        fact(pick("开始时间", "started"), when(&m.started)),
        fact(pick("运行时长", "duration"), format!("{seconds:.1} {}", pick("秒", "s"))),
        fact(pick("程序版本", "version"), format!("landcons {} · {} · PROJ {}", m.version, m.gdal_version, m.proj_version)),
        fact(pick("高程数据（DEM）", "DEM"), dems.join(pick("；", "; "))),
        fact(pick("图斑数据（DLTB）", "parcels (DLTB)"), parcels),
        fact(pick("工作坐标系", "working CRS"), format!("{} ({})", crs.name, crs.reason)),
        fact(pick("输出目录", "output folder"), m.settings.output.dir.display().to_string()),
    ]
}
