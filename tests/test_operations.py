"""docs/operations.md, followed on a fresh database: the install steps it lists run as written,
and the production profile then serves antq through gunicorn (login, a page, a static file)."""

from __future__ import annotations

import http.cookiejar
import re
import signal
import subprocess
import sys
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.scratch import ROOT, Install, free_port, scratch_install, wait_until_up

DOCS = ROOT / "docs" / "operations.md"
FIRST_PASSWORD = "Quan-tri-lan-dau-2026"


def install_steps() -> list[str]:
    """The commands between the install-steps markers of docs/operations.md."""
    text = DOCS.read_text(encoding="utf-8")
    block = text.split("<!-- install-steps: begin -->", 1)[1].split("<!-- install-steps: end -->", 1)[0]
    return [line.strip() for line in block.splitlines() if line.strip().startswith("antq ")]


@pytest.fixture
def fresh(tmp_path: Path) -> Iterator[Install]:
    with scratch_install(tmp_path, prepare=False) as install:
        yield install


def test_the_documented_install_gives_a_working_production_server(fresh: Install, tmp_path: Path) -> None:
    steps = install_steps()
    assert [step.split()[1] for step in steps] == ["check", "migrate", "collectstatic", "units", "users"]
    secret = tmp_path / "secret_key"
    secret.write_text("s3cr3t-" * 10)
    port = free_port()
    env = {**fresh.env, "ANTQ_ENV": "production", "ANTQ_SECRET_KEY_FILE": str(secret),
           "ANTQ_ALLOWED_HOSTS": "127.0.0.1", "ANTQ_BEHIND_PROXY": "true", "ANTQ_DB_CONN_MAX_AGE": "60"}
    # The test speaks plain HTTP on loopback, where nginx would terminate TLS.
    serving = {**env, "ANTQ_SSL_REDIRECT": "0", "ANTQ_SECURE_COOKIES": "0", "ANTQ_BIND": f"127.0.0.1:{port}",
               "ANTQ_WORKERS": "2", "ANTQ_THREADS": "2", "ANTQ_ACCESS_LOG": "0"}
    password_file = tmp_path / "first-password"
    password_file.write_text(FIRST_PASSWORD + "\n")
    for step in steps:
        command, _, stdin_file = step.partition(" < ")
        args = [a.strip('"') for a in command.split()[1:]]
        with open(password_file if stdin_file else "/dev/null", "rb") as stdin:
            done = subprocess.run([sys.executable, "-m", "antq", *args], env=env, cwd=ROOT, stdin=stdin,
                                  capture_output=True, text=True, timeout=600)
        assert done.returncode == 0, f"{step}\n{done.stdout}\n{done.stderr}"
    assert not list((fresh.var_dir / "static").rglob("redoc*")), "no bundle that names outside hosts"

    server = subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", "deploy/gunicorn.conf.py"], env=serving,
                              cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(f"{base}/login/")
        jar = http.cookiejar.CookieJar()
        browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
        login_page = browser.open(f"{base}/login/").read().decode()
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', login_page)
        assert token is not None
        form = urllib.parse.urlencode({"csrfmiddlewaretoken": token.group(1), "username": "quantri",
                                       "password": FIRST_PASSWORD}).encode()
        landed = browser.open(urllib.request.Request(f"{base}/login/", data=form, headers={"Referer": base + "/"}))
        assert landed.status == 200 and landed.url.rstrip("/") != f"{base}/login"
        tree = browser.open(f"{base}/units/").read().decode()
        assert "Hòa Bình" in tree
        stylesheet = re.search(r'href="(/static/[^"]+\.css)"', tree)
        assert stylesheet is not None and re.search(r"\.[0-9a-f]{12}\.css$", stylesheet.group(1)), "hashed names"
        with browser.open(base + stylesheet.group(1)) as asset:
            assert asset.status == 200 and "max-age" in asset.headers.get("Cache-Control", "")
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
