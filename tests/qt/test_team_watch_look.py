"""The team watch's look reads the open image's suggestion cards in one transaction
(``Project.suggestion_cards``), as the Suggestions panel does: on a team's database each
transaction costs round trips, every few seconds."""
from __future__ import annotations

import contextlib

from llmvis_desktop.core import review_actions as ra
from llmvis_desktop.core.project import Project
from llmvis_desktop.qt.team_watch import _Ask, _look


def _counting_reads(project, monkeypatch) -> list:
    reads = []
    real = project.store.read

    @contextlib.contextmanager
    def counted():
        reads.append(1)
        with real() as s:
            yield s

    monkeypatch.setattr(project.store, "read", counted)
    return reads


def test_the_open_images_cards_are_read_in_one_transaction(image_folder, monkeypatch):
    with Project.open(image_folder) as project:
        project.scan()
        ids = project.image_ids(sort="name")
        current, other = ids[0], ids[1]
        last = project.last_event_id()
        with Project.open(image_folder, project.db_url) as alice:  # a teammate's change
            ra.set_caption(alice, current, "rust on the weld", "alice")
        names = [(d.name, d.color, d.shortcut, d.position) for d in project.labels()]
        expected = (project.suggestions(current), project.judged_without_labels(current))

        reads = _counting_reads(project, monkeypatch)
        _, _, away = _look(project, last, [], last + 1, _Ask(names, other, 0))  # open image not changed
        n_away = len(reads)
        reads.clear()
        _, _, fetched = _look(project, last, [], last + 1, _Ask(names, current, 0))
        rec, suggestions, judged = fetched.current
        assert rec.id == current and rec.caption == "rust on the weld"
        assert (suggestions, judged) == expected
        assert away.current is None
        assert len(reads) == n_away + 1  # the cards: one more transaction, not two
