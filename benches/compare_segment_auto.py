#!/usr/bin/env python3
"""Automatic segmentation: hyperseg's final k-means against scikit-learn's KMeans on the same
features, k and initial centroids.

Usage: python3 benches/compare_segment_auto.py [--rows 1000000] [--planted 6] [--k-range 2..10]

`hyperseg bench segment-auto --save DIR` runs the whole automatic segmentation of generated
profiles with planted segments (features, k search, final k-means, explanations) on the CPU
backend and writes the feature matrix, the initial centroids of its final k-means run (the
chosen k's centroids from the search sample) and its final inertia. scikit-learn's `KMeans`
(Lloyd, one start from those centroids, the same iteration cap, tol = 0) then clusters the
same float32 matrix. The issue's check: hyperseg's final inertia within 1% of scikit-learn's.
Exits 1 when it is not. Prints both inertias, both times, and hyperseg's step times.
Needs: pip install scikit-learn numpy; cargo build --release.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

import numpy as np
import sklearn
from sklearn.cluster import KMeans

HERE = os.path.dirname(os.path.abspath(__file__))
BIN = os.path.join(HERE, "..", "target", "release", "hyperseg")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--planted", type=int, default=6)
    ap.add_argument("--k-range", default="2..10")
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        cmd = [BIN, "--backend", "cpu", "--json", "bench", "segment-auto", "--rows", str(args.rows),
               "--planted", str(args.planted), "--k-range", args.k_range, "--seed", str(args.seed), "--save", tmp]
        figures = json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True).stdout)
        run = json.load(open(os.path.join(tmp, "run.json")))
        x = np.fromfile(os.path.join(tmp, "features.f32"), dtype=np.float32).reshape(run["rows"], run["dims"])
        init = np.fromfile(os.path.join(tmp, "init.f32"), dtype=np.float32).reshape(run["k"], run["dims"])
    km = KMeans(n_clusters=run["k"], init=init, n_init=1, max_iter=run["iterations_max"], tol=0.0,
                algorithm="lloyd")
    t0 = time.perf_counter()
    km.fit(x)
    sk_s = time.perf_counter() - t0
    ours, theirs = run["inertia"], float(km.inertia_)
    rel = (ours - theirs) / theirs
    last = figures["runs"][-1]
    print(json.dumps({
        "rows": run["rows"], "dims": run["dims"], "k": run["k"], "planted": args.planted,
        "k_found": figures["k_found"], "ari": figures["ari"],
        "hyperseg_inertia": ours, "sklearn_inertia": theirs, "relative_difference": rel,
        "hyperseg_iterations": run["iterations"], "sklearn_iterations": int(km.n_iter_),
        "hyperseg_final_kmeans_s": last["final_s"], "sklearn_kmeans_s": sk_s,
        "hyperseg_total_s": last["total_s"], "hyperseg_steps": last,
        "sklearn": sklearn.__version__, "within_1_percent": abs(rel) <= 0.01,
    }, indent=2))
    if abs(rel) > 0.01:
        sys.exit(1)


if __name__ == "__main__":
    main()
