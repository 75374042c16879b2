"""A DICOM's bit depth as the file stores it: a 16-bit CT whose rescale slope is
fractional (0.5) has float pixels after rescaling, and the index and the viewer called it
"DICOM 32-bit". Its header now says 16-bit, with Bits Stored and the rescale apart:
"16-bit (12 stored), rescaled x0.5 -1024"; a project indexed before reads it again."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pydicom
from sqlalchemy import select, update

from llmvis_desktop.core.imaging.reader import read_header, read_image
from llmvis_desktop.core.project import Project
from llmvis_desktop.core.store import models as m

from imagegen import bundled_dicom


def write_ct_fractional(folder: Path, name: str = "ct_half.dcm") -> Path:
    """CT_small as 12 of 16 bits stored, rescaled x0.5 -1024."""
    ds = pydicom.dcmread(bundled_dicom("CT_small.dcm"))
    stored = np.clip(ds.pixel_array, -2048, 2047).astype("<i2")
    ds.BitsStored, ds.HighBit = 12, 11
    ds.PixelData = stored.tobytes()
    ds.RescaleSlope, ds.RescaleIntercept = "0.5", "-1024"
    path = Path(folder) / name
    ds.save_as(path)
    return path


def test_the_header_says_the_stored_depth_and_the_rescale(tmp_path):
    path = write_ct_fractional(tmp_path)
    meta = read_header(path)
    assert meta.bit_depth == 16 and meta.stored_bits == 12 and meta.rescale == (0.5, -1024.0)
    assert meta.depth_text == "16-bit (12 stored), rescaled x0.5 -1024"
    data = read_image(path)  # the pixels are still the modality values, float
    assert data.pixels.dtype == np.float32 and data.meta.depth_text == meta.depth_text
    plain = read_header(bundled_dicom("MR_small.dcm"))  # 16 of 16 bits, no rescale
    assert plain.stored_bits is None and plain.rescale is None and plain.depth_text == "16-bit"
    ct = read_header(bundled_dicom("CT_small.dcm"))
    assert ct.depth_text == "16-bit, rescaled x1 -1024"


def test_the_index_stores_16_bit_and_a_project_indexed_before_reads_it_again(tmp_path):
    folder = tmp_path / "imgs"
    folder.mkdir()
    write_ct_fractional(folder)

    def depth(p):
        with p.store.read() as s:
            return s.scalar(select(m.Image.bit_depth))

    with Project.open(folder) as p:
        p.index()
        assert depth(p) == 16
        with p.store.write() as s:  # as the reader before left it
            s.execute(update(m.Image).values(bit_depth=32))
            row = s.get(m.ProjectRow, 1)
            data = json.loads(row.settings_json or "{}")
            data["header_reader_version"] = 4
            row.settings_json = json.dumps(data)
        p.scan()
        assert p.read_headers() == 1
        assert depth(p) == 16
