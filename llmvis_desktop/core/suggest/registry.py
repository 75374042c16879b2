"""The model families we know: each a small class that recognises a config, loads, runs.

A family matches a ``config.json`` by ``model_type`` (or, failing that, by the class
names in ``architectures``). ``load`` and ``run`` import torch/transformers lazily, so
this module is cheap to import for listing models.

Kinds: ``captioner`` (prompt-free or task-prompt captioners: BLIP, GIT, Florence-2),
``chat`` (chat VLMs: caption with an instruction, or answer a question: LLaVA,
SmolVLM/Idefics3, Qwen2/2.5-VL), ``labeler`` (zero-shot: CLIP, SigLIP).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional, Sequence

from .loading import from_pretrained as _from_pretrained
from .loading import need_generation_config, need_image_processor, need_tokenizer

DEFAULT_CAPTION_INSTRUCTION = "Describe this image in one sentence."
DEFAULT_LABEL_TEMPLATE = "a photo of a {label} defect"
DEFAULT_MAX_NEW_TOKENS = 40


@dataclass
class Loaded:
    """A model and its processor on a device; ``cache`` holds per-model reusable tensors."""

    family: "Family"
    model: Any
    processor: Any
    device: str
    dtype: Any
    path: Path
    cache: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Generated:
    text: str
    score: Optional[float]  # mean token probability of the generated text, 0..1


def architectures(config: dict) -> list[str]:
    """The config's ``architectures`` as a list of names (a single name given as a string
    was walked character by character)."""
    archs = config.get("architectures")
    if isinstance(archs, str):
        return [archs]
    if isinstance(archs, (list, tuple)):
        return [str(a) for a in archs if a]
    return []


class Family:
    name = ""
    kind = "captioner"
    model_types: tuple[str, ...] = ()
    arch_prefixes: tuple[str, ...] = ()
    auto_class = "AutoModelForImageTextToText"
    takes_prompt = False  # a captioner that accepts a text prompt/prefix
    default_prompt: Optional[str] = None
    fixed_input = True  # the processor resizes every image to one known size (not tiles/dynamic)

    def matches(self, config: dict) -> bool:
        mt = str(config.get("model_type") or "").lower()
        if mt:
            return mt in self.model_types
        return any(a.startswith(p) for a in architectures(config) for p in self.arch_prefixes)

    # --- loading --------------------------------------------------------------
    def processor_kwargs(self) -> dict:
        return {}

    def load(self, path: Path, device: str, dtype, *, trust_remote_code: bool = False,
             use_safetensors: bool = True) -> Loaded:
        import transformers

        cls = getattr(transformers, self.auto_class)
        kw = dict(local_files_only=True, trust_remote_code=trust_remote_code)
        need_tokenizer(path)
        need_image_processor(path)
        need_generation_config(path)
        processor = self.make_processor(path, kw)
        model = _from_pretrained(cls, path, dtype, kw, use_safetensors)
        model.to(device)
        model.eval()
        return Loaded(self, model, processor, device, dtype, Path(path))

    def make_processor(self, path: Path, kw: dict):
        from transformers import AutoProcessor

        try:
            return AutoProcessor.from_pretrained(str(path), **kw, **self.processor_kwargs())
        except TypeError:
            return AutoProcessor.from_pretrained(str(path), **kw)

    # --- running --------------------------------------------------------------
    def run(self, loaded: Loaded, images: Sequence, *, prompt: Optional[str] = None,
            max_new_tokens: int = DEFAULT_MAX_NEW_TOKENS) -> list[Generated]:
        raise NotImplementedError


def input_side(loaded: Loaded) -> Optional[int]:
    """The largest side the processor resizes or crops images to, when that is fixed;
    None when the family sizes images dynamically or the processor does not say."""
    if not loaded.family.fixed_input:
        return None
    ip = image_processor(loaded)
    sides = []
    for attr in ("size", "crop_size"):
        v = getattr(ip, attr, None)
        if v is None:
            continue
        if isinstance(v, int):
            sides.append(v)
            continue

        def field(key, _v=v):
            return _v.get(key) if isinstance(_v, dict) else getattr(_v, key, None)

        if any(field(k) for k in ("longest_edge", "max_height", "max_width", "min_pixels", "max_pixels")):
            return None  # bounded, not fixed: the image's own size matters
        sides += [int(field(k)) for k in ("shortest_edge", "height", "width") if field(k)]
    return max(sides) if sides else None


def image_processor(loaded: Loaded):
    """The processor's image part (a processor that is one already, itself)."""
    return getattr(loaded.processor, "image_processor", None) or loaded.processor


