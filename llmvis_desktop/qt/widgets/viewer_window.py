"""The ImageViewer's window/level: presets, drags, and how a window gets on screen.

:class:`WindowLevelMixin` is part of :class:`.viewer.ImageViewer` (it uses the
viewer's pixels, pixmap item, scene, timers and preset box); its public methods are the
viewer's: ``set_window``, ``window``, ``chosen_window``, ``loaded_window``,
``window_enabled`` and ``is_preview``.

How a window is drawn: an image of at most :data:`DRAG_PREVIEW_PIXELS` pixels is
converted at once on the GUI thread (a few ms). A larger one first shows a subsampled
copy over the same area (every step of a right-drag, drawn off the GUI thread as well,
latest wins; a preset's on it), and its full resolution is
rendered off the GUI thread (:class:`.viewer_render.WindowRenderer`): at once for a
preset or :meth:`set_window`, when a drag ends (the right button's release), and once
it has paused :data:`DRAG_SETTLE_MS` where the preview is coarser than the screen
(:data:`PREVIEW_COARSE`: zoomed in). Only the
newest window's render reaches the screen; a newer window, another image or frame, or
"As loaded" drops the one under way. Measured on 48 MP images (2 busy cores): a preset
froze the window 0.2-0.4 s (16-bit gray) to 0.6-1.2 s (16-bit RGB, float32); now the GUI
thread spends 12-40 ms on the preview, and the full resolution shows 0.4-1.3 s later.

A drag's steps stay cheap on the GUI thread (``bench_window_level.py``: the longest
stall of a drag on a 48 MP 16-bit TIFF was 63-75 ms): the subsampled copy of the pixels
is made once per image, not at every step; the preview is made in the pixmap's own
format with numpy (no Qt conversion); and the full-resolution picture a drag replaces
is not freed (30-60 ms for its 192 MB) but kept as the canvas the next full
resolution is rendered into. "As loaded" on a large image shows its preview at once
and its full resolution converted off the GUI thread (it converted the whole picture
there: 1.2 s at 48 MP).
"""
from __future__ import annotations

import math
from typing import Optional

import numpy as np

from llmvis_desktop.core.imaging.reader import to_display

from .viewer_display import (
    CT_PRESETS,
    PRESET_AS_LOADED,
    PRESET_AUTO,
    PRESET_CUSTOM,
    PRESET_FULL,
    ct_presets_fit,
    drag_window,
    pixmap_image,
    preset_window,
)
from .viewer_render import PreviewSource

#: a window/level change shows its steps on a copy of at most this many pixels (a
#: drag's steps drawn off the GUI thread, a preset's on it) ...
DRAG_PREVIEW_PIXELS = 1_000_000
#: ... and the full resolution, rendered off it, once a drag has paused this long
DRAG_SETTLE_MS = 150
#: ... where a preview pixel spans more screen pixels than this (zoomed in); zoomed out
#: further (a large image fitted) the preview is about as fine as the screen, and the full
#: resolution waits for the release: its first paint, a 48 MP picture scaled down, took
#: the GUI thread 15-45 ms, in the middle of the drag
PREVIEW_COARSE = 1.5


def preview_step(shape: tuple[int, ...]) -> int:
    """The subsampling step of a window preview of an image of ``shape`` (1: none)."""
    h, w = shape[:2]
    return max(1, math.ceil(math.sqrt(h * w / DRAG_PREVIEW_PIXELS)))


