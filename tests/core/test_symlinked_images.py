"""Images reached through a symbolic link inside the project (a linked file, a file in a
linked folder): the indexer lists them under their path in the project, and a repair or
an import of the project's own export must take them by that path too. Links the
project does not index still lead nowhere. Also: a txt caption file of a POSIX name
with a backslash imports back."""
from __future__ import annotations

import json
import os

import numpy as np
import pytest
from PIL import Image

from llmvis_desktop.core.interchange import InterchangeError, export_project, import_file
from llmvis_desktop.core.project import Project, enclosing_project
from llmvis_desktop.core.repair import RepairError
from llmvis_desktop.core.repair import apply as apply_mod

from repair_helpers import one_torch_thread  # noqa: F401 - fixture

pytestmark = pytest.mark.skipif(os.sep != "/", reason="POSIX symbolic links and file names")


def _png(path, seed=0):
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(np.random.default_rng(seed).integers(0, 255, (32, 32, 3)).astype(np.uint8)).save(path)
    return path


def _mask(path):
    m = np.zeros((32, 32), np.uint8)
    m[2:7, 2:7] = 255
    Image.fromarray(m).save(path)
    return path


@pytest.fixture
def linked(tmp_path):
    """proj/own.png; proj/linked.png -> store/ext.png; proj/shared -> store/shared (s.png)."""
    root = tmp_path / "proj"
    _png(root / "own.png")
    _png(tmp_path / "store" / "ext.png", 1)
    _png(tmp_path / "store" / "shared" / "s.png", 2)
    os.symlink(tmp_path / "store" / "ext.png", root / "linked.png")
    os.symlink(tmp_path / "store" / "shared", root / "shared")
    with Project.open(root) as p:
        p.scan()
        assert {"own.png", "linked.png", "shared/s.png"} <= {p.image(i).relpath for i in p.image_ids()}
    return root


# --- repair ----------------------------------------------------------------------------

@pytest.mark.parametrize("rel, out_rel", [("linked.png", "repaired/linked.repaired.png"),
                                          ("shared/s.png", "shared/repaired/s.repaired.png")])
def test_an_image_reached_through_a_link_in_the_project_is_repaired_and_recorded(linked, tmp_path, rel, out_rel):
    """Refused: "not inside the project folder ...; nothing was saved" (the path was
    resolved, through the link, to the folder outside before it was checked)."""
    mask = _mask(tmp_path / "m.png")
    with Project.open(linked) as p:
        src = p.image_by_path(rel)
        res = apply_mod.repair_file(linked / rel, mask, method="telea", project=p, actor="tester")
        assert res.repair_id is not None
        reps = p.repairs(src.id)
        assert len(reps) == 1 and reps[0].output_path == out_rel
        out = p.image_by_path(out_rel)
        assert out is not None and reps[0].output_image_id == out.id  # indexed as the repair's output


def test_cli_repair_of_a_linked_image_finds_its_project_and_records_it(linked, tmp_path, capsys):
    """Without --project the repair was saved but not recorded ("project": null), and its
    output was then indexed as an ordinary new image."""
    from llmvis_desktop.cli import main

    assert enclosing_project(linked / "shared" / "s.png") == linked
    assert enclosing_project(linked / "linked.png") == linked
    mask = _mask(tmp_path / "m.png")
    for argv in (["shared/s.png"], ["linked.png", "--project", str(linked)]):
        rc = main(["repair", "apply", str(linked / argv[0]), "--mask", str(mask), "--method", "telea", "--json", *argv[1:]])
        cap = capsys.readouterr()
        assert rc == 0, cap.err
        out = json.loads(cap.out.strip().splitlines()[-1])
        assert out["project"] == str(linked.resolve()) and out["repair_id"] is not None
    with Project.open(linked) as p:
        for rel in ("shared/s.png", "linked.png"):
            assert len(p.repairs(p.image_by_path(rel).id)) == 1


