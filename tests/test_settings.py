"""Settings fail loudly and default to safe values."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

BASE_ENV = {k: v for k, v in os.environ.items() if not k.startswith("ANTQ_") and k != "DATABASE_URL"}


def load_settings(tmp_path, **env: str) -> subprocess.CompletedProcess[str]:
    code = "import antq.settings as s; print(s.DEBUG, s.DATABASES['default']['ENGINE'], s.PASSWORD_HASHERS[0])"
    return subprocess.run([sys.executable, "-c", code], env={**BASE_ENV, "ANTQ_VAR_DIR": str(tmp_path), **env},
                          capture_output=True, text=True, timeout=60)


def test_embedded_defaults_are_safe(tmp_path) -> None:
    result = load_settings(tmp_path)
    assert result.returncode == 0, result.stderr
    debug, engine, hasher = result.stdout.split()
    assert (debug, engine) == ("False", "django.db.backends.sqlite3")
    assert hasher == "django.contrib.auth.hashers.Argon2PasswordHasher"
    key_file = tmp_path / "secret_key"
    assert key_file.exists() and oct(key_file.stat().st_mode & 0o777) == "0o600"
    assert load_settings(tmp_path).returncode == 0
    assert key_file.read_text() == key_file.read_text()  # generated once, then kept


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"ANTQ_ENV": "production"}, "ANTQ_SECRET_KEY"),
        ({"ANTQ_ENV": "production", "ANTQ_SECRET_KEY": "x" * 50}, "ANTQ_ALLOWED_HOSTS"),
        ({"ANTQ_ENV": "production", "ANTQ_SECRET_KEY": "x" * 50, "ANTQ_ALLOWED_HOSTS": "antq.local"}, "DATABASE_URL"),
        ({"ANTQ_DEBUG": "maybe"}, "not a boolean"),
        ({"ANTQ_ENV": "staging"}, "ANTQ_ENV"),
        ({"DATABASE_URL": "mysql://u@h/db"}, "SQLite or PostgreSQL"),
        ({"ANTQ_ENV": "production", "ANTQ_DEBUG": "true"}, "ANTQ_DEBUG"),
    ],
)
def test_bad_configuration_stops_start_up(tmp_path, env: dict[str, str], message: str) -> None:
    result = load_settings(tmp_path, **env)
    assert result.returncode != 0
    assert message in result.stderr


def test_secret_can_come_from_a_file(tmp_path) -> None:
    secret = tmp_path / "key"
    secret.write_text("s" * 60)
    result = load_settings(tmp_path, ANTQ_ENV="production", ANTQ_SECRET_KEY_FILE=str(secret),
                           ANTQ_ALLOWED_HOSTS="antq.local", DATABASE_URL="postgres://u@127.0.0.1/antq")
    assert result.returncode == 0, result.stderr


PRODUCTION_ENV = {"ANTQ_ENV": "production", "ANTQ_SECRET_KEY": "p" * 25 + "-production-profile-" + "z" * 25,
                  "ANTQ_ALLOWED_HOSTS": "antq.congan.local", "DATABASE_URL": "postgres://antq@127.0.0.1:5432/antq",
                  "ANTQ_BEHIND_PROXY": "true"}


def test_the_production_profile_passes_djangos_deployment_checklist(tmp_path) -> None:
    """`manage.py check --deploy` under the documented production settings reports nothing."""
    result = subprocess.run([sys.executable, "-m", "antq", "check", "--deploy", "--fail-level", "DEBUG"],
                            env={**BASE_ENV, "ANTQ_VAR_DIR": str(tmp_path), **PRODUCTION_ENV},
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout, result.stdout
    assert "WARNINGS" not in result.stdout + result.stderr


def test_production_values_are_the_safe_ones(tmp_path) -> None:
    code = ("import antq.settings as s; print(s.DEBUG, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, "
            "s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS, s.SESSION_EXPIRE_AT_BROWSER_CLOSE, s.X_FRAME_OPTIONS, "
            "s.SECURE_PROXY_SSL_HEADER, s.DATABASES['default']['CONN_HEALTH_CHECKS'])")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                            env={**BASE_ENV, "ANTQ_VAR_DIR": str(tmp_path), **PRODUCTION_ENV,
                                 "ANTQ_DB_CONN_MAX_AGE": "60"})
    assert result.returncode == 0, result.stderr
    assert result.stdout.split(" ", 8) == ["False", "True", "True", "True", "31536000", "True", "DENY",
                                           "('HTTP_X_FORWARDED_PROTO',", "'https') True\n"]


def test_behind_the_proxy_the_client_address_comes_from_the_proxy_only(settings) -> None:
    from django.test import RequestFactory

    from antq.core.network import client_address

    factory = RequestFactory()
    via_proxy = factory.get("/", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.9")
    direct = factory.get("/", REMOTE_ADDR="198.51.100.7", HTTP_X_FORWARDED_FOR="10.0.0.1")
    settings.BEHIND_PROXY = False
    assert client_address(via_proxy) == "127.0.0.1"
    settings.BEHIND_PROXY = True
    assert client_address(via_proxy) == "203.0.113.9"  # what nginx appended, not what the client wrote
    assert client_address(direct) == "198.51.100.7"  # a forged header from a non-proxy is ignored


def test_a_read_replica_is_configured_from_its_url(tmp_path) -> None:
    code = "import antq.settings as s; r = s.DATABASES['replica']; print(r['ENGINE'], r['NAME'], r['TEST'])"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                            env={**BASE_ENV, "ANTQ_VAR_DIR": str(tmp_path), **PRODUCTION_ENV,
                                 "ANTQ_DATABASE_REPLICA_URL": "postgres://antq@10.0.0.2:5432/antq"})
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "django.db.backends.postgresql antq {'MIRROR': 'default'}"
    refused = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                             env={**BASE_ENV, "ANTQ_VAR_DIR": str(tmp_path),
                                  "ANTQ_DATABASE_REPLICA_URL": "sqlite:///x.db"})
    assert refused.returncode != 0 and "must point to PostgreSQL" in refused.stderr


def test_new_postgresql_sessions_run_without_jit(db: None) -> None:
    """The database itself carries jit = off (migration core 0003): a brand-new session has it."""
    import psycopg
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("SQLite has no JIT; the PostgreSQL run of this test checks the database setting")
    with psycopg.connect(**connection.get_connection_params()) as fresh:
        assert fresh.execute("SHOW jit").fetchone() == ("off",)
