"""Throwaway database servers for tests that need the real thing (PostgreSQL, MariaDB).

Each server lives in its own temporary directory (data directory, unix socket, log), listens on a
free loopback port, and is stopped and deleted at teardown. The fixtures are session-scoped: one
server per engine for the whole run (per xdist worker); tests isolate themselves with their own
databases. Test modules import the fixtures, and pytest then keeps one session fixture per importing
module, so the server itself is shared through ``_Shared``: started by the first module that asks,
stopped when the last one tears down (each start costs about a second).

A fixture skips, with the reason, only when the server's binaries are not installed (CI installs
the Debian packages ``postgresql`` and ``mariadb-server``); any other failure to start is an error
with the server's log attached, never a silent skip.

PostgreSQL refuses to run as root, so as root the cluster is created and run as ``nobody`` (through
``runuser``); MariaDB runs as root only when told ``--user=root``.
"""

from __future__ import annotations

import glob
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn

import pytest

START_TIMEOUT_S = 30
# InnoDB's redo log (ib_logfile0) is 96 MB by default in MariaDB 10.5+; a test server writes little.
INNODB_LOG_FILE_SIZE = "16M"


def _scratch() -> str | None:
    """Where the servers' directories go: CUTOVER_TEST_SERVER_DIR, else /dev/shm when it is a
    writable directory (tmpfs: no disk I/O at start, and deleting the data directory at teardown is
    instant rather than seconds on a busy disk), else the system's temporary directory."""
    chosen = os.environ.get("CUTOVER_TEST_SERVER_DIR")
    if chosen:
        return chosen
    shm = "/dev/shm"
    return shm if os.path.isdir(shm) and os.access(shm, os.W_OK | os.X_OK) else None


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _find(*names: str) -> str | None:
    for name in names:
        found = shutil.which(name)
        if found:
            return found
    # Debian installs PostgreSQL's server binaries outside PATH.
    for name in names:
        hits = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), reverse=True)
        if hits:
            return hits[0]
    return None


def _missing(reason: str) -> NoReturn:
    """Skip for want of a server, except where the run promised the servers (CI sets
    CUTOVER_REQUIRE_SERVERS=1 after installing them): there a missing binary fails the test, so a
    broken install step can never turn the real-server tests into silent skips."""
    if os.environ.get("CUTOVER_REQUIRE_SERVERS") == "1":
        pytest.fail(f"CUTOVER_REQUIRE_SERVERS=1 but {reason}", pytrace=False)
    pytest.skip(reason)


def _as_server_user(cmd: list[str]) -> list[str]:
    if os.geteuid() != 0:
        return cmd
    runuser = shutil.which("runuser")
    if runuser is None:
        _missing("running as root and `runuser` is missing: PostgreSQL cannot run as root")
    return [runuser, "-u", "nobody", "--", *cmd]


@dataclass(frozen=True)
class Server:
    host: str
    port: int
    user: str
    directory: Path


@dataclass
class _Running:
    server: Server
    stop: list[str] | None = None
    process: subprocess.Popen[bytes] | None = None


def start_postgres() -> _Running:
    initdb, pg_ctl = _find("initdb"), _find("pg_ctl")
    if initdb is None or pg_ctl is None:
        _missing("PostgreSQL server binaries (initdb, pg_ctl) are not installed: apt-get install postgresql")
    directory = Path(tempfile.mkdtemp(prefix="cutover-pg-", dir=_scratch()))
    directory.chmod(0o755)
    if os.geteuid() == 0:
        shutil.chown(directory, user="nobody")
    data, log, port = directory / "data", directory / "server.log", free_port()
    subprocess.run(_as_server_user([initdb, "-D", str(data), "--auth=trust", "-U", "postgres", "-E", "UTF8",
                                    "--locale=C", "--no-sync"]), check=True, capture_output=True)
    options = (f"-p {port} -k {directory} -c listen_addresses=127.0.0.1 -c fsync=off "
               "-c synchronous_commit=off -c full_page_writes=off")
    started = subprocess.run(_as_server_user([pg_ctl, "-D", str(data), "-o", options, "-l", str(log), "-w",
                                              "-t", str(START_TIMEOUT_S), "start"]), capture_output=True)
    if started.returncode != 0:
        text = log.read_text() if log.exists() else started.stderr.decode()
        shutil.rmtree(directory, ignore_errors=True)
        raise RuntimeError(f"PostgreSQL did not start:\n{text}")
    return _Running(Server("127.0.0.1", port, "postgres", directory),
                    stop=_as_server_user([pg_ctl, "-D", str(data), "-m", "immediate", "-w", "stop"]))