def _to_device(inputs, loaded: Loaded) -> dict:
    """Move a processor's output to the model's device; float tensors take its dtype."""
    out = {}
    for k, v in dict(inputs).items():
        if hasattr(v, "to"):
            v = v.to(loaded.device, dtype=loaded.dtype) if v.is_floating_point() else v.to(loaded.device)
        out[k] = v
    return out


def _tokenizer(processor):
    return getattr(processor, "tokenizer", processor)


def generate_scored(loaded: Loaded, inputs: dict, max_new_tokens: int) -> list[Generated]:
    """``model.generate`` greedily, keeping per-step logits to score each sequence: the
    mean log-probability of its tokens up to its first end token, as a probability.
    Scored and decoded for the whole batch at once: per sequence, this took 0.28 ms a
    batch of 8 on a tiny model, 0.15 ms now (a few percent of its inference)."""
    import torch

    model = loaded.model
    out = model.generate(**inputs, max_new_tokens=max_new_tokens, do_sample=False,
                         output_scores=True, return_dict_in_generate=True)
    seqs = out.sequences
    steps = len(out.scores)
    new = seqs[:, seqs.shape[1] - steps:] if steps else seqs[:, :0]
    gen_cfg = getattr(model, "generation_config", None)
    eos = getattr(gen_cfg, "eos_token_id", None)
    eos_ids = set(eos if isinstance(eos, (list, tuple)) else [eos] if eos is not None else [])
    rows = new.tolist()
    lengths = [next((i + 1 for i, t in enumerate(ids) if t in eos_ids), len(ids)) for ids in rows]
    scores: list[Optional[float]] = [None] * len(rows)
    if steps:
        logp = torch.log_softmax(torch.stack(out.scores, dim=1).float(), dim=-1)
        picked = logp.gather(-1, new.unsqueeze(-1)).squeeze(-1)  # (batch, steps)
        keep = torch.arange(steps).unsqueeze(0) < torch.tensor(lengths).unsqueeze(1)
        keep &= torch.isfinite(picked)
        count = keep.sum(dim=1)
        mean = torch.where(keep, picked, torch.zeros_like(picked)).sum(dim=1) / count.clamp(min=1)
        scores = [math.exp(m) if c else None for m, c in zip(mean.tolist(), count.tolist())]
    texts = _tokenizer(loaded.processor).batch_decode([ids[:n] for ids, n in zip(rows, lengths)],
                                                      skip_special_tokens=True)
    return [Generated(text.strip(), score) for text, score in zip(texts, scores)]


# --------------------------------------------------------------------- captioners
class BlipFamily(Family):
    name, kind = "blip", "captioner"
    model_types = ("blip",)
    arch_prefixes = ("BlipForConditionalGeneration",)
    takes_prompt = True

    def run(self, loaded, images, *, prompt=None, max_new_tokens=DEFAULT_MAX_NEW_TOKENS):
        if prompt:
            inputs = loaded.processor(images=list(images), text=[prompt] * len(images), return_tensors="pt")
        else:
            inputs = loaded.processor(images=list(images), return_tensors="pt")
        return generate_scored(loaded, _to_device(inputs, loaded), max_new_tokens)


