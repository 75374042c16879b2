"""GIF is read (first frame shown, an animation's frames stepped like a multi-page TIFF or
animated WebP) by the index, the viewer, thumbnails, suggestion reading and exports."""
from __future__ import annotations

import json

import numpy as np
import pytest
from PIL import Image

from llmvis_desktop import cli
from llmvis_desktop.core.imaging import make_thumbnail
from llmvis_desktop.core.imaging.formats import is_candidate
from llmvis_desktop.core.imaging.reader import read_display_image, read_header, read_image


def _frames():
    out = []
    for value in (40, 120, 200):
        arr = np.zeros((30, 40, 3), np.uint8)
        arr[..., 0] = value
        arr[:, 20:, 2] = 255
        out.append(Image.fromarray(arr))
    return out


@pytest.fixture()
def folder(tmp_path):
    root = tmp_path / "imgs"
    root.mkdir()
    frames = _frames()
    frames[0].save(root / "anim.gif", save_all=True, append_images=frames[1:], duration=100, loop=0)
    clear = Image.new("P", (40, 30), 0)
    clear.putpalette([0, 0, 0, 255, 0, 0] + [0] * 762)
    clear.paste(1, (0, 0, 20, 30))  # left half red, right half palette entry 0: transparent black
    clear.save(root / "clear.gif", transparency=0)
    Image.fromarray(np.full((30, 40, 3), 90, np.uint8)).save(root / "plain.png")
    return root


def test_gif_is_a_candidate_and_reads_first_frame(folder):
    assert is_candidate("a.GIF")
    meta = read_header(folder / "anim.gif")
    assert (meta.format, meta.width, meta.height, meta.frames) == ("GIF", 40, 30, 3)
    data = read_image(folder / "anim.gif")
    assert data.pixels.shape[:2] == (30, 40) and data.frame == 0
    assert abs(int(data.display[0, 0, 0]) - 40) <= 2
    second = read_image(folder / "anim.gif", frame=2)
    assert abs(int(second.display[0, 0, 0]) - 200) <= 2


def test_transparent_gif_is_white_in_viewer_and_thumbnail(folder):
    data = read_image(folder / "clear.gif")
    assert (data.display[:, 20:] == 255).all()
    assert (data.display[:, :20] == (255, 0, 0)).all()
    want = Image.fromarray(data.display)
    want.thumbnail((20, 20))
    assert np.array_equal(np.asarray(make_thumbnail(folder / "clear.gif", 20)), np.asarray(want))
    assert np.array_equal(np.asarray(read_display_image(folder / "clear.gif")), data.display)


def test_index_lists_gifs_and_export_carries_them(folder, tmp_path, capsys):
    assert cli.main(["index", str(folder), "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary.get("unreadable") in (0, [], None), summary
    assert cli.main(["info", str(folder), "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["images"] == 3, info
    out = tmp_path / "out.csv"
    assert cli.main(["export", str(folder), "--format", "csv", "--out", str(out)]) == 0
    text = out.read_text()
    assert "anim.gif" in text and "clear.gif" in text


def test_damaged_gif_names_the_file(tmp_path):
    bad = tmp_path / "cut.gif"
    frames = _frames()
    frames[0].save(tmp_path / "whole.gif", save_all=True, append_images=frames[1:])
    bad.write_bytes((tmp_path / "whole.gif").read_bytes()[:40])
    from llmvis_desktop.core.imaging import ImageReadError

    with pytest.raises(ImageReadError, match=r"cut.gif.*(cut short|damaged)"):
        read_image(bad)
