"""The real main window with the pieces wired in: learned suggester jobs, auto-retrain,
export/import and evaluation dialogs, model-run menus, "Ask the image".

Images are generated surface-defect tiles (tests/core/defectgen.py); every step is
checked against the database.
"""
from __future__ import annotations

import sys
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from qthelpers import open_and_index, set_setting, settle

from llmvis_desktop.core.project import Project
from llmvis_desktop.core.store.records import ImageFilter, NewSuggestion

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "core"))
import defectgen  # noqa: E402

KINDS = ("ok", "scratch", "crack")
COLORS = {"ok": "#3cb44b", "scratch": "#e6194b", "crack": "#f58231"}


def _defect_folder(tmp_path, per_class: int, reviewed_per_class: int) -> Path:
    """Tiles of three kinds; the first ``reviewed_per_class`` of each kind reviewed by alice."""
    folder = tmp_path / "defects"
    rows = defectgen.write_folder(folder, per_class, size=64, kinds=KINDS)
    with Project.open(folder) as p:
        p.scan()
        for k in KINDS:
            p.add_label(k, color=COLORS[k])
        seen = {k: 0 for k in KINDS}
        for rel, kind in rows:
            if seen[kind] >= reviewed_per_class:
                continue
            seen[kind] += 1
            rec = p.image_by_path(rel)
            p.set_labels(rec.id, [kind], "alice")
            p.set_caption(rec.id, f"a {kind} on a metal surface" if kind != "ok" else "a clean surface", "alice")
            p.set_status(rec.id, "reviewed", "alice")
    return folder


@pytest.fixture
def ready_folder(tmp_path):
    return _defect_folder(tmp_path, per_class=9, reviewed_per_class=6)


def _learned(p: Project):
    out = []
    for i in p.image_ids():
        out += [s for s in p.suggestions(i) if s.model_id.startswith("learned:")]
    return out


def _run_learned(qtbot, win, timeout=90000):
    with qtbot.waitSignal(win.suggest_ctl.learned_done, timeout=timeout) as blocker:
        win.act_learned.trigger()
    assert not isinstance(blocker.args[0], BaseException), blocker.args
    return blocker.args[0]


def test_learned_suggester_job_accept_and_dialogs(qtbot, window, ready_folder, shots_dir, tmp_path):
    win = window
    open_and_index(qtbot, win, ready_folder)
    sc = win.suggest_ctl
    qtbot.waitUntil(lambda: sc.learned_ready is True, timeout=20000)
    assert "learns 3 labels from 18 reviewed images" in sc.status_label.text()
    assert win.act_learned.isEnabled()
    # no model chosen: the model runs are disabled and say why
    win.suggest_menu.aboutToShow.emit()
    assert not win.act_run_all.isEnabled() and "Models" in win.act_run_all.toolTip()
    assert not win.panel_ctl.suggestions.ask_edit.isEnabled()
    assert "chat model" in win.panel_ctl.suggestions.ask_edit.toolTip()

    # the job appears in the jobs panel and the status bar, and finishes
    names = []
    win.jobs.job_added.connect(lambda j: names.append(j.name))
    report, written = _run_learned(qtbot, win)
    assert "Learned suggestions" in names
    assert set(report.labels) == set(KINDS) and report.images == 18
    assert written > 0

    with Project.open(ready_folder) as p:
        sugg = _learned(p)
        assert sugg and all(s.model_revision == report.revision for s in sugg)
        assert all(s.score is not None and 0 <= s.score <= 1 for s in sugg)
        assert all(s.params.get("extractor") for s in sugg)
        assert {s.kind for s in sugg} == {"label", "caption"}
        # only unreviewed images got suggestions; they are now "suggested"
        reviewed = set(p.image_ids(ImageFilter(statuses=("reviewed",))))
        assert not reviewed & {s.image_id for s in sugg}
        assert p.counts_by_status().get("suggested") == 9
        target = next(s for s in sugg if s.kind == "label" and s.params.get("rank") == 1)
    # the grid and the counts refresh
    qtbot.waitUntil(lambda: "suggested 9" in win.counts_label.text(), timeout=10000)

    # the suggestion panel of that image shows the new suggestions
    win.grid.select_row(win.model.row_of(target.image_id))
    panel = win.panel_ctl.suggestions
    qtbot.waitUntil(lambda: panel.card(target.id) is not None, timeout=5000)
    assert not panel.is_empty() and not panel.placeholder.isVisible()
    assert panel.card(target.id).model_label.text().startswith("learned:")
    win.resize(1800, 1000)
    qtbot.waitUntil(lambda: win.viewer.mode() == "image", timeout=10000)
    # the grid's thumbnails come from worker threads: wait for them under a real event loop
    qtbot.waitUntil(lambda: win.thumbs.pending() == 0, timeout=10000)
    settle(qtbot)
    win.grab().save(str(shots_dir / "main_window_learned.png"))

    # accept one via the panel: DB and history
    panel.card(target.id).accept_button.click()
    with Project.open(ready_folder) as p:
        s = next(x for x in p.suggestions(target.image_id) if x.id == target.id)
        assert s.outcome == "accepted" and s.decided_by == "tester"
        assert target.value in p.image(target.image_id).labels
        events = p.history(target.image_id)
        assert any(e.suggestion_id == target.id and e.actor == "tester" for e in events)
    qtbot.waitUntil(lambda: panel.card(target.id) is not None and panel.card(target.id).accept_button is None)

    # File > Export… : the dialog opens on the project and exports
    win.act_export.trigger()
    qtbot.waitUntil(lambda: getattr(win.panel_ctl, "interchange_dialog", None) is not None and win.panel_ctl.interchange_dialog.current_mode() == "export", timeout=5000)  # (opens once its settings were read)
    dlg = win.panel_ctl.interchange_dialog
    assert dlg is not None and dlg.isVisible() and dlg.current_mode() == "export"
    dlg.set_format("csv")
    out = tmp_path / "export.csv"
    dlg.path.setText(str(out))
    with qtbot.waitSignal(dlg.finished_job, timeout=20000) as b:
        dlg.start()
    assert b.args[0] is not None and out.exists()
    dlg.close()

    # Suggestions > Evaluation dashboard… : computed off the GUI thread, then shown
    with qtbot.waitSignal(win.suggest_ctl.evaluation_ready, timeout=20000) as b:
        win.act_evaluate.trigger()
    ev = b.args[0]
    assert ev.isVisible()
    model_id = target.model_id
    ev.grab().save(str(shots_dir / "main_window_evaluation.png"))
    report = win.suggest_ctl.eval_job.result
    (acc,) = [a for a in report["acceptance"] if a["model_id"] == model_id]
    assert acc["decided"] >= 1 and acc["rate"] == 1.0
    ev.close()


