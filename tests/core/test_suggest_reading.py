"""Reading images for the models: the reader thread and the reader processes agree,
a crashing decoder costs only its file, and a process pool that cannot start falls
back to reading in-process."""
from __future__ import annotations

from concurrent.futures import Future
from concurrent.futures.process import BrokenProcessPool

import numpy as np
import pytest
from PIL import Image

from llmvis_desktop.core.suggest import reading
from llmvis_desktop.core.suggest.reading import CRASH_ENV, CRASHED, ProcessReader, ThreadReader
from llmvis_desktop.core.suggest.resize import exact_size


@pytest.fixture
def files(tmp_path):
    rng = np.random.default_rng(0)
    paths = {}
    paths["rgb"] = tmp_path / "rgb.png"
    Image.fromarray(rng.integers(0, 255, (40, 60, 3), dtype=np.uint8)).save(paths["rgb"])
    paths["gray16"] = tmp_path / "gray16.png"
    Image.fromarray(rng.integers(0, 60000, (30, 50), dtype=np.uint16)).save(paths["gray16"])
    paths["photo"] = tmp_path / "photo.jpg"  # 4000x3000: decoded at 1/8 for a 256-px model
    Image.fromarray(rng.integers(0, 255, (3000, 4000, 3), dtype=np.uint8)).save(paths["photo"], quality=80)
    paths["broken"] = tmp_path / "broken.png"
    paths["broken"].write_bytes(b"\x89PNG\r\n\x1a\n not really")
    return {k: str(v) for k, v in paths.items()}


def _read(reader, paths, draft_side=256):
    args = (None, 1024, draft_side)
    return reader.result(reader.submit(paths, *args), paths, *args)


def test_helper_processes_read_exactly_what_the_thread_reads(files):
    paths = list(files.values())
    thread = ThreadReader()
    helpers = ProcessReader(2)
    try:
        by_thread = _read(thread, paths)
        by_helpers = _read(helpers, paths)
    finally:
        thread.close()
        helpers.shutdown()
    assert [err for _, err in by_helpers] == [err for _, err in by_thread]
    assert by_thread[3][0] is None and "broken.png" in by_thread[3][1]  # names the file
    for (a, _), (b, _) in zip(by_thread[:3], by_helpers[:3]):
        assert a.mode == b.mode == "RGB" and a.size == b.size
        assert np.array_equal(np.asarray(a), np.asarray(b))
    assert by_helpers[2][0].size == (500, 375)  # the JPEG decoded at 1/8, not 4000x3000


def test_a_crashing_decoder_costs_only_its_file(files, tmp_path, monkeypatch):
    crash = tmp_path / "crashme.png"
    Image.new("RGB", (8, 8)).save(crash)
    monkeypatch.setenv(CRASH_ENV, "crashme")  # inherited by the helpers when they start
    helpers = ProcessReader(1)
    try:
        got = _read(helpers, [files["rgb"], str(crash), files["gray16"]])
        assert [err for _, err in got] == [None, CRASHED, None]
        assert got[0][0].size == (60, 40) and got[2][0].size == (50, 30)
        assert helpers.restarts >= 2  # the batch's pool, then the one the file broke alone
        assert helpers.unusable is None
        again = _read(helpers, [files["rgb"]])  # the reader goes on with fresh helpers
        assert again[0][1] is None
    finally:
        helpers.shutdown()


class _NeverStarts:
    """A process pool whose helpers die at start (a main module without a __main__ guard)."""

    def submit(self, fn, *args, **kwargs):
        fut = Future()
        fut.set_exception(BrokenProcessPool("a child process terminated abruptly"))
        return fut

    def shutdown(self, wait=True, cancel_futures=False):
        pass


def test_helpers_that_cannot_start_fall_back_to_reading_in_process(files, monkeypatch):
    helpers = ProcessReader(2)
    monkeypatch.setattr(helpers, "_executor", lambda: _NeverStarts())
    got = _read(helpers, [files["rgb"], files["broken"]])
    assert got[0][1] is None and got[0][0].size == (60, 40) and "broken.png" in got[1][1]
    assert helpers.unusable and any("reading images in this process" in m for m in helpers.messages)
    assert _read(helpers, [files["gray16"]])[0][0].size == (50, 30)  # and keeps doing so


