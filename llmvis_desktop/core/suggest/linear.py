"""The learned suggester's linear classifier: one-vs-rest L2 logistic regression on
standardised features (Newton's method) with one shared calibration fitted on
out-of-fold scores, so its scores are calibrated probabilities. NumPy only.

The calibration (:func:`fit_calibration`) is Platt scaling with the label's strongest
rival as a second input: p = sigmoid(a * s + c * r + b), s the label's raw score, r the
highest raw score of the other labels (c <= 0). Plain Platt scaling (c = 0) is
calibrated over all (image, label) scores, but a card is the image's *top* label (or
one scoring >= 0.5), and a top label scoring 0.35 beside rivals at 0.05 was right far
more often than 35 % (on the generated defect set, 0.3-0.4 cards were right 50-59 % of
the time). With its rival in the fit a score reads the other labels too, as a softmax
would, yet a label that co-occurs with others (c fitted > 0) falls back to plain Platt
scaling, so one image may still carry several labels. c <= 0 < a keeps each image's
ranking of its labels: the top label stays the top label."""
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


def rival_scores(S: np.ndarray) -> np.ndarray:
    """Each (image, label)'s strongest rival: the highest score of the image's other labels
    (zeros with one label)."""
    S = np.asarray(S, np.float64)
    if S.ndim != 2 or S.shape[1] < 2:
        return np.zeros_like(S)
    top2 = np.sort(S, 1)[:, -2:]
    is_top = S >= top2[:, 1:2]
    # the top label's rival is the second score; every other label's is the top score
    return np.where(is_top, top2[:, 0:1], top2[:, 1:2])


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


#: the calibration's ridge on its standardised slopes: the 0/1 targets as they are (Platt's
#: smoothed ones pulled every score towards the middle: cards ECE 0.087 against 0.07 at 10
#: per class, linear model alone); the ridge keeps separable scores from driving the slopes
#: to infinity (0.1 costs 0.003 ECE there against 1e-3)
RIDGE = 0.1


def _calib_loss(w: np.ndarray, X: np.ndarray, t: np.ndarray, reg: np.ndarray) -> float:
    z = X @ w
    return float(np.sum(np.logaddexp(0.0, z) - t * z) + 0.5 * float(reg @ (w * w)))


def fit_calibration(S: np.ndarray, Y: np.ndarray) -> tuple[float, float, float]:
    """(a, c, b) of p = sigmoid(a * s + c * rival + b), fitted on scores ``S`` (n, labels)
    against 0/1 targets ``Y`` (damped Newton on the inputs standardised, a small ridge
    on the slopes); c = 0 (plain Platt scaling, :func:`_fit_platt`) with one label, when
    the fit gives c > 0 (labels that come together) or a < 0.05 (a rival more telling
    than the label's own score: the ranking would not be kept)."""
    S, Y = np.asarray(S, np.float64), np.asarray(Y, np.float64)
    s, y = S.ravel(), Y.ravel()
    if S.ndim == 2 and S.shape[1] >= 2 and len(s) >= 4:
        r = rival_scores(S).ravel()
        t = y
        mu = np.array([s.mean(), r.mean()])
        sd = np.array([s.std() or 1.0, r.std() or 1.0])
        X = np.stack([(s - mu[0]) / sd[0], (r - mu[1]) / sd[1], np.ones_like(s)], 1)
        w = np.array([1.0, 0.0, 0.0])
        reg = np.array([RIDGE, RIDGE, 1e-6])  # the intercept is not shrunk
        loss = _calib_loss(w, X, t, reg)
        for _ in range(60):
            p = _sigmoid(X @ w)
            grad = X.T @ (p - t) + reg * w
            hess = (X * (p * (1 - p) + 1e-9)[:, None]).T @ X + np.diag(reg)
            step = np.linalg.solve(hess, grad)
            lr = 1.0
            while lr > 1e-4:
                cand = w - lr * step
                cand_loss = _calib_loss(cand, X, t, reg)
                if cand_loss <= loss:
                    break
                lr /= 2
            else:
                break
            w, loss = cand, cand_loss
            if np.abs(lr * step).max() < 1e-8:
                break
        a, c = float(w[0]) / sd[0], float(w[1]) / sd[1]
        if np.isfinite(w).all() and c <= 0 and a >= 0.05 / sd[0]:
            return a, c, float(w[2]) - a * mu[0] - c * mu[1]
    a, b = _fit_platt(s, y)
    return a, 0.0, b


def apply_calibration(S: np.ndarray, calib: tuple[float, float, float]) -> np.ndarray:
    a, c, b = calib
    S = np.asarray(S, np.float64)
    return _sigmoid(a * S + (c * rival_scores(S) if c else 0.0) + b)


@dataclass
class LabelModel:
    """One-vs-rest L2 logistic regression on standardised features, with a shared calibration
    (:func:`fit_calibration`) fitted on out-of-fold scores."""

    l2: float = DEFAULT_L2
    #: out-of-fold fits for the calibration (at most the rarest label's count): 10, not 5, so
    #: they see nearly as many reviews as the final fit (fewer made the scores understate)
    folds: int = 10
    labels: list[str] = field(default_factory=list)
    mean: Optional[np.ndarray] = None
    scale: Optional[np.ndarray] = None
    weights: Optional[np.ndarray] = None  # (dim + 1, n_labels)
    platt: tuple[float, float] = (1.0, 0.0)  # (a, b) of the calibration
    rival: float = 0.0  # its c: the weight of the label's strongest rival (<= 0)
    #: the fit's out-of-fold raw scores and each image's fold (None: too few images to fold)
    oof: Optional[np.ndarray] = field(default=None, repr=False)
    fold: Optional[np.ndarray] = field(default=None, repr=False)

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
        self.platt, self.rival, self.oof, self.fold = (1.0, 0.0), 0.0, None, None
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
            self.oof, self.fold = oof, fold
            a, self.rival, b = fit_calibration(oof, Y)
            self.platt = (a, b)
        check()
        self.mean, self.scale, self.weights = self._fit_raw(X, Y)
        return self

    def decision(self, X: np.ndarray) -> np.ndarray:
        return self._design(X) @ self.weights

    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        a, b = self.platt
        return apply_calibration(self.decision(X), (a, self.rival, b))


def _unit(model: LabelModel, X: np.ndarray) -> np.ndarray:
    Z = (np.asarray(X, np.float64) - model.mean) / model.scale
    return Z / (np.linalg.norm(Z, axis=1, keepdims=True) + 1e-9)
