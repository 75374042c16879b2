"""A 16-bit colour PNG (RGB or RGBA, as microscopes and slide scanners write them) is
read at its full depth, as a 16-bit RGB TIFF is: Pillow decodes such a PNG at 8 bits,
so the index called it 8-bit and a repair wrote an 8-bit copy, every pixel rounded,
not only those under the mask."""
import cv2
import numpy as np
from PIL import Image

from llmvis_desktop.core.imaging.reader import read_display_image, read_header, read_image
from llmvis_desktop.core.repair.apply import repair_file


def _rgb16(h=48, w=64, alpha=False) -> np.ndarray:
    y, x = np.mgrid[0:h, 0:w]
    planes = [(x * 1000 + 7).astype(np.uint16), (y * 1300 + 3).astype(np.uint16),
              np.full((h, w), 40001, np.uint16)]
    if alpha:
        planes.append(np.full((h, w), 65535, np.uint16))
    return np.dstack(planes)


def _write(path, rgb: np.ndarray) -> None:
    bgr = rgb[..., [2, 1, 0, 3]] if rgb.shape[2] == 4 else rgb[..., ::-1]
    assert cv2.imwrite(str(path), bgr)


def test_a_16_bit_rgb_png_is_read_at_full_depth(tmp_path):
    for alpha in (False, True):
        src = _rgb16(alpha=alpha)
        path = tmp_path / f"scan{int(alpha)}.png"
        _write(path, src)
        meta = read_header(path)
        assert (meta.bit_depth, meta.channels, meta.width, meta.height) == (16, src.shape[2], 64, 48)
        data = read_image(path)
        assert data.pixels.dtype == np.uint16 and data.meta.bit_depth == 16
        assert np.array_equal(data.pixels, src)
        assert data.display.dtype == np.uint8 and data.display.shape[:2] == (48, 64)
        shown = read_display_image(path)  # thumbnails and model input: the same rendering
        assert np.array_equal(np.asarray(shown), data.display)


def test_a_16_bit_rgb_png_turned_by_its_exif_is_shown_upright(tmp_path):
    src = _rgb16()
    path = tmp_path / "turned.png"
    _write(path, src)
    exif = Image.Exif()
    exif[0x0112] = 6  # turned a quarter clockwise when shown
    with Image.open(path) as im:
        eight = np.asarray(im)
    ref = tmp_path / "ref.png"
    Image.fromarray(eight).save(ref, exif=exif)
    # the same eXIf chunk in the 16-bit file, before its IDAT
    chunk = Image.open(ref).info["exif"]
    import struct
    import zlib

    raw = path.read_bytes()
    at = raw.index(b"IDAT") - 4
    body = b"eXIf" + chunk
    raw = raw[:at] + struct.pack(">I", len(chunk)) + body + struct.pack(">I", zlib.crc32(body)) + raw[at:]
    path.write_bytes(raw)
    meta = read_header(path)
    assert (meta.width, meta.height, meta.bit_depth) == (48, 64, 16)
    data = read_image(path)
    expect = np.asarray(Image.open(ref).transpose(Image.Transpose.ROTATE_270))
    assert data.pixels.shape == (64, 48, 3)
    assert np.array_equal((data.pixels >> 8).astype(np.uint8), expect)


def test_a_16_bit_rgb_png_repair_keeps_its_depth(tmp_path):
    src = _rgb16()
    path = tmp_path / "scan.png"
    _write(path, src)
    mask = np.zeros(src.shape[:2], bool)
    mask[20:26, 30:38] = True
    res = repair_file(path, mask, method="telea", dilate_px=0)
    out = read_image(res.output_path)
    assert out.pixels.dtype == np.uint16, res.output_path
    assert np.array_equal(out.pixels[~mask], src[~mask])  # outside the mask, every value as it was


def _gray_alpha16(path, h=40, w=56) -> np.ndarray:
    """A 16-bit gray+alpha PNG (colour type 4), written chunk by chunk: neither Pillow nor
    OpenCV writes one. Returns its HxWx2 samples."""
    import struct
    import zlib

    y, x = np.mgrid[0:h, 0:w]
    gray = (x * 1100 + y * 7 + 1).astype(np.uint16)  # low bytes differ: 8 bits lose them
    alpha = np.full((h, w), 65535, np.uint16)
    alpha[:, :5] = 0
    samples = np.dstack([gray, alpha])
    raw = b"".join(b"\x00" + samples[row].astype(">u2").tobytes() for row in range(h))

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 16, 4, 0, 0, 0))
                     + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))
    return samples


