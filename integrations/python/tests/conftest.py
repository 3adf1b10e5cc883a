"""Fixtures: one real Tandem for the session (tandem_server.py), a Socket.IO client in a room, and
a real HTTP server for webhook deliveries."""
from __future__ import annotations

import queue
import sys
import threading
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional
from wsgiref.simple_server import WSGIRequestHandler, make_server

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from tandem_server import Tandem  # noqa: E402

from tandem_integration import TandemClient  # noqa: E402


@pytest.fixture(scope="session")
def tandem() -> Iterator[Tandem]:
    t = Tandem()
    yield t
    t.stop()


@pytest.fixture()
def client(tandem: Tandem) -> TandemClient:
    return TandemClient(tandem.url, tandem.api_key, timeout=5)


class RoomListener:
    """A person on a page: a real Socket.IO connection (python-socketio) joined to ``page_key``
    as a writer (so the room has a form document), collecting record-changed broadcasts."""

    def __init__(self, url: str, token: str, page_key: str, fields: List[Dict[str, Any]]) -> None:
        import socketio

        self.changes: "queue.Queue[Dict[str, Any]]" = queue.Queue()
        self.sio = socketio.Client(reconnection=False)
        self.sio.on("form:record-changed", self.changes.put)
        self.sio.connect(url, auth={"token": token, "protocol": 1}, wait_timeout=10)  # polling first: its websocket-only handshake fails against Engine.IO 6
        self.join = self.sio.call("room:join", {"context": {"url": "/", "pageKey": page_key, "fields": fields}}, timeout=10)

    def next_change(self, timeout: float = 15) -> Dict[str, Any]:
        return self.changes.get(timeout=timeout)

    def close(self) -> None:
        self.sio.disconnect()


@pytest.fixture()
def listen(tandem: Tandem) -> Iterator[Any]:
    opened: List[RoomListener] = []

    def open_(token: str, page_key: str, fields: Optional[List[Dict[str, Any]]] = None) -> RoomListener:
        r = RoomListener(tandem.direct_url, token, page_key, fields or [])
        opened.append(r)
        return r

    yield open_
    for r in opened:
        r.close()


class _Quiet(WSGIRequestHandler):
    def log_message(self, *args: Any) -> None:
        pass


class WsgiServer:
    """A WSGI app (Django's, Flask's, or a recorder) on a real loopback port, in a thread."""

    def __init__(self, app: Any) -> None:
        self.httpd = make_server("127.0.0.1", 0, app, handler_class=_Quiet)
        self.url = f"http://127.0.0.1:{self.httpd.server_port}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture()
def serve() -> Iterator[Any]:
    servers: List[WsgiServer] = []

    def start(app: Any) -> WsgiServer:
        s = WsgiServer(app)
        servers.append(s)
        return s

    yield start
    for s in servers:
        s.close()


# With TANDEM_PYTEST_REPORT set (tests/integration/python.test.ts does), every case's outcome is
# written there as one JSON line, so the repository's test run counts each pytest case.
def pytest_runtest_logreport(report: Any) -> None:
    import json
    import os

    path = os.environ.get("TANDEM_PYTEST_REPORT")
    if not path or (report.when != "call" and report.passed):
        return
    outcome = "skipped" if report.skipped else ("passed" if report.passed else "failed")
    with open(path, "a") as f:
        f.write(json.dumps({"id": report.nodeid, "when": report.when, "outcome": outcome,
                            "message": "" if report.passed else str(report.longrepr)[-4000:]}) + "\n")
