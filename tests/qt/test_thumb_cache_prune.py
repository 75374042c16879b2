"""Opening a project prunes the thumbnail cache on a background thread, at most hourly."""
from __future__ import annotations

import hashlib
import os
import time

from llmvis_desktop.core.imaging import thumbs


def _fill(folder, n, size):
    paths = []
    for i in range(n):
        key = hashlib.sha1(f"gui {i}".encode()).hexdigest()
        path = folder / key[:2] / key[2:4] / f"{key}.jpg"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"j" * size)
        os.utime(path, (time.time() - (n - i) * 3600,) * 2)
        paths.append(path)
    return paths


def test_open_project_prunes_in_the_background(qtbot, window, image_folder):
    window.config.thumbnail_cache_mb = 1
    cache = window.thumbs.cache
    old = _fill(cache.cache_dir, 8, 256 * 1024)  # 2 MiB, all older than the thumbnails to come
    with qtbot.waitSignal(window.project_opened, timeout=10000):  # (opened off the GUI thread)
        assert window.open_project(image_folder, index=False)
    # (the prune starts once the opened window has been shown: a pass of the event loop later)
    qtbot.waitUntil(lambda: getattr(window, "_prune_thread", None) is not None
                    and not window._prune_thread.is_alive(), timeout=10000)
    first = window._prune_thread
    assert first.name == "llmvis-thumb-prune"
    assert [p.exists() for p in old] == [False] * 5 + [True] * 3  # 0.75 MiB <= 90% of 1 MiB
    assert (cache.cache_dir / thumbs.STAMP).read_text().strip() == str(1024 * 1024)
    more = _fill(cache.cache_dir, 8, 256 * 1024)
    with qtbot.waitSignal(window.project_opened, timeout=10000):
        window.open_project(image_folder, index=False)  # within the hour: no second walk
    qtbot.waitUntil(lambda: window._prune_thread is not first and not window._prune_thread.is_alive(),
                    timeout=10000)
    assert all(p.exists() for p in more)
    window.shutdown()
    assert not window._prune_thread.is_alive()
