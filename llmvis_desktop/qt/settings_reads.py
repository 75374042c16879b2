"""The open project's settings: kept for the GUI thread, and read on a worker for a
dialog about to open.

The window's own copy (:meth:`SettingsReads.cached`) is filled by the open (read on the
opener's thread), updated as this window writes them (:meth:`SettingsReads.written`: the
Models dialog's choices and opt-ins, auto-retrain) and as the team watch's looks read
them off the GUI thread (:meth:`SettingsReads.looked`: a teammate's choice; ``changed``
then says so). The Suggestions menu's states, "Run models", the Ask box and the models
kept loaded read it: they read ``project.settings()`` on the GUI thread each time (one
statement, 1-9 ms on SQLite, a round trip or more on a team's PostgreSQL, at every
opening of the Suggestions menu and twice per run).

On a team's PostgreSQL 50 ms away (round trip) one ``project.settings()`` held the GUI
thread ~200 ms: the Models dialog read them twice as it opened (0.5 s), Export…/Import…
once (the form's saved choices). :meth:`SettingsReads.read` reads them on a worker and
hands them to ``then`` on the GUI thread, where the dialog then opens with them (on
SQLite within a pass of the event loop: no loading state to flash). A read that lands
after the project was closed (or another opened), or after a newer read for the same
purpose was asked, is dropped; a failed read gives ``then(None)`` (the dialog reads them
itself, as before, and says what went wrong as it did).

A setting the user changes (:meth:`SettingsReads.set`) is written on a serial writer
thread (:class:`~.review_writer.ReviewWriter`), never on the GUI thread.
"""
from __future__ import annotations

import copy
import importlib
import logging
from typing import Callable, Optional

from PySide6.QtCore import QObject, Signal

from ..core.suggest.learned_encoder import SETTING as ENCODER_SETTING
from ..core.suggest.learned_ready import AUTO_RETRAIN_SETTING
from ..core.suggest.prompts import CAPTION_PROMPT, LABEL_TEMPLATE
from .review_writer import ReviewWrite, ReviewWriter
from .workers import LatestOnly

log = logging.getLogger(__name__)

#: the models' opt-ins: core.suggest.batch.OPTINS_SETTING, not imported on the GUI thread
#: for its name (the module and the 25 it imports took ~65 ms there, once)
OPTINS = "model_optins"
#: the settings the window follows when a teammate changes them (the chosen models and
#: their opt-ins, the learned suggester's retrain every 10 reviews: a project setting,
#: switched on by any reviewer's first Ctrl+L, and the caption prompt and label template:
#: an open Caption prompt dialog shows a teammate's, and the learned suggester's encoder); the others (a reviewer's place, an
#: export form's choices) change often and are read when used
FOLLOWED = ("captioner", "labeler", OPTINS, AUTO_RETRAIN_SETTING, CAPTION_PROMPT, LABEL_TEMPLATE, ENCODER_SETTING)
#: closing waits at most this long for the settings' writes (a server gone: its timeout ends them sooner)
CLOSE_WAIT_S = 120.0


def _settings_after(ahead: list, project, modules: tuple = ()) -> dict:
    """The settings as stored once ``ahead`` (this window's setting writes made before the
    read was asked) have ended: a dialog opened right after a choice shows that choice.
    ``modules``: imported here first (the dialog's code: off the GUI thread)."""
    for name in modules:
        importlib.import_module(name)
    for write in ahead:
        write.done.wait(CLOSE_WAIT_S)
    return _settings_of(project)


def _settings_of(project) -> dict:
    return project.settings()


def _set_or_read(project, key: str, value, write: ReviewWrite) -> None:
    """(on the settings' writer) Write ``key``; refused, read what is stored instead (kept
    in ``write.extra["stored"]``: the window's copy goes back to it), then raise."""
    try:
        project.set_setting(key, value)
    except BaseException:
        try:
            write.extra["stored"] = project.settings().get(key)
        except Exception:  # unreachable: the copy goes back to what the window held before
            log.debug("the setting %s, read after its write was refused", key, exc_info=True)
        raise


