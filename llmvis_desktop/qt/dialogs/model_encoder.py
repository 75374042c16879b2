"""EncoderChoice: the Models dialog's row choosing what the learned suggester learns from.

Unset, the learned suggester reads handcrafted colour, texture and gradient features; the
project setting ``learned_encoder`` (:mod:`llmvis_desktop.core.suggest.learned_encoder`,
`llmvis settings FOLDER learned_encoder PATH`) makes it use a local CLIP or SigLIP
model's image embeddings instead. The window read that setting but offered no way to
choose it.

Public API
----------
``EncoderChoice(dialog)``  a row under the dialog's model buttons: "Learned suggester
    features: handcrafted" / "...: CLIP at /path", and two buttons:

    ``use_btn``    "Use as learned suggester's encoder": enabled for a CLIP or SigLIP model
                   selected that is not refused (nor the encoder already)
    ``clear_btn``  "Use handcrafted features": enabled while an encoder is set

``use_selected()``  the selected model is checked off the GUI thread as `llmvis settings`
    checks it (:func:`~llmvis_desktop.core.user_settings.find`'s check: the folder inspected
    again, its weights hashed, its saved .bin opt-in counting); refused, the dialog's status line says why, naming the
    folder, and nothing is stored; else the value is stored as the dialog stores its other
    choices (the window's writer) and ``chosen(value, words)`` is emitted
``use_handcrafted()``  the setting is taken away; ``chosen("", "")``
``checking() -> bool``  a check is under way
``show_current()`` / ``selection_changed(info)``  the dialog's calls

``dialog``: the :class:`.model_manager.ModelManagerDialog` (its ``project``, ``choices``,
``infos``, ``model_dirs``, ``status_label`` and ``_refused``).
"""
from __future__ import annotations

from pathlib import Path
from typing import Optional

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from llmvis_desktop.core.suggest.discovery import ModelInfo, names_model, refusal
from llmvis_desktop.core.suggest.learned_encoder import SETTING

from ..latest_only import LatestOnly
from .model_choices import saved_key
from .model_rows import said_here

#: the families whose image embeddings the learned suggester can learn from, as shown
FAMILY_WORDS = {"clip": "CLIP", "siglip": "SigLIP"}
PREFIX = "Learned suggester features: "
USE_TIP = "The learned suggester learns from this model's image embeddings"


def _checked(spec: str, stored: dict) -> str:
    """(off the GUI thread) ``spec`` as the setting stores it, checked as `llmvis settings`
    checks it with the project's settings ``stored`` (its model's .bin opt-in);
    :class:`~llmvis_desktop.core.user_settings.SettingRefused` naming it otherwise."""
    from llmvis_desktop.core import user_settings

    return user_settings.find(SETTING).checked(spec, stored)


def _family(info: ModelInfo) -> str:
    return FAMILY_WORDS.get(info.family or "", info.family_text)


def encoder_words(info: ModelInfo) -> str:
    """``CLIP (tiny-clip)``: the family and the model's name."""
    return f"{_family(info)} ({info.name})"


