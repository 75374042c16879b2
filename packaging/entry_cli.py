"""Frozen entry point of ``llmvis`` (the command line): the same ``main`` as the
installed ``llmvis`` script."""
import multiprocessing
import sys

from llmvis_desktop.cli import main

if __name__ == "__main__":
    multiprocessing.freeze_support()  # a suggest job's reader processes start here when frozen
    sys.exit(main())