def test_import_refreshes_grid(qtbot, window, ready_folder, tmp_path):
    win = window
    open_and_index(qtbot, win, ready_folder)
    csv = tmp_path / "in.csv"
    new = [r for r in win.project.images(win.project.image_ids(ImageFilter(statuses=("new",))))][:2]
    csv.write_text("file_name,labels,caption,status\n" + "".join(f"{r.relpath},crack,imported,reviewed\n" for r in new))
    win.act_import.trigger()
    qtbot.waitUntil(lambda: getattr(win.panel_ctl, "interchange_dialog", None) is not None and win.panel_ctl.interchange_dialog.current_mode() == "import", timeout=5000)  # (opens once its settings were read)
    dlg = win.panel_ctl.interchange_dialog
    assert dlg.current_mode() == "import"
    dlg.set_format("csv")
    dlg.path.setText(str(csv))
    with qtbot.waitSignal(dlg.finished_job, timeout=20000) as b:
        dlg.start()
    rep = b.args[0]
    assert rep is not None, dlg.last_error
    assert rep.matched == 2
    qtbot.waitUntil(lambda: "reviewed 20" in win.counts_label.text(), timeout=10000)
    dlg.close()


def test_not_ready_says_how_many_more(qtbot, window, tmp_path):
    folder = _defect_folder(tmp_path, per_class=4, reviewed_per_class=2)
    win = window
    open_and_index(qtbot, win, folder)
    sc = win.suggest_ctl
    qtbot.waitUntil(lambda: sc.learned_ready is False, timeout=20000)
    # ready once two of the three labels have 5 reviewed images each: 3 more of two of them
    assert "needs 6 more reviewed images" in sc.status_label.text()
    panel = win.panel_ctl.suggestions
    assert panel.placeholder.isVisible() and "needs 6 more reviewed images" in panel.placeholder.text()
    assert "Suggestions menu" in panel.placeholder.text()
    # asked for while not ready: said at once, no job started (none fails in the Jobs panel)
    win.act_learned.trigger()
    assert "needs 6 more" in win.statusBar().currentMessage()
    assert sc.learned_job is None
    assert not _learned(win.project)
    # each review moves the count on at once (it was refreshed every 10th review only)
    p = win.project
    todo = next(i for i in p.image_ids() if p.image(i).review_status == "new")
    win.review.set_labels([KINDS[0]], todo)
    win.review.set_status("reviewed", todo)
    qtbot.waitUntil(lambda: "needs 5 more reviewed images" in sc.status_label.text(), timeout=10000)
    # and so does a change of the taxonomy (it kept the old text until the next review)
    win.panel_ctl._label_change(KINDS[0], new_name="burn")
    qtbot.waitUntil(lambda: "2 more of 'burn'" in sc.status_label.text(), timeout=10000)


