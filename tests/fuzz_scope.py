"""Data and oracle of the API fuzzing test (tests/test_api_fuzz.py).

`populate` gives commune A (alice's), commune B (bob's) and province 01 (oscar's) the same
records, and province 25 its own decision, cluster and plan, so that a leak across scopes
would show. `Seeds` are values worth trying in generated requests (real codes and ids from
every scope, days the maps are valid on). `Scope` is the oracle "no object outside the
scope": built from the fixture's VISIBLE table and the unit tree, not from
`restrict`, so a bug in the scoping code cannot hide from it.
"""

from __future__ import annotations

import csv
import datetime
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone

from antq.accounts.models import Grant
from antq.awards.models import AwardType, Cluster, ClusterMember
from antq.awards.plans import plan_create
from antq.awards.proposals import proposal_create
from antq.awards.services import AwardSpec, decision_issue
from antq.core.audit import AuditContext
from antq.movement.classification import classification_start
from antq.movement.grassroots import member_add, team_create
from antq.movement.reports import report_save
from antq.movement.self_managed import model_site_create, model_type_create
from antq.movement.standard import standard_evaluation_start
from antq.records.services import accident_create, case_create, later_death_add
from antq.units.models import Unit
from tests.fixtures import VISIBLE, World

D = datetime.date
AWARD = "bang-khen-chu-tich-tinh"
FIGURES = {"propaganda_sessions": 2, "propaganda_attendees": 80, "meetings": 1, "people_reports": 3,
           "crimes_detected_by_people": 1, "hotspots": 0, "new_models": 0, "active_teams": 2}
# (commune, its village, its province, tag of its record numbers)
COMMUNES = [("commune_a", "village_a", "province", "A"), ("commune_b", "village_b", "province", "B"),
            ("other_commune", "other_village", "other_province", "O")]
# Keys whose string value is a unit code, wherever they appear in a response.
UNIT_CODE_KEYS = frozenset({"unit_code", "issuer_code", "lead_code"})
# Of those, the ones that may name a unit above the caller's: who will issue an award for one of its units.
ANCESTOR_KEYS = frozenset({"issuer_code"})
# Keys whose object value is a unit (with a `code`) even without a `kind` beside it (UnitRef).
UNIT_OBJECT_KEYS = frozenset({"unit", "parent"})
RECORD_NUMBER_KEYS = {"case_no": "case", "accident_no": "accident"}
# Values that break naive code, tried in place of generated strings and integers: NUL (which
# PostgreSQL text cannot hold), blanks, long and odd text, integers past the database's columns.
HOSTILE_TEXT = ["\x00", "05\x0066", " ", "", "x" * 3000, "Ⅻ💥\u202e", "../../", "' OR '1'='1", "%", "2025-02-30"]
HOSTILE_INT = [-1, 0, 2**31, 2**63, 2**64, -(2**63) - 1]


@dataclass
class Owned:
    """The ids of one kind of object and the fixture unit each belongs to."""

    owner: dict[int, str] = field(default_factory=dict)

    def add(self, pk: int, unit_key: str) -> None:
        self.owner[pk] = unit_key

    def ids(self) -> list[int]:
        return sorted(self.owner)


@dataclass
class Seeds:
    """Real values from every scope, by the name of the parameter or body field that takes them."""

    objects: dict[str, Owned]  # "case", "accident", ... → ids and owners
    numbers: dict[str, dict[str, str]]  # "case" → record number → owner unit key
    values: dict[str, list[Any]]  # parameter / field name → values to try


def _commune(world: World, ctx: AuditContext, commune: str, village: str, province: str, tag: str,
             owned: dict[str, Owned], numbers: dict[str, dict[str, str]]) -> None:
    unit, home = world.units[commune], world.units[village]
    case = case_create(ctx=ctx, case_no=f"HS-{tag}-0001", unit=unit, occurred_on=D(2025, 8, 1),
                       severity="nghiem_trong", group="ttxh", suspects=1)
    accident = accident_create(ctx=ctx, accident_no=f"TN-{tag}-0001", unit=unit, occurred_on=D(2025, 8, 1),
                               deaths=1, injuries=2)
    later_death_add(ctx=ctx, accident=accident, died_on=D(2025, 8, 20))
    classification = classification_start(ctx=ctx, unit=unit, year=2026)
    evaluation = standard_evaluation_start(ctx=ctx, unit=unit, year=2026)
    report_save(ctx=ctx, unit=unit, spec="2026-03", figures=FIGURES)
    team = team_create(ctx=ctx, unit=home, name=f"Tổ an ninh {tag}", decision_no="16/QĐ-UBND",
                       decision_date=D(2024, 7, 1))
    member_add(ctx=ctx, team=team, full_name=f"Lò Văn {tag}", birth_year=1990, sex="male",
               education="upper_secondary", resident_since=D(2010, 1, 1), joined_on=D(2025, 8, 1))
    camera = model_type_create(ctx=ctx, name=f"Camera an ninh {tag}", province=world.units[province])
    model_site_create(ctx=ctx, model_type=camera, unit=home, started_on=D(2025, 8, 1))
    proposal = proposal_create(ctx=ctx, spec=AwardSpec(AwardType.objects.get(code=AWARD), unit,
                                                       f"Dẫn đầu phong trào {tag}"), year=2025)
    for kind, pk in (("case", case.pk), ("accident", accident.pk), ("classification", classification.pk),
                     ("evaluation", evaluation.pk), ("team", team.pk), ("proposal", proposal.pk)):
        owned[kind].add(pk, commune)
    numbers["case"][case.case_no] = commune
    numbers["accident"][accident.accident_no] = commune


