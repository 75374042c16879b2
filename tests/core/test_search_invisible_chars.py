"""Search did not ignore the characters that show nothing: a caption pasted from a PDF
with a soft hyphen ("inspec\\u00adtion") was not found by "inspection", nor a name with a
zero-width space, joiner or a BOM. They are dropped on both sides now (the query, and the
stored folded copies on SQLite / the column in SQL on PostgreSQL), and a database whose
copies were folded before that is re-folded once at open (store/refold.py ``RULES``)."""
from __future__ import annotations

import json

from PIL import Image
from sqlalchemy import text

from llmvis_desktop.core.project import Project
from llmvis_desktop.core.store import refold
from llmvis_desktop.core.store.fold import fold
from llmvis_desktop.core.store.records import ImageFilter

SHY, ZWSP, ZWJ, BOM = "\u00ad", "\u200b", "\u200d", "\ufeff"


def _folder(tmp_path):
    root = tmp_path / "imgs"
    root.mkdir()
    for i, name in enumerate(("a.png", "b.png", f"we{ZWSP}ld.png", "c.png")):
        Image.new("L", (4, 4), i).save(root / name)
    return root


def _found(p, q):
    return sorted(r.relpath for r in p.images(p.image_ids(ImageFilter(text=q))))


def test_fold_drops_invisible_characters():
    assert fold(f"Inspec{SHY}tion") == "inspection"
    assert fold(f"{BOM}cr{ZWJ}ack{ZWSP}") == "crack"
    assert fold(f"Caf{SHY}e\u0301") == "caf\u00e9"  # and NFC as before


def test_search_ignores_invisible_characters(tmp_path, db_url):
    root = _folder(tmp_path)
    with Project.open(root, db_url) as p:
        p.index()
        ids = {r.relpath: r.id for r in p.images(p.image_ids())}
        p.set_caption(ids["a.png"], f"rust under the inspec{SHY}tion hatch", "t")
        p.set_caption(ids["b.png"], "inspection hatch", "t")
        p.set_caption(ids["c.png"], f"{BOM}Dent{ZWJ}ed door", "t")
        assert _found(p, "inspection") == ["a.png", "b.png"]
        assert _found(p, f"INSPEC{SHY}TION") == ["a.png", "b.png"]  # the query's own soft hyphen
        assert _found(p, "dented") == ["c.png"]
        assert _found(p, "weld") == [f"we{ZWSP}ld.png"]  # a path too
        assert _found(p, "ins") == ["a.png", "b.png"]


def test_an_old_database_is_refolded_once_at_open(tmp_path):
    """A database whose copies hold the soft hyphen (folded by the old rules, no rules
    recorded) is found by the word after the next open."""
    root = _folder(tmp_path)
    with Project.open(root) as p:
        p.index()
        image_id = p.image_by_path("a.png").id
        p.set_caption(image_id, f"inspec{SHY}tion", "t")
    with Project.open(root) as p:  # as the old version left it
        with p.store.write() as s:
            s.execute(text("UPDATE images SET caption_folded = :f WHERE id = :i"),
                      {"f": f"inspec{SHY}tion", "i": image_id})
            s.execute(text("UPDATE images SET relpath_folded = relpath"))
            settings = json.loads(s.execute(text("SELECT settings_json FROM project")).scalar())
            settings.pop(refold.RULES_KEY, None)
            s.execute(text("UPDATE project SET settings_json = :j"), {"j": json.dumps(settings)})
    with Project.open(root) as p:
        assert _found(p, "inspection") == ["a.png"]
        assert _found(p, "weld") == [f"we{ZWSP}ld.png"]
        assert p.settings()[refold.RULES_KEY] == refold.RULES
        with p.store.read() as s:
            assert s.execute(text("SELECT caption_folded FROM images WHERE id = :i"),
                             {"i": image_id}).scalar() == "inspection"
    assert refold.decide({refold.KEY: refold.unicode_version(), refold.RULES_KEY: refold.RULES},
                         refold.unicode_version()) is None  # recorded: nothing more at the next open
