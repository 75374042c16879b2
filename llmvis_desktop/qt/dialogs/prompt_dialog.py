"""Suggestions ▸ Caption prompt and label template…: the project's own caption prompt and
zero-shot label template (the settings ``caption_prompt`` / ``label_template``, as
``llmvis settings`` sets them), which every model job of the project then uses: the
window's, and ``llmvis suggest`` run without ``--prompt`` / ``--template``.

Each field opens at the project's value (empty: the default, said beside it); Reset
empties it. A template without ``{label}`` (or with another placeholder) is refused in
the dialog, which says why and names the template; nothing is saved until both pass.
Saving goes through the window's settings writer (off the GUI thread), as the Models
dialog's choices do: the next job uses them at once. Only a field changed here is written.

A teammate's change (seen by the team watch on a shared database) reaches an open dialog:
a field not edited here takes the new value; a field being edited keeps its text, and a
line under the fields says what the teammate set (Save writes the text shown).
"""
from __future__ import annotations

from typing import Callable, Optional

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QDialog, QDialogButtonBox, QGridLayout, QLabel, QLineEdit, QPushButton, QVBoxLayout,
                               QWidget)

from ...core.suggest.prompts import (CAPTION_PROMPT, LABEL_TEMPLATE, MODEL_OWN_PROMPT, project_prompt,
                                     project_template, template_problem)
from ...core.suggest.registry import DEFAULT_LABEL_TEMPLATE
from .. import style

TITLE = "Caption prompt and label template"
#: what a change does to the cards already made (decided ones are never touched)
CHANGE_NOTE = ("Every model job of this project uses these: the window\u2019s, and the command line\u2019s\n"
               "unless its command gives its own. Decided cards stay as they are. On the next run\n"
               "a labeler\u2019s pending cards of an earlier template are replaced; captions of an earlier\n"
               "prompt stay beside the new ones (a prompt asks another question).")
#: the default caption prompt, on two lines (wrapped, its second line was cut off in the grid)
OWN_PROMPT_LINES = MODEL_OWN_PROMPT.replace(" (", "\n(", 1)