def _province(world: World, ctx: AuditContext, owned: dict[str, Owned]) -> None:
    """Province 25's own objects: a decision for commune B, a cluster, a plan led by both communes."""
    province = world.units["province"]
    for day, title in ((D(2025, 12, 20), "Khen thưởng"), (D(2025, 12, 22), "Thu hồi")):
        decision = decision_issue(ctx=ctx, issuer=province, authority="province", decided_on=day, signer="Chủ tịch",
                                  title=title, awards=[AwardSpec(AwardType.objects.get(code=AWARD),
                                                                 world.units["commune_b"], f"{title} B")])
        owned["decision"].add(decision.pk, "province")
    cluster = Cluster.objects.create(province=province, year=2025, name="Cụm 1")
    for commune in ("commune_a", "commune_b"):
        ClusterMember.objects.create(cluster=cluster, unit=world.units[commune])
    owned["cluster"].add(cluster.pk, "province")
    plan = plan_create(ctx=ctx, unit=province, year=2026, title="Kế hoạch 2026", tasks=[
        {"text": f"Nhân rộng mô hình {c}", "lead": world.units[c], "deadline": D(2026, 12, 1)}
        for c in ("commune_a", "commune_b")])
    for task in plan.tasks.select_related("lead"):
        owned["task"].add(task.pk, "commune_a" if task.lead_id == world.units["commune_a"].pk else "commune_b")


def populate(world: World) -> Seeds:
    ctx = AuditContext.system()
    kinds = ("case", "accident", "classification", "evaluation", "team", "proposal", "decision", "cluster", "task",
             "grant")
    owned = {kind: Owned() for kind in kinds}
    numbers: dict[str, dict[str, str]] = {"case": {}, "accident": {}}
    for commune, village, province, tag in COMMUNES:
        _commune(world, ctx, commune, village, province, tag, owned, numbers)
    _province(world, ctx, owned)
    keys = {unit.pk: key for key, unit in world.units.items()}
    for grant in Grant.objects.all():
        owned["grant"].add(grant.pk, keys.get(grant.unit_id, "?"))
    # Hypothesis tries the first values first: alice's own units before the others.
    codes = list(dict.fromkeys(world.units[key].code for key in [*sorted(VISIBLE["alice"]), *sorted(world.units)]))
    today = timezone.localdate().isoformat()
    days = [today, "2025-08-01", "2024-06-01"]  # today, the new map, the old map
    values: dict[str, list[Any]] = {
        "code": codes, "unit_code": codes, "parent_code": codes, "unit": codes, "parent": codes,
        "province_code": ["25", "17", "01"],
        "date": days, "parent_date": days, "unit_date": days, "occurred_on": days[1:], "on": days,
        "year": [2025, 2026], "spec": ["2026-03", "2026-04", "2026-Q1", "2026"], "version": [1, 2],
        "kind": ["village", "school", "commune", "province"], "username": sorted(VISIBLE),
        "by_decision_id": owned["decision"].ids(),
        # Valid choices and well-formed values, so that writes get past validation often enough
        # for their answers (and the objects in them) to be checked too.
        "severity": ["nghiem_trong", "it_nghiem_trong"], "group": ["ttxh", "ma_tuy"], "mode": ["duong_bo"],
        "period": ["2025", "2025-08", "2026-Q1"], "map": ["time", "current"], "scheme": ["mps", "calendar"],
        "cleared_by": ["period", "today"], "indicator": ["criminal_cases", "accident_deaths", "clearance_rate"],
        "died_on": ["2025-08-20"], "award_code": [AWARD], "action": ["submit", "approve", "return"],
        "figures": [FIGURES], "submit": [False, True], "points": [{}], "evidence": [{}], "results": [{}],
        "sex": ["male", "female"], "education": ["upper_secondary"], "birth_year": [1990],
        "resident_since": ["2010-01-01"], "joined_on": ["2025-08-01"], "registered_on": ["2026-02-01"],
        "decided_on": ["2025-12-20"], "decision_date": ["2026-11-18"], "percent": [40, 100],
        "role": ["viewer", "member"], "status": ["proposed", "submitted", "approved"],
    }
    for name, kind in (("case_id", "case"), ("accident_id", "accident"), ("classification_id", "classification"),
                       ("evaluation_id", "evaluation"), ("team_id", "team"), ("decision_id", "decision"),
                       ("cluster_id", "cluster"), ("task_id", "task"), ("grant_id", "grant")):
        values[name] = owned[kind].ids()
    values["ids"] = values["proposal_ids"] = owned["proposal"].ids()  # lists of ids in the bodies
    return Seeds(objects=owned, numbers=numbers, values=values)


