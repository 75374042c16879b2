"""Tiny random models of the real architectures, saved like a user's downloaded model.

Each builder writes a ``save_pretrained`` folder (config, safetensors weights, processor
and tokenizer files) and returns its path. They generate gibberish: tests assert on
plumbing, never on words. All of them build and save in well under a second on CPU.
"""
from __future__ import annotations

import json
from pathlib import Path

WORDS = ["a", "photo", "of", "the", "defect", "scratch", "dent", "crack", "stain", "ok",
         "metal", "surface", "with", "is", "there", "what", "image", "this", "?", ".", "yes", "no"]


def _seed() -> None:
    import torch

    torch.manual_seed(0)


def build_blip(folder: Path, hidden: int = 32, layers: int = 2, image_size: int = 32,
               max_length: int = 8) -> Path:
    """A BLIP captioner: ``BertTokenizer`` from a small vocabulary, ``[DEC]`` as bos."""
    from transformers import (BertTokenizer, BlipConfig, BlipForConditionalGeneration,
                              BlipImageProcessor, BlipProcessor)

    _seed()
    special = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "[DEC]"]
    vocab = {tok: i for i, tok in enumerate(special + WORDS)}
    tok = BertTokenizer(vocab=vocab, bos_token="[DEC]")
    text = dict(vocab_size=len(vocab), hidden_size=hidden, num_hidden_layers=layers,
                num_attention_heads=2, intermediate_size=hidden * 2, max_position_embeddings=64,
                bos_token_id=vocab["[DEC]"], pad_token_id=0, sep_token_id=vocab["[SEP]"],
                eos_token_id=vocab["[SEP]"])
    vision = dict(hidden_size=hidden, num_hidden_layers=layers, num_attention_heads=2,
                  intermediate_size=hidden * 2, image_size=image_size, patch_size=8)
    config = BlipConfig(text_config=text, vision_config=vision, projection_dim=hidden)
    model = BlipForConditionalGeneration(config).eval()
    model.generation_config.max_length = max_length
    model.generation_config.max_new_tokens = max_length
    proc = BlipProcessor(BlipImageProcessor(size={"height": image_size, "width": image_size}), tok)
    folder.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(folder)
    proc.save_pretrained(folder)
    return folder


def build_git(folder: Path, hidden: int = 32, layers: int = 2, image_size: int = 32) -> Path:
    """A GIT captioner (CLIP-style vision tower, BERT-style text decoder)."""
    from transformers import BertTokenizer, CLIPImageProcessor, GitConfig, GitForCausalLM, GitProcessor

    _seed()
    special = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    vocab = {tok: i for i, tok in enumerate(special + WORDS)}
    tok = BertTokenizer(vocab=vocab)
    vision = dict(hidden_size=hidden, num_hidden_layers=layers, num_attention_heads=2,
                  intermediate_size=hidden * 2, image_size=image_size, patch_size=8)
    config = GitConfig(vision_config=vision, vocab_size=len(vocab), hidden_size=hidden,
                       num_hidden_layers=layers, num_attention_heads=2, intermediate_size=hidden * 2,
                       max_position_embeddings=64, bos_token_id=vocab["[CLS]"], eos_token_id=vocab["[SEP]"],
                       pad_token_id=0)
    model = GitForCausalLM(config).eval()
    model.generation_config.max_new_tokens = 6
    improc = CLIPImageProcessor(size={"shortest_edge": image_size},
                                crop_size={"height": image_size, "width": image_size})
    folder.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(folder)
    GitProcessor(improc, tok).save_pretrained(folder)
    return folder


def _clip_tokenizer(folder: Path):
    from transformers import CLIPTokenizer

    words = ["a", "photo", "of", "the", "defect", "scratch", "dent", "crack", "stain", "ok",
             "burn", "pitting", "rust", "label", "an"]
    letters = sorted(set("".join(words)))
    vocab: dict[str, int] = {}
    for ch in letters:
        vocab.setdefault(ch, len(vocab))
        vocab.setdefault(ch + "</w>", len(vocab))
    for w in words:
        vocab.setdefault(w + "</w>", len(vocab))
    for t in ("<|startoftext|>", "<|endoftext|>"):
        vocab[t] = len(vocab)
    return CLIPTokenizer(vocab=vocab, merges=[]), len(vocab)


