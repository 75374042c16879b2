"""Frozen dataclasses handed to the fronts instead of live ORM objects."""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Optional


@dataclass(frozen=True)
class LabelDef:
    id: int
    name: str
    color: str
    shortcut: Optional[str]
    description: str
    position: int
    exclusive: bool = False  # shares no image with another label (store/exclusive.py)


@dataclass(frozen=True, slots=True)
class ImageRecord:
    id: int
    relpath: str
    size: int
    mtime_ns: int
    width: Optional[int]
    height: Optional[int]
    format: Optional[str]
    bit_depth: Optional[int]
    frames: Optional[int]
    status: str
    review_status: str
    error: Optional[str]
    caption: Optional[str]
    labels: tuple[str, ...] = ()
    max_score: Optional[float] = None
    has_repair: bool = False
    updated_at: Optional[datetime] = None
    updated_by: Optional[str] = None
    #: the image is the output of a linked repair (a repaired copy, not work in the review
    #: queue: see :data:`REPAIR_OUTPUTS`)
    repair_output: bool = False
    #: the relpath of the image the linked repair that wrote this one was made from (None:
    #: not a repair output, or not read: the grid's tile tooltip names it)
    repair_source: Optional[str] = None

    @property
    def name(self) -> str:
        return self.relpath.rsplit("/", 1)[-1]


@dataclass(frozen=True)
class SuggestionRecord:
    id: int
    image_id: int
    kind: str
    value: str
    score: Optional[float]
    model_id: str
    model_revision: Optional[str]
    prompt: Optional[str]
    params: dict
    created_at: datetime
    outcome: str
    final_value: Optional[str]
    decided_at: Optional[datetime]
    decided_by: Optional[str]


@dataclass(frozen=True)
class NewSuggestion:
    """What a suggester produces; the store gives it an id and a time."""

    image_id: int
    kind: str
    value: str
    model_id: str
    score: Optional[float] = None
    model_revision: Optional[str] = None
    prompt: Optional[str] = None
    params: dict = field(default_factory=dict)


@dataclass(frozen=True)
class EventRecord:
    id: int
    image_id: int
    actor: str
    at: datetime
    action: str
    before: object
    after: object
    suggestion_id: Optional[int]


@dataclass(frozen=True)
class RepairRecord:
    id: int
    source_image_id: int
    output_image_id: Optional[int]
    mask_path: str
    output_path: str
    source_sha256: Optional[str]
    engine: str
    checkpoint_hash: Optional[str]
    params: dict
    created_at: datetime
    created_by: Optional[str]


@dataclass(frozen=True)
class ImageFilter:
    """A view of the image table; every field narrows it, all evaluated in SQL."""

    statuses: tuple[str, ...] = ()
    label: Optional[str] = None
    #: ``label`` also matches the images where it is suggested (a pending label card): the
    #: grid's label filter with the status "Suggested" or "Unreviewed"
    label_suggested: bool = False
    unlabeled: bool = False
    text: Optional[str] = None
    has_repair: Optional[bool] = None
    #: the images a linked repair wrote (its output, indexed in the project): True only
    #: them, False all but them (the review queue: N, the Unreviewed / New / Suggested
    #: filters and suggestion jobs leave a repaired copy out, its source is what is
    #: reviewed), None both
    repair_output: Optional[bool] = None
    path_prefix: Optional[str] = None  # a relative folder: images under it, at any depth
    #: True: the images with a caption; False: those without one (none, or only spaces); None: both
    has_caption: Optional[bool] = None


SORTS = ("name", "mtime", "score", "uncertainty", "status")


#: the statuses of the review queue (work still to do)
UNREVIEWED = ("new", "suggested")
#: the counts' key (:func:`.repo_images.counts_by_status`) of the unreviewed images that are
#: a linked repair's output: counted apart from "new" and "suggested", not work to review
REPAIR_OUTPUTS = "repair_output"


def counted_as(status: str, repair_output: bool) -> str:
    """The key an image of ``status`` is counted under: :data:`REPAIR_OUTPUTS` for an
    unreviewed repair output, else its status (a reviewed or rejected one counts as such)."""
    return REPAIR_OUTPUTS if repair_output and status in UNREVIEWED else status


def queue_filter(flt: Optional[ImageFilter], include_repairs: bool = False) -> ImageFilter:
    """``flt`` (None: every image) as a job over the review queue reads it: the linked
    repairs' outputs left out, unless ``include_repairs`` or ``flt`` asks for them
    (``repair_output`` True, or False already)."""
    flt = flt or ImageFilter()
    if flt.repair_output is not None or include_repairs:
        return flt
    return replace(flt, repair_output=False)
