"""The short text a user is shown for an exception (core/errors.py)."""
from __future__ import annotations

from llmvis_desktop.core.errors import first_line


def test_the_first_non_blank_line_is_shown():
    exc = OSError("\n  cannot identify image file 'a.png'  \nTraceback detail\n")
    assert first_line(exc) == "cannot identify image file 'a.png'"


def test_a_long_line_is_cut_at_the_limit():
    assert first_line(ValueError("x" * 500), 120) == "x" * 120
    assert first_line(ValueError("x" * 500)) == "x" * 500


def test_an_empty_message_names_the_exception_type():
    # a bare KeyError() or a blank message used to raise IndexError where it was sliced
    assert first_line(KeyError()) == "KeyError"
    assert first_line(RuntimeError("  \n ")) == "RuntimeError"


def test_a_missing_optional_package_says_what_to_install():
    from llmvis_desktop.core.errors import first_line

    try:
        import psycopg_not_here  # noqa: F401
    except ModuleNotFoundError as exc:
        assert first_line(exc) == "No module named 'psycopg_not_here'"
    assert "pip install torch" in first_line(ModuleNotFoundError("No module named 'torch'", name="torch"))
    assert "[postgresql]" in first_line(ModuleNotFoundError("No module named 'psycopg'", name="psycopg"))
    # a submodule missing from an installed package is not a missing package
    sub = ModuleNotFoundError("No module named 'transformers.models.florence9_vl'", name="transformers.models.florence9_vl")
    assert first_line(sub) == "No module named 'transformers.models.florence9_vl'"


def test_sqlite_busy_and_read_only_databases_are_said_in_words():
    """'OperationalError: (sqlite3.OperationalError) database is locked' left the user to
    guess that another process (an import) was writing."""
    import sqlite3

    from sqlalchemy.exc import OperationalError

    busy = OperationalError("UPDATE images ...", {}, sqlite3.OperationalError("database is locked"))
    assert first_line(busy).startswith("the project database is busy: another process")
    ro = sqlite3.OperationalError("attempt to write a readonly database")
    assert "cannot be written" in first_line(ro)
    other = sqlite3.OperationalError("no such table: images")
    assert first_line(other) == "no such table: images"


def _pg_error(cls_name: str, text: str):
    import psycopg.errors
    from sqlalchemy.exc import OperationalError

    return OperationalError("UPDATE images ...", {}, getattr(psycopg.errors, cls_name)(text))


def test_database_errors_are_told_apart_by_their_code_not_their_words():
    """PostgreSQL's deadlock detail ('... blocked by process 34') read as 'locked': the CLI
    said 'the project database is locked by another program' for a deadlock."""
    import sqlite3

    from sqlalchemy.exc import OperationalError

    from llmvis_desktop.cli import _message

    deadlock = _pg_error("DeadlockDetected", "deadlock detected\nDETAIL:  Process 12 waits for ShareLock on "
                                             "transaction 9; blocked by process 34.\nProcess 34 waits for "
                                             "ExclusiveLock on advisory lock; blocked by process 12.")
    msg = _message(deadlock)
    assert "locked by another program" not in msg and "busy" not in msg
    assert "deadlock" in msg and "nothing was changed" in msg and "again" in msg
    timeout = _pg_error("LockNotAvailable", "canceling statement due to lock timeout\nCONTEXT:  while locking "
                                            "tuple (0,1) in relation \"images\"")
    msg = _message(timeout)
    assert "lock timeout" in msg and "nothing was changed" in msg and "deadlock" not in msg
    # SQLite's own "database is locked" (its code, or the exact message)
    busy = OperationalError("BEGIN IMMEDIATE", {}, sqlite3.OperationalError("database is locked"))
    assert "busy" in _message(busy) or "locked by another program" in _message(busy)
    # a message that only mentions the word is not a lock
    other = OperationalError("SELECT", {}, sqlite3.OperationalError('no such column: "locked"'))
    assert _message(other) == first_line(other) and "busy" not in _message(other)
    serial = _pg_error("SerializationFailure", "could not serialize access due to concurrent update")
    assert "nothing was changed" in _message(serial)


def test_a_long_library_message_is_cut_where_a_sentence_or_clause_ends():
    """pydicom's 'less than expected (27906 vs 32768 bytes) - the dataset may be corrupted,
    have an invalid ...' came out as '... may be corrupted, have a...': cut mid-word."""
    from llmvis_desktop.core.imaging.errors import short_detail

    text = ("The number of bytes of pixel data is less than expected (27906 vs 32768 bytes) - the dataset may "
            "be corrupted, have an invalid group 0028 element value, or the transfer syntax may be incorrect")
    assert short_detail(ValueError(text)) == "The number of bytes of pixel data is less than expected (27906 vs 32768 bytes)"
    words = "word " * 40  # no clause to end on: cut between words, said to go on
    cut = short_detail(ValueError(words), 50)
    assert cut.endswith("word ...") and len(cut) <= 50, cut
    assert short_detail(ValueError("short one")) == "short one"
