"""Frozen entry point of ``llmvis`` (the command line): the same ``main`` as the
installed ``llmvis`` script."""
import sys

from llmvis_desktop.cli import main  # first: a Ctrl+C while it loads is said, not a traceback

if __name__ == "__main__":
    import multiprocessing

    multiprocessing.freeze_support()  # a suggest job's reader processes start here when frozen
    sys.exit(main())
