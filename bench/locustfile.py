"""The load test's client: simulated staff who log in once, then use the dashboards, the
indicator API and the record lists without pause. It imports no Django code: locust
monkey-patches the standard library for gevent, so it runs in its own process.

`bench/load.py` writes the plan (accounts, tokens, weighted routes per level) and runs
`python bench/locustfile.py PLAN OUT`; the measurement window opens once every user has
logged in and a short warm-up has passed, and OUT gets every request of the window with
the CPU time the client, gunicorn and the database's backends spent in it. It is also an
ordinary locustfile (`ANTQ_LOAD_PLAN=plan.json locust -f bench/locustfile.py ...`).
"""

from __future__ import annotations

import json
import os
import random
import re
import resource
import sys
import time
from typing import Any

import gevent  # type: ignore[import-untyped]
import psutil  # type: ignore[import-untyped]
from locust import FastHttpUser, task
from locust.contrib.fasthttp import FastHttpSession
from locust.env import Environment

CSRF_FIELD = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
LOGIN_TIMEOUT_S = 120


class Window:
    """What one run measures; module state because locust creates the users itself."""

    plan: dict[str, Any] | None = None
    accounts: list[dict[str, Any]] = []
    logins: list[tuple[float, bool]] = []
    samples: list[tuple[str, str, float, bool]] = []
    errors: dict[str, int] = {}
    open = False


def _plan() -> dict[str, Any]:
    if Window.plan is None:
        with open(os.environ["ANTQ_LOAD_PLAN"], encoding="utf-8") as handle:
            Window.plan = json.load(handle)
        Window.accounts = list(reversed(Window.plan["accounts"]))
    return Window.plan


class StaffUser(FastHttpUser):
    """One member of staff: a browser session for the pages, a bearer token for the API."""

    network_timeout = connection_timeout = 30.0

    level = ""

    def wait_time(self) -> float:
        """The plan's think time, ±50% so that the users drift apart; 0 is a stress test."""
        think = float(_plan().get("think_s", 0))
        return think * random.uniform(0.5, 1.5) if think else 0.0

    def context(self) -> dict[str, Any]:
        return {"level": self.level}

    def on_start(self) -> None:
        plan = _plan()
        account = Window.accounts.pop()
        self.level = account["level"]
        routes = plan["levels"][self.level]
        self.names = list(routes)
        self.weights = [routes[name]["weight"] for name in self.names]
        self.routes = routes
        # A separate client for the API: a script holding a token has no session cookie.
        self.api = FastHttpSession(base_url=self.host, request_event=self.environment.events.request, user=self,
                                   network_timeout=self.network_timeout, connection_timeout=self.connection_timeout)
        self.api_headers = {"Authorization": f"Bearer {account['token']}"}
        started = time.perf_counter()
        ok = self._log_in(account["username"], account["password"])
        Window.logins.append(((time.perf_counter() - started) * 1000, ok))

    def _log_in(self, username: str, password: str) -> bool:
        page = self.client.get("/login/", name="login form")
        match = CSRF_FIELD.search(page.text or "")
        if page.status_code != 200 or not match:
            return _failed(f"login form: HTTP {page.status_code}")
        form = {"csrfmiddlewaretoken": match.group(1), "username": username, "password": password, "next": ""}
        with self.client.post("/login/", data=form, name="login", allow_redirects=False, catch_response=True) as answer:
            # Success is a redirect away from the form; the form again means refused.
            if answer.status_code != 302:
                answer.failure(f"HTTP {answer.status_code}")
                return _failed(f"login: HTTP {answer.status_code}")
        return True

    @task
    def visit(self) -> None:
        name = random.choices(self.names, self.weights)[0]
        route = self.routes[name]
        path = random.choice(route["paths"])
        client, headers = (self.api, self.api_headers) if route["auth"] == "token" else (self.client, None)
        # Redirects are not followed: a 302 to the login page is an error, not a slow success.
        with client.get(path, name=name, headers=headers, allow_redirects=False, catch_response=True) as answer:
            if answer.status_code != 200:
                answer.failure(f"HTTP {answer.status_code} {path}")


