"""Core tests run without Qt; every test gets its own config/data/cache dirs."""
import os

import pytest


@pytest.fixture(autouse=True)
def _isolated_dirs(tmp_path_factory):
    """A patcher of its own, not the test's ``monkeypatch``: a test's ``monkeypatch.undo()``
    undid these too, and what it wrote after went to the real user's folders."""
    base = tmp_path_factory.mktemp("llmvis_dirs")
    with pytest.MonkeyPatch.context() as mp:
        for kind in ("CONFIG", "DATA", "CACHE", "LOG"):
            mp.setenv(f"LLMVIS_{kind}_DIR", str(base / kind.lower()))
        yield


@pytest.fixture
def proj(tmp_path):
    """The interchange tests' project (interchange_helpers): its files indexed and annotated
    (a module may define its own ``proj``)."""
    from interchange_helpers import annotate, make_files, open_scanned

    p = open_scanned(make_files(tmp_path / "imgs"))
    annotate(p)
    yield p
    p.close()


@pytest.fixture
def png_folder(tmp_path):
    """A small folder tree of valid PNGs: 3 at the top, 2 in sub/, 1 in a hidden dir."""
    from PIL import Image

    root = tmp_path / "images"
    (root / "sub").mkdir(parents=True)
    (root / ".hidden").mkdir()
    for i in range(3):
        Image.new("RGB", (16 + i, 12), (i * 40, 10, 10)).save(root / f"img{i}.png")
    for i in range(2):
        Image.new("L", (8, 8), i * 100).save(root / "sub" / f"s{i}.png")
    Image.new("L", (8, 8)).save(root / ".hidden" / "x.png")
    (root / "notes.txt").write_text("not an image")
    return root


def pytest_configure(config):
    os.environ.setdefault("HF_HUB_OFFLINE", "1")


# pg_server and pg_url: tests/conftest.py (one server for the core and Qt tests)


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request):
    """Run the test on both databases a team can use: None (the folder's own SQLite
    file) and a fresh PostgreSQL database."""
    return None if request.param == "sqlite" else request.getfixturevalue("pg_url")


@pytest.fixture
def project(png_folder, db_url):
    """A scanned project with the labels scratch and dent, on SQLite and on PostgreSQL
    (``db_url``); a test module may define a ``project`` of its own."""
    from llmvis_desktop.core.project import Project

    with Project.open(png_folder, db_url) as p:
        p.scan()
        for name in ("scratch", "dent"):
            p.add_label(name)
        yield p


@pytest.fixture
def learned(tmp_path):
    """(project, rows): 8 generated tiles of each of the kinds ok, scratch and crack, 5
    of each reviewed by alice (the learned suggester's tests)."""
    from defectgen import review_first, write_folder

    from llmvis_desktop.core.project import Project

    kinds = ("ok", "scratch", "crack")
    rows = write_folder(tmp_path / "tiles", 8, size=64, kinds=kinds)
    with Project.open(tmp_path / "tiles") as p:
        p.index()
        for k in kinds:
            p.add_label(k)
        review_first(p, rows, 5, actor="alice")
        yield p, rows


@pytest.fixture
def labeled_pngs(tmp_path):
    """A maker: ``labeled_pngs(n)`` is (project, folder, image ids by name) over n 8x8
    PNGs i0.png... of different reds, indexed, with the labels scratch and dent (the
    evaluate rule tests); the projects are closed after the test."""
    from PIL import Image

    from llmvis_desktop.core.project import Project

    opened = []

    def make(n: int):
        root = tmp_path / "imgs"
        root.mkdir()
        for k in range(n):
            Image.new("RGB", (8, 8), (k * 60 + 10, 0, 0)).save(root / f"i{k}.png")
        p = Project.open(root)
        opened.append(p)
        p.index()
        p.add_labels(["scratch", "dent"])
        return p, root, p.image_ids(sort="name")

    yield make
    for p in opened:
        p.close()


@pytest.fixture
def pg_team(png_folder, pg_url, monkeypatch):
    """(alice's project, carol's project) on one PostgreSQL database, each session named
    after its person; labels scratch and dent."""
    from llmvis_desktop.core.project import Project
    from llmvis_desktop.core.store import engine as eng

    monkeypatch.setattr(eng, "_who", lambda: "alice")
    alice = Project.open(png_folder, pg_url)
    monkeypatch.setattr(eng, "_who", lambda: "carol")
    carol = Project.open(png_folder, pg_url)
    try:
        alice.scan()
        for name in ("scratch", "dent"):
            alice.add_label(name)
        yield alice, carol
    finally:
        alice.close()
        carol.close()


@pytest.fixture
def small(tmp_path):
    """Four blank images and labels a, b on SQLite: (project, {name: image id})."""
    from PIL import Image

    from llmvis_desktop.core.project import Project

    root = tmp_path / "small"
    root.mkdir()
    for i in range(1, 5):
        Image.new("L", (8, 8), i * 30).save(root / f"img{i}.png")
    p = Project.open(root)
    p.index()
    for name in ("a", "b"):
        p.add_label(name)
    yield p, {r.name: r.id for r in p.images(p.image_ids())}
    p.close()


@pytest.fixture(scope="session")
def tiny(tmp_path_factory):
    """The tiny random models (BLIP, CLIP, LLaVA-style...), built once for the session."""
    import tiny_models

    return tiny_models.session_models(tmp_path_factory)


@pytest.fixture(scope="module")
def worker():
    """A model thread shared by a module's tests (models stay loaded between them)."""
    from llmvis_desktop.core.suggest.worker import ModelWorker

    w = ModelWorker()
    yield w
    w.shutdown()


@pytest.fixture
def read_only():
    """:func:`readonly_helpers.make_read_only`, for tests to call on the folder they choose."""
    from readonly_helpers import make_read_only

    return make_read_only
