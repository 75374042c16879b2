"""The main window: assembly of grid, viewer, docks, menus and status bar.

Logic lives elsewhere: opening/closing and indexing projects, the grid's re-queries
and the status-bar counts in :mod:`.project_controller`, review actions and undo in
:mod:`.review_controller`, panels and dialogs in :mod:`.panel_controller`, menus in
:mod:`.menus`, the viewer's image read and shown in :mod:`.image_shown`, long work in
:mod:`.workers`, data in :mod:`.models.grid_model`, thumbnails in :mod:`.thumb_loader`.
This module wires them; its project methods (``open_project``, ``close_project``,
``start_index``, ``requery``...) call the project controller.
"""
from __future__ import annotations

import logging
from typing import Optional

from PySide6.QtCore import QEvent, Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QApplication,
    QDockWidget,
    QLabel,
    QMainWindow,
    QMessageBox,
    QProgressBar,
    QSplitter,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from ..core import config as cfg_mod
from ..core.project import Project
from ..core.store.answer_deadline import mark_interactive
from .config_saver import ConfigSaver
from .filter_bar import FilterBar
from .dock_layout import (CardRoom, fit_minimum, grow_dock, restore_layout, right_column_full_height,
                          save_layout, show_docks)
from .icons import app_icon
from .key_guard import CONTROLS, TEXT_INPUTS, _TextKeyGuard, main_tab_order
from .menu_states import say_why_disabled
from .menus import build_menus
from .models.grid_model import GridModel
from .project_controller import ProjectController
from .project_texts import show_image_title
from .review_controller import ReviewController
from .review_writes import follow_saving
from .team_watch import TeamWatch
from .theme_follow import ThemeFollower
from .image_shown import ShownImage
from .thumb_loader import ThumbLoader, open_cache, prune_in_background
from .widgets.elided_label import ElidedLabel
from .widgets.error_box import ErrorBox
from .widgets.grid_view import GridView
from .widgets.status_bar import StatusBar
from .window_shutdown import shutdown_window
from .workers import JobManager, LatestOnly, void

log = logging.getLogger(__name__)