def test_an_undone_review_can_make_it_not_ready_again(qtbot, window, tmp_path):
    """The readiness was refreshed only when an image became reviewed: one set back to new
    left "learns 3 labels" up while it needed more reviews."""
    folder = _defect_folder(tmp_path, per_class=5, reviewed_per_class=5)
    win = window
    open_and_index(qtbot, win, folder)
    sc = win.suggest_ctl
    qtbot.waitUntil(lambda: sc.learned_ready is True, timeout=20000)
    p = win.project
    reviewed = [p.image(i) for i in p.image_ids() if p.image(i).review_status == "reviewed"]
    for kind in KINDS[:2]:  # one label short of 5 on two of the three: not ready
        win.review.set_status("new", next(r.id for r in reviewed if kind in r.labels))
    qtbot.waitUntil(lambda: sc.learned_ready is False, timeout=10000)
    assert "needs 1 more" in sc.status_label.text()


def test_auto_retrain_after_ten_reviews(qtbot, window, tmp_path):
    folder = _defect_folder(tmp_path, per_class=9, reviewed_per_class=5)
    win = window
    open_and_index(qtbot, win, folder)
    sc = win.suggest_ctl
    first_report, _ = _run_learned(qtbot, win)
    assert first_report.images == 15 and win.act_auto_retrain.isChecked()
    assert win.project_ctl.settings_reads.writer.wait(20)  # (saved on the settings' writer)
    assert win.project.settings().get("learned_auto_retrain") is True
    # ten review actions through the keyboard: the eleventh image state starts a retrain
    win.filter_bar.reset()
    unreviewed = win.project.image_ids(ImageFilter(statuses=("new", "suggested")))
    names = []
    win.jobs.job_added.connect(lambda j: names.append(j.name))
    with qtbot.waitSignal(sc.learned_done, timeout=90000) as b:
        for image_id in unreviewed[:10]:
            win.grid.select_row(win.model.row_of(image_id))
            QTest.keyClick(win.grid, Qt.Key.Key_R)
    assert names == ["Retrain learned suggester"]
    report, _ = b.args[0]
    assert report.images == 25 and report.revision != first_report.revision


def test_model_run_uses_chosen_models(qtbot, window, ready_folder, monkeypatch):
    """The menu runs core.suggest.batch.run_suggest with the project's chosen models as a job."""
    from llmvis_desktop.core.suggest import batch, discovery

    win = window
    open_and_index(qtbot, win, ready_folder)
    seen = {}

    def fake_resolve(spec, dirs=()):
        return discovery.ModelInfo(path=spec, model_id=spec, family="blip", kind="captioner", size_bytes=1,
                                   revision="r1", weights_format="safetensors", needs_remote_code=False,
                                   problem=None)

    def fake_run(project, captioner, labeler, *, flt, only_unsuggested, token, progress, **kw):
        from llmvis_desktop.core.tasks import Progress

        seen.update(captioner=captioner, labeler=labeler, flt=flt, only=only_unsuggested, kw=kw)
        ids = project.image_ids(flt)
        for n, i in enumerate(ids[:3]):
            token.check()
            progress(Progress("suggest", n + 1, 3, "1.0 images/s, ETA 0 s"))
        new = project.image_ids(ImageFilter(statuses=("new",)))
        project.add_suggestions([NewSuggestion(new[0], "caption", "a plate", "/m/blip", 0.4, "r1", None, {})])
        rep = batch.SuggestReport(images=3, suggestions=1, seconds=0.1, device="cpu")
        return rep

    monkeypatch.setenv("HF_HUB_CACHE", str(ready_folder.parent / "_hf"))
    win.act_models.trigger()  # Suggestions > Models… opens the model manager on the project
    qtbot.waitUntil(lambda: win.suggest_ctl.model_dialog is not None, timeout=5000)  # (opens once its settings were read)
    mm = win.suggest_ctl.model_dialog
    assert mm is not None and mm.isVisible() and mm.project is win.project
    mm.close()
    monkeypatch.setattr(discovery, "resolve_model", fake_resolve)
    monkeypatch.setattr(batch, "run_suggest", fake_run)
    set_setting(win, "captioner", "/m/blip")
    win.suggest_menu.aboutToShow.emit()
    assert win.act_run_unsuggested.isEnabled() and "/m/blip" in win.act_run_unsuggested.toolTip()
    with qtbot.waitSignal(win.suggest_ctl.models_done, timeout=20000) as b:
        win.act_run_unsuggested.trigger()
    assert isinstance(b.args[0], batch.SuggestReport)
    assert seen["captioner"].path == "/m/blip" and seen["labeler"] is None and seen["only"] is True
    assert "worker" in seen["kw"]
    assert seen["kw"]["started_by"] == "tester"  # the reviewer who started it, kept with its suggestions
    assert "1 suggestion for 3 images" in win.statusBar().currentMessage()
    qtbot.waitUntil(lambda: "suggested 1" in win.counts_label.text(), timeout=10000)


