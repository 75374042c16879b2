"""The learned suggester's linear classifier: one-vs-rest L2 logistic regression on
standardised features (Newton's method) with one shared Platt scaling fitted on
out-of-fold scores, so its scores are calibrated probabilities. NumPy only."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional, Sequence

import numpy as np

DEFAULT_L2 = 5.0


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * x))


def _fit_logistic(X: np.ndarray, y: np.ndarray, l2: float, max_iter: int = 30) -> np.ndarray:
    """Newton/IRLS for an L2-regularised logistic regression; last column of X is the bias."""
    n, d = X.shape
    reg = np.full(d, float(l2))
    reg[-1] = 1e-6  # the bias is not shrunk
    w = np.zeros(d)
    inv_reg = 1.0 / reg
    XR = X * inv_reg  # X R^-1, for the n x n form of the Newton step
    for _ in range(max_iter):
        p = _sigmoid(X @ w)
        grad = X.T @ (p - y) + reg * w
        v = p * (1 - p)
        if n < d:
            # fewer images than features: (X'VX + R)^-1 g by Woodbury, an n x n solve
            sv = np.sqrt(v)
            rg = inv_reg * grad
            inner = np.eye(n) + (sv[:, None] * (XR @ X.T)) * sv[None, :]
            step = rg - XR.T @ (sv * np.linalg.solve(inner, sv * (X @ rg)))
        else:
            hess = (X * v[:, None]).T @ X + np.diag(reg)
            step = np.linalg.solve(hess, grad)
        w -= step
        if np.abs(step).max() < 1e-7:
            break
    return w


def _platt_loss(w: np.ndarray, X: np.ndarray, t: np.ndarray) -> float:
    z = X @ w
    return float(np.sum(np.logaddexp(0.0, z) - t * z) + 0.5e-6 * (w @ w))


def _fit_platt(s: np.ndarray, y: np.ndarray, max_iter: int = 50) -> tuple[float, float]:
    """Fit p = sigmoid(a*s + b) with Platt's smoothed targets: Newton steps on the scores
    standardised, each halved until the loss goes down. Full steps from a = 1 overshot
    and oscillated on weakly informative scores, ending at a or b in the millions, where
    every score is 0 or 1."""
    s = np.asarray(s, np.float64)
    n_pos, n_neg = float(y.sum()), float(len(y) - y.sum())
    t = np.where(y > 0, (n_pos + 1) / (n_pos + 2), 1 / (n_neg + 2))
    mu, sd = float(s.mean()), float(s.std()) or 1.0
    X = np.stack([(s - mu) / sd, np.ones_like(s)], 1)
    w = np.array([1.0, 0.0])
    loss = _platt_loss(w, X, t)
    for _ in range(max_iter):
        p = _sigmoid(X @ w)
        grad = X.T @ (p - t) + 1e-6 * w
        hess = (X * (p * (1 - p) + 1e-9)[:, None]).T @ X + 1e-6 * np.eye(2)
        step = np.linalg.solve(hess, grad)
        lr = 1.0
        while lr > 1e-4:
            cand = w - lr * step
            cand_loss = _platt_loss(cand, X, t)
            if cand_loss <= loss:
                break
            lr /= 2
        else:
            break  # no step lowers the loss: at the optimum, to rounding
        w, loss = cand, cand_loss
        if np.abs(lr * step).max() < 1e-8:
            break
    if w[0] < 0.05:  # a > 0 keeps the ranking of the raw scores; b is fitted again for it
        w[0] = 0.05
        lo, hi = -50.0, 50.0  # sum(p - t) grows with b: bisect for its zero
        for _ in range(60):
            w[1] = (lo + hi) / 2
            if float(np.sum(_sigmoid(X @ w) - t)) > 0:
                hi = w[1]
            else:
                lo = w[1]
    a = float(w[0]) / sd
    return a, float(w[1]) - a * mu


@dataclass
class LabelModel:
    """One-vs-rest L2 logistic regression on standardised features, with shared Platt scaling."""

    l2: float = DEFAULT_L2
    folds: int = 5
    labels: list[str] = field(default_factory=list)
    mean: Optional[np.ndarray] = None
    scale: Optional[np.ndarray] = None
    weights: Optional[np.ndarray] = None  # (dim + 1, n_labels)
    platt: tuple[float, float] = (1.0, 0.0)

    def _design(self, X: np.ndarray) -> np.ndarray:
        Z = (np.asarray(X, np.float64) - self.mean) / self.scale
        return np.concatenate([Z, np.ones((len(Z), 1))], 1)

    def _fit_raw(self, X: np.ndarray, Y: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        mean = X.mean(0)
        scale = X.std(0)
        scale = np.where(scale > 1e-8, scale, 1.0)
        D = np.concatenate([(X - mean) / scale, np.ones((len(X), 1))], 1)
        W = np.stack([_fit_logistic(D, Y[:, j], self.l2) for j in range(Y.shape[1])], 1)
        return mean, scale, W

    def fit(self, X: np.ndarray, Y: np.ndarray, labels: Sequence[str],
            check=lambda: None, rng: Optional[np.random.Generator] = None) -> "LabelModel":
        """X (n, dim) features; Y (n, n_labels) 0/1 targets."""
        X = np.asarray(X, np.float64)
        Y = np.asarray(Y, np.float64)
        self.labels = list(labels)
        self.platt = (1.0, 0.0)
        # out-of-fold scores for the calibration, stratified by each image's first label
        k = int(min(self.folds, Y.sum(0).min())) if len(Y) else 0
        if k >= 2 and len(X) >= 10:
            rng = rng or np.random.default_rng(0)
            fold = np.empty(len(X), int)
            primary = Y.argmax(1)
            for c in np.unique(primary):
                idx = rng.permutation(np.where(primary == c)[0])
                fold[idx] = np.arange(len(idx)) % k
            oof = np.zeros_like(Y)
            for f in range(k):
                check()
                tr, te = fold != f, fold == f
                if Y[tr].sum(0).min() < 1:
                    continue
                mean, scale, W = self._fit_raw(X[tr], Y[tr])
                oof[te] = np.concatenate([(X[te] - mean) / scale, np.ones((te.sum(), 1))], 1) @ W
            self.platt = _fit_platt(oof.ravel(), Y.ravel())
        check()
        self.mean, self.scale, self.weights = self._fit_raw(X, Y)
        return self

    def decision(self, X: np.ndarray) -> np.ndarray:
        return self._design(X) @ self.weights

    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        a, b = self.platt
        return _sigmoid(a * self.decision(X) + b)


def _unit(model: LabelModel, X: np.ndarray) -> np.ndarray:
    Z = (np.asarray(X, np.float64) - model.mean) / model.scale
    return Z / (np.linalg.norm(Z, axis=1, keepdims=True) + 1e-9)