def build_clip(folder: Path, hidden: int = 32, layers: int = 2, image_size: int = 32) -> Path:
    """A CLIP labeler; text ``max_position_embeddings`` 77 so prompts fit."""
    from transformers import CLIPConfig, CLIPImageProcessor, CLIPModel, CLIPProcessor

    _seed()
    tok, n = _clip_tokenizer(folder)
    text = dict(vocab_size=n, hidden_size=hidden, num_hidden_layers=layers, num_attention_heads=2,
                intermediate_size=hidden * 2, max_position_embeddings=77,
                bos_token_id=tok.bos_token_id, eos_token_id=tok.eos_token_id, pad_token_id=tok.pad_token_id)
    vision = dict(hidden_size=hidden, num_hidden_layers=layers, num_attention_heads=2,
                  intermediate_size=hidden * 2, image_size=image_size, patch_size=8)
    model = CLIPModel(CLIPConfig(text_config=text, vision_config=vision, projection_dim=hidden)).eval()
    improc = CLIPImageProcessor(size={"shortest_edge": image_size},
                                crop_size={"height": image_size, "width": image_size})
    folder.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(folder)
    CLIPProcessor(improc, tok).save_pretrained(folder)
    return folder


def _siglip_text(hidden: int, layers: int, letters: bool = False):
    """What the SigLIP and SigLIP2 builders share (seeded): (tokenizer, text config).
    ``letters``: also every letter and "\u2581" (SigLIP2's tokenizer, as transformers 5
    loads it, is a Gemma-style BPE over this vocabulary: with no merges it reads letters,
    and with words only it read every label as <unk>, all labels the same text)."""
    from tokenizers import Tokenizer, models, pre_tokenizers
    from transformers import PreTrainedTokenizerFast

    _seed()
    extra = sorted(set("".join(WORDS + ["burn", "pitting"])) | {"\u2581"}) if letters else []
    words = ["<pad>", "<unk>", "</s>"] + WORDS + ["burn", "pitting"]
    vocab = {w: i for i, w in enumerate(words + [c for c in extra if c not in words])}
    backend = Tokenizer(models.WordLevel(vocab=vocab, unk_token="<unk>"))
    backend.pre_tokenizer = pre_tokenizers.WhitespaceSplit()
    tok = PreTrainedTokenizerFast(tokenizer_object=backend, pad_token="<pad>", unk_token="<unk>", eos_token="</s>")
    text = dict(vocab_size=len(vocab), hidden_size=hidden, num_hidden_layers=layers, num_attention_heads=2,
                intermediate_size=hidden * 2, max_position_embeddings=64, pad_token_id=0, bos_token_id=None,
                eos_token_id=2)
    return tok, text


def build_siglip(folder: Path, hidden: int = 32, layers: int = 2, image_size: int = 32) -> Path:
    """A SigLIP labeler (sigmoid scores) with a WordLevel tokenizer."""
    from transformers import SiglipConfig, SiglipImageProcessor, SiglipModel, SiglipProcessor

    tok, text = _siglip_text(hidden, layers)
    vision = dict(hidden_size=hidden, num_hidden_layers=layers, num_attention_heads=2,
                  intermediate_size=hidden * 2, image_size=image_size, patch_size=8)
    model = SiglipModel(SiglipConfig(text_config=text, vision_config=vision)).eval()
    folder.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(folder)
    SiglipProcessor(SiglipImageProcessor(size={"height": image_size, "width": image_size}), tok).save_pretrained(folder)
    return folder


def build_siglip2(folder: Path, hidden: int = 32, layers: int = 2, patch: int = 8, patches: int = 16) -> Path:
    """A SigLIP2 (NaFlex) labeler: images cut into at most ``patches`` patches at their own
    aspect ratio; the image features need the patch mask and spatial shapes."""
    from transformers import Siglip2Config, Siglip2ImageProcessor, Siglip2Model, Siglip2Processor

    tok, text = _siglip_text(hidden, layers, letters=True)
    vision = dict(hidden_size=hidden, num_hidden_layers=layers, num_attention_heads=2,
                  intermediate_size=hidden * 2, num_patches=patches, patch_size=patch)
    model = Siglip2Model(Siglip2Config(text_config=text, vision_config=vision)).eval()
    folder.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(folder)
    Siglip2Processor(Siglip2ImageProcessor(patch_size=patch, max_num_patches=patches), tok).save_pretrained(folder)
    return folder


