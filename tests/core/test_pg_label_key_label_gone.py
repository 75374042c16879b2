"""A label key pressed for a label a teammate had just removed from the label list (the
reviewer's chips not yet caught up) was refused as an unexpected failure: the status bar
said "IMAGE was not saved — label(s) not in the taxonomy: artifact", the log a traceback
(/tmp/hunt-hhuntteam/s5.py: two reviewers on one PostgreSQL). It is now a refusal of its
own (an expected one, as a card a teammate decided): it names the label, says it is no
longer in the label list and that nothing was changed."""
from __future__ import annotations

import pytest
from PIL import Image

from llmvis_desktop.core import review_actions as ra
from llmvis_desktop.core.project import Project
from llmvis_desktop.core.store.repo_review import LabelNotInList


@pytest.fixture
def folder(tmp_path):
    root = tmp_path / "imgs"
    root.mkdir()
    for i in range(2):
        Image.new("L", (4, 4), i).save(root / f"i{i}.png")
    return root


def test_a_label_key_for_a_label_a_teammate_removed_is_refused_naming_it(folder, db_url):
    with Project.open(folder, db_url) as bob, Project.open(folder, db_url) as alice:
        bob.index()
        bob.add_label("exudate")
        bob.add_label("artifact")
        image = bob.image_ids()[0]
        alice.remove_label("artifact", "alice")  # bob's chips still show it
        with pytest.raises(LabelNotInList) as refused:
            ra.toggle_label(bob, image, "artifact", "bob", on=True)
        text = str(refused.value)
        assert "\u201cartifact\u201d" in text and "no longer in the label list" in text, text
        assert "Nothing was changed" in text, text
        assert bob.image(image).labels == () and [e.action for e in bob.history(image)] == []
        ra.toggle_label(bob, image, "exudate", "bob", on=True)  # a label still there is added
        assert bob.image(image).labels == ("exudate",)
