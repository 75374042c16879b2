"""A Project = an image root + its database: the facade both the GUI and the CLI use.

Every method that changes an annotation is one transaction that also writes the
history event; every method returns frozen records, never live ORM objects. Finding and
opening its database (and ProjectError) is :mod:`.project_open`.
"""
from __future__ import annotations

import logging
from pathlib import Path
from typing import Iterable, Optional, Sequence

from .indexer import NothingListed, ScanResult, read_headers, scan
from .project_open import ProjectError, describe_db, open_database  # noqa: F401 - (ProjectError: imported from here)
from .project_lookup import enclosing_project  # noqa: F401 - (its home was here: callers import it from here)
from .store import models as m
from .store import repo_folders as rf
from .store import repo_headers as rh, repo_images as ri
from .store import repo_labels as rl
from .store import repo_repairs as rrep
from .store import repo_review as rr
from .store import repo_runs as rruns
from .store import repo_suggest as rs
from .store import settings_row
from .store.repo_repair_trail import with_repair_links
from .store.engine import Store
from .store.records import (
    REPAIR_OUTPUTS,
    EventRecord,
    ImageFilter,
    ImageRecord,
    LabelDef,
    NewSuggestion,
    RepairRecord,
    SuggestionRecord,
)
from .tasks import CancelToken, ProgressFn, WaitTally, no_progress

log = logging.getLogger(__name__)


