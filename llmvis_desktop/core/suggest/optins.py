"""The per-model opt-ins a project saves (the model manager's "allow .bin weights" and
"allow remote code"), and how a job's own ``allow_bin`` / ``allow_remote_code`` combine
with them. The window's model manager, the Ask box and the model worker read these."""
from __future__ import annotations

import os
from typing import TYPE_CHECKING, Collection, Union

if TYPE_CHECKING:
    from ..project import Project
    from .discovery import ModelInfo

OptIn = Union[bool, Collection[str]]
OPTINS_SETTING = "model_optins"  # project setting: {path: ["bin", "remote_code"]}


def optins_for(project: Project, info: ModelInfo) -> tuple[bool, bool]:
    """The per-model opt-ins saved in the project (model manager): (allow_bin, allow_remote_code)."""
    return saved_optins(project.settings().get(OPTINS_SETTING) or {}, info)


def saved_optins(optins: dict, info: ModelInfo) -> tuple[bool, bool]:
    """(allow_bin, allow_remote_code) for ``info`` in a project's saved ``optins`` setting."""
    keys = optin_keys(optins, info.path) + ([info.model_id] if info.source == "hf-cache" else [])
    saved = {kind for key in keys for kind in optins.get(key, ())}  # an HF-cache model: by id too
    return "bin" in saved, "remote_code" in saved


def optin_keys(optins: dict, path: str) -> list[str]:
    """The keys of ``optins`` for the model folder ``path``: its own, and any other path to
    the same folder (a link, a relative path) the opt-in was saved under."""
    real = os.path.realpath(path)
    return [k for k in optins if k == path or os.path.realpath(k) == real]


def _opted(value: OptIn, info: ModelInfo) -> bool:
    if isinstance(value, bool):
        return value
    return info.path in value or info.model_id in value


def resolve_optins(project, info, allow_bin, allow_rc) -> tuple[bool, bool]:
    """(allow_bin, allow_remote_code) for a job: each given one (True, or the paths/ids opted
    in), or, where None, the one saved in the project."""
    saved_bin, saved_rc = optins_for(project, info) if (allow_bin is None or allow_rc is None) else (False, False)
    a_bin = saved_bin if allow_bin is None else _opted(allow_bin, info)
    a_rc = saved_rc if allow_rc is None else _opted(allow_rc, info)
    return a_bin, a_rc
