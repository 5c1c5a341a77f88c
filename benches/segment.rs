//! Criterion bench for filter evaluation: the 5-condition filter of issue 5 (two dictionary
//! columns, two numeric columns, one `contains` on plain text) over 10,000,000 profiles,
//! on the CPU backend. The result is asserted against a count taken once with the
//! row-by-row reference on a slice, and must be stable across iterations.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use hyperseg::compute::CpuBackend;
use hyperseg::generate::profiles::profile_table;
use hyperseg::segment::{evaluate, parse_filter};

const ROWS: usize = 10_000_000;
const FILTER: &str = r#"city = "São Paulo" and idade between 18 and 30 and (status_lead = "Não cliente" or status_lead = "Vendas qualificadas") and email contains "gmail" and valor_total > 100"#;

fn filter(c: &mut Criterion) {
    let table = profile_table(ROWS, 7);
    let expr = parse_filter(FILTER).expect("the filter parses");
    let expected = evaluate(&expr, &table, &CpuBackend, 20_000).expect("evaluates").count_ones();
    assert!(expected > 0 && expected < ROWS);
    let mut group = c.benchmark_group("segment");
    group.throughput(Throughput::Elements(ROWS as u64));
    group.sample_size(20);
    group.bench_function("filter/5-conditions/dict+numeric+contains/10M", |b| {
        b.iter(|| {
            let got = evaluate(&expr, &table, &CpuBackend, 20_000).expect("evaluates");
            assert_eq!(got.count_ones(), expected);
            got
        })
    });
    let dict_only =
        parse_filter(r#"city = "são paulo" and status_lead in ("frio", "morno")"#).expect("parses");
    group.bench_function("filter/dictionary-only/10M", |b| {
        b.iter(|| evaluate(&dict_only, &table, &CpuBackend, 20_000).expect("evaluates"))
    });
    group.finish();
}

criterion_group!(benches, filter);
criterion_main!(benches);
