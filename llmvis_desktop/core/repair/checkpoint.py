"""Checkpoints: safetensors tensors plus a JSON card beside them.

``NAME.safetensors`` holds the EMA generator under ``g.*`` (what inference uses) and,
for resumable training checkpoints, the raw generator, the discriminator and the Adam
moments under ``train.*``.  The safetensors header metadata carries the architecture
config, the step and the card itself; ``NAME.json`` is the human-readable card
(architecture, data summary, steps, metrics, command) plus the file's sha256.  The
weights are renamed into place before the card, and say which card they follow
(``replaces_sha256``): a save interrupted between the two (a second Ctrl-C, a kill)
leaves a checkpoint that loads with its own card; any other mismatch between file and
card is refused as a damaged or replaced file.  Loading never unpickles anything.
"""
from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

from ..errors import first_line
from ..hashing import file_sha256
from . import RepairError

FORMAT = "llmvis-repair-1"


class CheckpointError(RepairError):
    """A checkpoint cannot be used (missing, corrupt, pickle, wrong architecture)."""


def damaged_project_checkpoint(path: Path | str, where: str) -> str:
    """What to do about the project's repair model ``path`` (``.llmvis/repair.safetensors``)
    when it cannot be loaded, said after the error naming it: ``where`` is "dialog" (the
    repair dialog's GAN), "train" (Image ▸ Train repair model, which starts from it) or
    "cli" (``repair apply``). The file is never removed for the user."""
    path = Path(path)
    if where == "cli":
        return (f"it is the project's repair model: delete or rename it (the GAN then uses the shipped "
                f"starter), repair with --method telea or --method ns, or train a new one with "
                f"llmvis repair train {path.parent.parent} --force (from the starter, or --from CKPT)")
    first = ("delete or rename it, then Image ▸ Train repair model… again (it starts from the shipped starter "
             "then)" if where == "train" else
             "delete or rename it (the GAN then uses the shipped starter)")
    retrain = ("" if where == "train" else
               ", or train a new model: Image ▸ Train repair model… once the file is moved away")
    engine = "the repair dialog's Engine" if where == "train" else "Engine"
    return (f"To go on: {first}; repair with Telea or Navier-Stokes meanwhile ({engine}){retrain}; or train "
            f"from another checkpoint: llmvis repair train {path.parent.parent} --force --from CKPT.")


@dataclass
class Checkpoint:
    path: Path
    config: dict
    generator_state: dict  # name -> tensor (EMA weights)
    step: int = 0
    card: dict = field(default_factory=dict)
    train_state: dict = field(default_factory=dict)  # "g.*", "d.*", "opt_g.*", "opt_d.*"
    sha256: str = ""


def card_path(path: Path | str) -> Path:
    return Path(path).with_suffix(".json")


def checkpoint_hash(path: Path | str) -> str:
    return file_sha256(path)


def check_checkpoint_path(path: Path | str) -> None:
    """Refuse, before any training, an output that could not be used as a checkpoint: a
    folder (training ran to the end, then failed with "Is a directory"), or a name not
    ending in .safetensors (saved, then refused by every loader as pickle-based)."""
    path = Path(path)
    if path.is_dir():
        raise RepairError(f"{path}: is a folder; give a checkpoint file name "
                          f"(e.g. {path / 'repair.safetensors'}); nothing was trained")
    if path.suffix.lower() != ".safetensors":
        raise RepairError(f"{path}: a checkpoint is saved as a .safetensors file; give a name ending in "
                          f".safetensors (e.g. {path.with_suffix('.safetensors').name}); nothing was trained")


def ensure_writable(path: Path | str) -> None:
    """Check, before any training, that a checkpoint can be saved as ``path``: its folder is
    created and a temporary file written and removed there. A :class:`RepairError` says
    why not (training to the end and then failing to save lost the whole run)."""
    import errno

    check_checkpoint_path(path)
    folder = Path(path).parent
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".write-test.", suffix=".tmp", dir=folder)
        os.close(fd)
        os.unlink(tmp)
    except OSError as exc:
        why = {errno.EROFS: "read-only file system", errno.EACCES: "permission denied",
               errno.EPERM: "permission denied", errno.ENOSPC: "the disk is full"}.get(exc.errno,
                                                                                    exc.strerror or str(exc))
        raise RepairError(f"cannot save the checkpoint {path}: {folder} is not writable ({why}); "
                          f"nothing was trained. Give another output (--out)") from None


