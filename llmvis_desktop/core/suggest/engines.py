"""Engines: a loaded model that captions, labels or answers batches of PIL images.

torch and transformers are imported here, lazily, and only after ``HF_HUB_OFFLINE=1``
is set: no engine ever reaches a network. Inference runs under ``model.eval()`` and
``torch.inference_mode()``. Out of memory: free, halve the batch, retry; at a batch
of one, move the model to the CPU (fp32) at the job's own batch size, say so in
``messages``, and go on. A model stays loaded across jobs (and projects): a job reports
what its engines said during it (:mod:`.job_log`) and, from before, only the state they
are still in (:meth:`Engine.standing`).
"""
from __future__ import annotations

import logging
import os
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Optional, Sequence

from .. import lazy_torch
from ..errors import first_line
from ..wording import second_label_example
from . import device as dev
from .discovery import ModelInfo, ModelRefused, check
from .job_log import MessageLog
from .json_files import damaged_json
from .loading import mismatch_words
from .registry import (DEFAULT_LABEL_TEMPLATE, DEFAULT_MAX_NEW_TOKENS, Family, Generated, Loaded,
                       family_named)

log = logging.getLogger(__name__)


def _offline() -> None:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")


def is_oom(exc: BaseException) -> bool:
    import torch

    if isinstance(exc, (torch.cuda.OutOfMemoryError, MemoryError)):
        return True
    text = str(exc).lower()
    # CUDA/MPS say "out of memory"; the CPU allocator "DefaultCPUAllocator: can't allocate
    # memory" (or, on Windows, "not enough memory")
    return isinstance(exc, RuntimeError) and any(k in text for k in OOM_WORDS)


OOM_WORDS = ("out of memory", "can't allocate memory", "not enough memory")


_pending = threading.local()  # devices whose caches wait for the end of :func:`freed_once`


def free_cache(device: str) -> None:
    """Collect every object (frozen ones too) and empty ``device``'s cache; inside
    :func:`freed_once` only noted, and done once at its end."""
    devices = getattr(_pending, "devices", None)
    if devices is not None:
        devices.append(device)
        return
    _free([device])


@contextmanager
def freed_once():
    """Unload several models with one collection: a full collection walks every object
    of the process (~0.25 s with torch imported, seconds in a long-lived process), and
    each model's unload ran one, so closing a project with a captioner and a labeler
    loaded, or the model thread's shutdown, walked it once per model."""
    if getattr(_pending, "devices", None) is not None:  # (inside one already)
        yield
        return
    _pending.devices = []
    try:
        yield
    finally:
        devices, _pending.devices = _pending.devices, None
        if devices:
            _free(devices)


def _free(devices: Sequence[str]) -> None:
    import torch

    lazy_torch.collect_all()  # a model unloaded (or its batch halved): its frozen objects too
    for device in dict.fromkeys(devices):
        if device.startswith("cuda") and torch.cuda.is_available():
            torch.cuda.empty_cache()
        elif device == "mps":
            try:
                torch.mps.empty_cache()
            except Exception:
                pass


def _where(device: str, start: bool = False) -> str:
    """``cuda:1`` -> "the GPU (cuda:1)", ``cpu`` -> "the CPU": a device in plain words
    (``start``: "The ...", to begin a sentence)."""
    return ("The" if start else "the") + (" CPU" if device == "cpu" else f" GPU ({device})")


