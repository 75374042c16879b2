"""The project settings a user may change by name (`llmvis settings`, the window's menus).

A project keeps its settings in one JSON object (:mod:`.store.settings_row`); most are
written by the window as the user works (the models chosen, their opt-ins). Those listed
here are plain values a user sets on purpose: each has a default, one line saying what it
does, and a check that turns the text typed into the value stored, refusing anything else
with a message that names the value.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Optional

from .suggest.learned_encoder import SETTING as ENCODER_SETTING
from .suggest.learned_encoder import stored_value as encoder_value
from .suggest.learned_ready import AUTO_RETRAIN_DEFAULT, AUTO_RETRAIN_SETTING, RETRAIN_EVERY
from .suggest.prompts import CAPTION_PROMPT, LABEL_TEMPLATE, MODEL_OWN_PROMPT, template_problem
from .suggest.registry import DEFAULT_LABEL_TEMPLATE
from .suggest.strip_tiles import DEFAULT_MAX_TILES
from .suggest.strip_tiles import SETTING as STRIP_TILES_SETTING


class SettingRefused(ValueError):
    """A setting name that is not one of :data:`USER_SETTINGS`, or a value it does not take."""


def _positive_whole(name: str) -> Callable[[str], int]:
    def parse(text: str) -> int:
        try:
            value = int(str(text).strip())
        except ValueError:
            value = 0
        if value < 1:
            raise SettingRefused(f"{name} takes a whole number of 1 or more, not {text!r}")
        return value
    return parse


_YES = ("on", "yes", "true", "1")
_NO = ("off", "no", "false", "0")


def _yes_no(name: str) -> Callable[[str], bool]:
    def parse(text: str) -> bool:
        word = str(text).strip().lower()
        if word in _YES:
            return True
        if word in _NO:
            return False
        raise SettingRefused(f"{name} takes on or off (yes/no, true/false, 1/0), not {text!r}")
    return parse


def _on_off(value: object) -> str:
    return "on" if value else "off"


def _some_text(name: str) -> Callable[[str], str]:
    def parse(text: str) -> str:
        value = str(text).strip()
        if not value:
            raise SettingRefused(f"{name} takes some text, not {text!r}; --reset goes back to the default")
        return value
    return parse


def _template(text: str) -> str:
    value = _some_text(LABEL_TEMPLATE)(text)
    problem = template_problem(value)
    if problem:
        raise SettingRefused(f"{LABEL_TEMPLATE}: {problem}")
    return value


def _encoder(text: str, stored: dict) -> str:
    """A CLIP/SigLIP folder (or HF-cache id) checked as a model is before it loads, with the
    project's saved opt-ins (``stored``: its settings; a .bin-only model opted in passes):
    its full path stored."""
    from .config import load_config
    from .suggest.discovery import ModelRefused
    from .suggest.optins import OPTINS_SETTING

    value = _some_text(ENCODER_SETTING)(text)
    try:
        return encoder_value(value, load_config().model_dirs, (stored or {}).get(OPTINS_SETTING) or {})
    except ModelRefused as exc:
        raise SettingRefused(f"{ENCODER_SETTING}: {exc}") from None


def _encoder_shown(value: object) -> str:
    return "none (handcrafted features)" if value is None else str(value)


def _quoted(value: object) -> str:
    return MODEL_OWN_PROMPT if value is None else f"\u201c{value}\u201d"


@dataclass(frozen=True)
class UserSetting:
    name: str
    default: object
    says: str  # what the setting does, in one line
    parse: Callable[..., object]  # the text typed -> the value stored (SettingRefused otherwise)
    shown: Callable[[object], str] = str  # a value stored -> its words in `llmvis settings`
    reads_project: bool = False  # parse(text, the project's stored settings): its check depends on them

    def checked(self, text: str, stored: Optional[dict] = None) -> object:
        """``text`` as stored (:class:`SettingRefused` otherwise); ``stored``: the project's
        settings, for a setting whose check reads them (the encoder: its model's opt-ins)."""
        return self.parse(text, stored or {}) if self.reads_project else self.parse(text)


USER_SETTINGS: dict[str, UserSetting] = {s.name: s for s in (
    UserSetting(STRIP_TILES_SETTING, DEFAULT_MAX_TILES,
                "the most tiles a line-scan strip is scored in for label suggestions (a labeler, the "
                "learned suggester); past it the tiles grow until that many cover the strip",
                _positive_whole(STRIP_TILES_SETTING)),
    UserSetting(AUTO_RETRAIN_SETTING, AUTO_RETRAIN_DEFAULT,
                f"retrain the learned suggester every {RETRAIN_EVERY} reviews in the window (the "
                "Suggestions menu's tick; on once a reviewer first runs it there)",
                _yes_no(AUTO_RETRAIN_SETTING), _on_off),
    UserSetting(CAPTION_PROMPT, None,
                "what a captioner is asked for each image: a chat model's instruction, BLIP's prefix, "
                "Florence-2's task token (llmvis suggest --prompt: that run only)",
                _some_text(CAPTION_PROMPT), _quoted),
    UserSetting(LABEL_TEMPLATE, DEFAULT_LABEL_TEMPLATE,
                "what a zero-shot labeler (CLIP, SigLIP) scores each label name in; {label} is the name "
                "(llmvis suggest --template: that run only)",
                _template, _quoted),
    UserSetting(ENCODER_SETTING, None,
                "a local CLIP or SigLIP model folder whose image embeddings the learned suggester learns "
                "from, instead of its handcrafted features (llmvis suggest --learned-encoder: that run only)",
                _encoder, _encoder_shown, reads_project=True),
)}


def find(name: str) -> UserSetting:
    """The setting called ``name``; :class:`SettingRefused` naming the ones there are otherwise."""
    setting = USER_SETTINGS.get(name)
    if setting is None:
        raise SettingRefused(f"no project setting is called {name!r}; a user may set: "
                             + ", ".join(sorted(USER_SETTINGS)))
    return setting


def current(project, names: Optional[list[str]] = None) -> dict[str, dict]:
    """``{name: {"value", "default", "set"}}`` for each setting (or those ``names``), as the
    project stores them; ``set`` False where the project holds none (its value is the default)."""
    stored = project.settings() or {}
    chosen = [find(n) for n in names] if names else list(USER_SETTINGS.values())
    # (a value stored as null is none: the window's Reset of a prompt may write it so)
    return {s.name: {"value": s.default if stored.get(s.name) is None else stored[s.name], "default": s.default,
                     "set": stored.get(s.name) is not None} for s in chosen}


def change(project, name: str, text: str) -> tuple[object, object]:
    """Store the setting ``name`` as ``text`` says (checked first: nothing is written when it
    is refused); (the value before, the value now), read and written in one transaction."""
    from .store import settings_row

    setting = find(name)
    value = setting.checked(text, project.settings() if setting.reads_project else None)
    with project.store.write() as s:
        row, data = settings_row.locked(s)
        if row is None:
            raise SettingRefused(f"the database holds no project to set {name} in")
        before = _stored(data, setting)
        if data.get(name) != value:
            data[name] = value
            settings_row.save(row, data)
    return before, value


def reset(project, name: str) -> tuple[object, object]:
    """Take the setting ``name`` back to its default (the project no longer holds one);
    (the value before, the default), read and written in one transaction."""
    from .store import settings_row

    setting = find(name)
    with project.store.write() as s:
        row, data = settings_row.locked(s)
        if row is None:
            raise SettingRefused(f"the database holds no project to reset {name} in")
        before = _stored(data, setting)
        if name in data:
            del data[name]
            settings_row.save(row, data)
    return before, setting.default


def _stored(data: dict, setting: UserSetting) -> object:
    value = data.get(setting.name)
    return setting.default if value is None else value
