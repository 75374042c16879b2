"""ImageViewer: one image with zoom, pan and window/level (16-bit, DICOM) fidelity.

Public API
----------
``ImageViewer(parent=None)``

Methods
    ``show_image(data: ImageData)``   show a decoded image (``core.imaging.reader.ImageData``);
                                      the viewer keeps ``data.pixels`` (full depth) and
                                      recomputes ``display`` from it on every W/L change.
    ``show_error(path, reason)``      replace the image by an error panel naming file and reason.
    ``show_loading(name)``            ``name`` is being read: "Loading NAME…", nothing of the
                                      last image current (:mod:`.viewer_loading`).
    ``clear()``                       show the empty placeholder.
    ``fit()``                         fit the whole image in the view (also: F key, toolbar);
                                      the view stays fitted while it is resized. On a
                                      line-scan strip fitted whole, its short side
                                      (scroll along it; the next strips open so), and
                                      back (:mod:`.viewer_zoom`). ``fit_kind()``.
    ``show_region(box, source_px)``   zoom to a box of the image's pixels, outlined until
                                      the next image (``tile_outline()``; :mod:`.viewer_zoom`).
    ``actual_size()``                 1:1: one image pixel per screen (device) pixel,
                                      on a 2x screen too (also: 0 key, toolbar).
    ``zoom_in()`` / ``zoom_out()``    by 1.25x (also: + / - keys, wheel, toolbar).
    ``set_zoom(factor)`` / ``zoom() -> float``   device pixels per image pixel: 1.0 is
                                      1:1, shown as "100%" (on a 2x screen the view's own
                                      scale is then 0.5).
    ``device_pixel_ratio() -> float`` the view's devicePixelRatioF() (tests replace it).
    ``set_window(center, width)``     apply a window/level (no-op for plain 8-bit images);
                                      on a large image a preview shows at once and the
                                      full resolution, rendered off the GUI thread, follows.
    ``window() -> (center, width) | None``
    ``window_enabled() -> bool``      True for pixels deeper than 8 bits, or a grayscale DICOM.
    ``current_display() -> ndarray | None``  the uint8 array on screen.
    ``is_preview() -> bool``          a window's subsampled preview is on screen.
    ``shutdown()``                    stop the window renderer's thread (window close).
    ``mode() -> "empty" | "image" | "error" | "loading"``
    ``status_text() -> str``          what the status line shows (size, bit depth, zoom, W/L).

Signals
    ``windowChanged(float center, float width)``  after every W/L change (user or API).
    ``zoomChanged(float factor)``

Mouse and keys (only when the view has focus; Left/Right/J/K/Up/Down/Enter... are
ignored so they reach the window's review shortcuts):
    wheel / Ctrl+wheel: zoom about the cursor; left or middle drag: pan;
    right drag: window/level (horizontal = width, vertical = level/center);
    Shift+arrows: pan; F: fit; 0: 1:1; +/=/-: zoom; double-click: fit.

The W/L presets combobox offers "As loaded", "Auto" (0.5-99.5 percentile stretch),
"Full range" (data min..max) and, for a CT DICOM in HU (or signed non-DICOM data), CT
Soft tissue 40/400, Lung -600/1500 and Bone 400/1800. A drag selects "Custom".
"As loaded" shows the frame as its file does (its window, or its VOI LUT); a window the
reviewer chose is kept through frame steps (:meth:`chosen_window`).

A DICOM whose pixels are not square (Pixel Spacing 0.5\\1 mm, Pixel Aspect Ratio) is
shown at its physical shape: the picture is stretched along one axis (display only;
:mod:`~llmvis_desktop.core.imaging.aspect`), so scene units are image pixels times that
stretch (the zoom counts the unstretched axis), the hovered pixel and ``show_region``'s
boxes stay in image pixels, and the info line says "pixels 1 × 0.5 mm".

Parts: the toolbar and status row are :mod:`.viewer_bars`, the mouse/key handling
:class:`.zoom_pan_view.ZoomPanView`, zoom and fit (1:1 in device pixels, a screen of
another pixel ratio) :class:`.viewer_zoom.ZoomMixin`, the error panel
:class:`.error_panel.ErrorPanel`, window/level (presets, drags, previews)
:class:`.viewer_window.WindowLevelMixin`, full-resolution window renders off the GUI
thread :mod:`.viewer_render`, and the array/preset/status arithmetic
:mod:`.viewer_display` (``ndarray_to_qimage``, the ``PRESET_*`` names, ``CT_PRESETS``
and ``ZOOM_STEP`` / ``MIN_ZOOM`` / ``MAX_ZOOM`` are importable from here as before).
"""
from __future__ import annotations

