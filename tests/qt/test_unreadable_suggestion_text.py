"""An image that cannot be read showed the Suggestions panel's usual empty text: learn
labels from reviewed images or run a captioner/labeler on it. The models skip such a
file (the suggest job leaves unreadable and missing files out), so that advice could not
work; the panel now says why there is nothing to suggest."""
from __future__ import annotations


def test_an_unreadable_images_empty_panel_says_the_models_skip_it(qtbot, window, tmp_path):
    folder = tmp_path / "bad"
    folder.mkdir()
    (folder / "broken.png").write_bytes(b"not a png at all")
    with qtbot.waitSignal(window.index_finished, timeout=20000):
        assert window.open_project(folder)
    qtbot.waitUntil(lambda: window.review.current is not None and window.review.current.status == "error",
                    timeout=10000)
    window.review._refresh(window.review.current.id)
    text = window.panel_ctl.suggestions.placeholder.text()
    assert "cannot be read" in text, text
    assert "captioner" not in text and "llmvis suggest" not in text, text
