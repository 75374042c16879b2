"""Label Studio JSON tasks.

One task per image: ``data.image`` is the image's project-relative path (serve the
project folder with Label Studio's local-files storage; ``/data/local-files/?d=``
prefixes are understood on import, with or without ``http(s)://host`` before them; an
uploaded file, ``/data/upload/3/5f1c2a9e-dog.jpg``, is matched to the one project image
named ``dog.jpg``, else skipped). The labeling config beside the file gives the order of
the labels an import makes; a region's labels and a taxonomy's paths label its image
(see :mod:`.labelstudio_read`). Reviewed captions and labels are the task's
``annotations`` (a ``textarea`` named ``caption`` and ``choices`` named ``labels``);
with suggestions included, each pending, accepted, edited or rejected suggestion is a
``prediction`` with its ``score`` and ``model_version`` (the model id; Label Studio
compares models by it), and an ``llmvis`` object with the model revision, the prompt,
the ``outcome``, the ``final_value`` a reviewer kept (an edit), ``decided_by`` and
``decided_at`` (UTC). A withdrawn suggestion is not exported. On import only pending
predictions (and those of other tools, without an ``llmvis`` outcome) become
suggestions: a decided one is already part of the annotation it was decided into.
Review status, reviewer and time travel as ``data.llmvis_*`` fields.
"""
from __future__ import annotations

import json
from pathlib import Path

from ..store.records import NewSuggestion
from .coco import load_json
from .archive import as_path
from .common import InterchangeError
from .export_context import ExportContext
from .files import write_pair_atomic
from .labelstudio_read import (
    UPLOAD,
    Tally,
    config_labels,
    config_path,
    image_name,
    is_region,
    not_a_task,
    result_labels,
)
from .target import check_file_target
from .parsing import (
    MISSING,
    ImportItem,
    ParsedFile,
    check_labels,
    check_status,
    check_text,
    parse_time,
    score_value,
)

LABEL_CONFIG = """<View>
  <Image name="image" value="$image"/>
  <Choices name="labels" toName="image" choice="multiple">
{choices}
  </Choices>
  <TextArea name="caption" toName="image" maxSubmissions="1" editable="true"/>
  <TextArea name="answer" toName="image" maxSubmissions="1" editable="true"/>
</View>
"""


def _caption_result(text: str, from_name: str = "caption") -> dict:
    return {"id": from_name, "from_name": from_name, "to_name": "image", "type": "textarea",
            "value": {"text": [text]}}


def _choices_result(names) -> dict:
    return {"id": "labels", "from_name": "labels", "to_name": "image", "type": "choices",
            "value": {"choices": list(names)}}


def export(ctx: ExportContext) -> None:
    config = config_path(ctx.out)
    check_file_target(ctx.project, config, ctx.force)  # refused before the task file is written
    total = ctx.total()
    tasks = []
    for rows in ctx.rows(decided=True):
        for row in rows:
            data = {"image": row.name, "llmvis_status": row.status}
            if row.reviewer:
                data["llmvis_reviewer"] = row.reviewer
            if row.time:
                data["llmvis_time"] = row.time
            if row.derived_from:
                data["llmvis_derived_from"] = row.derived_from
            task = {"id": len(tasks) + 1, "data": data, "annotations": [], "predictions": []}
            if row.annotated:
                result = []
                if row.caption:
                    result.append(_caption_result(row.caption))
                if row.labels:
                    result.append(_choices_result(row.labels))
                ann = {"id": len(tasks) + 1, "result": result, "was_cancelled": False}
                if row.time:
                    ann["updated_at"] = row.time
                task["annotations"].append(ann)
                ctx.report.count_row(row)
            for sg in row.suggestions:
                if sg.kind == "label":
                    res = _choices_result([sg.value])
                else:
                    res = _caption_result(sg.value, "caption" if sg.kind == "caption" else "answer")
                extra = {"model_revision": sg.model_revision, "prompt": sg.prompt, "outcome": sg.outcome}
                if sg.outcome != "pending":
                    extra.update(final_value=sg.final_value, decided_by=sg.decided_by, decided_at=sg.decided_at)
                task["predictions"].append({
                    "model_version": sg.model_id, "score": sg.score, "result": [res], "llmvis": extra,
                })
                ctx.report.suggestions += 1
            tasks.append(task)
        ctx.tick(len(tasks), total)
    text = json.dumps(tasks, ensure_ascii=False, separators=(",", ":"))  # one-shot: the C encoder
    choices = "\n".join(f'    <Choice value="{_xml_attr(lbl.name)}"/>' for lbl in ctx.project.labels())
    # both written in full, then put in place together: the new config was left beside the
    # old tasks file when the tasks could not be written (a full disk)
    write_pair_atomic([(config, LABEL_CONFIG.format(choices=choices)), (Path(ctx.out), text)],
                      replace=ctx.force)
    ctx.report.images = len(tasks)
    ctx.report.files_written += 2


