"""``python -m llmvis_desktop`` / ``llmvis-desktop``: start the desktop app.

Importing this module imports neither Qt nor any ML library; both load in
:func:`main` (Qt) or when a model is first used (torch/transformers).
"""
from __future__ import annotations

import argparse
import logging
import logging.handlers
import sys
import traceback
from typing import Optional

log = logging.getLogger("llmvis_desktop")


def parse_args(argv: Optional[list[str]] = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="llmvis-desktop", description="Offline image annotation assistant.")
    p.add_argument("folder", nargs="?", help="image folder to open (indexed in the background)")
    p.add_argument("--db", metavar="URL", help="database URL (default: SQLite next to the images)")
    p.add_argument("--demo", action="store_true", help="build and open the offline demo project")
    p.add_argument("--debug", action="store_true", help="log debug messages")
    from . import __version__

    p.add_argument("--version", action="version", version=f"llmvis-desktop {__version__}")
    return p.parse_args(argv)


def setup_logging(debug: bool = False) -> Optional[str]:
    from .core.config import log_dir

    root = logging.getLogger()
    root.setLevel(logging.DEBUG if debug else logging.INFO)
    fmt = logging.Formatter("%(asctime)s %(levelname)s %(threadName)s %(name)s: %(message)s")
    path = None
    try:
        d = log_dir()
        d.mkdir(parents=True, exist_ok=True)
        path = str(d / "llmvis.log")
        fh = logging.handlers.RotatingFileHandler(path, maxBytes=5_000_000, backupCount=3, encoding="utf-8")
        fh.setFormatter(fmt)
        root.addHandler(fh)
    except OSError as exc:  # a read-only home must not stop the app
        print(f"llmvis: cannot write the log file: {exc}", file=sys.stderr)
    sh = logging.StreamHandler()
    sh.setFormatter(fmt)
    sh.setLevel(logging.DEBUG if debug else logging.WARNING)
    root.addHandler(sh)
    return path


def excepthook(exc_type, exc, tb) -> None:
    """Log an uncaught exception (a slot that raised) and tell the user; the app keeps running."""
    if issubclass(exc_type, KeyboardInterrupt):
        sys.__excepthook__(exc_type, exc, tb)
        return
    log.error("uncaught exception", exc_info=(exc_type, exc, tb))
    try:
        from PySide6.QtCore import Qt
        from PySide6.QtWidgets import QApplication, QMessageBox

        app = QApplication.instance()
        if app is None:
            return
        from .core.config import log_dir

        box = QMessageBox(QMessageBox.Icon.Critical, "llmvis: unexpected error",
                          f"{exc_type.__name__}: {exc}\n\nYour work so far is saved. "
                          f"Details are in {log_dir() / 'llmvis.log'}.")
        box.setDetailedText("".join(traceback.format_exception(exc_type, exc, tb)))
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()
        excepthook.last_box = box
    except Exception:  # never raise from the hook itself
        log.exception("cannot show the error dialog")


def main(argv: Optional[list[str]] = None) -> int:
    import multiprocessing

    multiprocessing.freeze_support()  # in a frozen build, the suggest job's reader processes start here
    args = parse_args(argv)
    path = setup_logging(args.debug)
    log.info("starting llmvis (log: %s)", path)
    sys.excepthook = excepthook
    from .qt.app import run

    return run(args.folder, args.db, args.demo)


if __name__ == "__main__":
    sys.exit(main())
