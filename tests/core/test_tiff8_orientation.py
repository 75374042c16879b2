"""An 8-bit TIFF whose Orientation tag turns it a quarter (5-8) is indexed with the size
it is shown at. Pillow (12+) already gives such a TIFF's size turned (and turns its
pixels as it loads them); the header read turned it again, so the index stored 40x20
for a picture shown 20x40: the grid, and an export's width/height (COCO, CVAT), said
the stored size while the pixels, thumbnail and models had the turned one."""
from __future__ import annotations

import numpy as np
import pytest
from PIL import Image, ImageOps

from llmvis_desktop.core.imaging import make_thumbnail, read_header, read_image
from llmvis_desktop.core.suggest.reading import model_image


def _stored() -> np.ndarray:
    """40 wide, 20 high: a red left quarter, a green top band, blue elsewhere."""
    arr = np.zeros((20, 40, 3), np.uint8)
    arr[:] = (0, 0, 200)
    arr[:4] = (20, 200, 20)
    arr[:, :10] = (230, 20, 20)
    return arr


@pytest.mark.parametrize("orientation", range(1, 9))
def test_an_8_bit_tiff_turned_by_its_orientation_tag_has_the_size_it_is_shown_at(tmp_path, orientation):
    path = tmp_path / f"o{orientation}.tif"
    exif = Image.Exif()
    exif[0x0112] = orientation
    Image.fromarray(_stored()).save(path, exif=exif.tobytes())
    reference = Image.fromarray(_stored())
    reference.getexif()[0x0112] = orientation
    want = np.asarray(ImageOps.exif_transpose(reference))  # as any viewer turns it
    meta = read_header(path)
    assert (meta.width, meta.height) == (want.shape[1], want.shape[0]), orientation  # was 40x20 for 5-8
    data = read_image(path)
    assert np.array_equal(data.display, want) and (data.meta.width, data.meta.height) == (meta.width, meta.height)
    assert np.array_equal(np.asarray(make_thumbnail(path, 64)), want)
    assert np.array_equal(np.asarray(model_image(str(path))), want)


def test_an_index_that_stored_the_unturned_size_reads_its_tiffs_headers_again(tmp_path):
    """Rows indexed by the reader before (version 2) keep the wrong size for good, as the
    file's size and mtime are unchanged: the next index reads its TIFFs' headers again, once."""
    import json

    from sqlalchemy import select, update

    from llmvis_desktop.core.project import Project
    from llmvis_desktop.core.store import models as m

    folder = tmp_path / "scans"
    folder.mkdir()
    exif = Image.Exif()
    exif[0x0112] = 6
    Image.fromarray(_stored()).save(folder / "turned.tif", exif=exif.tobytes())
    Image.fromarray(_stored()).save(folder / "plain.png")

    def sizes(p):
        with p.store.read() as s:
            return {rel: (w, h) for rel, w, h in s.execute(select(m.Image.relpath, m.Image.width, m.Image.height))}

    with Project.open(folder) as p:
        p.index()
        want = {"turned.tif": (20, 40), "plain.png": (40, 20)}
        assert sizes(p) == want
        with p.store.write() as s:  # as the reader before left it
            s.execute(update(m.Image).where(m.Image.format == "TIFF").values(width=40, height=20))
            row = s.get(m.ProjectRow, 1)
            data = json.loads(row.settings_json or "{}")
            data["header_reader_version"] = 2
            row.settings_json = json.dumps(data)
        p.scan()
        assert p.read_headers() == 1  # the TIFF's, not the PNG's
        assert sizes(p) == want
        p.scan()
        assert p.read_headers() == 0  # once