def test_ask_the_image_keep_as_note(qtbot, window, ready_folder, monkeypatch):
    from llmvis_desktop.core.suggest import batch, discovery

    win = window
    open_and_index(qtbot, win, ready_folder)
    chat = discovery.ModelInfo(path="/m/llava", model_id="/m/llava", family="llava", kind="chat", size_bytes=1,
                               revision="r2", weights_format="safetensors", needs_remote_code=False, problem=None)
    monkeypatch.setattr(discovery, "resolve_model", lambda spec, dirs=(): chat)

    def fake_ask(project, image_id, info, question, **kw):
        assert kw.get("store") is False
        return NewSuggestion(image_id, "answer", "yes, a scratch", info.model_id, 0.7, info.revision, question, {})

    monkeypatch.setattr(batch, "ask_image", fake_ask)
    set_setting(win, "captioner", "/m/llava")
    win.suggest_ctl.asker.refresh()
    ask = win.panel_ctl.suggestions.ask_edit
    qtbot.waitUntil(ask.isEnabled, timeout=5000)
    rec = win.review.current
    # the reviewer clicks into the box first: keys reach the widget with the focus, and the
    # key guard (Return for the box, not Accept) goes on it as it takes the focus
    win.activateWindow()
    ask.setFocus(Qt.FocusReason.MouseFocusReason)
    qtbot.waitUntil(ask.hasFocus, timeout=10000)
    ask.setText("is there a scratch?")
    with qtbot.waitSignal(win.suggest_ctl.asker.answer_ready, timeout=10000):
        QTest.keyClick(ask, Qt.Key.Key_Return)
    box = win.suggest_ctl.asker.answer_box
    assert box.isVisible() and "yes, a scratch" in box.text()
    win.suggest_ctl.asker.keep_button.click()
    with Project.open(ready_folder) as p:
        (s,) = [x for x in p.suggestions(rec.id) if x.kind == "answer"]
        assert s.outcome == "accepted" and s.prompt == "is there a scratch?" and s.model_id == "/m/llava"
        assert any(e.action == "note" and e.suggestion_id == s.id for e in p.history(rec.id))


def test_repair_from_image_menu_refreshes_grid(qtbot, window, ready_folder):
    import cv2  # noqa: F401 - a runtime dependency
    win = window
    open_and_index(qtbot, win, ready_folder)
    assert win.act_repair.isEnabled()
    rec = win.review.current
    n = win.model.rowCount()
    win.act_repair.trigger()
    dlg = win.panel_ctl.repair_dialog
    assert dlg is not None and dlg.isVisible() and dlg.project is win.project
    assert dlg.wait_loaded()  # (read on a worker)
    dlg.editor.canvas.fill_rect(10, 10, 30, 20)
    dlg.method.setCurrentIndex(list(dlg.thumbs).index("telea"))
    dlg.run_repair()  # a job in the window's jobs panel
    qtbot.waitUntil(lambda: "telea" in dlg.results, timeout=20000)
    dlg.save_repair()
    qtbot.waitUntil(lambda: not dlg.saving, timeout=15000)  # saved on a worker
    assert win.project.repairs(rec.id)
    qtbot.waitUntil(lambda: win.model.rowCount() == n + 1, timeout=10000)


