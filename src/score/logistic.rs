//! L2-regularised logistic regression by Newton's method, and the measures a fit reports
//! (AUC, calibration). Written here rather than taken from a crate: the problem is small
//! (tens of features), Newton converges in a handful of steps, and the solver is checked
//! against scikit-learn's coefficients (`benches/logistic_vs_sklearn.py`, test below).
//!
//! Minimises `mean(log-loss) + lambda/2 * |w|^2` (the intercept is not penalised), which is
//! scikit-learn's `LogisticRegression(C = 1 / (lambda * n))`.

use rayon::prelude::*;

/// A fitted model: `p = sigmoid(intercept + w . x)`.
#[derive(Clone, Debug, PartialEq)]
pub struct Model {
    pub intercept: f64,
    pub weights: Vec<f64>,
}

impl Model {
    pub fn predict(&self, x: &[f64]) -> f64 {
        sigmoid(self.intercept + self.weights.iter().zip(x).map(|(w, v)| w * v).sum::<f64>())
    }
}

pub fn sigmoid(z: f64) -> f64 {
    if z >= 0.0 { 1.0 / (1.0 + (-z).exp()) } else { z.exp() / (1.0 + z.exp()) }
}

/// Rows of `d` features, stored row after row.
pub struct Data<'a> {
    pub x: &'a [f64],
    pub y: &'a [bool],
    pub d: usize,
}

impl Data<'_> {
    fn row(&self, i: usize) -> &[f64] {
        &self.x[i * self.d..(i + 1) * self.d]
    }
}

/// Objective, gradient and Hessian (parameters: intercept first, then weights).
fn derivatives(data: &Data, rows: &[u32], theta: &[f64], lambda: f64) -> (f64, Vec<f64>, Vec<f64>) {
    let k = data.d + 1;
    let n = rows.len().max(1) as f64;
    let (loss, mut g, mut h) = rows
        .par_chunks(4096)
        .map(|chunk| {
            let (mut loss, mut g, mut h) = (0.0, vec![0.0; k], vec![0.0; k * k]);
            let mut xe = vec![0.0; k];
            for &i in chunk {
                xe[0] = 1.0;
                xe[1..].copy_from_slice(data.row(i as usize));
                let z: f64 = xe.iter().zip(theta).map(|(a, b)| a * b).sum();
                let p = sigmoid(z);
                let y = f64::from(u8::from(data.y[i as usize]));
                // log(1 + e^z) - y z, computed stably.
                loss += z.max(0.0) + (-z.abs()).exp().ln_1p() - y * z;
                let (r, w) = (p - y, p * (1.0 - p));
                for a in 0..k {
                    g[a] += r * xe[a];
                    let wa = w * xe[a];
                    for b in a..k {
                        h[a * k + b] += wa * xe[b];
                    }
                }
            }
            (loss, g, h)
        })
        .reduce(
            || (0.0, vec![0.0; k], vec![0.0; k * k]),
            |(l1, mut g1, mut h1), (l2, g2, h2)| {
                g1.iter_mut().zip(g2).for_each(|(a, b)| *a += b);
                h1.iter_mut().zip(h2).for_each(|(a, b)| *a += b);
                (l1 + l2, g1, h1)
            },
        );
    let mut obj = loss / n;
    for a in 0..k {
        g[a] /= n;
        for b in a..k {
            h[a * k + b] /= n;
            h[b * k + a] = h[a * k + b];
        }
    }
    for a in 1..k {
        obj += 0.5 * lambda * theta[a] * theta[a];
        g[a] += lambda * theta[a];
        h[a * k + a] += lambda;
    }
    (obj, g, h)
}

/// Solves `h x = g` for a symmetric positive definite `h` (Cholesky); a tiny ridge is
/// added when it is not.
fn solve(h: &[f64], g: &[f64]) -> Vec<f64> {
    let k = g.len();
    let mut ridge = 0.0;
    loop {
        let mut l = vec![0.0; k * k];
        let mut ok = true;
        'outer: for i in 0..k {
            for j in 0..=i {
                let mut s = h[i * k + j] + if i == j { ridge } else { 0.0 };
                for m in 0..j {
                    s -= l[i * k + m] * l[j * k + m];
                }
                if i == j {
                    if s <= 1e-300 {
                        ok = false;
                        break 'outer;
                    }
                    l[i * k + i] = s.sqrt();
                } else {
                    l[i * k + j] = s / l[j * k + j];
                }
            }
        }
        if ok {
            let mut y = vec![0.0; k];
            for i in 0..k {
                y[i] = (g[i] - (0..i).map(|m| l[i * k + m] * y[m]).sum::<f64>()) / l[i * k + i];
            }
            let mut x = vec![0.0; k];
            for i in (0..k).rev() {
                x[i] = (y[i] - (i + 1..k).map(|m| l[m * k + i] * x[m]).sum::<f64>()) / l[i * k + i];
            }
            return x;
        }
        ridge = if ridge == 0.0 { 1e-10 } else { ridge * 100.0 };
    }
}