CHAT_TEMPLATE = (
    "{% for message in messages %}{{ message['role'] }}: "
    "{% if message['content'] is string %}{{ message['content'] }}"
    "{% else %}{% for part in message['content'] %}"
    "{% if part['type'] == 'image' %}<image> {% elif part['type'] == 'text' %}{{ part['text'] }}{% endif %}"
    "{% endfor %}{% endif %}\n{% endfor %}"
    "{% if add_generation_prompt %}assistant:{% endif %}"
)


def build_llava(folder: Path, hidden: int = 32, layers: int = 2, image_size: int = 32,
                max_new_tokens: int = 6) -> Path:
    """A LLaVA-style chat VLM: WordLevel tokenizer in ``PreTrainedTokenizerFast``, a chat template."""
    from tokenizers import Tokenizer, models, pre_tokenizers
    from transformers import (CLIPImageProcessor, LlavaConfig, LlavaForConditionalGeneration,
                              LlavaProcessor, PreTrainedTokenizerFast)

    _seed()
    special = ["<pad>", "<unk>", "<s>", "</s>", "<image>"]
    words = WORDS + ["user", "assistant", ":", "describe", "caption"]
    vocab = {tok: i for i, tok in enumerate(special + words)}
    backend = Tokenizer(models.WordLevel(vocab=vocab, unk_token="<unk>"))
    backend.pre_tokenizer = pre_tokenizers.Sequence([pre_tokenizers.WhitespaceSplit(),
                                                     pre_tokenizers.Punctuation()])
    tok = PreTrainedTokenizerFast(tokenizer_object=backend, pad_token="<pad>", unk_token="<unk>",
                                  bos_token="<s>", eos_token="</s>", extra_special_tokens={"image_token": "<image>"})
    tok.add_special_tokens({"additional_special_tokens": ["<image>"]})
    tok.chat_template = CHAT_TEMPLATE
    patch = 8
    vision = dict(model_type="clip_vision_model", hidden_size=hidden, num_hidden_layers=layers,
                  num_attention_heads=2, intermediate_size=hidden * 2, image_size=image_size,
                  patch_size=patch, projection_dim=hidden)
    text = dict(model_type="llama", vocab_size=len(vocab), hidden_size=hidden, num_hidden_layers=layers,
                num_attention_heads=2, num_key_value_heads=2, intermediate_size=hidden * 2,
                max_position_embeddings=256, pad_token_id=0, bos_token_id=2, eos_token_id=3)
    config = LlavaConfig(vision_config=vision, text_config=text, image_token_index=vocab["<image>"],
                         vision_feature_select_strategy="default", vision_feature_layer=-1,
                         pad_token_id=0)
    model = LlavaForConditionalGeneration(config).eval()
    model.generation_config.max_new_tokens = max_new_tokens
    model.generation_config.pad_token_id = 0
    model.generation_config.eos_token_id = 3
    improc = CLIPImageProcessor(size={"shortest_edge": image_size},
                                crop_size={"height": image_size, "width": image_size})
    proc = LlavaProcessor(image_processor=improc, tokenizer=tok, patch_size=patch,
                          vision_feature_select_strategy="default", chat_template=CHAT_TEMPLATE,
                          num_additional_image_tokens=1)
    folder.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(folder)
    proc.save_pretrained(folder)
    return folder