class PromptDialog(QDialog):
    """``save(key, value)``: write one setting (value None: back to the default); called
    for each that changed, once both fields pass."""

    def __init__(self, settings: Optional[dict], save: Callable[[str, Optional[str]], None],
                 parent: Optional[QWidget] = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(TITLE)
        self._save = save
        #: the settings as the window now holds them (None: the project was closed)
        self.stored: Optional[Callable[[], Optional[dict]]] = None
        self._was = {CAPTION_PROMPT: project_prompt(settings), LABEL_TEMPLATE: project_template(settings)}
        lay = QVBoxLayout(self)
        note = QLabel(CHANGE_NOTE)  # (its own lines: wrapped, the rows below were squeezed)
        lay.addWidget(note)
        grid = QGridLayout()
        grid.setColumnStretch(1, 1)
        self.prompt_edit = self._row(grid, 0, "Caption &prompt:", self._was[CAPTION_PROMPT], OWN_PROMPT_LINES,
                                     "What a captioner is asked for each image: a chat model\u2019s "
                                     "instruction, BLIP\u2019s prefix, Florence-2\u2019s task token.")
        self.template_edit = self._row(grid, 2, "Label &template:", self._was[LABEL_TEMPLATE],
                                       f"\u201c{DEFAULT_LABEL_TEMPLATE}\u201d",
                                       "What a zero-shot labeler (CLIP, SigLIP) scores each label name in; "
                                       "{label} is the name.")
        lay.addLayout(grid)
        self.team_label = QLabel("")  # a teammate's change to a field being edited here
        self.team_label.setWordWrap(True)
        self.team_label.hide()
        lay.addWidget(self.team_label)
        self.error_label = QLabel("")
        self.error_label.setWordWrap(True)
        self.error_label.setStyleSheet(f"color: {style.error_color(self.palette())};")
        self.error_label.hide()
        lay.addWidget(self.error_label)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.try_save)
        buttons.rejected.connect(self.reject)
        self.save_button = buttons.button(QDialogButtonBox.StandardButton.Save)
        lay.addWidget(buttons)
        self.template_edit.textChanged.connect(lambda _text: self.error_label.hide())

    def _row(self, grid: QGridLayout, row: int, title: str, value: Optional[str], default: str,
             tip: str) -> QLineEdit:
        label = QLabel(title)
        edit = QLineEdit(value or "")
        edit.setPlaceholderText("the default")
        edit.setToolTip(tip)
        edit.setClearButtonEnabled(True)
        label.setBuddy(edit)
        reset = QPushButton("Reset")
        reset.setToolTip("Back to the default (empties the field)")
        reset.clicked.connect(lambda: (edit.clear(), self.error_label.hide()))
        grid.addWidget(label, row, 0)
        grid.addWidget(edit, row, 1)
        grid.addWidget(reset, row, 2)
        said = QLabel(f"Default: {default}")
        said.setStyleSheet(f"color: {style.muted_color(self.palette())};")
        grid.addWidget(said, row + 1, 1, 1, 2)
        return edit

    def values(self) -> dict[str, Optional[str]]:
        """What the fields hold: None where empty (the default) or the default template."""
        prompt = self.prompt_edit.text().strip() or None
        template = self.template_edit.text().strip() or None
        return {CAPTION_PROMPT: prompt, LABEL_TEMPLATE: None if template == DEFAULT_LABEL_TEMPLATE else template}

    def follow(self, settings: Optional[dict]) -> None:
        """The project's ``settings`` changed meanwhile (a teammate): a field not edited
        here shows the new value; one edited here keeps its text, the dialog saying what
        the teammate set. Save then writes only what differs from the new values."""
        stored = {CAPTION_PROMPT: project_prompt(settings), LABEL_TEMPLATE: project_template(settings)}
        shown = self.values()
        edits = {CAPTION_PROMPT: self.prompt_edit, LABEL_TEMPLATE: self.template_edit}
        said = []
        for key, new in stored.items():
            was = self._was[key]
            if new == was:
                continue
            self._was[key] = new
            if shown[key] == was:  # not edited here: it follows
                edits[key].setText(new or "")
            elif shown[key] != new:
                what = key.replace("_", " ")
                said.append(f"A teammate set the {what} to \u201c{new}\u201d meanwhile" if new else
                            f"A teammate set the {what} back to the default meanwhile")
        if said:
            self.team_label.setText("; ".join(said) + ". Save writes the text shown here.")
            self.team_label.show()

    def follow_stored(self) -> None:
        """The window's copy of the settings changed (a teammate's): :meth:`follow` it."""
        settings = self.stored() if self.stored is not None else None
        if settings is not None:
            self.follow(settings)

    def problem(self) -> Optional[str]:
        """Why the fields cannot be saved (the template's placeholder), or None."""
        template = self.values()[LABEL_TEMPLATE]
        bad = template_problem(template) if template else None
        return bad[:1].upper() + bad[1:] + "." if bad else None

    def try_save(self) -> None:
        """Save what changed and close; refused (said in the dialog, the template field
        focused), nothing is saved and it stays open."""
        bad = self.problem()
        if bad:
            self.error_label.setText(bad)
            self.error_label.show()
            self.adjustSize()  # (the rows keep their height)
            self.template_edit.setFocus()
            return
        for key, value in self.values().items():
            if value != self._was[key]:
                self._save(key, value)
        self.accept()


def open_prompts(win) -> Optional[PromptDialog]:
    """Open the dialog on the window's project (at the values the window holds: no read);
    saved through the window's settings writer, a refused write said in the status bar."""
    project = win.project
    if project is None:
        return None
    reads = win.project_ctl.settings_reads
    settings = {key: reads.value(project, key) for key in (CAPTION_PROMPT, LABEL_TEMPLATE)}

    def save(key: str, value: Optional[str]) -> None:
        if win.project is not project:  # (closed meanwhile: not written into another project)
            return
        what = key.replace("_", " ")
        reads.set(project, key, value, on_failed=lambda exc: win.show_error(
            f"The {what} was not saved: {exc}"))

    dlg = PromptDialog(settings, save, win)
    dlg.stored = lambda: ({key: reads.value(project, key) for key in (CAPTION_PROMPT, LABEL_TEMPLATE)}
                          if win.project is project else None)
    reads.changed.connect(dlg.follow_stored)  # a teammate's change, seen by the team watch
    dlg.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    win.prompt_dialog = dlg
    dlg.open()
    return dlg

