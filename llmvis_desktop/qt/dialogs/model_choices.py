"""What the model manager (model_manager.py) holds of the project's model choices: its
captioner, labeler and per-model opt-ins (``"model_optins"``), read once, changed at once
and written by the window's ``write`` (off the GUI thread), or here when there is no
window; what a model is saved under; and why a model would be refused with the opt-ins
saved. No widget here: the dialog shows what this says."""
from __future__ import annotations

import copy
from typing import Callable, Optional

from llmvis_desktop.core.suggest.optins import OPTINS_SETTING, optin_keys, saved_optins
from llmvis_desktop.core.suggest.discovery import ModelInfo, refusal


def saved_key(info: ModelInfo) -> str:
    """What the project saves for ``info``: an HF-cache model by its id (``resolve_model``
    follows refs/main, so an updated model stays chosen), a folder by its path."""
    return info.model_id if info.source == "hf-cache" else info.path


class ModelChoices:
    """The project's settings as the dialog shows them; ``settings``: read off the GUI
    thread (None: read here, once); ``write(key, value, what, refused)``: the window's."""

    def __init__(self, project, settings: Optional[dict] = None, write: Optional[Callable] = None) -> None:
        # the project's settings, read once (off the GUI thread when given: on a team's PostgreSQL each read
        # held the window ~0.2 s, read for every row refused and twice as it opened); its writes kept in it
        self._saved = dict(settings) if settings is not None else None
        self.project, self.write = project, write

    def settings(self) -> dict:
        if self.project is None:
            return {}
        if self._saved is None:
            self._saved = self.project.settings()
        return self._saved

    def get(self, key: str):
        return self.settings().get(key)

    def set(self, key: str, value, what: str, refused: Callable) -> None:
        """Keep ``key`` (shown at once) and have it written: by the window's ``write`` off the
        GUI thread (on a team's PostgreSQL 25 ms away a click held the window 153-165 ms
        here); when the database refuses it, ``refused(key, what, before, exc, stored)``."""
        before = copy.deepcopy(self.settings().get(key))
        self.settings()[key] = value
        if self.write is None:  # no window: written here
            self.project.set_setting(key, value)
            return
        self.write(key, value, what, lambda exc, stored: refused(key, what, before, exc, stored))

    def restore(self, key: str, stored) -> None:
        """``key`` back to what is stored (a write refused)."""
        self.settings()[key] = copy.deepcopy(stored)

    def optins(self) -> dict:
        return dict(self.settings().get(OPTINS_SETTING) or {})

    def opted_in(self, info: ModelInfo) -> tuple[bool, bool]:
        """(allow_bin, allow_remote_code) saved in the project for this model, as jobs read them."""
        return saved_optins(self.optins(), info) if self.project is not None else (False, False)

    def problem(self, info: ModelInfo) -> Optional[str]:
        """Why ``info`` would be refused with the project's saved opt-ins; None when usable."""
        if not info.problem or not info.has_config:
            return info.problem  # no opt-in lifts a missing or unreadable config.json
        allow_bin, allow_code = self.opted_in(info)
        return refusal(info, allow_bin=allow_bin, allow_remote_code=allow_code)

    def with_opt_in(self, info: ModelInfo, kind: str, on: bool) -> dict:
        """The opt-ins with ``kind`` ("bin" | "remote_code") ticked or unticked for ``info``."""
        optins = self.optins()
        key = saved_key(info)
        if on:
            optins[key] = sorted(set(optins.get(key, [])) | {kind})
        else:  # also where it was saved under another path to the same folder (optins_for reads those)
            for k in dict.fromkeys([*optin_keys(optins, info.path), *([key] if key in optins else [])]):
                kinds = set(optins[k]) - {kind}
                if kinds:
                    optins[k] = sorted(kinds)
                else:
                    del optins[k]
        return optins
