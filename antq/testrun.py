"""`make test`: the suite on SQLite, then again on PostgreSQL when one is reachable.

PostgreSQL comes from ANTQ_TEST_POSTGRES_URL, else DATABASE_URL when it is a PostgreSQL URL,
else postgres://postgres@127.0.0.1:5432/antq. With ANTQ_REQUIRE_POSTGRES=1 (CI) an
unreachable server is a failure, not a skip.
"""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from xml.etree import ElementTree

DEFAULT_POSTGRES_URL = "postgres://postgres@127.0.0.1:5432/antq"


def postgres_url() -> str:
    explicit = os.environ.get("ANTQ_TEST_POSTGRES_URL")
    if explicit:
        return explicit
    database_url = os.environ.get("DATABASE_URL", "")
    if database_url.startswith(("postgres://", "postgresql://")):
        return database_url
    return DEFAULT_POSTGRES_URL


def postgres_reachable(url: str) -> str | None:
    """None when a connection works, else the reason."""
    import psycopg
    from psycopg.conninfo import conninfo_to_dict, make_conninfo

    try:
        params = {key: str(value) for key, value in conninfo_to_dict(url).items() if value is not None}
        params["dbname"] = "postgres"
        with psycopg.connect(make_conninfo("", **params), connect_timeout=3):
            return None
    except Exception as exc:  # any failure means "not here"; we report it
        return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


RESULTS_DIR = Path(__file__).resolve().parent.parent / "var" / "test-results"


@dataclass
class Outcome:
    label: str
    exit_code: int
    passed: int = 0
    failed: int = 0
    skipped: int = 0


def run(label: str, env: dict[str, str], args: list[str]) -> Outcome:
    print(f"\n=== antq tests on {label} ===", flush=True)
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    report = RESULTS_DIR / f"{label.lower()}.xml"
    report.unlink(missing_ok=True)
    code = subprocess.call([sys.executable, "-m", "pytest", f"--junitxml={report}", *args], env=env)
    outcome = Outcome(label, code)
    if report.exists():
        for suite in ElementTree.parse(report).getroot().iter("testsuite"):
            total = int(suite.get("tests", 0))
            outcome.failed += int(suite.get("failures", 0)) + int(suite.get("errors", 0))
            outcome.skipped += int(suite.get("skipped", 0))
            outcome.passed += total - int(suite.get("failures", 0)) - int(suite.get("errors", 0)) - int(
                suite.get("skipped", 0))
    return outcome


def main() -> int:
    args = sys.argv[1:]
    base = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    results: list[Outcome] = [run("SQLite", dict(base), args)]

    url = postgres_url()
    problem = postgres_reachable(url)
    if problem is None:
        results.append(run("PostgreSQL", {**base, "DATABASE_URL": url}, args))
    elif os.environ.get("ANTQ_REQUIRE_POSTGRES") == "1":
        print(f"\nPostgreSQL is required (ANTQ_REQUIRE_POSTGRES=1) but unreachable at {url}: {problem}")
        results.append(Outcome("PostgreSQL", 1, failed=1))
    else:
        print(f"\nSKIPPED: PostgreSQL run — no server reachable at {url} ({problem})")

    print("\n=== summary ===")
    for r in results:
        state = "ok" if r.exit_code == 0 else f"FAILED (exit {r.exit_code})"
        print(f"{r.label}: {r.passed} passed, {r.failed} failed, {r.skipped} skipped — {state}")
    ok = all(r.exit_code == 0 for r in results)
    passed, failed, skipped = (sum(getattr(r, f) for r in results) for f in ("passed", "failed", "skipped"))
    # A crashed run (no report) still counts as a failure in the closing line.
    failed += sum(1 for r in results if r.exit_code != 0 and r.failed == 0)
    print(f"total: {passed} passed, {failed} failed, {skipped} skipped")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
