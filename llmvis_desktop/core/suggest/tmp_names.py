"""The learned suggester's temporary file names: :mod:`..tmp_names` (shared with the repair
checkpoints)."""
from __future__ import annotations

from ..tmp_names import drop, own_tmp, sweep

__all__ = ["drop", "own_tmp", "sweep"]