def start_mariadb() -> _Running:
    server, install = _find("mariadbd", "mysqld"), _find("mariadb-install-db", "mysql_install_db")
    if server is None or install is None:
        _missing("MariaDB server binaries (mariadbd, mariadb-install-db) are not installed: "
                 "apt-get install mariadb-server")
    directory = Path(tempfile.mkdtemp(prefix="cutover-mariadb-", dir=_scratch()))
    data, log, port = directory / "data", directory / "server.log", free_port()
    user = ["--user=root"] if os.geteuid() == 0 else []
    subprocess.run([install, "--no-defaults", f"--datadir={data}", *user, "--skip-test-db",
                    "--auth-root-authentication-method=normal", f"--innodb-log-file-size={INNODB_LOG_FILE_SIZE}"],
                   check=True, capture_output=True)
    # Binary logging on, as DMS requires of a MySQL source for CDC (binlog_format=ROW): the verifier
    # reads the source position from it.
    proc = subprocess.Popen(
        [server, "--no-defaults", f"--datadir={data}", f"--socket={directory / 'sock'}", f"--port={port}",
         "--bind-address=127.0.0.1", *user, "--skip-grant-tables", f"--log-bin={directory / 'binlog'}",
         "--server-id=1", "--binlog-format=ROW", "--innodb-buffer-pool-size=64M", "--innodb-flush-log-at-trx-commit=0",
         f"--innodb-log-file-size={INNODB_LOG_FILE_SIZE}",
         f"--log-error={log}", f"--pid-file={directory / 'server.pid'}"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            break
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return _Running(Server("127.0.0.1", port, "root", directory), process=proc)
        except OSError:
            time.sleep(0.1)
    proc.kill()
    text = log.read_text() if log.exists() else "(no log)"
    shutil.rmtree(directory, ignore_errors=True)
    raise RuntimeError(f"MariaDB did not start:\n{text}")


def stop(running: _Running) -> None:
    try:
        if running.stop is not None:
            subprocess.run(running.stop, capture_output=True, timeout=30)
        if running.process is not None:
            running.process.send_signal(signal.SIGTERM)
            try:
                running.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                running.process.kill()
                running.process.wait()
    finally:
        shutil.rmtree(running.server.directory, ignore_errors=True)


class _Shared:
    """One running server for every session fixture of the same engine in this process."""

    def __init__(self, start: Callable[[], _Running]) -> None:
        self._start = start
        self._running: _Running | None = None
        self._users = 0

    @contextmanager
    def use(self) -> Iterator[Server]:
        if self._running is None:
            self._running = self._start()  # a skip or a start failure leaves nothing to release
        self._users += 1
        try:
            yield self._running.server
        finally:
            self._users -= 1
            if self._users == 0 and self._running is not None:
                running, self._running = self._running, None
                stop(running)


_POSTGRES = _Shared(start_postgres)
_MARIADB = _Shared(start_mariadb)


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[Server]:
    """A PostgreSQL cluster (trust authentication on loopback) for the whole session."""
    with _POSTGRES.use() as server:
        yield server


@pytest.fixture(scope="session")
def mariadb_server() -> Iterator[Server]:
    """A MariaDB server (grant tables skipped, binary log on) for the whole session."""
    with _MARIADB.use() as server:
        yield server
