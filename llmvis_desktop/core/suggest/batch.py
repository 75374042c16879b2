"""The suggestion batch job: captions, zero-shot labels or answers for many images.

Resumable: an image that already has a suggestion of the same kind from the same model
id and revision (pending or decided) is skipped, and whole batches are committed on a
helper thread at most every ``pipeline.COMMIT_EVERY_S`` seconds, so a killed job
restarted goes on where it stopped. On cancel everything inferred is committed.
Suggestions are their own rows; a reviewed annotation is never changed. Images are
read by helper processes (:mod:`.reading`) while the model thread runs a batch
(:mod:`.pipeline`).
"""
from __future__ import annotations

import logging
import math
import time
from datetime import datetime, timezone
from dataclasses import replace
from typing import Collection, Optional, Union

from ..project import Project
from ..store.records import ImageFilter, ImageRecord, NewSuggestion, queue_filter
from ..store.repo_suggest import same_request_done
from ..errors import first_line, is_connection_lost, is_disk_full
from ..tasks import Cancelled, CancelToken, Progress, ProgressFn, no_progress
from . import cores_saved, job_log
from .discovery import ModelInfo, ModelRefused
from .cores import CoreShare, usable_cores
from .pipeline import GroupCommitter, run_batches
from .reading import MAX_SIDE, ThreadReader, auto_processes, model_image, shared_read_pool
from .registry import DEFAULT_LABEL_TEMPLATE, DEFAULT_MAX_NEW_TOKENS, family_named, input_side
from .report import SuggestCancelled, SuggestError, SuggestReport, SuggestStopped, _count, _were  # noqa: F401
from .ask import ask_image  # noqa: F401 (importable from here, as before)
from .resize import reader_resize
from .strips import seen as _seen
from .strip_tiles import ZeroShotTiles
from .unreadable_note import unreadable_ids, unreadable_notes
from .optins import OPTINS_SETTING, OptIn, optin_keys, optins_for, saved_optins  # noqa: F401 (importable from here)
from .roles import (_all_failed, _resolve_spec, _roles, one_label_refusal, resolve_spec,  # noqa: F401 (as before)
                    template_problem)

log = logging.getLogger(__name__)


def done_image_ids(project: Project, info: ModelInfo, kind: str, prompt: Optional[str] = None) -> set[int]:
    """Images that already carry a ``kind`` suggestion from this model id and revision for
    this prompt (a new question is new work), made since the file last changed."""
    with project.store.read() as s:
        return same_request_done(s, info.model_id, info.revision, kind, prompt)


def load_pil(project: Project, image: ImageRecord, max_side: int = MAX_SIDE, draft_side: Optional[int] = None,
             resize: Optional[tuple] = None):
    """The image as the model sees it (:func:`.reading.model_image`): the 8-bit display
    rendering, RGB, orientation applied; a large JPEG decoded at reduced scale."""
    return model_image(project.path_of(image), project.max_pixels, max_side, draft_side, resize)


