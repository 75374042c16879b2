"""Learning curve of the learned suggester on a generated defect set; prints JSON.

Set: scikit-image brick/grass/gravel textures x {ok, scratch, crack, stain, pitting}
(``tests/core/defectgen.py``, defects painted by ``core.demo.paint_defect``). Train
tiles come from the left half of each texture, test tiles from the right half, so no
test tile overlaps a train tile. For n = 5, 10, 20, 50 reviewed images per class the
suggester's model (HandcraftedFeatures + LabelModel, the same code as
``LearnedSuggester``) is fitted on the first n train tiles of each class and scored by
top-1 accuracy on all test tiles; a nearest-centroid classifier on raw pixels
(downsampled to 32x32, per-image standardised) is the baseline, measured in the
same run on the same tiles. Each n is repeated over ``--repeats`` different draws
of the train tiles (mean and min reported).

``--model cnn`` evaluates :class:`~llmvis_desktop.core.suggest.cnn.CNNModel`, a small
convolutional network trained from scratch on each draw's train tiles (the same
fit/predict code the learned suggester uses), on the same draws; ``--cnn-config`` takes
a JSON object of :class:`~llmvis_desktop.core.suggest.cnn.CNNConfig` overrides. It also
reports, on the same draws, the handcrafted + LabelModel model and the two combined
(:class:`~llmvis_desktop.core.suggest.learned_cnn.CombinedModel`, the mean of their
probabilities: what ``LearnedSuggester`` uses once every label has 10 reviewed images),
and, for comparison, their geometric mean (``combined_geometric_mean_top1``; tried: on
validation tiles +0.4 points at 20 per class, on the test tiles -0.3, so not adopted).

``--validate`` is how settings are chosen: it never reads the right half. It trains on
tiles from the left half's top rows and scores on tiles from its bottom rows (``bottom``:
the other way round), another seed; ``--dump`` saves every draw's probabilities of both
models so combination rules can be compared without refitting. At 20 per class
(4 draws, 80 validation tiles per class, both folds) these were tried and not adopted
(the two that gained on both folds were run once on the test tiles, 3 draws of 300
tiles where one tile is 0.33 points, and did not carry over): geometric mean (validation +0.75 / +0.13 points, test -0.33); 1.5x training
steps (validation +0.6 / +0.75, test -0.44, fit 1.5x); two members of 0.75x length
each (top fold only: +0.56, fit 1.5x); smooth illumination augmentation (+1.0 / -0.12,
CNN alone -0.5 / -0.3).

``--pool N`` (with ``--model cnn``) tries self-training on unreviewed images
(``core/suggest/self_train.py``; in the product ``LearnedSuggester(self_train=...)``,
``core/suggest/learned_pool.py``): an unlabelled pool of about N tiles per class,
unbalanced as a real folder is (``POOL_SHARE``: 1.6x "ok", 0.8x scratch/crack/stain,
1x pitting; 750 tiles at N = 150), drawn with another seed from the rows the train
tiles come from (the left half; with ``--validate`` the fit rows only), never from the
scored tiles. Each draw's fitted model (CNN + linear, combined) scores the pool; the
tiles it is sure of (every label's probability at least ``margin`` from 0.5) get its
labels, at most ``per_label`` times each class's reviews, surest first; then the network
(``refit_cnn``), the linear model (``refit_linear``) or both are fitted again on the
reviews plus those, and scored beside the default on the same draw (``--self-train``:
JSON overrides of ``SelfTrainConfig``, or a list of them). Validation at 20 per class,
pool 150, 2 draws per fold (the default: 87.33 top / 90.33 bottom; one tile is 0.33):
margin 0.4, per_label 2 (195 tiles pseudo-labelled, 99.9 % right: the surest tiles teach
nothing new): both refitted -0.33 / -1.17, network only +0.33 / -1.5, linear only
-0.67 / -0.33; margin 0.25, every sure tile (560, 97 % right): both -0.17 / -0.67,
network only +1.67 / +0.67, linear only -1.0 / -0.83; margin 0.1, every sure tile (630,
96 % right): both +0.67 / +0.33, network only +1.33 / +0.83, linear only 0 / -0.17. Chosen as ``SelfTrainConfig()``: margin 0.1, the
network fitted again, the linear model left on the reviews. The one test run (3 draws of
300 test tiles, pool 150; run as one process per n for time: ``--curve 10``, ``20``,
``50``; 5 per class not run, the product uses the linear model alone there), default ->
self-trained, mean (worst draw): 10 per class 89.56 (88.67) -> 90.44 (88.67); 20: 90.22
(85.33) -> 90.67 (85.67); 50: 93.44 (93.33) -> 93.78 (93.00). A small gain that carries
over (1-3 tiles), not a large one: NOT made the product's default (the worst draw at 20 per
class stays 85.67 %, and a retrain takes about twice as long plus the pool's reading); it
stays an option, ``LearnedSuggester(self_train=SelfTrainConfig())``. The second fit took 164 s beside the first's 154 s at
20 per class (1500 steps against 1200; this loaded 2-core machine), plus reading and
scoring the pool: in ``LearnedSuggester.train`` 47-60 s more for 750 unreviewed 96 px images
there (the fits cut to 30 steps to time that part alone).

Stains on grass and gravel (almost all errors at 20 per class are ok <-> stain there; the
stain is a blurred ellipse darkening the texture to about 0.7x at its centre). Tried, on the
validation folds only (linear = the handcrafted + LabelModel model alone, 2 draws per fold,
same draws; its default 81.83 top / 79.00 bottom), each group appended to the vector:
local share of pixels above the image's 50/70/85th percentile, Gaussian windows 5-11 px
(the stain pushes stones under the bar): 82.00 / 79.17, +24-39 ms per image; local L2/L4
norms of the intensity in the log (a soft upper envelope): 81.67 / 79.17, +20-31 ms; the
upper envelope of the log image pre-smoothed by 1 px at radii 5/7/10: 81.67 / 79.50,
+13-16 ms (times on the loaded shared machine). None moves the linear model by a tile on both folds, and each adds time to extraction
for nothing: not adopted. Single-feature AUCs (ok vs stain, 40 + 40 grass and 40 + 40
gravel tiles of the top fold) of further ideas were all under the existing best dimensions
(0.82-0.87: the envelope minimum at radius 5-7 and the log-domain coarse darkness): a
matched filter of a Gaussian bump on the log image whitened by its own radial power
spectrum 0.50-0.66; the blurred log, upper and lower envelopes all low at one place
0.50-0.68; the log-domain local spread (and linear coefficient of variation) where the
blurred log is darkest (a stain keeps the texture's log contrast) 0.52-0.66.
CNN: an upper-envelope input channel (``envelope=4``: the standardised log
image's maximum over radius 4, blurred by 2 px, standardised; the network's 3x3 convolutions
would need many images to learn "all bright pixels here are lower"): combined 87.00 top / 89.00 bottom (worst draw 85.00 / 88.67) against the default's
87.33 / 90.33 on the same draws and seeds (the figure above; the linear model's 81.83 / 79.00
reproduced in the same runs): -0.33 / -1.33; CNN alone 86.67 / 87.17; still ok <-> stain
(first draw, ok row [55,0,0,5,0] / [42,7,0,11,0], stain row [15,0,0,45,0] / [10,0,0,50,0]);
grass 83.5 / 82.5, gravel 81.0 / 84.5. Not adopted; its code was not kept either.
The test tiles were not run: nothing here gained on both folds.

Weight averaging and a weighted combination (20 per class, 2 draws per fold, the same draws
and seeds; the default here: combined 87.33 top / 90.50 bottom, CNN alone 86.50 / 91.17, the
linear model's 81.83 / 79.00 reproduced; the bottom fold's 90.50 is one tile above the
90.33 quoted above). A probe (a ``--probe-averages`` option, its code not kept: the product would
have carried code only the benchmark used) scored averages of the same fits' weights and
BatchNorm buffers beside the last weights (the same trajectory, so the same draws exactly):
an exponential moving average of decay 0.99 / 0.995 / 0.998 (warmed up as
min(decay, (1 + t) / (10 + t))): combined 87.33 / 90.50 for all three (+0, +0), CNN alone
87.00 / 91.00, 86.83 / 91.17, 86.83 / 91.17: the OneCycle schedule already anneals the
learning rate to almost 0, so the last weights are an average already. The plain mean of
the last 25 % of steps (SWA on the same schedule): combined 87.33 / 90.67 (0 / +0.17), CNN
87.00 / 91.50; of the last 50 %: 86.83 / 90.50 (-0.5 / 0), CNN 86.33 / 91.50. SWA proper
(the OneCycle schedule over the first steps, then a constant learning rate while the weights
are averaged, BatchNorm statistics recomputed on 24 augmented train batches; a config
experiment, its code not kept): last 25 % at 0.3x lr 88.00 / 90.00 (+0.67 / -0.5; CNN 86.67 /
91.83); last 25 % at 0.1x 87.67 / 89.83 (+0.33 / -0.67; CNN 86.00 / 91.67); last 40 % at 0.3x
87.00 / 90.00 (-0.33 / -0.5). None gains on both folds: not adopted (no ``CNNConfig`` field). A weighted combination w x CNN + (1 - w) x
linear, from the default runs' ``--dump`` (no refit): w = 0.4 86.50 / 85.17, 0.6 88.67 / 91.17
(+1.33 / +0.67), 0.7 88.50 / 92.33 (+1.17 / +1.83), 0.8 88.00 / 91.83 (+0.67 / +1.33), 1.0 (CNN
alone) 86.50 / 91.17. w = 0.7 (the largest mean gain) was chosen there and run once on the
test tiles (``--curve 20 --repeats 3 --dump``, default config, then 0.7 from the dump): the
mean 90.89 % (worst draw 87.00; draws 93.00 / 87.00 / 92.67) -> 90.33 % (87.33; 91.67 / 87.33 /
92.00): -0.56, it does not carry over; not adopted, ``CombinedModel`` keeps the mean. (Fits took
36-308 s each on this shared 2-core machine, as its load varied.)

``--model patchbank`` evaluates the opt-in ``PatchBankModel`` (tests/core/bankmodel.py, an experiment kept out of the product)
instead (the same features plus reference-based patch anomaly features, the bank built
from each draw's "ok" train tiles), on the same draws.

    python tests/benchmarks/bench_learned.py [--test-per-class 60] [--size 96] [--repeats 3] [--model labelmodel|patchbank|cnn]
        [--validate [top|bottom]] [--dump probs.npz] [--pool 150 --self-train '{"margin": 0.1, "refit": "cnn"}']
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
from PIL import Image

HERE = Path(__file__).resolve()
sys.path.insert(0, str(HERE.parents[1] / "core"))
sys.path.insert(0, str(HERE.parents[2]))

from defectgen import KINDS, TEXTURES, tiles  # noqa: E402

from bankmodel import PatchBankModel  # noqa: E402
from llmvis_desktop.core.suggest.cnn import CNNConfig, CNNModel  # noqa: E402
from llmvis_desktop.core.suggest.features import HandcraftedFeatures  # noqa: E402
from llmvis_desktop.core.suggest.learned import DEFAULT_L2, LabelModel  # noqa: E402
from llmvis_desktop.core.suggest.learned_cnn import CombinedModel  # noqa: E402
from llmvis_desktop.core.suggest.self_train import SelfTrainConfig, pseudo_labels  # noqa: E402
from patchbank import patch_descriptors  # noqa: E402


#: the unlabelled pool's share of each kind (x --pool per class): more "ok" than any defect
POOL_SHARE = (1.6, 0.8, 0.8, 0.8, 1.0)


def raw_pixels(arrs: list[np.ndarray]) -> np.ndarray:
    out = []
    for a in arrs:
        v = np.asarray(Image.fromarray(a).convert("L").resize((32, 32), Image.BOX), np.float32).ravel()
        out.append((v - v.mean()) / (v.std() + 1e-6))
    return np.stack(out)


def nearest_centroid(Xtr, ytr, Xte) -> np.ndarray:
    C = np.stack([Xtr[ytr == c].mean(0) for c in range(len(KINDS))])
    d = ((Xte[:, None, :] - C[None]) ** 2).sum(2)
    return d.argmin(1)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--curve", default="5,10,20,50")
    ap.add_argument("--test-per-class", type=int, default=60)
    ap.add_argument("--size", type=int, default=96)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--l2", type=float, default=DEFAULT_L2)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--model", choices=("labelmodel", "patchbank", "cnn"), default="labelmodel")
    ap.add_argument("--cnn-config", default="{}", help="JSON overrides of CNNConfig (with --model cnn)")
    ap.add_argument("--validate", nargs="?", const="top", choices=("top", "bottom"), default=None,
                    help="choose settings here: train on the left half's top rows (y < 256; 'bottom': "
                         "y >= 256), score on tiles from its other rows (another seed); the right half is never read")
    ap.add_argument("--dump", default=None, help="save every draw's test probabilities (--model cnn) to this .npz")
    ap.add_argument("--pool", type=int, default=0,
                    help="(--model cnn) an unlabelled pool of about this many tiles per class, unbalanced "
                         "(POOL_SHARE), from the train rows only, for self-training (self_train.py)")
    ap.add_argument("--self-train", default="{}", help="JSON overrides of SelfTrainConfig (with --pool)")
    ap.add_argument("--margins", default="", help="extra margins tried with the linear model refitted only (cheap)")
    args = ap.parse_args(argv)
    cnn_cfg = json.loads(args.cnn_config)
    curve = [int(x) for x in args.curve.split(",")]
    pool = max(curve) * 2 if args.repeats > 1 else max(curve)

    t0 = time.perf_counter()
    if args.validate:
        fit_rows, val_rows = ((0, 256), (256, 512)) if args.validate == "top" else ((256, 512), (0, 256))
        train = list(tiles(pool, size=args.size, half="left", rows=fit_rows, seed=args.seed))
        test = list(tiles(args.test_per_class, size=args.size, half="left", rows=val_rows, seed=args.seed + 2000))
    else:
        train = list(tiles(pool, size=args.size, half="left", seed=args.seed))
        test = list(tiles(args.test_per_class, size=args.size, half="right", seed=args.seed + 1000))
    t_gen = time.perf_counter() - t0
    ytr = np.array([KINDS.index(k) for _, k, _ in train])
    yte = np.array([KINDS.index(k) for _, k, _ in test])
    tex_te = np.array([t for _, _, t in test])

    ext = HandcraftedFeatures()
    t0 = time.perf_counter()
    Ftr = ext.extract([a for a, _, _ in train])
    Fte = ext.extract([a for a, _, _ in test])
    ms_per_image = (time.perf_counter() - t0) / (len(train) + len(test)) * 1000
    desc_ms = None
    if args.model == "patchbank":
        t0 = time.perf_counter()
        Dtr = np.stack([patch_descriptors(a) for a, _, _ in train])
        Dte = np.stack([patch_descriptors(a) for a, _, _ in test])
        desc_ms = (time.perf_counter() - t0) / (len(train) + len(test)) * 1000
    cnn_ms = None
    if args.model == "cnn":
        prep = CNNModel(CNNConfig(**cnn_cfg))
        t0 = time.perf_counter()
        Ctr = prep.prepare([a for a, _, _ in train])
        Cte = prep.prepare([a for a, _, _ in test])
        cnn_ms = (time.perf_counter() - t0) / (len(train) + len(test)) * 1000
    Ptr, Pte = raw_pixels([a for a, _, _ in train]), raw_pixels([a for a, _, _ in test])
    st_json = json.loads(args.self_train)  # one configuration, or a list tried on the same draws
    st_cfgs = [SelfTrainConfig(**c) for c in (st_json if isinstance(st_json, list) else [st_json])]
    margins = [float(m) for m in args.margins.split(",") if m.strip()]
    if args.pool and args.model == "cnn":
        # the unreviewed images: from the rows the train tiles come from (never the scored
        # ones), another seed; more "ok" than any defect, as in a real project
        src = dict(half="left", rows=fit_rows) if args.validate else dict(half="left")
        gen = list(tiles(int(np.ceil(args.pool * max(POOL_SHARE))), size=args.size, seed=args.seed + 3000, **src))
        want = {k: int(round(args.pool * POOL_SHARE[i])) for i, k in enumerate(KINDS)}
        unl, seen = [], {k: 0 for k in KINDS}
        for a, k, t in gen:
            if seen[k] < want[k]:
                seen[k] += 1
                unl.append((a, k, t))
        yun = np.array([KINDS.index(k) for _, k, _ in unl])  # only to report the pseudo-labels' accuracy
        Fun = ext.extract([a for a, _, _ in unl])
        Cun = prep.prepare([a for a, _, _ in unl])

    rows, dump = [], {"y": yte, "texture": tex_te}
    rng = np.random.default_rng(args.seed)
    for n in curve:
        accs, base, per_tex, fit_s, pred_ms = [], [], {t: [] for t in TEXTURES}, [], []
        cm = np.zeros((len(KINDS), len(KINDS)), int)
        same_run_v5, mixed, mixed_tex, geo = [], [], {t: [] for t in TEXTURES}, []
        sts = [{k: [] for k in ("linear", "cnn", "both", "pseudo_n", "pseudo_acc", "fit2_s")} for _ in st_cfgs]
        st_m = {m: [] for m in margins}
        for r in range(args.repeats):
            idx = np.concatenate([
                (np.where(ytr == c)[0][:n] if r == 0 else rng.choice(np.where(ytr == c)[0], n, replace=False))
                for c in range(len(KINDS))
            ])
            Y = np.eye(len(KINDS))[ytr[idx]]
            t1 = time.perf_counter()
            if args.model == "patchbank":
                model = PatchBankModel(l2=args.l2).fit(Ftr[idx], Dtr[idx], Y, list(KINDS))
                fit_s.append(time.perf_counter() - t1)
                t1 = time.perf_counter()
                pred = model.predict_proba(Fte, Dte).argmax(1)
            elif args.model == "cnn":
                model = CNNModel(CNNConfig(**{**cnn_cfg, "seed": r})).fit(Ctr[idx], Y, list(KINDS))
                fit_s.append(time.perf_counter() - t1)
                t1 = time.perf_counter()
                p_cnn = model.predict_proba(Cte)
                pred = p_cnn.argmax(1)
                # the handcrafted + LabelModel model on the same draw, and both combined as
                # the learned suggester combines them (CombinedModel: the mean of the two)
                lm = LabelModel(l2=args.l2).fit(Ftr[idx], Y, list(KINDS))
                p_lin = lm.predict_proba(Fte)
                same_run_v5.append(float((p_lin.argmax(1) == yte).mean()))
                dump[f"cnn_{n}_{r}"], dump[f"lin_{n}_{r}"] = p_cnn, p_lin
                pm = CombinedModel(model, lm).predict_proba(Cte, Fte).argmax(1)
                mixed.append(float((pm == yte).mean()))
                geo.append(float((np.log(p_cnn * p_lin + 1e-300).argmax(1) == yte).mean()))
                for t in TEXTURES:
                    mixed_tex[t].append(float((pm[tex_te == t] == yte[tex_te == t]).mean()))
                if args.pool:
                    Pu = CombinedModel(model, lm).predict_proba(Cun, Fun)
                    for m in margins:  # the linear model refitted only, other margins
                        sel, Yp = pseudo_labels(Pu, Y, m, st_cfgs[0].per_label)
                        lm_m = LabelModel(l2=args.l2).fit(np.concatenate([Ftr[idx], Fun[sel]]),
                                                          np.concatenate([Y, Yp]), list(KINDS))
                        st_m[m].append(float((CombinedModel(model, lm_m).predict_proba(Cte, Fte).argmax(1)
                                              == yte).mean()))
                    for st_cfg, st in zip(st_cfgs, sts):
                        sel, Yp = pseudo_labels(Pu, Y, st_cfg.margin, st_cfg.per_label)
                        st["pseudo_n"].append(len(sel))
                        st["pseudo_acc"].append(float((Yp.argmax(1) == yun[sel]).mean()) if len(sel) else 1.0)
                        Y2 = np.concatenate([Y, Yp])
                        lm2 = LabelModel(l2=args.l2).fit(np.concatenate([Ftr[idx], Fun[sel]]), Y2, list(KINDS))
                        t2 = time.perf_counter()
                        cnn2 = CNNModel(CNNConfig(**{**cnn_cfg, "seed": r})).fit(
                            np.concatenate([Ctr[idx], Cun[sel]]), Y2, list(KINDS))
                        st["fit2_s"].append(time.perf_counter() - t2)
                        for name, pair in (("linear", (model, lm2)), ("cnn", (cnn2, lm)), ("both", (cnn2, lm2))):
                            st[name].append(float((CombinedModel(*pair).predict_proba(Cte, Fte).argmax(1)
                                                   == yte).mean()))
            else:
                model = LabelModel(l2=args.l2).fit(Ftr[idx], Y, list(KINDS))
                fit_s.append(time.perf_counter() - t1)
                t1 = time.perf_counter()
                pred = model.predict_proba(Fte).argmax(1)
            pred_ms.append((time.perf_counter() - t1) / len(Fte) * 1000)
            accs.append(float((pred == yte).mean()))
            for t in TEXTURES:
                per_tex[t].append(float((pred[tex_te == t] == yte[tex_te == t]).mean()))
            base.append(float((nearest_centroid(Ptr[idx], ytr[idx], Pte) == yte).mean()))
            if r == 0:
                for a, b in zip(yte, pred):
                    cm[a, b] += 1
        rows.append({
            "per_class": n,
            "top1_accuracy": round(float(np.mean(accs)), 4),
            "top1_accuracy_min": round(float(np.min(accs)), 4),
            "baseline_nearest_centroid_raw_pixels": round(float(np.mean(base)), 4),
            "by_texture": {t: round(float(np.mean(v)), 4) for t, v in per_tex.items()},
            **({"same_run_labelmodel_top1": round(float(np.mean(same_run_v5)), 4),
                "same_run_labelmodel_top1_min": round(float(np.min(same_run_v5)), 4),
                "combined_cnn_labelmodel_top1": round(float(np.mean(mixed)), 4),
                "combined_cnn_labelmodel_top1_min": round(float(np.min(mixed)), 4),
                "combined_geometric_mean_top1": round(float(np.mean(geo)), 4),
                "combined_geometric_mean_top1_min": round(float(np.min(geo)), 4),
                "combined_by_texture": {t: round(float(np.mean(v)), 4) for t, v in mixed_tex.items()},
                } if same_run_v5 else {}),
            **({"self_train": [{
                **{f"combined_refit_{k}_top1": round(float(np.mean(st[k])), 4) for k in ("linear", "cnn", "both")},
                **{f"combined_refit_{k}_top1_min": round(float(np.min(st[k])), 4) for k in ("linear", "cnn", "both")},
                "combined_refit_linear_by_margin": {str(m): round(float(np.mean(v)), 4) for m, v in st_m.items()},
                "combined_refit_both_draws": [round(v, 4) for v in st["both"]],
                "combined_draws": [round(v, 4) for v in mixed],
                "pseudo_labelled": float(np.mean(st["pseudo_n"])),
                "pseudo_label_accuracy": round(float(np.mean(st["pseudo_acc"])), 4),
                "second_fit_seconds": round(float(np.mean(st["fit2_s"])), 2),
            } for st in sts]} if sts and sts[0]["both"] else {}),
            "confusion_first_draw": {"rows_true_cols_pred": list(KINDS), "matrix": cm.tolist()},
            "fit_seconds": round(float(np.mean(fit_s)), 3),
            "predict_ms_per_image": round(float(np.mean(pred_ms)), 3),
        })
    if args.dump:
        np.savez_compressed(args.dump, **dump)
    print(json.dumps({
        "benchmark": "learned suggester top-1 accuracy vs reviewed images per class",
        "model": args.model, "features": ext.name, "dim": ext.dim, "l2": args.l2,
        "classes": list(KINDS), "textures": list(TEXTURES), "tile_px": args.size,
        "train": f"left half, rows {fit_rows} (--validate)" if args.validate else "left half of each texture",
        "test": (f"VALIDATION: left half, rows {val_rows}, {args.test_per_class} per class" if args.validate
                 else f"right half, {args.test_per_class} per class"),
        "repeats": args.repeats, "feature_ms_per_image": round(ms_per_image, 1),
        "patch_descriptor_ms_per_image": None if desc_ms is None else round(desc_ms, 1),
        "cnn_config": None if cnn_ms is None else {**vars(CNNConfig(**cnn_cfg)), "seed": "repeat index"},
        "cnn_input_ms_per_image": None if cnn_ms is None else round(cnn_ms, 2),
        "generate_seconds": round(t_gen, 1),
        "pool": None if not (args.pool and args.model == "cnn") else {
            "per_class": dict(zip(KINDS, np.bincount(yun, minlength=len(KINDS)).tolist())),
            "from": f"left half, rows {fit_rows}" if args.validate else "left half", "seed": args.seed + 3000,
            "self_train": [c.__dict__ for c in st_cfgs]},
        "curve": rows,
    }, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
