"""What the model manager (model_manager.py) shows of the models, apart from its choices:
the table's columns and a model's row, the device as people write it, the line naming the
models loaded now, and the hint when no model was found.

Whether a model fits the device is the dialog's to ask (``fits``: its row gets the answer),
so that one place sizes models for the row and for the "too big?" question."""
from __future__ import annotations

import sys
from typing import Optional, Sequence

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QTableWidgetItem

from llmvis_desktop.core.suggest.device import describe_size
from llmvis_desktop.core.suggest.discovery import BIN_OPT_IN, CODE_OPT_IN, ModelInfo

COLUMNS = ("Model", "Family", "Kind", "Size", "Fits", "Source", "Problem")
ROLE_NAMES = {"caption": "captioner", "label": "labeler", "answer": "answers", "chat": "captioner, answers"}
MODEL_COLUMN_MAX = 320  # px: a longer name is elided (full name in the tooltip)


def loaded_line(loaded) -> str:
    """``loaded``: ``ModelWorker.loaded_models()``. "Loaded now: tiny-blip (captioner; cpu,
    float32)", or that none is (and when one loads)."""
    if not loaded:
        return "Loaded now: none (a chosen model loads when it is first used, and stays loaded)"
    parts: dict = {}
    for info, role, device, dtype in loaded:
        where = ", ".join(x for x in (device, dtype) if x)
        parts.setdefault(info.name, []).append(ROLE_NAMES.get(role, role) + (f"; {where}" if where else ""))
    return "Loaded now: " + ", ".join(f"{name} ({' / '.join(roles)})" for name, roles in parts.items())


#: a refusal's way to opt in, as the model manager says it: its check box by its words
#: (it said "(--allow-bin; in the model manager, its check box)" in the model manager)
OPT_INS_HERE = {
    BIN_OPT_IN: "(tick \u201cAllow pickle .bin weights for this model\u201d below)",
    CODE_OPT_IN: "(tick \u201cAllow this model's own code (trust_remote_code)\u201d below)",
}


def said_here(text: Optional[str]) -> Optional[str]:
    """A refusal (or any status) as the model manager shows it: the opt-in named by the
    dialog's own check box, not the command line's option."""
    if not text:
        return text
    for cli, here in OPT_INS_HERE.items():
        text = text.replace(cli, here)
    return text


def _without_path(problem: Optional[str], path: str) -> str:
    """A refusal as its row shows it: the row is the model, so not its folder's path again
    first (the reason and its fix were elided at 1024 px; the tooltip has it whole)."""
    if not problem:
        return ""
    return problem[len(path) + 2:] if problem.startswith(f"{path}: ") else problem


def row_items(info: ModelInfo, problem: Optional[str], fit: Optional[bool]) -> list[QTableWidgetItem]:
    """The cells of ``info``'s row, in :data:`COLUMNS` order: ``problem``, why it would be
    refused (None: usable); ``fit``, whether it fits the device (None: unknown)."""
    problem = said_here(problem)
    cells = (
        info.name, info.family_text, info.kind or "-", describe_size(info.size_bytes),
        "refused" if problem else {True: "yes", False: "too big", None: "?"}[fit],
        "HF cache" if info.source == "hf-cache" else "folder", _without_path(problem, info.path),
    )
    items = []
    for c, text in enumerate(cells):
        item = QTableWidgetItem(text)
        if c == 0:  # the name may be elided: the tooltip has it whole
            item.setToolTip("\n".join(dict.fromkeys(t for t in (info.name, info.path, problem) if t)))
            item.setData(Qt.ItemDataRole.UserRole, info.path)
        else:
            item.setToolTip(problem or info.path)
        items.append(item)
    return items


def empty_text(model_dirs: Sequence[str], include_hf_cache: bool) -> str:
    """Where no model was found, and how to add one."""
    if model_dirs:
        where = f"in {', '.join(model_dirs)}" + (" or the Hugging Face cache" if include_hf_cache else "")
    else:
        where = ("in the Hugging Face cache, and no model folder is set" if include_hf_cache
                 else "(no model folder is set)") + " (Settings \u2192 Model folders)"
    return (f"No models found {where}. Copy a model folder (config.json + *.safetensors, as "
            "save_pretrained writes it) into a model folder, then Rescan.")


def device_name(device: str) -> str:
    """A device as people write it: "CPU", "CUDA:1", "MPS" (the header read "Fits cpu")."""
    return device.upper()


def fit_device(device: str) -> str:
    """The device to size against, without importing torch on the GUI thread just for that."""
    if device != "auto":
        return device
    if "torch" in sys.modules:
        from llmvis_desktop.core.suggest.device import resolve

        return resolve("auto")
    return "cpu"
