use super::*;
use crate::settings::PerType;
use crate::stages::testing::{V1, V2, V3};

fn village(i: usize) -> Place {
    let code = if i < 3 { V1 } else { V2 };
    place(&Settings::default(), code, &crate::stages::testing::village_name(code))
}

/// Parcel i has i + 1 mu (1 mu = 66 667 units of 0.01 m², the code base's "cm²").
fn area(i: usize) -> i64 {
    (i as i64 + 1) * 66_667
}

fn member(kind: Kind, parcel: usize, new_cm2: i64) -> Member {
    Member { kind, parcel, new_cm2, side: None }
}

fn project(id: &str, kind: Kind, invest_fen: i64, new_cm2: i64) -> Project {
    Project { id: id.into(), kind: Some(kind), invest_fen, new_cm2, ..Default::default() }
}

#[test]
fn one_project_per_type_and_village_with_stable_ids() {
    let members = [
        member(Kind::Develop, 0, 100),
        member(Kind::Develop, 1, 50),
        member(Kind::Develop, 3, 7),
        member(Kind::Consolidation, 2, 0),
        // The same parcel through two rules' outcomes counts once in area.
        member(Kind::Consolidation, 2, 30),
    ];
    let p = group(&members, &village, &area);
    let ids: Vec<&str> = p.iter().map(|p| p.id.as_str()).collect();
    assert_eq!(ids, [format!("NZ-{V1}"), format!("KF-{V1}"), format!("KF-{V2}")]);
    assert_eq!((p[0].parcels.clone(), p[0].area_cm2, p[0].new_cm2), (vec![2], area(2), 30));
    assert_eq!((p[1].parcels.clone(), p[1].area_cm2, p[1].new_cm2), (vec![0, 1], area(0) + area(1), 150));
    assert_eq!(p[2].name(), "村002未利用地开发项目");
    // Members listed in another order give the same projects.
    let mut reversed = members.to_vec();
    reversed.reverse();
    assert_eq!(group(&reversed, &village, &area), p);
}

#[test]
fn a_cluster_unit_gathers_its_villages_with_the_cluster_in_the_id() {
    let mut s = Settings::default();
    s.projects.unit = crate::settings::ProjectUnit::Cluster;
    s.villages.clusters.insert(V1.into(), "东片区".into());
    let at = |i: usize| {
        let code = [V1, V2, V1, V2, V3][i];
        place(&s, code, &crate::stages::testing::village_name(code))
    };
    let members: Vec<Member> = (0..5).map(|i| member(Kind::Develop, i, 1)).collect();
    let p = group(&members, &at, &area);
    let got: Vec<(&str, &str, Vec<usize>, usize)> = p.iter().map(|p| (p.id.as_str(), p.unit_name.as_str(), p.parcels.clone(), p.villages.len())).collect();
    // V2 and V3 are in no cluster: together in 未分片区.
    assert_eq!(got, [("KF-东片区", "东片区", vec![0, 2], 1), ("KF-未分片区", UNCLUSTERED, vec![1, 3, 4], 2)]);
    assert_eq!(p[0].name(), "东片区未利用地开发项目");
    let mut rows = vec![LinkageRow { level: "village", code: V2.into(), surplus: 5, ..Default::default() }];
    rows.push(LinkageRow { level: "village", code: V3.into(), surplus: 7, ..Default::default() });
    let mut zj = group(&[member(Kind::Linkage, 1, 0), member(Kind::Linkage, 4, 0)], &at, &area);
    add_surplus(&mut zj, &rows, &|code| place(&s, code, "").unit_code);
    assert_eq!((zj.len(), zj[0].surplus_cm2), (1, 12), "both villages' 节余 on the cluster's project");
}

#[test]
fn exchanges_count_in_and_out_over_distinct_parcels() {
    let side = |parcel: usize, side: Side| Member { side: Some(side), ..member(Kind::Swap, parcel, 0) };
    let members = [side(0, Side::Out), side(1, Side::In), side(2, Side::In), side(3, Side::Out), member(Kind::Swap, 1, 66_667), side(1, Side::In)];
    let p = group(&members, &village, &area);
    let got: Vec<(i64, i64, i64, i64)> = p.iter().map(|p| (p.area_cm2, p.in_cm2, p.out_cm2, p.new_cm2)).collect();
    // V1: 0 out (1 mu), 1 and 2 in (2 + 3 mu), parcel 1 listed twice; V2: 3 out (4 mu).
    assert_eq!(got, [(area(0) + area(1) + area(2), area(1) + area(2), area(0), 66_667), (area(3), 0, area(3), 0)]);
}

