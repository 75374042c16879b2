"""A team's PostgreSQL whose relpath compares in glibc's en_US.UTF-8 (punctuation counts
last: "dir0" < "dir/a"): the folder range "dir/".."dir0" read none of a folder's files,
so a deleted file was never marked missing and every file counted as new again."""
from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest
import sqlalchemy as sa
from PIL import Image

from llmvis_desktop.core.project import Project

SOURCES = Path("/usr/share/i18n/locales/en_US")


@pytest.fixture(scope="module")
def en_us_server():
    """A private server that can use en_US.UTF-8 (compiled here with localedef: the
    machine may have no such locale installed)."""
    if shutil.which("localedef") is None or not SOURCES.exists():  # platform guard
        pytest.skip("no localedef or en_US locale sources on this machine")
    import os

    import pg

    work = Path(tempfile.mkdtemp(prefix="llmvis-test-coll-"))
    work.chmod(0o755)
    locales = work / "locales"
    locales.mkdir()
    subprocess.run(["localedef", "-i", "en_US", "-f", "UTF-8", str(locales / "en_US.UTF-8")], check=True,
                   capture_output=True)
    locales.chmod(0o755)
    old = os.environ.get("LOCPATH")
    os.environ["LOCPATH"] = str(locales)  # the server process inherits it
    try:
        server = pg.Server.start(work)
    finally:
        if old is None:
            os.environ.pop("LOCPATH", None)
        else:
            os.environ["LOCPATH"] = old
    yield server
    server.stop()
    shutil.rmtree(work, ignore_errors=True)


def test_a_folders_files_are_read_under_a_locale_collation(tmp_path, en_us_server):
    url = en_us_server.create_database()
    with sa.create_engine(url).begin() as c:
        c.execute(sa.text("CREATE COLLATION en (provider = libc, locale = 'en_US.UTF-8')"))
    root = tmp_path / "imgs"
    (root / "dir").mkdir(parents=True)
    for name in ("dir/a.png", "dir/b.png", "dir0.png"):
        Image.new("RGB", (4, 3)).save(root / name)
    with Project.open(root, url) as p:
        p.scan()
        with p.store.engine.begin() as c:
            c.execute(sa.text("ALTER TABLE images ALTER COLUMN relpath TYPE varchar COLLATE en"))
            order = c.execute(sa.text("SELECT relpath FROM images ORDER BY relpath")).scalars().all()
        assert order.index("dir0.png") < order.index("dir/a.png")  # the range's premise broken
        (root / "dir" / "b.png").unlink()
        res = p.scan()
        assert (res.added, res.missing) == (0, 1)
        assert p.image_by_path("dir/b.png").status == "missing"


def test_the_name_sort_is_bytewise_in_a_locale_database(tmp_path, en_us_server):
    """images.name_key is made for bytewise order; in a database whose default collation
    is en_US.UTF-8 (punctuation and control characters ignored at first) the Name sort
    would mix folders and names. The column is "C"-collated."""
    from urllib.parse import urlsplit

    from test_name_sort import NATURAL, _folder, _names

    url = en_us_server.create_database()
    name = urlsplit(url).path.lstrip("/")
    with en_us_server._admin() as conn:
        conn.execute(f'DROP DATABASE "{name}"')
        conn.execute(f"CREATE DATABASE \"{name}\" TEMPLATE template0 LC_COLLATE 'en_US.UTF-8' "
                     "LC_CTYPE 'en_US.UTF-8'")
    root = _folder(tmp_path / "n", NATURAL)
    with Project.open(root, url) as p:
        p.scan()
        with p.store.engine.begin() as c:
            assert c.execute(sa.text("SELECT datcollate FROM pg_database WHERE datname = current_database()"
                                     )).scalar() == "en_US.UTF-8"
        assert _names(p) == NATURAL
        assert _names(p, sort="name", descending=True) == NATURAL[::-1]
