"""Frozen entry point of ``llmvis-desktop`` (the window): the same ``main`` as the
installed ``llmvis-desktop`` script."""
import sys

from llmvis_desktop.__main__ import main

if __name__ == "__main__":
    sys.exit(main())
