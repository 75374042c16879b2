""""Ask the image" answer box: it names the image the answer is about (and says so when
that is not the image shown), keeping an answer is undoable for that image, and a very
long question or answer keeps the box on screen with its buttons.

The model call is gated so the answer arrives after the reviewer has moved on; one test
runs the real tiny LLaVA (tests/core/tiny_models.py) behind the same gate.
"""
from __future__ import annotations

import sys
import threading
from pathlib import Path

import pytest
from PySide6.QtCore import QCoreApplication, QPoint
from PySide6.QtWidgets import QApplication, QPushButton

from qthelpers import open_and_index, set_setting

from llmvis_desktop.core.project import Project
from llmvis_desktop.core.store.records import NewSuggestion

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "core"))
import tiny_models  # noqa: E402

CHAT_PATH = "/m/llava"


def _pump() -> None:
    """Deliver what is queued for the window (the job thread's signals, deferred calls):
    what a test waits for has happened by then (a signal, a finished job); no clock."""
    for _ in range(3):
        QCoreApplication.sendPostedEvents()
        QApplication.processEvents()


@pytest.fixture
def folder(tmp_path):
    return tiny_models.image_folder(tmp_path / "imgs", 6)


def _fake_chat(monkeypatch, answer="yes, a scratch", gate=None):
    """A chat model that answers once ``gate`` (a threading.Event) is set."""
    from llmvis_desktop.core.suggest import batch, discovery

    chat = discovery.ModelInfo(path=CHAT_PATH, model_id=CHAT_PATH, family="llava", kind="chat", size_bytes=1,
                               revision="r1", weights_format="safetensors", needs_remote_code=False, problem=None)
    monkeypatch.setattr(discovery, "resolve_model", lambda spec, dirs=(): chat)

    def fake_ask(project, image_id, info, question, **kw):
        assert kw.get("store") is False
        if gate is not None:
            assert gate.wait(20), "the test never let the model answer"
        return NewSuggestion(image_id, "answer", answer, info.model_id, 0.7, info.revision, question.strip(), {})

    monkeypatch.setattr(batch, "ask_image", fake_ask)


def _enable_ask(qtbot, win, spec=CHAT_PATH):
    set_setting(win, "captioner", spec)
    win.suggest_ctl.asker.refresh()
    ask = win.panel_ctl.suggestions.ask_edit
    qtbot.waitUntil(ask.isEnabled, timeout=20000)
    return ask


def _select(qtbot, win, image_id):
    win.grid.select_row(win.model.row_of(image_id))
    qtbot.waitUntil(lambda: win.review.current is not None and win.review.current.id == image_id, timeout=5000)
    return win.review.current


def _ask_then_move(qtbot, win, ask, question, a_id, b_id, gate):
    """Ask on image A, move to image B, then let the answer come."""
    sc = win.suggest_ctl.asker
    got = []
    sc.answer_ready.connect(got.append)
    a = _select(qtbot, win, a_id)
    ask.setText(question)
    ask.returnPressed.emit()
    assert sc.ask_job is not None
    b = _select(qtbot, win, b_id)
    gate.set()
    qtbot.waitUntil(lambda: bool(got), timeout=60000)
    _pump()
    return a, b, got[0]


def _answers(folder, image_id):
    with Project.open(folder) as p:
        return [s for s in p.suggestions(image_id) if s.kind == "answer"]


