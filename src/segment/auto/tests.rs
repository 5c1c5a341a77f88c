//! Unit tests of automatic segmentation: features, the k search, membership, explanations,
//! words, and quality on planted segments.

use super::features::{self, Encoding};
use super::quality::adjusted_rand_index;
use super::search::{Distances, sample_order};
use super::*;
use crate::columns::{
    Bitmap, BooleanColumn, CanonicalField, Column, ColumnData, PrimitiveColumn, Role, StringColumn,
};
use crate::compute::{CpuBackend, Points};
use crate::generate::planted::{PlantedOptions, planted_table};
use crate::segment::Expr;

fn ints(name: &str, values: &[Option<i64>]) -> Column {
    let mut validity = Bitmap::with_capacity(values.len());
    values.iter().for_each(|v| validity.push(v.is_some()));
    let data = PrimitiveColumn::new(values.iter().map(|v| v.unwrap_or(0)).collect(), validity);
    Column { name: name.into(), role: Role::Attribute, data: ColumnData::Int64(data) }
}

fn text(name: &str, role: Role, values: &[Option<&str>]) -> Column {
    let mut s = StringColumn::default();
    values.iter().for_each(|v| s.push(*v));
    Column { name: name.into(), role, data: ColumnData::Utf8(s) }
}

fn opts(k: KChoice) -> SegmentOptions {
    SegmentOptions {
        k,
        seed: 7,
        as_of: crate::generate::planted::base_day(),
        fields: None,
        iterations: 50,
        overlap_margin: 0.0,
    }
}

fn no_progress() -> impl FnMut(Progress) {
    |_| {}
}

/// 40 rows: an identifier, an extra, a bookkeeping column, a mostly empty, a constant and
/// an all-distinct field, and three usable ones.
fn mixed_table() -> Table {
    let n = 40;
    let age: Vec<Option<i64>> =
        (0..n).map(|i| if i == 3 { None } else { Some(20 + (i % 10) as i64) }).collect();
    let city: Vec<Option<&str>> = (0..n).map(|i| Some(["A", "B", "C"][i % 3])).collect();
    let mut rare: Vec<Option<&str>> = (0..n).map(|i| Some(if i % 2 == 0 { "x" } else { "y" })).collect();
    rare[5] = Some("z");
    let codes: Vec<String> = (0..n).map(|i| format!("code{i}")).collect();
    let mut flag = Bitmap::new_unset(n);
    (0..n).filter(|i| i % 4 == 0).for_each(|i| flag.set(i, true));
    Table::new(
        n,
        vec![
            Column::system_ints("profileId", (0..n as i64).collect()),
            text("email", Role::Canonical(CanonicalField::Email), &vec![Some("a@b.c"); n]),
            text("extra.color", Role::Attribute, &vec![Some("red"); n]),
            ints("idade", &age),
            text("city", Role::Canonical(CanonicalField::City), &city),
            text("kind", Role::Attribute, &rare),
            ints("sparse", &(0..n).map(|i| (i < 5).then_some(i as i64)).collect::<Vec<_>>()),
            ints("same", &vec![Some(1); n]),
            text("code", Role::Attribute, &codes.iter().map(|c| Some(c.as_str())).collect::<Vec<_>>()),
            Column {
                name: "vip".into(),
                role: Role::Attribute,
                data: ColumnData::Boolean(BooleanColumn { values: flag, validity: Bitmap::new_set(n) }),
            },
        ],
    )
}

#[test]
fn features_leave_out_what_must_not_count_and_say_why() {
    let f = features::build(&mixed_table(), None, 0).unwrap();
    let used: Vec<&str> = f.fields.iter().map(|x| x.field.as_str()).collect();
    assert_eq!(used, ["idade", "city", "kind", "vip"]);
    let why = |name: &str| f.excluded.iter().find(|e| e.field == name).map(|e| e.reason.clone()).unwrap();
    assert!(why("profileId").contains("bookkeeping"));
    assert!(why("email").contains("identifier"));
    assert!(why("extra.color").contains("contact extra"));
    assert!(why("sparse").contains("mostly empty"));
    assert!(why("same").contains("constant"));
    assert!(why("code").contains("all distinct"));
    // One-hot: A, B, C for city; x, y and "other" (z is under 1%? no: 1 of 40 = 2.5%, kept).
    assert_eq!(f.dims, 1 + 3 + 3 + 1);
    let Encoding::Category { values, other, .. } = &f.fields[2].encoding else { panic!() };
    assert_eq!(values, &["x", "y", "z"]);
    assert!(!other);
}

