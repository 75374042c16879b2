"""CSV with a ``file_name`` column, so the file doubles as a Hugging Face ``metadata.csv``.

Columns: file_name, labels (``;``-separated; a JSON list when a label holds ``;`` or a comma: an
import refuses a plain cell that spells such a label, :func:`check_label_cells`),
caption, status, reviewer and time (the image's last change: who, when in UTC), notes
(the answers kept as notes, a JSON list: ``common.notes_text``; export only, an import
leaves it), and optionally derived_from and suggestions: a JSON list of the image's **pending**
suggestions (``kind``, ``value``, ``score``, ``model_id``, ``model_revision``,
``prompt``), the cards still waiting for a reviewer. An accepted or edited suggestion
is already in caption/labels and a rejected one is not there; who decided them and
what the model proposed is only in the ``history`` export.
Import also reads a Hugging Face ``metadata.csv`` (``file_name,text``): ``text`` is the
caption when there is no ``caption`` column; other columns are named in a warning.

The taxonomy, every label in its order (unused ones too), is written beside the file as
``<name>.labels.txt`` (a first line ``# llmvis taxonomy``, then one label per line; a
label holds no line break), which an import reads when it lies beside the CSV: the labels
it lacks are made in that order. Without it, in the order the file first names them.

A cell a spreadsheet would take as a formula (it starts with ``=``, ``+``, ``-``, ``@``,
a tab or a carriage return, OWASP's CSV injection) is written behind an apostrophe, as
spreadsheets themselves quote text; so is one that starts with apostrophes before such a
character. An import takes one apostrophe off exactly those cells (``'=x`` -> ``=x``), so
a round trip gives back the same text, and other text keeps its apostrophe (``'tis``).
"""
from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

from .coco import suggestion_from
from .archive import as_path, open_text, text_encoding
from .common import InterchangeError, notes_text
from .export_context import ExportContext
from .files import sidecar_path, write_pair_atomic
from .target import check_file_target
from .parsing import ImportItem, ParsedFile, check_labels, check_status, check_text, parse_time

BASE_COLUMNS = ["file_name", "labels", "caption", "status", "reviewer", "time", "notes"]
#: the largest field read (the csv module's default, 128 KiB, refused long captions and
#: suggestion lists the export itself writes); bounded so a broken file cannot eat memory
FIELD_LIMIT = 64 << 20
#: how much of the first line is read to tell the field separator (a header is short)
HEADER_PEEK = 64 << 10
#: read on import; ``text`` is the caption when there is no ``caption`` column
KNOWN_COLUMNS = frozenset(BASE_COLUMNS + ["derived_from", "suggestions", "text"])
#: the first line of the taxonomy file written beside the CSV
TAXONOMY_HEADER = "# llmvis taxonomy"


def labels_path(out: Path) -> Path:
    """The taxonomy file written beside the CSV: ``NAME.labels.txt`` for ``NAME.csv`` or
    ``NAME`` (see files.sidecar_path)."""
    return sidecar_path(out, ".labels.txt", ".csv")
#: a cell a spreadsheet runs as a formula, after any apostrophes (see the module's note)
_FORMULA = re.compile("'*[=+\\-@\t\r]")


def defuse(cell: str) -> str:
    """``cell`` as written: behind an apostrophe when it would start a formula."""
    return "'" + cell if _FORMULA.match(cell) else cell


def undefuse(cell: str) -> str:
    """A cell as :func:`defuse` wrote it, back as it was."""
    return cell[1:] if cell.startswith("'") and _FORMULA.match(cell, 1) else cell


def join_labels(labels) -> str:
    """The labels cell: ``;``-separated, or a JSON list when a label holds ``;`` or a comma
    or starts with ``[`` (a plain comma label could read as another tool's comma-separated
    labels: :func:`check_comma_cells`)."""
    if any(";" in n or "," in n or n.startswith("[") for n in labels):
        return json.dumps(list(labels), ensure_ascii=False)
    return ";".join(labels)


def split_labels(text: str, where: str) -> list[str]:
    text = text.strip()
    if not text:
        return []
    if text.startswith("["):
        try:
            values = json.loads(text)
        except json.JSONDecodeError as exc:
            raise InterchangeError(f"{where}: labels {text!r} look like a JSON list but are not ({exc.msg})") from None
        return check_labels(values, where)
    return check_labels([p.strip() for p in text.split(";") if p.strip()], where)