def test_answer_names_the_image_it_is_about_after_moving_on(qtbot, window, folder, monkeypatch):
    win = window
    open_and_index(qtbot, win, folder)
    gate = threading.Event()
    _fake_chat(monkeypatch, gate=gate)
    ask = _enable_ask(qtbot, win)
    ids = win.project.image_ids()
    a, b, row = _ask_then_move(qtbot, win, ask, "is there a scratch?", ids[0], ids[3], gate)
    assert row.image_id == a.id and win.review.current.id == b.id

    box = win.suggest_ctl.asker.answer_box
    assert box.isVisible()
    text = box.text()
    assert "yes, a scratch" in text and "is there a scratch?" in text
    assert a.relpath in text and f"about {a.relpath}, not the image shown" in text
    assert b.relpath not in text.split("\n\n", 1)[1]  # the question and answer say nothing of B

    # back on A the box says plainly that it is about the image shown
    _select(qtbot, win, a.id)
    assert "not the image shown" not in box.text() and a.relpath in box.text()
    _select(qtbot, win, b.id)
    assert f"about {a.relpath}, not the image shown" in box.text()

    # keep as note: stored on A (not B), accepted, and undoable from B
    win.suggest_ctl.asker.keep_button.click()
    _pump()
    assert not box.isVisible()
    (s,) = _answers(folder, a.id)
    assert s.outcome == "accepted" and s.prompt == "is there a scratch?"
    assert _answers(folder, b.id) == []
    assert win.review.current.id == b.id  # keeping it did not move the review
    assert win.review.undo_stack.canUndo()
    win.review.undo()
    _pump()
    (s,) = _answers(folder, a.id)
    assert s.outcome == "withdrawn"  # as if closed: not left a pending answer card
    win.review.redo()
    _pump()
    (s,) = _answers(folder, a.id)
    assert s.outcome == "accepted"


def test_answer_about_the_image_shown(qtbot, window, folder, monkeypatch):
    win = window
    open_and_index(qtbot, win, folder)
    _fake_chat(monkeypatch)
    ask = _enable_ask(qtbot, win)
    rec = _select(qtbot, win, win.project.image_ids()[2])
    with qtbot.waitSignal(win.suggest_ctl.asker.answer_ready, timeout=10000):
        ask.setText("what is this?")
        ask.returnPressed.emit()
    _pump()
    box = win.suggest_ctl.asker.answer_box
    assert box.isVisible() and rec.relpath in box.text() and "not the image shown" not in box.text()
    win.suggest_ctl.asker.keep_button.click()
    _pump()
    (s,) = _answers(folder, rec.id)
    assert s.outcome == "accepted"
    assert win.review.undo_stack.canUndo()
    win.review.undo()
    _pump()
    (s,) = _answers(folder, rec.id)
    assert s.outcome != "accepted"


def _on_screen(box) -> None:
    """The whole box fits the screen and both buttons lie inside it."""
    screen = box.screen() or QApplication.primaryScreen()
    avail = screen.availableGeometry()
    assert box.frameGeometry().height() <= avail.height(), (box.frameGeometry(), avail)
    assert box.frameGeometry().width() <= avail.width(), (box.frameGeometry(), avail)
    for button in box.findChildren(QPushButton):
        if not button.isVisible():
            continue
        bottom = button.mapTo(box, QPoint(0, button.height())).y()
        assert 0 < bottom <= box.height(), (button.text(), bottom, box.height())


def test_long_question_is_elided_and_box_fits_on_screen(qtbot, window, folder, monkeypatch):
    win = window
    open_and_index(qtbot, win, folder)
    long_answer = "it looks like a scratch near the edge of the plate " * 120
    _fake_chat(monkeypatch, answer=long_answer)
    ask = _enable_ask(qtbot, win)
    question = "Is there a scratch on the metal surface near the edge of the plate and " * 200 + "?"
    ask.setText(question)
    with qtbot.waitSignal(win.suggest_ctl.asker.answer_ready, timeout=10000) as blocker:
        ask.returnPressed.emit()
    asked = blocker.args[0].prompt
    _pump()
    box = win.suggest_ctl.asker.answer_box
    assert box.isVisible() and win.suggest_ctl.asker.keep_button.isVisible()
    _on_screen(box)
    assert len(asked) <= 1000 and len(ask.text()) <= 1000  # the ask box takes at most 1000 characters
    shown = box.question_label.text()
    assert len(shown) < 400 and shown.endswith("…")
    assert asked[:200] in shown
    assert asked[-50:] in box.question_label.toolTip()  # the full question in the tooltip

    # an answer row with a huge question from elsewhere (not typed in the box) fits too
    box.close_button.click()  # (one coming while this one is shown waits for it)
    row = NewSuggestion(win.review.current.id, "answer", long_answer, CHAT_PATH, 0.5, "r1", question * 2, {})
    win.suggest_ctl.asker._show_answer(row)
    _pump()
    assert len(box.text()) < 300 + len(long_answer) + 400
    tip = box.question_label.toolTip()  # a tooltip of 28,000 characters would fill the screen: cut, says so
    assert len(tip) < 2200 and "28402 characters" in tip
    _on_screen(box)
    win.suggest_ctl.asker.keep_button.click()
    _pump()
    (s,) = _answers(folder, row.image_id)
    assert s.prompt == question * 2  # the full question is kept, only its display is short


