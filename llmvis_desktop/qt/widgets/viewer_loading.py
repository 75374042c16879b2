"""The ImageViewer's "loading" state: the window's current image changed and its pixels
are still being read.

:class:`LoadingMixin` is part of :class:`.viewer.ImageViewer`; its public method is the
viewer's ``show_loading(name)``.

The grid, the caption, the labels and the suggestions switch to the new image at once,
and the review keys act on it; the viewer kept showing the last picture, with its size
and format in the status line, until the new one was decoded (0.2 s in a review queue,
1.6 s on a loaded machine, 10 s for a 108 MP PNG): a reviewer could judge one image and
accept a suggestion for another. Now, at once, the status line says "Loading NAME…" and
nothing of the last image is current any more (zoom, pan, window/level and frame steps
do nothing; ``mode()`` is ``"loading"``); after :data:`LOADING_BLANK_MS` the last
picture makes way for a "Loading NAME…" page. A read faster than that (most) swaps the
pictures with no blank frame in between; an error panel or the empty placeholder makes
way at once (no picture to keep).
"""
from __future__ import annotations

from PySide6.QtCore import QTimer
from PySide6.QtGui import QPixmap

from .error_panel import breakable

#: the last picture stays on screen (the status line already saying "Loading") this long
#: before the "Loading" page replaces it: a fast read does not flash a blank page
LOADING_BLANK_MS = 100


class LoadingMixin:
    def _init_loading(self) -> None:
        self._loading_name = ""
        self._loading_timer = QTimer(self)
        self._loading_timer.setSingleShot(True)
        self._loading_timer.setInterval(LOADING_BLANK_MS)
        self._loading_timer.timeout.connect(self._show_loading_page)

    def show_loading(self, name: str) -> None:
        """``name`` is now the window's image and is being read; ``show_image`` or
        ``show_error`` follows."""
        had_picture = self._mode == "image" and not self.is_preview()  # (a preview is drawn scaled)
        # the last image's pixels, window, frames: gone (zoom, W/L do nothing); its picture
        # and the toolbar's zoom and W/L box stay until the page replaces them
        self._reset_image(keep_picture=had_picture)
        self._mode = "loading"
        self._hover_text = ""
        self._loading_name = str(name)
        self._set_status(f"Loading {self._loading_name}\u2026")
        if had_picture:  # on screen a little longer: no blank flash on a fast read
            self._loading_timer.start()
        else:
            self._show_loading_page()

    def is_loading(self) -> bool:
        """An image is being read and its picture is not on screen yet."""
        return self._mode == "loading"

    def _show_loading_page(self) -> None:
        if self._mode != "loading":
            return
        self._loading_timer.stop()
        self._item.setPixmap(QPixmap())  # the last picture (and its memory): gone
        self.zoom_label.setText("")
        self.preset_combo.clear()
        # breakable: a long path wraps (its one line was the viewer's minimum width: stepping
        # onto `Ärzte ü/série 2/JPEG2000-embedded-sequence-delimiter.dcm` widened the viewer
        # pane to 610 px and squeezed the Labels dock from 409 to 262 px, for good)
        self._placeholder.setText(f"Loading {breakable(self._loading_name)}\u2026")
        self._stack.setCurrentWidget(self._placeholder)
        self._show_frames()
        self._set_controls_enabled(False)
