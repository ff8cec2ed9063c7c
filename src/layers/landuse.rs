//! Land-use codes (地类编码) and their names: the classes of GB/T 21010-2017 with the
//! 三调 working classification (第三次全国国土调查工作分类) on top — its merged classes
//! (05H1, 08H1, 08H2), its sub-classes with an `A` suffix (1104A 养殖坑塘, ...), and the
//! `K` suffix of land that may be turned back into cropland (可调整地类, e.g. 0201K
//! 可调整果园). The one table of code names: value maps in QGIS, the candidate
//! layers' `land_use_name` when the survey has no DLMC, legends.

use std::borrow::Cow;

use crate::settings::Language;

/// (code, 三调 name, English name), in code order.
const CLASSES: &[(&str, &str, &str)] = &[
    // 01 耕地 cropland
    ("0101", "水田", "paddy field"),
    ("0102", "水浇地", "irrigated land"),
    ("0103", "旱地", "dry land"),
    // 02 种植园用地 garden land
    ("0201", "果园", "orchard"),
    ("0202", "茶园", "tea garden"),
    ("0203", "橡胶园", "rubber plantation"),
    ("0204", "其他园地", "other garden land"),
    // 03 林地 forest land (0303, 0304, 0306 are wetland classes in 三调)
    ("0301", "乔木林地", "arbor forest"),
    ("0302", "竹林地", "bamboo forest"),
    ("0303", "红树林地", "mangrove forest"),
    ("0304", "森林沼泽", "forest swamp"),
    ("0305", "灌木林地", "shrubland"),
    ("0306", "灌丛沼泽", "shrub swamp"),
    ("0307", "其他林地", "other forest land"),
    // 04 草地 grassland
    ("0401", "天然牧草地", "natural pasture"),
    ("0402", "沼泽草地", "marsh grassland"),
    ("0403", "人工牧草地", "artificial pasture"),
    ("0404", "其他草地", "other grassland"),
    // 05 商业服务业用地 commercial (三调 merges 0501–0507 into 05H1)
    ("05H1", "商业服务业设施用地", "commercial and service facilities"),
    ("0501", "零售商业用地", "retail"),
    ("0502", "批发市场用地", "wholesale market"),
    ("0503", "餐饮用地", "catering"),
    ("0504", "旅馆用地", "hotels"),
    ("0505", "商务金融用地", "business and finance"),
    ("0506", "娱乐用地", "entertainment"),
    ("0507", "其他商服用地", "other commercial"),
    ("0508", "物流仓储用地", "logistics and storage"),
    // 06 工矿用地 industrial and mining
    ("0601", "工业用地", "industrial land"),
    ("0602", "采矿用地", "mining land"),
    ("0603", "盐田", "salt pan"),
    ("0604", "仓储用地", "storage land"),
    // 07 住宅用地 residential
    ("0701", "城镇住宅用地", "urban residential"),
    ("0702", "农村宅基地", "rural homestead"),
    // 08 公共管理与公共服务用地 public administration and services
    ("08H1", "机关团体新闻出版用地", "government, organisations and press"),
    ("08H2", "科教文卫用地", "science, education, culture and health"),
    ("08H2A", "高教用地", "higher education"),
    ("0801", "机关团体用地", "government and organisations"),
    ("0802", "新闻出版用地", "press and publishing"),
    ("0803", "教育用地", "education"),
    ("0804", "科研用地", "research"),
    ("0805", "医疗卫生用地", "health care"),
    ("0806", "社会福利用地", "social welfare"),
    ("0807", "文化设施用地", "cultural facilities"),
    ("0808", "体育用地", "sports"),
    ("0809", "公用设施用地", "public utilities"),
    ("0810", "公园与绿地", "parks and green space"),
    ("0810A", "广场用地", "public squares"),
    // 09 特殊用地 special use
    ("09", "特殊用地", "special use"),
    ("0901", "军事设施用地", "military facilities"),
    ("0902", "使领馆用地", "embassies and consulates"),
    ("0903", "监教场所用地", "prisons and correctional facilities"),
    ("0904", "宗教用地", "religious sites"),
    ("0905", "殡葬用地", "burial grounds"),
    ("0906", "风景名胜设施用地", "scenic-site facilities"),
    // 10 交通运输用地 transport
    ("1001", "铁路用地", "railway"),
    ("1002", "轨道交通用地", "rail transit"),
    ("1003", "公路用地", "highway"),
    ("1004", "城镇村道路用地", "urban and village roads"),
    ("1005", "交通服务场站用地", "transport stations"),
    ("1006", "农村道路", "rural roads"),
    ("1007", "机场用地", "airport"),
    ("1008", "港口码头用地", "ports and docks"),
    ("1009", "管道运输用地", "pipelines"),
    // 11 水域及水利设施用地 water and water facilities (1105, 1106, 1108: wetland)
    ("1101", "河流水面", "river"),
    ("1102", "湖泊水面", "lake"),
    ("1103", "水库水面", "reservoir"),
    ("1104", "坑塘水面", "pond"),
    ("1104A", "养殖坑塘", "aquaculture pond"),
    ("1105", "沿海滩涂", "coastal tidal flat"),
    ("1106", "内陆滩涂", "inland flood land"),
    ("1107", "沟渠", "ditch"),
    ("1107A", "干渠", "main canal"),
    ("1108", "沼泽地", "swamp"),
    ("1109", "水工建筑用地", "hydraulic structures"),
    ("1110", "冰川及永久积雪", "glacier and permanent snow"),
    // 12 其他土地 other land
    ("1201", "空闲地", "vacant land"),
    ("1202", "设施农用地", "agricultural facilities"),
    ("1203", "田坎", "field ridges"),
    ("1204", "盐碱地", "saline-alkali land"),
    ("1205", "沙地", "sandy land"),
    ("1206", "裸土地", "bare soil"),
    ("1207", "裸岩石砾地", "bare rock and gravel"),
];

