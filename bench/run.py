"""`make bench`: load the national maps and time the reads the UI and the API depend on.

Runs once on SQLite (a fresh file under var/bench/, never var/antq.sqlite3) and once on
PostgreSQL when a server answers (database `antq_bench`, created and dropped here; set
ANTQ_BENCH_POSTGRES_URL to use another server than postgres://postgres@127.0.0.1:5432).
Each database is measured in a child process of this script, started with DATABASE_URL
and ANTQ_VAR_DIR set, so antq's settings pick the bench database up as any install would.

ANTQ_BENCH_ONLY=sqlite or ANTQ_BENCH_ONLY=postgresql measures one database only;
ANTQ_BENCH_SCALE (default 1) scales the national dataset; ANTQ_BENCH_PARTS picks among the
slower parts (default all: tipoffs,indicators,load; e.g. ANTQ_BENCH_PARTS=load) — the maps
and the unit queries always run, the national dataset whenever indicators or load do;
ANTQ_BENCH_LOAD_SECONDS (default 60) shortens the two load tests.

Benchmarks report, they do not gate: the exit status is 0 even when a target is missed
(it is non-zero only when a measurement could not run at all).
"""

from __future__ import annotations

import argparse
import io
import json
import math
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
BENCH_DIR = ROOT / "var" / "bench"
SQLITE_FILE = BENCH_DIR / "bench.sqlite3"
DEFAULT_POSTGRES_URL = "postgres://postgres@127.0.0.1:5432/postgres"
BENCH_DATABASE = "antq_bench"

LOAD_TARGET_S = 60.0
QUERY_TARGET_MS = 50.0
SUBTREE_REPETITIONS = 30
SEARCH_REPETITIONS = 5
SCOPE_REPETITIONS = 50

# Varied on purpose: with and without diacritics, codes, short and very common words.
SEARCH_QUERIES = [
    "hoa binh", "Hòa Bình", "thinh lang", "Thịnh Lang", "04795", "phuong 1", "xa tan", "ba dinh",
    "Ba Đình", "ha noi", "Hà Nội", "ho chi minh", "da nang", "Đà Nẵng", "hue", "can tho", "hai phong",
    "quang ninh", "lao cai", "son la", "dien bien", "phu tho", "Phú Thọ", "vinh", "nghe an", "thanh hoa",
    "an giang", "ca mau", "tan phu", "an binh", "xuan", "trung", "thi tran", "quan 1", "00001", "25",
    "long", "dong", "bac", "phuoc", "tay ninh", "HOA  BINH",
]

SUBTREE_FIELDS = ("id", "code", "name", "kind", "subtype", "parent_id", "depth", "valid_from", "valid_to")
PARTS = ("tipoffs", "indicators", "load")


def bench_parts() -> tuple[str, ...]:
    chosen = tuple(p.strip() for p in os.environ.get("ANTQ_BENCH_PARTS", "").lower().split(",") if p.strip())
    unknown = [p for p in chosen if p not in PARTS]
    if unknown:
        raise SystemExit(f"ANTQ_BENCH_PARTS: unknown part(s) {', '.join(unknown)} (choose from {', '.join(PARTS)})")
    return chosen or PARTS


# ---------------------------------------------------------------- measuring (child process)


def percentile(samples: list[float], fraction: float) -> float:
    """Nearest-rank percentile: the smallest sample with at least `fraction` of them at or below."""
    ordered = sorted(samples)
    rank = max(1, math.ceil(fraction * len(ordered)))
    return ordered[rank - 1]


def timed_ms(function: Callable[[], Any]) -> tuple[float, Any]:
    started = time.perf_counter()
    result = function()
    return (time.perf_counter() - started) * 1000, result


def repeat_ms(function: Callable[[], Any], repetitions: int, warmup: int = 2) -> tuple[list[float], Any]:
    result = None
    for _ in range(warmup):
        result = function()
    samples = []
    for _ in range(repetitions):
        elapsed, result = timed_ms(function)
        samples.append(elapsed)
    return samples, result


def measurement(name: str, samples: list[float], rows: int | str) -> dict[str, Any]:
    p95 = percentile(samples, 0.95)
    return {
        "name": name,
        "rows": rows,
        "samples": len(samples),
        "p50_ms": statistics.median(samples),
        "p95_ms": p95,
        "target_ms": QUERY_TARGET_MS,
        "passed": p95 <= QUERY_TARGET_MS,
    }


