"""`llmvis` silences Pillow's UserWarnings about a damaged file (the file's own line says
what is wrong), but a suggest job's reader processes are spawned with no warning filters:
each JPEG with damaged EXIF printed "PIL/TiffImagePlugin.py:982: UserWarning: Corrupt EXIF
data. Expecting to read 12 bytes but only got 4." on stderr from each helper, naming no
file (a folder of camera images with such EXIF flooded the output). The helpers take the
parent's warning filters now: quiet as the command is, shown with --debug."""
from __future__ import annotations

import io
import struct
import warnings

from PIL import Image

from llmvis_desktop.cli import main


def _bad_exif_jpeg(path) -> None:
    buf = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 10, 10)).save(buf, "JPEG")
    data = buf.getvalue()
    exif = b"Exif\x00\x00" + b"MM\x00\x2a\x00\x00\x00\x08" + b"\x00\x05" + b"\xff" * 40  # 5 entries, cut short
    path.write_bytes(data[:2] + b"\xff\xe1" + struct.pack(">H", len(exif) + 2) + exif + data[2:])


def test_reader_processes_keep_pillows_warnings_quiet(tiny, tmp_path, capfd):
    folder = tmp_path / "imgs"
    folder.mkdir()
    for i in range(3):
        _bad_exif_jpeg(folder / f"cam{i}.jpg")
    argv = ["suggest", str(folder), "--captioner", str(tiny["blip"]), "--read-processes", "1"]
    with warnings.catch_warnings():  # (the filter main() adds stays in this process, as in a command's)
        assert main(argv) == 0
    err = capfd.readouterr().err
    assert "Corrupt EXIF" not in err, err
    with warnings.catch_warnings():
        assert main(["--debug", *argv, "--all"]) == 0  # --debug shows them (from the helper too)
    assert "Corrupt EXIF" in capfd.readouterr().err
