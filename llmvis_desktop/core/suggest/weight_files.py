"""Which files of a model folder are its weights, whether transformers would find them under
their names, and what their safetensors headers say (parameter count, a file cut short).
Offline and torch-free; :mod:`.discovery` builds its ``ModelInfo`` from these."""
from __future__ import annotations

import json
import stat
import struct
from pathlib import Path
from typing import Optional

WEIGHT_SUFFIXES = (".safetensors",)
_BIN_NAMES = ("pytorch_model.bin", "pytorch_model.bin.index.json", "model.bin")
_NOT_WEIGHTS = ("training_args.bin", "optimizer.bin", "scheduler.bin", "rng_state.bin")
_DTYPE_BYTES = {"F64": 8, "F32": 4, "F16": 2, "BF16": 2, "I64": 8, "I32": 4, "I16": 2, "I8": 1,
                "U8": 1, "BOOL": 1, "F8_E4M3": 1, "F8_E5M2": 1}


def _weight_files(folder: Path) -> tuple[list[Path], list[Path]]:
    """(safetensors files, pickle files) of a model folder. A sharded download cut short
    (an index whose shards are not all there) has no safetensors weights."""
    safe, pickled = [], []
    try:
        entries = sorted(folder.iterdir())
    except OSError:
        return [], []
    incomplete = False
    for p in entries:
        n = p.name
        if not p.exists():  # a dangling link: an interrupted download or a moved blob
            continue
        if n == "model.safetensors.index.json":
            incomplete = not _shards_present(p)
            safe.append(p)
        elif n.endswith(WEIGHT_SUFFIXES):
            safe.append(p)
        elif (n.endswith(".bin") and n not in _NOT_WEIGHTS) or n in _BIN_NAMES or n.endswith(".pt") or n.endswith(".pth"):
            pickled.append(p)
    return ([] if incomplete else safe), pickled


def _shards_present(index: Path) -> bool:
    """Whether every shard a safetensors index names is there (a download cut short
    leaves the index and some shards)."""
    if not index.is_file():  # a named pipe would block the read
        return False
    try:
        shards = set((json.loads(index.read_text()).get("weight_map") or {}).values())
    except (OSError, ValueError, AttributeError):
        return False
    return bool(shards) and all((index.parent / name).exists() for name in shards)


#: the weight files transformers loads (no ``variant``): one file, or an index and its shards
_LOADED_NAMES = {"safetensors": ("model.safetensors", "model.safetensors.index.json"),
                 "bin": ("pytorch_model.bin", "pytorch_model.bin.index.json")}


def _unloadable(folder: Path, fmt: Optional[str], weights: list[Path]) -> Optional[str]:
    """Why transformers would not find these weights, or None: shards the safetensors index
    names are missing, or the files are under another name (``model.fp16.safetensors`` alone,
    a LoRA ``adapter_model.safetensors``, shards with no index, ``model.pt``). Such a folder was
    listed as usable, and every job failed ("no file named model.safetensors")."""
    index = folder / "model.safetensors.index.json"
    if index.is_file() and not _shards_present(index):
        try:
            shards = sorted(set((json.loads(index.read_text()).get("weight_map") or {}).values()))
        except (OSError, ValueError, AttributeError) as exc:  # it said "names no shards"
            why = "not a JSON object with a weight_map" if isinstance(exc, AttributeError) else (
                exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)) or type(exc).__name__
            return (f"model.safetensors.index.json cannot be read ({why}), so its shards cannot be "
                    f"found; the download may be incomplete: fetch or copy the model again")
        missing = [n for n in shards if not (folder / n).exists()]
        if missing:
            return (f"{len(missing)} of the {len(shards)} shards model.safetensors.index.json names "
                    f"{'is' if len(missing) == 1 else 'are'} missing "
                    f"({', '.join(missing[:3])}{', ...' if len(missing) > 3 else ''}); the download may be incomplete")
        return "model.safetensors.index.json names no shards; the download may be incomplete"
    if fmt is None:
        return None
    names = [p.name for p in weights]
    if any(n in _LOADED_NAMES[fmt] for n in names):
        return None
    loaded = _LOADED_NAMES[fmt]
    hint = (f"shards need their index, {loaded[1]}; the download may be incomplete" if any("-of-" in n for n in names)
            else f"if {names[0]} holds this model's whole weights, rename it {loaded[0]}")
    return (f"weights {', '.join(names[:3])}{', ...' if len(names) > 3 else ''} are not under a name "
            f"transformers loads ({loaded[0]}, or {loaded[1]} with its shards): {hint}")


def _param_count(files: list[Path]) -> tuple[Optional[int], Optional[str]]:
    """(parameter count, or None; why a file cannot be whole, or None) from the
    safetensors headers: a file cut short (a download stopped) or a Git LFS pointer (a
    clone without LFS) was listed as usable and failed only when a job loaded it."""
    total, found = 0, False
    for p in files:
        if not p.name.endswith(".safetensors"):
            continue
        try:
            st = p.stat()
            if not stat.S_ISREG(st.st_mode):  # a named pipe blocked open() for ever
                return None, f"{p.name} is not a regular file"
            size = st.st_size
            if size < 8:  # no room for the header's length: struct.error said 'unpack requires a buffer'
                return None, (f"{p.name} is empty (0 bytes): the download did not finish" if size == 0 else
                              f"{p.name} is cut short: {size} bytes, not even its header (the download "
                              f"did not finish)")
            with open(p, "rb") as fh:
                head = fh.read(8)
                if head.startswith(b"version "):
                    return None, (f"{p.name} is a Git LFS pointer, not the weights (fetch them: "
                                  f"git lfs pull)")
                (n,) = struct.unpack("<Q", head)
                if n > min(100 * 1024 * 1024, size - 8):
                    return None, f"{p.name} is damaged (its header does not fit the file)"
                header = json.loads(fh.read(n))
            if not isinstance(header, dict):
                raise ValueError("header is not a JSON object")
            end = 0
            for key, meta in header.items():
                if key == "__metadata__" or not isinstance(meta, dict):
                    continue
                offsets, shape = meta.get("data_offsets") or [0, 0], meta.get("shape") or []
                end = max(end, int(offsets[1]))
                count = 1
                for d in shape:
                    count *= int(d)
                total += count
                found = True
        except PermissionError:  # whole, but not this user's to read: fetching it again would not help
            return None, (f"{p.name} cannot be read (permission denied); ask its owner for read access, "
                          f"or copy the model into a folder of yours")
        except (OSError, ValueError, TypeError, IndexError, struct.error) as exc:
            return None, f"{p.name} is damaged ({exc})"
        if 8 + n + end > size:
            return None, (f"{p.name} is cut short: {size:,} of {8 + n + end:,} bytes (the download "
                          f"did not finish)")
    return (total if found else None), None
