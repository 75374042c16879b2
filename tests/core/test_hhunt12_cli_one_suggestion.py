"""`llmvis suggest --learned` after the window's retrain had suggested for every image but
the one held on the reviewer's screen said "learned suggester: 1 suggestions in 17.1 s"."""
from __future__ import annotations

from llmvis_desktop.cli_learned import LearnedReport


def test_one_suggestion_is_said_in_the_singular():
    assert LearnedReport(1, 17.06, to_do=148).summary() == "learned suggester: 1 suggestion in 17.1 s"
    assert LearnedReport(2, 3.0, to_do=2).summary() == "learned suggester: 2 suggestions in 3.0 s"
    assert LearnedReport(1200, 3.0, to_do=1200).summary() == "learned suggester: 1,200 suggestions in 3.0 s"
