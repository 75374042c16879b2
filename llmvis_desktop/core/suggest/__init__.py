"""Suggestions from local models: registry, discovery, engines, the batch job.

Importing this package (or ``registry``/``discovery``/``batch``) never imports torch
or transformers; they load when a model is first used (``engines``).
"""
from __future__ import annotations

from .discovery import ModelInfo, ModelRefused, check, discover, inspect_folder, resolve_model

__all__ = ["ModelInfo", "ModelRefused", "check", "discover", "inspect_folder", "resolve_model"]
