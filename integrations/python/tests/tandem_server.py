"""A real Tandem for the tests: its own Postgres database, a tenant and an API key made with the
`tandem` CLI, the server as its own process (src/server.ts) — and TCP proxies in front of its HTTP
port and of Postgres, so a test can take Tandem or its database "down" without touching the
shared services other suites use."""
from __future__ import annotations

import json
import os
import secrets
import select
import socket
import subprocess
import threading
import time
import urllib.request
from pathlib import Path
from typing import Dict, List, Optional

REPO = Path(os.environ.get("TANDEM_REPO", Path(__file__).resolve().parents[3]))
PG_ADMIN = os.environ.get("TANDEM_PG_ADMIN_URL", "postgres://postgres@127.0.0.1:5432/postgres")
NODE = os.environ.get("NODE", "node")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class TcpProxy:
    """127.0.0.1:<port> → target; cut() resets every connection and refuses new ones."""

    def __init__(self, target_port: int, port: int = 0) -> None:
        self.target = ("127.0.0.1", target_port)
        self.server = socket.create_server(("127.0.0.1", port))
        self.port = self.server.getsockname()[1]
        self.up = True
        self.conns: List[socket.socket] = []
        self.lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.server.accept()
            except OSError:
                return
            if not self.up:
                _reset(client)
                continue
            try:
                upstream = socket.create_connection(self.target)
            except OSError:
                _reset(client)
                continue
            with self.lock:
                self.conns += [client, upstream]
            threading.Thread(target=self._pipe, args=(client, upstream), daemon=True).start()

    def _pipe(self, a: socket.socket, b: socket.socket) -> None:
        try:
            while True:
                ready, _, _ = select.select([a, b], [], [], 1)
                for s in ready:
                    data = s.recv(65536)
                    if not data:
                        return
                    (b if s is a else a).sendall(data)
        except (OSError, ValueError):  # cut() closed the sockets under us
            pass
        finally:
            for s in (a, b):
                _reset(s)

    def cut(self) -> None:
        self.up = False
        with self.lock:
            for s in self.conns:
                _reset(s)
            self.conns.clear()

    def restore(self) -> None:
        self.up = True

    def close(self) -> None:
        self.cut()
        self.server.close()


def _reset(s: socket.socket) -> None:
    try:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
        s.close()
    except OSError:
        pass


def _cli(args: List[str], env: Dict[str, str]) -> Dict[str, str]:
    out = subprocess.run([NODE, "--import", "tsx", "src/cli/main.ts", *args, "--json"], cwd=REPO, env=env,
                         capture_output=True, text=True, timeout=60)
    if out.returncode != 0:
        raise RuntimeError(f"tandem {' '.join(args)}: {out.stderr}")
    return json.loads(out.stdout)


def _psql(sql: str) -> None:
    subprocess.run(["psql", PG_ADMIN, "-qXc", sql], check=True, capture_output=True, timeout=60)


class Tandem:
    """One running Tandem. ``url`` goes through the HTTP proxy (cut with ``http.cut()``),
    ``direct_url`` does not; ``db`` is the proxy between Tandem and Postgres."""

    def __init__(self, tenant: str = "shop", env: Optional[Dict[str, str]] = None) -> None:
        self.tenant = tenant
        self.db_name = f"tandem_py_{secrets.token_hex(5)}"
        _psql(f"CREATE DATABASE {self.db_name}")
        pg_port = int(PG_ADMIN.rsplit(":", 1)[1].split("/")[0])
        self.db = TcpProxy(pg_port)
        base = PG_ADMIN.rsplit("/", 1)[0].rsplit(":", 1)[0]
        database_url = f"{base}:{self.db.port}/{self.db_name}"
        cli_env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": os.environ.get("HOME", "/tmp"),
                   "NODE_ENV": "test", "LOG_LEVEL": "warn", "DATABASE_URL": f"{base}:{pg_port}/{self.db_name}"}
        created = _cli(["tenant", "create", tenant, "--name", f"{tenant} (pytest)"], cli_env)
        self.jwt_secret = created.get("jwtSecret") or created.get("secret", "")
        self.api_key = _cli(["key", "create", tenant, "--name", "python"], cli_env)["key"]
        self.port = free_port()
        self.http = TcpProxy(self.port)
        self.direct_url = f"http://127.0.0.1:{self.port}"
        self.url = f"http://127.0.0.1:{self.http.port}"
        self.log = open(os.path.join(os.environ.get("TMPDIR", "/tmp"), f"{self.db_name}.log"), "w+")
        self.proc = subprocess.Popen(
            [NODE, "--import", "tsx", "src/server.ts"], cwd=REPO, stdout=self.log, stderr=subprocess.STDOUT,
            env={**cli_env, "DATABASE_URL": database_url, "HOST": "127.0.0.1", "PORT": str(self.port),
                 "DEV_MODE": "false", "WEBHOOK_ALLOW_PRIVATE_NETWORKS": "true", "WEBHOOK_RETRY_SCHEDULE": "1,1,1",
                 "EVENTS_POLL_MS": "100", **(env or {})})
        deadline = time.monotonic() + 60
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"tandem exited early:\n{self.output()}")
            try:
                with urllib.request.urlopen(f"{self.direct_url}/readyz", timeout=2):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    self.stop()
                    raise RuntimeError(f"tandem did not become ready:\n{self.output()}")
                time.sleep(0.1)

    def output(self) -> str:
        self.log.flush()
        self.log.seek(0)
        return self.log.read()

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        self.http.close()
        self.db.close()
        self.log.close()
        try:
            _psql(f"DROP DATABASE IF EXISTS {self.db_name} WITH (FORCE)")
        except subprocess.CalledProcessError:
            pass
