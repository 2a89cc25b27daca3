"""Fuzzing the JSON API from its own OpenAPI schema with schemathesis, as a scoped user.

What a pass guarantees, for a bounded, reproducible run (a few hundred requests, fixed
seed, the same on SQLite and PostgreSQL):

* no request — valid or deliberately invalid, on any route, reads and writes alike — gets a
  5xx answer;
* every answer is documented: its status code is in the route's `responses`, its content
  type is the declared one and its body validates against the declared schema;
* no answer shows an object outside the caller's scope: every unit it names lies in the
  caller's subtree and no case or accident of another commune or province appears in it.

The caller is alice (officer of commune A) on every operation, and victor (viewer of the
province) on the read operations. Commune A, commune B (bob's) and province 01 (oscar's)
hold the same kinds of records. Schemathesis generates valid requests (whose values are
mostly replaced by real codes and ids from all three scopes, so that requests reach real
objects and a leak would show, and now and then by hostile values: NUL, huge integers, long
text) and invalid ones (wrong types, missing fields, broken JSON). Each request runs in a
savepoint rolled back after its checks: every request sees the same world, nothing persists.

It is a sample, not a proof: a bug needing a rarer input can pass; ANTQ_FUZZ_SCALE=10 runs
ten times as many requests. Run with `-s` for the summary line, also written to
var/test-results/fuzz.txt (which `make test` prints); failures with their curl command and
server traceback, and the routes that never answered 2xx, are in fuzz-details.txt beside it.
"""

from __future__ import annotations

import collections
import json
import os
import time
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from django.core import signals
from django.db import close_old_connections, transaction
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis import Case, Response
from schemathesis.checks import not_a_server_error
from schemathesis.config import SchemathesisConfig
from schemathesis.core.errors import InvalidSchema
from schemathesis.core.failures import FailureGroup
from schemathesis.core.result import Err, Ok
from schemathesis.generation import GenerationMode
from schemathesis.schemas import APIOperation
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from antq.accounts.services import token_create
from antq.core.audit import AuditContext
from antq.wsgi import application
from tests.fixtures import World
from tests.fuzz_scope import HOSTILE_INT, HOSTILE_TEXT, Scope, Seeds, populate

SCHEMA_URL = "/api/v1/openapi.json"
# Examples per operation and generation mode: about 530 requests in all (51 operations), well
# under a minute per database. ANTQ_FUZZ_SCALE=10 runs ten times as many, for a deeper search.
SCALE = int(os.environ.get("ANTQ_FUZZ_SCALE", "1"))
BUDGET = {("alice", GenerationMode.POSITIVE): 6 * SCALE, ("alice", GenerationMode.NEGATIVE): 3 * SCALE,
          ("victor", GenerationMode.POSITIVE): 3 * SCALE}
READ_ONLY = {"victor"}  # personas that only read: GET operations only
# The bearer token is the only credential sent: no generated session cookie beside it.
CONFIG = SchemathesisConfig.from_dict({"generation": {"with-security-parameters": False}})
SCHEMA_CHECKS = [status_code_conformance, content_type_conformance, response_schema_conformance]
RESULTS = Path(__file__).resolve().parent.parent / "var" / "test-results" / "fuzz.txt"  # the summary line
DETAILS = RESULTS.with_name("fuzz-details.txt")  # failures with curl and traceback, routes never answered 2xx
# In a path, an empty value or a slash makes another URL (outside the operation), not another value.
PATH_HOSTILE_TEXT = [text for text in HOSTILE_TEXT if text and "/" not in text]
SHOWN = 3  # examples of each distinct failure kept for the report


@dataclass
class Tally:
    """What the run saw: counts for the summary line and the first examples of each failure."""

    cases: int = 0
    statuses: collections.Counter[int] = field(default_factory=collections.Counter)
    server_errors: int = 0
    schema_mismatches: int = 0
    out_of_scope: int = 0
    examples: dict[tuple[str, str], list[str]] = field(default_factory=dict)
    answered: set[str] = field(default_factory=set)  # operations that answered 2xx at least once
    not_negatable: list[str] = field(default_factory=list)  # operations without any invalid input

    def fail(self, label: str, kind: str, detail: str) -> None:
        shown = self.examples.setdefault((label, kind), [])
        if len(shown) < SHOWN:
            shown.append(detail)

    def report(self) -> str:
        return "\n\n".join(f"{label} — {kind}:\n" + "\n---\n".join(details)
                           for (label, kind), details in sorted(self.examples.items()))


