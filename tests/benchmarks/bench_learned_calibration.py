"""Calibration of the learned suggester's scores on a generated defect set; prints JSON.

The set is ``bench_learned.py``'s (``tests/core/defectgen.py``: brick/grass/gravel tiles x
{ok, scratch, crack, stain, pitting}; train tiles from the left half of each texture, test
tiles from the right half). For n = 5, 10, 20 reviewed images per class (``--curve``) the
suggester's model is fitted on n train tiles of each class as ``LearnedSuggester.train``
fits it (the linear model alone below ``CNN_MIN_PER_LABEL`` per label, the CNN combined
with it from there), the held-out test tiles are scored, and the cards are picked as
``LearnedSuggester.predict`` picks them (the top label, plus any other scoring >= 0.5).
Reported, for the scores stored on cards, for the top-1 card alone and for every label's
score (what a threshold would see): a reliability table (bins of 0.1: count, mean score,
fraction right = the tile has that label), the expected calibration error (ECE: the
count-weighted mean of |mean score - fraction right| over the bins) and the Brier score
(mean of (score - right)^2); and top-1 accuracy. Each n is repeated over ``--repeats``
draws of the train tiles; the figures pool the draws.

The baseline is measured in the same run, on the same fits: ``before_fix`` scores the
same draws as the code before the calibration fix did (plain Platt scaling of the linear
model's raw scores, fitted on 5-fold out-of-fold scores with Platt's smoothed targets,
then, from ``CNN_MIN_PER_LABEL`` on, averaged with the same network's probabilities), so
the networks, the slowest part, are fitted once. ``--baseline DIR`` also runs the whole
benchmark on another checkout's code (e.g. a worktree of the commit before the fix) in a
subprocess, same tiles and draws, and prints it beside. ``--dump`` saves the raw scores.

    python tests/benchmarks/bench_learned_calibration.py [--curve 5,10,20] [--repeats 2]
        [--test-per-class 40] [--baseline /tmp/wt-base]
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve()
N_BINS = 10


def reliability(scores, right) -> dict:
    s = np.asarray(scores, np.float64)
    r = np.asarray(right, np.float64)
    rows, ece = [], 0.0
    for b in range(N_BINS):
        m = np.minimum((s * N_BINS).astype(int), N_BINS - 1) == b
        if not m.any():
            continue
        mean, frac = float(s[m].mean()), float(r[m].mean())
        ece += m.sum() / max(1, len(s)) * abs(mean - frac)
        rows.append({"bin": f"{b / N_BINS:.1f}-{(b + 1) / N_BINS:.1f}", "count": int(m.sum()),
                     "mean_score": round(mean, 3), "right_fraction": round(frac, 3)})
    return {"count": int(len(s)), "ece": round(float(ece), 4),
            "brier": round(float(np.mean((s - r) ** 2)) if len(s) else 0.0, 4),
            "mean_score": round(float(s.mean()), 4) if len(s) else None,
            "right_fraction": round(float(r.mean()), 4) if len(s) else None, "bins": rows}


def cards(P: np.ndarray) -> list[tuple[int, int, int]]:
    """(row, label index, rank) of the label cards ``LearnedSuggester.predict`` stores."""
    out = []
    for i in range(len(P)):
        for rank, j in enumerate(np.argsort(-P[i])):
            if P[i, j] < 0.5 and (rank > 0 or P.shape[1] == 1):
                break
            out.append((i, int(j), rank))
    return out


def scored(P: np.ndarray, T: np.ndarray) -> dict:
    """Reliability of the cards, of the top-1 card alone and of every label's score."""
    picked = cards(P)
    return {"cards": reliability([P[i, j] for i, j, _ in picked], [T[i, j] for i, j, _ in picked]),
            "top1_card": reliability([P[i, j] for i, j, k in picked if k == 0],
                                     [T[i, j] for i, j, k in picked if k == 0]),
            "all_label_scores": reliability(P.ravel(), T.ravel())}


def before_fix(L, X, Y, Xte) -> np.ndarray:
    """The linear model's test probabilities as the code before the calibration fix gave
    them: the same logistic regressions, plain Platt scaling fitted on 5-fold out-of-fold
    raw scores with Platt's smoothed targets (``_fit_platt``, unchanged)."""
    m = L.LabelModel(l2=L.DEFAULT_L2)
    if not hasattr(m, "rival"):  # the code before the fix itself (--code of such a checkout)
        return m.fit(X, Y, [str(j) for j in range(Y.shape[1])]).predict_proba(Xte)
    from llmvis_desktop.core.suggest.linear import _fit_platt, _sigmoid

    m.folds = 5
    m.fit(X, Y, [str(j) for j in range(Y.shape[1])])
    a, b = _fit_platt(m.oof.ravel(), Y.ravel()) if m.oof is not None else (1.0, 0.0)
    return _sigmoid(a * m.decision(Xte) + b)


