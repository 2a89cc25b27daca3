"""Production readiness, item 6: a bounded load test on loopback. 32 members of staff (a
province secretariat, old-district and commune officers) use the dashboards, the indicator
API and the record lists for 60 s (`ANTQ_BENCH_LOAD_SECONDS` to shorten), each pausing about
2 s between requests (`ANTQ_BENCH_LOAD_THINK_S`, ±50 %),
against gunicorn with deploy/gunicorn.conf.py on the bench database and the national
dataset. Target: p95 ≤ 150 ms over all requests, no errors (any answer but 200 — a redirect
to the login page included — or a failed connection). ANTQ_BENCH_LOAD_THINK_S puts a pause
between one user's requests: 2 s by default — a person reads a dashboard for longer than
that, so this is already several times a real office's pace; 0 keeps 32 requests in flight
at all times, a saturation test whose throughput is the capacity of the machine.

Runs inside the bench worker (Django set up, dataset loaded); the client is locust, in its
own process (bench/locustfile.py) because gevent patches the standard library. Both share
the machine's cores with gunicorn and PostgreSQL: the CPU each used is reported.
"""

from __future__ import annotations

import datetime
import json
import os
import secrets
import statistics
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from bench.run import percentile
from bench.tipoffs import _free_port, _wait

SECONDS = int(os.environ.get("ANTQ_BENCH_LOAD_SECONDS", "60"))
# Pause between one user's requests; 0 keeps 32 requests in flight at all times (saturation).
THINK_S = float(os.environ.get("ANTQ_BENCH_LOAD_THINK_S", "2"))
WARMUP_S = min(10, max(2, SECONDS // 6))  # every worker past its first requests (URLconf, templates)
TARGET_P95_MS = 150.0
USERS = {"province": 8, "district": 8, "commune": 16}  # simulated staff per level: 32
ROLES = {"province": "secretariat", "district": "officer", "commune": "officer"}
# How often each kind of request comes (weights, per user).
ROUTES = {"dashboard": 30, "indicators API": 25, "record list page": 20, "records API": 20, "children CSV": 5}
CHILDREN = 5  # child units each level drills into


def _month(day: datetime.date) -> str:
    """The MPS month (YYYY-MM) that contains `day`."""
    from antq.core.periods import period_containing, period_from_spec

    year = period_containing(day, "mps").spec
    return next(spec for spec in (f"{year}-{m:02d}" for m in range(1, 13)) if period_from_spec(spec).contains(day))


def _last_old_map_year() -> Any:
    """The last MPS year wholly before the 2025 reform: old districts still existed."""
    from antq.core.periods import period_containing
    from antq.units.official_maps import OLD_MAP_VALID_TO, REFORM_DATE

    year = period_containing(OLD_MAP_VALID_TO, "mps")
    while year.end >= REFORM_DATE:
        year = year.previous_year()
    return year


def _busiest(units: Any, period: Any, by: str = "unit") -> Any:
    """Of `units`, the one with the most criminal cases in `period` (by the case's unit or its parent)."""
    from django.db.models import Count

    from antq.records.models import CriminalCase
    from antq.units.models import Unit

    field = {"unit": "unit_id", "parent": "unit__parent_id", "province": "province_id"}[by]
    counts = (CriminalCase.objects.filter(occurred_on__range=(period.start, period.end), **{f"{field}__in": units})
              .values(field).annotate(n=Count("id")).order_by("-n", field))
    best = counts.first()
    return Unit.objects.get(pk=best[field]) if best else units.order_by("code").first()


def _accounts(level: str, unit: Any, password: str) -> list[dict[str, Any]]:
    from antq.accounts.services import token_create, user_create_with_grant
    from antq.core.audit import AuditContext

    ctx = AuditContext.system()
    accounts = []
    for number in range(1, USERS[level] + 1):
        username = f"load.{level}.{number:02d}"
        user = user_create_with_grant(ctx=ctx, username=username, password=password, full_name=f"Load test {level}",
                                      unit=unit, role=ROLES[level])
        _token, raw = token_create(ctx=ctx, user=user, name="load test")
        accounts.append({"level": level, "username": username, "password": password, "token": raw})
    return accounts


def _routes(unit: Any, children: list[Any], periods: list[str]) -> dict[str, dict[str, Any]]:
    """The requests of one level: its own unit and a few children, in a few periods."""
    from django.urls import reverse

    year = periods[0]
    previous = f"{int(year) - 1}"
    dashboard, csv = reverse("dashboard"), reverse("dashboard_export", args=["csv"])
    cases, accidents = reverse("record_list", args=["cases"]), reverse("record_list", args=["accidents"])
    indicators, api_cases, api_accidents = "/api/v1/indicators", "/api/v1/cases", "/api/v1/accidents"

    def q(base: str, **params: Any) -> str:
        return f"{base}?{urlencode(params)}"

    units = [unit, *children]
    paths: dict[str, list[str]] = {
        "dashboard": [dashboard, *(q(dashboard, unit=u.pk, period=p) for u in units for p in periods),
                      q(dashboard, unit=unit.pk, period=year, indicator="accidents")],
        "indicators API": [*(q(indicators, unit=u.code, period=p) for u in units for p in periods),
                           q(indicators, unit=unit.code, period=previous),
                           q(indicators, unit=unit.code, period=year, indicator="criminal_cases")],
        "record list page": [cases, q(cases, page=3), q(cases, unit=unit.pk, q="Q0001"),
                             *(q(cases, unit=u.pk, period=year, indicator="criminal_cases") for u in units),
                             q(cases, unit=unit.pk, period=year, indicator="criminal_cases_cleared", page=2),
                             q(accidents, unit=unit.pk, period=year, indicator="accidents")],
        "records API": [q(api_cases, limit=50), q(api_cases, unit=unit.code, limit=50),
                        q(api_cases, unit=unit.code, limit=50, offset=100),
                        q(api_cases, unit=unit.code, group="ttxh", cleared="false", limit=50),
                        q(api_cases, unit=unit.code, severity="nghiem_trong", occurred_from=f"{int(year) - 1}-12-15",
                          occurred_to=f"{year}-06-14", limit=100),
                        *(q(api_cases, unit=u.code, limit=50) for u in children),
                        q(api_accidents, unit=unit.code, limit=50)],
        "children CSV": [q(csv, unit=unit.pk, period=p) for p in periods],
    }
    auth = {"indicators API": "token", "records API": "token"}
    return {name: {"weight": weight, "auth": auth.get(name, "session"), "paths": paths[name]}
            for name, weight in ROUTES.items()}


def make_plan(host: str, server_pid: int) -> dict[str, Any]:
    """Pick the units (the busiest province on today's map, an old district and a commune in
    its area), create the accounts, and list what each level asks for."""
    from django.db import connection
    from django.utils import timezone

    from antq.core.periods import period_containing
    from antq.units.models import Unit

    today = timezone.localdate()
    year, old_year = period_containing(today, "mps"), _last_old_map_year()
    month = _month(today)
    quarter = f"{year.spec}-Q{(int(month[5:]) + 2) // 3}"
    current = Unit.objects.filter(valid_to__isnull=True)
    province = _busiest(current.filter(kind="province"), year, by="province")
    communes = current.filter(kind="commune", parent=province)
    commune = _busiest(communes, year)
    password = "Load-" + secrets.token_urlsafe(12)
    accounts = _accounts("province", province, password)
    # An old district the province's secretariat sees through the lineage (any, if none).
    districts = Unit.objects.restrict(_user(accounts[0]["username"])).filter(kind="district")
    district = _busiest(districts if districts.exists() else Unit.objects.filter(kind="district"), old_year,
                        by="parent")
    district_communes = Unit.objects.filter(parent=district, kind="commune")
    accounts += _accounts("district", district, password) + _accounts("commune", commune, password)
    old_month = f"{old_year.spec}-06"
    levels = {
        "province": _routes(province, _sample(communes), [year.spec, quarter, f"{month}-CUM"]),
        "district": _routes(district, _sample(district_communes), [old_year.spec, f"{old_year.spec}-Q2",
                                                                   f"{old_month}-CUM"]),
        "commune": _routes(commune, [], [year.spec, quarter, month]),
    }
    # Interleaved, so that the users started first are of every level.
    order = sorted(accounts, key=lambda a: (int(a["username"].rsplit(".", 1)[1]), a["level"]))
    database = str(connection.settings_dict["NAME"]) if connection.vendor == "postgresql" else ""
    return {"host": host, "server_pid": server_pid, "postgres_database": database, "seconds": SECONDS,
            "warmup_s": WARMUP_S, "think_s": THINK_S, "accounts": order, "levels": levels,
            "units": {"province": str(province), "district": str(district), "commune": str(commune)}}


def _user(username: str) -> Any:
    from antq.accounts.models import User

    return User.objects.get(username=username)


def _sample(units: Any) -> list[Any]:
    """A few children spread over the list, not only the first ones."""
    listed = list(units.order_by("code"))
    step = max(1, len(listed) // CHILDREN)
    return listed[::step][:CHILDREN]


# ---------------------------------------------------------------- server and client


def _server_env(port: int) -> dict[str, str]:
    """The production profile over plain HTTP on loopback: no TLS redirect, no secure cookies."""
    return {**os.environ, "ANTQ_ENV": "production", "ANTQ_SECRET_KEY": secrets.token_urlsafe(50),
            "ANTQ_ALLOWED_HOSTS": "127.0.0.1", "ANTQ_SSL_REDIRECT": "0", "ANTQ_SECURE_COOKIES": "0",
            "ANTQ_HSTS_SECONDS": "0", "ANTQ_DB_CONN_MAX_AGE": "60", "ANTQ_ACCESS_LOG": "0",
            "ANTQ_BIND": f"127.0.0.1:{port}"}


def _workers() -> str:
    """Workers × threads as deploy/gunicorn.conf.py computes them here."""
    import multiprocessing

    workers = os.environ.get("ANTQ_WORKERS") or str(multiprocessing.cpu_count() * 2 + 1)
    return f"{workers} workers × {os.environ.get('ANTQ_THREADS') or '4'} threads"


def measure(root: Path, vendor: str) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Rows for the bench table, and the details for the JSON results."""
    from django.conf import settings

    var = Path(settings.VAR_DIR)
    subprocess.run([sys.executable, "-m", "antq", "collectstatic", "--no-input", "-v0"], cwd=root, check=True)
    port = _free_port()
    host = f"http://127.0.0.1:{port}"
    log = var / f"load-gunicorn-{vendor}.log"
    plan_path, out_path = var / f"load-plan-{vendor}.json", var / f"load-result-{vendor}.json"
    out_path.unlink(missing_ok=True)
    client_env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    with log.open("w", encoding="utf-8") as log_file:
        server = subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", "deploy/gunicorn.conf.py"], cwd=root,
                                  env=_server_env(port), stdout=log_file, stderr=subprocess.STDOUT)
        try:
            _wait(f"{host}/login/")
            plan = make_plan(host, server.pid)
            plan_path.write_text(json.dumps(plan, ensure_ascii=False, indent=1), encoding="utf-8")
            try:
                code = subprocess.run([sys.executable, str(root / "bench" / "locustfile.py"), str(plan_path),
                                       str(out_path)], cwd=root, env=client_env,
                                      timeout=SECONDS + WARMUP_S + 300).returncode
            except subprocess.TimeoutExpired:
                code = -1
        finally:
            server.terminate()
            server.wait(timeout=60)
            plan_path.unlink(missing_ok=True)  # it holds the accounts' passwords and tokens
    if code != 0 or not out_path.exists():
        why = f"the locust client failed (exit {code}; server log {log})"
        row = {"name": f"load {sum(USERS.values())} users", "rows": "—", "samples": 0, "p50_ms": 0.0, "p95_ms": 0.0,
               "target_ms": TARGET_P95_MS, "kind": "load", "passed": False, "note": why}
        return [row], {"error": why}
    details = summarise(json.loads(out_path.read_text(encoding="utf-8")), plan)
    details["server"] = _workers()
    details["server_log"] = str(log)
    print_details(details)
    return rows(details), details


# ---------------------------------------------------------------- figures


def _figures(samples: list[list[Any]], window_s: float) -> dict[str, Any]:
    times = [s[2] for s in samples]
    errors = sum(1 for s in samples if not s[3])
    if not times:
        return {"requests": 0, "errors": 0, "p50_ms": 0.0, "p95_ms": 0.0, "p99_ms": 0.0, "max_ms": 0.0, "per_s": 0.0}
    return {"requests": len(times), "errors": errors, "p50_ms": statistics.median(times),
            "p95_ms": percentile(times, 0.95), "p99_ms": percentile(times, 0.99), "max_ms": max(times),
            "per_s": len(times) / window_s}


def summarise(result: dict[str, Any], plan: dict[str, Any]) -> dict[str, Any]:
    samples, window = result["samples"], result["window_s"]
    cores = result["cores"]
    cpu = result["cpu_s"]
    cpu["other"] = max(0.0, cpu["busy"] - cpu["client"] - cpu["server"] - cpu["postgres"])
    share = {k: v / (window * cores) for k, v in cpu.items()}
    # CPU spent per request does not depend on what else runs on the machine: the capacity is cores / it.
    per_request = {k: 1000 * cpu[k] / len(samples) if samples else 0.0 for k in ("server", "postgres")}
    logins = result["logins"]
    routes = {name: _figures([s for s in samples if s[0] == name], window) for name in ROUTES}
    by_level = {f"{name} [{level}]": _figures([s for s in samples if s[0] == name and s[1] == level], window)
                for name in ROUTES for level in USERS}
    return {"users": sum(USERS.values()), "levels": USERS, "seconds": SECONDS, "warmup_s": WARMUP_S,
            "think_s": THINK_S, "window_s": window, "units": plan["units"], "overall": _figures(samples, window),
            "routes": routes, "routes_by_level": by_level, "errors": result["errors"],
            "logins": {"count": len(logins), "failed": sum(1 for _ms, ok in logins if not ok),
                       "p50_ms": statistics.median(ms for ms, _ok in logins) if logins else 0.0},
            "cpu_share": share, "cpu_ms_per_request": per_request, "cores": cores}


def rows(details: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per route and one for all requests, as the other bench rows."""
    def row(name: str, figures: dict[str, Any], note: str) -> dict[str, Any]:
        return {"name": name, "rows": f"{figures['requests']} req", "samples": figures["requests"],
                "p50_ms": figures["p50_ms"], "p95_ms": figures["p95_ms"], "p99_ms": figures["p99_ms"],
                "target_ms": TARGET_P95_MS, "kind": "load",
                "passed": figures["requests"] > 0 and figures["errors"] == 0 and figures["p95_ms"] <= TARGET_P95_MS,
                "note": note}

    users, overall, cpu = details["users"], details["overall"], details["cpu_share"]
    out = [row(f"load {users} users: {name}", figures, f"p99 {figures['p99_ms']:.0f} ms, {figures['errors']} errors")
           for name, figures in details["routes"].items()]
    out.append(row(f"load {users} users, {details['window_s']:.0f} s: all requests", overall,
                   f"p99 {overall['p99_ms']:.0f} ms, {overall['errors']} errors, {overall['per_s']:.0f} req/s; "
                   f"CPU: client {cpu['client']:.0%}, gunicorn {cpu['server']:.0%}, postgres {cpu['postgres']:.0%}, "
                   f"other {cpu['other']:.0%} of {details['cores']} cores"))
    return out


def print_details(details: dict[str, Any]) -> None:
    overall, cpu, logins = details["overall"], details["cpu_share"], details["logins"]
    print(f"\nload test: {details['users']} users ({', '.join(f'{n} {lv}' for lv, n in details['levels'].items())}), "
          f"think time {details['think_s']:g} s, {details['window_s']:.0f} s after {details['warmup_s']} s warm-up; "
          f"gunicorn {details['server']}")
    print("units: " + "; ".join(f"{level} {unit}" for level, unit in details["units"].items()))
    print(f"logins: {logins['count']} ({logins['failed']} failed), p50 {logins['p50_ms']:.0f} ms (not counted below)")
    width = max(len(name) for name in details["routes_by_level"])
    print(f"{'route':<{width}}  {'requests':>8}  {'errors':>6}  {'p50 ms':>7}  {'p95 ms':>7}  {'p99 ms':>7}  "
          f"{'max ms':>7}  {'req/s':>6}")
    table = {**details["routes_by_level"], **details["routes"], "all requests": overall}
    for name, f in table.items():
        if f["requests"]:
            print(f"{name:<{width}}  {f['requests']:>8}  {f['errors']:>6}  {f['p50_ms']:>7.1f}  {f['p95_ms']:>7.1f}  "
                  f"{f['p99_ms']:>7.1f}  {f['max_ms']:>7.1f}  {f['per_s']:>6.1f}")
    per = details["cpu_ms_per_request"]
    print(f"CPU over the window (share of {details['cores']} cores): locust client {cpu['client']:.0%}, "
          f"gunicorn {cpu['server']:.0%}, postgres {cpu['postgres']:.0%}, other processes {cpu['other']:.0%}, "
          f"whole machine {cpu['busy']:.0%}; per request: gunicorn {per['server']:.1f} ms, "
          f"postgres {per['postgres']:.1f} ms")
    for message, count in Counter(details["errors"]).most_common(5):
        print(f"error ×{count}: {message}")
    verdict = overall["errors"] == 0 and overall["p95_ms"] <= TARGET_P95_MS
    print(f"target p95 ≤ {TARGET_P95_MS:.0f} ms, 0 errors: {'met' if verdict else 'missed'}", flush=True)