class Project:
    def __init__(self, root: Path, store: Store, db_note: Optional[str] = None,
                 max_pixels: Optional[int] = None) -> None:
        self.root = root
        self.store = store
        self.db_note = db_note
        self.max_pixels = max_pixels

    # --- opening ------------------------------------------------------------
    @classmethod
    def open(
        cls,
        folder: Path | str,
        db_url: Optional[str] = None,
        *,
        max_pixels: Optional[int] = None,
        data_dir: Optional[Path] = None,
        who: Optional[str] = None,
    ) -> "Project":
        """``who``: the person (or ``--actor``) working through this project, named to a
        teammate whose change waits for one of this project's locks (PostgreSQL's
        application name; default: the configured reviewer name, else the user name)."""
        root, store, note = open_database(folder, db_url, data_dir=data_dir, who=who)
        return cls(root, store, note, max_pixels)

    def close(self) -> None:
        self.store.dispose()

    def __enter__(self) -> "Project":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @property
    def db_url(self) -> str:
        return self.store.url

    def path_of(self, image: ImageRecord | str) -> Path:
        rel = image if isinstance(image, str) else image.relpath
        return self.root / rel

    # --- indexing -----------------------------------------------------------
    def scan(self, token: Optional[CancelToken] = None, progress: ProgressFn = no_progress,
             batch_size: int = 5000, allow_empty: bool = False) -> ScanResult:
        """Index the folder's listing (:func:`.indexer.scan`). A listing with no file where the
        project holds present images (an unmounted share) is refused with a ProjectError
        that names the folder, nothing marked missing, unless ``allow_empty``."""
        from .imaging.scan import RootUnavailable

        try:
            result = scan(self.store, self.root, token, progress, batch_size, allow_empty)
        except (RootUnavailable, NothingListed) as exc:
            raise ProjectError(str(exc)) from exc
        return self._settle_repairs(result)

    def scan_folder(self, rel_dir: str, token: Optional[CancelToken] = None,
                    progress: ProgressFn = no_progress) -> ScanResult:
        """Index the listing of the one folder ``rel_dir`` (:func:`.index_listing.scan_folder`):
        a file saved into it (a repair) is listed as a scan lists it, no other folder walked;
        given a ``token``, the database held by another writer is waited for (said through
        ``progress``)."""
        from .imaging.scan import RootUnavailable
        from .index_listing import scan_folder

        try:
            return self._settle_repairs(scan_folder(self.store, self.root, rel_dir, token, progress))
        except RootUnavailable as exc:
            raise ProjectError(str(exc)) from exc

    def _settle_repairs(self, result: ScanResult) -> ScanResult:
        """Settle the repair saves a killed process left half done (:func:`.repair.pending.settle`:
        recorded, or taken back) and list their folders again."""
        if not result.dead_repairs or self.store.read_only():
            return result
        from .index_listing import scan_folder
        from .repair.pending import settle

        for rel_dir in settle(self, result.dead_repairs):
            scan_folder(self.store, self.root, rel_dir)
        return result

    def read_headers(self, token: Optional[CancelToken] = None, progress: ProgressFn = no_progress,
                     batch_size: int = 200, result: Optional[ScanResult] = None) -> int:
        """Read the pending headers (:func:`.indexer.read_headers`); moves it finds by content
        are counted in ``result`` (the scan's)."""
        return read_headers(self.store, self.root, token, progress, batch_size, self.max_pixels, result)

    def index(self, token: Optional[CancelToken] = None, progress: ProgressFn = no_progress) -> ScanResult:
        tally = WaitTally(progress)  # the waits for a database another writer held, in all
        result = self.scan(token, tally)
        result.headers_read = self.read_headers(token, tally, result=result)
        result.waited_s = tally.seconds
        with self.store.read() as s:  # the summary's split: damaged files, and those a plugin reads
            result.by_status = ri.counts_by_status(s)
            result.errors, result.needs_decoder = result.by_status.get("error", 0), ri.count_needs_decoder(s)
        self.count_missing_decided(result)
        return result

    def count_missing_decided(self, result: ScanResult) -> int:
        """Set ``result.missing_decided``: of the files this index found vanished, how many
        a person had reviewed or rejected and are still missing (not found moved)."""
        with self.store.read() as s:
            result.missing_decided = ri.count_missing(s, result.missing_decided_ids)
        return result.missing_decided

    # --- queries --------------------------------------------------------------
    def image_ids(self, flt: Optional[ImageFilter] = None, sort: str = "name",
                  descending: bool = False) -> list[int]:
        with self.store.read() as s:
            return ri.query_ids(s, flt, sort, descending)

    def count(self, flt: Optional[ImageFilter] = None) -> int:
        with self.store.read() as s:
            return ri.count(s, flt)

    def images(self, ids: Sequence[int]) -> list[ImageRecord]:
        with self.store.read() as s:
            return ri.records(s, ids)

    def image(self, image_id: int) -> ImageRecord:
        recs = self.images([image_id])
        if not recs:
            raise ProjectError(f"image id {image_id} is not in this project")
        return recs[0]

    def image_by_path(self, relpath: str) -> Optional[ImageRecord]:
        with self.store.read() as s:
            image_id = ri.id_for_path(s, relpath)
            return ri.records(s, [image_id])[0] if image_id is not None else None

    def counts_by_status(self) -> dict[str, int]:
        with self.store.read() as s:
            return ri.counts_by_status(s)

    def counts_labelled(self) -> dict[str, int]:
        """Of the new and suggested images, those labelled or captioned already (one query)."""
        with self.store.read() as s:
            return ri.counts_labelled(s)

    def folders(self) -> list[tuple[str, int]]:
        """(relative folder, images under it at any depth) for each subfolder holding images."""
        with self.store.read() as s:
            return rf.folders_with_counts(s)

    def history(self, image_id: int, repair_links: bool = False) -> list[EventRecord]:
        """The image's events; ``repair_links``: with its repairs' links, derived
        (:mod:`.store.repo_repair_trail`: the History panel's)."""
        with self.store.read() as s:
            return _trail(s, image_id, repair_links)

    def last_event_id(self) -> int:
        """The newest history event's id (0: none yet)."""
        with self.store.read() as s:
            return rr.last_event_id(s)

    def changes_after(self, event_id: int, exclude_actor: str) -> list[tuple[int, int, str]]:
        """(event id, image id, actor) of other people's changes after ``event_id``
        (a team database: what the other reviewers did meanwhile)."""
        return [r for r in self.events_since(event_id)
                if r[2] != exclude_actor and not r[2].startswith("model:")]

    def written_here(self, event_id: int) -> bool:
        """Whether history event ``event_id`` was written through this project object
        (a window's own reviews, imports, jobs and index runs), not by another session,
        window or process, whatever its actor: ``llmvis ... --actor alice`` is not
        alice's window."""
        return self.store.written_here(event_id)

    def forget_written(self, below: int) -> None:
        """:meth:`written_here` need not answer for ids under ``below`` any more."""
        self.store.forget_written(below)

    def events_since(self, after: int, gaps=()) -> list[tuple[int, int, str]]:
        """Every history event after ``after`` or in the id ranges ``gaps`` (see
        :func:`.store.repo_review.events_since`): a team window's look at the others' work."""
        with self.store.read() as s:
            return rr.events_since(s, after, gaps)

    def info(self) -> dict:
        with self.store.read() as s:
            by_status = ri.counts_by_status(s)
            return {
                "root": str(self.root),
                "database": describe_db(self.db_url, absolute=True),
                "images": sum(by_status.values()),
                # "new" and "suggested" leave out the linked repairs' outputs not reviewed yet,
                # counted apart: a repaired copy is not work in the review queue
                "by_status": {k: by_status.get(k, 0) for k in m.ALL_STATUSES},
                "repair_outputs": by_status.get(REPAIR_OUTPUTS, 0),
                # of "error" and "missing", those marked reviewed or rejected (evaluate counts them so)
                "decided_unreadable": ri.decided_unreadable(s),
                "headers_pending": rh.count_pending_headers(s),
                # of them, unreadable files read again at every index (a broken link...)
                "headers_retry": rh.count_retry_headers(s),
                "labels": rl.usage(s),
                "suggestions": {k: rs.outcome_counts(s).get(k, 0) for k in m.OUTCOMES},
                "repairs": rrep.repair_count(s),
                "indexed": rf.listed_once(s) or bool(by_status),  # False: never indexed
                # the damaged files by name, with why (by_status "error" counts them)
                "unreadable": [{"path": rel, "error": why} for rel, why in ri.unreadable(s)],
                # of them, compressed DICOMs no installed decoder reads (a plugin to install)
                "needs_decoder": [{"path": rel, "error": why} for rel, why in ri.unreadable(s, decoder=True)],
            }

    def ever_indexed(self) -> bool:
        """Whether an index has ever listed the folder (``info()["indexed"]``, cheaply)."""
        with self.store.read() as s:
            return rf.listed_once(s) or bool(ri.counts_by_status(s))

    def count_needs_decoder(self) -> int:
        """Of the images counted "error", those a DICOM decoder plugin would read."""
        with self.store.read() as s:
            return ri.count_needs_decoder(s)

    def unreadable_files(self, limit: Optional[int] = None, needs_decoder: Optional[bool] = None):
        """(relpath, why) of the files the index could not read, by name (the first ``limit``);
        ``needs_decoder`` True / False: only those a decoder plugin would read / the others."""
        with self.store.read() as s:
            return ri.unreadable(s, limit, needs_decoder)

    # --- taxonomy -------------------------------------------------------------
    def labels(self) -> list[LabelDef]:
        with self.store.read() as s:
            return rl.list_labels(s)

    def add_label(self, name: str, color: Optional[str] = None, shortcut: Optional[str] = None,
                  description: str = "", exclusive: bool = False) -> LabelDef:
        return self.add_labels([name], color, shortcut, description, exclusive)[0]

    def add_labels(self, names: Sequence[str], color: Optional[str] = None, shortcut: Optional[str] = None,
                   description: str = "", exclusive: bool = False) -> list[LabelDef]:
        """Add several labels: all of them, or (one refused) none."""
        with self.store.write() as s:
            return rl.add_labels(s, [rl.NewLabel(n, color, shortcut, description, exclusive) for n in names])

    def update_label(self, name: str, **changes) -> LabelDef:
        """See :func:`.store.repo_labels.update_label` (``actor=``: who renames, for the history)."""
        with self.store.write() as s:
            return rl.update_label(s, name, **changes)

    def exclusive_clash_count(self, name: str) -> int:
        """How many images carry label ``name`` with another label (see
        :func:`.store.repo_labels.exclusive_clash_count`)."""
        with self.store.read() as s:
            return rl.exclusive_clash_count(s, name)

    def remove_label(self, name: str, actor: str, force: bool = False) -> int:
        """Remove a label (see :func:`.store.repo_labels.remove_label`); its pending
        suggestions are withdrawn (accepting one would have brought the label back)."""
        return self.remove_labels([name], actor, force)[0]

    def remove_labels(self, names: Sequence[str], actor: str, force: bool = False) -> list[int]:
        """Remove several labels: all of them, or (one refused) none; per label, how many
        images lost it."""
        with self.store.write() as s:
            out = []
            for name in names:
                out.append(rl.remove_label(s, name, actor, force=force))
                rs.withdraw_label(s, name, actor)
            return out

    def label_usage(self) -> dict[str, int]:
        with self.store.read() as s:
            return rl.usage(s)

    def labels_and_images(self, ids: Sequence[int] = ()) -> tuple[list[LabelDef], dict[str, int], list[ImageRecord]]:
        """The labels, their usage and the records of ``ids``, in one transaction (a window
        after a change of the label list; three sessions cost 6 more round trips)."""
        with self.store.read() as s:
            return rl.list_labels(s), rl.usage(s), (ri.records(s, ids) if ids else [])

    def reviewed_and_labels(self) -> tuple[list[ImageRecord], list[LabelDef]]:
        """The reviewed images' records (by name) and the labels, in one transaction (the
        learned suggester's readiness, read after every review: three sessions were 9 round
        trips on a team's PostgreSQL 25 ms away)."""
        with self.store.read() as s:
            ids = ri.query_ids(s, ImageFilter(statuses=("reviewed",)), "name")
            return ri.records(s, ids), rl.list_labels(s)

    # --- review actions (each one transaction, with its history event) -------
    def set_caption(self, image_id: int, caption: Optional[str], actor: str,
                    action: str = "caption") -> ImageRecord:
        with self.store.write() as s:
            rr.set_caption(s, image_id, caption, actor, action=action)
            return ri.records(s, [image_id])[0]

    def set_labels(self, image_id: int, names: Iterable[str], actor: str,
                   action: str = "labels") -> ImageRecord:
        with self.store.write() as s:
            rr.set_labels(s, image_id, names, actor, action=action)
            return ri.records(s, [image_id])[0]

    def toggle_label(self, image_id: int, name: str, actor: str, on: Optional[bool] = None) -> ImageRecord:
        with self.store.write() as s:
            rr.toggle_label(s, image_id, name, actor, on)
            return ri.records(s, [image_id])[0]

    def set_status(self, image_id: int, status: str, actor: str, action: str = "status") -> ImageRecord:
        with self.store.write() as s:
            rr.set_status(s, image_id, status, actor, action=action)
            return ri.records(s, [image_id])[0]

    def apply_state(self, image_id: int, state: dict, actor: str, action_prefix: str) -> ImageRecord:
        """Set caption, labels and review status at once (undo/redo), one event per field changed."""
        from .review_actions import apply_state

        return apply_state(self, image_id, state, actor, action_prefix).record

    def snapshot(self, image_id: int) -> dict:
        with self.store.read() as s:
            return rr.snapshot(s, image_id)

    # --- suggestions and repairs ---------------------------------------------
    def add_suggestions(self, items: Sequence[NewSuggestion], skip_done: bool = False,
                        skip_same_pending: bool = False, replaces: Optional[str] = None,
                        supersede: bool = False, stats: Optional[dict] = None,
                        unreviewed_only: bool = False, labels_as_of=None) -> list[int]:
        """Store ``items``; ids of the rows stored. ``skip_done``: not those whose image
        already has a suggestion of the same model, revision, kind and prompt for its
        current content (another job stored it meanwhile); ``skip_same_pending``: not
        those identical to one still pending; ``replaces``: a model id prefix whose other
        pending suggestions on these images are withdrawn; ``supersede``: the items take
        the place of their own request's pending cards on their images; ``unreviewed_only``:
        not on images reviewed or rejected by now; ``labels_as_of``: when the job read the
        label list it scored (see :func:`.store.repo_suggest.add_suggestions`)."""
        with self.store.write() as s:
            return rs.add_suggestions(s, items, skip_done, skip_same_pending, replaces, supersede, stats,
                                      unreviewed_only, labels_as_of)

    def record_suggest_runs(self, image_ids: Iterable[int], model_id: str, revision: Optional[str],
                            labels: Sequence[str], replaces: Optional[str] = None,
                            without_cards: Iterable[int] = ()) -> int:
        """Record that a label model scored ``labels`` on ``image_ids``, cards or not
        (:func:`.store.repo_runs.record_runs`: its "no" counts in the evaluation; with
        ``replaces``, older pending cards on ``without_cards`` are withdrawn)."""
        with self.store.write() as s:
            return rruns.record_runs(s, image_ids, model_id, revision, labels,
                                     replaces=replaces, without_cards=without_cards)

    def judged_without_labels(self, image_id: int) -> list[dict]:
        """The models whose latest run on the image left no label card: they judged it free
        of every label they scored (see :func:`.store.repo_runs.judged_without_labels`)."""
        with self.store.read() as s:
            return rruns.judged_without_labels(s, image_id)

    def suggestion_cards(self, image_id: int) -> tuple[list[SuggestionRecord], list[dict]]:
        """What the Suggestions panel shows for an image, in one read (one transaction: on a
        team's database each costs round trips): its suggestions, and, when none is left
        but withdrawn ones, :meth:`judged_without_labels` (else an empty list)."""
        return self.cards_and_history(image_id, history=False)[:2]

    def cards_and_history(self, image_id: int, history: bool = True, cards_read=None, repair_links: bool = False
                          ) -> tuple[list[SuggestionRecord], list[dict], Optional[list[EventRecord]]]:
        """:meth:`suggestion_cards` and (``history``) :meth:`history` of an image in ONE
        transaction (the window after a review action on the image shown: a session each
        was two round trips more on a team's PostgreSQL); ``cards_read(suggestions,
        judged)`` is called as soon as the cards are read (shown while the rest is); when it
        returns False the trail is not read (no longer wanted: the reviewer moved on)."""
        with self.store.read() as s:
            suggestions = rs.suggestions_for(s, image_id)
            judged = [] if any(sg.outcome != "withdrawn" for sg in suggestions) \
                else rruns.judged_without_labels(s, image_id)
            if cards_read is not None and cards_read(suggestions, judged) is False:
                history = False
            return suggestions, judged, _trail(s, image_id, repair_links) if history else None

    def suggestions(self, image_id: int, pending_only: bool = False) -> list[SuggestionRecord]:
        with self.store.read() as s:
            return rs.suggestions_for(s, image_id, pending_only)

    def decide_suggestion(self, suggestion_id: int, outcome: str, actor: str,
                          final_value: Optional[str] = None) -> SuggestionRecord:
        with self.store.write() as s:
            return rs.decide(s, suggestion_id, outcome, actor, final_value)

    def add_repair(self, source_image_id: int, *, closing: Sequence[str] = (), token: Optional[CancelToken] = None,
                   progress: ProgressFn = no_progress, **fields) -> RepairRecord:
        """Record a repair (its row and history event) in one transaction, which also closes
        (unlinks, as undo does) the linked repairs whose output is one of ``closing`` (the
        names of the file it replaced): all or nothing. Given a ``token``, the database
        held by another writer is waited for (said through ``progress``, stage "repair";
        the try that succeeds records it once: :func:`.index_writes.index_write`)."""
        from .index_writes import index_write
        from .tasks import Progress

        def work(s) -> RepairRecord:
            if closing:
                for old in s.scalars(rrep.linked_with_output(closing)):
                    rrep.unlink_repair(s, old, fields["actor"], root=self.root)
            return rrep.add_repair(s, source_image_id, **fields)

        return index_write(self.store, work, token, progress, Progress("repair", 0, None),
                           needs="this repair's record needs")

    def repairs(self, image_id: int) -> list[RepairRecord]:
        with self.store.read() as s:
            return rrep.repairs_for(s, image_id)

    def unlink_repair(self, repair_id: int, actor: str, delete_file: bool = False) -> RepairRecord:
        """Undo an accepted repair: it stops counting; its files are deleted only if asked."""
        from .store import repo_repairs

        with self.store.write() as s:
            return repo_repairs.unlink_repair(s, repair_id, actor, delete_file, root=self.root)

    def relink_repair(self, repair_id: int, actor: str) -> RepairRecord:
        """Redo an undone repair: it counts again (a ``rerepair`` event is appended). Refused
        when the repair is linked or its repaired file was deleted."""
        from .store import repo_repairs

        with self.store.write() as s:
            return repo_repairs.relink_repair(s, repair_id, actor, root=self.root)

    def record_unreadable(self, image_id: int, reason: str) -> bool:
        """The viewer could not read the image's pixels (its header read): counted an error,
        as the index counts one (:func:`.store.repo_headers.mark_unreadable`)."""
        from .store import repo_headers

        with self.store.write() as s:
            return repo_headers.mark_unreadable(s, image_id, reason)

    # --- project settings -----------------------------------------------------
    def settings(self) -> dict:
        with self.store.read() as s:
            return settings_row.read(s)

    def set_setting(self, key: str, value) -> None:
        with self.store.write() as s:  # the row locked: two reviewers' settings both stay
            settings_row.set_value(s, key, value)


def _trail(session, image_id: int, repair_links: bool) -> list[EventRecord]:
    events = rr.history(session, image_id)
    if not repair_links:
        return events
    return with_repair_links(session, image_id, events)
