"""A repair output's history was empty (its link to the original only in the grid's
tooltip): read with its repair links, it says it is a repair of ORIGINAL (when, by whom,
with what), its undo and redo too; the original's repair event says what made it. Derived
at read time: the stored history is not changed."""
import numpy as np
from PIL import Image

from llmvis_desktop.core.project import Project
from llmvis_desktop.core.repair import apply as apply_mod
from llmvis_desktop.core.store.repo_history import replay


def _project(tmp_path):
    root = tmp_path / "proj"
    (root / "cam1").mkdir(parents=True)
    rng = np.random.default_rng(5)
    Image.fromarray(rng.integers(0, 255, (40, 48, 3), dtype=np.uint8)).save(root / "cam1" / "a.png")
    mask = np.zeros((40, 48), np.uint8)
    mask[10:20, 12:24] = 255
    Image.fromarray(mask).save(tmp_path / "scratch-mask.png")
    return root, tmp_path / "scratch-mask.png"


def test_the_output_history_shows_its_original_and_how_it_was_made(tmp_path, db_url):
    root, mask = _project(tmp_path)
    with Project.open(root, db_url) as p:
        p.index()
        src = p.image_by_path("cam1/a.png")
        res = apply_mod.repair_file(root / "cam1" / "a.png", mask, method="telea", project=p, actor="ann")
        out_id = res.output_image_id
        stored_out, stored_src = p.history(out_id), p.history(src.id)
        assert stored_out == []  # nothing is written on the output (append-only, unchanged)

        [made] = p.history(out_id, repair_links=True)
        assert made.action == "repair_of" and made.actor == "ann"
        assert made.after["source"] == "cam1/a.png" and made.after["engine"] == "telea"
        assert made.after["mask_source"] == str(mask.resolve()) and made.after["repair_id"] == res.repair_id
        [orig_ev] = [e for e in p.history(src.id, repair_links=True) if e.action == "repair"]
        assert orig_ev.after["output"] == "cam1/repaired/a.repaired.png" and orig_ev.after["engine"] == "telea"
        assert made.id == orig_ev.id and made.at == orig_ev.at  # the same moment, in the same order

        # its own review after it: below the link in the database's order
        p.set_caption(out_id, "clean plate", "bob")
        trail = p.history(out_id, repair_links=True)
        assert [e.action for e in trail] == ["repair_of", "caption"]
        assert replay(trail)["caption"] == "clean plate"  # a derived event changes no annotation

        p.unlink_repair(res.repair_id, "carl")
        p.relink_repair(res.repair_id, "dana")
        trail = p.history(out_id, repair_links=True)
        assert [(e.action, e.actor) for e in trail] == [
            ("repair_of", "ann"), ("caption", "bob"), ("repair_of_undone", "carl"), ("repair_of_redone", "dana")]
        # the stored rows as they were: none added for the output, the original's unchanged
        assert [e.action for e in p.history(out_id)] == ["caption"]
        assert p.history(src.id)[:len(stored_src)] == stored_src
        _, _, events = p.cards_and_history(out_id, repair_links=True)
        assert [e.action for e in events][0] == "repair_of"


def test_a_repair_of_a_repair_links_each_output_to_its_own_original(tmp_path):
    root, mask = _project(tmp_path)
    with Project.open(root) as p:
        p.index()
        first = apply_mod.repair_file(root / "cam1" / "a.png", mask, method="telea", project=p, actor="ann")
        second = apply_mod.repair_file(first.output_path, mask, method="ns", project=p, actor="bob")
        mid = p.history(first.output_image_id, repair_links=True)
        assert [(e.action, e.after.get("source") or e.after.get("output")) for e in mid] == [
            ("repair_of", "cam1/a.png"), ("repair", "cam1/repaired/a.repaired-2.png")]
        [last] = p.history(second.output_image_id, repair_links=True)
        assert last.after["source"] == "cam1/repaired/a.repaired.png" and last.after["engine"] == "ns"
