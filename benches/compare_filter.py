#!/usr/bin/env python3
"""Filter evaluation: hyperseg against polars on the same 10,000,000 profiles, in one run.

Usage: python3 benches/compare_filter.py [--rows 10000000] [--repeat 7]

`hyperseg bench filter` makes the profiles (city and status_lead as dictionary columns,
idade, valor_total, email), writes them as CSV, and times the audiences issue's 5-condition
filter; polars loads that CSV (city and status_lead as Categorical) and times the same filter,
untimed load. Both must select the same profiles. hyperseg's text conditions ignore case and
accents; the polars expression compares exactly (less work) — the data has one spelling per
value, so the selections are equal.
Needs: pip install polars; cargo build --release.
"""
import argparse
import json
import os
import statistics
import subprocess
import tempfile
import time

import polars as pl

HERE = os.path.dirname(os.path.abspath(__file__))
BIN = os.path.join(HERE, "..", "target", "release", "hyperseg")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=10_000_000)
    ap.add_argument("--repeat", type=int, default=7)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "profiles.csv")
        out = subprocess.run([BIN, "bench", "filter", "--rows", str(args.rows), "--repeat", str(args.repeat),
                              "--csv", path, "--json"], check=True, capture_output=True, text=True)
        hs = json.loads(out.stdout)
        df = pl.read_csv(path, schema_overrides={"city": pl.Categorical, "status_lead": pl.Categorical,
                                                 "idade": pl.Int64, "valor_total": pl.Float64, "email": pl.Utf8})
        expr = (
            (pl.col("city") == "São Paulo")
            & pl.col("idade").is_between(18, 30)
            & ((pl.col("status_lead") == "Não cliente") | (pl.col("status_lead") == "Vendas qualificadas"))
            & pl.col("email").str.contains("gmail", literal=True)
            & (pl.col("valor_total") > 100)
        )
        times = []
        for _ in range(args.repeat):
            t = time.perf_counter()
            mask = df.select(expr.fill_null(False).alias("m"))["m"]
            times.append(time.perf_counter() - t)
        p_secs = statistics.median(times)
        p_count = int(mask.sum())
        h_secs = hs["median_s"]
        n = args.rows
        assert p_count == hs["selected"], f"polars selected {p_count}, hyperseg {hs['selected']}"
        print(f"{n:,} profiles, 5-condition filter, {hs['selected']:,} selected; medians of {args.repeat}; "
              f"{hs['threads']} threads hyperseg, {pl.thread_pool_size()} threads polars\n")
        print("| tool | median s | rows/s | rows/s per core |")
        print("|---|---|---|---|")
        print(f"| polars {pl.__version__} | {p_secs:.4f} | {n / p_secs:,.0f} | {n / p_secs / pl.thread_pool_size():,.0f} |")
        print(f"| hyperseg | {h_secs:.4f} | {n / h_secs:,.0f} | {n / h_secs / hs['threads']:,.0f} |")
        print(f"\nratio polars/hyperseg: {p_secs / h_secs:.2f} (above 1: hyperseg is faster)")


if __name__ == "__main__":
    main()
