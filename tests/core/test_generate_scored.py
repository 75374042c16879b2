"""A caption's score: the mean log-probability of its tokens up to and including its first
end token, as a probability; tokens after the end, and impossible ones, do not count."""
from __future__ import annotations

import math
from types import SimpleNamespace

import pytest
import torch

from llmvis_desktop.core.suggest.registry import generate_scored

EOS, PAD = 0, 1
WORDS = {2: "a", 3: "scratch", 4: "dent", 5: "on", 6: "metal"}


class _Tokenizer:
    def decode(self, ids, skip_special_tokens=False):
        kept = [t for t in ids if not (skip_special_tokens and t in (EOS, PAD))]
        return " ".join(WORDS.get(t, "?") for t in kept) + "  "  # trailing spaces: the caption is stripped

    def batch_decode(self, rows, skip_special_tokens=False):
        return [self.decode(ids, skip_special_tokens) for ids in rows]


class _Model:
    """``generate`` returns prompt + new tokens and one row of logits per step."""

    generation_config = SimpleNamespace(eos_token_id=EOS)

    def __init__(self, prompt, new, logits):
        self.out = SimpleNamespace(sequences=torch.cat([prompt, new], dim=1), scores=tuple(logits))

    def generate(self, **kwargs):
        assert kwargs["output_scores"] and kwargs["return_dict_in_generate"]
        return self.out


def _logp(row, token):
    return row[token] - math.log(sum(math.exp(x) for x in row if x != -math.inf))


def test_each_caption_is_scored_on_its_own_tokens_up_to_its_end():
    vocab = 7
    new = torch.tensor([[2, 3, EOS, PAD],   # ends at the third token: the padding after does not count
                        [4, 5, 6, 2],       # never ends: every token counts
                        [EOS, PAD, PAD, PAD],  # empty caption: its end token alone
                        [2, 6, EOS, PAD]])  # its second token was impossible (-inf): left out
    gen = torch.Generator().manual_seed(0)
    steps = [torch.randn(4, vocab, generator=gen) for _ in range(4)]
    steps[1][3, 6] = -math.inf
    model = _Model(torch.full((4, 1), 9), new, steps)
    loaded = SimpleNamespace(model=model, processor=SimpleNamespace(tokenizer=_Tokenizer()))

    got = generate_scored(loaded, {}, max_new_tokens=4)

    assert [g.text for g in got] == ["a scratch", "dent on metal a", "", "a metal"]
    rows = [[s[b].tolist() for s in steps] for b in range(4)]
    kept = {0: [0, 1, 2], 1: [0, 1, 2, 3], 2: [0], 3: [0, 2]}
    for b, positions in kept.items():
        mean = sum(_logp(rows[b][i], int(new[b, i])) for i in positions) / len(positions)
        assert got[b].score == pytest.approx(math.exp(mean), rel=1e-5)
    assert got[0].score != pytest.approx(got[1].score)


def test_a_generation_of_no_new_tokens_has_no_score():
    model = _Model(torch.full((2, 3), 9), torch.zeros((2, 0), dtype=torch.long), [])
    loaded = SimpleNamespace(model=model, processor=SimpleNamespace(tokenizer=_Tokenizer()))
    got = generate_scored(loaded, {}, max_new_tokens=4)
    assert [(g.text, g.score) for g in got] == [("", None), ("", None)]
