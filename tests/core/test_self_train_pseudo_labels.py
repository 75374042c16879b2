"""Self-training's choice of pool images and their pseudo-labels (core/suggest/self_train.py)."""
import numpy as np

from llmvis_desktop.core.suggest.self_train import pseudo_labels, sample_pool


def test_only_sure_images_are_pseudo_labelled_with_their_top_label():
    P = np.array([
        [0.95, 0.05, 0.02],  # sure: label 0
        [0.60, 0.30, 0.05],  # unsure (0.60 is 0.1 from 0.5)
        [0.04, 0.08, 0.97],  # sure: label 2
        [0.92, 0.20, 0.01],  # label 1 at 0.20 is only 0.3 from 0.5: unsure
        [0.03, 0.04, 0.02],  # sure of every label's absence: "none" is not a label
    ])
    Y = np.eye(3)[[0, 0, 1, 1, 2, 2]]
    idx, L = pseudo_labels(P, Y, margin=0.4, per_label=5)
    assert sorted(idx.tolist()) == [0, 2]
    assert L[idx.tolist().index(0)].tolist() == [1, 0, 0]
    assert L[idx.tolist().index(2)].tolist() == [0, 0, 1]


def test_each_label_keeps_at_most_per_label_times_its_reviews_most_confident_first():
    # eight sure images of label 0, of rising confidence; label 0 has 2 reviewed images
    conf = np.linspace(0.91, 0.99, 8)
    P = np.stack([conf, 1 - conf], 1)
    Y = np.eye(2)[[0, 0, 1, 1, 1]]
    idx, L = pseudo_labels(P, Y, margin=0.4, per_label=1.5)
    assert idx.tolist() == [7, 6, 5]  # round(1.5 * 2) = 3, the surest first
    assert (L[:, 0] == 1).all() and (L[:, 1] == 0).all()


def test_one_label_taxonomy_takes_sure_negatives_too():
    P = np.array([[0.97], [0.03], [0.5]])
    Y = np.array([[1.0], [1.0], [0.0], [0.0]])
    idx, L = pseudo_labels(P, Y, margin=0.4, per_label=2)
    assert sorted(idx.tolist()) == [0, 1]
    assert L[idx.tolist().index(1)].tolist() == [0.0]


def test_nothing_sure_or_no_pool_gives_empty_arrays():
    Y = np.eye(2)
    for P in (np.full((4, 2), 0.5), np.zeros((0, 2))):
        idx, L = pseudo_labels(P, Y)
        assert idx.shape == (0,) and L.shape == (0, 2)


def test_sample_pool_is_stable_and_capped():
    ids = list(range(100, 0, -1))
    a = sample_pool(ids, 10)
    assert a == sample_pool(list(reversed(ids)), 10)
    assert len(a) == 10 and a[0] == 1 and a[-1] == 100
    assert sample_pool([3, 1, 2], 10) == [1, 2, 3]
    assert sample_pool(ids, 0) == []
