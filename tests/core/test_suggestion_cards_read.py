"""The Suggestions panel's read of an image: its cards and, with none, the models that
judged it clean, in one transaction (``Project.suggestion_cards``). Read as two
(``suggestions`` then ``judged_without_labels``) it cost twice the connection's
begin/commit round trips: ~430 ms a move on a team's PostgreSQL 50 ms away."""
from __future__ import annotations

from sqlalchemy import event

from llmvis_desktop.core.store.records import NewSuggestion


def _begins(project) -> list:
    seen: list = []
    event.listen(project.store.engine, "begin", lambda conn: seen.append(1))
    return seen


def test_cards_and_judged_are_read_in_one_transaction_as_the_two_reads_say(project):
    with_card, clean, untouched = project.image_ids()[:3]
    project.add_suggestions([NewSuggestion(with_card, "label", "scratch", "zero-shot-a", score=0.9)])
    project.record_suggest_runs([with_card, clean], "zero-shot-a", None, ["scratch", "dent"],
                                without_cards=[clean])
    for image_id in (with_card, clean, untouched):
        expected = (project.suggestions(image_id), project.judged_without_labels(image_id))
        begins = _begins(project)
        cards, judged = project.suggestion_cards(image_id)
        assert len(begins) == 1, image_id
        assert [s.id for s in cards] == [s.id for s in expected[0]]
        assert judged == ([] if cards else expected[1])
    assert project.suggestion_cards(clean)[1] and project.suggestion_cards(clean)[1][0]["labels"] == ["dent", "scratch"]
