"""DICOM in the viewer: what "As loaded" and a frame step show (a VOI LUT, per-frame
windows), and which window presets are offered."""
from __future__ import annotations

import copy

import numpy as np
import pydicom
import pytest
from pydicom.data import get_testdata_file
from pydicom.dataset import Dataset
from pydicom.sequence import Sequence
from pydicom.uid import ExplicitVRLittleEndian

from qthelpers import open_and_index

from llmvis_desktop.core.imaging.reader import ImageData, ImageMeta, read_header, read_image, to_display

GRAD = np.tile(np.linspace(0, 4000, 256).astype(np.uint16), (128, 1))


def _dicom(frames: np.ndarray, **tags) -> pydicom.Dataset:
    ds = copy.deepcopy(pydicom.dcmread(get_testdata_file("CT_small.dcm", download=False)))
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds.Rows, ds.Columns = frames.shape[-2:]
    ds.NumberOfFrames = frames.shape[0]
    ds.PhotometricInterpretation, ds.PixelRepresentation = "MONOCHROME2", 0
    ds.BitsAllocated, ds.BitsStored, ds.HighBit = 16, 16, 15
    ds.RescaleSlope, ds.RescaleIntercept = 1, 0
    for key in ("WindowCenter", "WindowWidth"):
        if key in ds:
            del ds[key]
    for key, value in tags.items():
        setattr(ds, key, value)
    ds.PixelData = frames.astype(np.uint16).tobytes()
    return ds


def write_voi_lut(path) -> None:
    """3 gradient frames shown through a square-root VOI LUT (no window tags)."""
    ds = _dicom(np.stack([GRAD] * 3), BitsStored=12, HighBit=11)
    lut = Dataset()
    lut.LUTDescriptor = [4096, 0, 16]
    lut.LUTData = (65535 * np.sqrt(np.arange(4096) / 4095.0)).astype(np.uint16).tolist()
    lut["LUTData"].VR = "US"
    ds.VOILUTSequence = Sequence([lut])
    ds.save_as(path, enforce_file_format=False)


