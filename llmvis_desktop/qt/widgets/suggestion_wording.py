"""What the suggestion panel says when an image has no card to show."""
from __future__ import annotations


def judged_text(judged: list[dict]) -> str:
    """The panel's text for an image that models scored and left without a label card
    (``Project.judged_without_labels``): they said "none of the labels", which is not the
    same as "not looked at"."""
    lines = []
    for j in judged:
        labels = ", ".join(j.get("labels") or ()) or "the labels"
        rev = f" (revision {j['revision']})" if j.get("revision") else ""
        lines.append(f"{j['model_id']}{rev} scored this image and judged it free of every label "
                     f"({labels}): no card to review. Enter marks it reviewed with the labels it has.")
    return "\n\n".join(lines)