def test_reader_processes_by_default():
    assert reading.auto_processes(1) == 0  # one core: a thread
    assert [reading.auto_processes(n) for n in (2, 4, 16, 32, 128)] == [2, 2, 4, 8, 8]


def test_no_processes_at_all_reads_in_process(files, monkeypatch):
    helpers = ProcessReader(2)

    def cannot(*a, **k):
        raise OSError(38, "Function not implemented")  # e.g. no /dev/shm for the pool's semaphores

    monkeypatch.setattr(helpers, "_executor", cannot)
    helpers.start()
    got = _read(helpers, [files["rgb"]])
    assert got[0][1] is None and got[0][0].size == (60, 40)
    assert "Function not implemented" in helpers.unusable and len(helpers.messages) == 1


def test_images_much_larger_than_the_model_takes_are_shrunk_faithfully(tmp_path):
    """A 600x400 photo for a 32-px model is resized to 1/6 in the reader (both sides still
    at least 64), and the model's 32x32 input barely differs from resizing the full image."""
    from skimage import data as sd

    path = tmp_path / "coffee.png"
    Image.fromarray(sd.coffee()).save(path)  # 600x400
    full = reading.model_image(str(path))
    small = reading.model_image(str(path), draft_side=32)
    assert full.size == (600, 400) and small.size == (100, 67)
    assert reading.model_image(str(path), draft_side=224).size == (600, 400)  # 400 < 2 x 224: as is
    a = np.asarray(full.resize((32, 32), Image.BICUBIC), dtype=float)
    b = np.asarray(small.resize((32, 32), Image.BICUBIC), dtype=float)
    assert np.abs(a - b).mean() < 0.5 and np.abs(a - b).max() <= 8


def test_readers_report_the_cpu_time_of_each_batch(files):
    paths = [files["rgb"], files["photo"]]
    args = (None, 1024, 256)
    for reader in (ThreadReader(), ProcessReader(1)):
        try:
            fut = reader.submit(paths, *args)
            assert reading.read_cpu(fut) is None  # not known before the result is taken
            got = reader.result(fut, paths, *args)
            assert [im is not None for im, _ in got] == [True, True]
            # decoding a 12-megapixel JPEG, even at 1/8, takes measurable CPU time
            assert 0 < reading.read_cpu(fut) < 30
        finally:
            reader.close()
            getattr(reader, "shutdown", lambda: None)()


def test_exact_size_follows_the_processors_rules():
    fixed, short = ("size", 32, 24, 3), ("shortest", 32, 0, 3)
    assert exact_size(fixed, (320, 240)) == (32, 24)
    assert exact_size(short, (320, 240)) == (42, 32)  # 32 * 320 / 240 = 42.67, rounded down
    assert exact_size(short, (240, 320)) == (32, 42)
    assert exact_size(short, (100, 100)) == (32, 32)
    assert exact_size(fixed, (30, 300)) is None  # would widen it: the processor does that
    assert exact_size(short, (20, 300)) is None


@pytest.fixture
def kinds(tmp_path):
    """One file of each kind the model may be given, plain 8-bit or not."""
    import imagegen

    rng = np.random.default_rng(3)
    rgb = rng.integers(0, 255, (45, 70, 3), dtype=np.uint8)
    out = {k: str(v) for k, v in imagegen.write_samples(tmp_path / "samples").items()}
    for name, im in {"rgb.png": Image.fromarray(rgb), "gray.png": Image.fromarray(rgb[:, :, 0]),
                     "palette.png": Image.fromarray(rgb).quantize(16),
                     "la.png": Image.fromarray(rgb[:, :, :2].copy(), "LA"),
                     "bilevel.png": Image.fromarray(rgb[:, :, 0] > 128),
                     "gray16.png": Image.fromarray(rgb[:, :, 0].astype(np.uint16) * 250),
                     "photo.jpg": Image.fromarray(rgb), "cmyk.jpg": Image.fromarray(rgb).convert("CMYK")}.items():
        im.save(tmp_path / name)
        out[name] = str(tmp_path / name)
    clear = Image.fromarray(rgb).quantize(16)
    clear.info["transparency"] = 0  # a palette entry shown as transparent: composited on white
    clear.save(tmp_path / "palette_clear.png")
    out["palette_clear.png"] = str(tmp_path / "palette_clear.png")
    png6 = Image.fromarray(rgb)  # a PNG with an EXIF orientation (eXIf chunk)
    exif = Image.Exif()
    exif[0x0112] = 6
    png6.save(tmp_path / "exif6.png", exif=exif.tobytes())
    out["exif6.png"] = str(tmp_path / "exif6.png")
    Image.fromarray(rgb).save(tmp_path / "mpo.jpg", "MPO", save_all=True, append_images=[Image.fromarray(rgb[::-1])])
    out["mpo.jpg"] = str(tmp_path / "mpo.jpg")
    return out


