"""The evaluation dashboard belongs to the project it was computed for: opening another
folder (or closing this one) closes it. It stayed open, titled only "How good are the
suggestions", showing the first project's numbers while the second was open."""
from __future__ import annotations

import shiboken6
from qthelpers import make_images, open_and_index

from llmvis_desktop.core.project import Project
from llmvis_desktop.core.store.records import NewSuggestion


def _with_a_review(folder) -> None:
    with Project.open(folder) as p:
        p.index()
        p.add_label("scratch")
        i = p.image_ids()[0]
        [sid] = p.add_suggestions([NewSuggestion(i, "label", "scratch", "org/m", 0.9, "r1")])
        p.decide_suggestion(sid, "accepted", "lead")
        p.set_labels(i, ["scratch"], "lead")
        p.set_status(i, "reviewed", "lead")


def _dashboard(qtbot, win):
    with qtbot.waitSignal(win.suggest_ctl.evaluation_ready, timeout=20000) as b:
        win.act_evaluate.trigger()
    return b.args[0]


def test_the_dashboard_closes_with_its_project(qtbot, window, tmp_path):
    first, second = tmp_path / "line-a", tmp_path / "line-b"
    make_images(first, n=4)
    make_images(second, n=3)
    _with_a_review(first)
    open_and_index(qtbot, window, first)
    dlg = _dashboard(qtbot, window)
    assert dlg.isVisible() and dlg.report["images"]["reviewed"] == 1
    assert "line-a" in dlg.windowTitle()  # which project's numbers these are

    open_and_index(qtbot, window, second)
    qtbot.waitUntil(lambda: not shiboken6.isValid(dlg) or not dlg.isVisible(), timeout=5000)
    assert window.suggest_ctl.evaluation_dialog is None

    dlg = _dashboard(qtbot, window)  # opened again: the second project's
    assert dlg.report["images"]["reviewed"] == 0 and "line-b" in dlg.windowTitle()
    window.close_project()
    qtbot.waitUntil(lambda: not shiboken6.isValid(dlg) or not dlg.isVisible(), timeout=5000)
