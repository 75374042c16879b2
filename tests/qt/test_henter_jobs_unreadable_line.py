"""The Jobs panel's done line of a model job that left unreadable images out ended
"`llmvis info` names them all and why": a terminal command shown to someone in the
window (/tmp/hunt-huser4). In the window it points to the filter bar's "Errors" status,
which lists them, each tile saying why; the CLI keeps its pointer."""
from __future__ import annotations

import io

from PIL import Image

from qthelpers import open_and_index

from llmvis_desktop.core.suggest import batch
from llmvis_desktop.core.suggest.report import SuggestReport
from llmvis_desktop.core.suggest.unreadable_note import unreadable_ids, unreadable_notes


def test_the_done_line_points_to_the_errors_filter(qtbot, window, labelled_folder, monkeypatch):
    buf = io.BytesIO()
    Image.new("RGB", (64, 48), "gray").save(buf, "JPEG")
    (labelled_folder / "truncated.jpg").write_bytes(buf.getvalue()[:200])
    win = window
    project = open_and_index(qtbot, win, labelled_folder)
    qtbot.waitUntil(lambda: bool(unreadable_ids(project)), timeout=20000)

    def run_suggest(project, *_a, **_k):  # the job's own report, its note made as run_suggest makes it
        report = SuggestReport(images=12, suggestions=12, device="cpu")
        report.messages.extend(unreadable_notes(project, unreadable_ids(project)))
        assert "`llmvis info`" in report.messages[0]  # (what the CLI says: unchanged)
        return report

    monkeypatch.setattr(batch, "run_suggest", run_suggest)
    monkeypatch.setattr(batch, "resolve_spec", lambda spec, dirs: spec)
    monkeypatch.setattr(win.suggest_ctl, "_chosen", lambda: ("a-captioner", None))
    with qtbot.waitSignal(win.suggest_ctl.models_done, timeout=20000):
        win.suggest_ctl.run_models("all")
    job = win.suggest_ctl.models_job
    from llmvis_desktop.qt.widgets.jobs_panel import JobsPanel

    panel = win.findChild(JobsPanel)
    qtbot.waitUntil(lambda: getattr(panel.row(str(job.id)), "finished", False), timeout=5000)
    line = panel.row(str(job.id)).done_label.toolTip()
    assert "truncated.jpg" in line, line
    assert "llmvis info" not in line, line
    assert "\u201cErrors\u201d" in line and "filter bar" in line, line
    assert "llmvis info" not in win.statusBar().currentMessage()
