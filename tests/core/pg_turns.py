"""Round trips to a PostgreSQL server, counted: a local TCP relay between the program and
the server (tests/core/pg.py) that counts the client's turns (a message sent after the
server last answered). Each turn is a network round trip to a team's server (50 ms and
more across a site's network), whatever SQLAlchemy sees: the driver's own BEGIN, a pool
checkout's ping, a connection's start-up."""
from __future__ import annotations

import socket
import threading
from pathlib import Path
from urllib.parse import parse_qs, urlsplit


class Relay:
    def __init__(self, url: str) -> None:
        parts = urlsplit(url)
        sockdir = parse_qs(parts.query).get("host", [None])[0]
        if sockdir:  # the embedded server: a Unix socket
            path = next(str(x) for x in Path(sockdir).glob(".s.PGSQL.*") if not x.name.endswith(".lock"))
            self._target = lambda: _unix(path)
        else:
            host, port = parts.hostname or "127.0.0.1", parts.port or 5432
            self._target = lambda: socket.create_connection((host, port))
        self._lock = threading.Lock()
        self._last: dict[int, str] = {}
        self.turns = 0
        self.connections = 0  # connections made through the relay
        self._server = socket.create_server(("127.0.0.1", 0))
        port = self._server.getsockname()[1]
        self.url = f"{parts.scheme}://{parts.username or 'postgres'}@127.0.0.1:{port}{parts.path}"
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._server.accept()
            except OSError:
                return
            with self._lock:
                self.connections += 1
            server = self._target()
            key = id(client)
            for src, dst, side in ((client, server, "c"), (server, client, "s")):
                threading.Thread(target=self._pipe, args=(src, dst, side, key), daemon=True).start()

    def _pipe(self, src, dst, side: str, key: int) -> None:
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    break
                with self._lock:
                    if side == "c" and self._last.get(key) != "c":
                        self.turns += 1
                    self._last[key] = side
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def count(self, fn):
        """(fn's result, the round trips it made)."""
        before = self.turns
        result = fn()
        return result, self.turns - before

    def close(self) -> None:
        self._server.close()


def _unix(path: str) -> socket.socket:
    s = socket.socket(socket.AF_UNIX)
    s.connect(path)
    return s
