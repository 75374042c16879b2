"""A checkpoint that does not fit its config (another model's weights under its name) is
refused in one line, and transformers' own load report (a table of every weight, "can be
ignored when loading from different task/architecture", terminal escape codes) no longer
pours onto stderr before it: `llmvis suggest` printed over 200 lines, then the refusal.
The report is kept in the debug log (--debug)."""
from __future__ import annotations

import logging
import shutil

import pytest

try:
    from . import tiny_models
except ImportError:
    import tiny_models

from llmvis_desktop.core.suggest.discovery import ModelRefused, inspect_folder
from llmvis_desktop.core.suggest.engines import Captioner


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    base = tmp_path_factory.mktemp("report_models")
    return tiny_models.build_blip(base / "tiny-blip"), tiny_models.build_git(base / "tiny-git")


class _Said(logging.Handler):
    """What transformers' loggers print (its own handler writes them to stderr)."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.lines: list[str] = []

    def emit(self, record) -> None:
        self.lines.append(record.getMessage())


def test_weights_of_another_model_are_refused_without_the_load_report(built, tmp_path, caplog):
    blip, git = built
    folder = tmp_path / "blip-with-git-weights"
    shutil.copytree(blip, folder)
    shutil.copyfile(git / "model.safetensors", folder / "model.safetensors")
    said = _Said()
    hf = logging.getLogger("transformers")
    hf.addHandler(said)
    try:
        with caplog.at_level(logging.DEBUG, logger="llmvis_desktop"):
            with pytest.raises(ModelRefused) as err:
                Captioner(inspect_folder(folder), "cpu")
    finally:
        hf.removeHandler(said)
    assert str(err.value).startswith(f"{folder}: ") and "missing from the checkpoint" in str(err.value)
    printed = "\n".join(said.lines)
    assert "LOAD REPORT" not in printed and "seem corrupted" not in printed, printed[:500]
    assert any("LOAD REPORT" in r.getMessage() for r in caplog.records)  # kept for --debug
