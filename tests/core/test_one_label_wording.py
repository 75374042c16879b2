"""A CLIP-style labeler refused over a one-label taxonomy suggested adding 'ok' as the
second label even when the only label was 'ok' (seen by hpack on the packaged CLI)."""
from __future__ import annotations

from types import SimpleNamespace

from llmvis_desktop.core.suggest.batch import one_label_refusal


def test_the_refusal_suggests_a_label_the_project_does_not_have():
    info = SimpleNamespace(path="/models/tiny-clip")
    said = one_label_refusal(info, "ok")
    assert "('ok')" in said and "e.g. 'ok'" not in said and "e.g. 'defect'" in said, said
    assert "e.g. 'ok'" in one_label_refusal(info, "scratch")
