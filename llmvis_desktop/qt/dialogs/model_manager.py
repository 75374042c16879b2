"""ModelManagerDialog: the models found on disk, and the project's captioner and labeler.

Public API
----------
``ModelManagerDialog(project, model_dirs, device="auto", parent=None, *, include_hf_cache=True,
hf_cache=None, opt_in_changed=None, settings=None, write=None, unload_now=None)``
    ``settings``: the project's, read off the GUI thread (None: read here, once);
    ``write(key, value, what, refused)``: the window's (:meth:`.SettingsReads.set`: on its
    settings' writer, never on the GUI thread; ``refused(error, stored)`` on the GUI thread
    when the database refused it, ``stored``: what the window now holds, or
    :attr:`ModelManagerDialog.UNKNOWN`); None: written here, at once (no window).
    lists what ``core.suggest.discover`` finds in ``model_dirs`` (everything, refused ones
    saying why) and the local Hugging Face cache (known families only; offline; no torch import): name, family, kind, size, whether it fits the device,
    where it is, and why it would be refused with the project's saved opt-ins (a ticked
    "Allow pickle .bin" makes a .bin-only model usable, and its row says whether it fits).
    Long model names are elided in the table (the full name in the tooltip). Choices are
    shown at once and written (by ``write``) to the project:
    ``project.set_setting("captioner", path)`` / ``("labeler", path)``, and per-model
    opt-ins to ``"model_optins"`` ({path: ["bin", "remote_code"]}) (an HF-cache model by its
    id, ``org/name``, not its snapshot folder: an updated model stays chosen), which
    ``core.suggest.batch.run_suggest`` reads. A write refused (a teammate's lock, the
    server gone) puts the dialog's selection and ticks back to what is stored, and the
    status line names the model, the setting and why.

Methods / attributes
    ``infos: list[ModelInfo]``     the rows, in table order
    ``rescan()``                   discover again (a selected model no longer listed is
                                   deselected, never replaced by the row now in its place)
    ``select_path(path) -> bool``  select a row by its folder
    ``use_as(role) -> bool``       role "captioner" | "labeler": the selected model becomes it
                                   (False, with the reason in ``status_text()``, when refused;
                                   its folder is inspected again first, so a model deleted or
                                   changed since the scan is refused; one too big for the
                                   device is chosen only once the user confirms)
    ``use_selected() -> bool``     Enter or a double-click on a row: ``use_as`` the role its
                                   kind has (a labeler: "labeler"; else "captioner")
    ``clear(role) -> bool``        the project stops using a captioner / labeler ("Stop using"
                                   buttons; modelChosen(role, ""))
    ``set_opt_in(kind, on)``       kind "bin" | "remote_code" for the selected model; then
                                   ``opt_in_changed(on)`` (the window's: a model loaded with an
                                   opt-in now unticked is unloaded; it returns True when that
                                   was queued at once, False when it waits for the running
                                   model job), and the status line says what became of it
    ``status_text() -> str``
    ``absent_dirs_text() -> str``  the note naming model folders that are not there (a drive
                                   not connected), whose models are not listed ("" when none)
    ``loaded_text() -> str``       the line saying which models are loaded in memory now
                                   (the session's model thread; kept up to date while shown);
                                   its "Unload now" (shown when ``unload_now`` is given: the
                                   window's, answering what it did) frees them (:mod:`.model_loaded`)

Signals
    ``modelChosen(str role, str path)``; ``encoder.chosen(value, words)``: :mod:`.model_encoder`

What a row, the loaded line and the empty list's hint say: :mod:`.model_rows`; what it
holds of the project's choices (settings read once, writes, opt-ins): :mod:`.model_choices`.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Callable, Optional, Sequence

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPushButton,
    QTableWidget,
    QVBoxLayout,
    QWidget,
)

from llmvis_desktop.core.suggest.batch import OPTINS_SETTING
from llmvis_desktop.core.suggest.device import describe_size, fits, free_memory, needed_bytes
from llmvis_desktop.core.suggest.discovery import (
    ModelInfo,
    ModelRefused,
    check,
    discover,
    inspect_folder,
    names_model,
)
from llmvis_desktop.core.suggest.too_deep import absent_dirs, absent_dirs_note, too_deep_note

from ..db_messages import describe_db_error
from ..screen import MinHeightFollows, fit_to_screen
from .model_choices import ModelChoices, saved_key
from .model_encoder import EncoderChoice
from .model_loaded import LoadedLine
from .model_rows import COLUMNS, MODEL_COLUMN_MAX, device_name, empty_text, fit_device, row_items, said_here

ROLE_KINDS = {"captioner": ("captioner", "chat"), "labeler": ("labeler",)}


#: the size the dialog opens at, less on a smaller screen (:func:`~..screen.fit_to_screen`)
OPEN_SIZE = QSize(820, 420)


class ModelManagerDialog(QDialog):
    modelChosen = Signal(str, str)
    #: ``refused``'s ``stored`` when the window does not know it: what the dialog held before
    UNKNOWN = object()

    def __init__(self, project, model_dirs: Sequence[str], device: str = "auto",
                 parent: Optional[QWidget] = None, *, include_hf_cache: bool = True,
                 hf_cache: Optional[Path] = None,
                 opt_in_changed: Optional[Callable[[bool], Optional[bool]]] = None,
                 settings: Optional[dict] = None, write: Optional[Callable] = None,
                 unload_now: Optional[Callable[[], str]] = None) -> None:
        super().__init__(parent)
        self.choices = ModelChoices(project, settings, write)  # the project's captioner, labeler, opt-ins
        self.opt_in_changed, self.write = opt_in_changed, write
        self.setWindowTitle("Models" if project is None else f"Models — {Path(project.root).name}")
        self.project = project
        self.model_dirs = list(model_dirs)
        self.device = fit_device(device)
        self.include_hf_cache = include_hf_cache
        self.hf_cache = hf_cache
        self.infos: list[ModelInfo] = []

        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels([c if c != "Fits" else f"Fits {device_name(self.device)}" for c in COLUMNS])
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setTabKeyNavigation(False)  # Tab leaves the table (arrows move in it)
        self.table.verticalHeader().setVisible(False)
        hdr = self.table.horizontalHeader()
        hdr.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        # the Model column is sized to its names up to MODEL_COLUMN_MAX (rescan), longer
        # names elided, so one very long folder name cannot push the other columns away
        hdr.setSectionResizeMode(0, QHeaderView.ResizeMode.Interactive)
        hdr.setSectionResizeMode(len(COLUMNS) - 1, QHeaderView.ResizeMode.Stretch)
        self.table.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.table.itemSelectionChanged.connect(self._selection_changed)
        self.table.itemSelectionChanged.connect(self._show_problem)
        self._showing_problem = False  # the status line shows the selected model's refusal

        self.current_label = QLabel()
        self.current_label.setWordWrap(True)  # long model paths wrap instead of widening the dialog
        self.current_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        # which models are in memory (after File ▸ Open, those the project also chooses)
        self.loaded_line = LoadedLine(unload_now, self)
        self.empty_label = QLabel()
        self.empty_label.setWordWrap(True)
        # model folders below what the listing looks at (models/team/vision/clip), as
        # `llmvis models list` names them: absent from the table, and nothing said why
        self.too_deep_label = QLabel(objectName="tooDeepLabel")
        self.too_deep_label.setWordWrap(True)
        self.too_deep_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.too_deep_label.hide()
        # model folders set in Settings that are gone (a drive not connected): their models were
        # absent from the table and nothing said why
        self.absent_label = QLabel(objectName="absentDirsLabel")
        self.absent_label.setWordWrap(True)
        self.absent_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.absent_label.hide()
        self.status_label = QLabel()
        self.status_label.setWordWrap(True)
        self.encoder = EncoderChoice(self)  # the learned suggester's features (model_encoder)

        self.caption_btn = QPushButton("Use as captioner")
        self.label_btn = QPushButton("Use as labeler")
        self.rescan_btn = QPushButton("Rescan")
        # a chosen model can be let go (its folder gone, or not wanted): no captioner/labeler
        self.clear_cap_btn = QPushButton("Stop using captioner")
        self.clear_lab_btn = QPushButton("Stop using labeler")
        self.clear_cap_btn.clicked.connect(lambda: self.clear("captioner"))
        self.clear_lab_btn.clicked.connect(lambda: self.clear("labeler"))
        self.caption_btn.clicked.connect(lambda: self.use_as("captioner"))
        self.label_btn.clicked.connect(lambda: self.use_as("labeler"))
        self.rescan_btn.clicked.connect(self.rescan)
        self.bin_box = QCheckBox("Allow pickle .bin weights for this model")
        self.code_box = QCheckBox("Allow this model's own code (trust_remote_code)")
        self.bin_box.setToolTip("Pickle files can run code when loaded; only for models you trust")
        self.code_box.setToolTip("Runs Python files shipped with the model; only for models you trust")
        self.bin_box.toggled.connect(lambda on: self.set_opt_in("bin", on))
        self.code_box.toggled.connect(lambda on: self.set_opt_in("remote_code", on))

        row = QHBoxLayout()
        for w in (self.caption_btn, self.label_btn, self.clear_cap_btn, self.clear_lab_btn):
            row.addWidget(w)
        row.addStretch(1)
        row.addWidget(self.rescan_btn)
        opts = QVBoxLayout()  # one above the other: side by side they needed 880 px under large text
        opts.setSpacing(2)
        opts.addWidget(self.bin_box)
        opts.addWidget(self.code_box)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        # no button is the default: Enter on a row chose it as the captioner (the first
        # button's default) and did nothing on a labeler's row; Enter or a double-click on a
        # row now uses it in the role its kind has (:meth:`use_selected`)
        for b in (self.caption_btn, self.label_btn, self.clear_cap_btn, self.clear_lab_btn, self.rescan_btn,
                  *buttons.buttons()):
            b.setAutoDefault(False)
            b.setDefault(False)
        self.table.doubleClicked.connect(lambda _index: self.use_selected())

        lay = QVBoxLayout(self)
        lay.addWidget(self.current_label)
        lay.addWidget(self.loaded_line)
        lay.addWidget(self.table, 1)
        lay.addWidget(self.empty_label)
        lay.addWidget(self.too_deep_label)
        lay.addWidget(self.absent_label)
        lay.addLayout(row)
        lay.addLayout(opts)
        lay.addWidget(self.encoder)
        lay.addWidget(self.status_label)
        lay.addWidget(buttons)
        # no smaller than its rows need (a fixed 820 px alone cut an opt-in's text under
        # the OS's large text: "trust_remote_c"); opened at 820x420 where the screen has
        # room: that 820 px as the minimum put its right side (Rescan, Close) off an
        # 800x600 screen, while the rows need ~600
        self.setMinimumSize(lay.totalMinimumSize())
        MinHeightFollows(self)  # the status line whole at any width: the table gives up rows
        fit_to_screen(self, max(OPEN_SIZE.width(), self.minimumWidth()), max(OPEN_SIZE.height(), self.minimumHeight()))
        self.loaded_line.said.connect(self.status_label.setText)
        self.rescan()

    def show_loaded(self) -> None:
        """Say which models the session's model thread holds (read without waiting for it)."""
        self.loaded_line.show_loaded()

    def loaded_text(self) -> str:
        return self.loaded_line.text()

    def absent_dirs_text(self) -> str:
        """The note naming model folders that are not there ("" when all are)."""
        return self.absent_label.text()

    def too_deep_text(self) -> str:
        """The note naming model folders too deep to be listed ("" when there are none)."""
        return self.too_deep_label.text()

    # --- data -------------------------------------------------------------------
    def _refused(self, key: str, what: str, before, exc: BaseException, stored) -> None:
        """The database refused a change made here: the dialog shows what is stored again
        (its rows, ticks and current models) and says which change, and why."""
        from sqlalchemy.exc import OperationalError

        stored = before if stored is self.UNKNOWN else stored
        self.choices.restore(key, stored)
        for r, info in enumerate(self.infos):
            self._fill_row(r, info)
        self._show_current()
        self._selection_changed()
        if key == OPTINS_SETTING:
            now = "the boxes show what is stored"
        else:
            now = f"the project's {key} is still {Path(stored).name if stored else '(none)'}"
        why = describe_db_error(exc) if isinstance(exc, OperationalError) else str(exc) or type(exc).__name__
        self.status_label.setText(f"{what} was not saved ({now}): {why}")

    def _fill_row(self, r: int, info: ModelInfo) -> None:
        problem = self.choices.problem(info)
        fit = None if problem else fits(info.size_bytes, self.device, info.params)
        for c, item in enumerate(row_items(info, problem, fit)):
            self.table.setItem(r, c, item)

    def _refresh_row(self, info: ModelInfo) -> None:
        """Show ``info`` (same path, maybe re-inspected or with other opt-ins) in its row."""
        for r, old in enumerate(self.infos):
            if old.path == info.path:
                self.infos[r] = info
                self._fill_row(r, info)

    def _size_model_column(self) -> None:
        self.table.resizeColumnToContents(0)
        if self.table.columnWidth(0) > MODEL_COLUMN_MAX:
            self.table.setColumnWidth(0, MODEL_COLUMN_MAX)

    def rescan(self) -> None:
        keep = self._selected()
        # Rows are refilled in place: a selection left standing would now be whatever
        # model lands on the same row number (the wrong one when the list changed).
        self.table.clearSelection()
        self.table.setCurrentCell(-1, -1)
        # without revisions: hashing a large model's weights the first time (15 s for 15 GB)
        # would freeze the window; the job resolves its model with one
        too_deep: list = []
        self.infos = discover(self.model_dirs, include_hf_cache=self.include_hf_cache, hf_cache=self.hf_cache,
                              revisions=False, too_deep=too_deep)
        self.too_deep_label.setText(too_deep_note(too_deep, window=True) if too_deep else "")
        self.too_deep_label.setVisible(bool(too_deep))
        absent = absent_dirs(self.model_dirs)
        self.absent_label.setText(absent_dirs_note(absent, window=True))
        self.absent_label.setVisible(bool(absent))
        self.table.setRowCount(len(self.infos))
        for r, info in enumerate(self.infos):
            self._fill_row(r, info)
        self._size_model_column()
        if self.infos:
            self.empty_label.setText("")
        else:
            self.empty_label.setText(empty_text(self.model_dirs, self.include_hf_cache))
        self._show_current()
        if keep is not None and not self.select_path(keep.path):
            self.status_label.setText(f"{keep.name} is no longer listed (its folder was moved or "
                                      f"deleted); select another model.")
        elif keep is None:  # the model in use, selected: its opt-ins and buttons at hand
            s = self.choices.settings()
            any(self.select_path(p) for p in (s.get("captioner"), s.get("labeler")) if p)
        self._selection_changed()

    def _show_current(self) -> None:
        s = self.choices.settings()
        cap, lab = s.get("captioner"), s.get("labeler")
        where = f"Project {Path(self.project.root).name}:    " if self.project is not None else ""
        self.current_label.setText(f"{where}Captioner: {cap or '(none)'}    Labeler: {lab or '(none)'}")
        self.clear_cap_btn.setEnabled(bool(cap))
        self.clear_lab_btn.setEnabled(bool(lab))
        self.encoder.show_current()

    def _selected(self) -> Optional[ModelInfo]:
        rows = {i.row() for i in self.table.selectedIndexes()}
        if len(rows) != 1:
            return None
        r = rows.pop()
        return self.infos[r] if 0 <= r < len(self.infos) else None

    def select_path(self, path: str) -> bool:
        """Select the row of a folder, or of a model as a project may have saved it: an
        HF-cache model by its id, a folder by its name (or ``org/name``) in a model folder,
        as ``llmvis suggest --captioner`` takes it (:func:`names_model`, the rule the model
        thread keeps models by). A row of that very path or id first."""
        spec = str(path)
        rows = [r for r, info in enumerate(self.infos) if spec in (info.path, saved_key(info))]
        rows = rows or [r for r, info in enumerate(self.infos) if names_model(spec, info, self.model_dirs)]
        if rows:
            self.table.selectRow(rows[0])
        return bool(rows)

    def _selection_changed(self) -> None:
        info = self._selected()
        have = info is not None and self.project is not None
        allow_bin, allow_code = self.choices.opted_in(info) if info else (False, False)
        for box, opted, needed in ((self.bin_box, allow_bin, info is not None and info.weights_format == "bin"),
                                   (self.code_box, allow_code, info is not None and info.needs_remote_code)):
            box.blockSignals(True)
            box.setChecked(opted)
            box.setEnabled(have and needed)
            box.blockSignals(False)
        # a model that would be refused cannot be chosen: its buttons say why (they looked
        # usable, and a click was refused with the reason); ticking its opt-in enables them
        problem = self.choices.problem(info) if have else None
        for btn, role in ((self.caption_btn, "captioner"), (self.label_btn, "labeler")):
            if not have:
                why = "Select a model first." if self.project is not None else ""
            elif info.kind not in ROLE_KINDS[role] and not (problem and info.kind is None):
                why = f"{info.name} is a {info.kind or 'unknown'} model, not a {role}."
            elif problem:  # (a model of no known kind is refused for why: "a unknown model" said nothing)
                why = f"Refused: {problem.removeprefix(info.path + ': ')}"
            else:  # the role's model already: pressing it chose it again and said "is now"
                why = self._already(info, role) if self._in_role(info, role) else ""
            btn.setEnabled(not why)
            btn.setToolTip(why)
        self.encoder.selection_changed(info)

    def _in_role(self, info: ModelInfo, role: str) -> bool:
        """Whether ``info`` is the project's ``role`` model already."""
        spec = self.choices.get(role)
        return bool(spec) and (spec == saved_key(info) or names_model(spec, info, self.model_dirs))

    @staticmethod
    def _already(info: ModelInfo, role: str) -> str:
        return f"{info.name} is already the project's {role}."

    def _show_problem(self) -> None:
        """A refused model, selected, says why in the status line, whole (its Problem cell is
        elided in a narrow window); selecting another clears it (it named the other model)."""
        info = self._selected()
        problem = self.choices.problem(info) if info is not None else None
        if problem:
            self.status_label.setText(said_here(problem))
        elif self._showing_problem:
            self.status_label.setText("")
        self._showing_problem = bool(problem)

    # --- actions ----------------------------------------------------------------
    def status_text(self) -> str:
        return self.status_label.text()

    def set_opt_in(self, kind: str, on: bool) -> None:
        info = self._selected()
        if info is None or self.project is None:
            return
        optins = self.choices.with_opt_in(info, kind, on)
        box = self.bin_box if kind == "bin" else self.code_box
        self.choices.set(OPTINS_SETTING, optins, f"{info.name}: {'ticking' if on else 'unticking'} \u201c{box.text()}\u201d",
                         self._refused)
        self._refresh_row(info)  # Fits and Problem with the new opt-in
        self._selection_changed()  # its buttons too: enabled once opted in, else why not
        was_loaded = not on and self._is_loaded(info)  # (read before anything is unloaded)
        unloaded = self.opt_in_changed(on) if self.opt_in_changed is not None else None
        what = {"bin": "pickle .bin weights", "remote_code": "its own code (trust_remote_code)"}.get(kind, kind)
        text = f"{info.name}: " + (f"opted in to {what}" if on else f"no longer opted in to {what}")
        if was_loaded and unloaded is not None:  # loaded with the opt-in, it may not stay in memory
            text += ("; unloaded from memory (it was loaded with that opt-in)" if unloaded else
                     "; it is unloaded from memory once the running model job is done (that job "
                     "started with the opt-in)")
        problem = self.choices.problem(info)
        if problem:  # unticked: refused again, said as when it is selected
            text += f"; refused now: {problem.removeprefix(info.path + ': ')}"
        self._showing_problem = bool(problem)
        self.status_label.setText(said_here(text))

    @staticmethod
    def _is_loaded(info: ModelInfo) -> bool:
        """Whether the session's model thread holds ``info`` (its folder, any role)."""
        from llmvis_desktop.core.suggest.worker import started_shared

        worker = started_shared()
        real = os.path.realpath(info.path)
        return worker is not None and any(os.path.realpath(m.path) == real for m, *_ in worker.loaded_models())

    def _reinspect(self, info: ModelInfo) -> ModelInfo:
        """The model as it is on disk now (the scan may be old); ModelRefused when its folder is gone."""
        if not Path(info.path).is_dir():
            raise ModelRefused(f"{info.path}: this model's folder is no longer there (moved or deleted "
                               f"since the list was made); press Rescan and choose again.")
        fresh = inspect_folder(info.path, model_id=info.model_id, source=info.source, revision=False)
        if fresh != info:
            self._refresh_row(fresh)
            self._selection_changed()
        return fresh

    def _too_big(self, info: ModelInfo) -> Optional[str]:
        """Why ``info`` likely does not fit the device (its Fits column says "too big"), or None."""
        if fits(info.size_bytes, self.device, info.params) is not False:
            return None
        free = free_memory(self.device)
        has = f"{self.device} has {describe_size(free)} free" if free is not None else f"{self.device} has less free"
        return (f"it needs about {describe_size(needed_bytes(info.size_bytes, self.device, info.params))} and "
                f"{has}; it will likely fail to load, or swap")

    def _confirm_too_big(self, info: ModelInfo, role: str, why: str) -> bool:
        answer = QMessageBox.question(
            self, "Model too big?", f"{info.name} is too big for {self.device}: {why}.\n\n"
            f"Use it as the project's {role} anyway?",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, QMessageBox.StandardButton.No)
        return answer == QMessageBox.StandardButton.Yes

    def use_as(self, role: str) -> bool:
        info = self._selected()
        if info is None or self.project is None:
            self.status_label.setText("Select a model first.")
            return False
        try:
            info = self._reinspect(info)
        except ModelRefused as exc:
            self.status_label.setText(said_here(str(exc)))
            return False
        if info.kind not in ROLE_KINDS[role]:  # (one of no known kind: why it is refused)
            self.status_label.setText(info.problem if info.kind is None and info.problem
                                      else f"{info.name} is a {info.kind or 'unknown'} model, not a {role}.")
            return False
        allow_bin, allow_code = self.choices.opted_in(info)
        try:
            check(info, allow_bin=allow_bin, allow_remote_code=allow_code)
        except ModelRefused as exc:
            self.status_label.setText(said_here(str(exc)))
            return False
        if self._in_role(info, role):  # (Enter or a double-click on its row: not chosen again)
            self.status_label.setText(self._already(info, role))
            return False
        too_big = self._too_big(info)
        if too_big and not self._confirm_too_big(info, role, too_big):
            self.status_label.setText(f"{info.name} was not chosen: {too_big}.")
            return False
        self.choices.set(role, saved_key(info), f"{info.name} as the project's {role}", self._refused)
        self.status_label.setText(f"{info.name} is now the project's {role}."
                                  + (f" Warning: {too_big}." if too_big else ""))
        self._show_current()
        self._selection_changed()  # its button: it is the role's model now
        self.modelChosen.emit(role, saved_key(info))
        return True

    def use_selected(self) -> bool:
        """Enter or a double-click on a row: the selected model becomes the project's
        labeler (a labeler) or captioner (a captioner or chat model); refused, the status
        line says why, as the buttons do."""
        info = self._selected()
        return self.use_as("labeler" if info is not None and info.kind in ROLE_KINDS["labeler"] else "captioner")

    def keyPressEvent(self, event) -> None:  # noqa: N802 - Qt API
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.focusWidget() is self.table:
            self.use_selected()
            event.accept()
            return
        super().keyPressEvent(event)

    def clear(self, role: str) -> bool:
        """The project stops using a ``role`` ("captioner" | "labeler") model."""
        if self.project is None or not self.choices.get(role):
            return False
        was = self.choices.get(role)
        self.choices.set(role, None, f"Stopping {Path(was).name} as the project's {role}", self._refused)
        self.status_label.setText(f"The project no longer uses a {role} (it was {was}).")
        self._show_current()
        self._selection_changed()  # its "Use as" button again
        self.modelChosen.emit(role, "")
        return True
