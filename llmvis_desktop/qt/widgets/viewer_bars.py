"""The image viewer's two bars: the toolbar (zoom buttons, the frame stepper of a
multi-frame image, the window/level preset box) and the status row (the window/level,
never cut, then size, format, zoom and the hovered pixel, elided when narrow).

Both only hold widgets; :class:`.viewer.ImageViewer` fills and enables them.
"""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QSizePolicy, QToolButton, QWidget

from .. import style
from .elided_label import ElidedLabel


class ViewerToolBar(QWidget):
    """Buttons wired to ``viewer``'s fit, 1:1, zoom and frame steps; the preset box is
    left for the viewer to connect."""

    def __init__(self, viewer) -> None:
        super().__init__()
        self.setObjectName("viewerBar")
        self.setStyleSheet(f"#viewerBar {{ background: {style.PANEL_BG}; border-bottom: 1px solid {style.BORDER}; }}")
        hb = QHBoxLayout(self)
        hb.setContentsMargins(6, 3, 6, 3)
        hb.setSpacing(4)

        def tool(text: str, tip: str, slot) -> QToolButton:
            b = QToolButton()
            b.setText(text)
            b.setToolTip(tip)
            b.setAutoRaise(True)
            b.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # keys stay with the view / window
            b.clicked.connect(slot)
            hb.addWidget(b)
            return b

        self.fit_button = tool("Fit", "Fit the image in the view (F)", viewer.fit)
        self.actual_button = tool("1:1", "Actual pixels (0)", viewer.actual_size)
        self.zoom_out_button = tool("\u2212", "Zoom out (-)", viewer.zoom_out)
        self.zoom_in_button = tool("+", "Zoom in (+)", viewer.zoom_in)
        self.zoom_label = QLabel("")
        self.zoom_label.setMinimumWidth(48)
        self.zoom_label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        hb.addWidget(self.zoom_label)
        # frames of a multi-frame DICOM / multi-page TIFF (shown only for those)
        hb.addSpacing(8)
        self.prev_frame_button = tool("\u25c0", "Previous frame ([)", lambda: viewer.step_frame(-1))
        self.frame_label = QLabel("")
        hb.addWidget(self.frame_label)
        self.next_frame_button = tool("\u25b6", "Next frame (])", lambda: viewer.step_frame(1))
        hb.addSpacing(12)
        self.wl_label = QLabel("W/L")
        hb.addWidget(self.wl_label)
        self.preset_combo = QComboBox()
        self.preset_combo.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.preset_combo.setToolTip("Window/level preset (right-drag on the image to adjust)")
        # as wide as ten characters, not the longest preset name (its popup shows them
        # whole): with a DICOM shown, the box alone made the window wider than 1024 px
        self.preset_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.preset_combo.setMinimumContentsLength(10)
        hb.addWidget(self.preset_combo)
        hb.addStretch(1)


class ViewerStatusRow(QWidget):
    """``wl_status``: the window/level, bold, on a label of its own that is never cut (a
    narrow viewer showed "... zoom 71% (fit) · W 4"); ``status_label``: the rest, elided."""

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("viewerStatusRow")
        self.setStyleSheet(
            f"#viewerStatusRow {{ background: {style.PANEL_BG}; border-top: 1px solid {style.BORDER}; }}"
            f" #viewerStatusRow QLabel {{ color: {style.TEXT}; background: transparent; }}"
        )
        sl = QHBoxLayout(self)
        sl.setContentsMargins(8, 2, 8, 2)
        sl.setSpacing(0)
        self.wl_status = QLabel("")
        self.wl_status.setObjectName("viewerWL")
        self.wl_status.setStyleSheet("#viewerWL { font-weight: bold; padding-right: 12px; }")
        self.wl_status.setSizePolicy(QSizePolicy.Policy.Minimum, QSizePolicy.Policy.Fixed)
        self.wl_status.hide()
        self.status_label = ElidedLabel("", min_width=20)
        self.status_label.setObjectName("viewerStatus")
        self.status_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        sl.addWidget(self.wl_status)
        sl.addWidget(self.status_label, 1)