def _xml_attr(text: str) -> str:
    return text.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;").replace(">", "&gt;")


def _read(r: dict) -> bool:
    """Whether llmvis reads a result of this type (a caption, labels)."""
    kind = r.get("type")
    return kind in ("textarea", "choices", "taxonomy") or is_region(kind)


def _results(result, where: str):
    if not isinstance(result, list):
        raise InterchangeError(f"{where}: result is not a list")
    for k, r in enumerate(result):
        if not isinstance(r, dict) or (_read(r) and not isinstance(r.get("value"), dict)):
            raise InterchangeError(f"{where}: result[{k}] is not an object with a 'value'")
        yield k, r


#: names a TextArea of the caption goes by, in the order taken when a file has several
CAPTION_NAMES = ("caption", "text", "description")
#: names the Choices of the labels goes by when a file has several: the export's, then
#: those of Label Studio's classification templates
LABEL_NAMES = ("labels", "label", "choice", "choices", "class")


def _controls(tasks, f: str) -> tuple[set, set]:
    """The names of the TextArea and Choices controls the file's results use (``f``, the
    file's name, names it where a name is not text)."""
    texts, choices = set(), set()
    for t, task in enumerate(tasks):
        if not isinstance(task, dict):
            continue
        for key in ("annotations", "predictions"):
            group = task.get(key)
            for a in group if isinstance(group, list) else ():
                result = a.get("result") if isinstance(a, dict) else None
                for r in result if isinstance(result, list) else ():
                    if not isinstance(r, dict):
                        continue
                    name = r.get("from_name", "caption" if r.get("type") == "textarea" else "labels")
                    if not isinstance(name, str):  # (a list or an object was "unhashable type")
                        raise InterchangeError(f"{f} task[{t}] {key}: from_name {name!r} is not text")
                    if r.get("type") == "textarea" and not (key == "predictions" and name == "answer"):
                        texts.add(name)
                    elif r.get("type") == "choices":
                        choices.add(name)
    return texts, choices


def _pick(names: set, preferred: tuple) -> "str | None":
    if len(names) == 1:
        return next(iter(names))
    return next((n for n in preferred if n in names), None)


def _when(ann: dict):
    """An annotation's time (updated_at, else created_at), None when it has none."""
    for key in ("updated_at", "created_at"):
        try:
            t = parse_time(ann.get(key), "")
        except InterchangeError:
            t = None
        if t is not None:
            return t
    return None


def _newest(live: list) -> dict:
    """The newest annotation by updated_at/created_at; without times, the last listed."""
    timed = [(t, k) for k, a in enumerate(live) if (t := _when(a)) is not None]
    if timed:
        return live[max(timed)[1]]
    return live[-1]


