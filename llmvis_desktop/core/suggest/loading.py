"""Loading a model folder's weights, refusing what would only give junk suggestions:
weights missing from the checkpoint (random, silently), NaN or infinite values, no
tokenizer files (a tokenizer of special tokens alone decodes every caption to nothing).
Each refusal is a :class:`~.discovery.ModelRefused` naming the folder."""
from __future__ import annotations

import json
import logging
from contextlib import contextmanager
from pathlib import Path
from typing import Optional, Sequence

log = logging.getLogger(__name__)


#: transformers' messages about a checkpoint's keys: its load report (a table of every weight
#: missing or unexpected, with terminal escape codes) and its tied-weights complaint. The
#: checks below say what matters in one line; these went to the debug log only
_KEY_REPORTS = ("LOAD REPORT", "This checkpoint seem corrupted")


class _KeyReportsToDebug(logging.Filter):
    def __init__(self) -> None:
        super().__init__()
        self.mismatched: list[str] = []  # the weights its report marks MISMATCH (shapes)

    def filter(self, record: logging.LogRecord) -> bool:
        msg = record.getMessage()
        if any(k in msg for k in _KEY_REPORTS):
            log.debug("transformers: %s", msg)
            self.mismatched.extend(_mismatched_keys(msg))
            return False
        return True


def _mismatched_keys(report: str) -> list[str]:
    """The weights a load report's table marks MISMATCH (its first column), escape codes dropped."""
    import re

    plain = re.sub(r"\x1b\[[0-9;]*m", "", report)
    cells = (line.split("|") for line in plain.splitlines())
    return [row[0].strip() for row in cells if len(row) > 1 and row[1].strip() == "MISMATCH"]


@contextmanager
def _key_reports_quiet():
    """transformers' key reports to the debug log, not stderr: `llmvis suggest` printed over
    200 lines of them before its one-line refusal of another model's weights."""
    hf = logging.getLogger("transformers.modeling_utils")
    quiet = _KeyReportsToDebug()
    hf.addFilter(quiet)
    try:
        yield quiet
    finally:
        hf.removeFilter(quiet)


def from_pretrained(cls, path, dtype, kw, use_safetensors):
    """The model, refused (:class:`~.discovery.ModelRefused`) when the checkpoint lacks
    weights the model has (they would be random: junk suggestions, no error) or holds
    NaN or infinite values. Weights of other shapes than the config gives: transformers'
    RuntimeError, with the weights its report named kept as ``exc.mismatched`` (the report
    goes to the debug log; :func:`mismatch_words` says it)."""
    with _key_reports_quiet() as quiet:
        try:
            return _checked(cls, path, dtype, kw, use_safetensors)
        except RuntimeError as exc:
            if "ignore_mismatched_sizes" in str(exc):
                exc.mismatched = list(quiet.mismatched)
            raise


def mismatch_words(exc: BaseException) -> Optional[str]:
    """What a load that failed on weights of other shapes than the config gives says, or
    None for another failure. transformers' own words, "You set `ignore_mismatched_sizes`
    to `False`, thus raising an error. For details look at the above report!", pointed to
    a report that went to the debug log, and named no weight."""
    if "ignore_mismatched_sizes" not in str(exc):
        return None
    names = getattr(exc, "mismatched", None) or []
    which = f" ({len(names)} {_plural(len(names), 'weight')}: {_groups(names)})" if names else ""
    return (f"its weights' shapes do not match its config.json{which}: a damaged checkpoint, or a "
            f"config.json of another size of this model; fetch or copy the model again")


def _checked(cls, path, dtype, kw, use_safetensors):
    try:
        model, info = cls.from_pretrained(str(path), dtype=dtype, use_safetensors=use_safetensors,
                                          output_loading_info=True, **kw)
    except TypeError:  # transformers 4.x before the dtype= rename
        model, info = cls.from_pretrained(str(path), torch_dtype=dtype, use_safetensors=use_safetensors,
                                          output_loading_info=True, **kw)
    params = {name for name, _ in model.named_parameters()}
    missing = sorted(k for k in (info.get("missing_keys") or ()) if k in params)
    if missing:
        _refuse(f"{path}: {len(missing)} {_plural(len(missing), 'weight')} missing from the checkpoint "
                f"({_groups(missing)}); the download or conversion is incomplete")
    bad = non_finite(model)
    if bad:
        _refuse(f"{path}: {len(bad)} weight {_plural(len(bad), 'tensor')} "
                f"{'holds' if len(bad) == 1 else 'hold'} NaN or infinite values "
                f"({_groups(bad)}); the checkpoint is damaged")
    return model


