"""The image viewer's two bars: the toolbar (zoom buttons, the frame stepper of a
multi-frame image, the window/level preset box; wrapping onto two lines when narrow) and the status row (the window/level,
never cut, then size, format, zoom and the hovered pixel, elided when narrow).

Both only hold widgets; :class:`.viewer.ImageViewer` fills and enables them.
"""
from __future__ import annotations

from PySide6.QtCore import QEvent, QSize, Qt
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QSizePolicy,
    QStyle,
    QStyleOptionComboBox,
    QStylePainter,
    QToolButton,
    QWidget,
)

from .elided_label import PartsLabel
from .flow_layout import FlowLayout


class _Group(QWidget):
    """A row of the toolbar's widgets kept together when the bar wraps; it takes no
    room (and no spacing) while all of them are hidden."""

    def __init__(self) -> None:
        super().__init__()
        self.row = QHBoxLayout(self)
        self.row.setContentsMargins(0, 0, 0, 0)
        self.row.setSpacing(4)

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt API
        return super().sizeHint() if self._shown() else QSize(0, 0)

    def minimumSizeHint(self) -> QSize:  # noqa: N802 - Qt API
        return super().minimumSizeHint() if self._shown() else QSize(0, 0)

    def _shown(self) -> bool:
        return any(not self.row.itemAt(i).widget().isHidden()
                   for i in range(self.row.count()) if self.row.itemAt(i).widget() is not None)


class PresetCombo(QComboBox):
    """The W/L preset box: as wide as the chosen preset when the viewer has room for it,
    never wider than ten characters' room at the least (its minimum: with a DICOM shown,
    the box alone made the window wider than 1024 px); what does not fit ends in "…".
    Its list is as wide as its longest preset. Held at ten characters, box and list read
    "CT Soft tissue (4(": the preset's values cut, with no sign of it."""

    def __init__(self) -> None:
        super().__init__()
        self.currentIndexChanged.connect(self.updateGeometry)

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt API
        hint = super().sizeHint()  # (ten characters' room)
        fm = self.fontMetrics()
        extra = fm.horizontalAdvance(self.currentText()) - fm.horizontalAdvance("x") * self.minimumContentsLength()
        return QSize(hint.width() + max(0, extra), hint.height())

    def _edit_field(self):
        opt = QStyleOptionComboBox()
        self.initStyleOption(opt)
        rect = self.style().subControlRect(QStyle.ComplexControl.CC_ComboBox, opt,
                                           QStyle.SubControl.SC_ComboBoxEditField, self)
        return opt, rect

    def shown_text(self) -> str:
        """The chosen preset as the box draws it."""
        _opt, rect = self._edit_field()
        return self.fontMetrics().elidedText(self.currentText(), Qt.TextElideMode.ElideRight, max(0, rect.width()))

    def paintEvent(self, event) -> None:  # noqa: N802 - Qt API
        with QStylePainter(self) as painter:  # (ended here, not when collected)
            opt, _rect = self._edit_field()
            opt.currentText = self.shown_text()
            painter.drawComplexControl(QStyle.ComplexControl.CC_ComboBox, opt)
            painter.drawControl(QStyle.ControlElement.CE_ComboBoxLabel, opt)

    def popup_width(self) -> int:
        view = self.view()
        frame = 2 * view.frameWidth() + view.verticalScrollBar().sizeHint().width() + 8
        return max(self.width(), view.sizeHintForColumn(0) + frame)

    def showPopup(self) -> None:  # noqa: N802 - Qt API
        self.view().setMinimumWidth(self.popup_width())
        super().showPopup()


