"""Enter, Delete or R pressed on a screen that still showed an image as it was before a
teammate marked it overwrote the teammate's decision unseen: bob rejected an image, alice
(her window not yet caught up) pressed Enter a moment later and it was "reviewed", her
status bar saying "Marked reviewed; no suggestion was pending.", bob's rejection gone from
the image with neither told; so too alice's Delete over bob's R (/tmp/hunt-hhuntteam/s13.py,
two reviewers on one PostgreSQL). The window now passes the status it showed (``seen``);
someone else's status since refuses the action, nothing written, naming who and what."""
from __future__ import annotations

import pytest
from PIL import Image

from llmvis_desktop.core import review_actions as ra
from llmvis_desktop.core.project import Project


@pytest.fixture
def folder(tmp_path):
    root = tmp_path / "imgs"
    root.mkdir()
    for i in range(2):
        Image.new("L", (4, 4), i).save(root / f"i{i}.png")
    return root


def test_a_stale_enter_or_delete_does_not_overwrite_a_teammates_status(folder, db_url):
    with Project.open(folder, db_url) as alice, Project.open(folder, db_url) as bob:
        alice.index()
        x, y = alice.image_ids()[:2]
        ra.reject(bob, x, "bob")  # alice's screen still shows x new
        with pytest.raises(ra.StatusChanged) as refused:
            ra.accept(alice, x, "alice", seen="new")
        assert "bob marked this image rejected" in str(refused.value) and "Nothing was changed" in str(refused.value)
        assert alice.image(x).review_status == "rejected"
        assert [e.actor for e in alice.history(x)] == ["bob"]
        ra.set_status(bob, y, "reviewed", "bob")  # bob's R; alice's Delete on her stale screen
        with pytest.raises(ra.StatusChanged):
            ra.reject(alice, y, "alice", seen="new")
        with pytest.raises(ra.StatusChanged):
            ra.set_status(alice, y, "rejected", "alice", seen="new")
        assert alice.image(y).review_status == "reviewed"
        ra.reject(alice, y, "alice", seen="reviewed")  # seen as it is: her decision over his
        assert alice.image(y).review_status == "rejected"
        ra.accept(alice, y, "alice", seen="new")  # her own change since (another window of hers): not refused
        assert alice.image(y).review_status == "reviewed"
