"""Writes tests/fixtures/score/logistic_sklearn.json: a seeded data set and the coefficients
scikit-learn's L2 logistic regression finds on it for several penalties. The Rust solver
(src/score/logistic.rs, test `matches_scikit_learn`) must find the same ones.

hyperseg minimises mean(log-loss) + lambda/2 |w|^2, which is
LogisticRegression(C = 1 / (lambda * n)).

Run: python3 benches/logistic_vs_sklearn.py
"""
import json
import pathlib

import numpy as np
from sklearn.linear_model import LogisticRegression

rng = np.random.default_rng(7)
n, d = 600, 6
x = rng.normal(size=(n, d))
x[:, 3] = rng.poisson(2.0, size=n)  # a count feature, like action counts
x = np.round(x, 6)
true_w = np.array([1.5, -1.0, 0.5, 0.3, 0.0, -0.2])
p = 1 / (1 + np.exp(-(-0.5 + x @ true_w)))
y = rng.random(n) < p

fits = []
for lam in [1e-4, 1e-2, 1e-1]:
    m = LogisticRegression(C=1.0 / (lam * n), tol=1e-12, max_iter=100000, solver="lbfgs")
    m.fit(x, y)
    fits.append({"lambda": lam, "intercept": float(m.intercept_[0]), "coef": [float(c) for c in m.coef_[0]]})

out = pathlib.Path(__file__).resolve().parent.parent / "tests/fixtures/score/logistic_sklearn.json"
out.write_text(json.dumps({"x": [[round(float(v), 6) for v in r] for r in x], "y": [int(v) for v in y], "fits": fits}))
print(f"wrote {out}: {n} rows, {d} features, lambdas {[f['lambda'] for f in fits]}")
for f in fits:
    print(f["lambda"], f["intercept"], f["coef"])
