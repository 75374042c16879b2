"""Grid tile names elided so that what tells files apart stays. A 96 px tile (or a large
font) elided FOLDER/NAME in its middle: every file of a DICOM series read "patient…01.dcm",
a camera dump "DCIM/1…00.JPG", every repair output "repaire…red.png" (the folder's and the
marker's letters, the same on each; /tmp/hunt-hnames/before_font1_grid.png). What differs
between files of a set is the end of the stem (the frame number, serial, side) and the
folder's end: the folders give way first (cut in the middle), then the extension, then
the stem's head, and a repair output's ``repaired/`` folder, which its name repeats."""
from __future__ import annotations

from collections import Counter

import pytest
from PySide6.QtGui import QFontMetrics

from llmvis_desktop.qt.widgets.grid_delegate import GridDelegate

SETS = {
    "dicom": [f"patient_{p}/series{s}/IM{i:04d}.dcm" for p in "AB" for s in (1, 2) for i in range(1, 301)],
    "lots": [f"lot_{n:02d}/{i:04d}.png" for n in range(1, 13) for i in range(1, 41)],
    "camera": [f"DCIM/100CANON/DSC_{i:05d}.JPG" for i in range(100, 400)]
    + [f"IMG_20261130_{h:02d}{m:02d}01.jpg" for h in (9, 10) for m in range(60)],
    "repaired": [f"img{i:02d}.png" for i in range(8)] + [f"repaired/img{i:02d}.repaired.png" for i in range(8)]
    + [f"repaired/img{i:02d}.repaired-2.png" for i in range(4)],
    "nonascii": [f"検査画像_ライン3_2026年11月30日_{i:04d}.png" for i in range(1, 30)]
    + [f"Röntgenaufnahme_Patientin_Müller_{side}.png" for side in ("links", "rechts", "seitlich")]
    + [f"Wafer_Übersicht/Prüfling_{i:03d}_Kratzer.tif" for i in range(1, 30)],
}


@pytest.fixture
def font_scale(qapp, request):
    before = qapp.font()
    font = qapp.font()
    font.setPointSizeF(before.pointSizeF() * request.param)
    qapp.setFont(font)
    yield request.param
    qapp.setFont(before)


def _same(texts: dict[str, str]) -> list[list[str]]:
    seen = Counter(texts.values())
    return [[p for p, t in texts.items() if t == text][:3] for text, n in seen.items() if n > 1]


@pytest.mark.parametrize("size", [96, 128, 160])
@pytest.mark.parametrize("which", sorted(SETS))
def test_two_files_never_show_the_same_text(qapp, which, size):
    d = GridDelegate(thumb_size=size)
    fm = QFontMetrics(d._font)
    texts = {p: d.tile_name(p, size) for p in SETS[which]}
    assert _same(texts) == [], [(ps, texts[ps[0]]) for ps in _same(texts)][:3]
    assert all(fm.horizontalAdvance(t) <= size for t in texts.values())


@pytest.mark.parametrize("font_scale", [1.5, 2.0], indirect=True)
@pytest.mark.parametrize("which", sorted(SETS))
def test_under_a_large_font_the_files_of_one_folder_stay_apart(qapp, font_scale, which):
    """A tile too small for folder and number keeps the number: the files of one folder
    (a series, a lot, one repaired/ folder) never look alike at 96 px."""
    d = GridDelegate(thumb_size=96)
    fm = QFontMetrics(d._font)
    by_folder: dict[str, dict[str, str]] = {}
    for p in SETS[which]:
        by_folder.setdefault(p.rpartition("/")[0], {})[p] = d.tile_name(p, 96)
    for folder, texts in by_folder.items():
        assert _same(texts) == [], (folder, [(ps, texts[ps[0]]) for ps in _same(texts)][:3])
        assert all(fm.horizontalAdvance(t) <= 96 for t in texts.values())


def test_what_is_kept_is_what_tells_them_apart(qapp):
    d = GridDelegate(thumb_size=96)
    # a repair output: the source's stem, not the repeated folder and marker
    shown = d.tile_name("repaired/img05.repaired.png", 96)
    assert "img05" in shown and not shown.startswith("repaired/"), shown
    assert "2" in d.tile_name("repaired/img05.repaired-2.png", 96)
    # a series' image: the patient's and the series' folders' ends and the number
    shown = d.tile_name("patient_B/series2/IM0123.dcm", 96)
    assert "B/" in shown and "2/" in shown and shown.rstrip(".dcm").endswith("0123"), shown
    # a camera dump: the serial whole
    assert "00123" in d.tile_name("DCIM/100CANON/DSC_00123.JPG", 96)
    # what fits stays whole
    assert d.tile_name("img05.png", 96) == "img05.png"
    assert d.tile_name("lot_01/0001.png", 160) == "lot_01/0001.png"


def test_a_cut_name_keeps_its_start_and_extension(qapp):
    """A name a little too long lost its extension with no sign of a cut ("CT_small_soft"
    read as a whole name) and a repair output read "…part_00.repai…": the stem's middle
    goes first now, the start and the extension stay, and a cut always shows."""
    d = GridDelegate(thumb_size=96)
    fm = QFontMetrics(d._font)
    for name in ("CT_small_soft.dcm", "MR_small_RLE.dcm", "line_scan_16bit.tif", "repaired/part_00.repaired.png"):
        shown = d.tile_name(name, 96)
        stem, _, ext = name.rpartition("/")[2].rpartition(".")
        assert fm.horizontalAdvance(shown) <= 96, shown
        assert shown.startswith(stem[:2]) and shown.endswith("." + ext), (name, shown)
        assert "…" in shown, (name, shown)
    assert d.tile_name("repaired/part_00.repaired.png", 96).startswith("part_00.r")
    # so small that the extension goes too: the cut still shows
    for name in ("IM0123.dcm", "CT_small_soft.dcm"):
        shown = d.tile_name(name, 40)
        assert "…" in shown and fm.horizontalAdvance(shown) <= 40, (name, shown)
