"""`llmvis suggest --read-processes N` had no ceiling: 1000 started 1000 helper processes,
each a Python with its image decoder. It now takes at most 4 per core (never under 8, the
most the default picks), and refuses more as a usage error naming the value, before any work."""
from __future__ import annotations

import argparse

import pytest

from llmvis_desktop.cli import main
from llmvis_desktop.cli_suggest import _read_processes, max_read_processes


def test_the_ceiling_is_four_per_core_and_never_under_eight():
    assert max_read_processes(1) == 8 and max_read_processes(2) == 8
    assert max_read_processes(4) == 16 and max_read_processes(16) == 64


def test_values_up_to_the_ceiling_are_taken(monkeypatch):
    monkeypatch.setattr("os.cpu_count", lambda: 2)
    assert [_read_processes(t) for t in ("0", "2", "8")] == [0, 2, 8]
    with pytest.raises(argparse.ArgumentTypeError, match=r"at most 8 on this machine \(2 cores, 4 per core\), not 9"):
        _read_processes("9")


def test_too_many_is_a_usage_error_naming_the_value_and_nothing_is_made(tmp_path, capsys):
    folder = tmp_path / "imgs"
    folder.mkdir()
    with pytest.raises(SystemExit) as info:
        main(["suggest", str(folder), "--learned", "--read-processes", "100000"])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert "--read-processes: at most " in err and "not 100000" in err, err
    assert list(folder.iterdir()) == []  # refused before the index made a project there