def _plural(n: int, word: str) -> str:
    return word if n == 1 else word + "s"


def _groups(names: Sequence[str], show: int = 3) -> str:
    """``text_decoder.* 63, vision_model.* 2``: how many names under each top-level module."""
    counts: dict[str, int] = {}
    for n in names:
        head = n.split(".", 1)[0] + (".*" if "." in n else "")
        counts[head] = counts.get(head, 0) + 1
    parts = [f"{head} {c}" if c > 1 else head for head, c in sorted(counts.items(), key=lambda t: -t[1])]
    return ", ".join(parts[:show]) + (f" and {len(parts) - show} more" if len(parts) > show else "")


def non_finite(model) -> list[str]:
    """Names of the model's floating-point parameters and buffers holding NaN or inf. A
    float32 sum is NaN or inf exactly then (real weights are far too small to overflow
    it): 0.1 s for 134 M parameters on two CPU cores, where ``isfinite().all()`` took 1.4 s."""
    import torch

    bad = []
    for name, t in [*model.named_parameters(), *model.named_buffers()]:
        if t.is_floating_point() and t.numel() and not bool(torch.isfinite(t.detach().sum(dtype=torch.float32))):
            bad.append(name)
    return bad


#: files a tokenizer is built from (a folder with none got a few-token tokenizer and empty captions)
TOKENIZER_FILES = ("tokenizer.json", "vocab.json", "vocab.txt", "tokenizer.model", "spiece.model",
                   "sentencepiece.bpe.model")


def need_tokenizer(path) -> None:
    """Refuse a model folder with no tokenizer files: transformers builds a tokenizer of its
    special tokens alone, and every caption decodes to nothing."""
    why = missing_tokenizer(path)
    if why:
        _refuse(f"{Path(path)}: {why}")


def missing_tokenizer(path) -> Optional[str]:
    """Why the folder has no tokenizer a load would accept (the files it looks for), or None."""
    folder = Path(path)
    if any((folder / n).is_file() for n in TOKENIZER_FILES):
        return None
    try:
        if any(p.suffix in (".model", ".tiktoken") and p.is_file() for p in folder.iterdir()):
            return None
    except OSError:
        pass
    return f"no tokenizer files ({', '.join(TOKENIZER_FILES[:4])}...) beside config.json; the download is incomplete"


def need_image_processor(path) -> None:
    """Refuse a model folder with no image processor settings: ``preprocessor_config.json``,
    or the ``image_processor`` part of a ``processor_config.json`` (as transformers 5 saves
    it). transformers' own error spoke of loading it from huggingface.co."""
    why = missing_image_processor(path)
    if why:
        _refuse(f"{Path(path)}: {why}")


def missing_image_processor(path) -> Optional[str]:
    """Why the folder has no image processor settings a load would accept, or None."""
    folder = Path(path)
    if (folder / "preprocessor_config.json").is_file():
        return None
    proc = folder / "processor_config.json"
    try:
        if proc.is_file() and proc.stat().st_size <= 16 * 1024 * 1024:
            cfg = json.loads(proc.read_bytes())
            if not isinstance(cfg, dict) or cfg.get("image_processor") is not None:
                return None  # (a processor config we cannot read: transformers says what is wrong)
    except (OSError, ValueError):
        return None
    return ("no image processor settings (preprocessor_config.json, or an image_processor part in "
            "processor_config.json) beside config.json; the download is incomplete: copy the model's "
            "whole folder again")


def missing_files(path) -> Optional[str]:
    """Why a load would refuse the folder for files it lacks (tokenizer, image processor
    settings), or None: what :func:`need_tokenizer` and :func:`need_image_processor` check,
    said before a load (the model list), both when both are missing."""
    return "; ".join(why for why in (missing_tokenizer(path), missing_image_processor(path),
                                      damaged_generation_config(path)) if why) or None


def need_generation_config(path) -> None:
    """Refuse a model folder whose ``generation_config.json`` does not parse: transformers
    loads the model all the same, with default generation settings (its start, end and
    length settings gone), and the captions come out otherwise than the model's author set."""
    why = damaged_generation_config(path)
    if why:
        _refuse(f"{Path(path)}: {why}")


def damaged_generation_config(path) -> Optional[str]:
    """Why the folder's ``generation_config.json`` cannot be used (cut short, empty), or None
    (none there is fine: the model's config holds the settings then)."""
    from .json_files import damaged_file

    why = damaged_file(Path(path) / "generation_config.json")
    return (f"{why}; transformers would ignore it and caption with default generation settings; "
            f"fetch or copy the model again") if why else None


def _refuse(msg: str):
    from .discovery import ModelRefused

    raise ModelRefused(msg)
