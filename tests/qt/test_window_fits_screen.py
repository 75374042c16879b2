"""The main window stays within the screen: at 1024x768 it grew to 1024x812 (the status
bar and the bottom of the Jobs panel off the screen) on moving from an image with
suggestion cards to one without, and the docks' minimums left no room to spare."""
from __future__ import annotations

from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QApplication, QVBoxLayout, QWidget
from qthelpers import open_and_index

from llmvis_desktop.core.store.records import NewSuggestion


def _settle(qtbot) -> None:
    for _ in range(3):
        QApplication.processEvents()
        qtbot.wait(30)


class _Heights(QObject):
    """Every height a widget is given (Qt grows a window to its layout's minimum)."""

    def __init__(self, widget) -> None:
        super().__init__()
        self.seen = []
        widget.installEventFilter(self)

    def eventFilter(self, obj, event) -> bool:  # noqa: N802 - Qt API
        if event.type() == QEvent.Type.Resize:
            self.seen.append(event.size().height())
        return False


def _suggestion(project, image_id, value="crack"):
    return NewSuggestion(image_id, "label", value, "model:learned:handcrafted-v6", score=0.9,
                         model_revision="3268faf7744b")


def test_the_suggestion_panel_going_empty_never_asks_for_more_height(qtbot):
    """From cards to the empty text, both scroll areas were shown for a moment: showing
    one lays the window out at once, and the window grew to hold both, for good."""
    from datetime import datetime, timezone

    from llmvis_desktop.core.store.records import SuggestionRecord
    from llmvis_desktop.qt.widgets.suggestion_panel import SuggestionPanel

    records = [SuggestionRecord(7, 1, "label", "crack", 0.9, "model:learned:handcrafted-v6", "3268faf7744b",
                                None, {}, datetime(2024, 5, 1, tzinfo=timezone.utc), "pending", None, None, None)]
    top = QWidget()
    qtbot.addWidget(top)
    QVBoxLayout(top).addWidget(panel := SuggestionPanel())
    panel.set_suggestions(records)
    top.show()
    _settle(qtbot)
    top.resize(320, top.minimumSizeHint().height())
    _settle(qtbot)
    before = top.height()
    heights = _Heights(top)
    panel.clear()
    _settle(qtbot)
    panel.set_suggestions(records)
    _settle(qtbot)
    assert max(heights.seen, default=before) == before, (before, heights.seen)


def test_at_1024x768_the_window_keeps_its_height_from_cards_to_none(qtbot, window, labelled_folder):
    project = open_and_index(qtbot, window, labelled_folder)
    window.resize(1024, 768)
    _settle(qtbot)
    ids = [window.model.record_at(r).id for r in range(window.model.rowCount())]
    project.add_suggestions([_suggestion(project, ids[1])])
    window.review.go_to_row(1)
    window.review._refresh(ids[1])
    qtbot.waitUntil(lambda: not window.panel_ctl.suggestions.is_empty(), timeout=10000)
    _settle(qtbot)
    heights = _Heights(window)
    window.filter_bar.text.setText("zzz-nothing")  # no image: the panel empties
    qtbot.waitUntil(lambda: window.model.rowCount() == 0, timeout=5000)
    window.filter_bar.text.setText("")
    qtbot.waitUntil(lambda: window.model.rowCount() == len(ids), timeout=5000)
    window.review.go_to_row(0)
    _settle(qtbot)
    assert window.height() == 768 and max(heights.seen, default=768) == 768, heights.seen
    # and the docks' own minimums leave room at 768 px
    assert window.layout().totalMinimumSize().height() <= 768 - 60


def test_the_window_never_grows_past_the_screen_whatever_a_panel_asks(qtbot, window, labelled_folder):
    """A last resort: a panel whose minimum is taller than the screen squeezes the docks
    instead of pushing the status bar off the screen."""
    open_and_index(qtbot, window, labelled_folder)
    avail = window.screen().availableGeometry()
    window.resize(min(1024, avail.width()), avail.height() - 20)
    _settle(qtbot)
    window.panels["caption"].setMinimumHeight(avail.height() + 200)
    _settle(qtbot)
    assert window.height() <= avail.height()
    assert window.minimumHeight() <= avail.height()


def test_the_history_dock_has_a_small_minimum_and_room_for_events(qtbot, window, labelled_folder):
    """History held the docks at 186 px although its widget needs ~70; the room for
    several events is its preferred size, given when the docks are first laid out."""
    from llmvis_desktop.qt.widgets.history_panel import MIN_HEIGHT

    open_and_index(qtbot, window, labelled_folder)
    _settle(qtbot)
    dock = window.panels["history"].parentWidget()
    assert dock.minimumSizeHint().height() <= MIN_HEIGHT + 20 <= 130


def test_the_jobs_dock_is_as_tall_as_its_lines(qtbot, window, labelled_folder):
    """The Jobs dock kept ~100 px for a single "done" line while the suggestion cards
    above it were cut off; a running job's row is shown whole, then it shrinks back."""
    import threading

    from PySide6.QtCore import QRect
    from PySide6.QtWidgets import QScrollArea

    open_and_index(qtbot, window, labelled_folder)
    window.resize(1024, 768)
    _settle(qtbot)
    panel = window.panels["jobs"]
    dock = panel.parentWidget()
    title = dock.height() - panel.height()

    def line_whole(row):
        view = row.parentWidget()
        return QRect(0, 0, view.width(), view.height()).contains(QRect(row.mapTo(view, row.rect().topLeft()),
                                                                       row.size()))

    done = panel._done[0]
    assert line_whole(done) and panel.height() <= done.height() + 16, (panel.height(), done.height())
    assert title < 30 and dock.height() <= 60
    release = threading.Event()
    job = window.jobs.start("long job", lambda token, progress: release.wait(30))
    qtbot.waitUntil(lambda: panel.has_job(str(job.id)), timeout=10000)
    _settle(qtbot)
    row = panel.row(str(job.id))
    view = panel.findChild(QScrollArea).viewport()
    assert row.mapTo(view, row.rect().bottomLeft()).y() < view.height(), "the running row is cut off"
    release.set()
    qtbot.waitUntil(lambda: not panel.has_job(str(job.id)), timeout=5000)
    _settle(qtbot)
    assert dock.height() <= 60
