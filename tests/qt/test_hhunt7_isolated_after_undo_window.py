"""A test that ends its own patches with ``monkeypatch.undo()`` (a database "back" after an
outage: 17 test files do) undid the isolated config/data/cache dirs too, and the window's
config saves after it wrote the real ~/.config/llmvis_desktop/config.json (reviewer
"tester", a pytest folder as the last project), which a developer's next ``llmvis``
command read: its history rows said "tester"."""
from __future__ import annotations

import os


def test_monkeypatch_undo_keeps_the_isolated_dirs(tmp_path, monkeypatch):
    monkeypatch.setattr(os, "sep", os.sep)  # any patch of the test's own
    monkeypatch.undo()
    for kind in ("CONFIG", "DATA", "CACHE", "LOG"):
        assert os.environ.get(f"LLMVIS_{kind}_DIR", "").startswith(str(tmp_path)), kind
    assert os.environ.get("XDG_CONFIG_HOME", "").startswith(str(tmp_path))
    from llmvis_desktop.core import config as cfg_mod

    assert str(cfg_mod.config_path()).startswith(str(tmp_path))