def parse(path: Path) -> ParsedFile:
    path = as_path(path)
    f = path.name
    tasks = load_json(path)
    if isinstance(tasks, dict):
        tasks = [tasks]
    if not isinstance(tasks, list):
        raise InterchangeError(f"{f}: not a list of Label Studio tasks")
    text_names, choice_names = _controls(tasks, f)
    # the caption is the only TextArea, or the one named caption/text/description; the
    # labels are the Choices named as the export's ("labels"), or the only one
    caption_name = _pick(text_names, CAPTION_NAMES)
    labels_name = _pick(choice_names, LABEL_NAMES)
    warnings = []
    ignored_texts = sorted(text_names - {caption_name})
    if ignored_texts:
        warnings.append(f"{f}: TextArea control(s) {', '.join(map(repr, ignored_texts))} not imported "
                        f"(the caption is {'the one named ' + repr(caption_name) if caption_name else 'one named ' + ', '.join(CAPTION_NAMES)})")
    ignored_choices = sorted(choice_names - {labels_name})
    if ignored_choices:
        warnings.append(f"{f}: Choices control(s) {', '.join(map(repr, ignored_choices))} not imported "
                        f"(labels are {'the ' + repr(labels_name) + ' control' if labels_name else 'one named ' + ', '.join(LABEL_NAMES)})")
    items = []
    has_captions = has_labels = False
    uploads = decided = 0
    disagree: list[str] = []
    annotated: list[ImportItem] = []  # tasks whose annotation says something of every field the file carries
    tally = Tally()
    ours = False  # an llmvis export (its tasks carry llmvis_status)
    for i, task in enumerate(tasks):
        where = f"{f} task[{i}]"
        if not isinstance(task, dict) or not isinstance(task.get("data"), dict):
            raise not_a_task(task, where)
        if "id" in task:
            where += f" (id {task['id']})"
        data = task["data"]
        name, uploaded, local, as_uploaded = image_name(data, where)
        item = ImportItem(name, where[len(f) + 1:], review_meta="llmvis_status" in data, by_basename=uploaded,
                          by_suffix=local, upload_name=as_uploaded)
        ours = ours or item.review_meta
        uploads += uploaded
        item.status = check_status(data.get("llmvis_status"), where)
        item.reviewer = check_text(data.get("llmvis_reviewer"), where, "llmvis_reviewer")
        item.time = parse_time(data.get("llmvis_time"), where)
        anns = task.get("annotations") or []
        if not isinstance(anns, list):
            raise InterchangeError(f"{where}: annotations is not a list")
        if any(not isinstance(a, dict) for a in anns):
            raise InterchangeError(f"{where}: an annotation is not an object")
        live = [a for a in anns if not a.get("was_cancelled")]
        if live or item.review_meta:  # ours: an image without annotation has no caption and no label
            annotated.append(item)
        if item.review_meta:
            item.caption, item.labels = None, []
        if live:
            read = [(a, _read_annotation(a, f"{where} annotation {a.get('id', k + 1)}", caption_name, labels_name))
                    for k, a in enumerate(live)]
            ann = _newest(live)  # several annotators: the newest completed annotation
            caption, labels, counted = next(r for a, r in read if a is ann)
            tally.add(counted)
            if len({(c if c is not MISSING else None, tuple(sorted(lb or ()))) for _, (c, lb, _) in read}) > 1:
                disagree.append(str(task.get("id", i)))
            if caption is not MISSING:
                item.caption = caption
                has_captions = True
            if labels is not None:
                item.labels = labels
                has_labels = True
        preds = task.get("predictions") or []
        if not isinstance(preds, list):
            raise InterchangeError(f"{where}: predictions is not a list")
        for p_i, pred in enumerate(preds):
            pw = f"{where} prediction[{p_i}]"
            if not isinstance(pred, dict):
                raise InterchangeError(f"{pw}: not an object")
            model = pred.get("model_version") or "labelstudio"
            if not isinstance(model, str):
                model = str(model)
            score = pred.get("score")
            if score is not None and (isinstance(score, bool) or not isinstance(score, (int, float))):
                raise InterchangeError(f"{pw}: score {score!r} is not a number")
            score = score_value(score, pw)
            extra = pred.get("llmvis") if isinstance(pred.get("llmvis"), dict) else {}
            if extra.get("outcome") not in (None, "pending"):  # decided in llmvis: not a card again
                decided += 1
                continue
            rev = check_text(extra.get("model_revision"), pw, "model_revision")
            prompt = check_text(extra.get("prompt"), pw, "prompt")
            for k, r in _results(pred.get("result", []), pw):
                if r.get("type") == "textarea":
                    from_name = r.get("from_name", "caption")
                    if from_name == "answer":
                        kind = "answer"
                    elif from_name == caption_name:
                        kind = "caption"
                    else:
                        continue  # named in the warning
                    texts = _texts(r, f"{pw} result[{k}]")
                    if texts:
                        text = check_text("\n".join(texts), f"{pw} result[{k}]", "text")
                        item.suggestions.append(NewSuggestion(0, kind, text, model,
                                                              score, rev, prompt))
                elif r.get("type") == "choices" and r.get("from_name", "labels") == labels_name:
                    for c in check_labels(r["value"].get("choices") or [], f"{pw} result[{k}]"):
                        item.suggestions.append(NewSuggestion(0, "label", c, model,
                                                              score, rev, prompt))
                elif (given := result_labels(r, f"{pw} result[{k}]")) is not None:
                    if is_region(r.get("type")):
                        tally.regions[r["type"]] += 1
                    for c in given:
                        item.suggestions.append(NewSuggestion(0, "label", c, model, score, rev, prompt))
                elif not _read(r):
                    tally.unused[str(r.get("type"))] += 1
        items.append(item)
    # a field no annotation of the file carries (a choices-only project has no caption)
    # is left alone, not cleared; a task without annotation says nothing
    for item in annotated:
        if has_captions and item.caption is MISSING:
            item.caption = None
        if has_labels and item.labels is None:
            item.labels = []
    if decided:
        warnings.append(f"{f}: {decided} prediction(s) were already decided (accepted, edited or rejected) "
                        "when exported; not imported as suggestions")
    if disagree:
        warnings.append(f"{f}: {len(disagree)} task(s) have annotations that disagree (ids "
                        f"{', '.join(disagree[:5])}{'...' if len(disagree) > 5 else ''}); the newest annotation "
                        "of each (updated_at, else created_at) was imported")
    if uploads:
        warnings.append(f"{f}: {uploads} task(s) name a file uploaded to Label Studio ({UPLOAD}...): each is "
                        "matched to the one project image of that file name, or skipped")
    warnings += tally.warnings(f)
    return ParsedFile(items, taxonomy=_taxonomy(path, labels_name, items, ours, warnings), warnings=warnings)


