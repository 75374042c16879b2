"""The welcome page's buttons are named as the File menu names what they do: its demo
button said "Open demo" where File said "Open demo project"."""
from __future__ import annotations


def _plain(text: str) -> str:
    return text.replace("&", "")


def test_the_welcome_buttons_say_what_the_file_menu_says(qtbot, window):
    menu = {_plain(a.text()) for a in window.menuBar().actions()[0].menu().actions()}
    for button in (window.welcome.open_button, window.welcome.demo_button):
        assert button.isVisible()
        assert _plain(button.text()) in menu, (button.text(), sorted(menu))
        assert button.width() >= button.sizeHint().width()  # whole, not cut
