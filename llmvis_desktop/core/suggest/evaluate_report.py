"""The plain-text rendering of :func:`llmvis_desktop.core.suggest.evaluate.evaluate`'s report."""
from __future__ import annotations

import unicodedata
from datetime import date, timedelta

#: acceptance over time spanning up to this many days is shown per day, up to
#: :data:`WEEKS_UP_TO` per week (a Monday's date), longer per month: 180 daily points were
#: unreadable, 26 weeks are not
DAYS_UP_TO = 62
WEEKS_UP_TO = 400


def columns(text: str) -> int:
    """The terminal columns ``text`` takes: two for a wide or full-width character (傷, キ,
    most emoji), none for a combining one, else one (``len`` counted 傷 as one: a row
    naming it stood a column right of the others per such character)."""
    return sum(0 if unicodedata.combining(c) else 2 if unicodedata.east_asian_width(c) in "WF" else 1
               for c in text)


def ljust(text: str, width: int) -> str:
    """``text`` padded with spaces to ``width`` terminal columns (:func:`columns`)."""
    return text + " " * max(0, width - columns(text))


def plural(n: int, word: str) -> str:
    """"1 reviewed image", "2 reviewed images" (and "1,234 suggestions")."""
    return f"{n:,} {word}{'' if n == 1 else 's'}"


def scored_images(n: int, rejected: int, num=lambda k: f"{k:,}", reviewed_all=None, rejected_all=None) -> str:
    """The images the label figures are over: "3 reviewed images", "1 rejected image", or
    with both kinds "57 decided images (54 reviewed, 3 rejected)" (it said "57 reviewed
    images" of 54 reviewed and 3 rejected). ``num`` renders the total (the dialog's bold).

    With ``reviewed_all`` and ``rejected_all`` (every image reviewed, rejected: the line's
    first counts), of how many: "21 of the 23 reviewed images", "28 of the 30 decided
    images (21 of the 23 reviewed, all 7 rejected)" (the line said "23 reviewed images"
    and then "(21 reviewed, ...)", read as a contradiction: the 21 are those of the 23 with
    label suggestions)."""
    rejected = rejected or 0
    if reviewed_all is None or rejected_all is None:
        if not rejected or rejected == n:
            word = "rejected image" if rejected else "reviewed image"
            return f"{num(n)} {word}{'' if n == 1 else 's'}"
        return f"{num(n)} decided images ({n - rejected:,} reviewed, {rejected:,} rejected)"
    total = reviewed_all + rejected_all
    word = "rejected" if rejected_all and not reviewed_all else "reviewed" if not rejected_all else "decided"
    text = f"{_of(n, total, num)} {word} image{'' if total == 1 else 's'}"
    if reviewed_all and rejected_all:  # (all of them: "all 30 decided images (23 reviewed, 7 rejected)")
        text += (f" ({_of(n - rejected, reviewed_all)} reviewed, {_of(rejected, rejected_all)} rejected)"
                 if n != total else f" ({reviewed_all:,} reviewed, {rejected_all:,} rejected)")
    return text


def _of(k: int, of: int, num=lambda k: f"{k:,}") -> str:
    """"21 of the 23", "all 7", "the 1"."""
    if k != of:
        return f"{num(k)} of the {of:,}"
    return f"the {num(k)}" if k == 1 else f"all {num(k)}"


#: the acceptance table's columns, in the text report and the Evaluation dashboard alike:
#: suggested = decided + pending (the cards a newer revision withdrew counted in neither)
ACCEPTANCE_COLUMNS = ("suggested", "decided", "accepted", "edited (kept)", "rejected", "pending", "rate", "as is")
ACCEPTANCE_WORDS = ("suggested: the model's cards, decided or pending (not those withdrawn by a newer revision); "
                    "rate: accepted, or a caption edited by less than half of it, per decided; "
                    "as is: accepted unchanged per decided")


def acceptance_cells(a: dict, pct) -> list[str]:
    """One model's (or revision's) figures under :data:`ACCEPTANCE_COLUMNS`; ``pct`` formats a rate."""
    return [str(a["suggested"]), str(a["decided"]), str(a["accepted"]),
            f"{a['edited']} ({a.get('edited_kept', a['edited'])})", str(a["rejected"]), str(a["pending"]),
            pct(a["rate"]), pct(a.get("rate_as_is"))]


