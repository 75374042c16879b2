""""Ask the image" for the main window: the question box in the suggestion panel is
enabled when the project's captioner is a chat model (LLaVA, SmolVLM, Qwen-VL); a
question runs on the shared model thread as a job, the answer shows in one non-modal
:class:`.widgets.answer_box.AnswerBox`, and "Keep as note" stores it as an accepted
suggestion on the image it is about (undoable, in the history), wherever the review
has moved meanwhile. Nothing is stored until the reviewer keeps the answer; one that
comes while another the reviewer had not seen when asking is shown waits for it.
Questions asked while one is being answered are asked in turn, in the order asked.
"""
from __future__ import annotations

import logging

from pathlib import Path
from typing import Callable, Optional

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import QApplication

from ..core.wording import model_short_name, visible_name
from .settings_reads import OPTINS
from .widgets.answer_box import AnswerBox
from .workers import LatestOnly, void

log = logging.getLogger(__name__)

#: the window's shortcut to the answer box (Suggestions menu), which leaves the keys with the review
ANSWER_KEY = "Ctrl+Shift+A"
#: the window's shortcut to the question box ("Ask the image", under the suggestion cards)
QUESTION_KEY = "Ctrl+Shift+Q"

ASK_NO_CHAT_TIP = ("Ask the image needs a chat model (LLaVA, SmolVLM, Qwen-VL) chosen as the captioner "
                   "in Suggestions ▸ Models….")
ASK_TIP = "Type a question about this image and press Enter; {model} answers it locally."
#: what the ask box reads: "Ask the image…" on a box that takes no typing invited a question
#: nothing would answer, the reason only in a tooltip; switched off, it says what it needs
ASK_PLACEHOLDER = "Ask the image\u2026"
ASK_OFF_PLACEHOLDER = "Ask the image: choose a chat model in Suggestions \u25b8 Models\u2026"
ASK_UNUSABLE_PLACEHOLDER = "Ask the image: the chosen captioner cannot be used (hover for why)"
#: an image the index could not read (or found missing): the models skip it, and a question
#: asked about it ended in an error box
ASK_UNREADABLE = {"error": ("Ask the image: this file cannot be read",
                            ("This file cannot be read (the viewer says why): no model can answer about it. "
                             "Re-index the folder (F5) once the file is fixed.")),
                  "missing": ("Ask the image: this file is missing",
                              "This file is missing from the folder: no model can answer about it.")}
ASK_MAX_CHARS = 1000  # what the ask box takes


MISSING_TIP = ("{path}: this model's folder is no longer there (moved or deleted); choose the captioner "
               "again in Suggestions ▸ Models…")


def _resolve_chat(spec: str, model_dirs, optins: dict):
    """(chat ModelInfo or None, why it is refused or None); ``optins``: the project's saved
    opt-ins, read by the rule suggestion jobs and answers use (an HF-cache model by its id too)."""
    from ..core.suggest.optins import saved_optins
    from ..core.suggest.discovery import ModelRefused, check, resolve_model

    info = resolve_model(spec, model_dirs)
    if info.kind != "chat":
        return None, None
    try:
        check(info, *saved_optins(optins, info))
    except ModelRefused as exc:  # a cut-short download: refused before anyone types a question
        return info, str(exc)
    return info, None


