"""The learned suggester on a small generated defect set: readiness, learning, provenance, retrieval."""
from __future__ import annotations

import os
import shutil

import numpy as np
import pytest

import feature_memo
from defectgen import KINDS, write_folder
from llmvis_desktop.core.project import Project
from llmvis_desktop.core.store.records import ImageFilter
from llmvis_desktop.core.suggest.cnn import CNNConfig
from llmvis_desktop.core.suggest.features import HandcraftedFeatures, handcrafted_vector
from llmvis_desktop.core.suggest.learned import LabelModel, LearnedSuggester, NotReady, run
from llmvis_desktop.core.tasks import CancelToken, Cancelled

TRAIN_PER_CLASS = 8
TEST_PER_CLASS = 4
#: the CNN of the one-label test: 64 px and 250 steps on one thread. With the product's
#: 96 px, 600 steps and 2 threads the fit alone took 170-300 s on a loaded 2-core machine
#: (2 torch threads contending with other processes ran 2-6x slower per step than one) and
#: hit the 300 s timeout; this one takes ~10 s and scores the test tiles as the product's
#: did (all 16 defects found, 2 of 4 clean tiles flagged, with seeds 0-2; 120 steps: 3)
ONE_LABEL_CNN = CNNConfig(size=64, min_steps=250, max_steps=250, seed=0, threads=1)


@pytest.fixture(autouse=True)
def _features_once(monkeypatch):
    """Each generated tile's features are computed once for the whole session (every test
    opens a fresh copy of the folder, so the project's own feature cache starts empty)."""
    feature_memo.memoise(monkeypatch)


@pytest.fixture(scope="module")
def _generated(tmp_path_factory):
    root = tmp_path_factory.mktemp("defects")
    train = write_folder(root / "train", TRAIN_PER_CLASS, size=80, half="left", seed=3)
    test = write_folder(root / "test", TEST_PER_CLASS, size=80, half="right", seed=4)
    return root, [("train/" + r, k) for r, k in train], [("test/" + r, k) for r, k in test]


@pytest.fixture
def defect_folder(_generated, tmp_path):
    """A fresh copy (no database yet) of the generated set for each test."""
    src, train, test = _generated
    root = tmp_path / "defects"
    shutil.copytree(src, root, ignore=shutil.ignore_patterns(".llmvis"))
    return root, train, test


def _review(project, items, n_per_class=None):
    """Mark the first n_per_class train images of each kind reviewed, with a caption."""
    seen = {k: 0 for k in KINDS}
    for rel, kind in items:
        if n_per_class is not None and seen[kind] >= n_per_class:
            continue
        seen[kind] += 1
        rec = project.image_by_path(rel)
        project.apply_state(rec.id, {"labels": [kind], "caption": f"a tile showing {kind}",
                                     "review_status": "reviewed"}, "tester", "review")


def _open(folder):
    p = Project.open(folder)
    p.index()
    for k in KINDS:
        p.add_label(k)
    return p


def test_features_are_finite_and_fixed_length():
    f = HandcraftedFeatures()
    imgs = [np.zeros((20, 50), np.uint8), np.full((70, 40, 3), 200, np.uint8),
            (np.random.default_rng(0).random((300, 200)) * 255).astype(np.uint8)]
    X = f.extract(imgs)
    assert X.shape == (3, f.dim) and np.isfinite(X).all()
    assert handcrafted_vector(imgs[2]).shape == (f.dim,)


def test_label_model_separates_and_is_calibrated():
    rng = np.random.default_rng(0)
    centres = rng.normal(0, 3, (3, 6))
    y = np.repeat(np.arange(3), 40)
    X = centres[y] + rng.normal(0, 1, (120, 6))
    Y = np.eye(3)[y]
    m = LabelModel(l2=1.0).fit(X, Y, ["a", "b", "c"])
    P = m.predict_proba(X)
    assert (P.argmax(1) == y).mean() > 0.9
    assert ((P > 0) & (P < 1)).all()
    assert m.platt[0] > 0