def format_report(report: dict, how_to_include: str = "") -> str:
    """A plain-text rendering of :func:`evaluate`'s dict for the terminal (``how_to_include``:
    how to count the repair outputs left out too, "--include-repairs")."""
    from .evaluate_repairs import repair_outputs_line

    def f(x, pct=False):
        if x is None:
            return "-"
        return f"{100 * x:.1f}%" if pct else f"{x:.3f}"

    im = report["images"]
    rejected = f" and {im['rejected']} rejected" if im.get("rejected") else ""
    gone = f" ({report['withdrawn']} withdrawn left out)" if report.get("withdrawn") else ""
    clean = (f" ({im['judged_without_labels']} of them judged without labels)"
             if im.get("judged_without_labels") else "")
    # of how many: "21 of the 23 reviewed" (it said "(21 reviewed, ...)" after "23 reviewed images")
    scored = scored_images(im["with_label_suggestions"], report["labels"].get("images_rejected", 0),
                           reviewed_all=im["reviewed"], rejected_all=im.get("rejected") or 0)
    # (none decided: "scored over all 0 reviewed images" said it in a riddle)
    over = (f"label suggestions scored over {scored}, those with label suggestions{clean}"
            if im["reviewed"] or im.get("rejected") else "no image reviewed or rejected yet, so no label suggestion to score")
    lines = [f"{plural(im['reviewed'], 'reviewed image')}{rejected}, {plural(report['suggestions'], 'suggestion')}"
             f"{gone}; {over}"] + left_out_lines(report)
    lines += [next_step(report)] if next_step(report) else []  # (an empty project: what to do)
    repairs = repair_outputs_line(report, how_to_include)  # (repaired copies: not work to review)
    lines += [repairs] if repairs else []
    lines.append("")
    lab = report["labels"]
    lines.append("Labels, all models pooled (" + lab["rule"] + ")")  # (per model: --json's labels.by_model)
    w = max([20] + [columns(row["label"]) for row in lab["per_label"]])  # whole names: two may share a start
    lines.append(f"  {'label':<{w}} {'precision':>9} {'recall':>7} {'F1':>6} {'support':>7}")
    for row in lab["per_label"]:
        lines.append(f"  {ljust(row['label'], w)} {f(row['precision']):>9} {f(row['recall']):>7} "
                     f"{f(row['f1']):>6} {row['support']:>7}")
    mi = lab["micro"]
    lines.append(f"  {'(micro)':<{w}} {f(mi['precision']):>9} {f(mi['recall']):>7} {f(mi['f1']):>6} "
                 f"{mi['support']:>7}   macro F1 {f(lab['macro_f1'])}")
    if lab.get("outside_taxonomy"):
        lines.append(f"  ({outside_taxonomy_words(lab['outside_taxonomy'])} left out)")
    by_model = lab.get("by_model") or {}
    if by_model:
        w = max([20] + [columns(n) for k, v in by_model.items() for n, _x in [(k, v)] + _revision_rows(v)])
        lines += ["", "Labels per model (micro: each model's own predictions)",
                  f"  {'model':<{w}} {'images':>6} {'precision':>9} {'recall':>7} {'F1':>6} {'TP':>5} {'FP':>5} {'FN':>5}"]
        for k, v in by_model.items():
            for name, x in [(k, v)] + _revision_rows(v):
                mi = x["micro"]
                lines.append(f"  {ljust(name, w)} {x['images']:>6} {f(mi['precision']):>9} {f(mi['recall']):>7} "
                             f"{f(mi['f1']):>6} {mi['tp']:>5} {mi['fp']:>5} {mi['fn']:>5}")
    lines += ["", f"Acceptance per model ({ACCEPTANCE_WORDS})"]
    w = max([36] + [columns(n) for a in report["acceptance"]
                    for n, _x in [(a["model_id"], a)] + _revision_rows(a)])
    widths = [max(len(c), 7) for c in ACCEPTANCE_COLUMNS]
    lines.append(f"  {'model':<{w}} " + " ".join(f"{c:>{n}}" for c, n in zip(ACCEPTANCE_COLUMNS, widths)))
    for model in report["acceptance"]:
        for name, a in [(model["model_id"], model)] + _revision_rows(model):
            cells = acceptance_cells(a, lambda x: f(x, True))
            lines.append(f"  {ljust(name, w)} " + " ".join(f"{c:>{n}}" for c, n in zip(cells, widths)))
    overruled = sum(a.get("overruled", 0) for a in report["acceptance"])
    if overruled:
        lines.append(f"  ({overruled} accepted on images rejected later counted as rejected)")
    if answers_line(report):
        lines.append(f"  ({answers_line(report)})")
    if not report["acceptance"]:
        lines.append("  (no suggestions yet)")
    c = report["captions"]
    lines += ["", f"Captions: mean normalised edit distance {f(c['mean_edit_distance'])} over {c['decided']} decided"
              + (f"; {c['rejected_unwritten']} rejected with no caption written after, left out (nothing to compare)"
                 if c.get("rejected_unwritten") else "")]
    lines += _caption_models(c.get("by_model") or {}, f)
    lines += ["", "Calibration, all models pooled (label suggestions on reviewed images; right = the image "
              "has the label)", f"  {'score':<9} {'count':>6} {'mean score':>10} {'right':>9}"]
    lines += _bins(report["calibration"], f) or ["  (none yet)"]
    if report.get("calibration_excluded"):
        lines.append(f"  ({report['calibration_excluded']} with a score outside 0-1 left out)")
    by_model = report.get("calibration_by_model") or {}
    if by_model:
        lines += ["", "Calibration per model", f"  {'score':<9} {'count':>6} {'mean score':>10} {'right':>9}"]
        for k, bins in by_model.items():
            lines += [f"  {k}"] + ["  " + line for line in _bins(bins, f)]
    unit, series = bucket_over_time(report["over_time"])
    if series:
        lines += ["", f"Acceptance over time (per {BUCKET_WORDS[unit]})"]
        for d in series:
            lines.append(f"  {bucket_name(d['day'], unit):<10}  {d['accepted']:>5}/{d['decided']:<5} "
                         f"{f(d['rate'], True):>7}")
    return "\n".join(lines)


