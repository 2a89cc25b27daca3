"""`make test`: the suite on SQLite, then again on PostgreSQL when one is reachable.

PostgreSQL comes from ANTQ_TEST_POSTGRES_URL, else DATABASE_URL when it is a PostgreSQL URL,
else postgres://postgres@127.0.0.1:5432/antq. With ANTQ_REQUIRE_POSTGRES=1 (CI) an
unreachable server is a failure, not a skip.
"""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass, field
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


# Production-readiness checks, summarised after each run (issue 8 asks make test to print them).
READINESS = {
    "tests.test_backup": "backup/restore round-trip",
    "tests.test_faults": "faults (killed import, database outage, full disk)",
    "tests.test_concurrent_edits": "concurrent edits (version check)",
    "tests.test_api_fuzz": "API fuzzing (schemathesis)",
    "tests.test_operations": "documented production install",
    "tests.test_security": "security (logs, CSRF, error reports)",
}


@dataclass
class Outcome:
    label: str
    exit_code: int
    passed: int = 0
    failed: int = 0
    skipped: int = 0
    readiness: list[str] = field(default_factory=list)


def readiness_lines(root: ElementTree.Element) -> list[str]:
    """One line per production-readiness module: passed/failed/skipped, with skip reasons."""
    tally: dict[str, list[int]] = {module: [0, 0, 0] for module in READINESS}
    reasons: dict[str, set[str]] = {module: set() for module in READINESS}
    for case in root.iter("testcase"):
        module = case.get("classname", "").split("[")[0]
        module = next((m for m in READINESS if module == m or module.startswith(m + ".")), "")
        if not module:
            continue
        skip = case.find("skipped")
        if skip is not None:
            tally[module][2] += 1
            reasons[module].add(skip.get("message", "").strip())
        elif case.find("failure") is not None or case.find("error") is not None:
            tally[module][1] += 1
        else:
            tally[module][0] += 1
    lines = []
    for module, (passed, failed, skipped) in tally.items():
        if passed + failed + skipped == 0:
            continue  # not part of this run (a subset was asked for)
        line = f"  {READINESS[module]}: {passed} passed, {failed} failed, {skipped} skipped"
        if reasons[module]:
            line += " (" + "; ".join(sorted(reasons[module])) + ")"
        lines.append(line)
    summary = RESULTS_DIR / "fuzz.txt"
    if summary.exists():
        lines.append("  " + summary.read_text(encoding="utf-8").strip())
    return lines


def run(label: str, env: dict[str, str], args: list[str]) -> Outcome:
    print(f"\n=== antq tests on {label} ===", flush=True)
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    report = RESULTS_DIR / f"{label.lower()}.xml"
    report.unlink(missing_ok=True)
    (RESULTS_DIR / "fuzz.txt").unlink(missing_ok=True)  # written again by this run's fuzzing test
    code = subprocess.call([sys.executable, "-m", "pytest", f"--junitxml={report}", *args], env=env)
    outcome = Outcome(label, code)
    if report.exists():
        root = ElementTree.parse(report).getroot()
        outcome.readiness = readiness_lines(root)
        for suite in root.iter("testsuite"):
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
        print("\n".join(r.readiness))
    ok = all(r.exit_code == 0 for r in results)
    passed, failed, skipped = (sum(getattr(r, f) for r in results) for f in ("passed", "failed", "skipped"))
    # A crashed run (no report) still counts as a failure in the closing line.
    failed += sum(1 for r in results if r.exit_code != 0 and r.failed == 0)
    print(f"total: {passed} passed, {failed} failed, {skipped} skipped")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
