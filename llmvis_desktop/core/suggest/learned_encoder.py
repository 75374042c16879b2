"""The learned suggester's image encoder as a user picks it: a local CLIP or SigLIP folder
whose embeddings replace the handcrafted features (:class:`~.features.ClipFeatures`).

The project setting ``learned_encoder`` (`llmvis settings FOLDER learned_encoder PATH`)
holds it for the window's learned suggester and for ``llmvis suggest --learned``;
``--learned-encoder PATH`` picks one for a run. Unset, the suggester uses its handcrafted
features (and, with enough reviews, its own small network). The folder passes the checks
a labeler's does (config, weights in safetensors, no custom code) before anything loads:
the encoder was reachable only from Python before, so a user could not take up the
issue's "or a local CLIP/SigLIP encoder's embeddings".

Weights only in pickle ``.bin`` form load when the project holds the model's opt-in (the
Models dialog's "Allow pickle .bin weights for this model", its ``model_optins``), as a
captioner's and a labeler's do, or for one run with ``--allow-bin``; they were refused as
the encoder whatever the opt-in said. Remote code stays refused: CLIP and SigLIP need none.
"""
from __future__ import annotations

from pathlib import Path
from typing import Iterable, Optional

#: the project setting holding the encoder's folder (or HF-cache id); unset: handcrafted features
SETTING = "learned_encoder"


#: how a refusal of .bin weights says to opt in for the encoder (`llmvis settings` has no --allow-bin)
BIN_OPT_IN = ("tick \u201cAllow pickle .bin weights for this model\u201d for it in the Models dialog "
              "(saved in the project), or for one run: llmvis suggest --learned --learned-encoder PATH --allow-bin")


def bin_refusal(path: str | Path) -> str:
    """Why the encoder folder ``path``, its weights only in pickle .bin form, is refused without an opt-in."""
    return (f"{path}: weights only in pickle .bin form, which can run code when loaded; convert them "
            f"to safetensors, or opt in for this model: {BIN_OPT_IN}")


def resolve_encoder(spec: str, model_dirs: Iterable[str | Path] = (), optins: Optional[dict] = None,
                    allow_bin: bool = False):
    """The :class:`~.discovery.ModelInfo` of the encoder ``spec`` names (a folder, a name in
    a model folder, an ``org/name`` in the HF cache); :class:`~.discovery.ModelRefused`
    naming it when it cannot serve: refused as any model is, or not a CLIP/SigLIP.
    ``optins``: the project's saved ``model_optins`` (its .bin opt-in for this model lets
    pickle weights load); ``allow_bin``: opted in for this run."""
    from . import discovery
    from .discovery import ModelRefused, check, resolve_model
    from .optins import saved_optins

    info = resolve_model(spec, model_dirs)
    allow_bin = allow_bin or saved_optins(optins or {}, info)[0]
    try:
        check(info, allow_bin=allow_bin)  # (no remote code: CLIP and SigLIP need none)
    except ModelRefused as exc:  # its .bin weights: how to opt in for the encoder (not --allow-bin alone)
        if info.weights_format == "bin" and not allow_bin and discovery.BIN_OPT_IN in str(exc):
            raise ModelRefused(bin_refusal(info.path)) from None
        raise
    if info.kind != "labeler":
        raise ModelRefused(f"{info.path}: a {info.family_text} model ({info.kind}) gives no image embeddings "
                           f"for the learned suggester; its encoder is a CLIP or SigLIP model folder")
    return info


def stored_value(spec: str, model_dirs: Iterable[str | Path] = (), optins: Optional[dict] = None) -> str:
    """What the setting stores for ``spec``: the encoder's full folder path (a relative one
    would name another folder from another working directory), or its HF-cache id.
    ``optins``: the project's saved ``model_optins`` (see :func:`resolve_encoder`)."""
    info = resolve_encoder(spec, model_dirs, optins)
    return info.model_id if info.source == "hf-cache" else str(Path(info.path).resolve())


def encoder_device(preference: Optional[str]) -> tuple[str, str]:
    """(where the encoder runs, why not on ``preference``): the device asked for (auto: CUDA,
    then MPS, then CPU) when this machine has it, else the CPU and why, as the repair model
    falls back. (The encoder always ran on the CPU, whatever --device or Settings said.)"""
    from .device import DeviceError, resolve

    try:
        return resolve(preference or "auto"), ""
    except DeviceError as exc:
        return "cpu", f"{exc}, so the learned suggester's encoder runs on the CPU"


def encoder_for(project, spec: Optional[str] = None, model_dirs: Iterable[str | Path] = (),
                device: Optional[str] = "cpu", allow_bin: bool = False):
    """The feature extractor the learned suggester of ``project`` runs with: ``spec`` (a
    run's choice) or else the project's ``learned_encoder`` setting, as a
    :class:`~.features.ClipFeatures` on ``device`` (its ``device_note``: why it runs on the
    CPU instead, or ""); None for the handcrafted features (neither given). Pickle .bin
    weights load with the project's saved opt-in for the model, or ``allow_bin`` (this run)."""
    from .optins import OPTINS_SETTING

    settings = project.settings() or {}
    if not spec:
        spec = settings.get(SETTING)
    if not spec:
        return None
    from .features import ClipFeatures

    info = resolve_encoder(str(spec), model_dirs, settings.get(OPTINS_SETTING) or {}, allow_bin)
    where, why = encoder_device(device)
    extractor = ClipFeatures(info.path, device=where, revision=info.revision,
                             allow_bin=info.weights_format == "bin")
    extractor.device_note = why
    return extractor