class SettingsReads(QObject):
    changed = Signal()  # a look found a teammate's change to the FOLLOWED settings

    def __init__(self, win, parent: Optional[QObject] = None) -> None:
        super().__init__(parent)
        self.win = win
        self._cache: Optional[tuple] = None  # (project, its settings as the window knows them)
        self.seq = 0  # counts this window's writes (a look begun before one is not taken)
        self._loaders: dict[str, LatestOnly] = {}
        self._then: dict[str, tuple] = {}  # purpose -> (project, then) of the newest read
        #: the settings' writes (:meth:`set`): one serial thread, as the review's writes
        self.writer = ReviewWriter(self)
        self.writer.finished.connect(self._set_done)

    # --- the window's copy ---------------------------------------------------------------
    def fill(self, project, settings: Optional[dict]) -> None:
        """``project`` opened: its settings as the open read them (None: unknown, read on
        the first :meth:`cached`); the previous project's are dropped."""
        self._cache = (project, dict(settings)) if settings is not None else None
        self.seq += 1

    def forget(self) -> None:
        """The project was closed."""
        self._cache = None
        self.seq += 1

    def cached(self, project) -> dict:
        """The settings of ``project`` (the window's) as the window knows them: no read,
        but where the open's read failed (then read here, once; its error is raised)."""
        if self._cache is None or self._cache[0] is not project:
            self._cache = (project, project.settings())
        return self._cache[1]

    def written(self, project, key: str, value) -> None:
        """This window wrote ``key`` into ``project``'s settings: the next job uses it."""
        if self._cache is not None and self._cache[0] is project:
            self._cache[1][key] = copy.deepcopy(value)
        self.seq += 1

    def set(self, project, key: str, value,
            on_failed: Optional[Callable[[BaseException], None]] = None) -> None:
        """Write a setting (the user's change: Suggestions ▸ Retrain every 10 reviews, a
        choice in the Models dialog) on the settings' writer, and keep it at once (the next
        job uses it). On a team's PostgreSQL 25 ms away the write held the GUI thread
        ~155-205 ms a click, a teammate's SQLite lock 15 s. Writes commit one after the
        other, in the order made; closing the project waits for them (:meth:`wait`).
        Refused, the window's copy goes back to what is stored (read on the writer's
        thread; what it held before, when that read fails too), unless a later write of
        the same setting is still under way (it decides), and ``on_failed(error)`` is
        called (on the GUI thread; :meth:`value` then says what the window holds)."""
        before = copy.deepcopy(self._cache[1].get(key)) \
            if self._cache is not None and self._cache[0] is project else None
        self.written(project, key, value)
        write = ReviewWrite(f"setting {key}", 0, lambda: _set_or_read(project, key, value, write), kind="setting")
        write.extra.update(project=project, key=key, before=before, on_failed=on_failed)
        self.writer.submit(write)

    def value(self, project, key: str, default=None):
        """``key`` as the window's copy holds it for ``project`` (no read), else ``default``."""
        if self._cache is not None and self._cache[0] is project:
            return copy.deepcopy(self._cache[1].get(key))
        return default

    def _set_done(self, write: ReviewWrite) -> None:
        write.handled = True
        self.seq += 1  # a look begun before this write ended may have read before it
        if write.error is None:
            return
        project, key = write.extra["project"], write.extra["key"]
        log.warning("the project setting %s was not saved: %s", key, write.error)
        later = any(w.kind == "setting" and w.extra.get("project") is project and w.extra.get("key") == key
                    for w in self.writer.in_flight())
        if not later and self._cache is not None and self._cache[0] is project:
            self._cache[1][key] = copy.deepcopy(write.extra.get("stored", write.extra["before"]))
        if write.extra["on_failed"] is not None and project is self.win.project:
            write.extra["on_failed"](write.error)

    def looked(self, project, settings: Optional[dict], seq: int) -> None:
        """A look read ``project``'s settings off the GUI thread, asked when :attr:`seq`
        was ``seq``: kept unless this window wrote since (the look may have read before
        that write; the next look brings both), ``changed`` when a FOLLOWED one changed."""
        if settings is None or seq != self.seq or self._cache is None or self._cache[0] is not project:
            return
        if self.writer.in_flight():  # it may have read before this window's write in flight
            return
        old = self._cache[1]
        self._cache = (project, dict(settings))
        if any(old.get(k) != settings.get(k) for k in FOLLOWED):
            self.changed.emit()

    # --- reads for a dialog --------------------------------------------------------------
    def read(self, purpose: str, then: Callable[[Optional[dict]], None], modules: tuple = ()) -> None:
        """Read the window's project's settings off the GUI thread, then ``then(settings)``
        on it (see the module docstring). Nothing when no project is open. ``modules``: the
        dialog's, imported on the worker first (Export…'s took 0.19 s on the GUI thread)."""
        project = self.win.project
        if project is None:
            return
        loader = self._loaders.get(purpose)
        if loader is None:
            loader = self._loaders[purpose] = LatestOnly(self)
            loader.done.connect(lambda result, error, p=purpose: self._done(p, result, error))
        self._then[purpose] = (project, then)
        loader.submit(_settings_after, self.writer.in_flight(), project, tuple(modules))

    def pending(self, purpose: str) -> bool:
        """A read for ``purpose`` is under way (its dialog is about to open)."""
        return purpose in self._then

    def _done(self, purpose: str, result, error) -> None:
        project, then = self._then.pop(purpose, (None, None))
        if then is None or project is not self.win.project:
            return  # the project was closed (or another opened) meanwhile: not its dialog
        if error is not None:
            log.warning("the project's settings, read for a dialog: %s", error)
            result = None
        then(result)

    def wait(self, timeout_ms: int = 10000) -> None:
        """The project is closing: the writes under way are committed first (a failed one
        is logged), the reads under way end (their answers dropped)."""
        if not self.writer.wait(CLOSE_WAIT_S):
            log.error("closing with project settings still being saved after %.0f s", CLOSE_WAIT_S)
        self._then.clear()
        for loader in self._loaders.values():
            loader.cancel()
            loader.wait(timeout_ms)

    def shutdown(self) -> None:
        self.writer.shutdown(CLOSE_WAIT_S)
        self._then.clear()
        for loader in self._loaders.values():
            loader.shutdown()
