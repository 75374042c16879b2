"""An image the viewer cannot read is counted an error, as the index counts one.

A file whose header reads but whose pixels do not (a PNG cut short after its header, a
DICOM whose pixel data cannot be decoded, pydicom's ``badVR.dcm``) was indexed "new": N
(next unreviewed) landed on it again and again and Enter refused it (nobody can see it),
so it stayed in the unreviewed queue for good. The viewer's read, when it fails for the
file itself (not a transient cause: permission, a vanished share, the pixel limit, a
decoder plugin to install), now records it on the loader's thread
(:meth:`~llmvis_desktop.core.project.Project.record_unreadable`): the grid shows its error
tile, N passes it, the counts and ``llmvis info`` name it, and the next index reads it
again once the file changes.
"""
from __future__ import annotations

import logging

from ..core.imaging.errors import ImageReadError, is_transient
from ..core.store.writable import DatabaseReadOnly
from ..core.wording import visible_name

log = logging.getLogger(__name__)


def read_or_record(read, project, image_id: int, *args):
    """On the image loader's thread: ``read(*args)``; an :class:`ImageReadError` of the file
    itself is recorded (``project`` None: not, a frame or window of an image shown) and
    raised with ``recorded`` True when this changed the image's status."""
    try:
        return read(*args)
    except ImageReadError as exc:
        exc.recorded = False
        if project is not None and not is_transient(exc.reason):
            try:
                exc.recorded = project.record_unreadable(image_id, exc.reason)
            except DatabaseReadOnly as ro:
                log.info("the unreadable image is not recorded: %s", ro)
            except Exception:  # the viewer's error is shown regardless
                log.warning("cannot record the unreadable image %s", image_id, exc_info=True)
        raise


def recorded(win, key, rec, reason: str) -> None:
    """The GUI thread's side once recorded: the row and the counts read again (off the GUI
    thread), and said."""
    project, image_id = key
    if project is not win.project:
        return
    win.panel_ctl.image_reads.ask([image_id])  # its error tile, and Enter's refusal from its status
    win.update_counts()
    name = visible_name(rec.relpath) if rec is not None else f"image {image_id}"
    win.statusBar().showMessage(f"{name} cannot be shown \u2014 {reason} \u2014 counted as an error: N passes "
                                f"it, and it is read again once the file changes.", 10000)
