"""llmvis_desktop: offline annotation assistant for image folders.

Importing this package must stay cheap: no Qt, no torch, no transformers.
"""

import os as _os

__version__ = "0.1.0"

# Before anything of ours imports torch (its OpenMP runtime reads this once, when loaded):
# idle OpenMP threads sleep instead of spinning. Spinning, torch's 2 threads of the learned
# suggester's network fit waited on each other on a busy 2-core machine: 500 ms of CPU and
# 1.7-2.0 s per step instead of 57 ms and 80-110 ms (1,500 steps: 45 minutes, not 2-3).
# A value the user set is kept.
_os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