def check_label_cells(parsed, names, source: str) -> None:
    """Refuse a plain ``;``-separated labels cell that also spells a label of ``names`` (the
    project's and the file's taxonomy) holding ``;``: ``a;b`` would come in as the labels
    ``a`` and ``b``, not the label ``a;b`` (the export writes such a cell as a JSON list; a
    hand-made or other tool's file may not)."""
    held = {";".join(p.strip() for p in n.split(";")): n for n in names if ";" in n}
    if not held:
        return
    for item in parsed.items:
        cell = item.labels_cell
        if not cell or cell.strip().startswith("[") or not item.labels or len(item.labels) < 2:
            continue
        spelled = ";" + ";".join(item.labels) + ";"
        for key, name in held.items():
            if f";{key};" in spelled:
                raise InterchangeError(
                    f"{source} {item.where}: the labels {cell!r} are split at ';' into "
                    f"{', '.join(repr(n) for n in item.labels)}, but the label {name!r} holds ';': write the "
                    f"cell as a JSON list, {json.dumps([name], ensure_ascii=False)} for that label "
                    f"(or {json.dumps(item.labels, ensure_ascii=False)} for separate ones); nothing was imported")


def check_comma_cells(parsed, names, source: str) -> None:
    """Refuse a plain labels cell that would make a new label holding ", " whose parts are
    all labels already (the project's, the file's taxonomy, or whole labels of its other
    records): ``scratch, dent`` from another tool, which separates labels with commas, made
    one label "scratch, dent" beside "scratch" and "dent" (this format separates them with
    ``;``; a label with a comma is written as a JSON list)."""
    whole = set(names) | {n for it in parsed.items for n in (it.labels or ())
                          if it.labels_cell is None or "," not in n}
    for item in parsed.items:
        cell = item.labels_cell
        if not cell or cell.strip().startswith("["):
            continue
        for label in item.labels or ():
            parts = [p.strip() for p in label.split(",")]
            if label not in whole and len(parts) > 1 and all(p in whole for p in parts):
                raise InterchangeError(
                    f"{source} {item.where}: the label {label!r} would be made, but {', '.join(map(repr, parts))} "
                    f"are labels already: separate labels with ';' ({'; '.join(parts)}), or write the cell as a "
                    f"JSON list, {json.dumps([label], ensure_ascii=False)}, for one label with a comma; nothing "
                    f"was imported")


def export(ctx: ExportContext) -> None:
    taxonomy_file = labels_path(ctx.out)
    check_file_target(ctx.project, taxonomy_file, ctx.force)  # refused before anything is written
    opts = ctx.options
    columns = list(BASE_COLUMNS)
    if opts.include_repairs:
        columns.append("derived_from")
    if opts.include_suggestions:
        columns.append("suggestions")
    total = ctx.total()

    def write(fh) -> None:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(columns)
        n = 0
        for rows in ctx.rows():
            out = []
            for row in rows:
                line = [row.name, join_labels(row.labels), row.caption or "", row.status,
                        row.reviewer or "", row.time or "", notes_text(row)]
                if opts.include_repairs:
                    line.append(row.derived_from or "")
                if opts.include_suggestions:
                    line.append(json.dumps([
                        {"kind": s.kind, "value": s.value, "score": s.score, "model_id": s.model_id,
                         "model_revision": s.model_revision, "prompt": s.prompt} for s in row.suggestions
                    ], ensure_ascii=False) if row.suggestions else "")
                    ctx.report.suggestions += len(row.suggestions)
                ctx.report.count_row(row)
                out.append([defuse(c) for c in line])
            w.writerows(out)
            n += len(rows)
            ctx.tick(n, total)
        ctx.report.images = n

    buf = io.StringIO(newline="")
    write(buf)
    taxonomy = taxonomy_text(ctx.project)
    # both written in full, then put in place together (as Label Studio's tasks and config)
    write_pair_atomic([(taxonomy_file, taxonomy), (Path(ctx.out), buf.getvalue())], replace=ctx.force)
    ctx.report.files_written += 2


def taxonomy_text(project) -> str:
    """The taxonomy file's text: the header line, then every label in its order."""
    return "".join(f"{n}\n" for n in [TAXONOMY_HEADER] + [lbl.name for lbl in project.labels()])


def _taxonomy_beside(path: Path) -> list[str]:
    """The labels of the taxonomy file an export wrote beside ``path`` ([] when none)."""
    return read_taxonomy(labels_path(path))


def read_taxonomy(side: Path) -> list[str]:
    """The labels of the taxonomy file ``side`` an export wrote ([] when none, or not ours)."""
    if not side.is_file():
        return []
    try:
        lines = side.read_text(encoding="utf-8-sig").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise InterchangeError(f"{side.name}: cannot be read ({exc})") from None
    if not lines or lines[0] != TAXONOMY_HEADER:
        return []  # not ours
    return check_labels([ln for ln in lines[1:] if ln], side.name)


