"""Application start: the QApplication, the welcome page, and what to open first.

``llmvis-desktop FOLDER`` opens FOLDER and indexes it in the background; with no
folder the last project is reopened when it still exists, else the welcome page
(recent projects, "Open folder…", "Open team project…", "Open demo project"); ``--demo`` builds the demo folder
under the data dir and opens it.
"""
from __future__ import annotations

import gc
import logging
import os
import sys
from pathlib import Path
from typing import Optional

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import (
    QApplication,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ..core import config as cfg_mod
from ..core import lazy_torch
from .icons import app_icon, icon
from .style import muted_color
from .workers import void

log = logging.getLogger(__name__)
#: the product's name wherever the GUI names it (title, welcome, About); the commands
#: are ``llmvis-desktop`` (this window) and ``llmvis`` (headless)
APP_NAME = "llmvis"


def about_text() -> str:
    """The About box: the product's name as the window's title gives it (it said
    "llmvis-desktop" under a window titled "llmvis"), its version, where its files are."""
    from .. import __version__
    from ..core import config as cfg_mod

    return (f"{APP_NAME} {__version__} \u2014 offline annotation assistant.\n"
            f"Installed as the Python package llmvis-desktop {__version__}; commands: llmvis-desktop "
            f"(this window), llmvis (headless).\n"
            f"Configuration: {cfg_mod.config_path()}\nLogs: {cfg_mod.log_dir()}")


def leave_a_core_to_the_ui() -> Optional[int]:
    """Run torch (imported later, for suggestions or repairs) on all cores but one.

    Inference on every core took the GUI thread's core while a reviewer scrolled: 52 ms
    stalls with a medium BLIP on 2 cores (``tests/benchmarks/bench_gui_suggest.py``).
    Lowering the model thread's priority instead made things worse: it holds the
    interpreter lock between torch calls, and the GUI thread waited for it to be
    scheduled again. Set through ``OMP_NUM_THREADS`` before torch is imported, so
    every torch job of the GUI process gets the same policy; a value the user set is
    kept. Returns the thread count set, or None."""
    if "OMP_NUM_THREADS" in os.environ or "torch" in sys.modules:
        return None
    n = max(1, (os.cpu_count() or 2) - 1)
    os.environ["OMP_NUM_THREADS"] = str(n)
    return n


def create_app(argv: Optional[list[str]] = None) -> QApplication:
    leave_a_core_to_the_ui()
    lazy_torch.install()  # the first torch import of a job will not freeze the window
    app = QApplication.instance()
    if app is None:
        app = QApplication(list(argv) if argv is not None else sys.argv[:1])
    app.setApplicationName(APP_NAME)
    app.setApplicationDisplayName(APP_NAME)
    app.setOrganizationName("llmvis")
    app.setDesktopFileName("llmvis-desktop")
    app.setWindowIcon(app_icon())
    return app


#: a recent project's item data: its folder is not there (greyed, said "(not reachable)")
UNREACHABLE = Qt.ItemDataRole.UserRole + 1


class WelcomePage(QWidget):
    open_folder = Signal()
    open_demo = Signal()
    open_recent = Signal(str)
    open_team = Signal()

    def __init__(self, recent: list[str], parent: Optional[QWidget] = None,
                 databases: Optional[dict[str, str]] = None) -> None:
        super().__init__(parent)
        self.setObjectName("welcome")
        outer = QVBoxLayout(self)
        outer.addStretch(1)
        box = QWidget()
        box.setMaximumWidth(640)
        lay = QVBoxLayout(box)
        logo = QLabel()
        logo.setPixmap(app_icon().pixmap(72, 72))
        title = QLabel(f"<h1>{APP_NAME}</h1><p>Offline image annotation: a fast grid, local model "
                       "suggestions, keyboard review, audit history.</p>")
        title.setWordWrap(True)
        head = QHBoxLayout()
        head.addWidget(logo)
        head.addWidget(title, 1)
        lay.addLayout(head)
        buttons = QHBoxLayout()
        self.open_button = QPushButton(icon("folder-open"), "Open folder…", objectName="openFolder")
        self.team_button = QPushButton(icon("folder-open"), "Open team project…", objectName="openTeam")
        self.demo_button = QPushButton(icon("demo"), "Open demo project", objectName="openDemo")  # (as File ▸ names it)
        for b in (self.open_button, self.team_button, self.demo_button):
            b.setMinimumHeight(36)
            buttons.addWidget(b)
        buttons.addStretch(1)
        lay.addLayout(buttons)
        lay.addWidget(QLabel("<b>Recent projects</b>"))
        self.recent = QListWidget(objectName="recentList")
        self.recent.setMinimumHeight(160)
        # a long path is shortened in its middle, its end and "(not reachable)" stay in
        # sight (they went behind a horizontal scroll bar); the tooltip has it whole
        self.recent.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.recent.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.recent.setUniformItemSizes(True)
        lay.addWidget(self.recent)
        self.set_recent(recent, databases)
        self._hint = hint = QLabel("Tip: start with <code>llmvis-desktop FOLDER</code> to open a folder directly.")
        self.follow_palette()
        lay.addWidget(hint)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(box, 3)
        row.addStretch(1)
        outer.addLayout(row)
        outer.addStretch(2)
        self.open_button.clicked.connect(self.open_folder)
        self.team_button.clicked.connect(self.open_team)
        self.demo_button.clicked.connect(self.open_demo)
        self.recent.itemActivated.connect(void(lambda it: self.open_recent.emit(it.data(Qt.ItemDataRole.UserRole))))

    def follow_palette(self) -> None:
        """The tip's and the unreachable projects' muted colours from the palette now
        (built, or the OS switched light/dark)."""
        self._hint.setStyleSheet(f"color: {muted_color(self.palette(), QPalette.ColorRole.Window)}")
        for i in range(self.recent.count()):
            item = self.recent.item(i)
            if item.data(UNREACHABLE):
                item.setForeground(QColor(muted_color(self.recent.palette())))

    def set_recent(self, recent: list[str], databases: Optional[dict[str, str]] = None) -> None:
        """``databases``: folder -> the team database it was opened with (no password),
        named in its entry."""
        from .team_open import recent_text

        self.recent.clear()
        for folder in recent:
            text = recent_text(folder, (databases or {}).get(folder))
            item = QListWidgetItem(icon("folder-open"), text)
            item.setData(Qt.ItemDataRole.UserRole, folder)
            item.setToolTip(text)
            if not Path(folder).is_dir():
                item.setText(f"{text}  (not reachable)")
                # muted, as the palette mutes text: Qt's gray was 2.6:1 on a light list
                item.setData(UNREACHABLE, True)
                item.setForeground(QColor(muted_color(self.recent.palette())))
            self.recent.addItem(item)
        if not recent:
            item = QListWidgetItem("No recent projects yet.")
            item.setFlags(Qt.ItemFlag.NoItemFlags)
            self.recent.addItem(item)


#: modules the window's first second imported on worker threads (the project's opening:
#: SQLAlchemy's SQLite dialect, the database's place, the provisional labels, the owner
#: file; not the migrations' alembic, 130 ms, run only at a folder's first open; the learned
#: suggester's readiness and the Ask box's model check: the suggest package)
OPEN_IMPORTS = ("sqlalchemy.dialects.sqlite", "llmvis_desktop.core.store.provisional_labels",
                "llmvis_desktop.core.store.readonly_copy", "llmvis_desktop.core.owner", "llmvis_desktop.core.suggest.learned_ready",
                "llmvis_desktop.core.suggest.optins",
                # a job's modules (pipeline, readers, cores): imported by the job's thread as
                # it started, they stalled the window 20-57 ms in the job's "prep" phase once
                # the learned suggester was no longer built at open (which had imported them);
                # ~37 ms here, before the window shows
                "llmvis_desktop.core.suggest.batch")


def import_before_show() -> None:
    """Import on the GUI thread, before the window is first shown (no event loop runs
    yet, nothing to stall), what the window's opening would import on worker threads
    while it paints: an import holds the interpreter lock in long stretches (reading a
    .pyc, building classes) that the thread switch interval does not break, and the
    paints waited for it (stalls of 23-58 ms in ``bench_first_job_stall.py --sample``).
    ~90 ms, once: Pillow's plugins of the read formats and :data:`OPEN_IMPORTS`."""
    import importlib

    from ..core.imaging.reader import load_plugins

    load_plugins()
    for name in OPEN_IMPORTS:
        importlib.import_module(name)


def build_window(folder: Optional[str] = None, db_url: Optional[str] = None, demo: bool = False,
                 config: Optional[cfg_mod.Config] = None):
    """Create the main window with its welcome page and open what the arguments ask for."""
    from .main_window import MainWindow

    import_before_show()
    loaded = None
    if config is None:
        loaded = cfg_mod.read_config()  # every valid setting kept; the wrong ones named
        config = loaded.config
    win = MainWindow(config)
    if loaded is not None and loaded.problems:
        win.startup_notes.insert(0, config_notice(win, loaded))
    welcome = WelcomePage(config.recent_projects, databases=config.project_databases)
    welcome.open_folder.connect(void(win.choose_folder))
    welcome.open_team.connect(void(win.open_team))
    welcome.open_demo.connect(void(win.open_demo))
    welcome.open_recent.connect(void(win.open_project))
    win.project_closed.connect(lambda: welcome.set_recent(win.config.recent_projects, win.config.project_databases))
    win.set_welcome(welcome)
    if demo:
        win.open_demo()
    elif folder:
        win.open_project(folder, db_url)
    elif config.last_project and Path(config.last_project).is_dir():
        win.open_project(config.last_project, db_url)
    if win.startup_notes:  # its own box: an error opening the folder does not replace it
        win.show_error("\n\n".join(win.startup_notes), box_name="notice_box")
    settle_garbage_collector()
    return win


def config_notice(win, loaded: "cfg_mod.LoadedConfig") -> str:
    """What to tell the user of a config.json with wrong settings. The file is copied
    aside first (the window saves its settings over it); one that cannot be copied is
    left as it is and the window does not save over it."""
    lines = [f"Some settings in {loaded.path} are wrong and were ignored:"]
    lines += [f"\u2022 {p}" for p in loaded.problems]
    if not loaded.unreadable:
        lines.append("The other settings are used.")
    try:
        backup = cfg_mod.backup_config(loaded.path)
    except OSError as exc:
        win.config_file_kept = f"{loaded.path} cannot be copied aside ({exc.strerror or exc})"
        lines.append(f"The file could not be copied aside ({exc.strerror or exc}), so llmvis does "
                     f"not write over it: settings changed now are not saved.")
    else:
        lines.append(f"The file as it was is kept at {backup}; llmvis saves its settings "
                     f"without these mistakes.")
    return "\n".join(lines)


GC_THRESHOLDS = (5000, 20, 20)
_COLLECTED = False  # the first window collected before it froze


def settle_garbage_collector() -> None:
    """Keep the cyclic collector's pauses short on the GUI thread.

    A full collection walks every tracked object and holds the interpreter while it
    does: after Qt, SQLAlchemy, PIL and numpy are imported that was 50-60 ms, seen as
    the longest event-loop stalls while scrolling 100k images. Objects alive once the
    window is built (modules, classes, the window) are moved out of the collector's
    sight (``gc.freeze``), and young collections run less often, so the ones left
    only walk what was made since.

    Only the first window of a process collects first: a later one (the test run's next
    window, a second window) only freezes. Its predecessor's shutdown gave every frozen
    object back to the collector (``window_shutdown.release_frozen``), and a full
    collection here then walked all of them again, 150 ms per window: the whole test run
    went from about 17 to 32 minutes.
    """
    global _COLLECTED
    if not _COLLECTED:
        gc.collect()
        _COLLECTED = True
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)


def run(folder: Optional[str] = None, db_url: Optional[str] = None, demo: bool = False) -> int:
    app = create_app()
    win = build_window(folder, db_url, demo)
    win.show()
    from .term_close import close_on_signals

    restore = close_on_signals(win)  # a kill or a closed terminal closes it as its close button does
    try:
        return app.exec()
    finally:
        restore()
