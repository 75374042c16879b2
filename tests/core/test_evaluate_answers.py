"""Answers to questions (Ask the image's notes, ``suggest --ask``) are not in a model's
acceptance: an answer is stored by Ask only when the reviewer keeps it (always
"accepted"), so a chat model used as captioner and asked questions had its caption
acceptance raised by every note kept, and a note kept on an image rejected later counted
as a rejected suggestion. They are counted apart (``answers``)."""
from __future__ import annotations

from datetime import datetime, timezone

from PIL import Image

from llmvis_desktop.core import review_actions as ra
from llmvis_desktop.core.project import Project
from llmvis_desktop.core.store.records import NewSuggestion
from llmvis_desktop.core.suggest.evaluate import evaluate, format_report

VLM = "org/smolvlm"


def test_answers_are_left_out_of_acceptance_and_counted_apart(tmp_path, db_url):
    root = tmp_path / "imgs"
    root.mkdir()
    for i in range(4):
        Image.new("L", (8, 8), i * 40).save(root / f"img{i}.png")
    with Project.open(root, db_url) as p:
        p.index()
        ids = p.image_ids()
        p.add_suggestions([NewSuggestion(i, "caption", f"a plate {k}", VLM, None, "r") for k, i in enumerate(ids)])
        for i in ids[:3]:
            ra.accept(p, i, "lead")  # 3 captions accepted
        ra.reject(p, ids[3], "lead")  # 1 rejected: 75 %
        for i in ids[1:]:  # Ask the image, Keep as note: stored, then decided accepted (the window's keep_answer)
            (sid,) = p.add_suggestions([NewSuggestion(i, "answer", "yes", VLM, None, "r", "a scratch?")])
            ra.decide_suggestion(p, i, sid, "accepted", "lead")
        (sid,) = p.add_suggestions([NewSuggestion(ids[0], "answer", "no", VLM, None, "r", "a dent?")])
        ra.decide_suggestion(p, ids[0], sid, "rejected", "lead")  # a suggest --ask answer dropped
        p.add_suggestions([NewSuggestion(ids[0], "answer", "maybe", VLM, None, "r", "a stain?")])  # pending
        r = evaluate(p)

    (acc,) = r["acceptance"]
    assert (acc["suggested"], acc["decided"], acc["accepted"], acc["rejected"], acc["overruled"]) == (4, 4, 3, 1, 0)
    assert acc["rate"] == 0.75 and acc["pending"] == 0
    today = datetime.now(timezone.utc).date().isoformat()
    assert r["over_time"] == [{"day": today, "decided": 4, "accepted": 3, "rate": 0.75}]
    assert r["over_time_by_model"][VLM] == r["over_time"]
    assert r["answers"] == {VLM: {"kept": 3, "dropped": 1, "pending": 1}}
    assert "5 answers to questions left out of acceptance (3 kept as notes, 1 dropped, 1 pending)" in format_report(r)