@contextmanager
def in_process_requests() -> Iterator[list[str]]:
    """Let WSGI requests run inside the test's transaction, and collect server-side tracebacks.

    Django closes the connection at the start and end of each request; its own test client
    unhooks that, and so must a WSGI client driving `application` directly, or the test's
    transaction would be closed under it.
    """
    tracebacks: list[str] = []

    def on_exception(sender: Any, request: Any = None, **kwargs: Any) -> None:
        tracebacks.append(traceback.format_exc())

    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    signals.got_request_exception.connect(on_exception)
    try:
        yield tracebacks
    finally:
        signals.got_request_exception.disconnect(on_exception)
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


def seeded(case: Case, seeds: Seeds, draw: Callable[[st.SearchStrategy[Any]], Any]) -> None:
    """Replace generated values by real ones (codes and ids of every scope, useful days) most of
    the time, by a hostile one now and then, and leave the rest as generated."""
    containers: list[tuple[dict[str, Any], list[str]]] = [(case.path_parameters or {}, PATH_HOSTILE_TEXT),
                                                           (case.query or {}, HOSTILE_TEXT)]
    if isinstance(case.body, dict):
        containers.append((case.body, HOSTILE_TEXT))
    for container, hostile_text in containers:
        for name in list(container):
            values, generated = seeds.values.get(name), container[name]
            hostile = (hostile_text if isinstance(generated, str)
                       else HOSTILE_INT if isinstance(generated, int) and not isinstance(generated, bool) else None)
            roll = draw(st.integers(0, 7))  # Hypothesis starts from 0: real values first
            if values and roll < 5:
                if isinstance(generated, list):
                    container[name] = draw(st.lists(st.sampled_from(values), min_size=1, max_size=3, unique=True))
                else:
                    container[name] = draw(st.sampled_from(values))
            elif hostile and roll == 7:
                container[name] = draw(st.sampled_from(hostile))


def curl(case: Case) -> str:
    return str(case.as_curl_command(headers={"Authorization": "Bearer antq_..."}))


def check(case: Case, response: Response, scope: Scope, tally: Tally, tracebacks: list[str]) -> None:
    label = f"{case.method} {case.path}"
    tally.cases += 1
    tally.statuses[response.status_code] += 1
    if response.status_code < 300:
        tally.answered.add(label)
    try:
        case.validate_response(response, checks=[not_a_server_error])
    except FailureGroup as group:
        tally.server_errors += 1
        tally.fail(label, "server error", f"{group.exceptions[0].title}\n{curl(case)}\n"
                                          + "".join(tracebacks[-1:]))
        return  # undocumented and not JSON, of course: counted once, as a server error
    for schema_check in SCHEMA_CHECKS:
        try:
            case.validate_response(response, checks=[schema_check])
        except FailureGroup as group:
            tally.schema_mismatches += 1
            failure = group.exceptions[0]
            tally.fail(label, schema_check.__name__, f"{failure.title}: {failure.message}\n"
                                                     f"{curl(case)}\n{response.text[:500]}")
    content_type = response.headers.get("content-type", [""])[0]
    leaks = scope.violations(content_type, response.content)
    if leaks:
        tally.out_of_scope += 1
        tally.fail(label, f"out of scope for {scope.persona}", "; ".join(sorted(set(leaks)))
                   + f"\n{curl(case)}")


def fuzz(operation: APIOperation, mode: GenerationMode, examples: int, token: str, scope: Scope, seeds: Seeds,
         tally: Tally, tracebacks: list[str]) -> None:
    """`examples` generated requests to one operation, each in a savepoint rolled back afterwards."""

    @settings(max_examples=examples, derandomize=True, database=None, deadline=None, phases=[Phase.generate],
              suppress_health_check=list(HealthCheck), print_blob=False)
    @given(data=st.data())
    def one(data: st.DataObject) -> None:
        case = data.draw(operation.as_strategy(generation_mode=mode))
        if mode is GenerationMode.POSITIVE:
            seeded(case, seeds, data.draw)
        with transaction.atomic():
            response = case.call(headers={"Authorization": f"Bearer {token}"})
            check(case, response, scope, tally, tracebacks)
            transaction.set_rollback(True)

    try:
        one()
    except Unsatisfiable:
        # Nothing to break: every parameter is a free string (GET /movement/reports/{unit_code}/{spec}).
        assert mode is GenerationMode.NEGATIVE, f"{operation.method} {operation.path}: no {mode.value} case"
        tally.not_negatable.append(f"{operation.method.upper()} {operation.path}")