def _atomic_write_bytes(path: Path, data: bytes) -> None:
    """Written whole, fsynced, through a temporary file of this process's own; what a
    killed save of ``path`` left is removed first (:func:`..tmp_names.write_whole`)."""
    from ..tmp_names import write_whole

    write_whole(path, data)


def save_checkpoint(path: Path | str, config: dict, generator_state: dict, *, step: int = 0,
                    card: Optional[dict] = None, train_state: Optional[dict] = None,
                    half: bool = False) -> Path:
    """Write tensors and card atomically (temp file + rename).  ``half`` stores the
    generator in float16 (the shipped starter) -- loading converts back to float32."""
    import torch
    from safetensors.torch import save

    path = Path(path)
    tensors = {}
    for k, v in generator_state.items():
        t = v.detach().cpu().contiguous()
        tensors[f"g.{k}"] = t.half() if half and t.is_floating_point() else t.float() if t.is_floating_point() else t
    for k, v in (train_state or {}).items():
        tensors[f"train.{k}"] = v.detach().cpu().contiguous() if isinstance(v, torch.Tensor) else torch.tensor(v)
    full_card = {"format": FORMAT, "architecture": config, "steps": int(step), **(card or {})}
    meta = {"format": FORMAT, "config": json.dumps(config, sort_keys=True), "step": str(int(step)),
            "card": json.dumps(full_card, sort_keys=True)}
    # the card now beside ``path`` describes the file this one replaces: said in the new file,
    # so that an interruption between the two renames (weights replaced, card not yet) leaves
    # a checkpoint that still loads, with its own card, rather than one "damaged or replaced"
    previous = _read_card(card_path(path)).get("sha256")
    if previous:
        meta["replaces_sha256"] = str(previous)
    _atomic_write_bytes(path, save(tensors, metadata=meta))
    full_card["sha256"] = checkpoint_hash(path)
    full_card["size_bytes"] = path.stat().st_size
    _atomic_write_bytes(card_path(path), json.dumps(full_card, indent=2, sort_keys=True).encode())
    return path


def _read_card(cp: Path) -> dict:
    try:
        card = json.loads(cp.read_text()) if cp.is_file() else {}
    except (OSError, ValueError):
        return {}
    return card if isinstance(card, dict) else {}


def move_checkpoint(src: Path | str, dst: Path | str, sidecars: tuple = (".json", ".preview.png")) -> None:
    """Put the checkpoint ``src`` (and its card and preview) in place of ``dst``. The old
    card goes first, then the weights, then the new card: however it is interrupted, what
    is at ``dst`` loads (the weights carry their own card)."""
    src, dst = Path(src), Path(dst)
    card_path(dst).unlink(missing_ok=True)
    os.replace(src, dst)
    for x in sidecars:
        if src.with_suffix(x).is_file():
            os.replace(src.with_suffix(x), dst.with_suffix(x))


def not_a_checkpoint_file(path: Path) -> str:
    """Why ``path`` (not a file) cannot be a checkpoint, and what to give instead: a folder
    (a model folder) is called one, with the checkpoints it holds; a missing path says what
    a checkpoint is (it was "no such checkpoint file" for a folder too)."""
    if path.is_dir():
        try:
            held = sorted(q.name for q in path.iterdir() if q.suffix == ".safetensors" and q.is_file())
        except OSError:
            held = []
        if not held:
            return f"{path} is a folder, not a checkpoint file, and holds no .safetensors file; name the checkpoint file"
        shown = ", ".join(str(path / n) for n in held[:3]) + (f" (and {len(held) - 3} more)" if len(held) > 3 else "")
        return f"{path} is a folder, not a checkpoint file: name the .safetensors file in it ({shown})"
    return (f"{path}: no such checkpoint file (moved or mistyped?); name a .safetensors checkpoint, as "
            f"llmvis repair train writes (by default FOLDER/.llmvis/repair.safetensors)")