def test_not_ready_until_enough_reviews_then_learns(defect_folder):
    root, train, test = defect_folder
    with _open(root) as p:
        _review(p, train, n_per_class=2)
        sugg = LearnedSuggester(p, min_per_label=5)
        ready, msg = sugg.status()
        # two labels of five need 3 more each (the sum over all five, 15, was shown)
        assert not ready and "needs 6 more reviewed images" in msg and "3 more of" in msg
        with pytest.raises(NotReady):
            sugg.train()
        with pytest.raises(NotReady):
            sugg.predict([1])

        _review(p, train)  # all 8 per class
        ready, msg = sugg.status()
        assert ready and "learns 5 labels" in msg, msg
        report = sugg.train()
        assert report.images == TRAIN_PER_CLASS * len(KINDS) and set(report.labels) == set(KINDS)

        test_ids = {p.image_by_path(rel).id: kind for rel, kind in test}
        out = sugg.predict(list(test_ids))
        top1 = {s.image_id: s.value for s in out if s.kind == "label" and s.params["top1"]}
        acc = np.mean([top1[i] == k for i, k in test_ids.items()])
        # handcrafted-v4 measured 0.80 on this (seeded, deterministic) set and 0.70-0.85 on
        # other seeds (v3: 0.85 here, 0.55-0.80 elsewhere); 20 test tiles, chance is 0.2
        assert acc >= 0.7, f"top-1 accuracy {acc:.2f}"
        scores = [s.score for s in out if s.kind == "label"]
        assert all(0.0 <= s <= 1.0 for s in scores)


def test_run_writes_suggestions_with_provenance_and_leaves_reviews_alone(defect_folder):
    root, train, test = defect_folder
    with _open(root) as p:
        _review(p, train)
        reviewed = ImageFilter(statuses=("reviewed",))
        before = {r.id: (r.labels, r.caption, r.status) for r in p.images(p.image_ids(reviewed))}
        token = CancelToken()
        seen = []
        n = run(p, token=token, progress=seen.append)
        assert n > 0 and {s.stage for s in seen} >= {"features", "train", "suggest"}
        after = {r.id: (r.labels, r.caption, r.status) for r in p.images(p.image_ids(reviewed))}
        assert after == before  # suggestions never touch reviewed annotations
        for rel, _kind in test:
            rec = p.image_by_path(rel)
            assert rec.status == "suggested" and rec.labels == () and rec.caption is None
            sugs = p.suggestions(rec.id)
            labels = [s for s in sugs if s.kind == "label"]
            caps = [s for s in sugs if s.kind == "caption"]
            assert labels and len(caps) == 1
            for s in sugs:
                assert s.model_id == "learned:" + HandcraftedFeatures.name
                assert s.model_revision and len(s.model_revision) == 12
                assert s.outcome == "pending" and s.score is not None
            # retrieval: the caption is one of the reviewed captions, with its source
            assert caps[0].value.startswith("a tile showing ")
            src = p.image(caps[0].params["retrieved_from"])
            assert src.status == "reviewed" and src.caption == caps[0].value
        # resumable: a second run skips images this model already suggested for
        assert run(p) == 0
        # a folder filter alone keeps to unreviewed images: none for the ones it learnt from
        assert run(p, ImageFilter(path_prefix="train"), only_unsuggested=False) == 0
        # cancel is honoured
        token.cancel()
        sugg = LearnedSuggester(p)
        with pytest.raises(Cancelled):
            sugg.train(token)


def test_feature_cache_persists(defect_folder):
    root, train, _ = defect_folder
    with _open(root) as p:
        _review(p, train, n_per_class=5)
        s1 = LearnedSuggester(p)
        s1.train()
        s2 = LearnedSuggester(p)
        assert len(s2._cache) >= 5 * len(KINDS)
        calls = []
        orig = s2.extractor.extract
        s2.extractor.extract = lambda imgs: calls.append(len(imgs)) or orig(imgs)
        r2 = s2.train()
        assert calls == [] and r2.revision == s1.revision  # same set, same revision, no re-reading
        assert s2.should_retrain(10) and not s2.should_retrain(3)
        assert not s2.should_retrain()  # no new reviews since training


