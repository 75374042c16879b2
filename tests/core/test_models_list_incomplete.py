"""`llmvis models list` (and the Models dialog, from the same ModelInfo) said "fits" for a
model folder with no tokenizer files or no image processor settings, which a job then
refused as it loaded ("no tokenizer files ... the download is incomplete"). The list now
says it is refused and why (text, and --json's "problem"), as the load would."""
from __future__ import annotations

import json
import shutil

import pytest

from llmvis_desktop.cli import main
from llmvis_desktop.core.suggest.loading import TOKENIZER_FILES


@pytest.fixture
def models(tiny, tmp_path, monkeypatch):
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "empty-cache"))
    base = tmp_path / "models"
    base.mkdir()
    shutil.copytree(tiny["blip"], base / "whole")
    no_tok = shutil.copytree(tiny["blip"], base / "no-tokenizer")
    for name in (*TOKENIZER_FILES, "tokenizer_config.json", "special_tokens_map.json"):
        (no_tok / name).unlink(missing_ok=True)
    no_ip = shutil.copytree(tiny["blip"], base / "no-image-processor")
    (no_ip / "preprocessor_config.json").unlink(missing_ok=True)
    proc = no_ip / "processor_config.json"
    if proc.is_file():
        cfg = json.loads(proc.read_text())
        cfg.pop("image_processor", None)
        proc.write_text(json.dumps(cfg))
    return base


def test_a_folder_a_load_would_refuse_is_listed_refused_with_the_reason(models, capsys):
    assert main(["models", "list", "--json", "--no-cache", "--dir", str(models), "--device", "cpu"]) == 0
    rows = {r["name"]: r for r in json.loads(capsys.readouterr().out)["models"]}
    assert rows["whole"]["problem"] is None and rows["whole"]["fits"] is True
    tok = rows["no-tokenizer"]
    assert tok["fits"] is None and tok["problem"].startswith(f"{models / 'no-tokenizer'}: no tokenizer files")
    assert "tokenizer.json" in tok["problem"]
    ip = rows["no-image-processor"]
    assert ip["fits"] is None and "no image processor settings (preprocessor_config.json" in ip["problem"]

    assert main(["models", "list", "--no-cache", "--dir", str(models), "--device", "cpu"]) == 0
    lines = capsys.readouterr().out.splitlines()
    by_name = {line.split()[0]: (n, line) for n, line in enumerate(lines) if not line.startswith(" ")}
    assert "fits" in by_name["whole"][1].split()
    n, line = by_name["no-tokenizer"]
    assert "refused" in line.split() and "fits" not in line.split()
    assert lines[n + 1].strip().startswith(f"{models / 'no-tokenizer'}: no tokenizer files")
    n, line = by_name["no-image-processor"]
    assert "refused" in line.split() and "no image processor settings" in lines[n + 1]
