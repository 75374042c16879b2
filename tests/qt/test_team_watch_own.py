"""The team watch tells this window's own changes from others' by what this window
wrote (``Project.written_here``), not by the reviewer's name; it says a removed filter
label and a teammate's change in one line; and it reads the database off the GUI thread."""
from __future__ import annotations

import threading

from qthelpers import open_and_index, watch_looks as _looks

from llmvis_desktop.core import review_actions as ra
from llmvis_desktop.core.project import Project


def _watching(qtbot, window):
    watch = window.team_watch
    watch.timer.setInterval(100)
    qtbot.waitUntil(lambda: watch._last is not None, timeout=10000)  # the first look
    _looks(qtbot, watch)
    said = []
    window.statusBar().messageChanged.connect(lambda text: text and said.append(text))
    return watch, said


def test_a_change_under_this_reviewers_name_from_elsewhere_is_shown(qtbot, window, image_folder):
    """A second session (or `llmvis labels remove --actor tester`, the CLI's default actor
    being the configured reviewer) writing as this window's reviewer was never shown: the
    watch left out every event whose actor was the window's reviewer."""
    project = open_and_index(qtbot, window, image_folder)
    watch, said = _watching(qtbot, window)
    current = window.review.current
    other = next(i for i in window.model.ids if i != current.id)
    with Project.open(image_folder, project.db_url) as elsewhere:  # same name, another session
        ra.set_caption(elsewhere, current.id, "written in my other window", "tester")
        ra.set_caption(elsewhere, other, "and this one too", "tester")
    qtbot.waitUntil(lambda: window.review.current.caption == "written in my other window", timeout=10000)
    assert window.model.record(other).caption == "and this one too"
    assert window.panel_ctl.caption.text() == "written in my other window"
    qtbot.waitUntil(lambda: "tester changed 2 images" in said, timeout=5000)
    # this window's own change, under the same name, is still not announced
    said.clear()
    window.review.set_caption("mine, here", image_id=other)
    qtbot.waitUntil(lambda: window.model.record(other).caption == "mine, here", timeout=10000)
    _looks(qtbot, watch)
    assert not [t for t in said if "changed" in t]


def test_this_windows_own_import_is_not_a_teammates_change(qtbot, window, image_folder, tmp_path):
    """The window's own import writes as 'import:<file> by tester': it was announced as
    'import:in.csv by tester changed 2 images'."""
    from llmvis_desktop.core.interchange import import_file

    project = open_and_index(qtbot, window, image_folder)
    watch, said = _watching(qtbot, window)
    rels = [window.model.record(i).relpath for i in window.model.ids[:3]]
    (tmp_path / "in.csv").write_text("file_name,caption,status\n" + "".join(f"{r},imported,reviewed\n" for r in rels[:2]))
    assert import_file(project, "csv", tmp_path / "in.csv", actor="tester").matched == 2
    window.panel_ctl.refresh_after_bulk()
    _looks(qtbot, watch)  # several looks
    assert not [t for t in said if "changed" in t], said
    # the same import from another process is announced
    with Project.open(image_folder, project.db_url) as other:
        (tmp_path / "in.csv").write_text("file_name,caption\n" + f"{rels[2]},imported elsewhere\n")
        import_file(other, "csv", tmp_path / "in.csv", actor="tester")
    qtbot.waitUntil(lambda: "import:in.csv by tester changed 1 image" in said, timeout=10000)