class GitFamily(Family):
    name, kind = "git", "captioner"
    model_types = ("git",)
    arch_prefixes = ("GitForCausalLM",)

    def run(self, loaded, images, *, prompt=None, max_new_tokens=DEFAULT_MAX_NEW_TOKENS):
        inputs = loaded.processor(images=list(images), return_tensors="pt")
        inputs = {"pixel_values": inputs["pixel_values"]}
        return generate_scored(loaded, _to_device(inputs, loaded), max_new_tokens)


class Florence2Family(Family):
    """Native (converted) Florence-2; its prompt is a task token such as ``<CAPTION>``."""

    name, kind = "florence2", "captioner"
    model_types = ("florence2",)
    arch_prefixes = ("Florence2ForConditionalGeneration",)
    takes_prompt = True
    default_prompt = "<CAPTION>"

    def run(self, loaded, images, *, prompt=None, max_new_tokens=DEFAULT_MAX_NEW_TOKENS):
        task = prompt or self.default_prompt
        inputs = loaded.processor(images=list(images), text=[task] * len(images), return_tensors="pt")
        return generate_scored(loaded, _to_device(inputs, loaded), max_new_tokens)


# --------------------------------------------------------------------- chat VLMs
class ChatFamily(Family):
    kind = "chat"
    takes_prompt = True
    default_prompt = DEFAULT_CAPTION_INSTRUCTION
    nested_images = False  # the processor wants one list of images per sample

    def load(self, path, device, dtype, **kw):
        loaded = super().load(path, device, dtype, **kw)
        tok = _tokenizer(loaded.processor)
        tok.padding_side = "left"  # decoder-only batches generate from the right end
        if getattr(tok, "pad_token", None) is None and getattr(tok, "eos_token", None) is not None:
            tok.pad_token = tok.eos_token
        self.need_chat_template(loaded)
        return loaded

    def need_chat_template(self, loaded) -> None:
        """Refuse a chat model that has no chat template: it loaded, and every caption and
        question then failed with transformers' "Cannot use apply_chat_template because this
        processor does not have a chat template.", naming neither the model nor the fix."""
        try:
            self.chat_text(loaded, "?")
        except ValueError as exc:
            if "chat template" not in str(exc).lower() and "chat_template" not in str(exc):
                raise
            from .discovery import ModelRefused

            raise ModelRefused(
                f"{loaded.path}: no chat template (chat_template.jinja or chat_template.json, or a "
                f"chat_template in tokenizer_config.json or processor_config.json), which a chat model "
                f"needs to caption or answer; copy it from the model's original download, or use a "
                f"version of the model that has one") from None

    def chat_text(self, loaded, prompt: str) -> str:
        conv = [{"role": "user", "content": [{"type": "image"}, {"type": "text", "text": prompt}]}]
        return loaded.processor.apply_chat_template(conv, add_generation_prompt=True, tokenize=False)

    def run(self, loaded, images, *, prompt=None, max_new_tokens=DEFAULT_MAX_NEW_TOKENS):
        text = self.chat_text(loaded, prompt or self.default_prompt)
        imgs = [[im] for im in images] if self.nested_images else list(images)
        inputs = loaded.processor(images=imgs, text=[text] * len(images), return_tensors="pt", padding=True)
        return generate_scored(loaded, _to_device(inputs, loaded), max_new_tokens)


class LlavaFamily(ChatFamily):
    name = "llava"
    model_types = ("llava", "llava_next", "llava_onevision")
    arch_prefixes = ("Llava",)


class Idefics3Family(ChatFamily):
    name = "idefics3"  # SmolVLM is an Idefics3 descendant
    model_types = ("idefics3", "smolvlm")
    arch_prefixes = ("Idefics3", "SmolVLM")
    nested_images = True
    fixed_input = False  # splits large images into tiles

    def make_processor(self, path, kw):
        try:
            return super().make_processor(path, kw)
        except (ImportError, AttributeError, OSError, ValueError) as exc:
            # SmolVLM2's processor wants a video processor (torchvision) and num2words; for
            # still images it lays out the prompt exactly as Idefics3's does
            try:
                return _idefics3_image_only(Path(path), kw)
            except Exception:
                raise exc from None


