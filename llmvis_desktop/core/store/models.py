"""SQLAlchemy 2 typed ORM models. Nothing here is SQLite-only.

The ``events`` table is the append-only history: every change a person or a model
makes to an image's annotation writes one row, in the same transaction as the change.
"""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Optional

from sqlalchemy import (
    BigInteger,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    event,
    false,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from .fold import fold


#: images.name_key: bytewise order on PostgreSQL whatever the database's locale
NAME_KEY_TYPE = Text().with_variant(Text(collation="C"), "postgresql")


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class Base(DeclarativeBase):
    pass


# Image status values (the effective status used by filters and counts).
STATUS_NEW = "new"
STATUS_SUGGESTED = "suggested"
STATUS_REVIEWED = "reviewed"
STATUS_REJECTED = "rejected"
STATUS_MISSING = "missing"
STATUS_ERROR = "error"
REVIEW_STATUSES = (STATUS_NEW, STATUS_SUGGESTED, STATUS_REVIEWED, STATUS_REJECTED)
ALL_STATUSES = REVIEW_STATUSES + (STATUS_MISSING, STATUS_ERROR)

OUTCOMES = ("pending", "accepted", "edited", "rejected", "withdrawn")
#: withdrawn: taken back before anyone decided (a newer revision of the learned suggester
#: replaced it, or its label was removed); never shown for review, never counted as decided
SUGGESTION_KINDS = ("caption", "label", "answer")


class ProjectRow(Base):
    """One row: the image root this database describes and project-wide settings."""

    __tablename__ = "project"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    root: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    settings_json: Mapped[str] = mapped_column(Text, default="{}")


class Label(Base):
    __tablename__ = "labels"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    color: Mapped[str] = mapped_column(String(16), default="#808080")
    shortcut: Mapped[Optional[str]] = mapped_column(String(8), nullable=True)
    description: Mapped[str] = mapped_column(Text, default="")
    position: Mapped[int] = mapped_column(Integer, default=0)
    # (0016) shares no image with another label: "ok", "normal" (store/exclusive.py)
    exclusive: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Image(Base):
    __tablename__ = "images"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    relpath: Mapped[str] = mapped_column(String(2048), unique=True)
    size: Mapped[int] = mapped_column(BigInteger, default=0)
    mtime_ns: Mapped[int] = mapped_column(BigInteger, default=0)
    width: Mapped[Optional[int]] = mapped_column(Integer, nullable=True)
    height: Mapped[Optional[int]] = mapped_column(Integer, nullable=True)
    format: Mapped[Optional[str]] = mapped_column(String(16), nullable=True)
    bit_depth: Mapped[Optional[int]] = mapped_column(Integer, nullable=True)
    frames: Mapped[Optional[int]] = mapped_column(Integer, nullable=True)
    # effective status (filters, counts) and the last review status, kept while a
    # file is missing or unreadable so that it comes back when the file does
    # no index: each one costs every insert of a 100k-file first scan, and a status
    # filter ordered by name walks the relpath index anyway
    status: Mapped[str] = mapped_column(String(16), default=STATUS_NEW)
    review_status: Mapped[str] = mapped_column(String(16), default=STATUS_NEW)
    error: Mapped[Optional[str]] = mapped_column(Text, nullable=True)
    header_done: Mapped[bool] = mapped_column(Boolean, default=False)  # pass walks ids in order
    caption: Mapped[Optional[str]] = mapped_column(Text, nullable=True)
    max_score: Mapped[Optional[float]] = mapped_column(Float, nullable=True)
    updated_at: Mapped[Optional[datetime]] = mapped_column(DateTime(timezone=True), nullable=True)
    # when the indexer last saw the file change (suggestions older than this were for the old content)
    content_changed_at: Mapped[Optional[datetime]] = mapped_column(DateTime(timezone=True), nullable=True)
    # SHA-256 of the file's content as of its size and mtime_ns (0015): stored when the
    # index reads its header; a file whose time moved but not its size is compared with
    # it (a copy, a restore, a touch is not a change). NULL: not read since (a row from
    # before 0015, or a header still to read)
    content_sha256: Mapped[Optional[str]] = mapped_column(String(64), nullable=True)
    updated_by: Mapped[Optional[str]] = mapped_column(String(200), nullable=True)
    # the Name sort's key (store/name_key.py), written with relpath (0011); compared by
    # bytes: SQLite's BINARY, and the "C" collation on PostgreSQL
    name_key: Mapped[Optional[str]] = mapped_column(NAME_KEY_TYPE, nullable=True)
    # fold(caption) and fold(relpath) (store/fold.py: NFC + casefold), what SQLite's text
    # search compares (0012); set with the column: by the ORM events below, and by the
    # statements that write relpath without the ORM (repo_images.insert_new, repo_moves)
    caption_folded: Mapped[Optional[str]] = mapped_column(Text, nullable=True)
    relpath_folded: Mapped[Optional[str]] = mapped_column(Text, nullable=True)

    __table_args__ = (Index("ix_images_name_key", "name_key", "id"),)


@event.listens_for(Image.caption, "set")
def _fold_caption(target: Image, value, _old, _initiator) -> None:
    target.caption_folded = fold(value)


@event.listens_for(Image.relpath, "set")
def _fold_relpath(target: Image, value, _old, _initiator) -> None:
    target.relpath_folded = fold(value)


class Folder(Base):
    """The digest of each folder's listing at the last scan: a rescan skips every folder
    whose listing still has the same digest."""

    __tablename__ = "folders"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    relpath: Mapped[str] = mapped_column(String(2048), unique=True)
    files: Mapped[int] = mapped_column(Integer, default=0)
    digest: Mapped[str] = mapped_column(String(64))


class ImageLabel(Base):
    __tablename__ = "image_labels"
    image_id: Mapped[int] = mapped_column(ForeignKey("images.id"), primary_key=True)
    label_id: Mapped[int] = mapped_column(ForeignKey("labels.id"), primary_key=True, index=True)


class Suggestion(Base):
    __tablename__ = "suggestions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    image_id: Mapped[int] = mapped_column(ForeignKey("images.id"))
    kind: Mapped[str] = mapped_column(String(16))
    value: Mapped[str] = mapped_column(Text)
    score: Mapped[Optional[float]] = mapped_column(Float, nullable=True)
    model_id: Mapped[str] = mapped_column(String(500))
    model_revision: Mapped[Optional[str]] = mapped_column(String(200), nullable=True)
    prompt: Mapped[Optional[str]] = mapped_column(Text, nullable=True)
    params_json: Mapped[str] = mapped_column(Text, default="{}")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    outcome: Mapped[str] = mapped_column(String(16), default="pending", index=True)
    final_value: Mapped[Optional[str]] = mapped_column(Text, nullable=True)
    decided_at: Mapped[Optional[datetime]] = mapped_column(DateTime(timezone=True), nullable=True)
    decided_by: Mapped[Optional[str]] = mapped_column(String(200), nullable=True)

    # an image's cards of an outcome (its pending ones among a long history of withdrawn
    # and decided ones); its first column serves every read by image (0014)
    __table_args__ = (Index("ix_suggestions_image_outcome", "image_id", "outcome"),)


class SuggestRun(Base):
    """An image a label model scored, cards or not: the learned suggester writes a label
    card only for a label it finds likely, so an image it judged clean had no trace (the
    evaluation left its misses out, and each run of the same revision read it again).
    One row per image, model and revision (a later run of the same revision for changed
    content adds a row); ``labels_json``: the labels it scored, ``{"names": [...], "keys":
    {name: [label id, creation time]}}`` (rows written before the keys: a list of names)."""

    __tablename__ = "suggest_runs"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    image_id: Mapped[int] = mapped_column(ForeignKey("images.id"), index=True)
    model_id: Mapped[str] = mapped_column(String(500))
    model_revision: Mapped[Optional[str]] = mapped_column(String(200), nullable=True)
    labels_json: Mapped[str] = mapped_column(Text, default="[]")
    ran_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    __table_args__ = (Index("ix_suggest_runs_model", "model_id", "model_revision"),)


class Event(Base):
    """Append-only review history. Rows are never updated or deleted."""

    __tablename__ = "events"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    image_id: Mapped[int] = mapped_column(ForeignKey("images.id"))
    actor: Mapped[str] = mapped_column(String(200))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    action: Mapped[str] = mapped_column(String(32))
    before: Mapped[Optional[str]] = mapped_column(Text, nullable=True)
    after: Mapped[Optional[str]] = mapped_column(Text, nullable=True)
    suggestion_id: Mapped[Optional[int]] = mapped_column(ForeignKey("suggestions.id"), nullable=True)

    __table_args__ = (Index("ix_events_image_id_id", "image_id", "id"),
                      Index("ix_events_action_at", "action", "at"))  # renames since a time (0010)


class Repair(Base):
    __tablename__ = "repairs"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source_image_id: Mapped[int] = mapped_column(ForeignKey("images.id"), index=True)
    output_image_id: Mapped[Optional[int]] = mapped_column(ForeignKey("images.id"), nullable=True)
    mask_path: Mapped[str] = mapped_column(Text)
    output_path: Mapped[str] = mapped_column(Text)
    source_sha256: Mapped[Optional[str]] = mapped_column(String(64), nullable=True)
    engine: Mapped[str] = mapped_column(String(64))
    checkpoint_hash: Mapped[Optional[str]] = mapped_column(String(64), nullable=True)
    params_json: Mapped[str] = mapped_column(Text, default="{}")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    created_by: Mapped[Optional[str]] = mapped_column(String(200), nullable=True)
    # set when the repair is undone: the row and its files stay (history is append-only)
    unlinked_at: Mapped[Optional[datetime]] = mapped_column(DateTime(timezone=True), nullable=True)
    unlinked_by: Mapped[Optional[str]] = mapped_column(String(200), nullable=True)