class ViewerToolBar(QWidget):
    """Buttons wired to ``viewer``'s fit, 1:1, zoom and frame steps; the preset box is
    left for the viewer to connect.

    Three groups (zoom; frames; window/level) that wrap onto a second line when the
    viewer is narrow: on one row, showing a DICOM or a 16-bit image (its W/L box)
    raised the viewer's minimum width by 160 px, and the main window took it from the
    right-hand docks for good (317 -> 156 px at 1024x700). The bar's minimum width is
    its widest group's, the zoom group's, whatever is shown."""

    def __init__(self, viewer) -> None:
        super().__init__()
        self.setObjectName("viewerBar")
        # a ground a shade off the window, and a line under it, from the palette (theme_follow
        # sets the sheet again on a light/dark switch); a plain QWidget paints a style
        # sheet's ground only when told to: PANEL_BG (a light grey) never showed
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.setStyleSheet("#viewerBar { background: palette(alternate-base); border-bottom: 1px solid palette(mid); }")
        self.flow = FlowLayout(self, spacing=12, line_spacing=3)
        self.flow.setContentsMargins(6, 3, 6, 3)
        sp = QSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)
        sp.setHeightForWidth(True)  # one or two lines (a Fixed height cut the second off)
        self.setSizePolicy(sp)
        zoom, frames, wl = _Group(), _Group(), _Group()
        for group in (zoom, frames, wl):
            self.flow.addWidget(group)

        def tool(group: _Group, text: str, tip: str, slot) -> QToolButton:
            b = QToolButton()
            b.setText(text)
            b.setToolTip(tip)
            b.setAutoRaise(True)
            b.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # keys stay with the view / window
            b.clicked.connect(slot)
            group.row.addWidget(b)
            return b

        self.fit_button = tool(zoom, "Fit", "Fit the image in the view (F); a line-scan strip: "
                               "again, its short side (scroll along it)", viewer.fit)
        self.actual_button = tool(zoom, "1:1", "Actual pixels: one image pixel per screen pixel (0)",
                                  viewer.actual_size)
        self.zoom_out_button = tool(zoom, "\u2212", "Zoom out (-)", viewer.zoom_out)
        self.zoom_in_button = tool(zoom, "+", "Zoom in (+)", viewer.zoom_in)
        self.zoom_label = QLabel("")
        self.zoom_label.setMinimumWidth(48)
        self.zoom_label.setToolTip("Zoom: screen (device) pixels per image pixel; 100% is 1:1")
        self.zoom_label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        zoom.row.addWidget(self.zoom_label)
        # frames of a multi-frame DICOM / multi-page TIFF (shown only for those)
        self.prev_frame_button = tool(frames, "\u25c0", "Previous frame ([)", lambda: viewer.step_frame(-1))
        self.frame_label = QLabel("")
        frames.row.addWidget(self.frame_label)
        self.next_frame_button = tool(frames, "\u25b6", "Next frame (])", lambda: viewer.step_frame(1))
        self.wl_label = QLabel("W/L")
        wl.row.addWidget(self.wl_label)
        self.preset_combo = PresetCombo()
        self.preset_combo.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.preset_combo.setToolTip("Window/level preset (right-drag on the image to adjust)")
        # as wide as ten characters, not the longest preset name (its popup shows them
        # whole): with a DICOM shown, the box alone made the window wider than 1024 px
        self.preset_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.preset_combo.setMinimumContentsLength(10)
        wl.row.addWidget(self.preset_combo)
        for group in (zoom, frames, wl):  # a group's size follows what the viewer shows in it
            for i in range(group.row.count()):
                group.row.itemAt(i).widget().installEventFilter(self)

    def eventFilter(self, obj, event) -> bool:  # noqa: N802 - Qt API
        if event.type() in (QEvent.Type.ShowToParent, QEvent.Type.HideToParent):
            obj.parentWidget().updateGeometry()
            self.flow.invalidate()
            self.updateGeometry()
        return False

    def hasHeightForWidth(self) -> bool:  # noqa: N802 - Qt API
        return True

    def heightForWidth(self, w: int) -> int:  # noqa: N802 - Qt API
        return self.flow.heightForWidth(w)

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt API
        """All groups on one row."""
        m = self.flow.contentsMargins()
        hints = [self.flow.itemAt(i).sizeHint() for i in range(self.flow.count())]
        shown = [h for h in hints if not h.isEmpty()]
        width = sum(h.width() for h in shown) + 12 * max(0, len(shown) - 1) + m.left() + m.right()
        height = max((h.height() for h in shown), default=0) + m.top() + m.bottom()
        return QSize(width, height)

    def minimumSizeHint(self) -> QSize:  # noqa: N802 - Qt API
        return QSize(self.flow.minimumSize().width(), self.sizeHint().height())


class ViewerStatusRow(QWidget):
    """``wl_status``: the window/level, bold, on a label of its own that is never cut (a
    narrow viewer showed "... zoom 71% (fit) · W 4"); ``status_label``: the rest, elided."""

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("viewerStatusRow")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)  # (its line above: painted)
        self.setStyleSheet(
            # the palette's text on the palette's window (the row paints no ground of its
            # own): the light theme's near-black text was 1.29:1 on a dark theme's window
            "#viewerStatusRow { border-top: 1px solid palette(mid); }"
            " #viewerStatusRow QLabel { color: palette(window-text); background: transparent; }"
        )
        sl = QHBoxLayout(self)
        sl.setContentsMargins(8, 2, 8, 2)
        sl.setSpacing(0)
        self.wl_status = QLabel("")
        self.wl_status.setObjectName("viewerWL")
        self.wl_status.setStyleSheet("#viewerWL { font-weight: bold; padding-right: 12px; }")
        self.wl_status.setSizePolicy(QSizePolicy.Policy.Minimum, QSizePolicy.Policy.Fixed)
        self.wl_status.hide()
        self.status_label = PartsLabel("", min_width=20)  # the zoom kept whole, the rest gives way
        self.status_label.setObjectName("viewerStatus")
        self.status_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        sl.addWidget(self.wl_status)
        sl.addWidget(self.status_label, 1)
