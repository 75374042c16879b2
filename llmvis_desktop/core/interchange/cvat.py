"""CVAT for images 1.1 XML: one ``<image>`` per image, labels as ``<tag>``.

Reviewed labels are ``<tag label=".." source="manual"/>``. The caption is a tag of
the reserved label ``llmvis_caption`` with a ``text`` attribute; review status,
reviewer and time a tag ``llmvis_review``; a derived image a tag ``llmvis_derived``
with ``source``. Pending suggestions are tags with ``source="auto"`` carrying
``llmvis_score``, ``llmvis_model``, ``llmvis_revision`` and ``llmvis_prompt``.
Files with a DOCTYPE or entity declarations are refused. An image whose size is not
known (no readable header: not an image) is left out, and the export says so: CVAT's
width and height are integers (a strict reader failed on ``width=""``), and 0 is no
answer (Datumaro's reader refuses a size of 0).

Another tool's file: a shape (box, polygon, polyline, points, ellipse, mask, cuboid,
skeleton) gives its label to its image as an image-level label (an automatic one a
label suggestion), and the import warns how many shapes' geometry was not imported;
attributes of a tag or shape are not imported (named in a warning); a declared label
no tag or shape uses is not added to the taxonomy (named in a warning), except from an
llmvis export (its whole taxonomy).
"""
from __future__ import annotations

from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

from ..store.records import NewSuggestion
from .archive import as_path
from .common import InterchangeError, visible_controls
from .export_context import ExportContext
from .files import write_atomic
from .parsing import (MISSING, ImportItem, ParsedFile, check_labels, check_status, label_color, parse_time,
                      read_xml, score_value)

CAPTION = "llmvis_caption"
REVIEW = "llmvis_review"
DERIVED = "llmvis_derived"
RESERVED = {CAPTION, REVIEW, DERIVED}
SUGG_ATTRS = ("llmvis_score", "llmvis_model", "llmvis_revision", "llmvis_prompt")
SHAPES = ("box", "polygon", "polyline", "points", "ellipse", "mask", "cuboid", "skeleton")


def _attr_decl(name: str) -> str:
    return (f"<attribute><name>{name}</name><mutable>True</mutable><input_type>text</input_type>"
            "<default_value></default_value><values></values></attribute>")


def _label_decl(name: str, color: str, attrs) -> str:
    return (f"<label><name>{escape(name)}</name><color>{escape(color)}</color><type>tag</type>"
            f"<attributes>{''.join(_attr_decl(a) for a in attrs)}</attributes></label>")


def _text(value) -> str:
    """Element text: escaped, control characters XML cannot carry shown as symbols (the
    export warned of captions holding them), a \r as a reference (a parser turns a raw
    \r\n into \n)."""
    return escape(visible_controls(str(value))).replace("\r", "&#13;")


def _tag(label: str, source: str, attrs: dict) -> str:
    # a \r is written as a reference: a parser turns a raw \r\n into \n
    inner = "".join(f"<attribute name={quoteattr(k)}>{_text(v)}</attribute>"
                    for k, v in attrs.items() if v is not None)
    return f"    <tag label={quoteattr(visible_controls(label))} source=\"{source}\">{inner}</tag>\n"


def export(ctx: ExportContext) -> None:
    opts = ctx.options
    labels = ctx.project.labels()
    clash = [lbl.name for lbl in labels if lbl.name in RESERVED]
    if clash:
        raise InterchangeError(f"label(s) {', '.join(clash)} use a name CVAT export reserves")
    sugg_attrs = SUGG_ATTRS if opts.include_suggestions else ()
    total = ctx.total()
    body: list[str] = []
    n = 0
    for rows in ctx.rows():
        for row in rows:
            if row.width is None or row.height is None:
                ctx.warn(f"{row.name}: image size unknown (the file could not be read; see the index's error "
                         "for it); left out of the CVAT file, whose images need an integer width and height")
                continue
            body.append(f"  <image id=\"{n}\" name={quoteattr(visible_controls(row.name))} "
                        f"width=\"{row.width}\" height=\"{row.height}\">\n")
            for name in row.labels:
                body.append(_tag(name, "manual", {}))
            if row.caption:
                body.append(_tag(CAPTION, "manual", {"text": row.caption}))
            body.append(_tag(REVIEW, "manual", {"status": row.status, "reviewer": row.reviewer, "time": row.time}))
            if row.derived_from:
                body.append(_tag(DERIVED, "manual", {"source": row.derived_from}))
            for sg in row.suggestions:
                label = sg.value if sg.kind == "label" else CAPTION
                attrs = {"text": sg.value} if sg.kind != "label" else {}
                if sg.kind == "answer":
                    attrs["kind"] = "answer"
                attrs.update({"llmvis_score": sg.score, "llmvis_model": sg.model_id,
                              "llmvis_revision": sg.model_revision, "llmvis_prompt": sg.prompt})
                body.append(_tag(label, "auto", attrs))
                ctx.report.suggestions += 1
            body.append("  </image>\n")
            ctx.report.count_row(row)
            n += 1
        ctx.tick(n, total)
    decls = [_label_decl(lbl.name, lbl.color, sugg_attrs) for lbl in labels]
    decls.append(_label_decl(CAPTION, "#ffffff", ("text", "kind") + sugg_attrs))
    decls.append(_label_decl(REVIEW, "#ffffff", ("status", "reviewer", "time")))
    decls.append(_label_decl(DERIVED, "#ffffff", ("source",)))
    head = ("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<annotations>\n  <version>1.1</version>\n"
            f"  <meta><task><name>llmvis_desktop export</name><size>{n}</size><mode>annotation</mode>"
            f"<labels>{''.join(decls)}</labels></task></meta>\n")

    def write(fh) -> None:
        fh.write(head)
        fh.writelines(body)
        fh.write("</annotations>\n")

    write_atomic(ctx.out, write, replace=ctx.force)
    ctx.report.images = n
    ctx.report.files_written += 1


