"""A JPEG or PNG cut short inside its header, or before its image data, was listed with
Pillow's own words: "truncated or corrupt image data (Truncated File Read)", "(cannot
load this image)". The reason says what happened, in the index and the viewer alike."""
from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from llmvis_desktop.core.imaging import ImageReadError, make_thumbnail, read_header, read_image


def _bytes(fmt: str) -> bytes:
    out = io.BytesIO()
    Image.fromarray(np.zeros((48, 64, 3), np.uint8)).save(out, fmt)
    return out.getvalue()


def _jpeg_before_its_image_data() -> bytes:
    data = _bytes("JPEG")
    return data[:data.index(b"\xff\xda")]  # up to the start of scan: tables and frame header only


@pytest.mark.parametrize("name, data", [
    ("in_tables.jpg", _bytes("JPEG")[:100]),
    ("in_ihdr.png", _bytes("PNG")[:20]),
    ("no_scan.jpg", _jpeg_before_its_image_data()),
], ids=["in_tables.jpg", "in_ihdr.png", "no_scan.jpg"])
def test_a_file_cut_short_says_so_in_words(tmp_path, name, data):
    path = tmp_path / name
    path.write_bytes(data)
    for read in (read_header, read_image, lambda p: make_thumbnail(p, 32)):
        with pytest.raises(ImageReadError) as caught:
            read(path)
        reason = caught.value.reason
        assert reason.startswith("truncated or corrupt image data (") and "cut short" in reason, reason
        assert "Truncated File Read" not in reason and "cannot load this image" not in reason
        assert name in str(caught.value)