/// The classes 三调 may mark with `K` (可调整: garden, forest, pasture and ponds on
/// former cropland).
const ADJUSTABLE: &[&str] = &["0201", "0202", "0203", "0204", "0301", "0302", "0305", "0307", "0403", "0404", "1104"];

/// The name of a land-use code: `0103` → 旱地, `0201K` → 果园（可调整）; None for a
/// code the table does not know.
pub fn name(code: &str, lang: Language) -> Option<Cow<'static, str>> {
    let code = code.trim();
    if let Some(base) = code.strip_suffix(['K', 'k']) {
        let base = base_name(base, lang)?;
        return Some(Cow::Owned(match lang {
            Language::Zh => format!("{base}（可调整）"),
            Language::En => format!("{base} (adjustable)"),
        }));
    }
    base_name(code, lang).map(Cow::Borrowed)
}

fn base_name(code: &str, lang: Language) -> Option<&'static str> {
    CLASSES
        .iter()
        .find(|(c, _, _)| c.eq_ignore_ascii_case(code))
        .map(|(_, zh, en)| lang.pick(zh, en))
}

/// Every known code with its name, K variants after their class: a value map.
pub fn value_map(lang: Language) -> Vec<(String, String)> {
    let mut out = Vec::with_capacity(CLASSES.len() + ADJUSTABLE.len());
    for (code, zh, en) in CLASSES {
        out.push((code.to_string(), lang.pick(zh, en).to_string()));
        if ADJUSTABLE.contains(code) {
            let k = format!("{code}K");
            let label = name(&k, lang).map(Cow::into_owned).unwrap_or_default();
            out.push((k, label));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_of_codes_and_adjustable_variants() {
        assert_eq!(name("0103", Language::Zh).as_deref(), Some("旱地"));
        assert_eq!(name("0201K", Language::Zh).as_deref(), Some("果园（可调整）"));
        assert_eq!(name("0201K", Language::En).as_deref(), Some("orchard (adjustable)"));
        assert_eq!(name("08h1", Language::Zh).as_deref(), Some("机关团体新闻出版用地"));
        assert_eq!(name("1104A", Language::Zh).as_deref(), Some("养殖坑塘"));
        assert_eq!(name("9999", Language::Zh), None);
        assert_eq!(name("K", Language::Zh), None);
    }

    #[test]
    fn the_value_map_covers_every_class_once() {
        let map = value_map(Language::Zh);
        let mut codes: Vec<&str> = map.iter().map(|(c, _)| c.as_str()).collect();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), map.len(), "no code twice");
        for code in ["0101", "0303", "0304", "0306", "0601", "0602", "0603", "0701", "0702", "08H1", "1001", "1009", "1104", "1105", "1106", "1108", "1110", "1201", "1202", "1203", "0307K"] {
            assert!(codes.contains(&code), "{code}");
        }
        assert!(map.iter().all(|(_, label)| !label.is_empty()));
    }
}
