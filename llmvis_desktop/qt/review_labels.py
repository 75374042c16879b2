"""A label key (1-9), a chip clicked, a label list set: the review controller's label
actions (:class:`ReviewLabels`, a mixin of :class:`~.review_controller.ReviewController`;
it uses its ``project``, ``actor``, ``message``, ``_target``, ``_shown_record``, ``_do``
and ``_write_here``). Each writes on the review writer's thread as the other keys do."""
from __future__ import annotations

from dataclasses import replace
from typing import Callable, Optional

from ..core import review_actions as ra
from ..core.wording import visible_name
from .review_messages import label_key_message


class ReviewLabels:
    def toggle_label(self, name: str, image_id: Optional[int] = None, on: Optional[bool] = None) -> bool:
        """Add (``on``) or remove label ``name``, as the chip on screen asked; ``on`` None:
        the opposite of the image's record shown (or, with none, of the database's).
        A teammate's change made meanwhile is not undone: a label already added or
        removed is left so, and the reviewer is told."""
        image_id = image_id if image_id is not None else self._target()
        if image_id is None:
            return False
        shown = self._shown_record(image_id)
        if on is None:
            on = None if shown is None else name not in shown.labels
        project, actor, seen = self.project, self.actor(), getattr(shown, "review_status", None)
        # the labels shown: a key taking off a teammate's label added since, unseen, is refused
        seen_labels = ra.UNCHECKED if shown is None else tuple(shown.labels)

        def action():  # (a teammate's status since, unseen, refuses it: review_actions.toggle_label)
            return ra.toggle_label(project, image_id, name, actor, on=on, seen=seen, seen_labels=seen_labels)

        def done(res) -> None:
            if on is not None and not res.changed:
                self.message.emit(f"Label \u201c{name}\u201d was {'added to' if on else 'removed from'} "
                                  f"this image by someone else meanwhile ({visible_name(res.record.relpath)}): "
                                  "nothing to change.")
            elif said is not None and set(res.before.get("labels") or ()) != set(res.after.get("labels") or ()):
                said(res)
            elif said is None and on and len(set(res.before.get("labels") or ()) - set(res.record.labels)) > 0:
                self.message.emit(label_key_message(name, res.record, res.before.get("labels")))  # (a chip)

        said = self._label_said
        self._label_said = None
        if shown is not None and on is not None:  # shown at once as it will be
            names = [n for n in shown.labels if n != name] + ([name] if on else [])
            shown = replace(shown, labels=tuple(names))
        else:
            shown = None
        verb = "Toggle" if on is None else ("Add" if on else "Remove")
        return self._write_here(f"{verb} label {name}", image_id, action, shown=shown, on_result=done, hand=True)

    #: the status line of a label key (toggle_label_key), said when its write commits
    _label_said: Optional[Callable[[object], None]] = None

    def set_labels(self, names, image_id: Optional[int] = None) -> bool:
        image_id = image_id if image_id is not None else self._target()
        if image_id is None:
            return False
        return self._do("Set labels", image_id,
                        lambda: ra.set_labels(self.project, image_id, names, self.actor()), hand=True)

    def toggle_label_key(self, n: int) -> None:
        """1-9: toggle that key's label, said on the status bar (the previous line stayed up)."""
        if self._target() is None:
            return
        if self.label_for_key is not None:
            name = self.label_for_key(str(n))
        else:
            labels = self.project.labels()  # in taxonomy order
            chosen = {d.shortcut: d for d in labels if d.shortcut}.get(str(n))
            if chosen is None and n <= len(labels) and not labels[n - 1].shortcut:
                chosen = labels[n - 1]
            name = chosen.name if chosen is not None else None
        if not name:
            return self.message.emit(f"No label on key {n}.")
        # a label added to an image nobody can see is a guess Enter would refuse to mark (one
        # taken off is not): "Added label pitting to broken.png", then "Not marked: nobody can see it"
        shown = self.current
        if (shown is None or name not in shown.labels) and self._refuse_unreadable("Not labelled"):
            return None
        self._label_said = lambda res: self.message.emit(label_key_message(name, res.record, res.before.get("labels")))
        self.toggle_label(name)