def run_suggest(
    project: Project,
    captioner: Union[ModelInfo, str, None] = None,
    labeler: Union[ModelInfo, str, None] = None,
    *,
    flt: Optional[ImageFilter] = None,
    only_unsuggested: bool = True,
    batch: int = 8,
    limit: Optional[int] = None,
    prompt: Optional[str] = None,
    question: Optional[str] = None,
    label_template: str = DEFAULT_LABEL_TEMPLATE,
    top_k: int = 3,
    min_score: float = 0.3,
    max_new_tokens: int = DEFAULT_MAX_NEW_TOKENS,
    max_side: int = MAX_SIDE,
    device: str = "auto",
    allow_bin: Optional[OptIn] = None,
    allow_remote_code: Optional[OptIn] = None,
    worker=None,
    read_processes: Optional[int] = None,
    token: Optional[CancelToken] = None,
    progress: ProgressFn = no_progress,
    started_by: Optional[str] = None,
    model_dirs: Collection[str] = (),
    include_repairs: bool = False,
    project_prompt: bool = False,
) -> SuggestReport:
    """Suggest captions (or, with ``question``, answers) and labels for the project's images.

    ``allow_bin`` / ``allow_remote_code``: True, or the paths/ids opted in; None reads the
    opt-ins saved in the project. ``worker``: the session's :class:`ModelWorker` (models
    stay loaded); None runs a private one that unloads at the end. ``read_processes``:
    helper processes that decode the files (0: one helper thread; None:
    :func:`.reading.auto_processes`). Cancelling raises
    :class:`~llmvis_desktop.core.tasks.Cancelled` between batches; what was committed stays.
    ``started_by``: the person who started the job, kept in each suggestion's parameters
    (``started_by``; the history's actor is the model).
    ``captioner`` / ``labeler`` may be given as a spec (folder, name in ``model_dirs``, HF id):
    resolved here, one that cannot be (folder gone) is that model's failure, as a refusal.
    The outputs of linked repairs (repaired copies, not work to review) are left out unless
    ``include_repairs`` or ``flt`` asks for them; ``report.repair_outputs`` counts those left out.
    ``project_prompt``: ``prompt`` is the project's caption prompt (its setting), not one asked
    for this run: a captioner that takes no prompt says so in ``report.notes`` (a plain note:
    the team's prompt is for the captioners that take one), not as a warning in ``report.messages``.
    """
    token = token or CancelToken()
    asked_captioner = captioner is not None
    started = time.monotonic()
    if batch < 1:
        raise SuggestError("the batch size must be at least 1")
    if question is not None and not question.strip():  # it ran a caption job instead
        raise SuggestError("the question is empty; ask something (--ask \"is there a scratch?\")")
    if labeler is not None:  # a bad template failed only once the models had loaded
        bad = template_problem(label_template)
        if bad:
            raise SuggestError(bad)
    unresolved: list[tuple[str, ModelRefused]] = []  # a spec naming no model: that model's failure
    models = {"answer" if question else "caption": captioner, "label": labeler}
    for role, spec in models.items():
        try:
            models[role] = _resolve_spec(spec, model_dirs)
        except ModelRefused as exc:
            unresolved.append((role, exc))
            models[role] = None
    captioner, labeler = models.values()
    roles, refused = _roles(project, captioner, labeler, prompt, question, label_template,
                            allow_bin, allow_remote_code, unresolved)
    # the label list the labeler scores, and when it was read: cards of a batch stored after
    # the list changed are left out (they would count as done; a rerun scores them)
    labels_as_of = datetime.now(timezone.utc) if labeler is not None else None
    labels = [l.name for l in project.labels()] if labeler is not None else []
    no_labels = "the project has no labels for the labeler to score; add some first " \
                "(llmvis labels add FOLDER scratch dent ...)"
    if any(r.role == "label" for r in roles) and not labels:
        if all(r.role == "label" for r in roles):
            raise SuggestError(no_labels)
        roles = [r for r in roles if r.role != "label"]  # the captioner still runs
        refused.append(("label", SuggestError(no_labels)))  # a warning, exit code 1 (as one label)
    lab = next((r for r in roles if r.role == "label"), None)
    if lab is not None and len(labels) == 1 and not family_named(lab.info.family).use_sigmoid:
        # softmax over one label is 1.0 for every image
        one = SuggestError(one_label_refusal(lab.info, labels[0]))
        if len(roles) == 1:
            raise one
        roles = [r for r in roles if r.role != "label"]
        refused.append(("label", one))
    report = SuggestReport(models={r.role: f"{r.info.model_id}@{r.info.revision}" for r in roles})
    for role, exc in refused:
        report.fail(role, str(exc))
    if question and not asked_captioner:  # dropped without a word
        report.messages.append("the question applies to chat models (--captioner) only; a labeler scores "
                               "its label template; it was not asked")
    if prompt and not question:  # say so rather than drop it silently
        if not asked_captioner:
            report.messages.append("the prompt applies to captioners only (a labeler scores its label "
                                   "template); it was not used")
        elif captioner is not None and not family_named(captioner.family).takes_prompt:
            if project_prompt:
                report.notes.append(f"{captioner.name} (a {captioner.family} model) takes no prompt: "
                                    f"the project's caption prompt was not used for its captions")
            else:
                report.messages.append(f"{captioner.name}: a {captioner.family} model takes no prompt; "
                                       f"the prompt was not used")

    # which images need which roles
    unreadable = unreadable_ids(project)
    asked = queue_filter(flt, include_repairs)
    if asked != flt and asked.repair_output is False:  # how many repaired copies it leaves out
        report.repair_outputs = project.count(replace(asked, repair_output=True))
    listed = project.image_ids(asked, sort="name")
    ids = [i for i in listed if i not in unreadable]
    report.messages.extend(unreadable_notes(project, [i for i in listed if i in unreadable]))  # each with why
    done = {r.role: (done_image_ids(project, r.info, r.kind, r.prompt) if only_unsuggested else set())
            for r in roles}

    def work(roles) -> list[int]:
        todo = [i for i in ids if any(i not in done[r.role] for r in roles)]
        report.skipped = len(ids) - len(todo)
        # images one model had done and another had not: the run did them for the other
        # alone ("0 already done" where the captioner had done them all read as redone)
        report.done_by_one = {r.role: n for r in roles if len(roles) > 1
                              and (n := sum(1 for i in ids if i in done[r.role]) - report.skipped)}
        return todo if limit is None else todo[:max(0, limit)]

    todo = work(roles)
    total = len(todo)
    try:
        progress(Progress("suggest", 0, total, loading_message()))
    except Cancelled:  # (said as a cancel later in the job is: what it stored, none)
        raise _with_earlier(SuggestCancelled(0), project, roles, todo, None, only_unsuggested) from None
    if not todo:
        report.seconds = time.monotonic() - started
        progress(Progress("suggest", 0, 0, "nothing to do"))
        return report

    own_worker = worker is None
    if own_worker:
        from .worker import ModelWorker

        worker = ModelWorker()
    # reader processes start while the models load
    n_proc = auto_processes() if read_processes is None else max(0, int(read_processes))
    reader = shared_read_pool(n_proc) if n_proc else ThreadReader()
    reader.start()
    interrupted, committer = False, None
    try:
        engines, load_errors, since = {}, [], job_log.mark()  # models outlive jobs: what they say from now
        for r in roles:
            try:
                engines[r.role] = worker.engine(r.info, r.role, device, allow_bin=r.allow_bin,
                                                allow_remote_code=r.allow_remote_code, on_message=None)
            except Exception as exc:  # the other model still runs
                if len(roles) == 1:
                    raise
                load_errors.append(exc)
                report.fail(r.role, str(exc) if isinstance(exc, ModelRefused)
                            else f"{r.info.path}: cannot load this model ({type(exc).__name__}: {first_line(exc, 300)})")
        if not engines:
            raise _all_failed(load_errors)
        if len(engines) < len(roles):
            roles = [r for r in roles if r.role in engines]
            todo = work(roles)  # images only the failed model still needed are not read
            total = len(todo)
            if not todo:
                report.seconds = time.monotonic() - started
                progress(Progress("suggest", 0, 0, "nothing to do"))
                return report
        report.device = ",".join(sorted({e.device for e in engines.values()}))
        report.load_seconds = time.monotonic() - started
        # decode no larger than the models need (None: one of them sizes images itself)
        sides = [input_side(e.loaded) for e in engines.values()]
        draft_side = max(sides) if sides and None not in sides else None
        # and, where every model resizes alike, resized there as its processor would
        by_role = {role: worker.call(reader_resize, e.loaded) for role, e in engines.items()}
        specs = set(by_role.values())
        resize = specs.pop() if len(specs) == 1 else None
        token.check()

        chunks = [todo[i:i + batch] for i in range(0, total, batch)]
        processed = 0
        progress(Progress("suggest", 0, total, "suggesting"))  # the models are loaded: rates count from here

        broken: dict[str, str] = {}  # role -> why its model failed while running
        no_text = _NoCard()  # outputs no card is made of (empty captions, label scores not numbers)

        tiler = ZeroShotTiles(project) if "label" in engines else None  # strips in tiles the readers cut
        cut = by_role.get("label")
        cut = (input_side(engines["label"].loaded) or 224, tiler.max_tiles, cut) if cut else None

        def infer(recs, images):
            rows = _infer(engines, roles, recs, images, done, labels, batch, max_new_tokens, top_k,
                          min_score, max_side, broken, no_text, tiler)
            if started_by:
                rows = [replace(r, params={**r.params, "started_by": started_by}) for r in rows]
            return rows

        first: list = []  # (time, images done) at the first batch's report

        def on_batch(recs, rows, failed, size):
            nonlocal processed
            report.failed.extend(failed)
            report.suggestions += len(rows)
            report.images += len(recs)
            processed += size
            now = time.monotonic()  # the progress line's rate counts from the first batch
            if not first:  # (counted as it counts them: unreadable images too)
                first.append((now, processed))
            else:
                report.after_first = (now - first[0][0], processed - first[0][1])
            # (no rate or ETA here: the window's Jobs panel and the CLI's bar count their
            # own from these counts; one here too showed two ETAs on one line)
            progress(Progress("suggest", processed, total, "suggesting"))

        share = None
        if all(e.device == "cpu" for e in engines.values()):  # the model and the readers share the cores
            cores = usable_cores()
            # what earlier jobs measured, this session's or saved by an earlier one
            memory = cores_saved.filled(worker.core_choices, cores)
            share = CoreShare(cores, reader.parallel, memory=memory,
                              key=tuple((r.info.path, r.info.revision, r.role) for r in roles))
        try:
            def on_wait(message: str, waiting: bool) -> None:  # the database held by another writer
                progress(Progress("suggest", processed, total, message, waiting=waiting))

            committer = GroupCommitter(project, skip_done=only_unsuggested,
                                       labels_as_of=labels_as_of if "label" in engines else None,
                                       token=token, on_wait=on_wait)
            try:
                run_batches(project, chunks, reader, (project.max_pixels, max_side, draft_side, resize, cut),
                            infer, worker, on_batch, token, share, skip_done=only_unsuggested, committer=committer)
            except Exception as exc:  # the batches committed before a full disk, a lost server or a cancel are kept
                if is_disk_full(exc) or is_connection_lost(exc) or isinstance(exc, Cancelled):
                    raise _stopped(project, committer, exc) from exc
                raise
            finally:
                for role, why in list(broken.items()):
                    report.fail(role, why, running=True)
                report.no_text = no_text.text
                if no_text.score:  # (each failed the whole job: "a suggestion's score must be a finite number")
                    report.messages.append(no_score_words(no_text.score))
            report.not_stored(committer.stale_labels, committer.dropped, committer.renewed)
            report.waited_s = committer.waited_s
            if committer.waited_s >= 1:  # (said as it waited; said again with the result)
                from ..store.db_wait import waited_note
                from ..store.engine import describe_url

                report.notes.append(waited_note(describe_url(project.db_url), committer.waited_s))
            report.strips_tiled = tiler.tiled if tiler else []
        finally:
            if share is not None:  # a cancelled job measured something too
                cores_saved.save(memory, cores_saved.saved_path(), cores)
        if share is not None and share.planned:
            report.cores = share.summary()
        # what happened in this job (not what the models said in earlier ones, maybe another
        # project's), and a state they carry in from before, said as such
        report.messages += [m for m in job_log.job_messages(since, [*engines.values(), reader], batch)
                            if m not in report.messages]
        report.device = ",".join(sorted({e.device for e in engines.values()}))
    except Cancelled as exc:  # while the models loaded (a cancel in the batches says what they stored)
        if isinstance(exc, SuggestCancelled):
            _with_earlier(exc, project, roles, todo, committer, only_unsuggested)
            raise
        raise _with_earlier(SuggestCancelled(0), project, roles, todo, committer, only_unsuggested) from exc
    except KeyboardInterrupt as exc:  # what its commits stored, for the CLI to say (its last
        interrupted = True  # progress report can be a few batches behind them)
        exc.stored_images = len(committer.stored_images) if committer is not None else 0
        _with_earlier(exc, project, roles, todo, committer, only_unsuggested)
        raise
    finally:
        reader.close()
        if own_worker:
            # interrupted (Ctrl+C, SIGTERM), the model thread is not waited for: busy loading
            # a model (a minute for a large one) it held the answer back until the load ended;
            # it is a daemon, and nothing is saved from it (the batches commit here)
            worker.shutdown(wait=not interrupted)
        report.seconds = time.monotonic() - started
    return report


