"""The image in the viewer: the current image's file read off the GUI thread and shown.

:class:`ShownImage` (the window's ``shown``) reads the file of the image selected in the
grid, or another frame of it, on one :class:`~.workers.LatestOnly` loader (the newest
request wins; the window's ``image_loader``) and hands the pixels to the viewer when they
land. It keeps which image the viewer shows (``viewer_image``: Ask the image and the
repair read the viewer's frame and window only for that one) and why it could not show
one (``unshown_reason``: the review keys refuse an image nobody can see). A file that
cannot be read for itself is recorded as unreadable (:mod:`.unreadable_mark`).
"""
from __future__ import annotations

from pathlib import Path

from .unreadable_mark import read_or_record, recorded
from .workers import LatestOnly


def _read_image(path: Path, max_pixels: int, frame: int = 0, window=None, default_window=None):
    """On the loader thread: (ImageData to show, its display ready for the screen or None,
    the frame as its file shows it when ``window`` changed that, else None).

    ``window``: the reviewer's, shown through instead of the file's own window or VOI LUT
    (kept too, for "As loaded"); ``default_window``: for a frame whose file gives none."""
    from dataclasses import replace

    from ..core.imaging.reader import read_image, to_display
    from .widgets.viewer_display import screen_image

    data = read_image(path, max_pixels=max_pixels, frame=frame, default_window=default_window)
    if window is None:
        return data, screen_image(data.display), None
    meta = data.meta  # as the viewer draws a window the reviewer sets
    shown = replace(data, window=window,
                    display=to_display(data.pixels, window, invert=meta.inverted, sigmoid=meta.sigmoid))
    return shown, screen_image(shown.display), data


class ShownImage:
    """The viewer's image for the main window ``win`` (its ``viewer``, ``review``,
    ``project``, ``config`` and ``model``)."""

    def __init__(self, win) -> None:
        self.win = win
        self.loader = LatestOnly(win)
        self.loader.done.connect(self._on_loaded)
        #: (project, image id) of the pixels shown, None while none (or an error) is
        self.viewer_image = None
        self._frame_step = None  # (frame, count): the image being read is another frame of the one shown
        self._unshown = None  # ((project, image id), reason): the image the viewer could not show
        self._shown_id = None  # (image id, mtime) the viewer shows or is reading
        self._loading_path = None
        self._loading_key = None

    def show(self, rec) -> None:
        """The current image changed to ``rec`` (None: none): read and show it, unless the
        viewer shows these pixels already (an action changed the annotation only)."""
        win = self.win
        if rec is None:
            self.loader.cancel()
            self._frame_step = None
            win.viewer_call("clear")
            self.viewer_image = None
            self._shown_id = None  # the same image selected again (a re-sort, a filter) is shown again
            return
        if self._shown_id == (rec.id, rec.mtime_ns):
            return  # an action changed the annotation, not the pixels
        self._shown_id = (rec.id, rec.mtime_ns)
        win.viewer_call("show_loading", rec.relpath)  # the last picture is not this image's
        self._load(rec)

    def show_frame(self, frame: int) -> None:
        """``viewer.frameRequested``: read another frame of the image shown."""
        win = self.win
        if win.review.current is not None and win.project is not None:
            # through the window the reviewer chose (it was reset at every step); while the
            # box says "As loaded", as the file shows that frame (its own window or VOI LUT:
            # frame 1's was forced on the others), frames without one through frame 1's
            # window (each was stretched to its own range)
            count = win.viewer.frames()[1]
            self._load(win.review.current, frame, win.viewer.chosen_window(), win.viewer.loaded_window())
            self._frame_step = (frame, count)  # shown as a frame of the same image (or its error)

    def step_frame(self, delta: int) -> None:
        """[ and ]: the previous or next frame; on an image of one frame, a word saying so
        (the keys did nothing at all)."""
        win = self.win
        frames = getattr(win.viewer, "frames", None)
        if frames is not None and win.review.current is not None and frames()[1] <= 1:
            if getattr(win.viewer, "mode", lambda: "")() == "error":  # its frames are not known
                win.statusBar().showMessage("This image could not be read, so it has no frames to step "
                                            "through.", 4000)
            else:
                win.statusBar().showMessage("This image has a single frame ([ and ] step through the "
                                            "frames of multi-frame DICOM and multi-page TIFF files).", 4000)
            return
        win.viewer_call("step_frame", delta)

    def _load(self, rec, frame: int = 0, window=None, default_window=None) -> None:
        """Read ``frame`` of ``rec``'s file off the GUI thread (through ``window`` when
        given); the viewer shows it when read."""
        win = self.win
        self._loading_path = win.project.path_of(rec)
        self._loading_key = (win.project, rec.id)
        self._frame_step = None  # set by show_frame after this; any other load is an image of its own
        mark = win.project if frame == 0 and window is None else None  # the file unreadable: an error
        self.loader.submit(read_or_record, _read_image, mark, rec.id, self._loading_path,
                           win.config.max_image_pixels, frame, window, default_window)

    def _on_loaded(self, data, error) -> None:
        win = self.win
        if error is not None:
            reason = getattr(error, "reason", None) or f"{type(error).__name__}: {error}"
            step = (self._frame_step,) if self._frame_step else ()  # a frame that failed: the bar says which
            win.viewer_call("show_error", str(self._loading_path), reason, *step)
            self.viewer_image = None
            if not step:  # the image itself, not one more frame of it, could not be shown
                self._unshown = (self._loading_key, reason)
                if getattr(error, "recorded", False):  # counted an error now: N passes it
                    recorded(win, self._loading_key, win.model.record(self._loading_key[1]), reason)
        else:
            # (project, image id) of the pixels shown: Ask the image takes the viewer's frame
            # and window only for that image (not for one whose load is still under way)
            self.viewer_image = self._loading_key
            self._unshown = None
            data, ready, loaded = data
            if self._frame_step:
                win.viewer_call("show_frame_data", data, ready, loaded)
            else:
                win.viewer_call("show_image", data, ready)
        self._frame_step = None

    def unshown_reason(self, image_id: int):
        """Why the viewer could not show ``image_id`` of this project (its read failed);
        None when it showed it or has not tried."""
        key, reason = self._unshown or (None, None)
        return reason if key == (self.win.project, image_id) else None