def write_per_frame_windows(path) -> None:
    """An Enhanced-style multi-frame: frame k at level 0/1000/3000, each with its own window."""
    ds = _dicom(np.stack([GRAD // 4, GRAD // 4 + 1000, GRAD // 4 + 3000]))
    groups = []
    for center in (500, 1500, 3500):
        voi = Dataset()
        voi.WindowCenter, voi.WindowWidth = center, 1000
        group = Dataset()
        group.FrameVOILUTSequence = Sequence([voi])
        groups.append(group)
    ds.PerFrameFunctionalGroupsSequence = Sequence(groups)
    ds.save_as(path, enforce_file_format=False)


def _open(qtbot, window, tmp_path, write):
    folder = tmp_path / "series"
    folder.mkdir()
    path = folder / "img.dcm"
    write(path)
    open_and_index(qtbot, window, folder)
    viewer = window.viewer
    qtbot.waitUntil(lambda: viewer.mode() == "image", timeout=10000)
    return viewer, path


def _step(qtbot, window, to: int) -> None:
    window.viewer.step_frame(to - window.viewer.frames()[0])
    qtbot.waitUntil(lambda: window.viewer.frames()[0] == to, timeout=10000)


def _as_loaded(viewer) -> None:
    i = viewer.preset_combo.findText("As loaded")
    viewer.preset_combo.setCurrentIndex(i)
    viewer.preset_combo.activated.emit(i)


def test_a_voi_lut_image_keeps_its_look_as_loaded_and_through_frames(qtbot, window, tmp_path, shots_dir):
    """"As loaded" and "]" showed a linear window (the LUT's rough span) instead of the LUT,
    and the LUT look could not be brought back."""
    viewer, path = _open(qtbot, window, tmp_path, write_voi_lut)
    lut = read_image(path).display
    assert lut[64, 128] > 170  # a square root: mid-gray input shows bright (a ramp: 127)
    assert np.array_equal(viewer.current_display(), lut)
    _as_loaded(viewer)
    assert np.array_equal(viewer.current_display(), lut)
    _step(qtbot, window, 1)
    assert viewer.preset_combo.currentText() == "As loaded"
    assert np.array_equal(viewer.current_display(), read_image(path, frame=1).display)
    viewer.grab().save(str(shots_dir / "dicom_voi_lut_frame2.png"))
    # a window the reviewer sets is kept through the steps, and "As loaded" brings the LUT back
    viewer.set_window(1000.0, 500.0)
    _step(qtbot, window, 2)
    assert viewer.window() == (1000.0, 500.0) and viewer.preset_combo.currentText() == "Custom"
    assert np.array_equal(viewer.current_display(), to_display(viewer._pixels, (1000.0, 500.0)))
    _as_loaded(viewer)
    assert np.array_equal(viewer.current_display(), read_image(path, frame=2).display)


def test_per_frame_windows_show_each_frame_through_its_own(qtbot, window, tmp_path, shots_dir):
    """Frames 2 and 3 went white (frame 1's window forced on them) and "As loaded" gave
    frame 1's window."""
    viewer, path = _open(qtbot, window, tmp_path, write_per_frame_windows)
    assert viewer.window() == (500.0, 1000.0)
    _step(qtbot, window, 1)
    assert viewer.window() == (1500.0, 1000.0)
    own = read_image(path, frame=1).display
    assert np.array_equal(viewer.current_display(), own) and 0 < own.mean() < 255
    viewer.grab().save(str(shots_dir / "dicom_per_frame_window_frame2.png"))
    # the reviewer's window stays through a step; "As loaded" is the shown frame's own
    viewer.set_window(2000.0, 4000.0)
    _step(qtbot, window, 2)
    assert viewer.window() == (2000.0, 4000.0)
    _as_loaded(viewer)
    assert viewer.window() == (3500.0, 1000.0)
    assert np.array_equal(viewer.current_display(), read_image(path, frame=2).display)
    # back to "As loaded", a step shows the next frame through its own window again
    _step(qtbot, window, 1)
    assert viewer.window() == (1500.0, 1000.0)


def test_untagged_frames_as_loaded_share_the_first_frames_window(qtbot, window, tmp_path):
    """A file without any window: its frames are shown alike (each stretched to its own
    range flickered), as the first one was loaded."""
    def write(path):
        _dicom(np.stack([GRAD // 4, GRAD // 2])).save_as(path, enforce_file_format=False)

    viewer, path = _open(qtbot, window, tmp_path, write)
    first = viewer.window()
    _step(qtbot, window, 1)
    assert viewer.window() == first and viewer.preset_combo.currentText() == "As loaded"
    assert np.array_equal(viewer.current_display(), to_display(viewer._pixels, first))


# ------------------------------------------------------------------ CT presets


def _presets(viewer) -> list[str]:
    return [viewer.preset_combo.itemText(i) for i in range(viewer.preset_combo.count())]


@pytest.mark.parametrize("source, ct", [("CT_small.dcm", True), ("MR_small.dcm", False), ("rtdose.dcm", False)])
def test_ct_presets_are_offered_for_ct_only(qtbot, source, ct):
    """CT presets (HU) were offered for every DICOM: MR, RT dose..."""
    from llmvis_desktop.qt.widgets.viewer import ImageViewer

    viewer = ImageViewer()
    qtbot.addWidget(viewer)
    viewer.show_image(read_image(get_testdata_file(source, download=False)))
    assert viewer.window_enabled()
    assert any(name.startswith("CT ") for name in _presets(viewer)) == ct


def test_ct_presets_need_hounsfield_units(qtbot):
    from llmvis_desktop.qt.widgets.viewer import ImageViewer

    viewer = ImageViewer()
    qtbot.addWidget(viewer)
    px = np.arange(64 * 64, dtype=np.int16).reshape(64, 64) - 1000
    for rescale_type, ct in (("", True), ("HU", True), ("US", False)):
        meta = ImageMeta(64, 64, "DICOM", 16, 1, 1, "MONOCHROME2", modality="CT", rescale_type=rescale_type)
        viewer.show_image(ImageData(px, to_display(px, (0.0, 4096.0)), meta, (0.0, 4096.0), 0))
        assert any(name.startswith("CT ") for name in _presets(viewer)) == ct, rescale_type


def test_the_header_says_modality_and_rescale_type():
    ct = read_header(get_testdata_file("CT_small.dcm", download=False))
    mr = read_header(get_testdata_file("MR_small.dcm", download=False))
    assert (ct.modality, mr.modality) == ("CT", "MR")