from typing import Optional

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt, QTimer, Signal
from PySide6.QtGui import QPixmap, QTransform
from PySide6.QtWidgets import (
    QGraphicsPixmapItem,
    QGraphicsScene,
    QLabel,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from llmvis_desktop.core.imaging.aspect import display_scale
from llmvis_desktop.core.imaging.reader import auto_window
from llmvis_desktop.core.wording import visible_name

from .error_panel import ErrorPanel
from .viewer_bars import ViewerStatusRow, ViewerToolBar
from .viewer_display import (  # noqa: F401 - CT_PRESETS, PRESET_*: importable from here
    CT_PRESETS,
    PRESET_AS_LOADED,
    PRESET_AUTO,
    PRESET_CUSTOM,
    PRESET_FULL,
    data_range,
    measured,
    ndarray_to_qimage,
    pixel_text,
    status_parts,
    window_text,
)
from .viewer_loading import LoadingMixin
from .viewer_render import WindowRenderer
from .viewer_window import (  # noqa: F401 - DRAG_*, PREVIEW_COARSE: importable from here
    DRAG_PREVIEW_PIXELS,
    DRAG_SETTLE_MS,
    PREVIEW_COARSE,
    WindowLevelMixin,
)
from .viewer_zoom import ZoomMixin
from .zoom_pan_view import MAX_ZOOM, MIN_ZOOM, ZOOM_STEP, ZoomPanView  # noqa: F401 - importable from here


class ImageViewer(LoadingMixin, WindowLevelMixin, ZoomMixin, QWidget):
    windowChanged = Signal(float, float)
    zoomChanged = Signal(float)
    frameRequested = Signal(int)  # 0-based frame of the image shown, to be read and shown

    def __init__(self, parent: Optional[QWidget] = None) -> None:
        super().__init__(parent)
        self._data = None
        self._error_frames: Optional[tuple[int, int]] = None  # a frame of the image shown that failed
        # the frame asked for (frameRequested) and not shown yet: [ and ] count on from it
        self._frame_target: Optional[int] = None
        self._pixels: Optional[np.ndarray] = None
        self._invert = False  # MONOCHROME1: low values white
        self._sigmoid = False  # DICOM VOI LUT Function SIGMOID
        self._aspect = (1.0, 1.0)  # the stretch of x, y that shows non-square pixels at their shape
        self._display: Optional[np.ndarray] = None
        self._buffer: Optional[np.ndarray] = None  # keeps the QImage's memory alive
        self._screen_image = None  # the QImage the pixmap shares its pixels with, if any
        self._canvas = None  # a full-size screen image no longer shown: the next render's
        self._preview_pixels = None  # PreviewSource: the subsampled copy of window previews
        self._window: Optional[tuple[float, float]] = None
        self._loaded_window: Optional[tuple[float, float]] = None
        self._loaded = None  # the frame shown as the file shows it (ImageData): what "As loaded" brings back
        self._range: tuple[float, float] = (0.0, 1.0)
        self._measured: Optional[np.ndarray] = None  # the pixels Auto and Full range measure (no padding)
        self._fit_mode = True
        self._fit_short = False  # a strip fitted by its short side (F twice): the next ones too
        self._pending_window: Optional[tuple[float, float]] = None
        self._hover_text = ""
        self._mode = "empty"
        self._init_loading()

        self._scene = QGraphicsScene(self)
        self._item = QGraphicsPixmapItem()
        self._item.setShapeMode(QGraphicsPixmapItem.ShapeMode.BoundingRectShape)
        self._scene.addItem(self._item)
        self._view = ZoomPanView(self)
        self._view.setScene(self._scene)

        self._apply_timer = QTimer(self)  # coalesces W/L drags to one recompute per event loop turn
        self._apply_timer.setSingleShot(True)
        self._apply_timer.setInterval(0)
        self._apply_timer.timeout.connect(self._apply_pending_window)
        # a drag on a large image shows every step on a subsampled copy and the full
        # resolution once the drag pauses (a 100 MP 16-bit image took 0.5 s per step)
        self._full_timer = QTimer(self)
        self._full_timer.setSingleShot(True)
        self._full_timer.setInterval(DRAG_SETTLE_MS)
        self._full_timer.timeout.connect(self._on_drag_paused)
        self._preview_step = 1
        self._renderer = WindowRenderer(self)  # full-resolution windows, off the GUI thread
        self._renderer.rendered.connect(self._on_rendered)
        self._renderer.previewed.connect(self._on_previewed)
        self._full_window: Optional[tuple[float, float]] = None  # its full resolution is on screen
        self._shown_window: Optional[tuple[float, float]] = None  # its preview or full resolution is
        self._loaded_look = True  # the frame as its file shows it is on screen
        self._device_zoom = 1.0  # zoom() as last shown: kept when the screen's ratio changes

        bar = ViewerToolBar(self)
        self.fit_button, self.actual_button = bar.fit_button, bar.actual_button
        self.zoom_out_button, self.zoom_in_button = bar.zoom_out_button, bar.zoom_in_button
        self.zoom_label, self.frame_label = bar.zoom_label, bar.frame_label
        self.prev_frame_button, self.next_frame_button = bar.prev_frame_button, bar.next_frame_button
        self.wl_label, self.preset_combo = bar.wl_label, bar.preset_combo
        self.preset_combo.activated.connect(self._preset_chosen)
        status_row = ViewerStatusRow()
        self.wl_status, self.status_label = status_row.wl_status, status_row.status_label

        self._placeholder = QLabel("No image selected")
        self._placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        # light grey on the viewer's own dark ground (the muted grey of light panels was 2.1:1)
        self._placeholder.setStyleSheet("color: #c9ccd1; font-size: 13pt; background: #3a3a3a;")
        # "Loading NAME…" wraps (viewer_loading): unwrapped, a long path set the viewer's
        # minimum width, and the splitter and docks jumped as the reviewer stepped on
        self._placeholder.setWordWrap(True)
        # its minimum: a short name's line, whatever the name (the small-window layouts were
        # set with the first file's line: a folder's name in it, ~270 px at 13 pt, left a
        # 1024-px window's Labels dock without its fifth chip; 120 px, a 960x540 window's Jobs
        # dock too short for a failed job's row)
        self._placeholder.ensurePolished()
        self._placeholder.setMinimumWidth(self._placeholder.fontMetrics().horizontalAdvance("Loading IM000001.dcm\u2026"))
        self._error = ErrorPanel()
        error_wrap = QWidget()
        ew = QVBoxLayout(error_wrap)
        ew.setContentsMargins(24, 24, 24, 24)
        ew.addWidget(self._error)
        ew.addStretch(1)

        self._stack = QStackedWidget()
        self._stack.addWidget(self._placeholder)
        self._stack.addWidget(self._view)
        self._stack.addWidget(error_wrap)

        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(0)
        lay.addWidget(bar)
        lay.addWidget(self._stack, 1)
        lay.addWidget(status_row)
        self.setFocusProxy(self._view)
        self.clear()

    # --- public API ---------------------------------------------------------------
    def show_image(self, data, ready=None) -> None:
        """Show ``data`` (an ``ImageData``); the view starts fitted. ``ready``: its display
        already converted for the screen on the loader thread
        (:func:`.viewer_display.screen_image`), or None."""
        self._data = data
        self._loading_timer.stop()
        self._drop_outline()  # (a tile outlined on the last image)
        self._frame_target = None  # the frame asked for is here (the loader delivers only the newest)
        self._pixels = np.asarray(data.pixels)
        # MONOCHROME1 DICOM, MinIsWhite TIFF: low values are white, for every window the
        # user picks too
        self._invert = bool(getattr(getattr(data, "meta", None), "inverted", False))
        self._sigmoid = bool(getattr(getattr(data, "meta", None), "sigmoid", False))
        self._aspect = display_scale(getattr(data, "meta", None))
        self._window = None
        self._stop_window_work()
        self._view.cancel_drag()  # a right-drag's moves were the last image's
        self._preview_pixels = None
        self._loaded = data
        self._loaded_window = tuple(data.window) if data.window is not None else None
        self._measured = self._pixels
        if self.window_enabled():
            self._measured = measured(self._pixels, getattr(data, "meta", None))
            self._range = data_range(self._measured)
            self._window = self._loaded_window or auto_window(self._measured)
        self._set_display(np.asarray(data.display), ready)
        self._canvas = None  # the last image's picture: freed
        self._show_frames()
        self._mode = "image"
        self._hover_text = ""
        self._stack.setCurrentWidget(self._view)
        self._fill_presets()
        self._set_controls_enabled(True)
        self._fit_mode = True
        self._apply_fit()
        self._update_status()
        if self._window is not None:
            self.windowChanged.emit(float(self._window[0]), float(self._window[1]))
        self._apply_kept_preset()  # the reviewer's preset (a CT's lung window) goes on

    def show_frame_data(self, data, ready=None, loaded=None) -> None:
        """Another frame of the image shown: ``data`` read through the reviewer's window
        (:meth:`chosen_window`), ``loaded`` the same frame as the file shows it (through
        its own window or VOI LUT), or None when ``data`` is that. The zoom, the pan and the
        preset named in the box stay as they were (each step went back to Fit, and the box
        said "As loaded" for the reviewer's window); "As loaded" brings back this frame's
        own look (it brought back the first frame's window, or a VOI LUT's linear stand-in)."""
        fit, transform = self._fit_mode, self._view.transform()
        scroll = (self._view.horizontalScrollBar().value(), self._view.verticalScrollBar().value())
        preset = self.preset_combo.currentText()
        self.show_image(data, ready)
        if loaded is not None and self.window_enabled():
            self._loaded = loaded
            self._loaded_window = tuple(loaded.window) if loaded.window is not None else None
        if preset and preset != self.preset_combo.currentText():
            self._select_preset(preset)
        if not fit:
            self._fit_mode = False
            self._view.setTransform(transform)
            self._view.horizontalScrollBar().setValue(scroll[0])
            self._view.verticalScrollBar().setValue(scroll[1])
            self._zoom_updated()

    def show_error(self, path, reason: str, frame: Optional[tuple[int, int]] = None) -> None:
        """Replace the image with an error panel naming ``path`` and ``reason``. ``frame``
        (the frame that failed, 0-based; how many the image has): a frame of the image
        shown could not be read, and the frame bar says which, so ``[`` and ``]`` step on
        past it; without it the frame bar goes (it was the last image's)."""
        self._reset_image()
        self._error_frames = frame
        self._error.set_error(str(path), str(reason))
        self._mode = "error"
        self._stack.setCurrentIndex(2)
        self._show_frames()
        self._set_controls_enabled(False)
        self._set_status("Error: " + visible_name(str(reason)))  # one line: a name's newline escaped

    def clear(self) -> None:
        self._reset_image()
        self._show_frames()
        self._mode = "empty"
        self._placeholder.setText("No image selected")
        self._stack.setCurrentWidget(self._placeholder)
        self._set_controls_enabled(False)
        self._set_status("")

    def mode(self) -> str:
        return self._mode

    def has_image(self) -> bool:
        return self._mode == "image"

    def error_text(self) -> str:
        """The error panel's reason and path (empty unless ``mode() == "error"``)."""
        if self._mode != "error":
            return ""
        return f"{self._error.reason_text()}\n{self._error.path_text()}"

    def current_display(self) -> Optional[np.ndarray]:
        return self._display

    def shutdown(self) -> None:
        """Stop the window renderer (joins its thread); the window calls it on close."""
        self._stop_window_work()
        self._renderer.shutdown()

    def status_text(self) -> str:
        """The whole status line: the window/level (when it applies), then the rest."""
        wl = self.wl_status.text() if not self.wl_status.isHidden() else ""
        return "   \u00b7   ".join(t for t in (wl, self.status_label.text()) if t)

    def _set_status(self, text, wl: str = "") -> None:
        """``text``: a line, or its parts with their ranks (the lowest give way first)."""
        if isinstance(text, list):
            self.status_label.set_parts(text)
            text = self.status_label.text()
        else:
            self.status_label.setText(text)
        self.wl_status.setText(wl)
        self.wl_status.setVisible(bool(wl))
        whole = self.status_text()  # the whole line, W/L with it, when the viewer is too narrow for it
        self.status_label.setToolTip(whole)
        self.wl_status.setToolTip(whole)

    # --- frames ---------------------------------------------------------------------
    def frames(self) -> tuple[int, int]:
        """(the frame shown, 0-based; how many the image has); (0, 1) without an image."""
        if self._data is None and self._error_frames is not None:
            return self._error_frames
        meta = getattr(self._data, "meta", None)
        return (int(getattr(self._data, "frame", 0) or 0), max(1, int(getattr(meta, "frames", 1) or 1)))

    def step_frame(self, delta: int) -> None:
        """Ask for the previous (-1) or next (+1) frame: ``frameRequested`` (the window reads
        it). Counted from the frame already asked for while it is being read (from the one
        shown, five quick presses of a held key moved one or two frames); the frame bar
        says that frame at once."""
        base, count = self.frame_target(), self.frames()[1]
        want = min(max(base + delta, 0), count - 1)
        if (self._mode == "image" or self._error_frames is not None) and want != base:
            self._frame_target = want
            self._show_frames()
            self.frameRequested.emit(want)

    def frame_target(self) -> int:
        """The frame asked for and still being read, else the frame shown (0-based)."""
        return self.frames()[0] if self._frame_target is None else self._frame_target

    def _show_frames(self) -> None:
        shown, count = self.frame_target(), self.frames()[1]
        many = count > 1
        for w in (self.prev_frame_button, self.frame_label, self.next_frame_button):
            w.setVisible(many)
        self.frame_label.setText(f"frame {shown + 1}/{count}" if many else "")
        self.prev_frame_button.setEnabled(many and shown > 0)
        self.next_frame_button.setEnabled(many and shown < count - 1)

    # --- internals ------------------------------------------------------------------
    def _reset_image(self, keep_picture: bool = False) -> None:
        """Forget the image; ``keep_picture``: its pixmap, zoom and W/L box stay on screen."""
        self._loading_timer.stop()
        self._drop_outline()
        self._data = None
        self._error_frames = None
        self._frame_target = None
        self._pixels = self._measured = None
        self._invert = self._sigmoid = False
        self._aspect = (1.0, 1.0)
        self._display = None
        self._buffer = None
        self._window = None
        self._loaded_window = None
        self._loaded = None
        self._stop_window_work()
        self._view.cancel_drag()
        self._preview_pixels = None
        self._screen_image = self._canvas = None
        if not keep_picture:
            self._item.setPixmap(QPixmap())
            self.zoom_label.setText("")
            self.preset_combo.clear()

    def _set_controls_enabled(self, on: bool) -> None:
        for w in (self.fit_button, self.actual_button, self.zoom_in_button, self.zoom_out_button):
            w.setEnabled(on)
        wl = on and self.window_enabled()
        self.preset_combo.setEnabled(wl)
        self.preset_combo.setVisible(wl)
        self.wl_label.setVisible(wl)

    def _set_display(self, display: np.ndarray, ready=None) -> None:
        qimg, buf = ndarray_to_qimage(display)
        self._buffer = buf
        self._display = buf
        previous = self._screen_image
        if ready is not None and ready.width() == qimg.width() and ready.height() == qimg.height():
            self._item.setPixmap(QPixmap.fromImage(ready, Qt.ImageConversionFlag.NoFormatConversion))
            self._screen_image = ready
        else:
            self._item.setPixmap(QPixmap.fromImage(qimg))
            self._screen_image = None
        if self._canvas is self._screen_image:
            self._canvas = None  # on screen now: never rendered into
        if previous is not None and previous is not self._screen_image:
            self._keep_canvas(previous)  # not freed here (30-60 ms at 48 MP)
        self._item.setTransform(QTransform.fromScale(*self._aspect))  # (display only: scene = physical)
        self._scene.setSceneRect(self._image_rect())

    def _image_rect(self) -> QRectF:
        """The image's area in the scene: its pixels, one axis stretched where they are not
        square (:mod:`~llmvis_desktop.core.imaging.aspect`); an image pixel (x, y) lies at
        scene (x * sx, y * sy)."""
        shape = self._pixels.shape if self._pixels is not None else None
        w, h = (shape[1], shape[0]) if shape else (self._item.pixmap().width(), self._item.pixmap().height())
        return QRectF(0, 0, w * self._aspect[0], h * self._aspect[1])

    def _hover(self, scene_pos: QPointF) -> None:
        if self._pixels is None:
            return
        sx, sy = self._aspect
        dose = getattr(getattr(self._data, "meta", None), "dose_scale", None)  # an RT dose's Gy
        self._hover_text = pixel_text(self._pixels, scene_pos.x() / sx, scene_pos.y() / sy, dose)
        self._update_status()

    def _update_status(self) -> None:
        if self._mode != "image" or self._pixels is None:
            return
        fit = self.fit_kind()
        self._set_status(status_parts(self._data, self._pixels, self.zoom(), fit if fit != "all" else True, None,
                                      self._hover_text),
                         window_text(self._window) if self._window is not None else "")