#[test]
fn missing_values_sit_at_the_centre_and_outliers_are_clipped() {
    let mut values: Vec<Option<i64>> = (0..100).map(|i| Some(i % 10)).collect();
    values[0] = None;
    values[1] = Some(1_000_000);
    let t = Table::new(100, vec![ints("n", &values)]);
    let f = features::build(&t, None, 0).unwrap();
    assert_eq!(f.data[0], 0.0, "imputed with the median, which scales to 0");
    assert_eq!(f.data[1], features::CLIP as f32, "an outlier is clipped");
    assert!(f.data[2..].iter().all(|v| v.abs() < 2.0));
    assert!(f.fields[0].imputation.contains("median"));
}

#[test]
fn fields_restrict_and_refuse_identifiers_and_unknown_names() {
    let t = mixed_table();
    let f = features::build(&t, Some(&["IDADE".to_owned()]), 0).unwrap();
    assert_eq!(f.fields.len(), 1);
    assert!(f.excluded.iter().any(|e| e.field == "city" && e.reason == "not in --fields"));
    let e = features::build(&t, Some(&["email".to_owned()]), 0).unwrap_err();
    assert!(e.to_string().contains("identifier"), "{e}");
    let e = features::build(&t, Some(&["nope".to_owned()]), 0).unwrap_err();
    assert!(e.to_string().contains("no field \"nope\""), "{e}");
}

#[test]
fn silhouette_matches_scikit_learn() {
    let x = [0., 0., 0., 1., 1., 0., 5., 5., 5., 6., 6., 5., 10., 0.];
    let p = Points::new(&x, 2).unwrap();
    let d = Distances::new(&p, &(0..7).collect::<Vec<_>>());
    // sklearn.metrics.silhouette_score on the same points and labels.
    assert!((d.silhouette(&[0, 0, 0, 1, 1, 1, 1], 2) - 0.6438483120696906).abs() < 1e-6);
    assert!((d.silhouette(&[0, 0, 0, 1, 1, 1, 2], 3) - 0.7163280643624282).abs() < 1e-6);
}

#[test]
fn samples_are_distinct_seeded_and_in_range() {
    let a = sample_order(1000, 100, 5);
    assert_eq!(a, sample_order(1000, 100, 5));
    assert_ne!(a, sample_order(1000, 100, 6));
    let mut s = a.clone();
    s.sort_unstable();
    s.dedup();
    assert_eq!(s.len(), 100);
    assert!(s.iter().all(|&i| i < 1000));
    let mut all = sample_order(50, 50, 1);
    all.sort_unstable();
    assert_eq!(all, (0..50).collect::<Vec<_>>());
}

#[test]
fn membership_adds_border_profiles_to_their_second_audience() {
    // Centroids at 0 and 10; points at 0, 4.9 (border), 5 (tie), 10.
    let centroids = [0.0f32, 10.0];
    let x = [0.0f32, 4.9, 5.0, 10.0];
    let p = Points::new(&x, 1).unwrap();
    let assign = [0u32, 0, 0, 1];
    let none = membership::members(&p, &centroids, &assign, 0.0);
    assert_eq!(none, vec![vec![0, 1, 2], vec![3]]);
    // 4.9 → distances 4.9 and 5.1: within 10%, in both; 0 → 0 and 10: only the first.
    let some = membership::members(&p, &centroids, &assign, 0.10);
    assert_eq!(some, vec![vec![0, 1, 2], vec![1, 2, 3]]);
    assert_eq!(membership::overlapping(&some, 4), 2);
    // A point at 3 (distances 3 and 7) needs a margin over 133%.
    let x = [3.0f32];
    let p = Points::new(&x, 1).unwrap();
    assert_eq!(membership::members(&p, &centroids, &[0], 1.3)[1], Vec::<u32>::new());
    assert_eq!(membership::members(&p, &centroids, &[0], 1.4)[1], vec![0]);
}

