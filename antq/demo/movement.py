"""Demo movement data for Hòa Bình 2020, written through the movement services (audited):
every commune of the old province classified on the 2020 rubric (automatic items from the
demo records, so the results agree with the statistics); the standard for the residential
areas and communes of the old city of Hòa Bình (148), with the 70% rule deciding; models,
security teams and the 2020 monthly movement reports of its communes. Deterministic."""

from __future__ import annotations

import datetime
import random
from decimal import Decimal

from antq.core.audit import AuditContext
from antq.movement.classification import appraise, approve, classification_start, self_score
from antq.movement.grassroots import member_add, team_create
from antq.movement.models import Classification, StandardEvaluation
from antq.movement.reports import REPORT_FIELDS, report_save
from antq.movement.self_managed import model_site_create, model_team_create, model_type_create
from antq.movement.standard import standard_check, standard_decide, standard_evaluation_start, standard_register
from antq.units.models import Unit, UnitKind
from antq.units.selectors import unit_at
from antq.units.services import unit_create

YEAR = 2020
ON = datetime.date(YEAR, 11, 15)  # end of the standard's window for communes
CITY = "148"  # Thành phố Hòa Bình (old district)
VILLAGES_PER_COMMUNE = 3
MODELS = ["Camera an ninh", "Tổ tự quản an ninh trật tự", "Khu dân cư không tội phạm, tệ nạn xã hội"]


def load_demo_movement(ctx: AuditContext) -> int:
    """Idempotent: skipped when the 2020 classifications exist. Returns the classifications written."""
    province = unit_at("17", ON)
    if province is None or Classification.objects.filter(unit__path__startswith=province.path, year=YEAR).exists():
        return 0
    rng = random.Random(YEAR)
    communes = list(Unit.objects.valid_on(ON).subtree_of(province).filter(kind=UnitKind.COMMUNE).order_by("code"))
    city = unit_at(CITY, ON)
    assert city is not None
    for commune in [c for c in communes if c.path.startswith(city.path)]:
        villages = _villages(ctx, commune)
        _reports(ctx, commune, rng)
        _standard(ctx, commune, villages, rng)
        _models_and_teams(ctx, province, villages, rng)
    for commune in communes:  # last, so the automatic items read the standard and the reports
        _classify(ctx, commune, rng)
    return len(communes)


def _classify(ctx: AuditContext, unit: Unit, rng: random.Random) -> None:
    row = classification_start(ctx=ctx, unit=unit, year=YEAR)
    items = [s.item for s in row.scores.select_related("item") if not s.item.auto_source]
    share = rng.choice([1.0, 0.95, 0.95, 0.9, 0.9, 0.85, 0.85, 0.8, 0.7])
    points = {i.code: (i.max_points * Decimal(str(share)) * 2).quantize(Decimal(1)) / 2 for i in items}
    row = self_score(ctx=ctx, classification=row, points=points, evidence={i.code: "Hồ sơ lưu tại xã" for i in items})
    lowered = items[0]
    if rng.random() < 0.2:  # the district lowers one item, with its reason
        row = appraise(ctx=ctx, classification=row, points={lowered.code: points[lowered.code] - 1},
                       reasons={lowered.code: "Nghị quyết ban hành sau Quý I"})
    else:
        row = appraise(ctx=ctx, classification=row, points={})
    approve(ctx=ctx, classification=row)


def _villages(ctx: AuditContext, commune: Unit) -> list[Unit]:
    existing = list(Unit.objects.filter(parent=commune, kind=UnitKind.VILLAGE).order_by("name"))
    for number in range(len(existing) + 1, VILLAGES_PER_COMMUNE + 1):
        existing.append(unit_create(ctx=ctx, parent=commune, kind=UnitKind.VILLAGE, subtype="Tổ dân phố",
                                    name=f"Tổ dân phố số {number} ({commune.short_name or commune.name})"))
    return existing


