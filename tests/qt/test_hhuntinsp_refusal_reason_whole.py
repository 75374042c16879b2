"""Enter on a PNG cut short said "Not marked: nobody can see it. lot_02/cam_b/truncated.png
could not be read (truncated or corrupt image data (the PNG end marker is missing: the
file was cut). Right goes on...": the index's reason was cut at its 80th character,
mid-sentence and with no mark, so it read as a whole (and wrong) reason ("the file was
cut", not "cut short"). The reason is kept whole up to 120 characters, and a longer one
is cut at a word and ends with an ellipsis (/tmp/hunt-hhuntinsp/steps/broken.py)."""
from __future__ import annotations

from llmvis_desktop.qt.review_messages import unreadable_refusal

PNG_CUT = "truncated or corrupt image data (the PNG end marker is missing: the file was cut short)"


def test_the_usual_reason_is_shown_whole():
    text = unreadable_refusal("lot_02/cam_b/truncated.png", "error", PNG_CUT)
    assert f"could not be read ({PNG_CUT})." in text


def test_a_long_reason_is_cut_at_a_word_and_says_so():
    why = "cannot decode: " + " ".join(f"word{i}" for i in range(60))
    text = unreadable_refusal("a.tif", "error", why)
    shown = text.split("could not be read (", 1)[1].split("). Right goes on", 1)[0]
    assert shown.endswith("\u2026") and len(shown) <= 121
    assert why.startswith(shown[:-1]) and why[len(shown) - 1] == " "  # a whole word before the mark
