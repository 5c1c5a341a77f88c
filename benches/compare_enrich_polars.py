#!/usr/bin/env python3
"""Enrichment speed: `hyperseg bench enrich` and polars reading the same messages file, in one run.

Usage: python3 benches/compare_enrich_polars.py [--messages 10000000] [--profiles 1000000]
                                                 [--repeat 3] [--file FILE]

Runs `hyperseg bench enrich --file FILE --json` (which generates FILE when it is missing: pt,
es and en chat messages for the profiles), then times `pl.read_csv(FILE)` in a fresh process
per run, and prints a Markdown table: hyperseg's stages (CSV parse; the whole read with
checks, contact keys, timestamps and classification; classification; linking; both; the
per-profile fields) and polars' read, with messages/s and MB/s.
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
import sys, time
import polars as pl
t = time.perf_counter()
df = pl.read_csv(sys.argv[1])
print(time.perf_counter() - t, df.height)
"""


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--messages", type=int, default=10_000_000)
    ap.add_argument("--profiles", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--file")
    a = ap.parse_args()
    path = a.file or os.path.join(tempfile.mkdtemp(), "messages.csv")
    out = subprocess.run(
        [BIN, "--json", "bench", "enrich", "--messages", str(a.messages), "--profiles", str(a.profiles),
         "--repeat", str(a.repeat), "--file", path],
        check=True, capture_output=True, text=True).stdout
    r = json.loads(out)
    times = []
    for _ in range(a.repeat):
        p = subprocess.run([sys.executable, "-c", POLARS_RUN, path], check=True, capture_output=True, text=True)
        secs, rows = p.stdout.split()
        times.append(float(secs))
    polars = statistics.median(times)
    mb = r["bytes"] / 1e6
    print(f"{r['messages']:,} messages, {r['profiles']:,} profiles, {mb:.0f} MB, {r['threads']} threads\n")
    print("| stage | median s | processor s | messages/s | MB/s |")
    print("|---|---|---|---|---|")
    for s in r["stages"]:
        print(f"| hyperseg: {s['stage']} | {s['median_s']:.3f} | {s['cpu_s']:.2f} | {s['messages_per_s']:,.0f} | {s['mb_per_s']:.0f} |")
    import polars as pl
    print(f"| polars {pl.__version__} `read_csv` (same file, same run) | {polars:.3f} | | {r['messages'] / polars:,.0f} | {mb / polars:.0f} |")
    read = r["stages"][0]["median_s"]
    print(f"\nratio polars / hyperseg, CSV parse: {polars / read:.2f}")
    print(f"link + classify: {r['link_and_classify_messages_per_s']:,.0f} messages/s wall, "
          f"{r['link_and_classify_messages_per_cpu_share_s']:,.0f} messages/s from processor time over {r['threads']} threads")
    print(f"load average at the end: {os.getloadavg()}")


if __name__ == "__main__":
    main()