class AskController(QObject):
    answer_ready = Signal(object)  # NewSuggestion (not stored yet)

    def __init__(self, win, chosen: Callable[[], tuple]) -> None:
        """``chosen()``: the project's (captioner, labeler) settings."""
        super().__init__(win)
        self.win = win
        self._chosen = chosen
        self.chat_model = None  # ModelInfo of a chosen chat captioner
        self.ask_job = None
        self.answer_box: Optional[AnswerBox] = None
        # (project, image id, relpath) of the last question: its answer belongs to that project only
        self._asked: Optional[tuple] = None
        self._answer = None  # the answer shown (not stored yet)
        self._answer_project = None  # the project it was asked in
        self._answer_relpath = ""
        # questions asked while another was being answered, in the order asked (one kept only
        # the latest: a third question took the place of the second, never asked, unsaid)
        self._pending: list = []
        # answers that came while one the reviewer had not yet seen when asking was shown:
        # (row, notes, project, relpath), shown in turn by Keep as note or Close (replacing
        # the answer shown lost it: nothing is stored until kept)
        self._waiting: list = []
        self._replaceable = False  # the answer shown was on screen when a question was asked
        self._answer_notes: tuple = ()  # what happened while the answer shown was made
        self._loader = LatestOnly(self)
        self._loader.done.connect(self._on_chat_model)
        panel = win.panel_ctl.suggestions
        if panel is not None:
            panel.ask_edit.returnPressed.connect(self.ask)
            panel.ask_edit.textChanged.connect(self._ask_text_changed)
        self._ask_state = (False, ASK_NO_CHAT_TIP, ASK_OFF_PLACEHOLDER)  # as the chosen captioner allows
        win.review.current_changed.connect(self._show_ask)  # (an unreadable image: off)

    def closed(self) -> None:
        """The project was closed: no chat model, the box disabled, and its answer (not
        kept) and queued question dropped: they belong to the closed project."""
        self.chat_model = None
        self._loader.cancel()
        self._set_ask(False, ASK_NO_CHAT_TIP)
        self._hint("")
        self._pending = []
        self._waiting = []
        self._answer = self._answer_project = self._asked = None
        if self.answer_box is not None:
            self.answer_box.hide()

    def shutdown(self) -> None:
        self._loader.shutdown()

    def refresh(self) -> None:
        """Find out (off the GUI thread) whether the project's captioner is a chat model."""
        cap, _lab = self._chosen()
        if not cap or self.win.project is None:
            self.chat_model = None
            self._set_ask(False, ASK_NO_CHAT_TIP)
            return
        try:  # (the setting's name not from core.suggest.batch: 65 ms of imports on this thread)
            optins = dict(self.win.project_ctl.opened_settings(self.win.project).get(OPTINS) or {})
        except Exception:
            optins = {}
        self._loader.submit(_resolve_chat, cap, list(self.win.config.model_dirs), optins)

    def _on_chat_model(self, result, error) -> None:
        if self.win.project is None:
            return
        info, refused = result if error is None else (None, None)
        self.chat_model = info if error is None and refused is None else None
        if error is not None:
            self._set_ask(False, f"The chosen captioner cannot be found: {error}", ASK_UNUSABLE_PLACEHOLDER)
        elif info is None:
            self._set_ask(False, ASK_NO_CHAT_TIP)
        elif refused is not None:
            self._set_ask(False, f"The chosen captioner is refused: {refused}", ASK_UNUSABLE_PLACEHOLDER)
        else:
            self._set_ask(True, ASK_TIP.format(model=model_short_name(info.model_id)))

    def _set_ask(self, on: bool, tip: str, off_text: str = ASK_OFF_PLACEHOLDER) -> None:
        self._ask_state = (on, tip, off_text)
        self._show_ask()

    def _show_ask(self, *_args) -> None:
        """The ask box as the chosen captioner allows, switched off on an image the index
        could not read or found missing (the suggestion panel says the models skip it): it
        took a question there, and the answer was an error box."""
        on, tip, off_text = self._ask_state
        unreadable = ASK_UNREADABLE.get(getattr(self.win.review.current, "status", None))
        if on and unreadable is not None:
            on, (off_text, tip) = False, unreadable
        panel = self.win.panel_ctl.suggestions
        if panel is not None:
            panel.ask_edit.setEnabled(on)
            panel.ask_edit.setToolTip(tip)
            panel.ask_edit.setPlaceholderText(ASK_PLACEHOLDER if on else off_text)

    def _hint(self, text: str) -> None:
        """``text`` under the ask box ("" hides it)."""
        hint = getattr(self.win.panel_ctl.suggestions, "ask_hint", None)
        if hint is not None:
            hint.setText(text)
            hint.setVisible(bool(text))

    def _ask_text_changed(self, text: str) -> None:
        """A question longer than the box takes (a pasted essay makes an unreadable answer
        box) is cut to its first :data:`ASK_MAX_CHARS` characters, and the box says so
        (QLineEdit's own limit cut a paste with no word); any other change takes the hint away."""
        edit = self.win.panel_ctl.suggestions.ask_edit
        if len(text) <= ASK_MAX_CHARS:
            return self._hint("")
        more = " or more" if len(text) >= edit.maxLength() else ""
        edit.setText(text[:ASK_MAX_CHARS])
        self._hint(f"The question was cut to its first {ASK_MAX_CHARS:,} characters: the box takes "
                   f"{ASK_MAX_CHARS:,}, and {len(text):,}{more} were pasted or typed.")

    def _busy(self) -> bool:
        job = self.ask_job  # a cancelled job may still be generating: its answer is dropped
        return job is not None and job.is_active and not job.token.cancelled

    def ask(self) -> None:
        panel = self.win.panel_ctl.suggestions
        rec = self.win.review.current
        project, info = self.win.project, self.chat_model
        if panel is None or rec is None or project is None or info is None:
            return
        question = panel.ask_edit.text().strip()
        if not question:
            return self._hint("Type a question, then press Enter: the box is empty.")
        self._replaceable = self._answer is not None  # asked with that answer on screen: read
        frame, window = 0, None  # the file as it is, unless the viewer shows this image already
        viewer = getattr(self.win, "viewer", None)  # what the reviewer is looking at
        if (viewer is not None and viewer.has_image()
                and getattr(self.win, "viewer_image", None) == (project, rec.id)):
            frame = viewer.frames()[0]
            window = viewer.window() if viewer.window_enabled() else None
        if self._busy():  # asked after the questions already waiting
            self._pending.append((project, info, rec, question, frame, window))
            busy_about = visible_name(self._asked[2]) if self._asked is not None else "an image"
            n = len(self._pending)
            when = "is asked next" if n == 1 else f"is asked after the others ({n} questions wait)"
            self.win.statusBar().showMessage(f"Still answering about {busy_about}; the question about "
                                             f"{visible_name(rec.relpath)} {when}.", 8000)
            self.win.grid.setFocus()
            return
        self._start(project, info, rec, question, frame, window)

    def _start(self, project, info, rec, question: str, frame: int, window) -> None:
        from ..core.config import person

        device, started_by = self.win.config.device, person(None, self.win.config)  # who asked, kept with it
        self._asked = (project, rec.id, rec.relpath)  # the answer names this image, wherever the review has moved

        def job(token, progress):
            from ..core.suggest.batch import ask_image
            from ..core.suggest.discovery import ModelRefused
            from ..core.suggest.worker import shared_worker
            from ..core.tasks import Progress

            progress(Progress("ask", 0, 1, info.model_id))
            notes: list = []  # what happened to the model meanwhile (out of memory), in plain words
            try:
                row = ask_image(project, rec.id, info, question, worker=shared_worker(), device=device,
                                store=False, frame=frame, window=window, on_note=notes.append,
                                started_by=started_by)
            except ModelRefused as exc:
                if not Path(info.path).is_dir():  # moved or deleted since it was chosen
                    raise ModelRefused(MISSING_TIP.format(path=info.path)) from exc
                raise
            token.check()  # cancelled while the model generated: the answer is dropped
            return row, notes

        name = visible_name(rec.relpath)  # a name's control characters escaped, as the grid shows it
        self.ask_job = job_ = self.win.jobs.start(f"Ask the image ({name})", job)
        self.win.grid.setFocus()  # the review keys work again while the answer comes
        job_.signals.result.connect(lambda out: self._on_result(job_, project, *out))
        job_.signals.error.connect(
            void(lambda exc: self._on_error(project, f"No answer about {name}: {exc}", job_)))
        job_.signals.finished.connect(self._start_pending)

    def _on_result(self, job, project, row, notes=()) -> None:
        if job.token.cancelled or project is not self.win.project:
            return  # cancelled, or asked in a project since closed
        self._show_answer(row, notes)

    def _on_error(self, project, text: str, job=None) -> None:
        if job is not None and job.token.cancelled:  # the reviewer gave up on it: no box
            log.info("cancelled question failed: %s", text)
            return
        if project is self.win.project:
            self.win.show_error(text)
            if self.chat_model is not None and not Path(self.chat_model.path).is_dir():
                self.refresh()  # the box says the captioner cannot be found

    def _start_pending(self) -> None:
        if self._busy():
            return  # (a question started since: the others wait for it)
        self._pending = [p for p in self._pending if p[0] is self.win.project]
        if not self._pending:
            return
        if self.chat_model is None:  # the captioner was changed to one that cannot answer
            names = ", ".join(dict.fromkeys(visible_name(p[2].relpath) for p in self._pending))
            n = len(self._pending)
            self._pending = []
            self.win.statusBar().showMessage(f"The question{'s' if n > 1 else ''} about {names} "
                                             f"{'were' if n > 1 else 'was'} not asked: the chosen captioner "
                                             f"cannot answer questions now.", 8000)
            return
        pending = self._pending.pop(0)
        project, _info, rec, question, frame, window = pending
        self._start(project, self.chat_model, rec, question, frame, window)

    def _relpath_of(self, image_id: int) -> str:
        asked = self._asked
        if asked is not None and asked[0] is self.win.project and asked[1] == image_id:
            return asked[2]
        rec = self.win.model.record(image_id)
        if rec is None and self.win.project is not None:
            try:
                rec = self.win.project.image(image_id)
            except Exception:
                rec = None
        return rec.relpath if rec is not None else f"image #{image_id}"

    def _show_answer(self, row, notes=()) -> None:
        """``notes``: what happened to the model while it answered (an out-of-memory moved
        it to the CPU, or made it retry smaller), in plain words, shown above the answer.
        An answer shown, not kept, and not yet on screen when the last question was asked
        is not replaced: this one waits (:meth:`_show_next`)."""
        box = self.answer_box
        if box is None:  # one non-modal box, reused
            box = AnswerBox(self.win)
            self.keep_button = box.keep_button
            self.keep_button.clicked.connect(void(self.keep_answer))
            box.close_button.clicked.connect(self._show_next)
            box.rejected.connect(self._show_next)  # Esc, the title bar's close
            self.win.review.current_changed.connect(self._update_answer_about)
            self.answer_box = box
        relpath = self._relpath_of(row.image_id)  # (named now: the next question changes _asked)
        if self._answer is not None and box.isVisible() and not self._replaceable:
            self._waiting.append((row, tuple(notes), self.win.project, relpath))
            self._set_note()
            self.answer_ready.emit(row)
            return
        self._display(row, tuple(notes), self.win.project, relpath)
        self.answer_ready.emit(row)

    def _display(self, row, notes, project, relpath) -> None:
        box = self.answer_box
        self._answer, self._answer_project, self._answer_relpath = row, project, relpath
        self._answer_notes, self._replaceable = notes, False
        # the model as the cards name it (a folder by its name, with the revision); its whole
        # path in the tooltip (the box said /data/models/llava-x where its card says llava-x)
        rev = getattr(row, "model_revision", None)
        info = model_short_name(row.model_id) + (f" @ {rev[:10]}" if rev else "")
        tip = f"model: {row.model_id}" + (f"\nrevision: {rev}" if rev else "")
        box.set_answer(row.prompt, row.value,
                       info + (f" · score {row.score:.2f}" if row.score is not None else ""), tip)
        self._set_note()
        self._update_answer_about()
        box.fit_to_screen()
        box.show()  # (shown without activating: the review keys stay with the window)
        box.raise_()
        if self.win.isActiveWindow():  # a platform that activates it anyway (its activation comes
            QTimer.singleShot(0, self, self._keys_to_review)  # as an event): the keys back, once
            self.win.statusBar().showMessage(f"The answer about {visible_name(relpath)} is shown: "
                                             f"{ANSWER_KEY} goes to it (Keep as note, Close).", 8000)

    def focus_answer(self) -> None:
        """Ctrl+Shift+A: the answer box takes the keys, its Keep as note focused (Space keeps,
        Esc closes); shown, it leaves them with the review."""
        box = self.answer_box
        if box is None or not box.isVisible():
            self.win.statusBar().showMessage("No answer is shown (Ask the image, under the suggestions).", 5000)
            return
        box.raise_()
        box.activateWindow()
        self.keep_button.setFocus()

    def focus_question(self) -> None:
        """Ctrl+Shift+Q: the question box ("Ask the image") takes the keys, its Suggestions
        dock shown (type a question, Enter asks it); switched off, the status bar says what
        it needs and the keys stay with the review. Only Tab through every card's buttons
        reached it from the keyboard: a reviewer who took Ctrl+Shift+A ("Go to the answer
        box (Ask the image)") for it typed the question into the grid, where its letters
        were review keys (r marked the image reviewed, s skipped it, ? opened the help)."""
        panel = self.win.panel_ctl.suggestions
        if panel is None or self.win.project is None:
            return
        edit = panel.ask_edit
        if not edit.isEnabled():
            self.win.statusBar().showMessage(edit.toolTip(), 8000)
            return
        dock = panel.parentWidget()
        while dock is not None and not hasattr(dock, "toggleViewAction"):
            dock = dock.parentWidget()
        if dock is not None:  # (closed from its title bar or View menu: shown again)
            dock.show()
            dock.raise_()
        edit.setFocus(Qt.FocusReason.ShortcutFocusReason)
        edit.selectAll()

    def _keys_to_review(self) -> None:
        """The window takes the keys back from the answer box that a platform activated on
        showing it: the reviewer's next Enter, meant for the image shown, kept the note."""
        if self.answer_box is not None and self.answer_box.isActiveWindow():
            self.win.activateWindow()

    def _set_note(self) -> None:
        n = len(self._waiting)
        names = ", ".join(dict.fromkeys(visible_name(w[3]) for w in self._waiting))
        waiting = (f"{n} more answer{'s' if n != 1 else ''} waiting (about {names}): Keep as note or Close "
                   f"shows the next.") if n else ""
        self.answer_box.set_note(" ".join([*self._answer_notes, waiting]).strip())

    def _show_next(self) -> None:
        """The answer shown was kept or closed: the next one waiting, if any; else the window
        takes the keys back (the box had them: none had them after it hid)."""
        self._answer = None
        while self._waiting:
            row, notes, project, relpath = self._waiting.pop(0)
            if project is self.win.project:
                self._display(row, notes, project, relpath)
                return
        box = self.answer_box
        if box is not None and QApplication.activeWindow() in (None, box) and self.win.isVisible():
            self.win.activateWindow()

    def _update_answer_about(self, *_args) -> None:
        """The box says which image its answer is about, and plainly when that is not the one shown."""
        row, box = self._answer, self.answer_box
        if row is None or box is None:
            return
        cur = self.win.review.current
        box.set_about(self._answer_relpath, None if cur is not None and cur.id == row.image_id
                      else (cur.relpath if cur is not None else ""))

    def keep_answer(self) -> Optional[int]:
        row, project = self._answer, self.win.project
        if row is None or project is None:
            return None
        if self._answer_project is not project:  # image ids repeat across projects: never on another's image
            self.win.statusBar().showMessage("The answer was not kept: it was asked in a project that is "
                                             "no longer open.", 8000)
            return None
        if self._keeping is row:  # on its way (a team's database far away): not kept twice
            return None
        relpath = self._answer_relpath or self._relpath_of(row.image_id)
        kept: list = []
        button = getattr(self, "keep_button", None)

        def done(sid) -> None:  # committed (at once on a local database): the box goes
            kept.append(sid)
            self._keeping = None
            if button is not None:
                button.setEnabled(True)
            if self._answer is not row:  # closed or replaced meanwhile
                return
            self._answer = None
            if self.answer_box is not None:
                self.answer_box.hide()
            panel = self.win.panel_ctl.suggestions
            if panel is not None and panel.ask_edit.text().strip() == row.prompt:
                panel.ask_edit.clear()  # not a new question typed meanwhile
            self._show_next()

        def refused() -> None:  # not stored (the error was said): the answer stays on screen, to keep or close
            self._keeping = None
            if button is not None:
                button.setEnabled(True)

        # stored and accepted in one step, undoably (undo withdraws it), in the history, on
        # the image the answer is about (undo selects it again), on the review writer after
        # the reviews in flight; the status bar says so
        self._keeping = row
        if button is not None:
            button.setEnabled(False)  # until it has committed (or was refused)
        if not self.win.review.keep_note(row, f"Keep answer as note on {visible_name(relpath)}",
                                         on_kept=done, on_failed=refused):
            refused()
        return kept[0] if kept else None  # the note's id when it was stored at once

    _keeping = None  # the answer being kept (its write on its way)