class MainWindow(QMainWindow):
    project_opened = Signal(object)  # Project
    project_closed = Signal()
    index_finished = Signal(object)  # ScanResult or exception

    def __init__(self, config: Optional[cfg_mod.Config] = None, parent=None) -> None:
        super().__init__(parent)
        self._theme = ThemeFollower(self)  # a light/dark switch restyles every panel live
        mark_interactive()  # a hung database server cannot freeze this thread (answer_deadline)
        self.config = config or cfg_mod.load_config()
        self.project: Optional[Project] = None
        self.index_job = None
        self.setWindowTitle("llmvis")
        self.setWindowIcon(app_icon())
        self.jobs = JobManager(self)
        # what the user should read once the window is up (a cache folder that cannot be
        # made, wrong settings in config.json): app.build_window shows them in one box
        self.startup_notes: list[str] = []
        self.config_file_kept: Optional[str] = None  # why config.json must not be written over
        self.config_saver = ConfigSaver(self)  # config.json written off the GUI thread at an open
        self.config_saver.failed.connect(self._config_unsaved)
        cache, note = self._open_thumb_cache()
        if note:
            self.startup_notes.append(note)
        self.thumbs = ThumbLoader(cache, self)
        self.shown = ShownImage(self)  # the viewer's image, read off the GUI thread (image_shown)
        self.image_loader = self.shown.loader
        self.project_ctl = ProjectController(self)
        self.query_loader = LatestOnly(self)  # grid re-queries run off the GUI thread
        self.query_loader.done.connect(self.project_ctl.on_requeried)
        self.counts_loader = LatestOnly(self)  # the status-bar counts: a GROUP BY off the GUI thread
        self.counts_loader.done.connect(self.project_ctl.on_counts)
        self.team_watch = TeamWatch(self)  # other reviewers' changes, on a shared database
        self.model = GridModel(self)
        self.grid = GridView(thumb_size=self.config.thumbnail_size)
        self.grid.key_hook = lambda event: say_why_disabled(self, event)
        self.model.thumb_size = self.grid.thumb_size  # (clamped to the grid's sizes)
        self.grid.setModel(self.model)
        self.review = ReviewController(self.grid, self.model, self.reviewer, self)
        self.review.known_actor = lambda: self.config.reviewer or "anonymous"
        self.review.unshown = self.shown.unshown_reason
        self.filter_bar = FilterBar()
        self.viewer = self._make_viewer()
        self._build_central()
        self.panels = {}
        self._make_docks()
        self._make_status_bar()
        from .suggest_controller import SuggestController

        self.suggest_ctl = SuggestController(self)
        build_menus(self)
        # on each text box as it takes the focus, not on the application: a Python
        # application-wide filter takes the GIL for every event of every object (each
        # paint, timer, update), the largest cost the 100k grid bench showed
        # Keys go to the focus widget only, so the guard goes on a box or control as it
        # takes the focus (the one with it now, too), never on all of them up front: on
        # every button, chip, combo box and list, each of their paints, enters and timer
        # events ran the Python filter, taking the GIL the window's workers were using
        # (--sample in bench_first_job_stall: key_guard.eventFilter in 15-25 ms stalls)
        self._guard = _TextKeyGuard(self)
        self._guard_text_input(None, QApplication.focusWidget())
        QApplication.instance().focusChanged.connect(self._guard_text_input)
        self._counts_timer = QTimer(self, singleShot=True, interval=100)
        self._counts_timer.timeout.connect(self.update_counts)
        self.review.current_changed.connect(self._on_current)
        # the status-bar counts: read again when someone else's change moved a status; this
        # window's own writes move them with their result (status_counts)
        self.review.record_changed.connect(lambda r: self.review.change_of(r) == (False, True)
                                           and self._counts_timer.start())
        self.review.status_moved.connect(self.project_ctl.move_counts)
        self.review.writes_ended.connect(self.project_ctl.counts_writes_ended)
        # a caption's or a card edit's write says no line: "Saving 2 reviews…" counts down as they commit
        self.review.writes_left.connect(lambda n: follow_saving(self.statusBar(), n))
        self.review.error.connect(self.show_error)
        self.review.message.connect(void(lambda m: self.statusBar().showMessage(m, 4000)))
        self.review.edit_caption_requested.connect(self.edit_caption)
        self.filter_bar.changed.connect(self.project_ctl.on_filter)
        self.filter_bar.finished.connect(lambda: self.grid.setFocus(Qt.FocusReason.ShortcutFocusReason))
        # Esc in the grid: all images again (the empty grid of a filter says so)
        esc = QShortcut(QKeySequence(Qt.Key.Key_Escape), self.grid, context=Qt.ShortcutContext.WidgetShortcut)
        esc.activated.connect(lambda: self.filter_bar.is_filtering() and self.filter_bar.clear_filters())
        self.grid.thumb_size_changed.connect(self._on_thumb_size)
        labels = self.panels.get("labels")
        if labels is not None and hasattr(labels, "chipsRebuilt"):
            labels.chipsRebuilt.connect(lambda: main_tab_order(self))
            labels.roomWanted.connect(lambda h: grow_dock(self, labels, h))  # a new label's line
        main_tab_order(self)
        restore_layout(self)
        fit_minimum(self)

    def _guard_text_input(self, _old, new) -> None:
        # (the grid claims no key: the review keys act there, and it paints the most)
        if isinstance(new, GridView):
            return
        if isinstance(new, TEXT_INPUTS) or (isinstance(new, CONTROLS) and self._owns(new)):
            if new.property("llmvis_key_guard"):
                return
            new.installEventFilter(self._guard)
            new.setProperty("llmvis_key_guard", True)

    def _owns(self, widget) -> bool:
        """A widget of this window or of one of its floating docks (the window's shortcuts
        reach those); a dialog's keys are its own."""
        top = widget.window()
        return top is self or (isinstance(top, QDockWidget) and top.parentWidget() is self)

    # --- assembly -------------------------------------------------------------------
    def _make_viewer(self) -> QWidget:
        try:
            from .widgets.viewer import ImageViewer
        except ImportError:  # pragma: no cover - only while the viewer is missing
            return QLabel("viewer unavailable", alignment=Qt.AlignmentFlag.AlignCenter)
        viewer = ImageViewer()
        viewer.frameRequested.connect(self.shown.show_frame)
        return viewer

    def _build_central(self) -> None:
        self.stack = QStackedWidget()
        self.welcome: Optional[QWidget] = None
        browse = QWidget()
        lay = QVBoxLayout(browse)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(0)
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        left = QWidget()
        ll = QVBoxLayout(left)
        ll.setContentsMargins(0, 0, 0, 0)
        ll.addWidget(self.filter_bar)
        ll.addWidget(self.grid, 1)
        self.splitter.addWidget(left)
        self.splitter.addWidget(self.viewer)
        self.splitter.setStretchFactor(0, 1)
        self.splitter.setStretchFactor(1, 1)
        lay.addWidget(self.splitter)
        self.browse_page = browse
        self.stack.addWidget(browse)
        self.setCentralWidget(self.stack)

    def set_welcome(self, widget: QWidget) -> None:
        self.welcome = widget
        self.stack.addWidget(widget)
        if self.project is None:
            self.stack.setCurrentWidget(widget)
            self._show_docks(False)

    def _show_docks(self, on: bool) -> None:
        """The welcome page stands alone; the docks belong to an open project."""
        show_docks(self, on)

    def event(self, event) -> bool:  # noqa: D401 - Qt API
        ok = super().event(event)
        if event.type() == QEvent.Type.LayoutRequest:  # (the layout has just been activated)
            fit_minimum(self)
        elif event.type() in (QEvent.Type.PaletteChange, QEvent.Type.ApplicationPaletteChange):
            if getattr(self, "_theme", None) is not None:
                self._theme.palette_changed()  # the OS switched light/dark: every panel's colours too
        return ok

    def keyPressEvent(self, event) -> None:  # noqa: N802 - Qt API
        if not say_why_disabled(self, event):  # a review key of a disabled action: why, said
            super().keyPressEvent(event)

    def _dock(self, key: str, title: str, widget: QWidget, area=Qt.DockWidgetArea.RightDockWidgetArea):
        dock = QDockWidget(title, self)
        dock.setObjectName(f"dock_{key}")
        dock.setWidget(widget)
        self.addDockWidget(area, dock)
        self.panels[key] = widget
        return dock

    def _make_docks(self) -> None:
        from .panel_controller import PanelController

        self.panel_ctl = PanelController(self)
        right_column_full_height(self)
        self._card_room = CardRoom(self)  # a whole suggestion card when the window shrinks

    def _make_status_bar(self) -> None:
        self.setStatusBar(StatusBar(self))  # messages cut at a word, clear of the counts
        sb = self.statusBar()
        # elided, never wider than the window: a long job message or count line made the
        # window's minimum width grow
        self.counts_label = ElidedLabel(objectName="countsLabel", min_width=120)
        self.counts_label.setToolTip("")  # the whole line as its tooltip when it is cut
        self.job_label = ElidedLabel(objectName="jobLabel", min_width=80)
        self.job_bar = QProgressBar(maximumWidth=160, textVisible=False)
        self.job_bar.hide()
        self.db_label = ElidedLabel(objectName="dbLabel", min_width=120)  # a long note: whole in the tooltip
        # permanent, the first on the left of them: as a plain status-bar widget every
        # message (showMessage) hid the counts
        sb.addPermanentWidget(self.counts_label)
        sb.addPermanentWidget(self.db_label)
        sb.addPermanentWidget(self.job_label)
        sb.addPermanentWidget(self.job_bar)
        self.jobs.job_changed.connect(self.panel_ctl.show_job_status)

    # --- reviewer name ------------------------------------------------------------------
    def reviewer(self) -> str:
        if not self.config.reviewer:
            self.ask_reviewer()
        return self.config.reviewer or "anonymous"

    def ask_reviewer(self) -> None:
        self.panel_ctl.ask_reviewer()

    # --- projects (the project controller does the work) ------------------------------------
    def choose_folder(self) -> None:
        self.project_ctl.choose_folder()

    def open_team(self) -> None:
        """File ▸ Open team project…: a folder and the team's database (:mod:`.dialogs.team_open_dialog`)."""
        from .dialogs.team_open_dialog import open_team_dialog

        open_team_dialog(self)

    def open_demo(self) -> bool:
        return self.project_ctl.open_demo()

    def open_project(self, folder, db_url: Optional[str] = None, index: bool = True) -> bool:
        return self.project_ctl.open_project(folder, db_url, index)

    def close_project(self) -> None:
        self.project_ctl.close_project()

    def start_index(self) -> None:
        self.project_ctl.start_index()

    def requery(self, then=None) -> None:
        """Run the grid's query again off the GUI thread; apply it if the ids changed."""
        self.project_ctl.requery(then)

    def update_counts(self) -> None:
        """Refresh the status-bar counts; the query runs on a worker (100k rows)."""
        self.project_ctl.update_counts()

    def _prune_thumbnail_cache(self) -> None:
        """Keep the thumbnail cache under its size limit, on a low-priority thread that
        gives way to the GUI thread (:func:`.thumb_loader.prune_in_background`);
        :meth:`shutdown` stops it."""
        running = getattr(self, "_prune_thread", None)
        if running is not None and running.is_alive():
            return
        started = prune_in_background(self.thumbs.cache, self.config.thumbnail_cache_bytes())
        if started is not None:
            self._prune_thread, self._prune_stop = started

    # --- current image ----------------------------------------------------------------------
    def _on_current(self, rec) -> None:
        self.panels_call("set_record", rec)
        show_image_title(self, rec)
        self.shown.show(rec)

    @property
    def viewer_image(self):
        """(project, image id) of the pixels the viewer shows, else None (:mod:`.image_shown`)."""
        return self.shown.viewer_image

    def step_frame(self, delta: int) -> None:
        """[ and ] (the Image menu): the previous or next frame (:mod:`.image_shown`)."""
        self.shown.step_frame(delta)

    def viewer_call(self, name: str, *args) -> None:
        fn = getattr(self.viewer, name, None)
        if fn is not None:
            fn(*args)

    def panels_call(self, name: str, *args) -> None:
        getattr(self.panel_ctl, name)(*args)

    def edit_caption(self) -> None:
        self.panel_ctl.edit_caption()

    # --- dialogs -------------------------------------------------------------------------------
    def show_error(self, text: str, box_name: str = "last_error_box") -> None:
        """``text`` in the status bar and in a non-modal box; ``box_name``: another box than
        the errors' (the start-up notes: an error opening the folder must not replace them)."""
        log.warning("shown to the user: %s", text)
        self.statusBar().showMessage(text.split("\n", 1)[0], 10000)
        box = getattr(self, box_name, None)
        if box is None:  # one non-modal box, reused: errors never pile up or block the keys
            box = ErrorBox(self)  # a long path wraps inside the name (a QMessageBox cut it off)
            setattr(self, box_name, box)
        box.setText(text)
        focus = QApplication.focusWidget()
        box.show()
        if focus is not None and focus.window() is self:  # and if a platform activates it anyway
            QTimer.singleShot(0, lambda: self._take_keys_back(focus))

    def _take_keys_back(self, focus) -> None:
        try:
            self.activateWindow()
            focus.setFocus(Qt.FocusReason.OtherFocusReason)
        except RuntimeError:  # the widget is gone meanwhile
            pass

    def open_settings(self) -> None:
        self.panel_ctl.open_settings()

    def show_shortcuts(self) -> None:
        self.panel_ctl.show_shortcuts()

    def show_about(self) -> None:
        from .app import APP_NAME, about_text

        QMessageBox.about(self, f"About {APP_NAME}", about_text())

    def _fill_recent(self) -> None:
        self.recent_menu.clear()
        from .team_open import recent_text

        for folder in self.config.recent_projects:  # a team project names its database and server
            text = recent_text(folder, self.config.project_databases.get(folder))
            self.recent_menu.addAction(text, void(lambda f=folder: self.open_project(f)))
        if not self.config.recent_projects:
            self.recent_menu.addAction("(none)").setEnabled(False)

    # --- jobs ------------------------------------------------------------------------------------
    def _on_thumb_size(self, size: int) -> None:
        self.config.thumbnail_size = size

    # --- settings and shutdown ---------------------------------------------------------------------
    def _open_thumb_cache(self):
        return open_cache(self.config.thumbnail_cache_dir(), cfg_mod.Config().thumbnail_cache_dir(),
                          self.config.max_image_pixels)

    def use_thumbnail_cache(self) -> Optional[str]:
        """Settings changed the cache folder: thumbnails made from now on go there (the
        ones shown stay). Returns the note when it could not be used, else None."""
        cache, note = self._open_thumb_cache()
        self.thumbs.cache = cache  # the loader threads read it for each thumbnail
        return note

    def _save_config(self, soon: bool = False) -> None:
        """Write config.json: on this thread (quitting, a choice just made), or with
        ``soon`` on a writer thread (a project opened: :mod:`.config_saver`)."""
        if self.config_file_kept:  # a config.json that could not be read nor copied aside
            log.warning("the configuration is not saved: %s", self.config_file_kept)
            return
        if soon:
            self.config_saver.save_soon(self.config)
            return
        try:
            self.config_saver.save_now(self.config)
        except OSError as exc:
            log.warning("cannot save the configuration: %s", exc)
            self._config_unsaved(exc)

    def _config_unsaved(self, exc: OSError) -> None:
        if not getattr(self, "_config_unsaved_said", False):  # once: a read-only home says it at every save
            self._config_unsaved_said = True
            self.statusBar().showMessage(f"Settings cannot be saved ({exc.strerror or exc}): "
                                         f"they last until llmvis closes", 10000)

    def shutdown(self) -> None:
        """Stop every thread this window started; safe to call twice. Every step runs even
        when one fails; the first failure is raised after the last (window_shutdown)."""
        if getattr(self, "_shut", False):
            return
        self._shut = True
        shutdown_window(self)

    def closeEvent(self, event) -> None:  # noqa: N802 - Qt API
        save_layout(self)
        self._save_config()
        if self.jobs.active():  # joining a running job takes a moment (a CNN fit: up to a
            # step): off the screen meanwhile, not a frozen window
            self.hide()
        try:
            self.shutdown()
        except Exception:  # noqa: BLE001 - each failed step is logged with its name
            log.error("the window closed with a failed shutdown step (logged above)")
        super().closeEvent(event)