class WindowLevelMixin:
    """Window/level for :class:`.viewer.ImageViewer` (see the module docstring)."""

    # --- public API -------------------------------------------------------------------
    def window(self) -> Optional[tuple[float, float]]:
        return self._window

    def chosen_window(self) -> Optional[tuple[float, float]]:
        """The reviewer's window (a drag, a preset) for the next frame; None for "As loaded"."""
        if not self.window_enabled() or self.preset_combo.currentText() in ("", PRESET_AS_LOADED):
            return None
        return self._window

    def loaded_window(self) -> Optional[tuple[float, float]]:
        """The window the frame was loaded with (for other frames of a file without one)."""
        return self._loaded_window if self.window_enabled() else None

    def window_enabled(self) -> bool:
        """Window/level applies: data deeper than 8 bits, or a grayscale DICOM (an 8-bit
        one shown through a narrow file window could not be widened)."""
        if self._pixels is None:
            return False
        fmt = str(getattr(getattr(self._data, "meta", None), "format", "") or "").upper()
        return self._pixels.dtype != np.uint8 or (fmt == "DICOM" and self._pixels.ndim == 2)

    def set_window(self, center: float, width: float) -> None:
        """Apply a window/level (no-op for plain 8-bit images). On a large image a preview
        shows at once and the full resolution follows (:meth:`is_preview`)."""
        if not self.window_enabled():
            return
        self._select_preset(PRESET_CUSTOM)
        self._change_window((float(center), float(width)), immediate=True)

    def is_preview(self) -> bool:
        """Whether a subsampled copy is on screen (its full resolution is on its way)."""
        return self._preview_step > 1

    # --- presets ------------------------------------------------------------------------
    def _fill_presets(self) -> None:
        combo = self.preset_combo
        combo.clear()
        if not self.window_enabled():
            return
        combo.addItem(PRESET_AS_LOADED)
        combo.addItem(PRESET_AUTO)
        combo.addItem(PRESET_FULL)
        if self._is_ct_like():
            for name in CT_PRESETS:
                combo.addItem(name)
        combo.setCurrentIndex(0)

    def _is_ct_like(self) -> bool:
        return self._pixels is not None and ct_presets_fit(getattr(self._data, "meta", None), self._pixels)

    def _select_preset(self, name: str) -> None:
        combo = self.preset_combo
        i = combo.findText(name)
        if i < 0 and name == PRESET_CUSTOM and combo.count():
            combo.addItem(PRESET_CUSTOM)
            i = combo.count() - 1
        if i >= 0:
            combo.setCurrentIndex(i)

    #: the preset the reviewer chose last (in the W/L box, with W): each next image that
    #: offers it opens through it, as a series' slices do in a DICOM viewer (every image
    #: opened "As loaded": a CT series of one file per slice needed the lung window chosen
    #: again on each); "As loaded" chosen ends it, a drag (Custom) leaves it for the next
    _kept_preset: Optional[str] = None

    def _preset_chosen(self, index: int) -> None:
        """The W/L box's choice (its ``activated``): applied, and kept for the next images."""
        name = self.preset_combo.itemText(index)
        self._kept_preset = None if name in (PRESET_AS_LOADED, PRESET_CUSTOM, "") else name
        self._on_preset(index)

    def kept_preset(self) -> Optional[str]:
        return self._kept_preset

    def _apply_kept_preset(self) -> None:
        """A new image shown: through the kept preset when its W/L box offers it."""
        i = self.preset_combo.findText(self._kept_preset) if self._kept_preset else -1
        if i >= 0 and self.window_enabled():
            self.preset_combo.setCurrentIndex(i)
            self._on_preset(i)

    def step_preset(self, delta: int) -> str:
        """Apply the next (``delta`` 1) or previous (-1) preset of the W/L box, round the
        list, as choosing it there does (the window's W and Shift+W: the W/L box needed the
        mouse); from "Custom" (a drag) W goes to the first, Shift+W to the last. Returns
        what the status bar says: the preset applied, or why there is none to apply."""
        combo = self.preset_combo
        names = [combo.itemText(i) for i in range(combo.count()) if combo.itemText(i) != PRESET_CUSTOM]
        if not names or not self.window_enabled():
            if self._pixels is None:
                return "Window/level: no image is shown."
            return ("Window/level: none for this image (8-bit); it applies to 16-bit, float and "
                    "grayscale DICOM images.")
        current = combo.currentText()
        at = names.index(current) if current in names else (-1 if delta > 0 else 0)
        name = names[(at + delta) % len(names)]
        self._select_preset(name)
        self._preset_chosen(combo.currentIndex())
        window = self.window()
        shown = f" (W {window[1]:g}  L {window[0]:g})" if window is not None and name in (
            PRESET_AS_LOADED, PRESET_AUTO, PRESET_FULL) else ""
        kept = "" if self._kept_preset is None else ", kept for the next images"
        return f"Window/level: {name}{shown}{kept}; W next, Shift+W previous."

    def _on_preset(self, index: int) -> None:
        if self.preset_combo.itemText(index) == PRESET_AS_LOADED and self._show_loaded():
            return
        w = preset_window(self.preset_combo.itemText(index), self._measured, self._loaded_window, self._range)
        if w is not None:
            self._change_window(w, immediate=True)

    def _show_loaded(self) -> bool:
        """Put the frame back as its file shows it (its window, or its VOI LUT, which no
        window can give: "As loaded" showed a linear stand-in); False when that is not known."""
        loaded = self._loaded
        if loaded is None or loaded.window is None or not self.window_enabled():
            return False
        display = np.asarray(loaded.display)
        if display.shape[:2] != self._pixels.shape[:2]:
            return False
        self._stop_window_work()
        self._window = (float(loaded.window[0]), float(loaded.window[1]))
        step = preview_step(self._pixels.shape)
        if step > 1:  # its preview now, its full resolution converted off the GUI thread
            preview = np.ascontiguousarray(display[::step, ::step])
            self._show_window_display(preview, step, pixmap_image(preview))
            self._renderer.request_display(display, self._window, self._canvas)
        else:
            self._set_display(display)
        self._update_status()
        self.windowChanged.emit(self._window[0], self._window[1])
        return True

    # --- changing and drawing the window ------------------------------------------------
    def _stop_window_work(self) -> None:
        """Forget pending window steps and renders; the full-size pixmap is what shows next."""
        self._apply_timer.stop()
        self._full_timer.stop()
        self._renderer.cancel()
        self._pending_window = None
        self._preview_step = 1
        self._item.setScale(1)
        self._full_window = self._shown_window = None  # next: the file's own look, or nothing
        self._loaded_look = True

    def _drag_window(self, start: tuple[float, float], dx: float, dy: float) -> None:
        window = drag_window(start, dx, dy, self._range)
        self._select_preset(PRESET_CUSTOM)
        self._change_window(window, immediate=False)

    def _end_window_drag(self) -> None:
        """The right button is released: the final window's full resolution is asked for
        now (it waited for :data:`DRAG_SETTLE_MS` more)."""
        if self._pending_window is not None:
            self._apply_timer.stop()
            self._apply_pending_window()
        self._full_timer.stop()
        self._apply_full_window()

    def _change_window(self, window: tuple[float, float], immediate: bool) -> None:
        if not self.window_enabled():
            return
        self._pending_window = (float(window[0]), max(float(window[1]), 1e-6))
        if immediate:
            self._apply_timer.stop()
            self._apply_pending_window(preview=False)
        elif not self._apply_timer.isActive():
            self._apply_timer.start()

    def _apply_pending_window(self, preview: bool = True) -> None:
        """Show the pending window: a drag step (``preview``) or a preset/API change."""
        if self._pending_window is None or self._pixels is None:
            return
        self._window = self._pending_window
        self._pending_window = None
        self._loaded_look = False
        self._renderer.cancel()  # a render of an earlier window is stale
        step = preview_step(self._pixels.shape)
        if step > 1 and preview:  # a drag step: its preview off the GUI thread too
            self._renderer.request_preview(self._preview_source(step), self._window,
                                           self._invert, self._sigmoid)
            self._full_timer.start()  # restarted by every step of the drag
        elif step > 1:
            self._render_preview(step)
            self._full_timer.stop()
            self._apply_full_window()
        else:
            self._full_timer.stop()
            self._render_window(self._pixels, 1)
        self._update_status()
        self.windowChanged.emit(float(self._window[0]), float(self._window[1]))

    def _on_drag_paused(self) -> None:
        """A drag paused :data:`DRAG_SETTLE_MS`: its full resolution, if the button is no
        longer held or the preview is coarser than the screen (:data:`PREVIEW_COARSE`)."""
        if self._pixels is None:
            return
        coarse = preview_step(self._pixels.shape) * self.zoom() > PREVIEW_COARSE
        if coarse or not self._view.dragging_window():
            self._apply_full_window()

    def _apply_full_window(self) -> None:
        """Ask for the full resolution of the window on screen, off the GUI thread (not
        again while it is on its way: a release after a pause)."""
        if self._pixels is None or self._window is None or self._loaded_look:
            return
        if self._preview_step == 1 and self._full_window == self._window:
            return  # on screen already
        step = preview_step(self._pixels.shape)
        if step > 1 and self._shown_window != self._window:
            self._render_preview(step)  # the step's preview was still on its way: now, here
        if self._renderer.asked() != self._window:
            self._renderer.request(self._pixels, self._window, self._invert, self._sigmoid, self._canvas)

    def _keep_canvas(self, image) -> None:
        """``image``, a screen image the pixmap no longer shows: kept, when it is of the
        image's full size, for the next full resolution to be rendered into."""
        if self._pixels is not None and (image.height(), image.width()) == self._pixels.shape[:2]:
            self._canvas = image

    def _on_rendered(self, window, display: np.ndarray, image) -> None:
        """``WindowRenderer.rendered``: the full resolution of ``window``."""
        if self._pixels is None or window != self._window or display.shape[:2] != self._pixels.shape[:2]:
            return  # another image, or a window shown since
        self._show_window_display(display, 1, image)

    def _on_previewed(self, window, display: np.ndarray, image, step: int) -> None:
        """``WindowRenderer.previewed``: a drag step's preview of ``window``."""
        if self._pixels is None or window != self._window or step != preview_step(self._pixels.shape):
            return
        self._show_window_display(display, step, image)

    def _preview_source(self, step: int) -> PreviewSource:
        """The image's subsampled copy for previews, made once per image (on the
        thread that first needs it)."""
        source = self._preview_pixels
        if source is None or source.pixels is not self._pixels or source.step != step:
            source = self._preview_pixels = PreviewSource(self._pixels, step)
        return source

    def _render_preview(self, step: int) -> None:
        """Show the window on every ``step``-th pixel: a copy made once per image (every
        step of a drag gathered them from the whole image), in the pixmap's own format."""
        display = to_display(self._preview_source(step).get(), self._window, invert=self._invert,
                             sigmoid=self._sigmoid)
        self._show_window_display(display, step, pixmap_image(display))

    def _render_window(self, pixels: np.ndarray, step: int) -> None:
        """Convert ``pixels`` (the image, or every ``step``-th pixel of it) on this thread."""
        self._show_window_display(
            to_display(pixels, self._window, invert=self._invert, sigmoid=self._sigmoid), step)

    def _show_window_display(self, display: np.ndarray, step: int, ready=None) -> None:
        full = self._image_rect()
        self._set_display(display, ready)
        self._preview_step = step
        self._full_window = self._window if step == 1 and not self._loaded_look else None
        self._shown_window = None if self._loaded_look else self._window
        self._item.setScale(step)  # the copy covers the image's whole area
        self._scene.setSceneRect(full)
