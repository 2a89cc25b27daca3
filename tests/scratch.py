"""A separate, real antq install for tests that run antq in other processes (fault tests).

The install follows the database of the current test run: a fresh SQLite file under a
temporary ANTQ_VAR_DIR, or a fresh PostgreSQL database on the same server (dropped after).
`migrate` runs in a child process, then `tests.fixtures.build_world()` — exactly what an
operator's install plus the test personas would hold.
"""

from __future__ import annotations

import os
import secrets
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
from django.db import connection
from psycopg.conninfo import conninfo_to_dict, make_conninfo

ROOT = Path(__file__).resolve().parent.parent
BASE_ENV = {k: v for k, v in os.environ.items() if not k.startswith("ANTQ_") and k != "DATABASE_URL"}


@dataclass
class Install:
    var_dir: Path
    database_url: str
    vendor: str
    postgres_params: dict[str, str]

    @property
    def env(self) -> dict[str, str]:
        return {**BASE_ENV, "ANTQ_VAR_DIR": str(self.var_dir), "DATABASE_URL": self.database_url}

    def python(self, code: str, *, env: dict[str, str] | None = None) -> str:
        """Run Python with Django set up against this install; returns its stdout."""
        prelude = ("import django, os; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'antq.settings'); "
                   "django.setup()\n")
        done = subprocess.run([sys.executable, "-c", prelude + code], env={**self.env, **(env or {})}, cwd=ROOT,
                              capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr
        return done.stdout

    def antq(self, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "antq", *args], env={**self.env, **(env or {})}, cwd=ROOT,
                              capture_output=True, text=True, timeout=300)

    def query(self, sql: str) -> list[tuple[Any, ...]]:
        """Read the install's database directly (no Django in this process touches it)."""
        if self.vendor == "sqlite":
            with sqlite3.connect(self.var_dir / "antq.sqlite3", timeout=30) as db:
                return db.execute(sql).fetchall()
        with psycopg.connect(make_conninfo("", **self.postgres_params), autocommit=True) as db:
            return db.execute(sql).fetchall()


def _server_params() -> dict[str, str]:
    url = os.environ.get("DATABASE_URL", "")
    return {k: str(v) for k, v in conninfo_to_dict(url).items() if v is not None}


@contextmanager
def scratch_install(tmp_path: Path, prepare: bool = True) -> Iterator[Install]:
    """A new empty database (and VAR_DIR); with `prepare`, migrated and holding the test world."""
    var_dir = tmp_path / "var"
    var_dir.mkdir(parents=True, exist_ok=True)
    if connection.vendor == "sqlite":
        install = Install(var_dir, f"sqlite:///{var_dir / 'antq.sqlite3'}", "sqlite", {})
        yield from _prepared(install) if prepare else iter([install])
        return
    params = _server_params()
    name = f"antq_scratch_{secrets.token_hex(4)}"
    admin = make_conninfo("", **{**params, "dbname": "postgres"})
    with psycopg.connect(admin, autocommit=True) as db:
        db.execute(f'CREATE DATABASE "{name}"')
    own = {**params, "dbname": name}
    user = f"{own['user']}@" if own.get("user") else ""
    url = f"postgres://{user}{own.get('host', '127.0.0.1')}:{own.get('port', '5432')}/{name}"
    try:
        install = Install(var_dir, url, "postgresql", own)
        yield from _prepared(install) if prepare else iter([install])
    finally:
        with psycopg.connect(admin, autocommit=True) as db:
            db.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _prepared(install: Install) -> Iterator[Install]:
    migrated = install.antq("migrate", "--no-input", "-v0")
    assert migrated.returncode == 0, migrated.stderr
    install.python("from tests.fixtures import build_world; build_world()")
    yield install


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def fetch(url: str, headers: dict[str, str] | None = None) -> tuple[int, str]:
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def wait_until_up(url: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2).read()
            return
        except urllib.error.HTTPError:
            return
        except OSError:
            time.sleep(0.2)
    raise AssertionError(f"nothing answered at {url}")
