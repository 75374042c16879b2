"""llmvis_desktop: offline annotation assistant for image folders.

Importing this package must stay cheap: no Qt, no torch, no transformers.
"""

__version__ = "0.1.0"
