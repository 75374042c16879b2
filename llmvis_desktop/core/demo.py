"""Build a demo project offline from data that ships with the dependencies.

Surfaces with painted-in defects (scikit-image's brick/grass/gravel textures when
scikit-image is installed, procedural textures otherwise), a fundus photograph,
DICOM slices bundled with pydicom (one without an extension), a 16-bit TIFF, one
broken file, and a starter defect taxonomy.
"""
from __future__ import annotations

import logging
import shutil
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

log = logging.getLogger(__name__)

TAXONOMY = [
    ("ok", "#4caf50", "no visible defect"),
    ("scratch", "#e53935", "thin straight or curved bright/dark line from abrasion"),
    ("crack", "#8e24aa", "jagged dark fracture line"),
    ("stain", "#fb8c00", "diffuse discoloured blotch"),
    ("pitting", "#1e88e5", "clusters of small dark pits"),
]
DEFECTS = ("ok", "scratch", "crack", "stain", "pitting")
MARKER = ".llmvis-demo-v1"


def _textures(rng: np.random.Generator) -> tuple[dict[str, np.ndarray], str]:
    try:
        from skimage import data

        return {n: getattr(data, n)() for n in ("brick", "grass", "gravel")}, "scikit-image"
    except Exception:  # scikit-image is optional: make textures of our own
        out = {}
        for name, scale in (("brushed", 4), ("granite", 16), ("mesh", 32)):
            noise = rng.normal(size=(512 // scale + 2, 512 // scale + 2))
            img = Image.fromarray(((noise - noise.min()) / np.ptp(noise) * 255).astype(np.uint8))
            img = img.resize((512, 512), Image.BICUBIC)
            arr = np.asarray(img, dtype=np.float32) + rng.normal(0, 12, (512, 512))
            out[name] = np.clip(arr, 0, 255).astype(np.uint8)
        return out, "procedural"


def paint_defect(tile: Image.Image, kind: str, rng: np.random.Generator) -> Image.Image:
    """Paint a defect of ``kind`` on a grayscale tile (returns a new image)."""
    img = tile.convert("L").copy()
    w, h = img.size
    draw = ImageDraw.Draw(img)
    if kind == "scratch":
        x0, y0 = rng.integers(0, w // 3), rng.integers(0, h)
        x1, y1 = rng.integers(2 * w // 3, w), rng.integers(0, h)
        draw.line([(x0, y0), (x1, y1)], fill=int(rng.integers(215, 256)), width=2)
    elif kind == "crack":
        x, y = float(rng.integers(0, w // 4)), float(rng.integers(h // 4, 3 * h // 4))
        points = [(x, y)]
        while x < w * 0.9:
            x += rng.uniform(6, 16)
            y = float(np.clip(y + rng.uniform(-9, 9), 0, h - 1))
            points.append((x, y))
        draw.line(points, fill=int(rng.integers(0, 30)), width=3)
    elif kind == "stain":
        blob = Image.new("L", (w, h), 0)
        cx, cy = rng.integers(w // 4, 3 * w // 4), rng.integers(h // 4, 3 * h // 4)
        r = int(rng.integers(w // 10, w // 5))
        ImageDraw.Draw(blob).ellipse([cx - r, cy - r * 0.7, cx + r, cy + r * 0.7], fill=150)
        blob = blob.filter(ImageFilter.GaussianBlur(r / 3))
        dark = Image.eval(img, lambda v: int(v * 0.45))
        img = Image.composite(dark, img, blob)
    elif kind == "pitting":
        cx, cy = rng.integers(w // 4, 3 * w // 4), rng.integers(h // 4, 3 * h // 4)
        for _ in range(int(rng.integers(15, 30))):
            px, py = cx + rng.normal(0, w / 12), cy + rng.normal(0, h / 12)
            r = rng.uniform(1.5, 3.5)
            draw.ellipse([px - r, py - r, px + r, py + r], fill=int(rng.integers(0, 40)))
    return img


def build_demo(dest: Path, *, seed: int = 7) -> Path:
    """Write the demo folder into ``dest`` (reused when already complete) and return it."""
    dest = Path(dest)
    if (dest / MARKER).exists():
        return dest
    if dest.exists():
        shutil.rmtree(dest)
    rng = np.random.default_rng(seed)
    textures, source = _textures(rng)
    for name, arr in textures.items():
        folder = dest / "surfaces" / name
        folder.mkdir(parents=True, exist_ok=True)
        base = Image.fromarray(arr).convert("L")
        n = 0
        for y in range(0, base.height, 256):
            for x in range(0, base.width, 256):
                tile = base.crop((x, y, x + 256, y + 256))
                for kind in DEFECTS:
                    out = paint_defect(tile, kind, rng)
                    ext = "jpg" if n % 3 == 0 else "png"
                    out.save(folder / f"{name}_{n:02d}_{kind}.{ext}", quality=92)
                    n += 1
    medical = dest / "medical"
    medical.mkdir(parents=True)
    try:
        from skimage import data

        Image.fromarray(data.retina()).resize((512, 512)).save(medical / "fundus.jpg", quality=92)
    except Exception:
        log.info("scikit-image not installed: the demo has no fundus photograph")
    try:
        from pydicom.data import get_testdata_file

        for name in ("CT_small.dcm", "MR_small.dcm"):
            src = get_testdata_file(name, download=False)
            if src:
                shutil.copy(src, medical / name)
        ct = get_testdata_file("CT_small.dcm", download=False)
        if ct:
            shutil.copy(ct, medical / "1.2.840.113619.2.55.3.604688119")
    except Exception as exc:  # pragma: no cover - pydicom is a dependency
        log.warning("pydicom test data unavailable: %s", exc)
    industrial = dest / "industrial"
    industrial.mkdir(parents=True)
    yy, xx = np.mgrid[0:384, 0:512]
    ramp = (xx / 511.0) * 0.6 + 0.2 + 0.05 * np.sin(yy / 9.0)
    arr16 = np.clip(ramp + rng.normal(0, 0.02, ramp.shape), 0, 1) * 61420
    arr16[180:190, 100:400] = 3000  # a dark seam
    import tifffile

    tifffile.imwrite(industrial / "line_scan_16bit.tif", arr16.astype(np.uint16))
    # "unreadable/" sorts after "industrial/", "medical/" and "surfaces/": the demo opens
    # on an image, not on the red card of its broken file ("broken/" sorted first)
    broken = dest / "unreadable"
    broken.mkdir()
    good = industrial / "tmp.jpg"
    Image.fromarray((ramp * 255).astype(np.uint8)).save(good, quality=90)
    (broken / "truncated.jpg").write_bytes(good.read_bytes()[:700])
    good.unlink()
    (dest / "README.txt").write_text(
        f"llmvis_desktop demo project. Surfaces from {source} textures with painted defects; "
        "DICOM from pydicom's bundled test data; one truncated JPEG on purpose.\n"
    )
    (dest / MARKER).write_text(source)
    return dest


def seed_taxonomy(project) -> None:
    """Add the starter taxonomy to a project that has no labels yet."""
    if project.labels():
        return
    for name, color, description in TAXONOMY:
        project.add_label(name, color, None, description)