def test_a_removed_filter_label_is_said_with_the_teammates_change(qtbot, window, image_folder):
    """A teammate removed the label the grid was filtered by: 'The label ... was removed'
    was replaced at once by 'alice changed 2 images'."""
    project = open_and_index(qtbot, window, image_folder)
    project.add_label("rust stain")
    ids = window.model.ids[:2]
    for i in ids:
        project.set_labels(i, ["rust stain"], "bob")
    window.panel_ctl.reload_labels()
    fb = window.filter_bar
    fb.label.setCurrentIndex(fb.label.findData("rust stain"))
    qtbot.waitUntil(lambda: window.model.rowCount() == 2, timeout=5000)
    watch, said = _watching(qtbot, window)
    with Project.open(image_folder, project.db_url) as alice:
        alice.remove_label("rust stain", "alice", force=True)
    qtbot.waitUntil(lambda: any("alice changed 2 images" in t for t in said), timeout=10000)
    _looks(qtbot, watch)
    # who first: a narrow status bar cuts the end of a line (the filter bar says "Any label")
    assert window.statusBar().currentMessage() == \
        "alice changed 2 images; “rust stain” was removed: the grid is no longer filtered by it", said
    assert fb.label.currentText() == "Any label"


def test_a_teammates_change_is_read_off_the_gui_thread(qtbot, window, image_folder, monkeypatch):
    """Showing a teammate's change read the rows, the open image's cards, the taxonomy and
    its usage on the GUI thread (164-174 ms stalls on a team's PostgreSQL)."""
    project = open_and_index(qtbot, window, image_folder)
    watch, said = _watching(qtbot, window)
    gui = threading.get_ident()
    on_gui = []
    for name in ("images", "image", "suggestions", "judged_without_labels", "labels", "label_usage",
                 "events_since"):
        real = getattr(project, name)

        def spy(*args, _real=real, _name=name, **kwargs):
            if threading.get_ident() == gui:
                on_gui.append(_name)
            return _real(*args, **kwargs)

        monkeypatch.setattr(project, name, spy)
    current = window.review.current
    with Project.open(image_folder, project.db_url) as alice:
        alice.add_label("scratch")
        ra.set_caption(alice, current.id, "alice's words", "alice")
        ra.toggle_label(alice, window.model.ids[-1], "scratch", "alice")
    qtbot.waitUntil(lambda: any("alice changed 2 images" in t for t in said), timeout=10000)
    assert window.panel_ctl.caption.text() == "alice's words"
    assert list(window.model.record(window.model.ids[-1]).labels) == ["scratch"]
    assert window.model.label_color("scratch") != window.model.label_color("nonexistent")
    # the label panel's usage counts follow 400 ms after a change shown
    qtbot.waitUntil(lambda: window.panel_ctl.labels._usage.get("scratch") == 1, timeout=10000)
    assert on_gui == []


def test_new_usage_counts_update_the_label_chips_in_place(qtbot, window, image_folder):
    """Every change shown (the reviewer's own, a teammate's) made every label chip anew
    400 ms later for the usage counts (a style sheet each, the flow laid out chip by chip:
    20-70 ms on the GUI thread with 30 labels); the same labels now keep their chips."""
    project = open_and_index(qtbot, window, image_folder)
    for name in ("scratch", "dent"):
        project.add_label(name)
    window.panel_ctl.reload_labels()
    panel = window.panel_ctl.labels
    watch, said = _watching(qtbot, window)  # (its look after the labels were added made their chips again)
    chip = panel.chip("scratch")
    assert chip.text().endswith("scratch (0)")
    with Project.open(image_folder, project.db_url) as alice:
        ra.toggle_label(alice, window.model.ids[-1], "scratch", "alice")
    qtbot.waitUntil(lambda: panel.chip("scratch").text().endswith("scratch (1)"), timeout=10000)
    assert panel.chip("scratch") is chip and panel.chip("dent").text().endswith("dent (0)")
    assert "Used on 1 image" in chip.toolTip()
    window.review.toggle_label("dent", on=True)  # the reviewer's own change too
    qtbot.waitUntil(lambda: panel.chip("dent").text().endswith("dent (1)"), timeout=5000)
    assert panel.chip("scratch") is chip
    # a teammate's new label: chips made anew, the counts with them
    with Project.open(image_folder, project.db_url) as alice:
        alice.add_label("rust")
    qtbot.waitUntil(lambda: panel.chip("rust") is not None, timeout=10000)
    assert panel.chip("scratch").text().endswith("scratch (1)")