def worker(label: str, out: Path) -> int:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "antq.settings")
    import django

    django.setup()

    from django.core.management import call_command
    from django.db import connection

    from antq.accounts.models import User
    from antq.accounts.services import grant_create, user_create
    from antq.core.audit import AuditContext
    from antq.core.scoping import Action
    from antq.units.loader import load_official_maps
    from antq.units.models import Unit
    from antq.units.official_maps import NEW_MAP, OLD_MAP, read_official_maps
    from antq.units.selectors import search_units

    results: dict[str, Any] = {"label": label, "database": str(connection.settings_dict["NAME"])}
    parts = bench_parts()
    scale = float(os.environ.get("ANTQ_BENCH_SCALE", "1"))

    started = time.perf_counter()
    call_command("migrate", verbosity=0, interactive=False)
    results["migrate_s"] = time.perf_counter() - started

    # `antq units load` is exactly these two calls (plus printing).
    started = time.perf_counter()
    maps = read_official_maps()
    read_s = time.perf_counter() - started
    summary = load_official_maps(maps)
    load_s = time.perf_counter() - started
    results["load"] = {
        "read_s": read_s,
        "total_s": load_s,
        "target_s": LOAD_TARGET_S,
        "passed": load_s <= LOAD_TARGET_S,
        "created": summary.created,
        "links": summary.links_created,
    }
    started = time.perf_counter()
    again = load_official_maps(read_official_maps())
    results["reload"] = {"total_s": time.perf_counter() - started, "created": again.created,
                         "updated": again.updated, "links": again.links_created}
    if connection.vendor == "postgresql":
        # What autovacuum does shortly after a bulk load; without it the planner guesses.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        results["note"] = "ANALYZE run after the load (as autovacuum would shortly after)"

    rows: list[dict[str, Any]] = []

    # (1) A province's whole subtree, as the UI and the API list it.
    paths = list(Unit.objects.values_list("path", flat=True))
    descendants: dict[str, int] = {}
    for path in paths:
        root = path.split("/", 1)[0] + "/"
        descendants[root] = descendants.get(root, 0) + 1
    provinces = list(Unit.objects.filter(kind="province", parent__isnull=True))
    by_size = sorted(provinces, key=lambda p: (descendants.get(p.path, 0), p.source, p.code))
    old_provinces = [p for p in by_size if p.source == OLD_MAP]
    picks = [("largest old-map province", old_provinces[-1])]
    new_25 = next((p for p in provinces if p.source == NEW_MAP and p.code == "25"), None)
    if new_25 is not None:
        picks.append(("new-map province", new_25))
    picks.append(("median province", by_size[len(by_size) // 2]))
    for title, province in picks:

        def subtree(province: Unit = province) -> list[tuple[Any, ...]]:
            return list(Unit.objects.filter(path__startswith=province.path).values_list(*SUBTREE_FIELDS))

        samples, listed = repeat_ms(subtree, SUBTREE_REPETITIONS)
        rows.append(measurement(f"subtree: {title} {province.code} {province.name}", samples, len(listed)))

    # (2) Search, unrestricted (administrator) and for a commune officer.
    def search_samples(queryset_for: Callable[[], Any]) -> tuple[list[float], int]:
        samples: list[float] = []
        found = 0
        for query in SEARCH_QUERIES:

            def search(query: str = query) -> list[Unit]:
                return list(search_units(queryset_for(), query)[:50])

            times, result = repeat_ms(search, SEARCH_REPETITIONS, warmup=1)
            samples.extend(times)
            found += len(result)
        return samples, found

    samples, found = search_samples(lambda: Unit.objects.all())
    rows.append(measurement(f"search ×{len(SEARCH_QUERIES)} queries, whole map (≤50 each)", samples,
                            f"{found} total"))

    ctx = AuditContext.system()
    commune = (
        Unit.objects.filter(source=NEW_MAP, kind="commune", parent=new_25 or by_size[-1]).order_by("code").first()
    )
    assert commune is not None
    officer = user_create(ctx=ctx, username="bench_commune_officer")
    grant_create(ctx=ctx, user=officer, unit=commune, role="officer")
    officer = User.objects.get(pk=officer.pk)
    officer.scope_paths(Action.VIEW)  # computed once per request in the app; query cost only below
    samples, found = search_samples(lambda: Unit.objects.restrict(officer))
    rows.append(measurement(f"search ×{len(SEARCH_QUERIES)} queries, commune officer ({commune.code} "
                            f"{commune.name})", samples, f"{found} total"))

    # (3) Scope of a province-level user: grants plus the lineage walk to old units.
    province = new_25 or by_size[-1]
    secretary = user_create(ctx=ctx, username="bench_province_secretariat")
    grant_create(ctx=ctx, user=secretary, unit=province, role="secretariat")
    secretary = User.objects.get(pk=secretary.pk)

    def scope() -> tuple[str, ...] | None:
        secretary.forget_scope()
        return secretary.scope_paths(Action.VIEW)

    samples, scope_paths = repeat_ms(scope, SCOPE_REPETITIONS)
    rows.append(measurement(f"scope_paths: province secretariat ({province.code} {province.name})", samples,
                            f"{len(scope_paths or ())} prefixes"))

    # (4) The citizens' report form under load (issue 7), on the maps just loaded.
    if "tipoffs" in parts:
        from bench.tipoffs import measure as tip_load

        commune_pk = (Unit.objects.filter(parent=province, kind="commune").order_by("code")
                      .values_list("pk", flat=True)[0])
        rows.append(tip_load(ROOT, province.pk, commune_pk))

    # (5) Indicators on the national dataset (issue 3); they generate the dataset.
    if "indicators" in parts:
        from bench.indicators import measure

        rows.extend(measure(scale, connection.vendor))
    elif "load" in parts:
        call_command("demo", "--national", "--scale", str(scale), stdout=io.StringIO())

    # (6) Staff on dashboards, the indicator API and record lists, under load (production readiness).
    if "load" in parts:
        from bench.load import measure as load_measure

        load_rows, results["load_test"] = load_measure(ROOT, connection.vendor)
        rows.extend(load_rows)

    results["rows"] = rows
    out.write_text(json.dumps(results, ensure_ascii=False, indent=2), encoding="utf-8")
    print_report(results)
    return 0


def verdict(passed: bool) -> str:
    return "PASS" if passed else "FAIL"


def print_report(results: dict[str, Any]) -> None:
    load, reload = results["load"], results["reload"]
    print(f"database: {results['database']}")
    print(f"migrate: {results['migrate_s']:.1f} s")
    print(f"units load: {load['total_s']:.1f} s (reading the source {load['read_s']:.1f} s), "
          f"{load['created']} units, {load['links']} lineage links — target ≤ {load['target_s']:.0f} s: "
          f"{verdict(load['passed'])}")
    print(f"units load again (idempotent): {reload['total_s']:.1f} s, created {reload['created']}, "
          f"updated {reload['updated']}, new links {reload['links']}")
    if results.get("note"):
        print(f"note: {results['note']}")
    width = max(len(row["name"]) for row in results["rows"])
    print()
    print(f"{'measurement':<{width}}  {'rows':>14}  {'p50 ms':>8}  {'p95 ms':>8}  {'target':>8}  result")
    for row in results["rows"]:
        if row.get("target_ms") is None:
            target = "—"
        elif row.get("higher_is_better"):
            target = "≥ " + format(row["target_ms"], ".0f")
        else:
            target = "≤ " + format(row["target_ms"], ".0f")
        print(f"{row['name']:<{width}}  {row['rows']!s:>14}  {row['p50_ms']:>8.2f}  {row['p95_ms']:>8.2f}  "
              f"{target:>8}  {verdict(row['passed'])}" + (f"  ({row['note']})" if row.get("note") else ""))
    print(f"({SUBTREE_REPETITIONS} runs per subtree, {SEARCH_REPETITIONS} per search query, "
          f"{SCOPE_REPETITIONS} scope computations, each after warm-up)", flush=True)


# ---------------------------------------------------------------- orchestration (parent)


def child_env(database_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if (not k.startswith("ANTQ_") or k.startswith("ANTQ_BENCH_")) and k != "DATABASE_URL"}
    env.update({
        "DATABASE_URL": database_url,
        "ANTQ_VAR_DIR": str(BENCH_DIR),
        "ANTQ_ENV": "embedded",
        "ANTQ_DEBUG": "false",
        "DJANGO_SETTINGS_MODULE": "antq.settings",
    })
    return env


def run_child(label: str, database_url: str) -> dict[str, Any] | None:
    out = BENCH_DIR / f"results-{label.lower()}.json"
    out.unlink(missing_ok=True)
    print(f"\n=== {label} ===", flush=True)
    code = subprocess.call([sys.executable, str(Path(__file__).resolve()), "--worker", label, "--out", str(out)],
                           env=child_env(database_url), cwd=ROOT)
    if code != 0 or not out.exists():
        print(f"{label}: the benchmark did not complete (exit {code})", flush=True)
        return None
    result: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
    return result


def bench_sqlite() -> dict[str, Any] | None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{SQLITE_FILE}{suffix}").unlink(missing_ok=True)
    return run_child("SQLite", f"sqlite:///{SQLITE_FILE}")


def postgres_admin_url() -> str:
    return os.environ.get("ANTQ_BENCH_POSTGRES_URL") or DEFAULT_POSTGRES_URL


def with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, parts.fragment))


def bench_postgres() -> tuple[dict[str, Any] | None, str | None]:
    """(results, None), or (None, why it was skipped)."""
    try:
        import psycopg
    except ImportError:
        return None, "psycopg is not installed"
    (BENCH_DIR / "results-postgresql.json").unlink(missing_ok=True)  # no stale figures from a past run
    admin_url = with_database(postgres_admin_url(), "postgres")
    try:
        admin = psycopg.connect(admin_url, autocommit=True, connect_timeout=3)
    except Exception as exc:  # any failure means "no server here"; we say why
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        return None, f"no PostgreSQL reachable at {urlsplit(admin_url).netloc}: {reason}"
    try:
        admin.execute(f'DROP DATABASE IF EXISTS "{BENCH_DATABASE}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{BENCH_DATABASE}"')
        try:
            return run_child("PostgreSQL", with_database(admin_url, BENCH_DATABASE)), None
        finally:
            admin.execute(f'DROP DATABASE IF EXISTS "{BENCH_DATABASE}" WITH (FORCE)')
    finally:
        admin.close()


def summary_line(label: str, results: dict[str, Any]) -> str:
    missed = [row["name"] for row in results["rows"] if not row["passed"]]
    if not results["load"]["passed"]:
        missed.insert(0, "units load")
    state = "all targets met" if not missed else f"targets missed: {'; '.join(missed)}"
    timed = [row["p95_ms"] for row in results["rows"]
             if row.get("target_ms") and not row.get("higher_is_better") and row.get("kind") != "load"]
    line = f"{label}: load {results['load']['total_s']:.1f} s, worst query p95 {max(timed):.1f} ms"
    http = results.get("load_test", {}).get("overall")
    if http:
        line += (f", under load ({results['load_test']['users']} users) p95 {http['p95_ms']:.0f} ms, "
                 f"p99 {http['p99_ms']:.0f} ms, {http['errors']} errors")
    return f"{line} — {state}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        return worker(args.worker, args.out)

    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    print(f"antq benchmark — targets: units load ≤ {LOAD_TARGET_S:.0f} s (SQLite), "
          f"p95 ≤ {QUERY_TARGET_MS:.0f} ms per query; parts: {', '.join(bench_parts())}")
    summary: list[str] = []
    failed = False
    only = os.environ.get("ANTQ_BENCH_ONLY", "").lower()
    sqlite = bench_sqlite() if only != "postgresql" else None
    if only == "postgresql":
        summary.append("SQLite: not measured (ANTQ_BENCH_ONLY=postgresql)")
    elif sqlite is None:
        failed = True
        summary.append("SQLite: did not complete")
    else:
        summary.append(summary_line("SQLite", sqlite))
    postgres, skipped = bench_postgres() if only != "sqlite" else (None, "ANTQ_BENCH_ONLY=sqlite")
    if skipped:
        print(f"\n=== PostgreSQL ===\nSKIPPED: {skipped}")
        summary.append(f"PostgreSQL: skipped ({skipped})")
    elif postgres is None:
        failed = True
        summary.append("PostgreSQL: did not complete")
    else:
        summary.append(summary_line("PostgreSQL", postgres))
    print("\n=== summary ===")
    print("\n".join(summary))
    # Missed targets are reported above, not turned into a failing exit status.
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