#[test]
fn investment_and_revenue_per_mu_in_fen() {
    assert_eq!(per_mu(100, 66_667), 100);
    assert_eq!(per_mu(100, 33_334), 50);
    assert_eq!(per_mu(1, 33_333), 0);
    let mut s = ProjectSettings::default();
    s.unit_costs.develop = 4000.0;
    s.prices.supplement_yuan_per_mu = 50000.0;
    s.prices.linkage_wan_per_mu = 20.0;
    let mut p = vec![
        Project { area_cm2: 2 * 66_667, new_cm2: 66_667, ..project("KF-1", Kind::Develop, 0, 0) },
        Project { area_cm2: 66_667, new_cm2: 66_667, surplus_cm2: 66_667, reward_cm2: 3_333, ..project("ZJ-1", Kind::Linkage, 0, 0) },
    ];
    price(&mut p, &s);
    assert_eq!((p[0].invest_fen, p[0].supplement_fen, p[0].linkage_fen, p[0].reward_fen), (800_000, 5_000_000, 0, 0));
    // 增减挂钩 sells its 节余 and the reward on it (3 333 cm² ≈ 0.05 mu at 20 万元), not its new cropland.
    assert_eq!((p[1].invest_fen, p[1].supplement_fen, p[1].linkage_fen, p[1].reward_fen), (3_000_000, 0, 20_000_000, 999_895));
    assert_eq!(p[1].revenue_fen(), 20_999_895);
}

#[test]
fn phases_follow_the_priority_under_the_cap_and_never_split() {
    let mut p = vec![
        project("KF-a", Kind::Develop, 600, 600), // 1 cm² per 分
        project("NZ-b", Kind::Consolidation, 300, 900), // 3 per 分: before KF-a
        project("FG1-c", Kind::RestoreImmediate, 500, 0), // 即可恢复: first
        project("ST-d", Kind::EcoRestoration, 2000, 0), // dearer than any phase
        project("TG-e", Kind::Reforestation, 0, 0), // no cost, no gain
    ];
    schedule(&mut p, 2, Caps { fen: Some(1000), cm2: None });
    let phase: Vec<Option<usize>> = p.iter().map(|p| p.phase).collect();
    // FG1-c (500) and NZ-b (300) fill phase 0 to 800; KF-a (600) does not fit there.
    assert_eq!(phase, [Some(1), Some(0), Some(0), None, Some(0)]);
    let rows = funding(&p, &[2025, 2027]);
    let names: Vec<&str> = rows.iter().map(|r| r.phase.as_str()).collect();
    assert_eq!(names, ["2025", "2027", "unscheduled", "total"]);
    assert!(rows[..2].iter().all(|r| r.invest_fen <= 1000));
    assert_eq!((rows[2].projects, rows[2].invest_fen), (1, 2000));
    // No cap: everything in the first phase.
    schedule(&mut p, 2, Caps::default());
    assert!(p.iter().all(|p| p.phase == Some(0)));
}

#[test]
fn hazard_relocation_first_then_restorable_now_then_new_cropland_per_wan() {
    let hazard = |id: &str, invest, new| Project { hazard: true, ..project(id, Kind::Linkage, invest, new) };
    let mut p = vec![
        project("FG2-a", Kind::RestoreEngineering, 100, 10_000), // 100 per 分, the best ratio
        project("ZJ-b", Kind::Linkage, 100, 200), // not flagged: by its ratio
        hazard("ZJ-c", 900, 0), // flagged: first, whatever its ratio
        project("FG1-d", Kind::RestoreImmediate, 100, 100),
        project("KF-e", Kind::Develop, 100, 500),
    ];
    schedule(&mut p, 1, Caps::default());
    let mut by_rank: Vec<(&str, u8)> = p.iter().map(|p| (p.id.as_str(), p.tier())).collect();
    by_rank.sort_by_key(|&(id, _)| p.iter().find(|q| q.id == id).unwrap().rank);
    assert_eq!(by_rank, [("ZJ-c", 1), ("FG1-d", 2), ("FG2-a", 3), ("KF-e", 3), ("ZJ-b", 3)]);
}

