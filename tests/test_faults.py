"""Faults an intranet install will meet: a killed import, a database that goes away, a full disk.

Each runs antq the way an operator does (its own processes, a real database, the production
server for the outage), on the database of the current test run.
"""

from __future__ import annotations

import builtins
import contextlib
import io
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse

from antq.records.models import CriminalCase
from antq.tipoffs.models import Tip
from tests.fixtures import World
from tests.scratch import ROOT, Install, fetch, free_port, scratch_install, wait_until_up

IMPORT_ROWS = 20000
CASES_HEADER = "Số hồ sơ,Mã đơn vị,Ngày xảy ra,Loại tội phạm,Nhóm tội phạm,Điều khoản BLHS,Ngày khám phá,Số đối tượng\n"


@pytest.fixture
def install(tmp_path: Path) -> Iterator[Install]:
    with scratch_install(tmp_path) as ready:
        yield ready


def _writing(install: Install) -> bool:
    """True once the import's transaction holds the write lock (SQLite) or has written rows (PostgreSQL)."""
    if install.vendor == "sqlite":
        import sqlite3

        probe = sqlite3.connect(install.var_dir / "antq.sqlite3", timeout=0, isolation_level=None)
        try:
            probe.execute("BEGIN IMMEDIATE")
            probe.execute("ROLLBACK")
            return False
        except sqlite3.OperationalError:
            return True  # "database is locked": a writer is inside its transaction
        finally:
            probe.close()
    rows = install.query("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                         "AND backend_xid IS NOT NULL AND pid <> pg_backend_pid()")
    return bool(rows[0][0])


def _count(install: Install, table: str) -> int:
    return int(install.query(f"SELECT count(*) FROM {table}")[0][0])


def test_an_import_killed_midway_leaves_nothing_of_its_file(install: Install, tmp_path: Path) -> None:
    lines = [f"HS-K{i},04795,02/03/2024,nghiêm trọng,TTXH,173,,1\n" for i in range(IMPORT_ROWS)]
    source = tmp_path / "cases.csv"
    source.write_text(CASES_HEADER + "".join(lines), encoding="utf-8")
    changes_before = _count(install, "core_changerecord")
    process = subprocess.Popen([sys.executable, "-m", "antq", "import", "cases", str(source)], env=install.env,
                               cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while not _writing(install):
        assert process.poll() is None, "the import ended before it started writing: make the file larger"
        assert time.monotonic() < deadline, "the import never started writing"
        time.sleep(0.02)
    time.sleep(0.3)  # let it write a good part of the rows
    assert process.poll() is None, "the import finished before it could be killed"
    process.send_signal(signal.SIGKILL)
    process.wait()

    # PostgreSQL ends the dead client's backend and rolls its transaction back; wait for it.
    deadline = time.monotonic() + 30
    while _writing(install) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert _count(install, CriminalCase._meta.db_table) == 0
    assert _count(install, "core_changerecord") == changes_before
    # The same file imports completely afterwards: no lock, no half-state left behind.
    again = install.antq("import", "cases", str(source))
    assert again.returncode == 0, again.stderr
    assert _count(install, CriminalCase._meta.db_table) == IMPORT_ROWS


class TcpRelay:
    """A loopback relay in front of PostgreSQL that can be cut and restored, like a network outage."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self.port = free_port()
        self.listener: socket.socket | None = None
        self.sockets: list[socket.socket] = []

    def start(self) -> None:
        listener = socket.create_server(("127.0.0.1", self.port), reuse_port=False)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def cut(self) -> None:
        if self.listener is not None:
            self.listener.shutdown(socket.SHUT_RDWR)  # wakes the accepting thread; close alone would not
            self.listener.close()
            self.listener = None
        for sock in self.sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()
        self.sockets.clear()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _address = listener.accept()
            except OSError:
                return
            server = socket.create_connection(self.target)
            self.sockets += [client, server]
            for source, sink in ((client, server), (server, client)):
                threading.Thread(target=self._pipe, args=(source, sink), daemon=True).start()

    @staticmethod
    def _pipe(source: socket.socket, sink: socket.socket) -> None:
        try:
            while chunk := source.recv(65536):
                sink.sendall(chunk)
        except OSError:
            pass
        finally:
            for sock in (source, sink):
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)


def test_an_unreachable_database_gives_a_clear_page_then_recovers(install: Install) -> None:
    if install.vendor == "sqlite":
        pytest.skip("an embedded SQLite file cannot become unreachable over the network; "
                    "the PostgreSQL run of this test covers the outage")
    params = install.postgres_params
    relay = TcpRelay((params.get("host", "127.0.0.1"), int(params.get("port", "5432"))))
    relay.start()
    token = install.python(
        "from antq.accounts.models import User\nfrom antq.accounts.services import token_create\n"
        "from antq.core.audit import AuditContext\n"
        "print(token_create(ctx=AuditContext.system(), user=User.objects.get(username='alice'), name='t')[1])").strip()
    user = f"{params['user']}@" if params.get("user") else ""
    port = free_port()
    env = {**install.env, "DATABASE_URL": f"postgres://{user}127.0.0.1:{relay.port}/{params['dbname']}",
           "ANTQ_ENV": "production", "ANTQ_SECRET_KEY": "k" * 20 + "-fault-test-" + "q" * 30,
           "ANTQ_ALLOWED_HOSTS": "127.0.0.1", "ANTQ_SSL_REDIRECT": "0", "ANTQ_SECURE_COOKIES": "0",
           "ANTQ_BIND": f"127.0.0.1:{port}", "ANTQ_WORKERS": "1", "ANTQ_THREADS": "2",
           "ANTQ_DB_CONN_MAX_AGE": "60", "ANTQ_ACCESS_LOG": "0"}
    subprocess.run([sys.executable, "-m", "antq", "collectstatic", "--no-input", "-v0"], env=env, cwd=ROOT, check=True)
    server = subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", "deploy/gunicorn.conf.py"], env=env, cwd=ROOT,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    page, api = f"http://127.0.0.1:{port}/to-giac/", f"http://127.0.0.1:{port}/api/v1/units"
    bearer = {"Authorization": f"Bearer {token}"}
    try:
        wait_until_up(page)
        assert fetch(page)[0] == 200 and fetch(api, bearer)[0] == 200

        relay.cut()
        status, body = fetch(page)
        assert status == 503, body
        assert "không kết nối được cơ sở dữ liệu" in body and "cannot be reached" in body
        assert "Traceback" not in body and "psycopg" not in body and "OperationalError" not in body
        status, body = fetch(api, bearer)
        assert status == 503 and "Traceback" not in body and "detail" in body

        relay.start()
        status, body = fetch(page)
        assert status == 200, body
        assert fetch(api, bearer)[0] == 200
    finally:
        relay.cut()
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)


def _tip_form(world: World, files: list[io.BytesIO]) -> dict[str, object]:
    return {"kind": "to_giac", "province": world.units["province"].pk, "commune": world.units["commune_a"].pk,
            "place_detail": "", "occurred": "", "description": "Có người lạ đột nhập kho hàng ban đêm.",
            "contact": "", "files": files}


def test_a_full_disk_refuses_the_upload_cleanly(world: World, settings, tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    settings.VAR_DIR = tmp_path
    real_open = builtins.open

    def open_on_full_disk(path: object, mode: str = "r", *args: object, **kwargs: object):
        # Every upload is written to a ".part" file first: send those bytes to /dev/full,
        # which the kernel answers with ENOSPC exactly as a full disk does.
        if str(path).endswith(".part") and "x" in mode:
            Path(str(path)).touch()
            return real_open("/dev/full", "wb")
        return real_open(path, mode, *args, **kwargs)  # type: ignore[call-overload]

    monkeypatch.setattr("antq.core.uploads.open", open_on_full_disk, raising=False)
    picture = io.BytesIO(b"%PDF-1.4\n" + os.urandom(4096))
    picture.name = "bien-ban.pdf"
    response = Client().post(reverse("tip_new"), _tip_form(world, [picture]))
    assert response.status_code == 200
    assert "Máy chủ không còn chỗ để lưu tệp; chưa có gì được lưu." in response.content.decode()
    assert not Tip.objects.exists()
    assert not any((tmp_path / "uploads" / "tips").glob("*"))  # no file, no ".part" left behind
