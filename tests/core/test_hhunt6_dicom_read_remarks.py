"""pydicom's remarks on a file it reads ("Invalid value for VR IS: '1A'", "Expected
explicit VR, but found implicit VR") are debug detail while the index, a thumbnail or the
viewer reads it: `llmvis index` of the pydicom sample folder printed six such lines, each
twice (pydicom's log, then a Python warning pointing into pydicom's own source), none
naming the file, some quoting one of its values. The read says what matters itself."""
from __future__ import annotations

import logging
import os
import subprocess
import sys
from pathlib import Path

from imagegen import copy_dicom


def _llmvis(args, tmp_path) -> subprocess.CompletedProcess:
    import llmvis_desktop

    env = dict(os.environ, PYTHONPATH=str(Path(llmvis_desktop.__file__).parent.parent),
               LLMVIS_CONFIG_DIR=str(tmp_path / "cfg"), LLMVIS_DATA_DIR=str(tmp_path / "data"),
               LLMVIS_CACHE_DIR=str(tmp_path / "cache"), LLMVIS_LOG_DIR=str(tmp_path / "log"))
    return subprocess.run([sys.executable, "-m", "llmvis_desktop.cli", *args], env=env,
                          capture_output=True, text=True, timeout=120)


def _folder(tmp_path) -> Path:
    folder = tmp_path / "série"
    folder.mkdir()
    copy_dicom(folder, "badVR.dcm")  # an IS value '1A': pydicom warns, quoting it
    copy_dicom(folder, "CT_small.dcm")
    return folder


def test_index_prints_no_pydicom_remarks(tmp_path):
    folder = _folder(tmp_path)
    done = _llmvis(["index", str(folder)], tmp_path)
    assert done.returncode == 0, done.stderr
    assert "2 image files listed" in done.stdout
    assert "pydicom" not in done.stderr and "'1A'" not in done.stderr, done.stderr
    assert "UserWarning" not in done.stderr, done.stderr


def test_debug_logging_keeps_them_once_as_debug(tmp_path):
    folder = _folder(tmp_path)
    done = _llmvis(["--debug", "index", str(folder)], tmp_path)
    assert done.returncode == 0, done.stderr
    assert "DEBUG pydicom: Invalid value for VR IS" in done.stderr, done.stderr
    assert "UserWarning" not in done.stderr, done.stderr


def test_a_record_outside_a_read_is_left_alone(caplog):
    """(an export's de-identification keeps pydicom's words to say them in its own)"""
    from llmvis_desktop.core.imaging import dicom_quiet

    with caplog.at_level(logging.WARNING, logger="pydicom"):
        logging.getLogger("pydicom").warning("outside")
        with dicom_quiet.reading():
            logging.getLogger("pydicom").warning("inside")
    assert [r.getMessage() for r in caplog.records] == ["outside"]
