"""A folder read-only to the store's checks, for tests (a module of its own: a test that
imported it ``from conftest`` got tests/qt/conftest.py when both folders were collected)."""
from __future__ import annotations

from pathlib import Path


def make_read_only(monkeypatch, folder) -> None:
    """``folder`` and everything below it read-only to the store's checks (through
    ``os.access`` and the store's own write probe: permission bits do not stop root)."""
    import llmvis_desktop.core.store.db_location as db_location
    import llmvis_desktop.core.store.engine as eng

    real_access = eng.os.access
    inside = str(Path(folder).resolve())

    def fake_access(path, mode):
        if str(path).startswith(inside) and mode & eng.os.W_OK:
            return False
        return real_access(path, mode)

    monkeypatch.setattr(eng.os, "access", fake_access)
    monkeypatch.setattr(db_location, "_writable_dir", lambda p: not str(p).startswith(inside))
