"""The welcome page's recent projects that are not reachable: greyed with Qt's fixed gray
(#a0a0a4), 2.6:1 on a light theme's white list, below the 4.5:1 body text needs. They are
now the palette's muted text, light or dark, and follow a light/dark switch."""
from __future__ import annotations

from contrast import dark_palette, theme  # noqa: F401 - theme: a fixture
from PySide6.QtGui import QPalette

from llmvis_desktop.qt.style import contrast_ratio


def _rgb(c):
    return c.red(), c.green(), c.blue()


def _unreachable(page):
    item = page.recent.item(0)
    assert item.text().endswith("(not reachable)")
    return item


def test_an_unreachable_projects_text_is_readable(qtbot, tmp_path, theme):  # noqa: F811
    from llmvis_desktop.qt.app import WelcomePage

    page = WelcomePage([str(tmp_path / "gone")])
    qtbot.addWidget(page)
    item = _unreachable(page)
    base = page.recent.palette().color(QPalette.ColorRole.Base)
    text = page.recent.palette().color(QPalette.ColorRole.Text)
    fg = item.foreground().color()
    assert contrast_ratio(_rgb(fg), _rgb(base)) >= 4.5, fg.name()
    assert fg != text  # still told apart from a reachable one


def test_it_follows_a_switch_to_dark(qtbot, tmp_path, qapp):
    from llmvis_desktop.qt.app import WelcomePage

    page = WelcomePage([str(tmp_path / "gone")])
    qtbot.addWidget(page)
    light = _unreachable(page).foreground().color()
    before = qapp.palette()
    qapp.setPalette(dark_palette())
    try:
        qapp.processEvents()  # the new palette handed to the page's widgets
        page.follow_palette()
        fg = _unreachable(page).foreground().color()
        base = page.recent.palette().color(QPalette.ColorRole.Base)
        assert fg != light
        assert contrast_ratio(_rgb(fg), _rgb(base)) >= 4.5, fg.name()
    finally:
        qapp.setPalette(before)
