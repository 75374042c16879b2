"""Shared by every test folder: Qt runs offscreen, set before any QApplication exists.

tests/qt/conftest.py sets it as well, but a run of tests/core alone never loads that
file, and the one core test that renders a widget (test_hevalmem_wording's dashboard)
aborted the whole run there ("could not connect to display")."""
import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