def parse(path: Path) -> ParsedFile:
    path = as_path(path)
    f = path.name
    root = read_xml(path, f, "CVAT files", lambda exc: "malformed XML at line {}, column {}".format(*exc.position))
    if root.tag != "annotations":
        raise InterchangeError(f"{f}: the root element is <{root.tag}>, not <annotations>")
    declared = [el.findtext("name") for el in root.iterfind("meta/task/labels/label")]
    declared += [el.findtext("name") for el in root.iterfind("meta/project/labels/label")]
    declared_labels = [t for t in declared if t and t not in RESERVED]
    check_labels(declared_labels, f"{f} meta labels")
    ours = REVIEW in declared  # an llmvis export declares its review tag
    # a field the file does not carry at all (a tag task has no caption, a file of
    # caption tags no label) is left alone, not cleared
    has_captions = CAPTION in declared
    has_labels = bool(declared_labels)
    items = []
    used: dict[str, None] = {}
    shapes: dict[str, int] = {}
    dropped_attrs: dict[str, None] = {}
    for i, image in enumerate(root.iterfind("image")):
        name = image.get("name")
        where = f"image #{i + 1} (id {image.get('id')})"
        fw = f"{f} {where}"
        if not name:
            raise InterchangeError(f"{fw}: no name attribute")
        item = ImportItem(name, where, caption=MISSING, labels=None)
        for k, tag in enumerate(el for el in image if el.tag == "tag" or el.tag in SHAPES):
            label = tag.get("label")
            tw = f"{fw} {tag.tag} {k + 1}"
            if not label:
                raise InterchangeError(f"{tw}: no label attribute")
            attrs = {a.get("name"): (a.text or "") for a in tag.iterfind("attribute")}
            source = tag.get("source", "manual")
            if tag.tag != "tag":
                shapes[tag.tag] = shapes.get(tag.tag, 0) + 1
                if label in RESERVED:
                    raise InterchangeError(f"{tw}: a {tag.tag} of the reserved label {label!r}")
            if source in ("auto", "semi-auto") and not (tag.tag == "tag" and label in (REVIEW, DERIVED)):
                ours_attrs = set(SUGG_ATTRS) | ({"text", "kind"} if label == CAPTION else set())
                dropped_attrs.update(dict.fromkeys(a for a in attrs if a not in ours_attrs))
                item.suggestions.append(_suggestion(label, attrs, tw))
                used.setdefault(label)
            elif label == CAPTION:
                has_captions = True
                text = attrs.get("text") or None
                if text and item.caption not in (MISSING, None, text):
                    raise InterchangeError(f"{tw}: second, different caption for {name!r}")
                item.caption = text or (None if item.caption is MISSING else item.caption)
            elif label == REVIEW:
                item.review_meta = True
                item.status = check_status(attrs.get("status"), tw)
                item.reviewer = attrs.get("reviewer") or None
                item.time = parse_time(attrs.get("time"), tw)
            elif label == DERIVED:
                continue
            else:
                dropped_attrs.update(dict.fromkeys(attrs))
                has_labels = True
                used.setdefault(label)
                if label not in (item.labels or []):
                    item.labels = (item.labels or []) + check_labels([label], tw)
        items.append(item)
    for item in items:
        if has_captions and item.caption is MISSING:
            item.caption = None
        if has_labels and item.labels is None:
            item.labels = []
    warnings = []
    if shapes:
        kinds = ", ".join(f"{n} {kind}" for kind, n in sorted(shapes.items()))
        warnings.append(f"{f}: {sum(shapes.values())} shape(s) ({kinds}) each gave its label to its image as an "
                        "image-level label; their geometry was not imported")
    if dropped_attrs:
        names = list(dropped_attrs)
        warnings.append(f"{f}: tag and shape attribute(s) {', '.join(map(repr, names[:5]))}"
                        f"{'...' if len(names) > 5 else ''} not imported (only labels are)")
    tracks = len(root.findall("track"))
    if tracks:
        warnings.append(f"{f}: {tracks} track(s) (video annotation) not imported")
    if ours:  # an llmvis export: its whole taxonomy, empty classes included
        taxonomy = declared_labels
    else:
        taxonomy = [n for n in declared_labels if n in used]
        unused = [n for n in declared_labels if n not in used]
        if unused:
            warnings.append(f"{f}: {len(unused)} declared label(s) no tag or shape uses not added to the labels "
                            f"({', '.join(map(repr, unused[:5]))}{'...' if len(unused) > 5 else ''})")
    colors = {}
    for el in [*root.iterfind("meta/task/labels/label"), *root.iterfind("meta/project/labels/label")]:
        name, color = el.findtext("name"), label_color((el.findtext("color") or "").strip())
        if name in declared_labels and color:
            colors.setdefault(name, color)
    return ParsedFile(items, taxonomy=taxonomy, warnings=warnings, colors=colors)


def _suggestion(label: str, attrs: dict, where: str) -> NewSuggestion:
    score = score_value(attrs.get("llmvis_score"), where, "llmvis_score")
    model = attrs.get("llmvis_model") or "cvat"
    rev = attrs.get("llmvis_revision") or None
    prompt = attrs.get("llmvis_prompt") or None
    if label == CAPTION:
        kind = "answer" if attrs.get("kind") == "answer" else "caption"
        text = attrs.get("text")
        if not text:
            raise InterchangeError(f"{where}: an automatic caption tag without text")
        return NewSuggestion(0, kind, text, model, score, rev, prompt)
    check_labels([label], where)
    return NewSuggestion(0, "label", label, model, score, rev, prompt)
