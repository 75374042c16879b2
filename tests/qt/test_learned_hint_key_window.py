"""When the learned suggester is ready, the Suggestions panel's line names the key that
runs it (the menu's shortcut, Ctrl+L), as the panel's other lines name theirs; not ready,
it says what it needs and no key (the key would only say it is not ready)."""
from __future__ import annotations

from qthelpers import open_and_index


def _placeholder(win) -> str:
    return win.panel_ctl.suggestions.placeholder.text()


def test_the_ready_learned_suggester_hint_names_its_key(qtbot, window, labelled_folder):
    win = window
    open_and_index(qtbot, win, labelled_folder)
    qtbot.waitUntil(lambda: win.panel_ctl.record is not None, timeout=10000)
    assert win.act_learned.shortcut().toString() == "Ctrl+L"
    sc = win.suggest_ctl
    sc._set_learned_status(True, "learns 2 labels from 6 reviewed images")
    assert _placeholder(win).endswith("Learned suggester: learns 2 labels from 6 reviewed images. Ctrl+L runs it."), \
        _placeholder(win)
    assert sc.status_label.text() == "Learned suggester: learns 2 labels from 6 reviewed images"  # the status bar's as it was
    win.panel_ctl.suggestions.grab().save("/tmp/hsmall14_learned_hint.png")
    sc._set_learned_status(False, "needs 4 more reviewed images (3 per label, for two labels)")
    assert _placeholder(win).endswith("needs 4 more reviewed images (3 per label, for two labels)"), _placeholder(win)
    assert "Ctrl+L" not in _placeholder(win)