def test_clip_features_from_a_tiny_local_model(tmp_path):
    import transformers  # noqa: F401 - a runtime dependency
    from transformers import CLIPImageProcessor, CLIPVisionConfig, CLIPVisionModel

    from llmvis_desktop.core.suggest.features import ClipFeatures

    cfg = CLIPVisionConfig(hidden_size=32, intermediate_size=37, num_hidden_layers=2, num_attention_heads=4,
                           image_size=32, patch_size=8)
    CLIPVisionModel(cfg).save_pretrained(tmp_path / "tiny-clip")
    CLIPImageProcessor(size={"shortest_edge": 32}, crop_size={"height": 32, "width": 32}).save_pretrained(
        tmp_path / "tiny-clip")
    ext = ClipFeatures(tmp_path / "tiny-clip")
    imgs = [np.zeros((40, 50), np.uint8), np.full((30, 30, 3), 99, np.uint8)]
    X = ext.extract(imgs)
    assert X.shape == (2, ext.dim) == (2, 32)
    assert np.allclose(np.linalg.norm(X, axis=1), 1, atol=1e-4)
    assert ext.name.startswith("clip:tiny-clip-")
    with pytest.raises(FileNotFoundError):
        ClipFeatures(tmp_path / "missing")


# --------------------------------------------------------------------------- patch bank (opt-in)
def _tiles_by_kind(per_class, seed, half="left", size=80):
    from defectgen import tiles

    return [(a, k, t) for a, k, t in tiles(per_class, size=size, half=half, seed=seed)]


def test_patch_descriptors_fixed_layout_and_finite():
    from patchbank import (
        DESC_DIM,
        MAX_CELLS,
        SIDE,
        patch_descriptors,
    )

    rng = np.random.default_rng(0)
    sq = patch_descriptors((rng.random((96, 96)) * 255).astype(np.uint8))
    assert sq.shape == (MAX_CELLS, DESC_DIM) and np.isfinite(sq).all()
    wide = patch_descriptors((rng.random((48, 96, 3)) * 255).astype(np.uint8)).reshape(SIDE, SIDE, DESC_DIM)
    rows = np.isfinite(wide[:, :, 0]).all(1)
    assert rows[:4].all() and not rows[-1] and np.isfinite(wide[:, :, 0]).all(0).sum() == 0


def test_patch_bank_scores_defects_above_held_out_ok_and_leaves_one_out():
    from patchbank import FEATURE_NAMES, PatchBank, patch_descriptors

    train = _tiles_by_kind(8, seed=3)
    test = _tiles_by_kind(6, seed=4, half="right")
    ref = np.stack([patch_descriptors(a) for a, k, _ in train if k == "ok"])
    bank = PatchBank().fit(ref)
    # a reference image scored against the bank *with* itself in it would be its own neighbour
    loo = bank.features(ref, np.arange(len(ref)))
    leaky = bank.features(ref)
    top3 = FEATURE_NAMES.index("top3")
    assert (leaky[:, top3] < 1e-3).all() and (loo[:, top3] > 0.1).all()
    D = np.stack([patch_descriptors(a) for a, _, _ in test])
    kinds = np.array([k for _, k, _ in test])
    F = bank.features(D)
    score = F[:, FEATURE_NAMES.index("p90")]
    ok = score[kinds == "ok"]
    # pitting and cracks are far from every normal patch of their texture
    for kind in ("pitting", "crack"):
        assert np.median(score[kinds == kind]) > np.max(ok) * 0.9 or \
            (score[kinds == kind][:, None] > ok[None]).mean() > 0.85, kind
    # the state round-trips (what a saved model would keep)
    again = PatchBank.from_state(bank.state()).features(D)
    assert np.allclose(again, F)