def test_model_images_are_the_display_rendering_bit_for_bit(kinds):
    """model_image hands a plain 8-bit file on as Pillow decoded it: the same pixels as the
    display rendering through numpy, for every kind of file, oriented, shrunk or resized."""
    from llmvis_desktop.core.imaging.reader import read_display_image, read_image

    for name, path in kinds.items():
        for side, draft, resize in ((1024, None, None), (1024, 32, ("size", 32, 24, 3)), (1024, 16, None),
                                    (1024, 8, ("shortest", 8, 0, 2)), (24, None, None)):
            data = read_image(path, draft_side=min(draft or side, side))
            want = Image.fromarray(data.display)
            got = read_display_image(path, draft_side=min(draft or side, side))
            assert got.mode == want.mode and np.array_equal(np.asarray(got), np.asarray(want)), name
            want = want.convert("RGB")
            if resize and exact_size(resize, want.size):
                want = want.resize(exact_size(resize, want.size), resize[3])
            elif draft and min(want.size) // (2 * draft) >= 2:
                k = min(want.size) // (2 * draft)
                want = want.resize((round(want.width / k), round(want.height / k)), Image.BICUBIC, reducing_gap=2.0)
            if max(want.size) > side and not resize:
                want.thumbnail((side, side))  # (on an image of its own: Pillow's draft() cannot apply)
            got = reading.model_image(path, None, side, draft, resize)
            assert got.mode == "RGB" and np.array_equal(np.asarray(got), np.asarray(want)), (name, side, draft, resize)
    assert read_display_image(kinds["exif6.png"]).size == (45, 70)  # turned
    assert read_display_image(kinds["jpeg_exif6"]).size == read_image(kinds["jpeg_exif6"]).display.shape[1::-1]


def test_plain_files_skip_the_trip_through_numpy(kinds, monkeypatch):
    """A plain 8-bit file (RGB, gray, palette without transparency, EXIF-turned) never
    becomes an array on its way to the model; the size limit still holds."""
    from llmvis_desktop.core.imaging import ImageReadError
    from llmvis_desktop.core.imaging import reader as imaging_reader

    def no_arrays(im):
        raise AssertionError("went through numpy")

    monkeypatch.setattr(imaging_reader, "_pil_pixels", no_arrays)
    for name in ("rgb.png", "gray.png", "palette.png", "photo.jpg", "exif6.png", "jpeg_exif6", "bmp", "mpo.jpg"):
        assert reading.model_image(kinds[name], None, 1024, 32, ("size", 16, 12, 3)).size == (16, 12), name
    with pytest.raises(AssertionError, match="numpy"):  # an alpha channel is composited on white, in numpy
        reading.model_image(kinds["la.png"])
    with pytest.raises(ImageReadError, match="too large"):
        reading.model_image(kinds["rgb.png"], max_pixels=45 * 70 - 1)


def test_a_job_starting_on_running_helpers_sends_them_nothing():
    """The helpers stay for the session: only the start that creates them warms them up
    (a task per helper at every job's start was hand-offs the job waited on)."""
    helpers = ProcessReader(2)
    try:
        helpers.start()
        pool = helpers._executor()
        sent = []
        real = pool.submit

        def spy(fn, *a, **k):
            sent.append(fn.__name__)
            return real(fn, *a, **k)

        pool.submit = spy
        helpers.start()  # the next job
        assert sent == []
        helpers._restart(pool)  # a helper died: the next start makes and warms a new pool
        helpers.start()
        assert helpers._pool is not pool
    finally:
        helpers.shutdown()