def test_the_current_image_catches_up_while_a_model_job_runs(qtbot, window, ready_folder, monkeypatch):
    """Rows are committed as a job goes, but the grid and the open image showed them only
    when it ended ("No suggestions for this image yet" beside stored ones)."""
    import threading

    from llmvis_desktop.core.suggest import batch, discovery
    from llmvis_desktop.core.tasks import Progress

    win = window
    project = open_and_index(qtbot, win, ready_folder)
    cur = next(i for i in project.image_ids() if project.image(i).review_status == "new")
    win.grid.select_row(win.model.row_of(cur))
    qtbot.waitUntil(lambda: win.review.current is not None and win.review.current.id == cur, timeout=10000)
    panel = win.panel_ctl.suggestions
    assert panel.is_empty()
    release = threading.Event()

    monkeypatch.setattr(discovery, "resolve_model", lambda spec, dirs=(): discovery.ModelInfo(
        path=spec, model_id=spec, family="blip", kind="captioner", size_bytes=1, revision="r1",
        weights_format="safetensors", needs_remote_code=False, problem=None))

    def slow_run(project, captioner, labeler, *, token, progress, **kw):
        project.add_suggestions([NewSuggestion(cur, "caption", "a plate mid-job", "/m/blip", 0.4, "r1")])
        progress(Progress("suggest", 1, 10, "1 images/s"))
        release.wait(20)  # the job goes on until the test has looked
        return batch.SuggestReport(images=1, suggestions=1, seconds=0.1, device="cpu")

    monkeypatch.setattr(batch, "run_suggest", slow_run)
    set_setting(win, "captioner", "/m/blip")
    win.suggest_ctl.run_models("unsuggested")
    try:
        qtbot.waitUntil(lambda: not panel.is_empty(), timeout=10000)
        assert win.suggest_ctl.models_job.is_active
    finally:
        release.set()
    qtbot.waitUntil(lambda: not win.suggest_ctl.models_job.is_active, timeout=10000)


def test_the_image_on_screen_at_ctrl_l_gets_its_cards_too(qtbot, window, ready_folder):
    """Ctrl+L on an unreviewed image: every other image got learned cards, the one on
    screen none ("No suggestions for this image yet", also after moving away and back),
    and Enter then marked it reviewed with no labels. Only an image that already shows
    learned cards is held (they are not renewed or withdrawn under the reviewer)."""
    win = window
    open_and_index(qtbot, win, ready_folder)
    sc = win.suggest_ctl
    qtbot.waitUntil(lambda: sc.learned_ready is True, timeout=20000)
    p = win.project
    target = p.image_ids(ImageFilter(statuses=("new",)))[0]
    win.grid.select_row(win.model.row_of(target))
    qtbot.waitUntil(lambda: win.review.current is not None and win.review.current.id == target, timeout=5000)
    _run_learned(qtbot, win)
    cards = [s for s in p.suggestions(target, pending_only=True) if s.model_id.startswith("learned:")]
    assert any(s.kind == "label" for s in cards)
    panel = win.panel_ctl.suggestions
    qtbot.waitUntil(lambda: all(panel.card(s.id) is not None for s in cards), timeout=5000)
    # now it shows learned cards: a retrain leaves them alone while it is on screen
    assert sc._on_screen(p) == (target,)


def test_the_learned_status_line_follows_every_review_once_ready(qtbot, window, tmp_path):
    """Once ready, the line was refreshed every 10th review only: after the 15th review
    it still read "from 14 reviewed images; needs 1 more reviewed images of 'scratch'"."""
    folder = _defect_folder(tmp_path, per_class=9, reviewed_per_class=5)
    win = window
    open_and_index(qtbot, win, folder)
    sc = win.suggest_ctl
    qtbot.waitUntil(lambda: "learns 3 labels from 15 reviewed images" in sc.status_label.text(), timeout=20000)
    p = win.project
    todo = p.image_ids(ImageFilter(statuses=("new",)))
    win.review.set_status("reviewed", todo[0])  # reviewed with no label: one more reviewed image
    qtbot.waitUntil(lambda: "learns 3 labels from 16 reviewed images" in sc.status_label.text(), timeout=10000)
    win.review.set_status("reviewed", todo[1])
    qtbot.waitUntil(lambda: "learns 3 labels from 17 reviewed images" in sc.status_label.text(), timeout=10000)
    # and the job's result says "1 label", "1 new suggestion" (a one-label taxonomy)
    from llmvis_desktop.core.suggest.learned import TrainReport
    from llmvis_desktop.qt.learned_holder import learned_result_text

    text = learned_result_text(TrainReport(10, ("scratch",), (), "r", 1.04, 0), 1)
    assert text == "Learned suggester: 1 label from 10 reviewed images (1.0 s); 1 new suggestion"