def load_checkpoint(path: Path | str, *, with_train_state: bool = False) -> Checkpoint:
    """Read and validate a checkpoint; every failure is a one-line :class:`CheckpointError`."""
    from safetensors import safe_open

    from .networks import ARCH, build_generator

    path = Path(path)
    if not path.is_file():
        raise CheckpointError(not_a_checkpoint_file(path))
    with open(path, "rb") as f:
        head = f.read(16)
    if head[:2] == b"\x80\x02" or head[:4] == b"PK\x03\x04" or path.suffix in (".pt", ".pth", ".ckpt", ".pkl"):
        raise CheckpointError(f"{path}: pickle-based checkpoints are refused; use a .safetensors checkpoint")
    try:
        tensors = {}
        with safe_open(str(path), framework="pt") as f:
            meta = f.metadata() or {}
            for k in f.keys():
                if k.startswith("g.") or (with_train_state and k.startswith("train.")):
                    tensors[k] = f.get_tensor(k)
    except Exception as exc:  # safetensors raises its own error types
        raise CheckpointError(f"{path}: not a readable safetensors checkpoint (corrupt or truncated: "
                              f"{first_line(exc, 120)})") from None
    if meta.get("format") != FORMAT:
        raise CheckpointError(f"{path}: not an llmvis repair checkpoint (format {meta.get('format')!r})")
    try:
        config = json.loads(meta.get("config", "{}"))
    except ValueError:
        raise CheckpointError(f"{path}: checkpoint header has an unreadable config") from None
    if config.get("arch") != ARCH:
        raise CheckpointError(f"{path}: architecture {config.get('arch')!r}, this version runs {ARCH!r}")
    gstate = {k[2:]: v.float() if v.is_floating_point() else v for k, v in tensors.items() if k.startswith("g.")}
    try:
        model = build_generator(config)
    except Exception as exc:
        raise CheckpointError(f"{path}: cannot build architecture from its config ({exc})") from None
    expected = model.state_dict()
    missing = sorted(set(expected) - set(gstate))
    extra = sorted(set(gstate) - set(expected))
    bad = [k for k in expected if k in gstate and tuple(gstate[k].shape) != tuple(expected[k].shape)]
    if missing or extra or bad:
        what = (f"missing {missing[:2]}" if missing else f"unexpected {extra[:2]}" if extra
                else f"shape mismatch at {bad[:2]}")
        raise CheckpointError(f"{path}: weights do not match architecture {ARCH} ({what})")
    damaged = [k for k, v in gstate.items() if v.is_floating_point() and not bool(v.isfinite().all())]
    if damaged:  # they would fill every hole with black
        raise CheckpointError(f"{path}: weights hold NaN or infinite values ({damaged[0]}...): the file is damaged")
    cp = card_path(path)
    card = _read_card(cp)
    own = {}
    try:
        own = json.loads(meta["card"]) if meta.get("card") else {}
    except ValueError:
        own = {}
    sha = checkpoint_hash(path)
    if own and (not card or (card.get("sha256") != sha and meta.get("replaces_sha256") == card.get("sha256"))):
        # no card beside it, or the card of the file it replaced (a save interrupted between
        # its two renames): the file's own card describes it
        card = dict(own, sha256=sha, size_bytes=path.stat().st_size)
    if card.get("sha256") and card["sha256"] != sha:
        raise CheckpointError(f"{path}: does not match its card {cp.name} (its sha256 differs): the file was "
                              f"damaged or replaced; restore it, or remove the card if the new file is meant")
    train = {k[len("train."):]: v for k, v in tensors.items() if k.startswith("train.")}
    return Checkpoint(path=path, config=config, generator_state=gstate, step=int(meta.get("step", "0") or 0),
                      card=card, train_state=train, sha256=sha)


def load_generator(path: Path | str):
    """(generator in eval mode on CPU, Checkpoint) for inference."""
    ck = load_checkpoint(path)
    from .networks import build_generator

    g = build_generator(ck.config)
    g.load_state_dict(ck.generator_state)
    g.eval()
    return g, ck