class Engine:
    """One model on one device. Not thread-safe: use it from one thread (the model worker)."""

    kinds: tuple[str, ...] = ()

    def __init__(self, info: ModelInfo, device: str = "auto", *, allow_bin: bool = False,
                 allow_remote_code: bool = False, on_message: Optional[Callable[[str], None]] = None) -> None:
        check(info, allow_bin=allow_bin, allow_remote_code=allow_remote_code)
        if info.kind not in self.kinds:
            raise ModelRefused(f"{info.path}: a {info.family} model ({info.kind}) cannot be used as a "
                               f"{type(self).__name__.lower()}")
        self.info = info
        self.family: Family = family_named(info.family)
        self.allow_bin = allow_bin  # the opt-ins it was loaded with (the model worker compares them)
        self.allow_remote_code = allow_remote_code
        self.device = dev.resolve(device)
        self.log = MessageLog()  # what it said, and when (a job reports its own part)
        self.notes = MessageLog()  # the same events in plain words, for a person (the Ask box)
        self._on_message = on_message
        self.loaded: Optional[Loaded] = None
        # the batch size out-of-memory came down to, kept while the model stays loaded here
        self.batch_size: Optional[int] = None
        self._halved: Optional[tuple[int, str]] = None  # (log mark, device) of the last halving
        self.cpu_since: Optional[tuple[int, str]] = None  # (log mark, device) it left for the CPU
        self.load()

    # --- lifecycle ----------------------------------------------------------------
    def load(self) -> None:
        # no collection during the load (each held the GIL: the window froze), and the
        # model's objects and its classes' modules, which stay while it is loaded, out of
        # the collector's walks after it (free_cache collects them)
        with lazy_torch.collector_paused():
            self._load()

    def _load(self) -> None:
        _offline()
        try:
            lazy_torch.import_engine()  # torch and transformers, kept from the garbage collector's walks
        except ImportError as exc:
            raise ModelRefused(f"{self.info.path}: running models needs torch and transformers, which are "
                               f"not installed here ({exc}); install them (pip install torch transformers)") from exc

        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()  # jobs report their own progress; no per-load bars on stderr
        dtype = dev.dtype_for(self.device)
        try:
            self.loaded = self.family.load(Path(self.info.path), self.device, dtype,
                                           trust_remote_code=self.allow_remote_code,
                                           use_safetensors=self.info.weights_format == "safetensors")
        except Exception as exc:
            if is_oom(exc) and self.device != "cpu":
                free_cache(self.device)
                said = self._say(f"{self.info.name}: not enough memory on {self.device} to load; using the CPU",
                                 f"There was not enough memory on {_where(self.device)} to load the model: the "
                                 f"tool loaded it on the CPU instead (slower; it stays on the CPU while it is "
                                 f"loaded).")
                self.cpu_since, self.device = (said, self.device), "cpu"
                self.loaded = self.family.load(Path(self.info.path), "cpu", dev.dtype_for("cpu"),
                                               trust_remote_code=self.allow_remote_code,
                                               use_safetensors=self.info.weights_format == "safetensors")
                return
            if isinstance(exc, ModelRefused):
                raise
            if not Path(self.info.path).is_dir():  # moved or deleted while it loaded: transformers
                # took the path for a hub repo id ("Repo id must be in the form ...")
                raise ModelRefused(f"{self.info.path}: the model folder is no longer there (moved or deleted "
                                   f"while it was loading)") from exc
            # transformers' JSONDecodeError names no file; its size mismatch, no weight
            damaged = damaged_json(self.info.path) or mismatch_words(exc)
            if damaged:
                raise ModelRefused(f"{self.info.path}: cannot load this model: {damaged}") from exc
            # a broken or incompatible folder, or a processor needing a missing extra (torchvision)
            raise ModelRefused(f"{self.info.path}: cannot load this model "
                               f"({type(exc).__name__}: {first_line(exc, 300)})") from exc

    def unload(self) -> None:
        if self.loaded is not None:
            device = self.loaded.device
            self.loaded = None
            free_cache(device)

    def _say(self, msg: str, plain: str = "") -> int:
        """Log ``msg`` (a job's report takes it); ``plain``: the same in plain words (what
        happened, what the tool did), kept in ``notes`` for a person."""
        log.warning(msg)
        at = self.log.say(msg)
        if plain:
            self.notes.say(plain)
        if self._on_message:
            self._on_message(msg)
        return at

    @property
    def messages(self) -> list[str]:
        """Everything it said while loaded (a job's report: :func:`.job_log.job_messages`)."""
        return self.log.all()

    def standing(self, since: int, batch: int = 0) -> list[str]:
        """The state an out-of-memory before ``since`` (an earlier job's, maybe another
        project's) left this loaded model in, said as such: what it said then is not news."""
        out = []
        if self.cpu_since is not None and self.cpu_since[0] < since and self.device == "cpu":
            out.append(f"{self.info.name}: running on the CPU since an out-of-memory on {self.cpu_since[1]} in "
                       f"an earlier job (it stays there while it is loaded)")
        if (self.batch_size is not None and self.batch_size < batch and self._halved is not None
                and self._halved[0] < since):
            out.append(f"{self.info.name}: batch size {self.batch_size}, as an out-of-memory on {self._halved[1]} "
                       f"in an earlier job brought it down (kept while it is loaded)")
        return out

    @property
    def dtype_name(self) -> str:
        return str(self.loaded.dtype).replace("torch.", "") if self.loaded else ""

    # --- batching with OOM recovery --------------------------------------------
    def _to_cpu(self) -> None:
        import torch

        lo = self.loaded
        lo.model.to("cpu", dtype=torch.float32)
        lo.device, lo.dtype = "cpu", torch.float32
        lo.cache.clear()
        free_cache(self.device)
        self.device = "cpu"

    def batched(self, fn: Callable[[Loaded, Sequence], list], items: Sequence, batch: int) -> list:
        """Run ``fn`` over ``items`` in chunks; OOM halves the chunk, then falls back to CPU."""
        import torch

        if self.loaded is None:
            raise RuntimeError(f"{self.info.name} is unloaded")
        out: list = []
        # a size halved on out-of-memory stays halved for the rest of the job (every
        # batch started again at the full size and ran out of memory twice more)
        size = max(1, min(int(batch), self.batch_size or int(batch)))
        halved = False  # (a small batch asked for is no limit for the next jobs)
        i = 0
        with torch.inference_mode():
            while i < len(items):
                chunk = items[i:i + size]
                try:
                    out.extend(fn(self.loaded, chunk))
                except Exception as exc:
                    if not is_oom(exc):
                        raise
                    del exc
                    free_cache(self.device)
                    if size > 1:
                        size, halved = max(1, size // 2), True
                        self._halved = (self._say(f"{self.info.name}: out of memory on {self.device}; batch size "
                                                  f"now {size}",
                                                  f"{_where(self.device, True)} ran out of memory: the tool "
                                                  f"retried with a smaller batch ({size} image"
                                                  f"{'s' if size > 1 else ''} at a time)."), self.device)
                        continue
                    if self.device == "cpu":
                        raise
                    self.cpu_since = (self._say(f"{self.info.name}: out of memory on {self.device} even for one "
                                                f"image; continuing on the CPU (slower)",
                                                f"{_where(self.device, True)} ran out of memory while the "
                                                f"model worked, even for one image: the tool moved the model to "
                                                f"the CPU and went on there (slower; it stays on the CPU while it "
                                                f"is loaded)."), self.device)
                    self._to_cpu()
                    # the GPU's halvings are no limit on the CPU: the job's own batch again
                    # (it halves there too if the CPU runs out), and none kept for later jobs
                    size, halved = max(1, int(batch)), False
                    self.batch_size = self._halved = None
                    continue
                i += len(chunk)
        if halved:
            self.batch_size = size
        return out


class Captioner(Engine):
    """Captions: BLIP/GIT prompt-free (BLIP takes an optional prefix), Florence-2 task prompt, chat VLMs."""

    kinds = ("captioner", "chat")

    def default_prompt(self) -> Optional[str]:
        return self.family.default_prompt

    def effective_prompt(self, prompt: Optional[str]) -> Optional[str]:
        if prompt and not self.family.takes_prompt:
            return None  # recorded honestly: this model ignores prompts
        return prompt or self.family.default_prompt

    def caption(self, images: Sequence, prompt: Optional[str] = None, batch: int = 8,
                max_new_tokens: int = DEFAULT_MAX_NEW_TOKENS) -> list[Generated]:
        p = self.effective_prompt(prompt)
        self._check_prompt(p, max_new_tokens)
        return self.batched(lambda lo, ims: self.family.run(lo, ims, prompt=p, max_new_tokens=max_new_tokens),
                            list(images), batch)

    def _check_prompt(self, prompt: Optional[str], max_new_tokens: int) -> None:
        """Refuse a prompt longer than the model's text reads (BLIP, Florence-2): it failed
        in the model with torch's bare IndexError. Checked once per prompt."""
        key = (prompt, max_new_tokens)
        if self.loaded is None or getattr(self, "_prompt_ok", None) == key:
            return
        from .prompt_fit import prompt_problem, reserved_problem

        why = (prompt_problem(self.family.name, self.info.name, self.loaded, prompt, max_new_tokens)
               or (reserved_problem(self.info.name, self.loaded, prompt, "caption prompt")
                   if self.family.kind == "chat" else None))
        if why:
            raise ValueError(why)
        self._prompt_ok = key


class Answerer(Engine):
    """"Ask the image": a chat VLM answers one question about each image."""

    kinds = ("chat",)

    def answer(self, images: Sequence, question: str, batch: int = 8,
               max_new_tokens: int = DEFAULT_MAX_NEW_TOKENS) -> list[Generated]:
        if not question or not question.strip():
            raise ValueError("ask a question")
        if self.loaded is not None:
            from .prompt_fit import reserved_problem

            why = reserved_problem(self.info.name, self.loaded, question, "question")
            if why:
                raise ValueError(why)
        return self.batched(lambda lo, ims: self.family.run(lo, ims, prompt=question.strip(),
                                                            max_new_tokens=max_new_tokens),
                            list(images), batch)


class ZeroShotLabeler(Engine):
    """Scores the project's taxonomy with a prompt template (CLIP softmax, SigLIP sigmoid)."""

    kinds = ("labeler",)

    def scores(self, images: Sequence, labels: Sequence[str], template: str = DEFAULT_LABEL_TEMPLATE,
               batch: int = 8) -> list[list[float]]:
        if not labels:
            raise ValueError("the project has no labels to score; add labels first")
        if "{label}" not in template:
            raise ValueError("the label prompt template needs a {label} placeholder")
        fam = self.family
        if len(labels) < 2 and not getattr(fam, "use_sigmoid", False):
            raise ValueError(f"{self.info.path}: a CLIP-style labeler compares labels (softmax), so one label "
                             f"scores 1.0 on every image; add a second label, e.g. {second_label_example(labels[0])}")
        self._check_prompts(labels, template)
        return self.batched(lambda lo, ims: fam.scores(lo, ims, labels, template), list(images), batch)


    def _check_prompts(self, labels: Sequence[str], template: str) -> None:
        """Refuse a template whose labels the model cannot tell apart: the tokenizer
        truncates a prompt at the model's text length (CLIP: 77 tokens), and labels whose
        prompts are the same up to there all scored alike (three labels: 0.333 each, three
        cards per image). Checked once per template and taxonomy, as the family tokenizes."""
        key = (template, tuple(labels))
        if getattr(self, "_prompts_ok", None) == key:
            return
        from .registry import _tokenizer

        fam, tok = self.family, _tokenizer(self.loaded.processor)
        kw = dict(padding=fam.text_padding, truncation=True)
        if fam.text_padding == "max_length":
            kw["max_length"] = 64
        try:
            ids = tok([template.format(label=l) for l in labels], **kw)["input_ids"]
        except Exception:  # (scoring then says what is wrong)
            return
        alike: dict[tuple, list[str]] = {}
        for label, row in zip(labels, ids):
            alike.setdefault(tuple(int(t) for t in row), []).append(label)
        same = [names for names in alike.values() if len(names) > 1]
        if same:
            named = [n for group in same for n in group]
            names = ", ".join(repr(n) for n in named[:5]) + (f" and {len(named) - 5} more" if len(named) > 5 else "")
            try:  # cut off at the model's text length, or tokens the tokenizer does not know
                whole = tok([template.format(label=n) for n in named], truncation=False)["input_ids"]
                cut = any(len(w) > len(ids[labels.index(n)]) for n, w in zip(named, whole))
            except Exception:
                cut = False
            if cut:
                limit = kw.get("max_length") or getattr(tok, "model_max_length", None)
                raise ValueError(
                    f"the label template {template!r} is too long for {self.info.name}: it reads only the first "
                    f"{limit} tokens of each prompt, so the labels are cut off and these get the same text, "
                    f"the same score: {names}; use a shorter template with {{label}} near its start, "
                    f"or shorter label names")
            raise ValueError(
                f"{self.info.name} cannot tell these labels apart: its tokenizer gives their prompts the same "
                f"tokens (characters it does not know), so they would get the same score: {names}; rename "
                f"them in words it reads (e.g. English), or use another labeler")
        self._prompts_ok = key


class ChatEngine(Captioner, Answerer):
    """A chat VLM loaded once for both captions and answers (only the generate call differs)."""

    kinds = ("chat",)


def engine_class(kind: str) -> type[Engine]:
    """kind: caption | label | answer, or chat (caption and answer over one loaded chat model)."""
    return {"caption": Captioner, "label": ZeroShotLabeler, "answer": Answerer, "chat": ChatEngine}[kind]