def _idefics3_image_only(path: Path, kw: dict):
    """An ``Idefics3Processor`` from the folder's image processor, tokenizer, image
    sequence length and chat template."""
    import json

    import transformers

    def read(name):
        try:
            return json.loads((path / name).read_text())
        except (OSError, ValueError):
            return {}

    proc_cfg, cfg = read("processor_config.json"), read("config.json")
    seq_len = proc_cfg.get("image_seq_len")
    if not seq_len:
        vision = cfg.get("vision_config") or {}
        seq_len = int((vision.get("image_size", 512) // vision.get("patch_size", 16)) ** 2
                      / cfg.get("scale_factor", 4) ** 2)
    template = proc_cfg.get("chat_template") or read("chat_template.json").get("chat_template")
    if not template and (path / "chat_template.jinja").is_file():
        template = (path / "chat_template.jinja").read_text()
    tok = transformers.AutoTokenizer.from_pretrained(str(path), **kw)
    return transformers.Idefics3Processor(
        image_processor=transformers.AutoImageProcessor.from_pretrained(str(path), **kw), tokenizer=tok,
        image_seq_len=int(seq_len), chat_template=template or getattr(tok, "chat_template", None))


class QwenVLFamily(ChatFamily):
    name = "qwen2_vl"
    model_types = ("qwen2_vl", "qwen2_5_vl")
    arch_prefixes = ("Qwen2VL", "Qwen2_5_VL")
    fixed_input = False  # dynamic resolution
    #: caps the visual tokens per image (one token per 28x28 pixels): at most 1024
    min_pixels = 56 * 56
    max_pixels = 1024 * 28 * 28

    def processor_kwargs(self):
        return {"min_pixels": self.min_pixels, "max_pixels": self.max_pixels}

    def load(self, path, device, dtype, *, trust_remote_code=False, use_safetensors=True):
        try:
            return super().load(path, device, dtype, trust_remote_code=trust_remote_code,
                                use_safetensors=use_safetensors)
        except (ImportError, AttributeError, OSError, ValueError):
            # transformers 5 builds Qwen-VL's processor with a video processor that needs
            # torchvision; images alone need only the image processor and the tokenizer
            import transformers

            kw = dict(local_files_only=True, trust_remote_code=trust_remote_code)
            proc = _QwenImageOnlyProcessor(
                transformers.AutoImageProcessor.from_pretrained(str(path), **kw, **self.processor_kwargs()),
                transformers.AutoTokenizer.from_pretrained(str(path), **kw))
            model = _from_pretrained(getattr(transformers, self.auto_class), path, dtype, kw, use_safetensors)
            model.to(device)
            model.eval()
            loaded = Loaded(self, model, proc, device, dtype, Path(path))
            proc.tokenizer.padding_side = "left"
            self.need_chat_template(loaded)
            return loaded


class _QwenImageOnlyProcessor:
    """Qwen2/2.5-VL prompts for still images: one ``<|image_pad|>`` per merged patch."""

    image_token = "<|image_pad|>"

    def __init__(self, image_processor, tokenizer) -> None:
        self.image_processor = image_processor
        self.tokenizer = tokenizer
        self.merge = int(getattr(image_processor, "merge_size", 2) or 2)

    def apply_chat_template(self, conversation, **kw):
        return self.tokenizer.apply_chat_template(conversation, **kw)

    def __call__(self, images=None, text=None, return_tensors="pt", padding=True, **_kw):
        out = dict(self.image_processor(images=list(images), return_tensors=return_tensors))
        counts = [int(g.prod()) // (self.merge ** 2) for g in out["image_grid_thw"]]
        expanded, k = [], 0
        for t in text:
            parts = t.split(self.image_token)
            pieces = [parts[0]]
            for rest in parts[1:]:
                pieces.append(self.image_token * counts[k] + rest)
                k += 1
            expanded.append("".join(pieces))
        out.update(self.tokenizer(expanded, padding=padding, return_tensors=return_tensors))
        return out


# --------------------------------------------------------------------- labelers
class ZeroShotFamily(Family):
    kind = "labeler"
    auto_class = "AutoModel"
    text_padding: Any = True
    use_sigmoid = False

    def text_embeddings(self, loaded: Loaded, prompts: tuple[str, ...]):
        import torch

        key = ("text", prompts)
        if key not in loaded.cache:
            tok = _tokenizer(loaded.processor)
            kw = dict(padding=self.text_padding, return_tensors="pt", truncation=True)
            if self.text_padding == "max_length":
                kw["max_length"] = 64
            inputs = tok(list(prompts), **kw)
            emb = _features(loaded.model.get_text_features(**_to_device(inputs, loaded)))
            loaded.cache.clear()  # one taxonomy at a time
            loaded.cache[key] = torch.nn.functional.normalize(emb.float(), dim=-1)
        return loaded.cache[key]

    def scores(self, loaded: Loaded, images: Sequence, labels: Sequence[str],
               template: str = DEFAULT_LABEL_TEMPLATE):
        """(images x labels) probabilities: softmax over labels (CLIP) or sigmoid (SigLIP)."""
        import torch

        prompts = tuple(template.format(label=l) for l in labels)
        txt = self.text_embeddings(loaded, prompts)
        ip = getattr(loaded.processor, "image_processor", loaded.processor)
        inputs = _to_device(ip(images=list(images), return_tensors="pt"), loaded)
        # every tensor the processor makes that the model takes: SigLIP2 needs its patch
        # mask and spatial shapes beside the pixels
        takes = _parameters(loaded.model.get_image_features)
        img = _features(loaded.model.get_image_features(**{k: v for k, v in inputs.items() if k in takes}))
        img = torch.nn.functional.normalize(img.float(), dim=-1)
        logits = img @ txt.T * loaded.model.logit_scale.float().exp()
        bias = getattr(loaded.model, "logit_bias", None)
        if bias is not None:
            logits = logits + bias.float()
        probs = logits.sigmoid() if self.use_sigmoid else logits.softmax(dim=-1)
        return probs.cpu().tolist()


def _parameters(fn) -> set[str]:
    """The named parameters of ``fn`` (not ``*args``/``**kwargs``)."""
    import inspect

    kinds = (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)
    return {n for n, p in inspect.signature(fn).parameters.items() if p.kind in kinds}


def _features(out):
    """transformers 5 returns a model output (projected features in ``pooler_output``); 4.x a tensor."""
    if hasattr(out, "pooler_output") and not hasattr(out, "dim"):
        return out.pooler_output
    return out


class ClipFamily(ZeroShotFamily):
    name = "clip"
    model_types = ("clip",)
    arch_prefixes = ("CLIPModel",)


class SiglipFamily(ZeroShotFamily):
    name = "siglip"
    model_types = ("siglip", "siglip2")
    arch_prefixes = ("Siglip",)
    text_padding = "max_length"  # SigLIP was trained on max-length padded text
    use_sigmoid = True


FAMILIES: tuple[Family, ...] = (
    BlipFamily(), GitFamily(), Florence2Family(), LlavaFamily(), Idefics3Family(), QwenVLFamily(),
    ClipFamily(), SiglipFamily(),
)


def family_for(config: dict) -> Optional[Family]:
    for fam in FAMILIES:
        if fam.matches(config):
            return fam
    return None


def family_named(name: str) -> Family:
    for fam in FAMILIES:
        if fam.name == name:
            return fam
    raise KeyError(name)


def can_caption(family: Family) -> bool:
    return family.kind in ("captioner", "chat")