def _taxonomy(path: Path, labels_name, items: list, ours: bool, warnings: list) -> list[str]:
    """The labels to make first, in order: those of the labeling config beside the file
    (``<name>.label_config.xml``, as the export writes it): every one of an llmvis
    export's, the used ones of another tool's (the rest named in a warning)."""
    declared = config_labels(path, labels_name, LABEL_NAMES)
    if declared is None:
        return []
    if ours:
        return declared
    used = {n for it in items for n in (it.labels or [])} | {
        sg.value for it in items for sg in it.suggestions if sg.kind == "label"}
    unused = [n for n in declared if n not in used]
    if unused:
        warnings.append(f"{path.name}: {len(unused)} label(s) of its labeling config no annotation uses not added to "
                        f"the labels ({', '.join(map(repr, unused[:5]))}{'...' if len(unused) > 5 else ''})")
    return [n for n in declared if n in used]


def _texts(r: dict, where: str) -> list:
    texts = r["value"].get("text") or []
    if not isinstance(texts, list) or not all(isinstance(t, str) for t in texts):
        raise InterchangeError(f"{where}: text is not a list of strings")
    return texts


def _read_annotation(ann: dict, aw: str, caption_name, labels_name) -> tuple:
    """(caption or MISSING, labels or None, its :class:`Tally`) of one annotation: the
    caption TextArea, the labels Choices, each region's labels and each taxonomy path
    (the other results counted, by type)."""
    caption, labels, tally = MISSING, None, Tally()
    for k, r in _results(ann.get("result", []), aw):
        if r.get("type") == "textarea" and r.get("from_name", "caption") == caption_name:
            texts = _texts(r, f"{aw} result[{k}]")
            caption = check_text("\n".join(texts), f"{aw} result[{k}]", "caption") or None
        elif r.get("type") == "choices" and r.get("from_name", "labels") == labels_name:
            labels = (labels or []) + check_labels(r["value"].get("choices") or [], f"{aw} result[{k}]")
        elif (given := result_labels(r, f"{aw} result[{k}]")) is not None:
            if is_region(r.get("type")):
                tally.regions[r["type"]] += 1
            labels = list(dict.fromkeys((labels or []) + given))
        elif not _read(r):  # a rating, number, relation...: no place in llmvis
            tally.unused[str(r.get("type"))] += 1
    return caption, labels, tally