def test_patch_bank_model_falls_back_without_a_reference_label():
    from bankmodel import PatchBankModel, reference_label
    from patchbank import patch_descriptors

    assert reference_label(["scratch", "OK"]) == "OK" and reference_label(["a", "b"]) is None
    train = _tiles_by_kind(6, seed=5)
    X = HandcraftedFeatures().extract([a for a, _, _ in train])
    D = np.stack([patch_descriptors(a) for a, _, _ in train])
    Y = np.eye(len(KINDS))[[KINDS.index(k) for _, k, _ in train]]
    with_bank = PatchBankModel(l2=5.0).fit(X, D, Y, list(KINDS))
    assert with_bank.bank is not None
    P = with_bank.predict_proba(X, D)
    assert P.shape == (len(X), len(KINDS)) and (P.argmax(1) == Y.argmax(1)).mean() > 0.8
    renamed = ["good_" + k if k == "ok" else k for k in KINDS]
    plain = PatchBankModel(l2=5.0).fit(X, D, Y, renamed)
    assert plain.bank is None
    ref = LabelModel(l2=5.0).fit(X, Y, renamed)
    assert np.allclose(plain.predict_proba(X, D), ref.predict_proba(X))


def test_platt_scaling_converges_on_weakly_informative_scores():
    """Full Newton steps overshot on scores like a few reviews give (a and b ended in the
    millions: every score 0 or 1, every label suggested). At the fit, the mean calibrated
    score equals the mean (smoothed) target, as a logistic fit with an intercept must."""
    from llmvis_desktop.core.suggest.linear import _fit_platt

    for seed in range(60):
        rng = np.random.default_rng(seed)
        y = (rng.random(45) < 1 / 3).astype(float)
        scores = rng.normal(-1, 2, 45) + 0.5 * y
        a, b = _fit_platt(scores, y)
        p = 1 / (1 + np.exp(-(a * scores + b)))
        n_pos = y.sum()
        t = np.where(y > 0, (n_pos + 1) / (n_pos + 2), 1 / (len(y) - n_pos + 2))
        assert 0 < a < 50 and abs(b) < 50, (seed, a, b)
        assert abs(p.mean() - t.mean()) < 0.01, seed
        assert 0.001 < p.min() and p.max() < 0.999


def _pending(p):
    """Pending suggestions on the images not reviewed."""
    return [s for rec in p.images(p.image_ids()) if rec.review_status != "reviewed"
            for s in p.suggestions(rec.id, pending_only=True)]


def test_a_retrained_suggester_replaces_its_pending_suggestions(defect_folder):
    """A new revision suggested nothing (an image counted as done for any revision), so a
    retrain never reached the cards; now its cards replace the older ones, which are
    withdrawn with a history event. Reruns store nothing twice."""
    root, train, _test = defect_folder
    with _open(root) as p:
        _review(p, train, n_per_class=5)
        sugg = LearnedSuggester(p)
        sugg.train()
        assert sugg.run() > 0
        first = sugg.revision
        assert {s.model_revision for s in _pending(p)} == {first}
        count = len(_pending(p))
        assert sugg.run() == 0  # done for this revision
        assert sugg.run(only_unsuggested=False) == 0 and len(_pending(p)) == count  # --all: not twice
        _review(p, train, n_per_class=7)
        sugg.train()
        assert sugg.revision != first
        rows_before = sum(len(p.suggestions(i)) for i in p.image_ids())
        events_before = sum(len(p.history(i)) for i in p.image_ids())
        times_before = {s.id: s.created_at for s in _pending(p)}
        sugg.run()
        assert {s.model_revision for s in _pending(p)} == {sugg.revision}
        everything = [s for i in p.image_ids() for s in p.suggestions(i)]
        gone = [s for s in everything if s.outcome == "withdrawn"]
        assert {s.model_revision for s in gone} <= {first}
        # a card the new revision guesses again is kept (revised in place), not rewritten:
        # the rows grow by the changed guesses only (one withdrawn for each, or with none
        # in its place when the new revision drops a second label)
        assert len(everything) - rows_before <= len(gone) < rows_before // 2
        pending = _pending(p)  # (read once: the loop below only looks)
        for i in p.image_ids():
            pend = [(s.kind, s.value) for s in pending if s.image_id == i]
            assert len(pend) == len(set(pend))  # never two cards for one guess
            assert not {(s.kind, s.value) for s in gone if s.image_id == i} & set(pend)
        # kept cards moved to the new revision with one suggest_revised event each (the
        # history keeps the revision and score the reviewer saw when); the history grows by
        # one event per new card, per withdrawn card and per kept card, not by a withdraw and
        # a suggest per unreviewed image (with the retrain's time: the evaluation holds out
        # only guesses made before a review)
        kept = [s for s in _pending(p) if s.id in times_before]
        assert kept and {s.model_revision for s in kept} == {sugg.revision}
        assert all(s.created_at > times_before[s.id] for s in kept)
        events_after = sum(len(p.history(i)) for i in p.image_ids())
        assert events_after - events_before == (len(everything) - rows_before) + len(gone) + len(kept)
        for s in kept:
            assert [e.after["revision"] for e in p.history(s.image_id)
                    if e.action == "suggest_revised" and e.suggestion_id == s.id] == [sugg.revision]
        for g in gone:
            assert any(e.action == "withdraw" and e.suggestion_id == g.id for e in p.history(g.image_id))


