"""What model discovery says when a folder is not quite a model: a weights file the user
cannot read, model folders deeper than the listing looks, a file given as a folder, and
custom code (``auto_map``) named by the tokenizer's or processor's config only."""
from __future__ import annotations

import builtins
import errno
import os
import shutil
from pathlib import Path

import pytest

try:
    from . import tiny_models
except ImportError:
    import tiny_models

from llmvis_desktop.core.suggest import ModelRefused, check, inspect_folder


@pytest.fixture(scope="session")
def tiny(tmp_path_factory):
    return tiny_models.session_models(tmp_path_factory)


@pytest.fixture
def no_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "no-cache"))
    return tmp_path / "no-cache"


def _unreadable_file(monkeypatch, path: Path) -> None:
    """``path`` as a user without read access sees it (chmod 600, another owner; these tests
    may run as root, who reads everything): it stats, but opening it is refused."""
    real_open = builtins.open
    denied = os.path.realpath(path)

    def guarded(file, *a, **kw):
        if not isinstance(file, int) and os.path.realpath(os.fspath(file)) == denied:
            raise PermissionError(errno.EACCES, "Permission denied", os.fspath(file))
        return real_open(file, *a, **kw)

    monkeypatch.setattr(builtins, "open", guarded)


def test_a_weights_file_the_user_cannot_read_is_not_called_damaged(tiny, tmp_path, monkeypatch, capsys, no_cache):
    """It said "model.safetensors is damaged ([Errno 13] Permission denied: ...)": the file is
    whole, the user lacks read access to it; re-downloading it would not help."""
    from llmvis_desktop.cli import main

    folder = tmp_path / "models" / "locked-weights"
    shutil.copytree(tiny["blip"], folder)
    _unreadable_file(monkeypatch, folder / "model.safetensors")
    info = inspect_folder(folder)
    assert "damaged" not in info.problem, info.problem
    assert info.problem.startswith(f"{folder}: model.safetensors cannot be read (permission denied)"), info.problem
    assert "ask its owner for read access" in info.problem
    with pytest.raises(ModelRefused, match="cannot be read"):
        check(info)
    assert main(["models", "list", "--dir", str(tmp_path / "models")]) == 0
    out = capsys.readouterr().out
    assert "model.safetensors cannot be read (permission denied)" in out and "damaged" not in out