def test_real_tiny_llava_answer_after_moving_on(qtbot, window, folder, monkeypatch, tmp_path):
    pytest.importorskip("transformers")
    pytest.importorskip("torch")
    from llmvis_desktop.core.suggest import batch

    model = tiny_models.build_llava(tmp_path / "tiny-llava")
    gate = threading.Event()
    real = batch.ask_image

    def gated(*args, **kw):
        assert gate.wait(30)
        return real(*args, **kw)

    monkeypatch.setattr(batch, "ask_image", gated)
    win = window
    open_and_index(qtbot, win, folder)
    ask = _enable_ask(qtbot, win, str(model))
    ids = win.project.image_ids()
    a, b, row = _ask_then_move(qtbot, win, ask, "is there a scratch?", ids[1], ids[4], gate)
    box = win.suggest_ctl.asker.answer_box
    assert row.image_id == a.id and f"about {a.relpath}, not the image shown" in box.text()
    win.suggest_ctl.asker.keep_button.click()
    _pump()
    (s,) = _answers(folder, a.id)
    assert s.outcome == "accepted" and _answers(folder, b.id) == []
    # who asked is kept with the note, as with a job's suggestions (it was not: hhunt4)
    assert s.params.get("started_by") == "tester" and s.params.get("score_kind"), s.params
    assert win.review.undo_stack.canUndo()


# --- guards: another project, the viewer's pixels, cancel, a second question, a bad model ---------
def _recording_chat(monkeypatch, gate=None, info_kw=None):
    """Like _fake_chat, returning the list of (image id, question, frame, window) asked."""
    from llmvis_desktop.core.suggest import batch, discovery

    chat = discovery.ModelInfo(path=CHAT_PATH, model_id=CHAT_PATH, family="llava", kind="chat", size_bytes=1,
                               revision="r1", weights_format="safetensors", needs_remote_code=False, problem=None,
                               **(info_kw or {}))
    monkeypatch.setattr(discovery, "resolve_model", lambda spec, dirs=(): chat)
    calls = []

    def fake_ask(project, image_id, info, question, **kw):
        calls.append((image_id, question, kw.get("frame"), kw.get("window")))
        if gate is not None:
            assert gate.wait(20), "the test never let the model answer"
        return NewSuggestion(image_id, "answer", f"about {question}", info.model_id, 0.7, info.revision,
                             question.strip(), {})

    monkeypatch.setattr(batch, "ask_image", fake_ask)
    return chat, calls


def _ask(win, ask, question):
    ask.setText(question)
    ask.returnPressed.emit()


def test_keep_after_opening_another_project_stores_nothing_there(qtbot, window, folder, monkeypatch, tmp_path):
    """An answer asked in project A, kept after B is open, once landed on B's image of the same id."""
    win = window
    other = tiny_models.image_folder(tmp_path / "other", 6)
    open_and_index(qtbot, win, folder)
    _recording_chat(monkeypatch)
    ask = _enable_ask(qtbot, win)
    sc = win.suggest_ctl.asker
    rec = _select(qtbot, win, win.project.image_ids()[2])
    with qtbot.waitSignal(sc.answer_ready, timeout=10000):
        _ask(win, ask, "is there a dent?")
    _pump()
    assert sc.answer_box.isVisible()
    open_and_index(qtbot, win, other)
    _pump()
    assert rec.id in win.project.image_ids()  # B has an image of the same id
    assert not sc.answer_box.isVisible()  # closing A closed its answer
    assert sc.keep_answer() is None
    assert _answers(other, rec.id) == [] and _answers(folder, rec.id) == []