def test_a_16_bit_gray_alpha_png_is_read_at_full_depth(tmp_path):
    """Pillow opens a 16-bit gray+alpha PNG as 8-bit "RGBA" (each sample's high byte): the
    index called it 8-bit RGBA, the window/level worked on 256 levels, a repair wrote an
    8-bit RGBA copy. It is read as 16-bit gray+alpha, as a 16-bit gray PNG is kept."""
    path = tmp_path / "xray.png"
    src = _gray_alpha16(path)
    meta = read_header(path)
    assert (meta.bit_depth, meta.channels, meta.width, meta.height) == (16, 2, 56, 40), meta
    data = read_image(path)
    assert data.pixels.dtype == np.uint16 and data.meta.bit_depth == 16 and data.meta.channels == 2
    assert np.array_equal(data.pixels, src)
    assert data.display.dtype == np.uint8 and data.display.shape == (40, 56)
    shown = read_display_image(path)
    assert np.array_equal(np.asarray(shown), data.display)


def test_a_16_bit_gray_alpha_png_repair_keeps_its_depth_and_shape(tmp_path):
    """Its repair is a 16-bit gray+alpha TIFF (one page), as a 16-bit colour PNG's is a
    16-bit TIFF: an HxWx2 array written as plain gray made a TIFF of H pages of Wx2."""
    path = tmp_path / "xray.png"
    src = _gray_alpha16(path)
    mask = np.zeros(src.shape[:2], bool)
    mask[10:16, 20:28] = True
    res = repair_file(path, mask, method="telea", dilate_px=0)
    out = read_image(res.output_path)
    assert out.meta.frames == 1 and (out.meta.bit_depth, out.meta.channels) == (16, 2), out.meta
    assert out.pixels.shape == src.shape and out.pixels.dtype == np.uint16
    assert np.array_equal(out.pixels[~mask], src[~mask])


def test_a_damaged_16_bit_png_is_named_with_its_reason_and_nothing_on_stderr(tmp_path, capfd):
    """OpenCV (which decodes 16-bit colour PNGs) printed ``[ WARN:0@0.03] global
    grfmt_png.cpp:793 ... PNG input buffer is incomplete`` and ``libpng error: bad adaptive
    filter value`` on stderr for a damaged file, between the CLI's progress and its own
    one-line warning. Such a file is refused before OpenCV sees it: the reason, naming
    the file, is the only word of it."""
    from llmvis_desktop.core.imaging import ImageReadError

    good = tmp_path / "good.png"
    _write(good, _rgb16(alpha=True))
    raw = good.read_bytes()
    half = len(raw) // 2
    damaged = {
        "zeroed.png": raw[:half] + b"\0" * 200 + raw[half + 200:],  # a disk error's block of zeros
        "cut_iend.png": raw[:half] + raw[-12:],  # cut short, an IEND after it (a resumed copy)
    }
    for name, data in damaged.items():
        (tmp_path / name).write_bytes(data)
    capfd.readouterr()
    for name in damaged:
        try:
            read_image(tmp_path / name)
        except ImageReadError as exc:
            assert name in str(exc) and "corrupt" in exc.reason, exc.reason
        else:
            raise AssertionError(name)
    out, err = capfd.readouterr()
    assert err == "" and out == "", err
    assert np.array_equal(read_image(good).pixels, _rgb16(alpha=True))  # a sound one still reads


def test_a_16_bit_colour_png_s_thumbnail_is_the_viewer_s_rendering(tmp_path):
    """The grid's thumbnail of a 16-bit colour or gray+alpha PNG was Pillow's 8-bit
    decode (each sample's high byte, unwindowed): a 12-bit camera's image (values up to
    4,000 of 65,535) was a black tile while the viewer and the models saw it stretched."""
    from llmvis_desktop.core.imaging.thumbs import make_thumbnail

    y, x = np.mgrid[0:48, 0:64]
    dim = np.dstack([x * 60, y * 80, np.full((48, 64), 2000)]).astype(np.uint16)
    _write(tmp_path / "dim.png", dim)
    _gray_alpha16(tmp_path / "xray.png")
    for name in ("dim.png", "xray.png"):
        expect = read_display_image(tmp_path / name)
        expect.thumbnail((32, 32))
        thumb = make_thumbnail(tmp_path / name, 32)
        assert thumb.size == expect.size and thumb.mode == expect.mode, (name, thumb.mode, expect.mode)
        assert np.array_equal(np.asarray(thumb), np.asarray(expect)), name
