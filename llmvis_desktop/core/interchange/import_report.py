"""What an import did (:func:`..import_file`): counts, the conflicts left untouched, and
the records whose status was not applied, the suggestions not added to an image nobody
can see; :meth:`ImportReport.summary` is the line the CLI
and the Import dialog show."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .common import Conflict


@dataclass
class ImportReport:
    format: str
    source: str
    as_: str
    records: int = 0
    matched: int = 0
    changed: int = 0
    unchanged: int = 0
    overwritten: int = 0
    suggestions_added: int = 0
    #: suggestions of the file the images already have (pending, accepted or rejected): not added
    suggestions_known: int = 0
    labels_created: int = 0
    #: labels only the suggestions for unreadable or missing images named: not made, as no
    #: suggestion was added there
    labels_not_created: list[str] = field(default_factory=list)
    unmatched: list[str] = field(default_factory=list)
    #: records skipped because their name could be several images of the project (a bare
    #: uploaded name, a stem, a shortened path): each is said in a warning with the images
    several: list[str] = field(default_factory=list)
    conflicts: list[Conflict] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    seconds: float = 0.0
    #: records marking reviewed or rejected an image the index could not read, or whose file
    #: is missing (nobody could see it): their annotation applied, the status left as it was
    not_marked: list[str] = field(default_factory=list)
    #: images the index could not read, or whose file is missing, that the file had
    #: suggestions for: none added (nobody could see the image to decide them), counted
    #: in ``suggestions_unseen``
    not_suggested: list[str] = field(default_factory=list)
    suggestions_unseen: int = 0
    #: records marking reviewed or rejected a compressed DICOM no decoder installed here reads
    #: (a sound file the other project's reviewer saw): their status applied, said apart
    marked_needing_decoder: list[str] = field(default_factory=list)
    #: (file name, its labels) of each record whose labels put an exclusive label ("normal")
    #: with another: written as the file has them (an import keeps the file's rows), said here
    exclusive_clashes: list[tuple[str, list[str]]] = field(default_factory=list)
    #: records naming an image by another machine's absolute path (``C:\\Users\\bob\\sub\\a.png``):
    #: how many were matched by the longest trailing part naming one project image
    #: (``sub/a.png``, else ``a.png``); (name, how many images) of those several images end as;
    #: the names of those no image ends as
    matched_by_tail: int = 0
    tail_ambiguous: list[tuple[str, int]] = field(default_factory=list)
    tail_unmatched: list[str] = field(default_factory=list)
    #: (name, image path) of the records counted in ``matched_by_tail``, for the user to check
    tail_matched: list[tuple[str, str]] = field(default_factory=list)
    #: (record's name, image path) of the records matched with letter case ignored (a file
    #: written on Windows or macOS names ``IMG_0001.JPG`` for ``img_0001.jpg``), and of those
    #: matched by the end of their path, the folders before it taken off (a file share's
    #: ``data/batch3/cam1/a.png`` for ``cam1/a.png``): one image fitting, never guessed
    matched_by_case: list[tuple[str, str]] = field(default_factory=list)
    matched_by_suffix: list[tuple[str, str]] = field(default_factory=list)
    #: (sidecar file, image path, the sidecar read for it) of each caption sidecar skipped
    #: because another names the same image more closely (``photo.txt`` read, ``photo.jpg.txt``
    #: and ``Photo.TXT`` skipped); "" for the one read: two as close, both skipped
    sidecars_skipped: list[tuple[str, str, str]] = field(default_factory=list)

    def summary(self) -> str:
        text = (f"{self.format} {self.source}: {self.records} record(s), {self.matched} image(s) matched, "
                f"{self.changed} changed, {self.unchanged} unchanged, {self.suggestions_added} suggestion(s), "
                f"{self.labels_created} new label(s)")
        if self.suggestions_known:
            text += f", {self.suggestions_known} suggestion(s) already there"
        if self.conflicts:
            text += f", {len(self.conflicts)} conflict(s) left untouched"
        if self.overwritten:
            text += f", {self.overwritten} overwritten"
        if self.unmatched:
            text += f", {len(self.unmatched)} record(s) name no image of this project"
        if self.several:
            text += f", {len(self.several)} record(s) skipped: each could be several images (see the warnings)"
        if self.matched_by_tail or self.tail_ambiguous or self.tail_unmatched:
            text += self._tail_summary()
        for pairs, how in ((self.matched_by_case, "ignoring letter case"),
                           (self.matched_by_suffix, "by the end of their path, the folders before it taken off")):
            if pairs:
                shown = ", ".join(f"{name} -> {rel}" for name, rel in pairs[:3])
                more = f" and {len(pairs) - 3} more" if len(pairs) > 3 else ""
                text += f", {len(pairs)} record(s) matched {how} ({shown}{more})"
        if self.sidecars_skipped:
            shown = ", ".join(f"{side} for {rel}" + (f" ({kept} read)" if kept else " (as close as another)")
                              for side, rel, kept in self.sidecars_skipped[:3])
            more = f" and {len(self.sidecars_skipped) - 3} more" if len(self.sidecars_skipped) > 3 else ""
            text += (f", {len(self.sidecars_skipped)} sidecar(s) skipped: another names the same image "
                     f"({shown}{more})")
        if self.not_marked:
            few = ", ".join(self.not_marked[:3])
            more = f" and {len(self.not_marked) - 3} more" if len(self.not_marked) > 3 else ""
            text += (f", {len(self.not_marked)} not marked reviewed or rejected (unreadable or missing file: "
                     f"{few}{more})")
        if self.not_suggested:
            few = ", ".join(self.not_suggested[:3])
            more = f" and {len(self.not_suggested) - 3} more" if len(self.not_suggested) > 3 else ""
            text += (f", {self.suggestions_unseen} suggestion(s) not added: image unreadable or missing "
                     f"({few}{more})")
        if self.labels_not_created:
            n, few = len(self.labels_not_created), ", ".join(self.labels_not_created[:5])
            more = f" and {n - 5} more" if n > 5 else ""
            text += (f", {n} label(s) not created: only suggestions for unreadable or missing images "
                     f"named {'it' if n == 1 else 'them'} ({few}{more})")
        if self.marked_needing_decoder:
            n, few = len(self.marked_needing_decoder), ", ".join(self.marked_needing_decoder[:3])
            more = f" and {n - 3} more" if n > 3 else ""
            text += (f", {n} marked as the file says though no decoder installed here shows "
                     f"{'it' if n == 1 else 'them'} (compressed DICOM: {few}{more})")
        if self.exclusive_clashes:
            n = len(self.exclusive_clashes)
            few = "; ".join(f"{name}: {', '.join(labels)}" for name, labels in self.exclusive_clashes[:3])
            more = f" and {n - 3} more" if n > 3 else ""
            text += (f", {n} image(s) given an exclusive label with another, as the file has them "
                     f"({few}{more})")
        return text

    def _tail_summary(self) -> str:
        """What became of the records naming another machine's absolute path."""
        def few(names, n=3):
            return ", ".join(names[:n]) + (f" and {len(names) - n} more" if len(names) > n else "")

        parts = []
        if self.matched_by_tail:
            shown = few([f"{name} -> {rel}" for name, rel in self.tail_matched])
            parts.append(f"{self.matched_by_tail} matched by the end of the path (folders and file name)"
                         + (f": {shown}" if shown else ""))
        if self.tail_ambiguous:
            parts.append(f"{len(self.tail_ambiguous)} ambiguous, skipped: "
                         + few([f"{name} ({n} images end so)" for name, n in self.tail_ambiguous]))
        if self.tail_unmatched:
            parts.append(f"{len(self.tail_unmatched)} naming no image: {few(self.tail_unmatched)}")
        total = self.matched_by_tail + len(self.tail_ambiguous) + len(self.tail_unmatched)
        return f", {total} record(s) with another machine's absolute path or a URL ({'; '.join(parts)})"
