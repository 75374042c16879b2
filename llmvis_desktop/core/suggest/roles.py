"""A suggest job's setup: which of the chosen models may run, in which role (caption,
answer, label), with which prompt and opt-ins; a refused model is that role's failure
and does not stop the other. Also the checks made before any model loads (the label
template, a one-label taxonomy)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Collection, Optional

from ..wording import second_label_example
from .discovery import ModelInfo, ModelRefused, check
from .optins import resolve_optins
from .prompts import template_problem  # noqa: F401 (importable from here, as before)
from .registry import family_named
from .report import SuggestError


@dataclass(frozen=True)
class _Role:
    role: str  # engine role: caption | label | answer
    kind: str  # suggestion kind stored
    info: ModelInfo
    prompt: Optional[str]
    allow_bin: bool = False
    allow_remote_code: bool = False


def one_label_refusal(info: ModelInfo, label: str) -> str:
    return (f"{info.path}: a CLIP-style labeler compares labels (softmax over the taxonomy), so with one "
            f"label ('{label}') every image scores 1.0; add a second label, e.g. {second_label_example(label)}")


def resolve_spec(spec, model_dirs: Collection[str] = ()):
    """The model ``spec`` names (``discovery.resolve_model``), or the spec itself when it
    names none: :func:`run_suggest` then reports that model's refusal and runs the other."""
    try:
        return _resolve_spec(spec, model_dirs)
    except ModelRefused:
        return str(spec)


def _resolve_spec(spec, model_dirs):
    from . import discovery

    return spec if spec is None or isinstance(spec, ModelInfo) else discovery.resolve_model(spec, model_dirs)


def _roles(project, captioner, labeler, prompt, question, template, allow_bin, allow_rc, unresolved=()
           ) -> tuple[list[_Role], list[tuple[str, ModelRefused]]]:
    """(the roles that may run, [(role, why refused)]): a refused model (or one in
    ``unresolved``, its folder not found) does not stop the job's other model. Raises when
    no model may run."""
    roles: list[_Role] = []
    refused: list[tuple[str, ModelRefused]] = list(unresolved)
    if captioner is None and labeler is None and not refused:
        raise SuggestError("choose a captioner and/or a labeler (model manager, or --captioner/--labeler)")
    if captioner is not None:
        role = "answer" if question else "caption"
        try:
            roles.append(_captioner_role(project, captioner, prompt, question, allow_bin, allow_rc))
        except ModelRefused as exc:
            refused.append((role, exc))
    if labeler is not None:
        try:
            opts = resolve_optins(project, labeler, allow_bin, allow_rc)
            check(labeler, *opts)
            if labeler.kind != "labeler":
                raise ModelRefused(f"{labeler.path}: a {labeler.family} model is a {labeler.kind}, not a zero-shot "
                                   f"labeler (CLIP, SigLIP); give it as --captioner (in the window: Use as captioner)")
            roles.append(_Role("label", "label", labeler, template, *opts))
        except ModelRefused as exc:
            refused.append(("label", exc))
    if not roles:
        raise _all_failed([exc for _, exc in refused])
    return roles, refused


def _all_failed(errors: list) -> Exception:
    """The error for a job none of whose models could run: the one, or all in one line."""
    if len(errors) == 1:
        return errors[0]
    return ModelRefused("; ".join(str(e) for e in errors))


def _captioner_role(project, captioner, prompt, question, allow_bin, allow_rc) -> _Role:
    opts = resolve_optins(project, captioner, allow_bin, allow_rc)
    check(captioner, *opts)
    if captioner.kind not in ("captioner", "chat"):
        raise ModelRefused(f"{captioner.path}: a {captioner.family} model is a {captioner.kind}, not a captioner; "
                           f"give it as --{captioner.kind} (in the window: Use as {captioner.kind})")
    if question:
        if captioner.kind != "chat":
            raise ModelRefused(f"{captioner.path}: a {captioner.family} model cannot answer questions; "
                               f"use a chat model (LLaVA, SmolVLM, Qwen-VL)")
        return _Role("answer", "answer", captioner, question.strip(), *opts)
    fam = family_named(captioner.family)
    p = (prompt if fam.takes_prompt else None) or fam.default_prompt
    return _Role("caption", "caption", captioner, p, *opts)
