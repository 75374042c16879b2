"""The viewer's toolbar set a PANEL_BG ground and a bottom border in its style sheet, but a
plain QWidget paints no style-sheet ground: neither ever showed, and PANEL_BG, a light
grey, would have been a light strip in a dark theme. The bar now paints a ground from the
palette (its alternate base: a shade off the window, light or dark) with the palette's
mid line under it, and the status row its line above; both follow a theme switch."""
from __future__ import annotations

import pytest
from contrast import dark, ground, luminance, text_contrast  # noqa: F401 - dark: a fixture
from PySide6.QtGui import QPalette


def _rgb(color) -> tuple:
    return (color.red(), color.green(), color.blue())


def _bar(viewer):
    return viewer.fit_button.parentWidget().parentWidget()  # button -> group -> bar


def test_the_bar_paints_its_ground(qtbot, viewer):
    bar = _bar(viewer)
    assert bar.objectName() == "viewerBar"
    assert ground(bar) == _rgb(bar.palette().color(QPalette.ColorRole.AlternateBase))
    assert ground(bar) != _rgb(viewer.palette().color(QPalette.ColorRole.Window))


@pytest.mark.usefixtures("dark")
def test_the_bar_is_dark_in_a_dark_theme_and_its_buttons_readable(qtbot, viewer):
    bar = _bar(viewer)
    assert luminance(ground(bar)) < 0.1, ground(bar)
    viewer.show_error("/x/a.png", "not an image")  # (the buttons' text shows, disabled or not)
    assert text_contrast(viewer.fit_button) >= 3
