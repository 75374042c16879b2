"""`llmvis index` said "3 unreadable" of a study with one damaged file and two compressed
DICOMs no installed decoder reads, while `llmvis info` and the status bar counted them
apart ("error 1, need a decoder 2"), and named each of them "could not read" (/tmp/
hunt-hfolder/study). The index summary says the same split: "1 unreadable, 2 need a
decoder", in text, in `--json` (`needs_decoder`, of `errors`) and in the result the
window's Jobs line is made from."""
from __future__ import annotations

import json
import shutil

from pydicom.data import get_testdata_file

from llmvis_desktop.cli import main
from llmvis_desktop.core.imaging import dicom_decoders
from llmvis_desktop.core.project import Project


class _NoDecoder:
    available_plugins = ()
    is_available = False


def _study(tmp_path):
    folder = tmp_path / "study"
    (folder / "p1").mkdir(parents=True)
    (folder / "p2").mkdir(parents=True)
    shutil.copy(get_testdata_file("MR_small_jpeg_ls_lossless.dcm", download=False), folder / "p1" / "ls.dcm")
    shutil.copy(get_testdata_file("MR_small_jpeg_ls_lossless.dcm", download=False), folder / "p2" / "ls.dcm")
    shutil.copy(get_testdata_file("MR_small.dcm", download=False), folder / "p1" / "plain.dcm")
    (folder / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\nnope")
    return folder


def test_the_index_summary_counts_the_files_needing_a_decoder_apart(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(dicom_decoders, "_decoder", lambda ts: _NoDecoder())  # no plugin installed
    folder = _study(tmp_path)
    assert main(["index", str(folder)]) == 0
    out, err = capsys.readouterr()
    assert "1 unreadable, 2 need a decoder" in out, out
    assert "could not read broken.png" in err
    assert "could not read p1/ls.dcm" not in err  # not a damaged file: a plugin to install
    assert "warning: p1/ls.dcm: compressed DICOM (transfer syntax JPEG-LS" in err, err
    assert "needs a decoder plugin" in err
    assert main(["index", str(folder), "-q"]) == 0
    out, err = capsys.readouterr()
    assert "1 unreadable, 2 need a decoder" in out, out
    assert err.strip() == (f"warning: 1 unreadable file, 2 needing a decoder plugin; `llmvis info {folder}` "
                           f"names them"), err
    assert main(["index", str(folder), "--json"]) == 0
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert (summary["errors"], summary["needs_decoder"]) == (3, 2)


def test_the_index_result_says_the_split_for_the_jobs_line(tmp_path, monkeypatch):
    monkeypatch.setattr(dicom_decoders, "_decoder", lambda ts: _NoDecoder())
    folder = _study(tmp_path)
    with Project.open(folder) as p:
        result = p.index()
    assert (result.errors, result.needs_decoder) == (3, 2)
