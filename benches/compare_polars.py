#!/usr/bin/env python3
"""Ingest speed: hyperseg against polars.read_csv on the same file, measured in one run.

Usage: python3 benches/compare_polars.py [--rows 1000000] [--repeat 5] [--input FILE]

Generates a CRM dump with `hyperseg generate` (unless --input is given), then times
  - hyperseg: `hyperseg bench ingest --input FILE --json` (parse, UTF-8 check, row rules,
    type inference incl. pt-BR decimals and dates, persisting a columnar snapshot, commit);
  - polars: `pl.read_csv(FILE, separator=";")` in a fresh process per run (parse and its
    own type inference; pt-BR decimals and dd/mm/yyyy dates stay text; nothing persisted).
Prints a Markdown table with medians, rows/s, MB/s, and peak memory over file size.
Needs: `pip install polars`, and a release build (`cargo build --release`).
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
BIN = os.path.join(HERE, "..", "target", "release", "hyperseg")

POLARS_RUN = r"""
import resource, sys, time
import polars as pl
t = time.perf_counter()
df = pl.read_csv(sys.argv[1], separator=sys.argv[2], infer_schema_length=10000, truncate_ragged_lines=True)
elapsed = time.perf_counter() - t
print(elapsed, df.height, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024, pl.thread_pool_size())
"""


def polars_once(path, sep):
    out = subprocess.run([sys.executable, "-c", POLARS_RUN, path, sep], check=True, capture_output=True, text=True)
    secs, rows, rss, threads = out.stdout.split()
    return float(secs), int(rows), int(rss), int(threads)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--input")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = args.input
        if path is None:
            path = os.path.join(tmp, "crm.csv")
            subprocess.run([BIN, "generate", "--rows", str(args.rows), "--out", path,
                            "--truth", os.path.join(tmp, "truth.csv")], check=True, capture_output=True)
        size = os.path.getsize(path)
        with open(path, "rb") as f:
            sep = ";" if f.readline().count(b";") else ","
        polars_runs = []
        hs = None
        # Interleave so both see the same machine state; hyperseg reports its own median.
        for i in range(args.repeat):
            polars_runs.append(polars_once(path, sep))
            if i == args.repeat // 2:
                out = subprocess.run([BIN, "bench", "ingest", "--input", path, "--repeat", str(args.repeat),
                                      "--json"], check=True, capture_output=True, text=True)
                hs = json.loads(out.stdout)
        p_secs = statistics.median(r[0] for r in polars_runs)
        p_rows = polars_runs[0][1]
        p_rss = max(r[2] for r in polars_runs)
        stages = {s["stage"]: s for s in hs["stages"]}
        h_total = stages["import total"]["median_s"]
        h_parse = stages["parse+validate+type"]["median_s"]
        rows = hs["rows_read"]
        mb = size / 1e6
        print(f"file: {size / 1e6:.1f} MB, {rows:,} rows; {hs['threads']} threads hyperseg, "
              f"{polars_runs[0][3]} threads polars; medians of {args.repeat}\n")
        print("| tool | what | median s | rows/s | MB/s | peak memory / file |")
        print("|---|---|---|---|---|---|")
        print(f"| polars {polars_version()} | read_csv | {p_secs:.3f} | {p_rows / p_secs:,.0f} | {mb / p_secs:.0f} | "
              f"{p_rss / size:.2f}× |")
        print(f"| hyperseg | parse + validate + type | {h_parse:.3f} | {rows / h_parse:,.0f} | {mb / h_parse:.0f} | |")
        print(f"| hyperseg | import (+ persist + commit) | {h_total:.3f} | {rows / h_total:,.0f} | {mb / h_total:.0f} | "
              f"{hs['peak_rss_over_file']:.2f}× |")
        print(f"\nratio polars/hyperseg: {p_secs / h_total:.2f} for the whole import, "
              f"{p_secs / h_parse:.2f} for parse+validate+type (above 1: hyperseg is faster)")


def polars_version():
    out = subprocess.run([sys.executable, "-c", "import polars; print(polars.__version__)"],
                         capture_output=True, text=True)
    return out.stdout.strip()


if __name__ == "__main__":
    main()