def _caption_models(by_model: dict, f) -> list[str]:
    """The caption figures per model (the dashboard's Captions table; the text gave only
    the mean of all captioners pooled, not whose it was)."""
    if not by_model:
        return []
    w = max([36] + [columns(k) for k in by_model])
    out = [f"  {'model':<{w}} {'decided':>7} {'mean':>7} {'rejected, none written':>22}"]
    for k, x in by_model.items():
        out.append(f"  {ljust(k, w)} {x['decided']:>7} {f(x['mean_edit_distance']):>7} "
                   f"{x.get('rejected_unwritten') or 0:>22}")
    return out


BUCKET_WORDS = {"day": "day, UTC", "week": "week, UTC, from its Monday", "month": "month, UTC"}


def bucket_start(d: date, unit: str) -> date:
    """The first day of the bucket ``d`` falls in: itself, its week's Monday, its month's 1st."""
    if unit == "week":
        return d - timedelta(days=d.weekday())
    return d.replace(day=1) if unit == "month" else d


def next_bucket(d: date, unit: str) -> date:
    """The first day of the bucket after the one starting on ``d``."""
    if unit == "month":
        return date(d.year + d.month // 12, d.month % 12 + 1, 1)
    return d + timedelta(days=7 if unit == "week" else 1)


def bucket_name(day: str, unit: str) -> str:
    """How a bucket is named: its first day, a month as ``2026-01``."""
    return day[:7] if unit == "month" else day


def bucket_over_time(series: list[dict]) -> tuple[str, list[dict]]:
    """(unit, series) of the report's per-day ``over_time`` (or one model's), summed per
    day, week or month by the span it covers (:data:`DAYS_UP_TO`, :data:`WEEKS_UP_TO`):
    each bucket ``{"day": its first day, "decided", "accepted", "rate"}``."""
    if not series:
        return "day", []
    days = [date.fromisoformat(d["day"]) for d in series]
    span = (max(days) - min(days)).days
    if span <= DAYS_UP_TO:
        return "day", series
    unit = "week" if span <= WEEKS_UP_TO else "month"
    sums: dict[date, list[int]] = {}
    for d, row in zip(days, series):
        c = sums.setdefault(bucket_start(d, unit), [0, 0])
        c[0] += row["decided"]
        c[1] += row["accepted"]
    return unit, [{"day": k.isoformat(), "decided": n, "accepted": a, "rate": a / n if n else None}
                  for k, (n, a) in sorted(sums.items())]


#: a model's revisions shown under it in the text report, the newest ones (the learned
#: suggester makes one per retrain: ``--json`` has them all)
REVISIONS_SHOWN = 5


def revision_rows(entry: dict, shown: int = REVISIONS_SHOWN) -> tuple[list[dict], int]:
    """(the newest ``shown`` of a model's ``by_revision`` entries, oldest first; how many
    older ones are left out), none when it has a single revision."""
    revs = entry.get("by_revision") or []
    if len(revs) < 2:
        return [], 0
    return revs[-shown:], max(0, len(revs) - shown)


def _revision_rows(entry: dict) -> list[tuple[str, dict]]:
    """(row name, figures) of a model's revisions, indented under it: "  rev-b (2 of 2
    revisions)"; with more than :data:`REVISIONS_SHOWN`, only the newest (the model's row
    pools them all)."""
    revs, older = revision_rows(entry)
    n = len(entry.get("by_revision") or [])
    return [(f"  {'-' if x['revision'] is None else x['revision']} ({older + k + 1} of {n} revisions)", x)
            for k, x in enumerate(revs)]


def _bins(bins: list[dict], f) -> list[str]:
    return [f"  {b['bin']:<9} {b['count']:>6} {f(b['mean_score']):>10} {f(b['right_fraction'], True):>9}"
            for b in bins if b["count"]]


_WHY = {  # reason: (one image, several)
    "file_changed": ("its file changed since its label suggestions were made (suggest again to score it)",
                     "their files changed since their label suggestions were made (suggest again to score them)"),
    "after_review": ("the learned suggester's guesses there came after the review (it may have learnt from it)",
                     "the learned suggester's guesses there came after their reviews (it may have learnt "
                     "from them)"),
    "removed_labels": ("its label suggestions are all of labels removed since",
                       "their label suggestions are all of labels removed since"),
}


def left_out_lines(report: dict) -> list[str]:
    """One sentence per reason reviewed images with label suggestions were left out of
    the label figures (``report["labels"]["left_out"]``), e.g. "15 reviewed images left
    out: their files changed since their label suggestions were made (...)"."""
    out = []
    for reason, n in (report["labels"].get("left_out") or {}).items():
        one, many = _WHY.get(reason, (reason, reason))
        out.append(f"{n:,} reviewed image{'s' if n != 1 else ''} left out: {one if n == 1 else many}")
    n = report["labels"].get("added_after") or 0
    if n:  # a label added after the models ran: not asked of them
        out.append(f"{n:,} reviewed label{'s' if n != 1 else ''} left out: "
                   + ("its label was added after the suggestions were made (suggest again to score it)" if n == 1
                      else "their labels were added after the suggestions were made (suggest again to score them)"))
    return out


def outside_taxonomy_words(n: int) -> str:
    """"1 suggestion of a label no longer in the taxonomy", "3 suggestions of labels ..."
    (it said "1 suggestions of labels")."""
    return (f"{n:,} suggestion of a label" if n == 1 else f"{n:,} suggestions of labels") \
        + " no longer in the taxonomy"


def next_step(report: dict, window: bool = False) -> str:
    """What to do for a report with nothing to score yet, or "": no suggestion at all (an
    empty project: the dashboard was blank boxes saying "nothing yet" and no more; or
    images reviewed by hand and no model run yet: the same), or suggestions and no image
    reviewed or rejected. ``window``: in the window's words (its
    menus and keys), else the command line's."""
    im = report.get("images") or {}
    # no suggestion ever made (nor a learned run's "no": scored with no card) on a project
    # whose images are reviewed by hand: said nothing, the tables and plots empty
    none_made = not (report.get("suggestions") or report.get("withdrawn") or im.get("with_label_suggestions"))
    if (im.get("reviewed") or im.get("rejected")) and not none_made:
        return ""
    review = ("review the images (Enter accepts an image's suggestions and marks it reviewed, Delete rejects "
              "it): the figures compare the suggestions with those reviews")
    if report.get("suggestions"):
        return "Nothing is scored until an image is decided: " + review
    how = ("Suggestions \u25b8 Run captioner/labeler on; or, once some images are reviewed, the learned "
           "suggester, Ctrl+L" if window else "llmvis suggest FOLDER")
    return f"Nothing to evaluate yet: make suggestions ({how}), then {review}"


def answers_line(report: dict) -> str:
    """"5 answers to questions left out of acceptance (3 kept as notes, 1 dropped, 1
    pending)", or "" when there are none."""
    c = {k: sum(a.get(k, 0) for a in (report.get("answers") or {}).values()) for k in ("kept", "dropped", "pending")}
    n = sum(c.values())
    if not n:
        return ""
    parts = [f"{c['kept']:,} kept as note{'s' if c['kept'] != 1 else ''}"] + [
        f"{c[k]:,} {k}" for k in ("dropped", "pending") if c[k]]
    return f"{plural(n, 'answer')} to questions left out of acceptance ({', '.join(parts)})"


#: decimals of the ratios in ``llmvis evaluate --json`` (a mean of 0.11 and 0.12 printed
#: 0.11499999999999999)
JSON_DIGITS = 6


def rounded(value, digits: int = JSON_DIGITS):
    """The report with every float rounded to ``digits`` decimals (counts, strings and
    None as they are), for ``--json``: the figures stay exact in :func:`evaluate`'s dict."""
    if isinstance(value, float):
        return round(value, digits)
    if isinstance(value, dict):
        return {k: rounded(v, digits) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [rounded(v, digits) for v in value]
    return value