def _idefics3_parts(hidden: int, layers: int, image_size: int):
    """What an Idefics3 and a SmolVLM2-style folder share (seeded): (vocab, tokenizer,
    vision config, text config, patch size, pixel-shuffle scale)."""
    from tokenizers import Tokenizer, models, pre_tokenizers
    from transformers import PreTrainedTokenizerFast

    _seed()
    special = ["<pad>", "<unk>", "<s>", "</s>", "<fake_token_around_image>", "<image>", "<end_of_utterance>",
               "<global-img>"]
    vocab = {w: i for i, w in enumerate(special + WORDS + ["user", "assistant", ":", "describe"])}
    backend = Tokenizer(models.WordLevel(vocab=vocab, unk_token="<unk>"))
    backend.pre_tokenizer = pre_tokenizers.Sequence([pre_tokenizers.WhitespaceSplit(), pre_tokenizers.Punctuation()])
    tok = PreTrainedTokenizerFast(tokenizer_object=backend, pad_token="<pad>", eos_token="</s>", bos_token="<s>",
                                  unk_token="<unk>")
    tok.add_special_tokens({"additional_special_tokens": special[4:]})
    patch, scale = 8, 2
    vision = dict(hidden_size=hidden, num_hidden_layers=layers, num_attention_heads=2, intermediate_size=hidden * 2,
                  image_size=image_size, patch_size=patch)
    text = dict(model_type="llama", vocab_size=len(vocab), hidden_size=hidden, num_hidden_layers=layers,
                num_attention_heads=2, num_key_value_heads=2, intermediate_size=hidden * 2,
                max_position_embeddings=256, pad_token_id=0, bos_token_id=2, eos_token_id=3)
    return vocab, tok, vision, text, patch, scale