def run(args) -> dict:
    sys.path.insert(0, str(HERE.parents[1] / "core"))
    sys.path.insert(0, str(Path(args.code).resolve()))
    from defectgen import KINDS, tiles

    from llmvis_desktop.core.suggest import learned as L
    from llmvis_desktop.core.suggest import learned_cnn as LC
    from llmvis_desktop.core.suggest.cnn import CNNConfig, CNNModel
    from llmvis_desktop.core.suggest.features import HandcraftedFeatures

    curve = [int(x) for x in args.curve.split(",")]
    pool = max(curve) * 2
    train = list(tiles(pool, size=96, half="left", seed=args.seed))
    test = list(tiles(args.test_per_class, size=96, half="right", seed=args.seed + 1000))
    ytr = np.array([KINDS.index(k) for _, k, _ in train])
    yte = np.array([KINDS.index(k) for _, k, _ in test])
    ext = HandcraftedFeatures()
    Ftr, Fte = ext.extract([a for a, _, _ in train]), ext.extract([a for a, _, _ in test])
    inputs = LC.CNNInputs(CNNConfig())
    Ctr = inputs.unflatten(inputs.extract([a for a, _, _ in train]))
    Cte = inputs.unflatten(inputs.extract([a for a, _, _ in test]))
    truth = np.eye(len(KINDS))[yte]
    rng = np.random.default_rng(args.seed)
    rows, dump = [], {}
    for n in curve:
        use_cnn = n >= L.CNN_MIN_PER_LABEL
        got = {"after": ([], [], []), "before_fix": ([], [], [])}
        fit_s = []
        for r in range(args.repeats):
            idx = np.concatenate([
                (np.where(ytr == c)[0][:n] if r == 0 else rng.choice(np.where(ytr == c)[0], n, replace=False))
                for c in range(len(KINDS))])
            Y = np.eye(len(KINDS))[ytr[idx]]
            t0 = time.perf_counter()
            lin = L.LabelModel(l2=L.DEFAULT_L2).fit(Ftr[idx], Y, list(KINDS))
            if use_cnn:  # as LearnedSuggester.train fits it (the network's default configuration)
                net = CNNModel(inputs.cfg).fit(Ctr[idx], Y, list(KINDS))
                P = LC.CombinedModel(net, lin).predict_proba(Cte, Fte)
            else:
                P = lin.predict_proba(Fte)
            fit_s.append(time.perf_counter() - t0)
            Pb = before_fix(L, Ftr[idx], Y, Fte)
            if use_cnn:
                Pb = 0.5 * (net.predict_proba(Cte) + Pb)
            for key, Q in (("after", P), ("before_fix", Pb)):
                got[key][0].append(float((Q.argmax(1) == yte).mean()))
                got[key][1].append(Q)
                got[key][2].append(truth)
            if args.dump:
                dump[f"p_{n}_{r}"], dump[f"pb_{n}_{r}"] = P, Pb
                if use_cnn:
                    dump[f"cnn_{n}_{r}"] = net.decision(Cte)
                dump[f"lin_{n}_{r}"], dump[f"y_{n}_{r}"] = lin.decision(Fte), yte
        row = {"per_class": n, "model": "cnn+linear" if use_cnn else "linear",
               "fit_seconds": round(float(np.mean(fit_s)), 1)}
        for key, (accs, Ps, Ts) in got.items():
            row[key] = {"top1_accuracy": round(float(np.mean(accs)), 4),
                        "top1_accuracy_by_draw": [round(a, 4) for a in accs],
                        **scored(np.concatenate(Ps), np.concatenate(Ts))}
        rows.append(row)
    if args.dump:
        np.savez_compressed(args.dump, **dump)
    return {"code": str(Path(args.code).resolve()), "curve": rows}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--curve", default="5,10,20")
    ap.add_argument("--repeats", type=int, default=2)
    ap.add_argument("--test-per-class", type=int, default=40)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--code", default=str(HERE.parents[2]), help="the checkout whose llmvis_desktop is measured")
    ap.add_argument("--dump", default=None, help="save every draw's probabilities and raw scores to this .npz")
    ap.add_argument("--baseline", default=None, help="also measure this checkout's code (same tiles and draws)")
    args = ap.parse_args(argv)
    out = {"benchmark": "learned suggester calibration vs reviewed images per class",
           "test": f"right half, {args.test_per_class} per class", "repeats": args.repeats, "seed": args.seed}
    if args.baseline:
        cmd = [sys.executable, str(HERE), "--curve", args.curve, "--repeats", str(args.repeats),
               "--test-per-class", str(args.test_per_class), "--seed", str(args.seed), "--code", args.baseline]
        env = {**os.environ, "PYTHONPATH": str(Path(args.baseline).resolve())}
        base = subprocess.run(cmd, env=env, check=True, capture_output=True, text=True)
        out["baseline"] = json.loads(base.stdout)["measured"]
    out["measured"] = run(args)
    print(json.dumps(out, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
