"""Team projects in the window: their recent entries, and the password a server asks for.

The recent projects (welcome page, File ▸ Open recent) remember a team project's folder
and its database URL without the password (``Config.project_databases``); its entry
names the database and server. Reopened, a server that wants a password refuses the
open: :func:`ask_password` asks for it in a small prompt and opens again with it, the
password kept in memory for that open only, never in config.json.
"""
from __future__ import annotations

from typing import Optional

from PySide6.QtWidgets import QInputDialog, QLineEdit

from ..core.store import db_check
from ..core.store.db_location import url_without_password


def database_words(db_url: Optional[str]) -> str:
    """"team database NAME on HOST:PORT" for a server's URL; "" for none (the folder's own
    SQLite file); a SQLite file's path for another file."""
    if not db_url:
        return ""
    from sqlalchemy.engine import make_url

    try:
        parsed = make_url(db_url)
    except Exception:
        return "database: " + url_without_password(db_url)
    if parsed.get_backend_name() == "sqlite":
        return f"database file {parsed.database}"
    return f"team database {parsed.database or parsed.username or '?'} on {db_check.server_of(db_url)}"


def recent_text(folder: str, db_url: Optional[str]) -> str:
    """A recent project's entry: its folder, and its team database when it has one."""
    words = database_words(db_url)
    return f"{folder}  \u2014  {words}" if words else folder


def ask_password(win, request, exc) -> bool:
    """The open of ``request`` failed as its server wants a password (none given, or a
    wrong one): a prompt asks for it and the folder is opened again with it. True when
    asked (the failure is said there), False when ``exc`` is another failure."""
    url = request.db_url
    if not url or not url.startswith("postgresql"):
        return False
    problem = db_check.connect_problem(exc, url)
    if problem is None or problem.kind != db_check.AUTH:
        return False
    plain = url_without_password(url)
    user, database = db_check._names(plain)
    server = db_check.server_of(plain)
    given = db_check.password_of(url) is not None
    head = (f"The server at {server} refused the password of user {user!r}." if given else
            f"The server at {server} asks for the password of user {user!r}.")
    dlg = QInputDialog(win)
    dlg.setObjectName("passwordPrompt")
    dlg.setWindowTitle("Team database password")
    dlg.setLabelText(f"{head}\nPassword for database {database!r} (used for this session only, never saved):")
    dlg.setTextEchoMode(QLineEdit.EchoMode.Password)
    dlg.setOkButtonText("Open")
    folder, index = request.folder, request.index

    def opened_with_it() -> None:
        password = dlg.textValue()
        win.open_project(folder, db_check.url_with_password(plain, password) if password else plain, index)

    dlg.accepted.connect(opened_with_it)
    dlg.rejected.connect(lambda: win.show_error(f"{problem.message} {folder} was not opened."))
    win.password_prompt = dlg
    win.statusBar().showMessage(head, 10000)
    dlg.open()
    return True


def failure_text(request, exc) -> Optional[str]:
    """A team database's failed open said plainly (unreachable server, unknown database,
    missing driver), naming the value; None for another failure (said as before)."""
    if not request.db_url or request.db_url.startswith("sqlite"):
        return None
    problem = db_check.connect_problem(exc, request.db_url)
    if problem is None:
        return None
    return f"{request.folder} was not opened: {problem.message}"