def test_a_changed_file_gets_new_learned_suggestions(defect_folder):
    root, train, test = defect_folder
    with _open(root) as p:
        _review(p, train, n_per_class=5)
        sugg = LearnedSuggester(p)
        sugg.train()
        sugg.run()
        rel = test[0][0]
        rec = p.image_by_path(rel)
        old = {s.id for s in p.suggestions(rec.id, pending_only=True)}
        src = p.root / test[-1][0]  # another tile's pixels, written over this one
        (p.root / rel).write_bytes(src.read_bytes())
        os.utime(p.root / rel, ns=(rec.mtime_ns + 10**9, rec.mtime_ns + 10**9))
        p.index()
        assert sugg.run() >= 1
        now = {s.id for s in p.suggestions(rec.id, pending_only=True)}
        assert now and not now & old  # the old content's cards were withdrawn


def test_removing_a_label_withdraws_its_pending_suggestions(defect_folder):
    from llmvis_desktop.core import review_actions

    root, train, test = defect_folder
    with _open(root) as p:
        _review(p, train, n_per_class=5)
        run(p)
        victim = next(s for s in _pending(p) if s.kind == "label")
        name = victim.value
        p.remove_label(name, "tester", force=True)
        assert not [s for s in _pending(p) if s.kind == "label" and s.value == name]
        review_actions.accept(p, victim.image_id, "tester")  # the rest of its cards
        assert name not in {d.name for d in p.labels()}  # accepting no longer brings it back


def test_the_feature_cache_tells_a_file_of_another_size_apart(tmp_path):
    """A file replaced with the same mtime (a copy keeping times) but another size kept its
    old features; a cache written with the older (id, mtime) keys reads as empty."""
    from llmvis_desktop.core.suggest.features import FeatureCache

    path = tmp_path / "f.npz"
    cache = FeatureCache(path, "x")
    cache.put(1, 1000, np.ones(3), size=10)
    cache.save()
    again = FeatureCache(path, "x")
    assert again.get(1, 1000, 10) is not None and again.get(1, 1000, 11) is None
    np.savez(path, keys=np.array([[1, 1000]], np.int64), vectors=np.ones((1, 3), np.float32), extractor=np.array("x"))
    assert len(FeatureCache(path, "x")) == 0


def test_a_job_stopped_part_way_keeps_the_features_it_read(defect_folder, monkeypatch):
    """Features were saved only when the job ended: one killed part way lost them all."""
    from llmvis_desktop.core.suggest import learned as learned_mod
    from llmvis_desktop.core.suggest.features import FeatureCache

    root, train, _test = defect_folder
    with _open(root) as p:
        _review(p, train, n_per_class=5)
        sugg = LearnedSuggester(p, model="linear")
        sugg.train()
        saved_after_training = len(FeatureCache(sugg._cache.path, sugg.extractor.name))
        monkeypatch.setattr(learned_mod, "FEATURES_SAVE_EVERY_S", 0.0)
        real, calls = sugg.predict, []

        def dies_on_the_second_batch(ids, token=None, progress=None, ran=None):
            calls.append(1)
            if len(calls) == 2:
                monkeypatch.setattr(sugg._cache, "save", lambda: None)  # as if killed: no final save
                raise KeyboardInterrupt
            return real(ids, token, ran=ran)

        monkeypatch.setattr(sugg, "predict", dies_on_the_second_batch)
        with pytest.raises(KeyboardInterrupt):
            sugg.run(batch_size=4)
        assert len(FeatureCache(sugg._cache.path, sugg.extractor.name)) == saved_after_training + 4


