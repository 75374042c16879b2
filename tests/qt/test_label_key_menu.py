"""Review ▸ Toggle label listed "Toggle label 1" … "Toggle label 9" whatever the
taxonomy: the menu did not say which label a key toggles, nor that a key has none."""
from __future__ import annotations

from qthelpers import open_and_index


def _texts(win):
    return [win.review.actions()[f"label_{n}"].text() for n in range(1, 10)]


def test_the_label_key_menu_names_each_keys_label(qtbot, window, labelled_folder):
    open_and_index(qtbot, window, labelled_folder)
    texts = _texts(window)
    # conftest's taxonomy, keys 1-4 in order: scratch, dent, crack, ok
    assert texts[:4] == ["Toggle label 1: scratch", "Toggle label 2: dent", "Toggle label 3: crack",
                         "Toggle label 4: ok"], texts
    assert all("no label" in t for t in texts[4:]), texts
    window.panel_ctl._add_label("pitting", "")  # the next free key, 5
    qtbot.waitUntil(lambda: _texts(window)[4] == "Toggle label 5: pitting", timeout=5000)
    window.close_project()
    assert _texts(window) == [f"Toggle label {n}" for n in range(1, 10)]
