"""Label Studio JSON tasks.

One task per image: ``data.image`` is the image's project-relative path (serve the
project folder with Label Studio's local-files storage; ``/data/local-files/?d=``
prefixes are understood on import; an uploaded file, ``/data/upload/3/5f1c2a9e-dog.jpg``,
is matched to the one project image named ``dog.jpg``, else skipped). Reviewed captions and labels are the task's
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
import re
from pathlib import Path
from urllib.parse import unquote

from ..store.records import NewSuggestion
from .coco import load_json
from .common import ExportContext, InterchangeError
from .files import write_pair_atomic
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

LOCAL_FILES = "/data/local-files/?d="
UPLOAD = "/data/upload/"
UPLOAD_PREFIX = re.compile(r"^[0-9a-f]{8}-")  # Label Studio prefixes an uploaded file's name

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


def config_path(out: Path) -> Path:
    """The labeling config written next to the task file."""
    return out.with_name(out.stem + ".label_config.xml")


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
                ctx.report.annotations += len(row.labels) + (1 if row.caption else 0)
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


def _image_name(value, where: str) -> tuple[str, bool]:
    """The image a task names, and whether it is only a file name (an uploaded file:
    ``/data/upload/<project>/<8 hex>-<name>``, matched to the one project image so named)."""
    if not isinstance(value, str):
        raise InterchangeError(f"{where}: data.image {value!r} is not text")
    if value.startswith(LOCAL_FILES):
        return unquote(value[len(LOCAL_FILES):]), False
    if value.startswith(UPLOAD):
        base = unquote(value.rsplit("/", 1)[-1])
        return UPLOAD_PREFIX.sub("", base, count=1) or base, True
    return value, False


def _results(result, where: str):
    if not isinstance(result, list):
        raise InterchangeError(f"{where}: result is not a list")
    for k, r in enumerate(result):
        if not isinstance(r, dict) or not isinstance(r.get("value"), dict):
            raise InterchangeError(f"{where}: result[{k}] is not an object with a 'value'")
        yield k, r


#: names a TextArea of the caption goes by, in the order taken when a file has several
CAPTION_NAMES = ("caption", "text", "description")
#: names the Choices of the labels goes by when a file has several: the export's, then
#: those of Label Studio's classification templates
LABEL_NAMES = ("labels", "label", "choice", "choices", "class")


def _controls(tasks) -> tuple[set, set]:
    """The names of the TextArea and Choices controls the file's results use."""
    texts, choices = set(), set()
    for task in tasks:
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
    path = Path(path)
    f = path.name
    tasks = load_json(path)
    if isinstance(tasks, dict):
        tasks = [tasks]
    if not isinstance(tasks, list):
        raise InterchangeError(f"{f}: not a list of Label Studio tasks")
    text_names, choice_names = _controls(tasks)
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
    for i, task in enumerate(tasks):
        where = f"{f} task[{i}]"
        if not isinstance(task, dict) or not isinstance(task.get("data"), dict):
            raise InterchangeError(f"{where}: not a task object with 'data'")
        if "id" in task:
            where += f" (id {task['id']})"
        data = task["data"]
        name, uploaded = _image_name(data.get("image"), where)
        item = ImportItem(name, where[len(f) + 1:], review_meta="llmvis_status" in data, by_basename=uploaded,
                          by_suffix=isinstance(data.get("image"), str) and data["image"].startswith(LOCAL_FILES))
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
            caption, labels = next(r for a, r in read if a is ann)
            if len({(c if c is not MISSING else None, tuple(sorted(lb or ()))) for _, (c, lb) in read}) > 1:
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
    return ParsedFile(items, warnings=warnings)


def _texts(r: dict, where: str) -> list:
    texts = r["value"].get("text") or []
    if not isinstance(texts, list) or not all(isinstance(t, str) for t in texts):
        raise InterchangeError(f"{where}: text is not a list of strings")
    return texts


def _read_annotation(ann: dict, aw: str, caption_name, labels_name) -> tuple:
    """(caption or MISSING, labels or None) of one annotation, from the caption TextArea
    and the labels Choices only."""
    caption, labels = MISSING, None
    for k, r in _results(ann.get("result", []), aw):
        if r.get("type") == "textarea" and r.get("from_name", "caption") == caption_name:
            texts = _texts(r, f"{aw} result[{k}]")
            caption = check_text("\n".join(texts), f"{aw} result[{k}]", "caption") or None
        elif r.get("type") == "choices" and r.get("from_name", "labels") == labels_name:
            labels = (labels or []) + check_labels(r["value"].get("choices") or [], f"{aw} result[{k}]")
    return caption, labels