def test_answer_arriving_after_opening_another_project_is_dropped(qtbot, window, folder, monkeypatch, tmp_path):
    win = window
    other = tiny_models.image_folder(tmp_path / "other", 6)
    open_and_index(qtbot, win, folder)
    gate = threading.Event()
    _chat, calls = _recording_chat(monkeypatch, gate=gate)
    ask = _enable_ask(qtbot, win)
    sc = win.suggest_ctl.asker
    got = []
    sc.answer_ready.connect(got.append)
    rec = _select(qtbot, win, win.project.image_ids()[2])
    _ask(win, ask, "is there a dent?")
    job = sc.ask_job
    ended = []
    job.signals.finished.connect(lambda: ended.append(True))
    sent = _result_sent(job)
    qtbot.waitUntil(lambda: len(calls) == 1, timeout=10000)  # the model is generating
    gate.set()  # answered while B opens: its result is delivered once B is open
    # the job's result is on its way (queued for this thread) before B opens: the job
    # cannot drop it itself any more (its token's check came before), the window must
    assert sent.wait(10), "the answer was never sent"
    open_and_index(qtbot, win, other)
    qtbot.waitUntil(lambda: bool(ended), timeout=10000)
    _pump()
    assert got == [] and (sc.answer_box is None or not sc.answer_box.isVisible())
    assert sc.keep_answer() is None
    assert _answers(other, rec.id) == [] and _answers(folder, rec.id) == []


def test_ask_before_the_viewer_shows_the_image_uses_the_file_as_it_is(qtbot, window, folder, monkeypatch):
    """The viewer's frame and window are the previous image's until the new one is read."""
    from llmvis_desktop.qt import image_shown

    win = window
    open_and_index(qtbot, win, folder)
    _chat, calls = _recording_chat(monkeypatch)
    ask = _enable_ask(qtbot, win)
    sc = win.suggest_ctl.asker
    ids = win.project.image_ids()
    first = _select(qtbot, win, ids[0])
    qtbot.waitUntil(lambda: getattr(win, "viewer_image", None) == (win.project, first.id), timeout=10000)
    # the viewer shows frame 2 of a CT through a bone window
    monkeypatch.setattr(win.viewer, "frames", lambda: (2, 3))
    monkeypatch.setattr(win.viewer, "window", lambda: (135.5, 2063.0))
    monkeypatch.setattr(win.viewer, "window_enabled", lambda: True)
    loaded = threading.Event()
    real_read = image_shown._read_image

    def gated_read(path, *args):
        if Path(path).name == second_name:
            assert loaded.wait(20), "the test never let the image load"
        return real_read(path, *args)

    second_name = Path(win.project.path_of(win.project.image(ids[1]))).name
    monkeypatch.setattr(image_shown, "_read_image", gated_read)
    try:
        second = _select(qtbot, win, ids[1])
        with qtbot.waitSignal(sc.answer_ready, timeout=10000):
            _ask(win, ask, "what now?")
        assert calls[-1] == (second.id, "what now?", 0, None)
    finally:
        loaded.set()
    qtbot.waitUntil(lambda: getattr(win, "viewer_image", None) == (win.project, second.id), timeout=10000)
    with qtbot.waitSignal(sc.answer_ready, timeout=10000):
        _ask(win, ask, "and now?")  # the viewer shows it: its frame and window are what was asked about
    assert calls[-1] == (second.id, "and now?", 2, (135.5, 2063.0))


def _result_sent(job) -> threading.Event:
    """Set in the job's thread when it sends its result (not yet delivered to the window:
    nothing here processes the window's events meanwhile)."""
    from PySide6.QtCore import Qt

    sent = threading.Event()
    job.signals.result.connect(lambda *_: sent.set(), Qt.ConnectionType.DirectConnection)
    return sent


