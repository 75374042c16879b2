"""resources/llmvis-desktop.desktop, the launcher a system install places: its icon name
must be one that resources/README.md's install steps put in the icon theme (the entry
names `Icon=llmvis-desktop`, a theme name, and the steps only said where app.svg was, so
a launcher copied as told showed no icon), its program must be one pip installs, and it
must list one main category (Graphics and Science both were: menus show it twice,
desktop-file-validate's hint)."""
from __future__ import annotations

import configparser
import pathlib
import re

ROOT = pathlib.Path(__file__).parents[2]
ENTRY = ROOT / "resources" / "llmvis-desktop.desktop"
# freedesktop menu spec, "Main Categories"
MAIN_CATEGORIES = {"AudioVideo", "Audio", "Video", "Development", "Education", "Game", "Graphics",
                   "Network", "Office", "Science", "Settings", "System", "Utility"}


def _entry() -> configparser.SectionProxy:
    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str  # keys are case-sensitive
    parser.read(ENTRY, encoding="utf-8")
    return parser["Desktop Entry"]


def test_the_icon_the_entry_names_is_installed_by_the_readme_steps():
    icon = _entry()["Icon"]
    steps = (ROOT / "resources" / "README.md").read_text(encoding="utf-8")
    target = f"icons/hicolor/scalable/apps/{icon}.svg"
    assert target in steps, f"resources/README.md never installs the icon {icon!r} ({target})"
    words = next(ln for ln in steps.splitlines() if target in ln).split()
    assert words[:2] == ["install", "-Dm644"], words
    assert (ROOT / words[2]).is_file(), f"the icon installed from {words[2]!r} is not in the repository"


def test_the_entry_runs_a_program_pip_installs():
    program = _entry()["Exec"].split()[0]
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    gui_scripts = pyproject.split("[project.gui-scripts]", 1)[1].split("\n[", 1)[0]
    assert re.search(rf"^{re.escape(program)}\s*=", gui_scripts, re.M), f"{program} is not a gui-script"


def test_the_entry_has_one_main_category():
    categories = [c for c in _entry()["Categories"].split(";") if c]
    assert len(MAIN_CATEGORIES.intersection(categories)) == 1, categories
