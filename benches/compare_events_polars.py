#!/usr/bin/env python3
"""Event import speed: `hyperseg events import` against polars reading the same file, in one run.

Usage: python3 benches/compare_events_polars.py [--profiles 1000000] [--events 10000000] [--dir DIR]

Runs `hyperseg bench score --json --dir DIR` (generates contacts and events, imports both,
applies a 10-rule plan), then times `pl.read_csv(DIR/events.csv)` in a fresh process on the
same file. hyperseg's figure includes what polars does not do: contact normalisation into
identity keys, timestamp parsing, validation with line numbers, de-duplication against the
workspace, linking for the report, and a committed columnar snapshot.
Needs: `pip install polars`, and a release build (`cargo build --release`).
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
BIN = os.path.join(HERE, "..", "target", "release", "hyperseg")

POLARS_RUN = r"""
import sys, time
import polars as pl
t = time.perf_counter()
df = pl.read_csv(sys.argv[1], try_parse_dates=True)
print(time.perf_counter() - t, df.height)
"""


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--profiles", type=int, default=1_000_000)
    ap.add_argument("--events", type=int, default=10_000_000)
    ap.add_argument("--dir", default=None)
    a = ap.parse_args()
    d = a.dir or tempfile.mkdtemp(prefix="hyperseg-score-")
    out = subprocess.run([BIN, "bench", "score", "--json", "--profiles", str(a.profiles), "--events", str(a.events), "--dir", d],
                         check=True, capture_output=True, text=True).stdout
    f = json.loads(out)
    path = f["events_file"]
    size = os.path.getsize(path)
    secs, rows = subprocess.run([sys.executable, "-c", POLARS_RUN, path], check=True, capture_output=True, text=True).stdout.split()
    secs, rows = float(secs), int(rows)
    print(f"| tool | rows | seconds | events/s | MB/s |")
    print(f"|---|---|---|---|---|")
    print(f"| hyperseg events import | {f['events']:,} | {f['events_import_s']:.2f} | {f['events_per_s']:,.0f} | {f['events_mb_per_s']:.1f} |")
    print(f"| polars read_csv | {rows:,} | {secs:.2f} | {rows / secs:,.0f} | {size / 1e6 / secs:.1f} |")
    print(f"\nscore apply ({f['rules']} rules, {f['profiles']:,} profiles, {f['events']:,} events, {f['threads']} threads): "
          f"{f['apply_s']:.2f} s, of which scoring {f['compute_s']:.2f} s")


if __name__ == "__main__":
    main()