def test_a_one_label_taxonomy_learns_the_label_against_images_without_it(defect_folder):
    """'defect' or nothing is a common inspection taxonomy: it was refused for good with
    "needs at least two labels"."""
    root, train, test = defect_folder
    with Project.open(root) as p:
        p.index()
        p.add_label("defect")
        sugg = LearnedSuggester(p, min_per_label=5, cnn_config=ONE_LABEL_CNN)
        ready, msg = sugg.status()
        assert not ready and "needs 5 reviewed images of 'defect' and 5 without it" in msg
        for rel, kind in train:
            p.apply_state(p.image_by_path(rel).id, {"labels": [] if kind == "ok" else ["defect"],
                                                    "review_status": "reviewed"}, "tester", "review")
        ready, msg = sugg.status()
        assert ready and f"learns 'defect' against {TRAIN_PER_CLASS} reviewed images without it" in msg, msg
        report = sugg.train()
        assert sugg.kind == "cnn"  # 32 reviewed defects: the network, one output, with the linear model
        assert report.labels == ("defect",) or list(report.labels) == ["defect"]
        truth = {p.image_by_path(rel).id: kind != "ok" for rel, kind in test}
        out = [s for s in sugg.predict(list(truth)) if s.kind == "label"]
        # suggested only where likely: "defect" on every clean tile would tell nothing
        assert {s.value for s in out} == {"defect"} and all(s.score >= 0.5 for s in out)
        hits = sum(truth[s.image_id] for s in out)
        assert hits >= 0.7 * sum(truth.values()) and len(out) - hits <= sum(not d for d in truth.values()) // 2


def test_limit_applies_to_the_learned_suggester(defect_folder, capsys):
    """`llmvis suggest --learned --limit N` suggested for every image (the help said
    --limit does not apply); it takes N now, the next run the next N."""
    from llmvis_desktop.cli import main

    root, train, test = defect_folder
    with _open(root) as p:
        _review(p, train)
        unreviewed = len(p.image_ids(ImageFilter(statuses=("new",))))
    assert unreviewed > 6
    assert main(["suggest", str(root), "--learned", "--limit", "3", "--no-index"]) == 0
    with Project.open(root) as p:
        assert len(p.image_ids(ImageFilter(statuses=("suggested",)))) == 3
    assert main(["suggest", str(root), "--learned", "--limit", "3", "--no-index"]) == 0
    with Project.open(root) as p:
        assert len(p.image_ids(ImageFilter(statuses=("suggested",)))) == 6


def test_features_of_an_image_with_a_black_surround_have_no_nan():
    """An eye fundus photo (a bright disc on black) gave NaN in the stain features: the
    box mean of the black area came out a hair below 0 and its 8th root was NaN; the
    vector then carried zeros there."""
    import warnings

    y, x = np.mgrid[0:512, 0:512]
    disc = ((x - 256) ** 2 + (y - 256) ** 2 < 200 ** 2)
    rng = np.random.default_rng(1)
    img = np.where(disc[..., None], rng.integers(90, 200, (512, 512, 3)), 0).astype(np.uint8)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        v = handcrafted_vector(img)
    assert np.isfinite(v).all()