#[test]
fn planted_segments_are_found_with_their_k() {
    for (k, seed) in [(3, 1), (4, 11), (6, 5)] {
        let (table, truth) = planted_table(&PlantedOptions { rows: 6_000, k, seed }).unwrap();
        let seg = segment(&table, &opts(KChoice::Range(2, 10)), &CpuBackend, &mut no_progress()).unwrap();
        let scores: Vec<(usize, f64)> = seg.search.scores.iter().map(|s| (s.k, s.silhouette)).collect();
        assert_eq!(seg.k, k, "planted k = {k}, silhouettes {scores:?}");
        let ari = adjusted_rand_index(&seg.assignments, &truth);
        assert!(ari >= 0.9, "k = {k}: ARI {ari}");
        assert_eq!(seg.explanations.len(), k);
        // email and profileId never count.
        assert!(seg.features.fields.iter().all(|f| f.field != "email" && f.field != "profileId"));
    }
}

#[test]
fn explanations_rank_what_sets_an_audience_apart() {
    let (table, truth) = planted_table(&PlantedOptions { rows: 3_000, k: 3, seed: 2 }).unwrap();
    let seg = segment(&table, &opts(KChoice::Fixed(3)), &CpuBackend, &mut no_progress()).unwrap();
    assert_eq!(seg.search.chosen_by, "given");
    let total: u64 = seg.explanations.iter().map(|e| e.size).sum();
    assert_eq!(total, 3_000);
    for e in &seg.explanations {
        let zs: Vec<f64> = e.characteristics.iter().map(|c| c.z.abs()).collect();
        assert!(zs.windows(2).all(|w| w[0] >= w[1]), "ranked: {zs:?}");
        assert!(zs[0] > 0.5, "a planted segment stands out: {zs:?}");
        assert!(!e.grid.is_empty());
        // Noise fields never lead.
        assert!(e.characteristics[0].field != "city" && e.characteristics[0].field != "ultimo_canal");
        // The share of the planted segment behind it.
        let rows = &seg.members[e.cluster];
        let planted = truth[rows[0] as usize];
        let same = rows.iter().filter(|&&r| truth[r as usize] == planted).count();
        assert!(same as f64 / rows.len() as f64 > 0.95);
    }
}

#[test]
fn same_seed_same_audiences_and_other_seed_may_differ_only_in_labels() {
    let (table, _) = planted_table(&PlantedOptions { rows: 4_000, k: 4, seed: 8 }).unwrap();
    let a = segment(&table, &opts(KChoice::Range(2, 6)), &CpuBackend, &mut no_progress()).unwrap();
    let b = segment(&table, &opts(KChoice::Range(2, 6)), &CpuBackend, &mut no_progress()).unwrap();
    assert_eq!(a.assignments, b.assignments);
    assert_eq!(a.search, b.search);
    let mut o = opts(KChoice::Range(2, 6));
    o.seed = 99;
    let c = segment(&table, &o, &CpuBackend, &mut no_progress()).unwrap();
    assert!(adjusted_rand_index(&a.assignments, &c.assignments) > 0.95);
}

#[test]
fn gpu_gives_the_same_audiences_as_the_cpu() {
    let Some(gpu) = crate::compute::gpu::test_gpu() else { return };
    let (table, _) = planted_table(&PlantedOptions { rows: 3_000, k: 4, seed: 4 }).unwrap();
    let cpu = segment(&table, &opts(KChoice::Range(2, 6)), &CpuBackend, &mut no_progress()).unwrap();
    let on_gpu = segment(&table, &opts(KChoice::Range(2, 6)), gpu, &mut no_progress()).unwrap();
    assert_eq!(cpu.k, on_gpu.k);
    assert_eq!(cpu.assignments, on_gpu.assignments);
    assert_eq!(cpu.centroids, on_gpu.centroids);
    let sil = |s: &Segmentation| s.search.scores.iter().map(|x| x.silhouette).collect::<Vec<_>>();
    assert_eq!(sil(&cpu), sil(&on_gpu));
    assert_eq!(cpu.explanations, on_gpu.explanations);
}

#[test]
fn too_few_profiles_for_k_is_a_user_error() {
    let (table, _) = planted_table(&PlantedOptions { rows: 5, k: 2, seed: 1 }).unwrap();
    let e = segment(&table, &opts(KChoice::Fixed(9)), &CpuBackend, &mut no_progress()).unwrap_err();
    assert!(e.is_user_error());
    assert!(e.to_string().contains("k = 9 needs at least 9 profiles"), "{e}");
}

