#!/usr/bin/env python3
"""k-means: hyperseg's CPU backend against faiss-cpu on the same points, in one run.

Usage: python3 benches/compare_kmeans.py [--points 1000000] [--dims 16] [--k 8]
                                         [--iterations 20] [--repeat 5]

`hyperseg bench kmeans --save` makes the points (uniform in the unit cube, so neither side
converges before the last iteration) and times `kmeans()` end to end: k-means++ start,
every iteration, the final assignment. faiss trains `faiss.Kmeans` on the same float32
array with the same iteration count, every point used (max_points_per_centroid raised so
faiss does not subsample) and its own random start, on all cores (OpenMP). The two runs
alternate, and each side's median is reported, with the final inertia (sum of squared
distances) of each, to show both reached comparable solutions.
Needs: pip install faiss-cpu numpy; cargo build --release.
"""
import argparse
import json
import os
import statistics
import subprocess
import tempfile
import time

import faiss
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
BIN = os.path.join(HERE, "..", "target", "release", "hyperseg")


def hyperseg(args, save=None):
    cmd = [BIN, "--backend", "cpu", "bench", "kmeans", "--points", str(args.points), "--dims", str(args.dims),
           "-k", str(args.k), "--iterations", str(args.iterations), "--repeat", "1", "--json"]
    if save:
        cmd += ["--save", save]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True)
    return json.loads(out.stdout)["figures"][0]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--points", type=int, default=1_000_000)
    ap.add_argument("--dims", type=int, default=16)
    ap.add_argument("--k", type=int, default=8)
    ap.add_argument("--iterations", type=int, default=20)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "points.f32")
        hyperseg(args, save=path)
        x = np.fromfile(path, dtype=np.float32).reshape(-1, args.dims)
        assert x.shape[0] == args.points
        hs_times, faiss_times = [], []
        hs_inertia = faiss_inertia = None
        for r in range(args.repeat):
            fig = hyperseg(args)
            hs_times.append(fig["kmeans_s"])
            hs_inertia = fig["inertia"]
            assert fig["iterations"] == args.iterations, f"hyperseg stopped after {fig['iterations']}"
            km = faiss.Kmeans(args.dims, args.k, niter=args.iterations, seed=r + 1, verbose=False,
                              max_points_per_centroid=args.points, spherical=False)
            t0 = time.perf_counter()
            km.train(x)
            faiss_times.append(time.perf_counter() - t0)
            _, dist = km.index.search(x, 1)
            faiss_inertia = float(dist.sum(dtype=np.float64))
    hs, fa = statistics.median(hs_times), statistics.median(faiss_times)
    print(json.dumps({
        "points": args.points, "dims": args.dims, "k": args.k, "iterations": args.iterations,
        "repeat": args.repeat, "faiss": faiss.__version__, "threads": faiss.omp_get_max_threads(),
        "hyperseg_cpu_s": hs, "faiss_s": fa, "faiss_over_hyperseg": fa / hs,
        "hyperseg_inertia": hs_inertia, "faiss_inertia": faiss_inertia,
        "hyperseg_runs_s": hs_times, "faiss_runs_s": faiss_times,
    }, indent=2))


if __name__ == "__main__":
    main()