def parse(path: Path) -> ParsedFile:
    path = as_path(path)
    f = path.name
    items = []
    warnings: list[str] = []
    limit = csv.field_size_limit()
    csv.field_size_limit(max(limit, FIELD_LIMIT))
    try:
        with open_text(path, encoding=text_encoding(path), newline="") as fh:  # (Excel's "Unicode Text": UTF-16)
            delimiter = _delimiter(fh.readline(HEADER_PEEK))
            fh.seek(0)
            # an unclosed quote is an error, not a caption eating the rest
            reader = csv.reader(fh, delimiter=delimiter, strict=True)
            try:
                header = next(reader)
            except StopIteration:
                raise InterchangeError(f"{f}: empty file (no header line)") from None
            if "file_name" not in header:
                shown = repr(header)
                shown = shown if len(shown) <= 200 else shown[:200] + "..."
                raise InterchangeError(f"{f} line 1: no 'file_name' column in the header {shown}{_header_hint(header)}")
            if len(set(header)) != len(header):
                raise InterchangeError(f"{f} line 1: a column name appears twice")
            col = {name: i for i, name in enumerate(header)}
            caption_col = "caption" if "caption" in col else "text"  # Hugging Face metadata.csv: text
            unknown = [c for c in header if c not in KNOWN_COLUMNS or (c == "text" and caption_col != "text")]
            if unknown:
                shown = ", ".join(repr(c) for c in unknown[:5]) + ("..." if len(unknown) > 5 else "")
                warnings.append(f"{f}: column(s) {shown} not read (read: {', '.join(c for c in header if c not in unknown and c != 'notes')})")
            for fields in reader:
                where = f"line {reader.line_num}"
                if not fields or all(not x.strip() for x in fields):
                    continue
                if len(fields) != len(header):
                    raise InterchangeError(f"{f} {where}: {len(fields)} field(s), the header has {len(header)}")

                def get(name: str, fields=fields):
                    i = col.get(name)
                    return undefuse(fields[i]) if i is not None else None

                item = ImportItem(get("file_name"), where, review_meta="reviewer" in col or "time" in col)
                fw = f"{f} {where}"
                if caption_col in col:
                    item.caption = check_text(get(caption_col), fw, caption_col) or None
                if "labels" in col:
                    item.labels_cell = get("labels")
                    item.labels = split_labels(item.labels_cell, fw)
                item.status = check_status(get("status"), fw)
                item.reviewer = check_text(get("reviewer"), fw, "reviewer") or None
                item.time = parse_time(get("time"), fw)
                raw = get("suggestions")
                if raw:
                    try:
                        sugg = json.loads(raw)
                    except json.JSONDecodeError as exc:
                        raise InterchangeError(f"{fw}: suggestions are not valid JSON ({exc.msg})") from None
                    if not isinstance(sugg, list):
                        raise InterchangeError(f"{fw}: suggestions are not a JSON list")
                    item.suggestions = [suggestion_from(s, f"{fw} suggestion {k + 1}") if isinstance(s, dict)
                                        else _bad(fw) for k, s in enumerate(sugg)]
                items.append(item)
    except csv.Error as exc:
        raise InterchangeError(f"{f}: malformed CSV near line {reader.line_num}: {exc}") from None
    except UnicodeDecodeError as exc:
        raise InterchangeError(f"{f}: not UTF-8 text ({exc.reason} at byte {exc.start}); save it as UTF-8 (a "
                               f"spreadsheet's \"CSV UTF-8\"; Excel's plain \"CSV\" writes the computer's code page)"
                               ) from None
    except OSError as exc:
        raise InterchangeError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    finally:
        csv.field_size_limit(limit)
    return ParsedFile(items, taxonomy=_taxonomy_beside(path), warnings=warnings)


#: header names other tools give the column of image paths
PATH_COLUMNS = ("filename", "file", "file_path", "filepath", "image", "image_name", "image_path", "img", "path",
                "name")


def _header_hint(header: list[str]) -> str:
    """What to do with a CSV whose header has no ``file_name``: Label Studio's CSV export
    is one (export JSON instead); a column another tool names the paths by is named."""
    lower = {c.strip().lower(): c for c in header}
    if "image" in lower and ({"annotator", "annotation_id"} & set(lower)):
        return ("; this looks like Label Studio's CSV export: export the project as JSON and import it with "
                "the labelstudio format")
    col = next((lower[c] for c in PATH_COLUMNS if c in lower), None)
    return f"; if its column {col!r} holds the image paths, name it file_name" if col is not None else ""


def _delimiter(first_line: str) -> str:
    """The field separator of a CSV whose header is ``first_line``: a comma, or the
    semicolon or tab that makes ``file_name`` one of its columns (a spreadsheet in a
    locale whose decimal mark is a comma, Excel's in German or French, saves "CSV" with
    semicolons: such a file was refused, "no 'file_name' column in the header
    ['file_name;labels;caption']")."""
    line = first_line.rstrip("\r\n")
    for sep in (",", ";", "\t"):
        if "file_name" in next(csv.reader([line], delimiter=sep), []):
            return sep
    return ","


def _bad(where: str):
    raise InterchangeError(f"{where}: a suggestion is not a JSON object")
