"""A model folder whose tokenizer or processor JSON was cut short: the refusal names the file.

transformers fails with a bare ``JSONDecodeError`` ('Unterminated string starting at: line
87 column 9') that names no file; the user had a folder of six JSON files to guess from.
"""
from __future__ import annotations

import shutil

import pytest

from llmvis_desktop.core.suggest.json_files import damaged_json


def _cut(path) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


@pytest.mark.parametrize("name", ["tokenizer.json", "processor_config.json"])
def test_suggest_names_the_cut_json_file(tiny, small, tmp_path, capsys, name):
    from llmvis_desktop.cli import main

    project, _ids = small
    broken = tmp_path / "blip-cut"
    shutil.copytree(tiny["blip"], broken)
    _cut(broken / name)
    code = main(["suggest", str(project.root), "--captioner", str(broken), "--read-processes", "0"])
    err = capsys.readouterr().err
    assert code != 0
    assert str(broken) in err and f"{name} is not valid JSON" in err, err
    assert "fetch or copy the model again" in err
    assert all(project.suggestions(i) == [] for i in project.image_ids())  # nothing half stored


def test_damaged_json_lists_only_the_broken_files(tmp_path):
    (tmp_path / "config.json").write_text('{"model_type": "blip"}')
    (tmp_path / "tokenizer.json").write_text('{"version": "1.0", "mod')
    (tmp_path / "special_tokens_map.json").write_bytes(b"")
    said = damaged_json(tmp_path)
    assert said.startswith("special_tokens_map.json is empty (0 bytes); tokenizer.json is not valid JSON (")
    assert "config.json" not in said.replace("special_tokens_map.json", "").replace("tokenizer.json", "")
    (tmp_path / "tokenizer.json").write_text('{"version": "1.0"}')
    (tmp_path / "special_tokens_map.json").write_text("{}")
    assert damaged_json(tmp_path) is None


@pytest.mark.parametrize("size", [0, 5])
def test_an_empty_weights_file_is_called_empty(tiny, tmp_path, size):
    """A zero-byte model.safetensors (a download that never started writing) was 'damaged
    (unpack requires a buffer of 8 bytes)', Python's words for a short read."""
    from llmvis_desktop.core.suggest.discovery import inspect_folder

    broken = tmp_path / "blip-empty"
    shutil.copytree(tiny["blip"], broken)
    (broken / "model.safetensors").write_bytes(b"\x00" * size)
    info = inspect_folder(broken)
    assert info.problem is not None and str(broken) in info.problem
    assert "buffer" not in info.problem
    want = "model.safetensors is empty (0 bytes)" if size == 0 else "model.safetensors is cut short: 5 bytes"
    assert want in info.problem and "the download did not finish" in info.problem, info.problem