def build_idefics3(folder: Path, hidden: int = 32, layers: int = 2, image_size: int = 32) -> Path:
    """An Idefics3 (SmolVLM's architecture) chat VLM, one image tile, pixel-shuffle scale 2."""
    from transformers import Idefics3Config, Idefics3ForConditionalGeneration, Idefics3ImageProcessor, Idefics3Processor

    vocab, tok, vision, text, patch, scale = _idefics3_parts(hidden, layers, image_size)
    config = Idefics3Config(vision_config=vision, text_config=text, scale_factor=scale,
                            image_token_id=vocab["<image>"], pad_token_id=0)
    model = Idefics3ForConditionalGeneration(config).eval()
    model.generation_config.pad_token_id = 0
    model.generation_config.eos_token_id = 3
    improc = Idefics3ImageProcessor(size={"longest_edge": image_size}, max_image_size={"longest_edge": image_size},
                                    do_image_splitting=False)
    seq_len = (image_size // patch) ** 2 // scale ** 2
    folder.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(folder)
    Idefics3Processor(image_processor=improc, tokenizer=tok, image_seq_len=seq_len,
                      chat_template=CHAT_TEMPLATE).save_pretrained(folder)
    return folder


def build_smolvlm2(folder: Path, hidden: int = 32, layers: int = 2, image_size: int = 32) -> Path:
    """A SmolVLM2-style folder: model_type ``smolvlm`` and a processor_config.json naming
    ``SmolVLMProcessor``, which transformers builds only with torchvision (its video
    processor) and num2words. Written by hand here for that reason, as the Hub's are."""
    from transformers import SmolVLMConfig, SmolVLMForConditionalGeneration, SmolVLMImageProcessor

    vocab, tok, vision, text, patch, scale = _idefics3_parts(hidden, layers, image_size)
    model = SmolVLMForConditionalGeneration(SmolVLMConfig(vision_config=vision, text_config=text, scale_factor=scale,
                                                          image_token_id=vocab["<image>"], pad_token_id=0)).eval()
    model.generation_config.pad_token_id = 0
    model.generation_config.eos_token_id = 3
    model.generation_config.max_new_tokens = 4
    folder.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(folder)
    SmolVLMImageProcessor(size={"longest_edge": image_size}, max_image_size={"longest_edge": image_size},
                          do_image_splitting=False).save_pretrained(folder)
    tok.save_pretrained(folder)
    (folder / "processor_config.json").write_text(json.dumps(
        {"processor_class": "SmolVLMProcessor", "image_seq_len": (image_size // patch) ** 2 // scale ** 2}))
    (folder / "chat_template.jinja").write_text(CHAT_TEMPLATE)
    return folder


def build_florence2(folder: Path, image_size: int = 32) -> Path:
    """A native (converted-checkpoint) Florence-2: tiny DaViT vision tower + BART, task prompts."""
    from tokenizers import Tokenizer, models, pre_tokenizers
    from transformers import (CLIPImageProcessor, Florence2Config, Florence2ForConditionalGeneration,
                              Florence2Processor, PreTrainedTokenizerFast)

    _seed()
    special = ["<pad>", "<s>", "</s>", "<unk>", "<image>"]
    words = WORDS + ["What", "does", "describe", "Describe", "in", "detail"]
    vocab = {w: i for i, w in enumerate(dict.fromkeys(special + words))}
    backend = Tokenizer(models.WordLevel(vocab=vocab, unk_token="<unk>"))
    backend.pre_tokenizer = pre_tokenizers.Sequence([pre_tokenizers.WhitespaceSplit(), pre_tokenizers.Punctuation()])
    tok = PreTrainedTokenizerFast(tokenizer_object=backend, pad_token="<pad>", bos_token="<s>", eos_token="</s>",
                                  unk_token="<unk>", extra_special_tokens={"image_token": "<image>"})
    vision = dict(depths=[1, 1], embed_dim=[16, 32], num_heads=[1, 2], num_groups=[1, 2], patch_size=[7, 3],
                  patch_stride=[4, 2], patch_padding=[3, 1], patch_prenorm=[False, True], window_size=2,
                  projection_dim=32, max_position_embeddings=16, max_temporal_embeddings=4)
    text = dict(vocab_size=len(vocab), d_model=32, encoder_layers=1, decoder_layers=1, encoder_attention_heads=2,
                decoder_attention_heads=2, encoder_ffn_dim=64, decoder_ffn_dim=64, max_position_embeddings=128,
                pad_token_id=0, bos_token_id=1, eos_token_id=2, decoder_start_token_id=2, forced_eos_token_id=2)
    model = Florence2ForConditionalGeneration(
        Florence2Config(vision_config=vision, text_config=text, image_token_id=vocab["<image>"])).eval()
    model.generation_config.max_new_tokens = 4
    # random weights put the end token first: an empty caption, which is never stored
    model.generation_config.min_new_tokens = 2
    model.generation_config.suppress_tokens = [vocab[t] for t in special if t != "</s>"]
    improc = CLIPImageProcessor(size={"height": image_size, "width": image_size}, do_center_crop=False)
    improc.image_seq_length = (image_size // 8) ** 2 + 1  # strides 4 x 2, plus the pooled token
    folder.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(folder)
    Florence2Processor(image_processor=improc, tokenizer=tok).save_pretrained(folder)
    return folder


QWEN_TEMPLATE = (
    "{% for m in messages %}<|im_start|>{{ m['role'] }} "
    "{% if m['content'] is string %}{{ m['content'] }}{% else %}{% for p in m['content'] %}"
    "{% if p['type'] == 'image' %}<|vision_start|><|image_pad|><|vision_end|>{% else %}{{ p['text'] }}{% endif %}"
    "{% endfor %}{% endif %}<|im_end|> {% endfor %}"
    "{% if add_generation_prompt %}<|im_start|>assistant {% endif %}"
)


def build_qwen2_vl(folder: Path, hidden: int = 32, layers: int = 2) -> Path:
    """A Qwen2-VL chat VLM. Saved as model + image processor + tokenizer (chat template inside),
    without the processor file that transformers 5 can only build with torchvision present."""
    from tokenizers import Tokenizer, models, pre_tokenizers
    from transformers import (PreTrainedTokenizerFast, Qwen2VLConfig, Qwen2VLForConditionalGeneration,
                              Qwen2VLImageProcessor)

    _seed()
    special = ["<|endoftext|>", "<|im_start|>", "<|im_end|>", "<|vision_start|>", "<|vision_end|>",
               "<|image_pad|>", "<|video_pad|>"]
    vocab = {w: i for i, w in enumerate(special + WORDS + ["user", "assistant", "describe"])}
    backend = Tokenizer(models.WordLevel(vocab=vocab, unk_token="<|endoftext|>"))
    backend.pre_tokenizer = pre_tokenizers.Sequence([pre_tokenizers.WhitespaceSplit(), pre_tokenizers.Punctuation()])
    tok = PreTrainedTokenizerFast(tokenizer_object=backend, pad_token="<|endoftext|>", eos_token="<|im_end|>",
                                  unk_token="<|endoftext|>")
    tok.add_special_tokens({"additional_special_tokens": special[1:]})
    tok.chat_template = QWEN_TEMPLATE
    text = dict(vocab_size=len(vocab), hidden_size=hidden, num_hidden_layers=layers, num_attention_heads=2,
                num_key_value_heads=2, intermediate_size=hidden * 2, max_position_embeddings=512,
                rope_parameters={"rope_type": "default", "rope_theta": 10000.0, "mrope_section": [2, 2, 4]},
                pad_token_id=0, eos_token_id=2, bos_token_id=None)
    vision = dict(depth=layers, embed_dim=hidden, hidden_size=hidden, num_heads=2, patch_size=14,
                  spatial_merge_size=2, temporal_patch_size=2)
    config = Qwen2VLConfig(text_config=text, vision_config=vision, image_token_id=vocab["<|image_pad|>"],
                           video_token_id=vocab["<|video_pad|>"], vision_start_token_id=vocab["<|vision_start|>"],
                           vision_end_token_id=vocab["<|vision_end|>"])
    model = Qwen2VLForConditionalGeneration(config).eval()
    model.generation_config.pad_token_id = 0
    model.generation_config.eos_token_id = 2
    folder.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(folder)
    Qwen2VLImageProcessor(min_pixels=56 * 56, max_pixels=112 * 112).save_pretrained(folder)
    tok.save_pretrained(folder)
    return folder


def build_all(base: Path) -> dict[str, Path]:
    return {key: builder(base / name) for key, (builder, name) in BUILDERS.items()}


#: a whole safetensors file with no tensors (8-byte header length, then "{}"): weights
#: that pass the damaged-file check, in folders refused for another reason
EMPTY_SAFETENSORS = (2).to_bytes(8, "little") + b"{}"


def write_side_files(folder: Path) -> None:
    """A placeholder's tokenizer and image processor files (a vocab.json and a
    preprocessor_config.json): without them the registry refuses it for those, not for the
    reason it was made to show."""
    (folder / "vocab.json").write_text(json.dumps({"[PAD]": 0, "a": 1}))
    (folder / "preprocessor_config.json").write_text(json.dumps({"size": {"height": 32, "width": 32}}))


def write_refused(base: Path) -> dict[str, Path]:
    """Folders the registry must refuse, each for its own reason."""
    out = {}
    d = base / "no-config"
    d.mkdir(parents=True, exist_ok=True)
    (d / "model.safetensors").write_bytes(EMPTY_SAFETENSORS)
    out["no_config"] = d
    d = base / "no-weights"
    d.mkdir(parents=True, exist_ok=True)
    (d / "config.json").write_text(json.dumps({"model_type": "blip", "architectures": ["BlipForConditionalGeneration"]}))
    out["no_weights"] = d
    d = base / "unknown-arch"
    d.mkdir(parents=True, exist_ok=True)
    (d / "config.json").write_text(json.dumps({"model_type": "bert", "architectures": ["BertForMaskedLM"]}))
    (d / "model.safetensors").write_bytes(EMPTY_SAFETENSORS)
    out["unknown"] = d
    d = base / "pickle-only"
    d.mkdir(parents=True, exist_ok=True)
    (d / "config.json").write_text(json.dumps({"model_type": "blip", "architectures": ["BlipForConditionalGeneration"]}))
    (d / "pytorch_model.bin").write_bytes(b"\0" * 16)
    write_side_files(d)
    out["bin"] = d
    d = base / "remote-code"
    d.mkdir(parents=True, exist_ok=True)
    (d / "config.json").write_text(json.dumps({
        "model_type": "florence2", "architectures": ["Florence2ForConditionalGeneration"],
        "auto_map": {"AutoModelForCausalLM": "modeling_florence2.Florence2ForConditionalGeneration"}}))
    (d / "model.safetensors").write_bytes(EMPTY_SAFETENSORS)
    write_side_files(d)
    out["remote"] = d
    return out


BUILDERS = {
    "blip": (build_blip, "tiny-blip"),
    "clip": (build_clip, "tiny-clip"),
    "llava": (build_llava, "tiny-llava"),
    "git": (build_git, "tiny-git"),
    "siglip": (build_siglip, "tiny-siglip"),
    "siglip2": (build_siglip2, "tiny-siglip2"),
    "idefics3": (build_idefics3, "tiny-idefics3"),
    "qwen2_vl": (build_qwen2_vl, "tiny-qwen2-vl"),
    "florence2": (build_florence2, "tiny-florence2"),
    "smolvlm2": (build_smolvlm2, "tiny-smolvlm2"),
}


class LazyModels:
    """``models["blip"]`` builds that model on first use (about a second each), once per process."""

    def __init__(self, base: Path, refused: dict[str, Path]) -> None:
        self.base = base
        self.refused = refused
        self._built: dict[str, Path] = {}

    def __getitem__(self, key: str) -> Path:
        if key.startswith("refused_"):
            return self.refused[key[len("refused_"):]]
        if key not in self._built:
            builder, name = BUILDERS[key]
            self._built[key] = builder(self.base / name)
        return self._built[key]


_SESSION: dict[str, LazyModels] = {}


def session_models(tmp_path_factory) -> LazyModels:
    """The tiny models, shared by every suggest test module of this process."""
    if "models" not in _SESSION:
        refused = write_refused(tmp_path_factory.mktemp("refused_models"))
        _SESSION["models"] = LazyModels(tmp_path_factory.mktemp("tiny_models"), refused)
    return _SESSION["models"]


def image_folder(root: Path, n: int = 6) -> Path:
    """``n`` small RGB PNGs (different sizes and colours) plus one unreadable .png."""
    from PIL import Image

    root.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        Image.new("RGB", (24 + 3 * i, 20 + 2 * i), (30 * i % 255, 90, 200 - 10 * i)).save(root / f"img{i:03d}.png")
    return root


def labelled_project(folder: Path, labels, db_url=None):
    """Open and index ``folder`` as a project (its own SQLite file, or ``db_url``) and add
    the ``labels`` taxonomy."""
    from llmvis_desktop.core.project import Project

    p = Project.open(folder, db_url)
    p.index()
    for name in labels:
        p.add_label(name)
    return p


def all_suggestions(project) -> list:
    """Every suggestion of every image of the project."""
    out = []
    for image_id in project.image_ids():
        out.extend(project.suggestions(image_id))
    return out


class StandInReader:
    """Stands in for the suggest job's reader (core/suggest/reading.py): reads a file as
    its name, at once (the pipeline never looks inside images)."""

    parallel = 1

    def submit(self, paths, *args):
        from concurrent.futures import Future

        fut = Future()
        fut.set_result([(Path(p).name, None) for p in paths])
        return fut

    def discard(self, fut):
        fut.cancel()

    def result(self, fut, paths, *args):
        return fut.result()


def fail_after_commits(monkeypatch, commits: int, error) -> None:
    """The suggest job's store fails with ``error()`` from commit ``commits + 1`` on, each
    batch stored alone, before the next is added (a commit running while the model went on
    took the batches finished meanwhile in one, and on a loaded machine a run could end in
    fewer commits than the test stops it at)."""
    from llmvis_desktop.core.project import Project
    from llmvis_desktop.core.suggest import pipeline

    # (every, ...): a commit whenever the previous one is done, not every 0.5 s
    defaults = pipeline.GroupCommitter.__init__.__defaults__
    monkeypatch.setattr(pipeline.GroupCommitter.__init__, "__defaults__", (0.0, *defaults[1:]))
    add = pipeline.GroupCommitter.add

    def add_alone(self, rows):
        add(self, rows)
        self.flush()

    monkeypatch.setattr(pipeline.GroupCommitter, "add", add_alone)
    real = Project.add_suggestions
    done = []

    def add_suggestions(self, rows, *a, **k):
        if len(done) >= commits:
            raise error()
        done.append(len(rows))
        return real(self, rows, *a, **k)

    monkeypatch.setattr(Project, "add_suggestions", add_suggestions)