class EncoderChoice(QWidget):
    chosen = Signal(str, str)  # the value stored ("": handcrafted), the encoder in words ("": handcrafted)

    def __init__(self, dialog) -> None:
        super().__init__(dialog)
        self.dialog = dialog
        self.label = QLabel(objectName="learnedEncoderLabel")
        self.label.setWordWrap(True)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.use_btn = QPushButton("Use as learned suggester's encoder")
        self.clear_btn = QPushButton("Use handcrafted features")
        self.use_btn.setToolTip(USE_TIP)
        for b in (self.use_btn, self.clear_btn):
            b.setAutoDefault(False)
            b.setDefault(False)
        self.use_btn.clicked.connect(self.use_selected)
        self.clear_btn.clicked.connect(self.use_handcrafted)
        lay = QVBoxLayout(self)  # the label above its buttons: a long encoder path wraps the width over
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(2)
        lay.addWidget(self.label)
        row = QHBoxLayout()
        row.addWidget(self.use_btn)
        row.addWidget(self.clear_btn)
        row.addStretch(1)
        lay.addLayout(row)
        self._checking: Optional[ModelInfo] = None  # the model being checked off the GUI thread
        self.checker = LatestOnly(self)
        self.checker.done.connect(self._checked)
        dialog.finished.connect(lambda _r: self.checker.cancel())  # (its answer goes nowhere)

    # --- what is shown ---------------------------------------------------------------------
    def current(self) -> Optional[str]:
        return self.dialog.choices.get(SETTING) if self.dialog.project is not None else None

    def _info_of(self, spec: str) -> Optional[ModelInfo]:
        return next((i for i in self.dialog.infos if spec == saved_key(i)
                     or names_model(spec, i, self.dialog.model_dirs)), None)

    def show_current(self) -> None:
        spec = self.current()
        if not spec:
            self.label.setText(PREFIX + "handcrafted (colour, texture, gradients)")
        else:
            info = self._info_of(spec)
            family = _family(info) if info is not None else "the encoder"
            self.label.setText(f"{PREFIX}{family} at {spec}")
        self.label.setToolTip(self.label.text())
        self.clear_btn.setEnabled(bool(spec) and self._checking is None)
        self.selection_changed(self.dialog._selected())

    def selection_changed(self, info: Optional[ModelInfo]) -> None:
        why = self._why_not(info)
        self.use_btn.setEnabled(not why)
        self.use_btn.setToolTip(why or USE_TIP)

    def _why_not(self, info: Optional[ModelInfo]) -> str:
        """Why ``info`` cannot be chosen as the encoder now ("" when it can)."""
        if self.dialog.project is None:
            return "No project is open."
        if self._checking is not None:
            return f"{self._checking.name} is being checked."
        if info is None:
            return "Select a CLIP or SigLIP model first."
        if info.kind != "labeler" or info.family not in FAMILY_WORDS:
            return (f"{info.name} is a {info.family_text} model ({info.kind or 'unknown kind'}); the learned "
                    f"suggester's encoder is a CLIP or SigLIP model.")
        problem = info.problem
        if problem and info.has_config:  # its saved .bin opt-in counts; remote code never (CLIP, SigLIP need none)
            problem = refusal(info, allow_bin=self.dialog.choices.opted_in(info)[0])
        if problem:
            return f"Refused: {said_here(problem).removeprefix(info.path + ': ')}"
        spec = self.current()
        if spec and (spec == saved_key(info) or names_model(spec, info, self.dialog.model_dirs)):
            return f"{info.name} is already the learned suggester's encoder."
        return ""

    # --- choices -----------------------------------------------------------------------------
    def checking(self) -> bool:
        return self._checking is not None

    def use_selected(self) -> bool:
        """Check the selected model off the GUI thread; True when a check was started."""
        info = self.dialog._selected()
        why = self._why_not(info)
        if why:
            self.dialog.status_label.setText(why)
            return False
        self._checking = info
        self.dialog.status_label.setText(f"Checking {info.name} as the learned suggester's encoder\u2026")
        self.show_current()
        # (the settings as the dialog holds them: an opt-in just ticked counts, its write maybe under way)
        self.checker.submit(_checked, saved_key(info), dict(self.dialog.choices.settings()))
        return True

    def _checked(self, value, error) -> None:
        info, self._checking = self._checking, None
        if info is None:
            return
        if error is not None:
            self.dialog.status_label.setText(f"{info.name} was not chosen as the learned suggester's encoder: {error}")
            self.show_current()
            return
        self.dialog.choices.set(SETTING, value, f"{info.name} as the learned suggester's encoder",
                                self.dialog._refused)
        words = encoder_words(info)
        self.dialog.status_label.setText(f"The learned suggester now learns from {words}\u2019s image embeddings "
                                         f"(its next run retrains with them).")
        self.show_current()
        self.chosen.emit(str(value), words)

    def use_handcrafted(self) -> bool:
        was = self.current()
        if not was or self._checking is not None:
            return False
        self.dialog.choices.set(SETTING, None, f"Going back from {Path(was).name} to handcrafted features",
                                self.dialog._refused)
        self.dialog.status_label.setText(f"The learned suggester now learns from handcrafted features (it was "
                                         f"{was}); its next run retrains with them.")
        self.show_current()
        self.chosen.emit("", "")
        return True