# -- the oracle -----------------------------------------------------------------------------------


def unit_codes(value: Any, key: str | None = None) -> Iterator[tuple[str, bool]]:
    """Every unit code a JSON response names, and whether it may be an ancestor of the caller's
    units: unit objects (UnitBrief, UnitRef, UnitOut, the indicator report's unit, audit
    snapshots) and the *_code fields of awards, proposals and plans."""
    if isinstance(value, dict):
        if isinstance(value.get("code"), str) and ("kind" in value or key in UNIT_OBJECT_KEYS):
            yield value["code"], False
        for name, item in value.items():
            if name in UNIT_CODE_KEYS and isinstance(item, str):
                yield item, name in ANCESTOR_KEYS
            else:
                yield from unit_codes(item, name)
    elif isinstance(value, list):
        for item in value:
            yield from unit_codes(item, key)


def record_refs(value: Any) -> Iterator[tuple[str, int | None, str]]:
    """(kind, id, number) of every case and accident a JSON response shows."""
    if isinstance(value, dict):
        for name, kind in RECORD_NUMBER_KEYS.items():
            if isinstance(value.get(name), str):
                pk = value.get("id")
                yield kind, pk if isinstance(pk, int) else None, value[name]
        for item in value.values():
            yield from record_refs(item)
    elif isinstance(value, list):
        for item in value:
            yield from record_refs(item)


class Scope:
    """What one persona may see: the subtrees of its fixture units, and which seeded records are foreign."""

    def __init__(self, world: World, persona: str, seeds: Seeds) -> None:
        self.persona = persona
        visible = VISIBLE[persona]
        self.prefixes = tuple(world.units[key].path for key in visible)
        self.foreign_ids = {kind: {pk for pk, owner in seeds.objects[kind].owner.items() if owner not in visible}
                            for kind in ("case", "accident")}
        self.foreign_numbers = {kind: {n for n, owner in by_number.items() if owner not in visible}
                                for kind, by_number in seeds.numbers.items()}

    def _outside_codes(self, codes: set[tuple[str, bool]]) -> list[str]:
        """Codes no unit inside the scope carries — nor above it, where an ancestor may be named.
        Read from the tree as it is now, so units the request itself created or renamed under
        the persona's units count as inside."""
        paths: dict[str, list[str]] = {}
        for code, path in Unit.objects.filter(code__in={code for code, _ in codes}).values_list("code", "path"):
            paths.setdefault(code, []).append(path)
        return sorted({code for code, ancestor in codes if not any(
            path.startswith(self.prefixes) or (ancestor and any(p.startswith(path) for p in self.prefixes))
            for path in paths.get(code, []))})

    def violations(self, content_type: str, body: bytes) -> list[str]:
        if content_type.startswith("text/csv"):
            return self._csv_violations(body)
        if not content_type.startswith("application/json") or not body:
            return []
        data = json.loads(body)
        found = [f"unit {code} is outside {self.persona}'s scope"
                 for code in self._outside_codes(set(unit_codes(data)))]
        for kind, pk, number in record_refs(data):
            if pk in self.foreign_ids[kind] or number in self.foreign_numbers[kind]:
                found.append(f"{kind} {number} (id {pk}) belongs to another scope")
        return found

    def _csv_violations(self, body: bytes) -> list[str]:
        rows = list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))
        found = [f"unit {code} is outside {self.persona}'s scope"
                 for code in self._outside_codes({(row["unit_code"], False) for row in rows if row.get("unit_code")})]
        for row in rows:
            for column, kind in RECORD_NUMBER_KEYS.items():
                if row.get(column) in self.foreign_numbers[kind]:
                    found.append(f"{kind} {row[column]} belongs to another scope")
        return found