def _failed(why: str) -> bool:
    Window.errors[why] = Window.errors.get(why, 0) + 1
    return False


def _on_request(request_type: str, name: str, response_time: float, response_length: int, response: Any,
                context: dict[str, Any], exception: BaseException | None, **_: Any) -> None:
    if not Window.open or name in ("login form", "login"):
        return
    Window.samples.append((name, context.get("level", ""), response_time, exception is None))
    if exception is not None:
        key = f"{name}: {exception}"[:200]
        Window.errors[key] = Window.errors.get(key, 0) + 1


def _cpu_by_pid(processes: list[psutil.Process]) -> dict[int, float]:
    seconds = {}
    for process in processes:
        try:
            times = process.cpu_times()
        except psutil.Error:  # gone meanwhile (a worker recycled by max_requests)
            continue
        seconds[process.pid] = times.user + times.system
    return seconds


def _backends(database: str) -> list[psutil.Process]:
    """PostgreSQL's processes serving `database` (their title names it), not other databases'."""
    if not database:
        return []
    found = []
    for process in psutil.process_iter(["name", "cmdline"]):
        title = " ".join(process.info["cmdline"] or ())
        if (process.info["name"] or "").startswith("postgres") and f" {database} " in f" {title} ":
            found.append(process)
    return found


def _cpu_snapshot(server_pid: int, database: str) -> dict[str, Any]:
    try:
        root = psutil.Process(server_pid)
        server = [root, *root.children(recursive=True)]
    except psutil.Error:
        server = []
    postgres = _backends(database)
    usage = resource.getrusage(resource.RUSAGE_SELF)
    machine = psutil.cpu_times()
    return {"client": usage.ru_utime + usage.ru_stime, "server": _cpu_by_pid(server),
            "postgres": _cpu_by_pid(postgres),
            "busy": sum(machine) - machine.idle - getattr(machine, "iowait", 0.0), "wall": time.perf_counter()}


def _cpu_used(before: dict[str, Any], after: dict[str, Any]) -> dict[str, float]:
    """CPU seconds spent in the window; a process started in it counts from zero."""
    used = {key: after[key] - before[key] for key in ("client", "busy")}
    for key in ("server", "postgres"):
        used[key] = sum(seconds - before[key].get(pid, 0.0) for pid, seconds in after[key].items())
    return used


def run(plan_path: str, out_path: str) -> int:
    os.environ["ANTQ_LOAD_PLAN"] = plan_path
    plan = _plan()
    StaffUser.host = plan["host"]
    users, warmup, seconds = len(plan["accounts"]), plan["warmup_s"], plan["seconds"]
    environment = Environment(user_classes=[StaffUser], host=plan["host"])
    environment.events.request.add_listener(_on_request)
    runner = environment.create_local_runner()
    result: dict[str, Any] = {}

    def control() -> None:
        deadline = time.monotonic() + LOGIN_TIMEOUT_S
        while len(Window.logins) < users and time.monotonic() < deadline:
            gevent.sleep(0.1)
        gevent.sleep(warmup)
        before = _cpu_snapshot(plan["server_pid"], plan["postgres_database"])
        Window.open = True
        gevent.sleep(seconds)
        Window.open = False
        after = _cpu_snapshot(plan["server_pid"], plan["postgres_database"])
        result["window_s"] = after["wall"] - before["wall"]
        result["cpu_s"] = _cpu_used(before, after)
        runner.quit()

    runner.start(users, spawn_rate=users)
    gevent.spawn(control)
    runner.greenlet.join()
    result.update({"cores": psutil.cpu_count(), "logins": Window.logins, "samples": Window.samples,
                   "errors": Window.errors})
    with open(out_path, "w", encoding="utf-8") as handle:
        json.dump(result, handle)
    return 0


if __name__ == "__main__":
    sys.exit(run(sys.argv[1], sys.argv[2]))