def _with_earlier(exc: BaseException, project: Project, roles, todo: list[int], committer,
                  only_unsuggested: bool) -> BaseException:
    """``exc`` (a cancel or an interrupt) with ``earlier_left``: for a redo, how many of the
    images it had not reached carry these models' earlier suggestions (what a plain run
    again counts as done and leaves as they are); None for a plain run, or when that cannot
    be read (a cancel said "the others keep their earlier suggestions" of a folder that had
    none, where a plain run again finishes the work)."""
    exc.earlier_left = None
    if only_unsuggested:
        return exc
    stored = committer.stored_images if committer is not None else set()
    left = {i for i in todo if i not in stored}
    try:
        had = set()
        for r in roles:
            had |= done_image_ids(project, r.info, r.kind, r.prompt) & left
        exc.earlier_left = len(had)
    except Exception as err:  # (the cancel is said all the same, as before)
        log.warning("images left with earlier suggestions: %s", err)
    return exc


FIRST_LOAD_MESSAGE = "loading torch and transformers (once a session), then the models"


def loading_message() -> str:
    """What a job says while its models load; the first of a session (a process) imports
    torch and transformers first: seconds more, and the window's short pauses then."""
    from .. import lazy_torch

    return "loading models" if lazy_torch.engine_imported else FIRST_LOAD_MESSAGE


