"""An out-of-memory while answering "Ask the image" was only logged: the answer box showed
the answer as if nothing had happened. It now says, in plain words, what happened and what
the tool did (moved the model to the CPU, retried smaller); an answer with nothing to say
shows no note; one that could not be answered says why in plain words."""
from __future__ import annotations

from test_ask_image import _enable_ask, _pump, _select, folder  # noqa: F401 - fixture
from qthelpers import open_and_index

from llmvis_desktop.core.store.records import NewSuggestion

CHAT_PATH = "/m/llava"
MOVED = ("The GPU (cuda) ran out of memory while the model worked, even for one image: the tool moved the model "
         "to the CPU and went on there (slower; it stays on the CPU while it is loaded).")


def _chat(monkeypatch, notes_for):
    """A chat model whose answer to a question comes with ``notes_for[question]``."""
    from llmvis_desktop.core.suggest import batch, discovery

    chat = discovery.ModelInfo(path=CHAT_PATH, model_id=CHAT_PATH, family="llava", kind="chat", size_bytes=1,
                               revision="r1", weights_format="safetensors", needs_remote_code=False, problem=None)
    monkeypatch.setattr(discovery, "resolve_model", lambda spec, dirs=(): chat)

    def fake_ask(project, image_id, info, question, **kw):
        for note in notes_for.get(question, ()):
            kw["on_note"](note)  # as the engine says it while it answers
        if question == "fails":
            raise batch.SuggestError("not enough memory to answer, even on the CPU: nothing was answered "
                                     "(close other programs, or choose a smaller model)")
        return NewSuggestion(image_id, "answer", "a scratch", info.model_id, 0.7, info.revision, question, {})

    monkeypatch.setattr(batch, "ask_image", fake_ask)


def _ask(qtbot, win, ask, question):
    sc = win.suggest_ctl.asker
    with qtbot.waitSignal(sc.answer_ready, timeout=10000):
        ask.setText(question)
        ask.returnPressed.emit()
    _pump()
    return sc.answer_box


def test_the_answer_box_says_what_an_out_of_memory_did(qtbot, window, folder, monkeypatch):  # noqa: F811
    win = window
    open_and_index(qtbot, win, folder)
    _chat(monkeypatch, {"is there a scratch?": [MOVED]})
    ask = _enable_ask(qtbot, win)
    _select(qtbot, win, win.project.image_ids()[1])
    box = _ask(qtbot, win, ask, "is there a scratch?")
    assert box.isVisible() and box.note_label.isVisible()
    assert box.note_label.text().replace("\u200b", "") == MOVED
    assert MOVED in box.text() and "A: a scratch" in box.text()
    box = _ask(qtbot, win, ask, "and now?")  # nothing happened this time: no note
    assert not box.note_label.isVisible() and MOVED not in box.text()


def test_an_answer_out_of_memory_even_on_the_cpu_is_said(qtbot, window, folder, monkeypatch):  # noqa: F811
    win = window
    open_and_index(qtbot, win, folder)
    _chat(monkeypatch, {"fails": [MOVED]})
    ask = _enable_ask(qtbot, win)
    rec = _select(qtbot, win, win.project.image_ids()[1])
    shown = []
    monkeypatch.setattr(win, "show_error", shown.append)
    ask.setText("fails")
    ask.returnPressed.emit()
    qtbot.waitUntil(lambda: bool(shown), timeout=10000)
    assert shown == [f"No answer about {rec.relpath}: not enough memory to answer, even on the CPU: nothing was "
                     f"answered (close other programs, or choose a smaller model)"], shown
