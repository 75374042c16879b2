"""A fit of the learned suggester's network that a kill does not lose (see :mod:`.cnn`).

Every :data:`CHECKPOINT_EVERY` optimisation steps :meth:`.cnn.CNNModel.fit` writes what
it needs to go on (safetensors, never pickle; written to a temporary file and renamed,
so a kill mid-write leaves the previous checkpoint): the members already fitted, the
current one's weights and AdamW moments, its step, and the random generators' states.
A fit started again with the same key (the reviewed set and configuration: the
suggester's revision) resumes there and ends with the same weights as a fit never
stopped; a checkpoint of another key, or unreadable, is ignored. The finished fit
deletes it.
"""
from __future__ import annotations

import logging
import warnings
from pathlib import Path
from typing import Optional

from .tmp_names import drop, own_tmp

log = logging.getLogger(__name__)

CHECKPOINT_EVERY = 50  # optimisation steps between checkpoints (each a few ms and ~1 MB)
FORMAT = "cnn-fit-checkpoint-v1"


def partial_path(model_path: Optional[Path]) -> Optional[Path]:
    """Where the fit of the network saved at ``model_path`` keeps its checkpoint."""
    return None if model_path is None else model_path.with_name(model_path.stem + ".partial.safetensors")


def save(path: Path, key: str, member: int, step: int, done_nets: list, net, opt, rng, gen) -> None:
    """The fit's state after ``step`` steps of member ``member`` (``done_nets``: those before it)."""
    import torch
    from safetensors.torch import save_file

    tensors = {"rng.global": rng.clone(), "rng.gen": gen.clone()}
    for m, done in enumerate(done_nets):
        for k, v in done.state_dict().items():
            tensors[f"done{m}.{k}"] = v.detach().cpu().contiguous()
    for k, v in net.state_dict().items():
        tensors[f"net.{k}"] = v.detach().cpu().contiguous()
    params = [p for group in opt.param_groups for p in group["params"]]
    for i, p in enumerate(params):
        for name, value in opt.state.get(p, {}).items():
            if torch.is_tensor(value):
                tensors[f"opt.{i}.{name}"] = value.detach().cpu().contiguous()
    meta = {"format": FORMAT, "key": key, "member": str(member), "step": str(step),
            "members_done": str(len(done_nets))}
    tmp = own_tmp(path)  # (another window or llmvis suggest on this machine may fit the same set)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        save_file(tensors, str(tmp), metadata=meta)
        tmp.replace(path)
    except OSError as exc:
        drop(tmp)  # a checkpoint is only a shortcut: the fit goes on
        log.warning("cannot save the learned network's fit to %s: %s", path, exc)


def load(path: Optional[Path], key: str) -> Optional[dict]:
    """The checkpoint at ``path`` for ``key``, or None (none, another fit's, unreadable)."""
    if path is None or not path.exists():
        return None
    try:
        from safetensors import safe_open

        with safe_open(str(path), framework="pt") as f:
            meta = f.metadata() or {}
            if meta.get("format") != FORMAT or meta.get("key") != key:
                return None
            tensors = {k: f.get_tensor(k) for k in f.keys()}
        return {"member": int(meta["member"]), "step": int(meta["step"]),
                "members_done": int(meta["members_done"]), "tensors": tensors}
    except Exception as exc:
        log.warning("ignoring the learned network's checkpoint %s: %s", path, exc)
        return None


def restore_nets(state: dict, build) -> list:
    """The members fitted before the checkpoint (``build()`` makes an empty one)."""
    nets = []
    for m in range(state["members_done"]):
        net = build()
        net.load_state_dict(_part(state["tensors"], f"done{m}."))
        net.eval()
        nets.append(net)
    return nets


def restore_member(state: dict, net, opt, sched, gen) -> int:
    """Put the checkpoint's member back into ``net``, ``opt``, ``sched`` (stepped on to the
    checkpoint) and the generators; returns the step to go on from."""
    import torch

    t = state["tensors"]
    net.load_state_dict(_part(t, "net."))
    params = [p for group in opt.param_groups for p in group["params"]]
    for i, p in enumerate(params):
        moments = {name: v for name, v in _part(t, f"opt.{i}.").items()}
        if moments:
            opt.state[p] = moments
    step = state["step"]
    with warnings.catch_warnings():  # (stepping the schedule without optimiser steps warns)
        warnings.simplefilter("ignore")
        for _ in range(step):
            sched.step()
    torch.set_rng_state(t["rng.global"])
    gen.set_state(t["rng.gen"])
    return step


def remove(path: Optional[Path]) -> None:
    if path is None:
        return
    for p in (path, path.with_name(path.name + ".tmp")):
        try:
            p.unlink()
        except FileNotFoundError:
            pass
        except OSError as exc:
            log.warning("cannot remove %s: %s", p, exc)


def _part(tensors: dict, prefix: str) -> dict:
    return {k[len(prefix):]: v for k, v in tensors.items() if k.startswith(prefix)}

