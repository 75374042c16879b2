"""A termination signal closes the window as its close button does.

SIGTERM (a ``kill``, a session or service manager ending the app), SIGHUP (the terminal
it was started from closed) and SIGINT (Ctrl+C there) ended the process at once: a
caption typed and not yet saved with Ctrl+Enter was lost, and so were the reviews the
window had already moved on from while their writes were still under way ("Saving 3
reviews…" on a team's server), though closing the window saves both. Now the first such
signal closes every window the way the close button does (the typed caption saved, the
writes in flight finished, jobs stopped, the database closed) and the app then quits; a
second one does what the signal did before (ends the process at once).

Python runs a signal's handler only when the interpreter next runs, which Qt's event loop
may not do for a long time; the signal also wakes the event loop through a socket
(``signal.set_wakeup_fd``) that a ``QSocketNotifier`` watches. A signal ignored when the
app started (``nohup`` ignores SIGHUP) stays ignored.
"""
from __future__ import annotations

import logging
import signal
import socket
from typing import Callable

from PySide6.QtCore import QSocketNotifier, QTimer
from PySide6.QtWidgets import QApplication

log = logging.getLogger(__name__)

SIGNALS = ("SIGTERM", "SIGHUP", "SIGINT")


def close_on_signals(win) -> Callable[[], None]:
    """Close ``win`` (and every other window) at the first termination signal, then quit
    the app. Returns what puts the signals' earlier handling back (after the event loop).
    Only the main thread can do this; elsewhere nothing is changed."""
    try:
        reader, writer = socket.socketpair()
    except OSError as exc:
        log.debug("no wake-up socket for signals: %s", exc)
        return lambda: None
    reader.setblocking(False)
    writer.setblocking(False)
    try:
        old_fd = signal.set_wakeup_fd(writer.fileno(), warn_on_full_buffer=False)
    except ValueError:  # not the main thread
        reader.close()
        writer.close()
        return lambda: None
    notifier = QSocketNotifier(reader.fileno(), QSocketNotifier.Type.Read, win)
    notifier.activated.connect(lambda *_: _drain(reader))  # Python runs: the handler below runs
    olds: dict = {}

    def put_back() -> None:
        for sig, old in olds.items():
            try:
                signal.signal(sig, old)
            except (ValueError, OSError, TypeError):
                pass
        olds.clear()

    def handler(signum, _frame) -> None:
        put_back()  # a second signal does what it did before: ends the process at once
        log.warning("%s received: closing the window (a typed caption and the reviews being written "
                    "are saved first)", signal.Signals(signum).name)
        QTimer.singleShot(0, _close_all)

    for name in SIGNALS:
        sig = getattr(signal, name, None)
        if sig is None or signal.getsignal(sig) == signal.SIG_IGN:
            continue
        try:
            olds[sig] = signal.signal(sig, handler)
        except (ValueError, OSError):
            continue

    def restore() -> None:
        put_back()
        notifier.setEnabled(False)
        try:
            signal.set_wakeup_fd(old_fd)
        except ValueError:
            pass
        reader.close()
        writer.close()

    return restore


def _drain(sock: socket.socket) -> None:
    try:
        while sock.recv(512):
            pass
    except OSError:  # nothing more to read
        pass


def _close_all() -> None:
    app = QApplication.instance()
    if app is None:
        return
    app.closeAllWindows()  # the main window's close event saves and shuts down
    app.quit()