/// Fits on `rows` of `data` with penalty `lambda`.
pub fn fit(data: &Data, rows: &[u32], lambda: f64) -> Model {
    let k = data.d + 1;
    let mut theta = vec![0.0; k];
    let positives = rows.iter().filter(|&&i| data.y[i as usize]).count() as f64;
    let rate = (positives / rows.len().max(1) as f64).clamp(1e-6, 1.0 - 1e-6);
    theta[0] = (rate / (1.0 - rate)).ln();
    for _ in 0..100 {
        let (obj, g, h) = derivatives(data, rows, &theta, lambda);
        let step = solve(&h, &g);
        // Backtrack until the objective does not rise.
        let mut t = 1.0;
        let mut next: Vec<f64>;
        loop {
            next = theta.iter().zip(&step).map(|(a, s)| a - t * s).collect();
            let (o, _, _) = derivatives(data, rows, &next, lambda);
            if o <= obj + 1e-12 || t < 1e-6 {
                break;
            }
            t *= 0.5;
        }
        let change = theta.iter().zip(&next).map(|(a, b)| (a - b).abs()).fold(0.0, f64::max);
        theta = next;
        if change < 1e-9 {
            break;
        }
    }
    Model { intercept: theta[0], weights: theta[1..].to_vec() }
}

/// The area under the ROC curve of `scores` for labels `y` (ties count half).
pub fn auc(scores: &[f64], y: &[bool]) -> f64 {
    let mut order: Vec<usize> = (0..scores.len()).collect();
    order.sort_by(|&a, &b| scores[a].total_cmp(&scores[b]));
    let (mut rank_sum, mut i) = (0.0, 0);
    while i < order.len() {
        let j = i + order[i..].iter().take_while(|&&k| scores[k] == scores[order[i]]).count();
        let rank = (i + j + 1) as f64 / 2.0;
        rank_sum += rank * order[i..j].iter().filter(|&&k| y[k]).count() as f64;
        i = j;
    }
    let pos = y.iter().filter(|&&v| v).count() as f64;
    let neg = y.len() as f64 - pos;
    if pos == 0.0 || neg == 0.0 {
        return 0.5;
    }
    (rank_sum - pos * (pos + 1.0) / 2.0) / (pos * neg)
}

/// One calibration bin: rows, mean predicted probability, observed rate.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Bin {
    pub rows: usize,
    pub predicted: f64,
    pub observed: f64,
}

/// Rows in ten equal bins by predicted probability.
pub fn deciles(p: &[f64], y: &[bool]) -> Vec<Bin> {
    let mut order: Vec<usize> = (0..p.len()).collect();
    order.sort_by(|&a, &b| p[a].total_cmp(&p[b]));
    (0..10)
        .map(|d| {
            let part = &order[d * order.len() / 10..(d + 1) * order.len() / 10];
            let n = part.len().max(1) as f64;
            Bin {
                rows: part.len(),
                predicted: part.iter().map(|&i| p[i]).sum::<f64>() / n,
                observed: part.iter().filter(|&&i| y[i]).count() as f64 / n,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auc_counts_ties_half() {
        assert_eq!(auc(&[0.1, 0.2, 0.3, 0.4], &[false, false, true, true]), 1.0);
        assert_eq!(auc(&[0.5, 0.5], &[false, true]), 0.5);
        assert!((auc(&[0.1, 0.4, 0.35, 0.8], &[false, false, true, true]) - 0.75).abs() < 1e-12);
    }

    /// The coefficients scikit-learn finds on the same data (written by
    /// `benches/logistic_vs_sklearn.py`).
    #[test]
    fn matches_scikit_learn() {
        let text = include_str!("../../tests/fixtures/score/logistic_sklearn.json");
        let v: serde_json::Value = serde_json::from_str(text).unwrap();
        let f = |v: &serde_json::Value| v.as_f64().unwrap();
        let rows: Vec<Vec<f64>> = v["x"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r.as_array().unwrap().iter().map(f).collect())
            .collect();
        let d = rows[0].len();
        let x: Vec<f64> = rows.concat();
        let y: Vec<bool> = v["y"].as_array().unwrap().iter().map(|b| f(b) > 0.5).collect();
        let all: Vec<u32> = (0..y.len() as u32).collect();
        for case in v["fits"].as_array().unwrap() {
            let m = fit(&Data { x: &x, y: &y, d }, &all, f(&case["lambda"]));
            assert!((m.intercept - f(&case["intercept"])).abs() < 1e-4, "{m:?} vs {case}");
            for (a, b) in m.weights.iter().zip(case["coef"].as_array().unwrap()) {
                assert!((a - f(b)).abs() < 1e-4, "{m:?} vs {case}");
            }
        }
    }
}
