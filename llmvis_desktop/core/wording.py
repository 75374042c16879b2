"""Small wording helpers for sentences shown to the user (no Qt)."""
from __future__ import annotations

from typing import Optional


def plural(n: int, word: str, many: Optional[str] = None) -> str:
    """``word`` for one, else ``many`` (default ``word + "s"``): "1 more reviewed image",
    "2 more reviewed images" (the bare number is the caller's)."""
    return word if n == 1 else (many or word + "s")
