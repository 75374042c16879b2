"""Whether a caption prompt (or question) can be given to the model: it fits a captioner
whose text has a fixed length (:func:`prompt_problem`), and it holds none of the tokens a
chat model reserves (:func:`reserved_problem`).

BLIP's text decoder and Florence-2's language model have a table of learned positions
(BLIP: 512, Florence-2: 1024); a prompt that runs past it failed in the model with
torch's bare ``IndexError: index out of range in self`` (`llmvis suggest` said "failed:
IndexError: ..." and the window's job the same), naming neither the prompt nor the model.
A long caption instruction written for a chat model and kept as the project's caption
prompt reaches it. The chat models' positions are rotary: no such table, no limit here.
"""
from __future__ import annotations

from typing import Optional


def _positions(loaded) -> Optional[int]:
    cfg = loaded.model.config
    text = getattr(cfg, "text_config", None) or cfg
    limit = getattr(text, "max_position_embeddings", None)
    return int(limit) if isinstance(limit, int) and limit > 0 else None


def _tokens(loaded, prompt: str) -> int:
    from .registry import _tokenizer

    return len(_tokenizer(loaded.processor)(prompt)["input_ids"])


def prompt_problem(family: str, name: str, loaded, prompt: Optional[str], max_new_tokens: int) -> Optional[str]:
    """Why ``prompt`` does not fit the model ``name`` of ``family`` (loaded as ``loaded``),
    or None: BLIP writes its caption after the prompt in the same positions (the prompt's
    end token dropped), Florence-2 reads the prompt after the image's tokens."""
    if not prompt or family not in ("blip", "florence2"):
        return None
    limit = _positions(loaded)
    if limit is None:
        return None
    if family == "blip":
        used, room = _tokens(loaded, prompt) - 1, limit - max_new_tokens
        if used <= room:
            return None
        return (f"the caption prompt is too long for {name}: {used} tokens, where it reads at most {limit} "
                f"tokens of text with the caption's up to {max_new_tokens}; shorten it to {max(room, 0)} tokens "
                f"or fewer (about {max(room, 0) * 3 // 4} words)")
    image = int(getattr(loaded.processor, "num_image_tokens", 0) or 0)
    used, room = _tokens(loaded, prompt), limit - image
    if used <= room:
        return None
    return (f"the caption prompt is too long for {name}: {used} tokens, where it reads at most {limit} tokens "
            f"with the image's {image}; shorten it to {max(room, 0)} tokens or fewer (its prompt is a task "
            f"token such as <CAPTION> or <DETAILED_CAPTION>)")


#: the processor attributes naming a chat model's placeholders (LLaVA's <image>, Qwen2-VL's
#: <|image_pad|>, Idefics3's <fake_token_around_image>...)
_PLACEHOLDERS = ("image_token", "video_token", "fake_image_token", "global_image_token")


def reserved_problem(name: str, loaded, text: Optional[str], what: str) -> Optional[str]:
    """Why a chat model's prompt or question ``text`` cannot be used, or None: it holds a
    token the model reserves, its image placeholder or its chat markup. The tool writes
    the chat and puts the image in itself; a prompt copied from a model card ("USER:
    <image>\\nDescribe it") failed in the processor with "The total number of <image>
    tokens in the prompts should be the same as the number of images passed"."""
    if not text:
        return None
    from .registry import _tokenizer

    proc = loaded.processor
    marks = {getattr(proc, a, None) for a in _PLACEHOLDERS}
    marks |= set(getattr(_tokenizer(proc), "all_special_tokens", None) or ())
    found = sorted(m for m in marks if isinstance(m, str) and len(m) > 2 and not m.isalnum() and m in text)
    if not found:
        return None
    return (f"the {what} holds {found[0]!r}, a token {name} reserves (its image placeholder or chat markup): "
            f"the tool writes the chat and puts the image in itself; leave {found[0]!r} out of the {what}")