def _stopped(project: Project, committer, exc: BaseException) -> Union[SuggestStopped, SuggestCancelled]:
    """A full disk, the database server gone, or a cancel stopped it: what its commits kept."""
    from ..store.engine import describe_url
    n = len(committer.stored_images)
    return SuggestCancelled(n) if isinstance(exc, Cancelled) else \
        SuggestStopped.of(exc, "the suggest job", describe_url(project.db_url), n)


class _NoCard:
    """Model outputs no card is made of, counted on the model thread: captions or answers
    that came out empty (``text``), images whose label scores were not numbers (``score``)."""

    def __init__(self) -> None:
        self.text = self.score = 0


def no_score_words(n: int) -> str:
    """The warning for ``n`` images a labeler gave no usable score."""
    return (f"{n} {'image' if n == 1 else 'images'} got no label cards: the labeler's scores were not numbers "
            f"(NaN), as CLIP-style models can give in half precision on a GPU; --device cpu scores in full "
            f"precision")


def _infer(engines, roles, recs, images, done, labels, batch, max_new_tokens, top_k, min_score,
           max_side, broken: Optional[dict] = None, no_text: Optional["_NoCard"] = None, tiler=None
           ) -> list[NewSuggestion]:
    """Runs on the model thread: every role over the images that still need it. A role
    whose model fails goes into ``broken`` (role -> why) and runs no more; the other
    roles' rows are kept. A job of one role, or whose every role failed, raises."""
    broken = {} if broken is None else broken
    no_text = _NoCard() if no_text is None else no_text  # an empty text is never a suggestion
    rows: list[NewSuggestion] = []
    for r in roles:
        if r.role in broken:
            continue
        try:
            rows.extend(_infer_role(engines[r.role], r, recs, images, done, labels, batch, max_new_tokens,
                                    top_k, min_score, max_side, no_text, tiler))
        except Exception as exc:
            if len(roles) == 1 or isinstance(exc, Cancelled):
                raise
            broken[r.role] = f"{engines[r.role].info.name}: {type(exc).__name__}: {first_line(exc, 300)}"
            log.debug("suggest: the %s model failed", r.role, exc_info=True)
            if all(x.role in broken for x in roles):
                raise SuggestError("every model of the job failed: " + "; ".join(broken.values())) from exc
    return rows