#[test]
fn both_caps_hold_and_a_project_too_large_for_one_stays_unscheduled() {
    let sized = |id: &str, new, mu: i64| Project { area_cm2: mu * 66_667, ..project(id, Kind::Develop, 100, new) };
    // By ratio: a (3 mu), b (1 mu), c (5 mu: over the area cap), d (1 mu); 100 分 each.
    let mut p = vec![sized("a", 900, 3), sized("b", 800, 1), sized("c", 700, 5), sized("d", 600, 1)];
    schedule(&mut p, 2, Caps { fen: Some(500), cm2: Some(4 * 66_667) });
    let phase: Vec<Option<usize>> = p.iter().map(|p| p.phase).collect();
    // Phase 0: a + b (200 分, 4 mu); c fits no phase; d has the money but not the area in
    // phase 0 (5 mu): phase 1.
    assert_eq!(phase, [Some(0), Some(0), None, Some(1)]);
    assert_eq!(p.iter().map(|p| p.rank).collect::<Vec<_>>(), [1, 2, 3, 4]);
    // Money alone, 250 分: a + b in phase 0, c and d in phase 1.
    schedule(&mut p, 2, Caps { fen: Some(250), cm2: None });
    assert_eq!(p.iter().map(|p| p.phase).collect::<Vec<_>>(), [Some(0), Some(0), Some(1), Some(1)]);
    let mut s = ProjectSettings { phase_cap_mu: Some(4.0), phase_cap_wan: Some(0.05), ..Default::default() };
    assert_eq!(Caps::of(&s), Caps { fen: Some(50_000), cm2: Some(266_668) });
    s.phase_cap_mu = None;
    assert_eq!(Caps::of(&s).cm2, None);
}

#[test]
fn ties_go_by_id() {
    let mut p = vec![project("b", Kind::Develop, 600, 600), project("a", Kind::Develop, 600, 600)];
    schedule(&mut p, 2, Caps { fen: Some(600), cm2: None });
    assert_eq!((p[0].phase, p[1].phase), (Some(1), Some(0)));
}

#[test]
fn funding_rows_add_up_to_the_total() {
    let mut s = ProjectSettings { phases: vec![2025, 2027, 2030], phase_cap_wan: Some(0.05), ..Default::default() };
    s.unit_costs.develop = 1234.56;
    let mut p: Vec<Project> = (0..7)
        .map(|k| Project { area_cm2: 1_000_003 * (k + 1), new_cm2: 777_777 * k, surplus_cm2: 0, ..project(&format!("KF-{k}"), Kind::Develop, 0, 0) })
        .collect();
    p.push(Project { area_cm2: 9_999_999, surplus_cm2: 5_555_555, reward_cm2: 277_778, ..project("ZJ-x", Kind::Linkage, 0, 0) });
    price(&mut p, &s);
    schedule(&mut p, 3, Caps::of(&s));
    let rows = funding(&p, &s.phases);
    let (total, rest) = rows.split_last().unwrap();
    assert_eq!(total.phase, "total");
    assert_eq!(total.projects as usize, p.len());
    assert_eq!(total.invest_fen, rest.iter().map(|r| r.invest_fen).sum::<i64>());
    assert_eq!(total.invest_fen, p.iter().map(|p| p.invest_fen).sum::<i64>());
    assert_eq!(total.revenue_fen(), rest.iter().map(FundingRow::revenue_fen).sum::<i64>());
    assert!(total.reward_fen > 0);
    assert_eq!(total.reward_fen, rest.iter().map(|r| r.reward_fen).sum::<i64>());
    assert_eq!(total.revenue_fen(), p.iter().map(Project::revenue_fen).sum::<i64>());
    assert_eq!(total.balance_fen(), rest.iter().map(FundingRow::balance_fen).sum::<i64>());
    assert!(rest.iter().filter(|r| r.phase != "unscheduled").all(|r| r.invest_fen <= 500_000));
}

