//! The run's facts: what ran, when, how long, on which inputs, into which folder.

use crate::output::manifest::Manifest;
use crate::output::report::Fact;

fn fact(label: &str, value: String) -> Fact {
    Fact { label: label.into(), value }
}

/// "2026-12-01 11:24:05 UTC" from the manifest's `2026-12-01T11:24:05Z`.
pub fn when(timestamp: &str) -> String {
    timestamp.replace('T', " ").replace('Z', " UTC")
}

/// Status, time, duration, version, inputs, working CRS and output folder. `seconds`
/// is the time until the report was written (the manifest records the full run's).
pub fn facts(m: &Manifest, seconds: f64) -> Vec<Fact> {
    let status = match m.status.as_str() {
        "success" => "成功".to_string(),
        other => other.to_string(),
    };
    let dems: Vec<String> = m.inputs.dem.iter().map(|p| p.display().to_string()).collect();
    let crs = &m.inputs.work_crs;
    vec![
        fact("运行状态", status),
        fact("开始时间", when(&m.started)),
        fact("运行时长", format!("{seconds:.1} 秒")),
        fact("程序版本", format!("landcons {} · {} · PROJ {}", m.version, m.gdal_version, m.proj_version)),
        fact("高程数据（DEM）", dems.join("；")),
        fact(
            "图斑数据（DLTB）",
            format!("{}（图层 {}，编码 {}）", m.inputs.parcels.display(), m.inputs.parcels_layer, m.inputs.parcels_encoding),
        ),
        fact("工作坐标系", format!("{}（{}）", crs.name, crs.reason)),
        fact("输出目录", m.settings.output.dir.display().to_string()),
    ]
}