def test_a_path_that_really_leaves_the_project_is_still_refused(linked, tmp_path):
    """Lexically outside (`..`), the file a link of the project leads to, or below the root
    through a link the indexer does not follow (a second link to a linked folder):
    nothing is saved. A link to the root is the root: recorded for the image it reaches."""
    mask = _mask(tmp_path / "m.png")
    os.symlink(linked, linked / "loop")  # the indexer does not follow a link to its own root
    os.symlink(tmp_path / "store" / "shared", linked / "again")  # nor a second link to a folder
    with Project.open(linked) as p:
        p.scan()
        assert p.image_by_path("again/s.png") is None
        for path in (linked / ".." / "store" / "ext.png", tmp_path / "store" / "shared" / "s.png",
                     linked / "again" / "s.png"):
            with pytest.raises(RepairError, match="not inside the project folder.*nothing was saved"):
                apply_mod.repair_file(path, mask, method="telea", project=p)
        # through the loop: the same file as own.png, which the project indexes: recorded there
        res = apply_mod.repair_file(linked / "loop" / "own.png", mask, method="telea", project=p)
        assert p.repairs(p.image_by_path("own.png").id)[0].id == res.repair_id
    assert not (tmp_path / "store" / "repaired").exists()
    assert not (tmp_path / "store" / "shared" / "repaired").exists()


# --- import of the project's own export ---------------------------------------------------

def test_the_projects_own_export_imports_back_with_linked_images(linked, tmp_path):
    """"file name 'linked.png' leads out of the project through a symbolic link (nothing
    was imported)": the names the project indexes were refused as a whole."""
    with Project.open(linked) as p:
        for i in p.image_ids():
            p.set_caption(i, f"cap {p.image(i).relpath}", "alice")
        export_project(p, "csv", tmp_path / "out.csv")
        for i in p.image_ids():
            p.set_caption(i, None, "alice")
        report = import_file(p, "csv", tmp_path / "out.csv", overwrite=True, overwrite_newer=True)
        assert report.matched == 3 and not report.unmatched
        for rel in ("own.png", "linked.png", "shared/s.png"):
            assert p.image_by_path(rel).caption == f"cap {rel}"


def test_a_link_the_project_does_not_index_is_still_refused(linked, tmp_path):
    """The guard stays for names that reach outside through a link the project does not
    index (nothing is imported); an indexed name beside it does not open it."""
    (tmp_path / "secret").mkdir()
    (tmp_path / "secret" / "x.png").write_bytes(b"x")
    os.symlink(tmp_path / "secret", linked / "evil")  # made after the scan: not indexed
    csv = tmp_path / "in.csv"
    csv.write_text("file_name,caption\nlinked.png,ok\nevil/x.png,bad\n")
    with Project.open(linked) as p:
        with pytest.raises(InterchangeError, match="evil/x.png.*symbolic link"):
            import_file(p, "csv", csv)
        assert p.image_by_path("linked.png").caption is None


# --- txt sidecar of a backslash name ------------------------------------------------------

def test_a_txt_caption_of_a_backslash_name_imports_back(tmp_path):
    """"1 record(s) name no image" for back\\slash.txt (csv, coco, jsonl came back)."""
    root = tmp_path / "p"
    _png(root / "back\\slash.png")
    _png(root / "plain.png", 1)
    with Project.open(root) as p:
        p.scan()
        for i in p.image_ids():
            p.set_caption(i, f"cap {p.image(i).relpath}", "alice")
        export_project(p, "txt", tmp_path / "txt")
        assert (tmp_path / "txt" / "back\\slash.txt").is_file()
        for i in p.image_ids():
            p.set_caption(i, None, "alice")
        report = import_file(p, "txt", tmp_path / "txt", overwrite=True, overwrite_newer=True)
        assert report.matched == 2 and not report.unmatched
        assert p.image_by_path("back\\slash.png").caption == "cap back\\slash.png"
