"""The learned suggester's image encoder as a user picks it: a local CLIP or SigLIP folder
whose embeddings replace the handcrafted features (:class:`~.features.ClipFeatures`).

The project setting ``learned_encoder`` (`llmvis settings FOLDER learned_encoder PATH`)
holds it for the window's learned suggester and for ``llmvis suggest --learned``;
``--learned-encoder PATH`` picks one for a run. Unset, the suggester uses its handcrafted
features (and, with enough reviews, its own small network). The folder passes the checks
a labeler's does (config, weights in safetensors, no custom code) before anything loads:
the encoder was reachable only from Python before, so a user could not take up the
issue's "or a local CLIP/SigLIP encoder's embeddings".
"""
from __future__ import annotations

from pathlib import Path
from typing import Iterable, Optional

#: the project setting holding the encoder's folder (or HF-cache id); unset: handcrafted features
SETTING = "learned_encoder"


def resolve_encoder(spec: str, model_dirs: Iterable[str | Path] = ()):
    """The :class:`~.discovery.ModelInfo` of the encoder ``spec`` names (a folder, a name in
    a model folder, an ``org/name`` in the HF cache); :class:`~.discovery.ModelRefused`
    naming it when it cannot serve: refused as any model is, or not a CLIP/SigLIP."""
    from .discovery import ModelRefused, check, resolve_model

    info = check(resolve_model(spec, model_dirs))
    if info.kind != "labeler":
        raise ModelRefused(f"{info.path}: a {info.family_text} model ({info.kind}) gives no image embeddings "
                           f"for the learned suggester; its encoder is a CLIP or SigLIP model folder")
    return info


def stored_value(spec: str, model_dirs: Iterable[str | Path] = ()) -> str:
    """What the setting stores for ``spec``: the encoder's full folder path (a relative one
    would name another folder from another working directory), or its HF-cache id."""
    info = resolve_encoder(spec, model_dirs)
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
                device: Optional[str] = "cpu"):
    """The feature extractor the learned suggester of ``project`` runs with: ``spec`` (a
    run's choice) or else the project's ``learned_encoder`` setting, as a
    :class:`~.features.ClipFeatures` on ``device`` (its ``device_note``: why it runs on the
    CPU instead, or ""); None for the handcrafted features (neither given)."""
    if not spec:
        spec = (project.settings() or {}).get(SETTING)
    if not spec:
        return None
    from .features import ClipFeatures

    info = resolve_encoder(str(spec), model_dirs)
    where, why = encoder_device(device)
    extractor = ClipFeatures(info.path, device=where, revision=info.revision)
    extractor.device_note = why
    return extractor