def test_a_retrain_leaves_the_image_on_the_reviewers_screen_alone(defect_folder):
    """Automatic retraining (every 10 reviews) renewed and withdrew the cards of the image
    the reviewer was looking at, so the next Enter was refused. ``hold``: that image keeps
    its cards this run; a later run covers it."""
    root, train, _test = defect_folder
    with _open(root) as p:
        _review(p, train, n_per_class=5)
        sugg = LearnedSuggester(p)
        sugg.train()
        assert sugg.run() > 0
        on_screen = next(s.image_id for s in _pending(p) if p.image(s.image_id).relpath.startswith("test/"))
        cards = sorted((s.id, s.model_revision, s.score, s.outcome) for s in p.suggestions(on_screen))
        _review(p, train, n_per_class=7)
        sugg.train()
        assert sugg.run(hold=lambda: (on_screen,)) > 0
        assert sorted((s.id, s.model_revision, s.score, s.outcome) for s in p.suggestions(on_screen)) == cards
        others = {s.model_revision for s in _pending(p) if s.image_id != on_screen}
        assert others == {sugg.revision}
        sugg.run()  # the next run covers it
        assert {s.model_revision for s in _pending(p)} == {sugg.revision}


def test_a_reviewed_file_missing_on_disk_skips_its_label_instead_of_refusing(defect_folder):
    """A reviewed file deleted outside the tool (not re-indexed yet) made training refuse
    every label ("needs more readable reviewed images of 'crack'", no file named) while
    the readiness line said ready: the label left short is skipped now, the others are
    learned, and the unreadable file is named (by the readiness line too, which no longer
    counts it)."""
    root, train, _test = defect_folder
    with _open(root) as p:
        _review(p, train, n_per_class=5)
        reviewed = p.images(p.image_ids(ImageFilter(statuses=("reviewed",)), "name"))
        by_kind = {k: [r for r in reviewed if k in r.labels] for k in KINDS}
        gone = by_kind["crack"][0].relpath
        os.remove(root / gone)
        sugg = LearnedSuggester(p, model="linear")
        assert sugg.status()[0]
        report = sugg.train()
        assert "crack" not in report.labels and len(report.labels) == len(KINDS) - 1
        assert "crack" in report.skipped_labels
        assert report.unreadable == (gone,)
        assert sugg.run() > 0
        # with every label but one short, training is refused and names the files; the
        # readiness line said so before (it counted the missing files: "ready")
        for k in KINDS[1:]:
            if k != "crack":
                os.remove(root / by_kind[k][0].relpath)
        assert not LearnedSuggester(p, model="linear").status()[0]
        with pytest.raises(NotReady) as exc:
            LearnedSuggester(p, model="linear").train()
        msg = str(exc.value)
        assert "4 reviewed images missing on disk" in msg and gone in msg and "and 1 more" in msg
        assert "1 more of 'crack'" in msg


def test_a_retrieved_caption_agrees_with_the_predicted_labels(defect_folder):
    """Caption retrieval took the nearest reviewed image whatever its labels: an image
    with the card 'crack' got the caption "a tile showing ok", and Enter saved both. It
    now retrieves from reference images with the predicted labels (else the top one),
    and the card says where it came from."""
    root, train, test = defect_folder
    with _open(root) as p:
        _review(p, train, n_per_class=5)
        sugg = LearnedSuggester(p, model="linear")
        sugg.train()
        labels = list(sugg.model.labels)
        ids = [p.image_by_path(rel).id for rel, _kind in test]

        def fixed(scores):
            row = np.array([scores.get(k, 0.01) for k in labels])
            return lambda X: np.tile(row, (len(X), 1))

        for scores, among in (({"crack": 0.9}, "same labels"), ({"crack": 0.9, "stain": 0.8}, "top label")):
            sugg.model.predict_proba = fixed(scores)
            caps = [s for s in sugg.predict(ids) if s.kind == "caption"]
            assert len(caps) == len(ids)
            for c in caps:
                assert c.value == "a tile showing crack", (scores, c.value)
                assert c.params["retrieved_labels"] == ["crack"] and c.params["retrieved_among"] == among
                assert p.image(c.params["retrieved_from"]).labels == ("crack",)