def operation_of(result: Ok[APIOperation] | Err[InvalidSchema]) -> APIOperation:
    if isinstance(result, Err):
        raise result.err()  # an operation schemathesis cannot read is a failure, not a silent skip
    return result.ok()


@pytest.mark.django_db
def test_api_fuzzing(world: World) -> None:
    seeds = populate(world)
    tally = Tally()
    started = time.monotonic()
    with in_process_requests() as tracebacks:
        schema = schemathesis.openapi.from_wsgi(SCHEMA_URL, application, config=CONFIG)
        operations = [operation_of(result) for result in schema.get_all_operations()]
        for (persona, mode), examples in BUDGET.items():
            _, token = token_create(ctx=AuditContext.system(), user=world.users[persona], name="fuzz")
            scope = Scope(world, persona, seeds)
            for operation in operations:
                if persona in READ_ONLY and operation.method.upper() != "GET":
                    continue
                fuzz(operation, mode, examples, token, scope, seeds, tally, tracebacks)
    statuses = ", ".join(f"{code}×{count}" for code, count in sorted(tally.statuses.items()))
    summary = (f"API fuzzing: {len(operations)} operations, {tally.cases} cases, {tally.server_errors} server errors, "
               f"{tally.schema_mismatches} schema mismatches, {tally.out_of_scope} out-of-scope objects "
               f"(as alice, and victor on reads; {time.monotonic() - started:.0f} s; statuses {statuses})")
    unanswered = sorted({f"{op.method.upper()} {op.path}" for op in operations} - tally.answered)
    print(f"\n{summary}")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(summary + "\n", encoding="utf-8")  # `make test` prints it
    DETAILS.write_text(f"{summary}\n\nNever answered 2xx: {', '.join(unanswered) or 'none'}\n"
                       f"No invalid input to generate: {', '.join(tally.not_negatable) or 'none'}\n\n"
                       f"{tally.report()}\n", encoding="utf-8")
    assert not tally.examples, f"{summary}\n\n{tally.report()}"
    # Not a vacuous pass: the token worked, and the seeded requests reached real objects.
    assert tally.statuses[401] == 0, summary
    assert len(tally.answered) >= len(operations) // 2, f"{summary}\nnever 2xx: {unanswered}"


@pytest.mark.django_db
def test_scope_oracle_sees_a_leak(world: World) -> None:
    """The out-of-scope check is not vacuous: it flags commune B's unit and records for alice."""
    seeds = populate(world)
    alice = Scope(world, "alice", seeds)
    case_of = {owner: pk for pk, owner in seeds.objects["case"].owner.items()}
    own = {"items": [{"id": case_of["commune_a"], "case_no": "HS-A-0001", "unit": {"code": "04795", "name": "x"}},
                     {"unit_code": "04795", "issuer_code": "25"}]}  # the province issues her commune's awards
    assert alice.violations("application/json", json.dumps(own).encode()) == []
    bob_case = case_of["commune_b"]
    leaks = [{"id": bob_case, "case_no": "HS-B-0001", "unit": {"code": "05266", "name": "Xã Lạc Sơn"}},
             {"unit_code": "01", "award": "Bằng khen"}, {"code": "25", "kind": "province", "name": "Tỉnh Phú Thọ"}]
    found = alice.violations("application/json", json.dumps({"items": leaks}).encode())
    assert any("05266" in f for f in found) and any("HS-B-0001" in f for f in found), found
    assert any(" 01 " in f for f in found) and any(" 25 " in f for f in found), found
    exported = "\ufeffcase_no,unit_code\nHS-A-0001,04795\nHS-O-0001,00004\n".encode()
    assert alice.violations("text/csv; charset=utf-8", exported) == [
        "unit 00004 is outside alice's scope", "case HS-O-0001 belongs to another scope"]