#[test]
fn k_ranges_parse_and_bad_ones_are_explained() {
    assert_eq!(KChoice::parse_range("2..12").unwrap(), KChoice::Range(2, 12));
    assert_eq!(KChoice::parse_range("3..=5").unwrap(), KChoice::Range(3, 5));
    assert!(KChoice::parse_range("1..4").is_err());
    assert!(KChoice::parse_range("5..4").is_err());
    assert!(KChoice::parse_range("abc").unwrap_err().to_string().contains("LO..HI"));
    assert_eq!(KChoice::Range(2, 10).candidates(5), vec![2, 3, 4]);
}

#[test]
fn freshness_counts_the_last_seven_days() {
    let (table, _) = planted_table(&PlantedOptions { rows: 10, k: 2, seed: 1 }).unwrap();
    let base = crate::generate::planted::base_day();
    assert_eq!(fresh_profiles(&table, base), 10);
    assert_eq!(fresh_profiles(&table, base + 6), 10);
    assert_eq!(fresh_profiles(&table, base + 7), 0);
    assert_eq!(fresh_profiles(&table, base - 1), 0);
    let e = check_fresh(&table, base + 30).unwrap_err();
    assert!(e.to_string().contains("0 of 10 were updated between"), "{e}");
}

#[test]
fn words_are_deterministic_unique_and_in_the_asked_language() {
    let (table, _) = planted_table(&PlantedOptions { rows: 2_000, k: 2, seed: 3 }).unwrap();
    let seg = segment(&table, &opts(KChoice::Fixed(2)), &CpuBackend, &mut no_progress()).unwrap();
    let e = &seg.explanations[0];
    let mut taken = Vec::new();
    let a = words::name(e, Lang::Pt, &mut taken);
    let b = words::name(e, Lang::Pt, &mut taken);
    assert_eq!(b, format!("{a} (2)"));
    assert!(words::description(e, Lang::Pt).contains("dos perfis"));
    assert!(words::description(e, Lang::Es).contains("de los perfiles"));
    assert!(words::description(e, Lang::En).contains("of profiles"));
    let m = words::messages(e, Lang::En);
    assert!((2..=3).contains(&m.len()));
    assert!(m.iter().all(|t| t.contains("{{name}}")));
    assert_eq!(words::characteristics_text(e, Lang::En).lines().count(), e.characteristics.len());
}

#[test]
fn characteristics_are_standardised_differences_and_lifts() {
    // 10 rows: rows 0..4 are the audience, with high numbers and mostly "a".
    let n = 10;
    let num: Vec<Option<i64>> = (0..n).map(|i| Some(if i < 4 { 10 } else { 0 })).collect();
    let cat: Vec<Option<&str>> = (0..n).map(|i| Some(if i < 3 || i == 9 { "a" } else { "b" })).collect();
    let t = Table::new(n, vec![ints("num", &num), text("cat", Role::Attribute, &cat)]);
    let f = features::build(&t, None, 0).unwrap();
    let e = &explain::explain_all(&t, &f, &[vec![0, 1, 2, 3]], 0)[0];
    assert_eq!((e.size, e.share), (4, 0.4));
    let by = |name: &str| e.characteristics.iter().find(|c| c.field == name).unwrap();
    // num: mean 10 vs 4 overall, sd sqrt(0.4 * 0.6) * 10 = 4.899 → z = 6 / 4.899.
    let num = by("num");
    assert!((num.audience - 10.0).abs() < 1e-12 && (num.overall - 4.0).abs() < 1e-12);
    assert!((num.z - 6.0 / 24f64.sqrt()).abs() < 1e-9, "{num:?}");
    // cat a: 3 of 4 (75%) vs 4 of 10 (40%): lift 1.875, z = 0.35 / sqrt(0.24).
    let cat = by("cat");
    assert_eq!(cat.value.as_deref(), Some("a"));
    assert!((cat.lift.unwrap() - 1.875).abs() < 1e-12);
    assert!((cat.z - 0.35 / 0.24f64.sqrt()).abs() < 1e-9, "{cat:?}");
    assert_eq!(e.characteristics[0].field, "num", "ranked by |z|");
    // The grid: num between the audience's percentiles, cat = "a".
    let grid: Vec<String> = e.grid.iter().map(|c| Expr::Cond(c.clone()).to_string()).collect();
    assert_eq!(grid, ["num between 10 and 10", "cat = \"a\""]);
}