def test_cancel_pressed_while_the_answer_is_on_its_way_drops_it(qtbot, window, folder, monkeypatch):
    """The Jobs panel's Cancel pressed after the model answered, its answer not yet shown:
    the answer is dropped (the job's own check of its token came before the Cancel)."""
    win = window
    open_and_index(qtbot, win, folder)
    gate = threading.Event()
    _chat, calls = _recording_chat(monkeypatch, gate=gate)
    ask = _enable_ask(qtbot, win)
    sc = win.suggest_ctl.asker
    got = []
    sc.answer_ready.connect(got.append)
    _select(qtbot, win, win.project.image_ids()[1])
    _ask(win, ask, "cancel me late?")
    job = sc.ask_job
    ended = []
    job.signals.finished.connect(lambda: ended.append(True))
    sent = _result_sent(job)
    qtbot.waitUntil(lambda: len(calls) == 1, timeout=10000)
    gate.set()
    assert sent.wait(10), "the answer was never sent"
    job.cancel()  # before the window got the answer
    qtbot.waitUntil(lambda: bool(ended), timeout=10000)
    _pump()
    assert got == [] and (sc.answer_box is None or not sc.answer_box.isVisible())
    assert sc.keep_answer() is None


def test_cancelled_question_is_dropped_and_a_new_one_starts(qtbot, window, folder, monkeypatch):
    win = window
    open_and_index(qtbot, win, folder)
    gate = threading.Event()
    _chat, calls = _recording_chat(monkeypatch, gate=gate)
    ask = _enable_ask(qtbot, win)
    sc = win.suggest_ctl.asker
    got = []
    sc.answer_ready.connect(got.append)
    ids = win.project.image_ids()
    _select(qtbot, win, ids[1])
    _ask(win, ask, "slow, cancel me?")
    first = sc.ask_job
    ended = []
    first.signals.finished.connect(lambda: ended.append(True))
    qtbot.waitUntil(lambda: len(calls) == 1, timeout=10000)  # generating
    first.cancel()  # the Jobs panel's Cancel
    _ask(win, ask, "a new question?")
    assert sc.ask_job is not first  # not blocked by the cancelled one
    with qtbot.waitSignal(sc.answer_ready, timeout=10000):
        gate.set()
    qtbot.waitUntil(lambda: bool(ended), timeout=10000)
    _pump()
    assert [r.prompt for r in got] == ["a new question?"]
    assert first.state == "cancelled"


def test_second_question_while_answering_is_asked_next(qtbot, window, folder, monkeypatch):
    win = window
    open_and_index(qtbot, win, folder)
    gate = threading.Event()
    _chat, calls = _recording_chat(monkeypatch, gate=gate)
    ask = _enable_ask(qtbot, win)
    sc = win.suggest_ctl.asker
    got = []
    sc.answer_ready.connect(got.append)
    ids = win.project.image_ids()
    a = _select(qtbot, win, ids[0])
    _ask(win, ask, "first question?")
    b = _select(qtbot, win, ids[3])
    _ask(win, ask, "second question?")
    status = win.statusBar().currentMessage()
    assert a.relpath in status and b.relpath in status and "asked next" in status
    gate.set()
    qtbot.waitUntil(lambda: len(got) == 2, timeout=20000)
    assert [(r.image_id, r.prompt) for r in got] == [(a.id, "first question?"), (b.id, "second question?")]
    assert [c[:2] for c in calls] == [(a.id, "first question?"), (b.id, "second question?")]
    assert b.relpath in sc.answer_box.text()


def test_chat_model_folder_deleted_says_so(qtbot, window, folder, monkeypatch, tmp_path):
    """The real ask_image on a model whose folder is gone: not "no tokenizer files"."""
    from llmvis_desktop.core.suggest import discovery

    gone = tmp_path / "llava-del"
    chat = discovery.ModelInfo(path=str(gone), model_id=str(gone), family="llava", kind="chat", size_bytes=1,
                               revision="r1", weights_format="safetensors", needs_remote_code=False, problem=None)
    monkeypatch.setattr(discovery, "resolve_model", lambda spec, dirs=(): chat)
    win = window
    open_and_index(qtbot, win, folder)
    ask = _enable_ask(qtbot, win, str(gone))
    errors = []
    monkeypatch.setattr(win, "show_error", lambda text, *a: errors.append(text))
    _select(qtbot, win, win.project.image_ids()[1])
    _ask(win, ask, "what is it?")
    qtbot.waitUntil(lambda: bool(errors), timeout=60000)
    assert "this model's folder is no longer there (moved or deleted)" in errors[0], errors
    assert "Suggestions ▸ Models" in errors[0] and "tokenizer" not in errors[0]


