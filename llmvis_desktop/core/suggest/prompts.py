"""The project's own caption prompt and label template, and the check a template passes.

A team keeps one caption prompt (a chat model's instruction, BLIP's prefix, Florence-2's
task token) and one label template (what a zero-shot labeler such as CLIP scores each
label name in) in the project's settings, beside the models it chose: every job run from
the window, and ``llmvis suggest`` without ``--prompt`` / ``--template``, uses them. None
stored (or an empty text) means the default: the model's own prompt, and
:data:`~.registry.DEFAULT_LABEL_TEMPLATE`. Set with ``llmvis settings FOLDER caption_prompt
TEXT`` or the window's Suggestions ▸ Caption prompt and label template….
"""
from __future__ import annotations

from typing import Mapping, Optional

from .registry import DEFAULT_CAPTION_INSTRUCTION, DEFAULT_LABEL_TEMPLATE

#: the project settings holding them (:mod:`..user_settings` lists them for `llmvis settings`)
CAPTION_PROMPT = "caption_prompt"
LABEL_TEMPLATE = "label_template"

#: the default caption prompt in words: it depends on the captioner's family
MODEL_OWN_PROMPT = (f"each model's own (chat models: \u201c{DEFAULT_CAPTION_INSTRUCTION}\u201d, "
                    f"Florence-2: <CAPTION>, BLIP: none)")


def template_problem(template: str) -> Optional[str]:
    """Why the label prompt template cannot be used, or None: it needs ``{label}`` and no
    other placeholder (``{surface}``: KeyError; a stray ``{``: ValueError)."""
    where = f"the label template {template!r}"
    try:
        filled = template.format(label="\0")
    except KeyError as exc:
        return f"{where} has a placeholder {{{exc.args[0]}}}; only {{label}} is filled in (write {{{{ for a brace)"
    except (ValueError, IndexError) as exc:
        return f"{where} cannot be filled in ({exc}); write {{{{ and }}}} for braces, {{label}} for the label"
    if "\0" not in filled:
        return f"{where} needs a {{label}} placeholder (e.g. \"{DEFAULT_LABEL_TEMPLATE}\")"
    return None


def _text(settings: Optional[Mapping], key: str) -> Optional[str]:
    value = (settings or {}).get(key)
    return value if isinstance(value, str) and value.strip() else None


def project_prompt(settings: Optional[Mapping]) -> Optional[str]:
    """The caption prompt the project's ``settings`` hold; None: the model's own."""
    return _text(settings, CAPTION_PROMPT)


def project_template(settings: Optional[Mapping]) -> Optional[str]:
    """The label template the project's ``settings`` hold; None: the default template."""
    return _text(settings, LABEL_TEMPLATE)


def job_prompts(settings: Optional[Mapping], captioner: bool, labeler: bool, question: Optional[str] = None,
                prompt: Optional[str] = None, template: Optional[str] = None) -> tuple[Optional[str], str]:
    """(caption prompt, label template) a job with a ``captioner`` and/or a ``labeler`` runs
    with: ``prompt`` / ``template`` where given (a command's flag, for that run), else the
    project's. A job asking a ``question`` takes no caption prompt, nor a job with no
    captioner (it was only said to be unused); a template only matters with a labeler."""
    if prompt is None and captioner and not question:
        prompt = project_prompt(settings)
    if template is None and labeler:
        template = project_template(settings)
    return prompt, template or DEFAULT_LABEL_TEMPLATE


def described(prompt: Optional[str], template: Optional[str]) -> str:
    """"caption prompt “…”; label template “…”" for the prompts that are not the default,
    or "" (a job's line in the Jobs panel names what made its cards)."""
    bits = []
    if prompt:
        bits.append(f"caption prompt \u201c{prompt}\u201d")
    if template and template != DEFAULT_LABEL_TEMPLATE:
        bits.append(f"label template \u201c{template}\u201d")
    return "; ".join(bits)
