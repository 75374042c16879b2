""""Ask the image": one chat-model answer about one image (the window's question box).

What happened to the model while it answered (an out-of-memory moved it to the CPU, or
made it retry smaller) is handed to ``on_note`` in plain words, for the answer box; an
out-of-memory it could not get round is an error in plain words.
"""
from __future__ import annotations

import os
from typing import TYPE_CHECKING, Callable, Optional, Union

from ..store.records import NewSuggestion, SuggestionRecord
from . import job_log
from .discovery import ModelInfo, ModelRefused, check
from .reading import MAX_SIDE, model_image
from .strips import VIEW_KEY
from .registry import DEFAULT_MAX_NEW_TOKENS
from .report import SuggestError

if TYPE_CHECKING:
    from ..project import Project

NO_MEMORY = ("not enough memory to answer, even on the CPU: nothing was answered (close other programs, "
             "or choose a smaller model)")


def ask_image(project: "Project", image_id: int, info: ModelInfo, question: str, *, worker=None,
              device: str = "auto", store: bool = True, frame: int = 0, window: Optional[tuple] = None,
              max_new_tokens: int = DEFAULT_MAX_NEW_TOKENS,
              on_note: Optional[Callable[[str], None]] = None,
              started_by: Optional[str] = None) -> Union[SuggestionRecord, NewSuggestion]:
    """"Ask the image": one chat-model answer, stored as an ``answer`` suggestion when ``store``.
    ``frame`` and ``window``: what the reviewer is looking at (a multi-frame DICOM's frame
    12 through a bone window was answered about frame 0 through the file's window); both
    are recorded in the parameters when not the defaults. ``on_note`` is called with each
    thing that happened to the model while it loaded and answered (out of memory: moved to
    the CPU, or retried smaller), in plain words, also when it then fails. ``started_by``:
    who asked, kept in the parameters as a job's suggestions keep who started it; the
    parameters are those of ``llmvis suggest --ask``'s answers (``score_kind`` and
    ``max_side`` too: a note said less of how it was made than a card)."""
    from .batch import optins_for
    from .engines import is_oom

    if info.kind != "chat":
        raise ModelRefused(f"{info.path}: a {info.family} model cannot answer questions; use a chat model")
    if not os.path.isdir(info.path):  # the info is from when it was chosen: not "no tokenizer files"
        raise ModelRefused(f"{info.path}: this model's folder is no longer there (moved or deleted)")
    a_bin, a_rc = optins_for(project, info)
    check(info, a_bin, a_rc)
    from .worker import shared_worker

    worker = worker or shared_worker()
    rec = project.image(image_id)
    im = model_image(project.path_of(rec), project.max_pixels, MAX_SIDE, frame=frame, window=window)
    since = job_log.mark()  # what the model says from here on is about this answer (its load too)
    eng = None
    try:
        eng = worker.engine(info, "answer", device, allow_bin=a_bin, allow_remote_code=a_rc)
        (g,) = worker.call(eng.answer, [im], question, batch=1, max_new_tokens=max_new_tokens)
    except Exception as exc:
        if not is_oom(exc):
            raise
        raise SuggestError(NO_MEMORY) from exc
    finally:
        if on_note is not None and eng is not None:
            for note in eng.notes.since(since):
                on_note(note)
    params = {"family": info.family, "device": eng.device, "dtype": eng.dtype_name, "max_side": MAX_SIDE,
              "max_new_tokens": max_new_tokens, "decoding": "greedy", "score_kind": "mean token probability",
              **info.hub_params()}  # an HF-cache model: its hub repo and snapshot commit, as a job's cards
    if started_by:
        params["started_by"] = started_by
    if frame:
        params["frame"] = frame
    if window is not None:
        params["window"] = [float(window[0]), float(window[1])]
    if im.info.get(VIEW_KEY):  # what the model was shown (a strip's fold)
        params[VIEW_KEY] = im.info[VIEW_KEY]
    row = NewSuggestion(image_id, "answer", g.text, info.model_id, g.score, info.revision, question.strip(), params)
    if not store:
        return row
    (sid,) = project.add_suggestions([row])
    return next(s for s in project.suggestions(image_id) if s.id == sid)