def test_no_caption_is_retrieved_from_images_of_other_labels(defect_folder):
    """A team that had captioned only its dent images got every other image the caption of
    a dent ("dark round dent near lower edge") as a card: with no captioned reference of
    the predicted labels (nor of the top one), retrieval fell back to any captioned image,
    at a high similarity (0.98: one surface, one texture), and Enter saved it on the 'ok'
    images the reviewer had just labelled by hand (37 of 149 reviewed images in a hunt,
    /tmp/hunt-hhuntind). An image whose labels no captioned image shares gets no caption."""
    root, train, test = defect_folder
    with _open(root) as p:
        _review(p, train, n_per_class=5)
        for r in p.images(p.image_ids(ImageFilter(statuses=("reviewed",)), "name")):
            if "crack" not in r.labels:  # only the crack images keep their caption
                p.apply_state(r.id, {"caption": None}, "tester", "review")
        sugg = LearnedSuggester(p, model="linear")
        sugg.train()
        labels = list(sugg.model.labels)
        ids = [p.image_by_path(rel).id for rel, _kind in test]

        def fixed(scores):
            row = np.array([scores.get(k, 0.01) for k in labels])
            return lambda X: np.tile(row, (len(X), 1))

        sugg.model.predict_proba = fixed({"stain": 0.9})
        out = sugg.predict(ids)
        assert [s.value for s in out if s.kind == "label"] == ["stain"] * len(ids)
        assert [s.value for s in out if s.kind == "caption"] == []
        sugg.model.predict_proba = fixed({"crack": 0.9})  # the crack images' caption still comes
        caps = [s for s in sugg.predict(ids) if s.kind == "caption"]
        assert len(caps) == len(ids) and {c.value for c in caps} == {"a tile showing crack"}


def test_a_one_label_run_records_the_images_it_judged_clean(defect_folder):
    """'defect' or nothing: an image judged clean got no label card, so `llmvis evaluate`
    left every missed defect out (recall 1.000 where it was lower) and each run of the same
    revision read all those images again. The run is recorded now: evaluate counts a miss
    as a false negative, and the next run of the revision has nothing left to do."""
    from llmvis_desktop.core.suggest.evaluate import evaluate

    root, train, test = defect_folder
    with Project.open(root) as p:
        p.index()
        p.add_label("defect")
        for rel, kind in train:
            p.apply_state(p.image_by_path(rel).id, {"labels": [] if kind == "ok" else ["defect"],
                                                    "review_status": "reviewed"}, "tester", "review")
        sugg = LearnedSuggester(p, model="linear")
        sugg.train()
        sugg.run()
        truth = {p.image_by_path(rel).id: kind != "ok" for rel, kind in test}
        carded = {i for i in truth if any(s.kind == "label" for s in p.suggestions(i))}
        assert len(carded) < len(truth)  # some judged clean: the case at hand
        assert all(p.judged_without_labels(i) for i in truth if i not in carded)
        seen = []
        sugg.run(progress=seen.append)
        assert seen[0].total == 0  # nothing to do again for this revision
        for i, defect in truth.items():
            p.apply_state(i, {"labels": ["defect"] if defect else [], "review_status": "reviewed"},
                          "tester", "review")
        fn = sum(1 for i, defect in truth.items() if defect and i not in carded)
        tp = sum(1 for i, defect in truth.items() if defect and i in carded)
        row = evaluate(p)["labels"]["by_model"][sugg.model_id]["per_label"][0]
        assert (row["label"], row["tp"], row["fn"]) == ("defect", tp, fn)
        assert row["support"] == sum(truth.values())


def test_the_readiness_sentence_says_one_image_not_one_images(defect_folder):
    """The status bar read "needs 1 more reviewed images of 'scratch'"."""
    root, train, _test = defect_folder
    with _open(root) as p:
        _review(p, train, n_per_class=5)
        one = p.image_by_path(next(rel for rel, kind in train if kind == KINDS[0])).id
        p.set_status(one, "new", "alice")
        ready, msg = LearnedSuggester(p).status()
        assert ready and f"not learned yet: '{KINDS[0]}' needs 1 more reviewed image (5 per label)" in msg, msg
        assert "1 more reviewed images" not in msg