def test_refused_chat_captioner_disables_the_box(qtbot, window, folder, monkeypatch):
    win = window
    open_and_index(qtbot, win, folder)
    _recording_chat(monkeypatch, info_kw={"damaged": "model.safetensors is cut short: 101,036 of 202,072 bytes"})
    set_setting(win, "captioner", CHAT_PATH)
    win.suggest_ctl.asker.refresh()
    ask = win.panel_ctl.suggestions.ask_edit
    qtbot.waitUntil(lambda: "refused" in ask.toolTip(), timeout=10000)
    assert not ask.isEnabled()
    assert ask.toolTip().startswith("The chosen captioner is refused: ") and "cut short" in ask.toolTip()
    assert win.suggest_ctl.asker.chat_model is None


def test_queued_question_survives_cancelling_the_running_one(qtbot, window, folder, monkeypatch):
    """Q1 running, Q2 queued, Q1 cancelled, Q3 asked (starts at once): Q2 is still asked, after Q3."""
    from llmvis_desktop.core.suggest import batch

    win = window
    open_and_index(qtbot, win, folder)
    _recording_chat(monkeypatch)
    gates = {"q1?": threading.Event(), "q3?": threading.Event()}
    calls = []

    def fake_ask(project, image_id, info, question, **kw):
        calls.append(question)
        if question in gates:
            assert gates[question].wait(20), "the test never let the model answer"
        return NewSuggestion(image_id, "answer", "a", info.model_id, 0.7, info.revision, question, {})

    monkeypatch.setattr(batch, "ask_image", fake_ask)
    ask = _enable_ask(qtbot, win)
    sc = win.suggest_ctl.asker
    got = []
    sc.answer_ready.connect(got.append)
    _select(qtbot, win, win.project.image_ids()[0])
    _ask(win, ask, "q1?")
    first = sc.ask_job
    ended = []
    first.signals.finished.connect(lambda: ended.append(True))
    qtbot.waitUntil(lambda: calls == ["q1?"], timeout=10000)
    _ask(win, ask, "q2?")
    first.cancel()
    _ask(win, ask, "q3?")
    assert sc.ask_job is not first
    qtbot.waitUntil(lambda: calls == ["q1?", "q3?"], timeout=10000)
    gates["q1?"].set()  # the cancelled one ends while q3 is still generating
    qtbot.waitUntil(lambda: bool(ended), timeout=10000)
    gates["q3?"].set()
    qtbot.waitUntil(lambda: len(got) == 2, timeout=20000)
    assert [r.prompt for r in got] == ["q3?", "q2?"]


def test_a_cancelled_question_that_fails_shows_no_error_box(qtbot, window, folder, monkeypatch):
    """Cancelled, the question's answer was dropped but its failure still opened an error
    box about a question the reviewer had given up on."""
    from llmvis_desktop.core.suggest import batch

    win = window
    open_and_index(qtbot, win, folder)
    gate = threading.Event()
    _recording_chat(monkeypatch, gate=gate)
    ask = _enable_ask(qtbot, win)
    started = threading.Event()

    def failing(*a, **kw):
        started.set()
        assert gate.wait(20)
        raise RuntimeError("CUDA out of memory")

    monkeypatch.setattr(batch, "ask_image", failing)
    shown = []
    monkeypatch.setattr(win, "show_error", shown.append)
    sc = win.suggest_ctl.asker
    _select(qtbot, win, win.project.image_ids()[1])
    _ask(win, ask, "doomed?")
    job = sc.ask_job
    qtbot.waitUntil(started.is_set, timeout=10000)
    job.cancel()
    gate.set()
    qtbot.waitUntil(lambda: not job.is_active, timeout=10000)
    _pump()
    assert shown == []
    # not cancelled: the failure is said
    gate.clear()
    started.clear()
    _ask(win, ask, "doomed again?")
    job = sc.ask_job
    qtbot.waitUntil(started.is_set, timeout=10000)
    gate.set()
    qtbot.waitUntil(lambda: bool(shown), timeout=10000)
    assert "CUDA out of memory" in shown[0]