#[test]
fn surplus_goes_to_the_village_linkage_project() {
    let mut p = group(&[member(Kind::Linkage, 0, 0), member(Kind::Linkage, 4, 0), member(Kind::Develop, 1, 0)], &village, &area);
    let row = |level: &'static str, code: &str, surplus| LinkageRow { level, code: code.into(), surplus, reward: surplus / 10, ..Default::default() };
    add_surplus(&mut p, &[row("village", V1, 10), row("village", V2, 20), row("total", "total", 30)], &|code| code.to_string());
    let surplus: Vec<(&str, i64, i64)> = p.iter().map(|p| (p.id.as_str(), p.surplus_cm2, p.reward_cm2)).collect();
    assert_eq!(surplus, [(format!("KF-{V1}").as_str(), 0, 0), (format!("ZJ-{V1}").as_str(), 10, 1), (format!("ZJ-{V2}").as_str(), 20, 2)]);
}

#[test]
fn placeholders_are_named() {
    let mut s = ProjectSettings::default();
    assert_eq!(s.placeholders().len(), 11);
    s.unit_costs = PerType { consolidation: 1.0, restore_immediate: 1.0, restore_engineering: 1.0, develop: 1.0, linkage: 1.0, reforestation: 1.0, swap: 1.0, pbf: 1.0, eco_restoration: 1.0 };
    s.prices.linkage_wan_per_mu = 30.0;
    assert_eq!(s.placeholders(), ["prices.supplement_yuan_per_mu"]);
}

/// Through the run's data: plots 0–2 in V1, 3–4 in V2 (TBMJ 100 m² each); 0 reforested,
/// 1 and 3 restored now (0201 → cropland), 2 developed (1206), 4 nothing. Every candidate
/// is in exactly one project of its type, with the supply's new cropland.
#[test]
fn every_candidate_is_in_one_project_of_its_type() {
    use crate::stages::constraints::Constraints;
    use crate::stages::rule::Outcomes;
    use crate::stages::testing::{flags, graph, parcels, slope, Plot};
    let plots = [
        Plot::new("0103").village(V1).tbmj(100.0),
        Plot::new("0201").village(V1).tbmj(100.0),
        Plot::new("1206").village(V1).tbmj(100.0),
        Plot::new("0201").village(V2).tbmj(100.0),
        Plot::new("0301").village(V2).tbmj(100.0),
    ];
    let p = parcels(&[], &plots);
    let st: Vec<_> = (0..5).map(|_| slope(2, 100.0)).collect();
    let g = graph(5, &[]);
    let settings = Settings::default();
    let outcomes = Outcomes::default();
    let d = RunData::new(&settings, &p, &st, &g, &[], Constraints::none(), &outcomes);
    d.put((0..5).map(|i| flags(i == 0, i == 0)).collect::<Vec<_>>());
    let phase = (0..5).map(|i| (i == 1 || i == 3).then_some(Phase::Immediate)).collect();
    d.put(RestorePlan { phase, reasons: vec![String::new(); 5] });
    d.put(DevelopPlan { chosen: (0..5).map(|i| i == 2).collect(), shared_with_cropland: vec![0.0; 5], reasons: vec![String::new(); 5] });
    let out = projects(&d);
    let got: Vec<(&str, Vec<usize>, i64, i64)> = out.projects.iter().map(|p| (p.id.as_str(), p.parcels.clone(), p.area_cm2, p.new_cm2)).collect();
    let id = |code: &str, v: &str| format!("{code}-{v}");
    let (fg1v1, fg1v2, kf, tg) = (id("FG1", V1), id("FG1", V2), id("KF", V1), id("TG", V1));
    assert_eq!(got, [(fg1v1.as_str(), vec![1], 10_000, 10_000), (fg1v2.as_str(), vec![3], 10_000, 10_000), (kf.as_str(), vec![2], 10_000, 10_000), (tg.as_str(), vec![0], 10_000, 0)]);
    // Placeholder costs: 复耕即可恢复 500 元/亩, 退耕还林 1500 元/亩, 未利用地开发 4000 元/亩 on 100 m².
    let invest: Vec<i64> = out.projects.iter().map(|p| p.invest_fen).collect();
    assert_eq!(invest, [per_mu(50_000, 10_000), per_mu(50_000, 10_000), per_mu(400_000, 10_000), per_mu(150_000, 10_000)]);
    let total = out.funding.last().unwrap();
    assert_eq!((total.phase.as_str(), total.projects, total.invest_fen), ("total", 4, invest.iter().sum()));
}
