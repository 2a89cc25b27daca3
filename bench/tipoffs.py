"""Issue 7 load test, bounded: the public report form on loopback, 50 submissions a second
for 60 s (`ANTQ_BENCH_LOAD_SECONDS` to shorten), from a server process on the bench
database; every answer must be the "received" page and the stored count must equal the sent
count. Each submission is the real thing: CSRF, routing to a commune, a follow-up code."""

from __future__ import annotations

import http.cookiejar
import os
import re
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

RATE, SECONDS = 50, int(os.environ.get("ANTQ_BENCH_LOAD_SECONDS", "60"))
WORKERS = 8  # concurrent clients: at 50/s a request has 160 ms before the next one from the same client


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait(url: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2).read()
            return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"the server at {url} did not answer")


def measure(root: Path, province_pk: int, commune_pk: int) -> dict[str, Any]:
    from antq.tipoffs.models import Tip

    port = _free_port()
    env = {**os.environ, "ANTQ_TIP_SUBMITS_PER_HOUR": str(RATE * SECONDS * 2)}
    subprocess.run([sys.executable, "-m", "antq", "collectstatic", "--no-input", "-v0"], env=env, cwd=root, check=True)
    server = subprocess.Popen([sys.executable, "-m", "antq", "runserver", f"127.0.0.1:{port}", "--noreload",
                               "--skip-checks"], env=env, cwd=root, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}/to-giac/"
    try:
        _wait(base)
        before = Tip.objects.count()
        local = threading.local()

        def send(number: int) -> tuple[float, int, bool]:
            if not hasattr(local, "opener"):
                jar = http.cookiejar.CookieJar()
                local.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
                page = local.opener.open(base, timeout=30).read().decode()
                local.token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
            body = urllib.parse.urlencode({
                "csrfmiddlewaretoken": local.token, "kind": "tin_bao", "province": province_pk,
                "commune": commune_pk, "description": f"Tin thử tải số {number}: có người lạ dò xét trong xóm."})
            request = urllib.request.Request(base, data=body.encode(), headers={"Referer": base})
            started = time.perf_counter()
            try:
                with local.opener.open(request, timeout=30) as response:
                    ok = 'data-testid="tip-code"' in response.read().decode()
                    return (time.perf_counter() - started) * 1000, response.status, ok
            except urllib.error.HTTPError as error:
                return (time.perf_counter() - started) * 1000, error.code, False

        results = []
        started = time.perf_counter()
        with ThreadPoolExecutor(max_workers=WORKERS) as pool:
            futures = []
            for number in range(RATE * SECONDS):
                delay = started + number / RATE - time.perf_counter()
                if delay > 0:
                    time.sleep(delay)
                futures.append(pool.submit(send, number))
            results = [future.result() for future in futures]
        elapsed = time.perf_counter() - started
        stored = Tip.objects.count() - before
    finally:
        server.terminate()
        server.wait(timeout=30)
    latencies = sorted(r[0] for r in results)
    errors = sum(1 for r in results if not r[2])
    sent = len(results)
    return {"name": f"tip-off form: {RATE}/s for {SECONDS} s on loopback", "rows": f"{sent} sent, {stored} stored",
            "samples": sent, "p50_ms": statistics.median(latencies),
            "p95_ms": latencies[int(len(latencies) * 0.95) - 1], "target_ms": None,
            "passed": errors == 0 and stored == sent and elapsed <= SECONDS * 1.2,
            "note": f"{errors} errors, {sent / elapsed:.1f} submissions/s achieved"}
