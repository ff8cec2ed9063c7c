//! Villages (行政村) and their village groups (村民小组): Voronoi regions with
//! Chinese names and 19-digit codes in the 三调 pattern.

use super::rng::Rng;

/// County code used in generated BSM and village codes.
pub const COUNTY_CODE: &str = "500230";

const PREFIXES: &[&str] = &[
    "上", "下", "大", "小", "新", "老", "东", "西", "南", "北", "石", "龙", "高", "长", "黄", "白",
    "青", "马", "杨", "柳",
];
const STEMS: &[&str] = &[
    "坪", "洋", "坑", "田", "岭", "溪", "塘", "湖", "坝", "山", "坳", "湾", "岗", "桥", "庄", "沟",
    "林", "峰", "口", "源",
];

/// Village and group layout of a region.
pub struct Villages {
    seeds: Vec<(f64, f64)>,
    /// Each village's place in the township order: townships are runs of 8 villages
    /// that are neighbours on the ground, as real townships are.
    rank: Vec<usize>,
    names: Vec<String>,
    /// Group seeds per village.
    groups: Vec<Vec<(f64, f64)>>,
}

impl Villages {
    /// About one village per 1.2 km² (at least four), 3–8 groups each.
    pub fn new(seed: u64, width: f64, height: f64) -> Villages {
        let mut rng = Rng::new(seed, 5);
        let n = ((width * height / 1.2e6).round() as usize).max(4);
        let seeds: Vec<(f64, f64)> = (0..n)
            .map(|_| (rng.unit() * width, rng.unit() * height))
            .collect();
        // Unique names: walk the prefix × stem table in a seeded order.
        let mut order: Vec<usize> = (0..PREFIXES.len() * STEMS.len()).collect();
        for i in (1..order.len()).rev() {
            let j = rng.range(0, i as i64) as usize;
            order.swap(i, j);
        }
        let names = (0..n)
            .map(|i| {
                let k = order[i % order.len()];
                let base = format!("{}{}村", PREFIXES[k / STEMS.len()], STEMS[k % STEMS.len()]);
                if i < order.len() {
                    base
                } else {
                    format!("{}{}", base, i / order.len() + 1)
                }
            })
            .collect();
        let spread = (width * height / n as f64).sqrt();
        let groups = seeds
            .iter()
            .map(|&(x, y)| {
                let k = rng.range(3, 8) as usize;
                (0..k)
                    .map(|_| {
                        (
                            x + (rng.unit() - 0.5) * spread,
                            y + (rng.unit() - 0.5) * spread,
                        )
                    })
                    .collect()
            })
            .collect();
        let rank = township_order(&seeds, width, height);
        Villages {
            seeds,
            rank,
            names,
            groups,
        }
    }

    pub fn len(&self) -> usize {
        self.seeds.len()
    }
    pub fn is_empty(&self) -> bool {
        self.seeds.is_empty()
    }

    fn nearest(points: &[(f64, f64)], x: f64, y: f64) -> usize {
        let d = |p: &(f64, f64)| (p.0 - x).powi(2) + (p.1 - y).powi(2);
        (0..points.len())
            .min_by(|a, b| d(&points[*a]).total_cmp(&d(&points[*b])))
            .unwrap_or(0)
    }

    /// The village at a position (metres from the region's upper-left corner).
    pub fn at(&self, x: f64, y: f64) -> usize {
        Self::nearest(&self.seeds, x, y)
    }
    pub fn owner_group(&self, village: usize, x: f64, y: f64) -> usize {
        Self::nearest(&self.groups[village], x, y)
    }
    pub fn name(&self, village: usize) -> &str {
        &self.names[village]
    }
    /// 19 digits: county (6) + township (3) + village (3) + 7 zeros.
    pub fn code(&self, village: usize) -> String {
        let r = self.rank[village];
        format!("{COUNTY_CODE}{:03}{:03}0000000", 100 + r / 8, 200 + r % 8 + (r / 8) * 10 % 800)
    }
    /// Owning collective: the village's 12 digits + group (2) + 5 zeros.
    pub fn owner_code(&self, village: usize, group: usize) -> String {
        format!("{}{:02}00000", &self.code(village)[..12], group + 1)
    }
    pub fn owner_name(&self, village: usize, group: usize) -> String {
        format!("{}第{}村民小组", self.names[village], group + 1)
    }
}

/// Each village's rank in the township order: villages along rows of bands (west to
/// east, every other band back east to west, bands north to south), each band as tall
/// as a township of 8 villages is wide, so consecutive villages are neighbours. A region
/// of at most 8 villages is one township, in the order the villages were made.
fn township_order(seeds: &[(f64, f64)], width: f64, height: f64) -> Vec<usize> {
    let n = seeds.len();
    if n <= 8 {
        return (0..n).collect();
    }
    let band = (8.0 * width * height / n as f64).sqrt().max(1.0);
    let key = |&(x, y): &(f64, f64)| {
        let row = (y / band).floor() as i64;
        let along = if row % 2 == 0 { x } else { width - x };
        (row, (along / band * 1e6) as i64)
    };
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by_key(|&v| (key(&seeds[v]), v));
    let mut rank = vec![0; n];
    for (r, v) in order.into_iter().enumerate() {
        rank[v] = r;
    }
    rank
}
