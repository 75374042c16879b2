"""Shared builders for the interchange tests: a small annotated project on disk."""
from __future__ import annotations

import argparse
import shutil
from pathlib import Path

import numpy as np
from PIL import Image

from llmvis_desktop import cli_interchange
from llmvis_desktop.core.interchange import ExportOptions, export_project
from llmvis_desktop.core.project import Project
from llmvis_desktop.core.store.records import NewSuggestion

PNGS = ["img0.png", "img1.png", "img2.png", "img3.png", "img4.png", "img5.png", "sub/img6.png"]
DICOM = "patients/DOE_JOHN_12345.dcm"


def ct_small() -> Path:
    from pydicom.data import get_testdata_file

    return Path(get_testdata_file("CT_small.dcm", download=False))


def make_files(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    for i, rel in enumerate(PNGS):
        p = folder / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        Image.fromarray(rng.integers(0, 255, (8 + i, 10, 3), dtype=np.uint8)).save(p)
    (folder / DICOM).parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(ct_small(), folder / DICOM)
    return folder


def copy_files(src: Path, dst: Path) -> Path:
    """A fresh folder with the same image files (no project database)."""
    shutil.copytree(src, dst, ignore=shutil.ignore_patterns(".llmvis"))
    return dst


def open_scanned(folder: Path, db_url=None) -> Project:
    p = Project.open(folder, db_url)
    p.scan()
    return p


def annotate(p: Project) -> dict[str, int]:
    ids = {r.relpath: r.id for r in p.images(p.image_ids())}
    for name in ("scratch", "dent", "rust/oxide", "ok"):
        p.add_label(name)
    p.set_caption(ids["img0.png"], "a scratch near the edge", "alice")
    p.set_labels(ids["img0.png"], ["scratch"], "alice")
    p.set_status(ids["img0.png"], "reviewed", "alice")
    p.set_labels(ids["img1.png"], ["dent", "rust/oxide"], "bob")
    p.set_status(ids["img1.png"], "reviewed", "bob")
    p.set_caption(ids["img2.png"], "caption, not yet reviewed", "carol")
    p.set_status(ids["img3.png"], "rejected", "bob")
    p.add_suggestions([
        NewSuggestion(ids["img4.png"], "caption", "a dent, maybe", "m1", 0.42, "r1", "describe"),
        NewSuggestion(ids["img4.png"], "label", "dent", "m1", 0.8, "r1", None),
        NewSuggestion(ids["img4.png"], "label", "scratch", "zs", 0.1, None, None),
    ])
    p.set_caption(ids["sub/img6.png"], 'Ünïcode "quoted", with; semicolons & <xml>\nsecond line', "alice")
    p.set_labels(ids["sub/img6.png"], ["scratch", "ok"], "alice")
    p.set_status(ids["sub/img6.png"], "reviewed", "alice")
    p.set_caption(ids[DICOM], "ct slice", "dora")
    p.set_labels(ids[DICOM], ["ok"], "dora")
    p.set_status(ids[DICOM], "reviewed", "dora")
    return ids


def state(p: Project) -> dict:
    """Everything an annotation round trip must keep, by relpath."""
    out = {}
    for r in p.images(p.image_ids()):
        sugg = sorted((s.kind, s.value, s.score, s.model_id, s.model_revision, s.prompt)
                      for s in p.suggestions(r.id, pending_only=True))
        out[r.relpath] = (r.caption, tuple(sorted(r.labels)), r.review_status, r.updated_by,
                          r.updated_at, tuple(sugg))
    return out


def db_fingerprint(p: Project) -> tuple:
    from sqlalchemy import func, select

    from llmvis_desktop.core.store import models as m

    with p.store.read() as s:
        return tuple(s.scalar(select(func.count()).select_from(t)) for t in
                     (m.Event, m.Suggestion, m.Label, m.ImageLabel)) + tuple(
            s.execute(select(m.Image.caption, m.Image.review_status).order_by(m.Image.id)).all())


def tree(path: Path) -> dict[str, bytes | None]:
    """Files under ``path``: text metadata by content, images by presence."""
    out = {}
    if path.is_file():
        return {path.name: path.read_bytes()}
    for f in sorted(path.rglob("*")):
        rel = f.relative_to(path).as_posix()
        if f.is_dir():
            out[rel + "/"] = None
        elif f.suffix in (".txt", ".jsonl", ".json", ".csv", ".xml"):
            out[rel] = f.read_bytes()
        else:
            out[rel] = b"<image>"
    return out


def run_cli(argv) -> int:
    """The export/import subcommands, driven through argparse as cli.py wires them."""
    parser = argparse.ArgumentParser(prog="llmvis")
    parser.add_argument("--db", default=None)
    sub = parser.add_subparsers(dest="command", required=True)
    cli_interchange.add_parsers(sub)
    args = parser.parse_args(argv)
    return args.func(args)


def export_all(root: Path, fmt: str, out: Path, **kw):
    """Export every image of the project at ``root`` to the train split."""
    with Project.open(root) as p:
        return export_project(p, fmt, out, ExportOptions(split=(1.0, 0.0, 0.0), **kw))


def written(out: Path) -> list[str]:
    """The files under ``out``, relative, sorted."""
    return sorted(f.relative_to(out).as_posix() for f in out.rglob("*") if f.is_file())