def _infer_role(eng, r, recs, images, done, labels, batch, max_new_tokens, top_k, min_score,
                max_side, no_text: "_NoCard", tiler=None) -> list[NewSuggestion]:
    rows: list[NewSuggestion] = []
    idx = [i for i, rec in enumerate(recs) if rec.id not in done[r.role]]
    if not idx:
        return rows
    ims = [images[i] for i in idx]
    base = {"family": eng.info.family, "device": eng.device, "dtype": eng.dtype_name, "max_side": max_side, **eng.info.hub_params()}
    if r.role == "label":
        scores = eng.scores(ims, labels, r.prompt, batch=batch)
        tiled = tiler(eng, [recs[i] for i in idx], labels, r.prompt, batch, ims) if tiler else {}  # strips
        scoring = "sigmoid" if getattr(eng.family, "use_sigmoid", False) else "softmax"
        for n, (i, row) in enumerate(zip(idx, scores)):
            row = tiled[n][0] if n in tiled else row
            if not all(math.isfinite(x) for x in row):  # NaN (CLIP in half precision on a GPU): no card
                no_text.score += 1
                continue
            ranked = sorted(zip(labels, row), key=lambda t: -t[1])
            for rank, (name, score) in enumerate(ranked[:max(1, top_k)], start=1):
                if rank > 1 and score < min_score:
                    break
                rows.append(NewSuggestion(
                    recs[i].id, "label", name, eng.info.model_id, float(score), eng.info.revision,
                    r.prompt, dict(base, rank=rank, scoring=scoring, top_k=top_k, min_score=min_score,
                                   taxonomy_size=len(labels), **_seen(images[i]),
                                   **(tiled[n][1][labels.index(name)] if n in tiled else {}))))
        return rows
    if r.role == "answer":
        outs = eng.answer(ims, r.prompt, batch=batch, max_new_tokens=max_new_tokens)
    else:
        outs = eng.caption(ims, r.prompt, batch=batch, max_new_tokens=max_new_tokens)
    for i, g in zip(idx, outs):
        if not (g.text or "").strip():
            no_text.text += 1
            continue
        rows.append(NewSuggestion(
            recs[i].id, r.kind, g.text, eng.info.model_id, g.score, eng.info.revision, r.prompt,
            dict(base, max_new_tokens=max_new_tokens, decoding="greedy",
                 score_kind="mean token probability", **_seen(images[i]))))
    return rows
