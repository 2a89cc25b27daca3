"""`make test`: the suite on SQLite, then again on PostgreSQL when one is reachable.

PostgreSQL comes from ANTQ_TEST_POSTGRES_URL, else DATABASE_URL when it is a PostgreSQL URL,
else postgres://postgres@127.0.0.1:5432/antq. With ANTQ_REQUIRE_POSTGRES=1 (CI) an
unreachable server is a failure, not a skip.
"""

from __future__ import annotations

import os
import subprocess
import sys

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


def run(label: str, env: dict[str, str], args: list[str]) -> int:
    print(f"\n=== antq tests on {label} ===", flush=True)
    return subprocess.call([sys.executable, "-m", "pytest", *args], env=env)


def main() -> int:
    args = sys.argv[1:]
    base = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    results: list[tuple[str, int]] = []
    sqlite_env = dict(base)
    results.append(("SQLite", run("SQLite", sqlite_env, args)))

    url = postgres_url()
    problem = postgres_reachable(url)
    if problem is None:
        results.append(("PostgreSQL", run("PostgreSQL", {**base, "DATABASE_URL": url}, args)))
    elif os.environ.get("ANTQ_REQUIRE_POSTGRES") == "1":
        print(f"\nPostgreSQL is required (ANTQ_REQUIRE_POSTGRES=1) but unreachable at {url}: {problem}")
        results.append(("PostgreSQL", 1))
    else:
        print(f"\nSKIPPED: PostgreSQL run — no server reachable at {url} ({problem})")

    print("\n=== summary ===")
    for label, code in results:
        print(f"{label}: {'passed' if code == 0 else f'FAILED (exit {code})'}")
    return 0 if all(code == 0 for _label, code in results) else 1


if __name__ == "__main__":
    sys.exit(main())