def _decide(ctx: AuditContext, unit: Unit, recognise: bool, number: int) -> StandardEvaluation:
    evaluation = standard_evaluation_start(ctx=ctx, unit=unit, year=YEAR)
    hand = {c.criterion.code: recognise for c in evaluation.checks.select_related("criterion")
            if not c.criterion.auto_source}
    evaluation = standard_check(ctx=ctx, evaluation=evaluation, results=hand)
    met = all(c.met for c in evaluation.checks.all())
    return standard_decide(ctx=ctx, evaluation=evaluation, recognise=recognise and met,
                           decision_no=f"{number}/QĐ-UBND", decision_date=datetime.date(YEAR, 11, 18),
                           signer="Chủ tịch UBND")


def _standard(ctx: AuditContext, commune: Unit, villages: list[Unit], rng: random.Random) -> None:
    from antq.movement.facts import seventy_percent

    for number, village in enumerate(villages, start=1):
        standard_register(ctx=ctx, unit=village, year=YEAR, registered_on=datetime.date(YEAR, 2, 10),
                          households=rng.randrange(120, 420), households_registered=None)
        _decide(ctx, village, rng.random() < 0.85, number)
    standard_register(ctx=ctx, unit=commune, year=YEAR, registered_on=datetime.date(YEAR, 2, 20))
    _decide(ctx, commune, seventy_percent(commune, YEAR).met, 100 + int(commune.code[-3:]))


def _models_and_teams(ctx: AuditContext, province: Unit, villages: list[Unit], rng: random.Random) -> None:
    from antq.movement.models import ModelType

    types = {t.name: t for t in ModelType.objects.filter(province=province)}
    for name in MODELS:
        if name not in types:
            types[name] = model_type_create(ctx=ctx, name=name, province=province)
    original = None
    for village in villages:
        model = types[MODELS[rng.randrange(len(MODELS))]]
        site = model_site_create(ctx=ctx, model_type=model, unit=village, started_on=datetime.date(2019, 3, 1),
                                 replicated_from=original if original and original.model_type == model else None)
        original = original or site
        model_team_create(ctx=ctx, site=site, name=f"Tổ {model.name.lower()}", members=rng.randrange(5, 15),
                          started_on=datetime.date(2019, 3, 1))
        team = team_create(ctx=ctx, unit=village, name=f"Tổ bảo vệ ANTT {village.name}",
                           decision_no=f"{rng.randrange(10, 99)}/QĐ-UBND", decision_date=datetime.date(2024, 7, 1))
        for number, role in enumerate(("leader", "deputy", "member", "member")):
            member_add(ctx=ctx, team=team, full_name=f"Thành viên {number + 1} {village.short_name or village.name}",
                       birth_year=rng.randrange(1960, 2000), sex=rng.choice(("male", "female")), role=role,
                       education="upper_secondary", resident_since=datetime.date(2010, 1, 1),
                       joined_on=datetime.date(2024, 7, 1))


def _reports(ctx: AuditContext, commune: Unit, rng: random.Random) -> None:
    for month in range(1, 13):
        sessions = rng.randrange(1, 6)
        reports = rng.randrange(0, 8)
        figures = {name: 0 for name in REPORT_FIELDS} | {
            "propaganda_sessions": sessions, "propaganda_attendees": sessions * rng.randrange(30, 90),
            "meetings": rng.randrange(0, 3), "people_reports": reports,
            "crimes_detected_by_people": rng.randrange(0, reports + 1), "active_teams": VILLAGES_PER_COMMUNE}
        due = datetime.date(YEAR, month, 17)
        late = rng.random() < 0.08
        report_save(ctx=ctx, unit=commune, spec=f"{YEAR}-{month:02d}", figures=figures, submit=True,
                    submitted_on=due + datetime.timedelta(days=rng.randrange(1, 6) if late else -rng.randrange(0, 3)))
