#!/usr/bin/env python3
"""Identity resolution: hyperseg against a polars + scipy connected-components baseline on the
same generated dump, measured in one run.

Usage: python3 benches/compare_identity.py [--rows 1000000] [--repeat 3]

Baseline (the usual way a data engineer would do it): polars reads the CSV; keys are
normalised with polars expressions (phone: digits with the +55/00/trunk-0 rules and the
Brazilian ninth digit; e-mail: trim + lower-case with a shape check; CPF: 11 digits, no check
digits — polars has no expression for them, so the baseline is a little more lenient);
opted-out and rejected rows are dropped; a key shared by more than 50 records is ignored;
records and keys form a bipartite graph whose connected components
(scipy.sparse.csgraph.connected_components) are the profiles. Timed from the DataFrame in
memory (normalise + join + components), against hyperseg's compute core, which does the
same steps (`hyperseg bench identity`, "resolve (compute)"). Both are checked against the
ground truth (pairwise precision and recall).
Needs: pip install polars scipy; cargo build --release.
"""
import argparse
import json
import os
import statistics
import subprocess
import tempfile
import time

import numpy as np
import polars as pl
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components

HERE = os.path.dirname(os.path.abspath(__file__))
BIN = os.path.join(HERE, "..", "target", "release", "hyperseg")
HUB_LIMIT = 50


def phone_key(col):
    raw = pl.col(col).str.strip_chars()
    digits = raw.str.replace_all(r"[^0-9]", "")
    intl = (
        pl.when(raw.str.starts_with("+")).then(digits)
        .when(digits.str.starts_with("00")).then(digits.str.slice(2))
        .when(digits.str.starts_with("0")).then(pl.lit("55") + digits.str.slice(1))
        .when(digits.str.len_chars().is_in([10, 11])).then(pl.lit("55") + digits)
        .otherwise(digits)
    )
    # Brazilian mobiles written without the ninth digit get it back.
    ninth = (
        pl.when(intl.str.starts_with("55") & (intl.str.len_chars() == 12) & intl.str.slice(4, 1).is_in(["6", "7", "8", "9"]))
        .then(intl.str.slice(0, 4) + pl.lit("9") + intl.str.slice(4))
        .otherwise(intl)
    )
    return pl.when(ninth.str.len_chars().is_between(10, 15)).then(ninth).otherwise(None)


def email_key(col):
    e = pl.col(col).str.strip_chars().str.to_lowercase()
    return pl.when(e.str.contains(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")).then(e).otherwise(None)


def cpf_key(col):
    d = pl.col(col).str.replace_all(r"[.\-/ ]", "")
    ok = d.str.contains(r"^[0-9]{11}$")
    same = pl.concat_str([d.str.slice(0, 1)] * 11) == d
    return pl.when(ok & ~same).then(d).otherwise(None)


def baseline(df):
    keyed = df.select(
        phone_key("Telefone").alias("phone"),
        email_key("E-mail").alias("email"),
        cpf_key("CPF").alias("cpf"),
    ).with_row_index("rec")
    n = keyed.height
    edges = []
    offset = n
    for kind in ["phone", "email", "cpf"]:
        k = keyed.select("rec", kind).drop_nulls()
        counts = k.group_by(kind).len()
        k = k.join(counts.filter(pl.col("len") <= HUB_LIMIT), on=kind).with_columns(
            pl.col(kind).rank("dense").cast(pl.Int64).alias("node")
        )
        edges.append((k["rec"].to_numpy(), k["node"].to_numpy() - 1 + offset))
        offset += int(k["node"].max() or 0)
    rows = np.concatenate([e[0] for e in edges])
    cols = np.concatenate([e[1] for e in edges])
    g = sp.coo_matrix((np.ones(len(rows), dtype=np.int8), (rows, cols)), shape=(offset, offset))
    _, labels = connected_components(g, directed=False)
    return labels[:n]


def pairwise(labels, truth):
    def pairs(counts):
        return int(sum(c * (c - 1) // 2 for c in counts))
    l = pl.DataFrame({"l": labels, "t": truth})
    found = pairs(l.group_by("l").len()["len"].to_list())
    real = pairs(l.group_by("t").len()["len"].to_list())
    both = pairs(l.group_by(["l", "t"]).len()["len"].to_list())
    return both / max(found, 1), both / max(real, 1)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path, truth_path = os.path.join(tmp, "crm.csv"), os.path.join(tmp, "truth.csv")
        subprocess.run([BIN, "generate", "--rows", str(args.rows), "--out", path, "--truth", truth_path],
                       check=True, capture_output=True)
        df = pl.read_csv(path, separator=";", infer_schema=False, truncate_ragged_lines=True)
        truth = pl.read_csv(truth_path)
        # Keep what hyperseg imports: opt-in not negative, phone present, 16 fields (truth says).
        keep = (truth["status"] == "ok").to_numpy()
        df = df.filter(pl.Series(keep))
        persons = truth.filter(pl.col("status") == "ok")["person"].to_numpy()
        times = []
        for _ in range(args.repeat):
            t = time.perf_counter()
            labels = baseline(df)
            times.append(time.perf_counter() - t)
        p_secs = statistics.median(times)
        p_prec, p_rec = pairwise(labels, persons)
        out = subprocess.run([BIN, "bench", "identity", "--rows", str(args.rows), "--repeat", str(args.repeat),
                              "--json"], check=True, capture_output=True, text=True)
        hs = json.loads(out.stdout)
        stages = {s["stage"]: s for s in hs["stages"]}
        h_secs = stages["resolve (compute)"]["median_s"]
        n = hs["rows_imported"]
        print(f"{n:,} records, three identifier kinds; medians of {args.repeat}\n")
        print("| tool | median s | records/s | pairwise precision | pairwise recall |")
        print("|---|---|---|---|---|")
        print(f"| polars {pl.__version__} + scipy connected_components | {p_secs:.3f} | {n / p_secs:,.0f} | {p_prec:.6f} | {p_rec:.6f} |")
        print(f"| hyperseg resolve (compute) | {h_secs:.3f} | {n / h_secs:,.0f} | {hs['pairwise_precision']:.6f} | {hs['pairwise_recall']:.6f} |")
        print(f"\nratio baseline/hyperseg: {p_secs / h_secs:.2f} (above 1: hyperseg is faster)")
        print(f"hyperseg import + resolve / import alone: {hs['import_with_resolution_over_import']:.2f}")


if __name__ == "__main__":
    main()
