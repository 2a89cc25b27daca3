"""Evidence files for rubric items and standard criteria. Accepted by what they contain, not
by their name (PDF, PNG, JPEG), at most 10 MB and 10 files an item; written under the data
directory (never under static files) with a random name; checked for scope on every read."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import IO

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from antq.core.audit import AuditContext, record_change, snapshot
from antq.core.models import ChangeRecord
from antq.core.uploads import sniff, store_file
from antq.movement.classification import check_in_scope
from antq.movement.models import Classification, CriterionCheck, Evidence, Score, StandardEvaluation

MAX_BYTES = 10 * 1024 * 1024
MAX_FILES = 10


def evidence_dir() -> Path:
    return Path(settings.VAR_DIR) / "uploads" / "evidence"


def evidence_attach(*, ctx: AuditContext, target: Score | CriterionCheck, name: str, handle: IO[bytes]) -> Evidence:
    if isinstance(target, Score):
        owner = Classification.objects.select_related("unit").get(pk=target.classification_id)
        if owner.locked:
            raise ValidationError(_("The classification is approved and locked."))
        unit = owner.unit
    else:
        evaluation = StandardEvaluation.objects.select_related("unit").get(pk=target.evaluation_id)
        if evaluation.result != StandardEvaluation.Result.PENDING:
            raise ValidationError(_("The decision has been taken; the evaluation is closed."))
        unit = evaluation.unit
    check_in_scope(ctx, unit)
    if target.files.count() >= MAX_FILES:
        raise ValidationError(_("At most %(n)s files per item.") % {"n": MAX_FILES})
    data = handle.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise ValidationError(_("The file is larger than 10 MB."))
    kind = sniff(data[:16])
    if kind is None:
        raise ValidationError(_("Only PDF, PNG and JPEG files are accepted (checked by their content)."))
    content_type, extension = kind
    path = store_file(evidence_dir(), extension, data)
    stored_as = path.name
    try:
        with transaction.atomic():
            evidence = Evidence.objects.create(
                unit=unit, score=target if isinstance(target, Score) else None,
                criterion_check=target if isinstance(target, CriterionCheck) else None,
                name=Path(name).name[:200] or stored_as,
                stored_as=stored_as, content_type=content_type, size=len(data),
                sha256=hashlib.sha256(data).hexdigest(), uploaded_by=ctx.user)
            record_change(ctx, action=ChangeRecord.Action.CREATE, obj=evidence, scope_path=unit.path, before=None,
                          after=snapshot(evidence))
    except BaseException:
        path.unlink(missing_ok=True)  # nothing half-written: no row, no file
        raise
    return evidence


def evidence_path(evidence: Evidence) -> Path:
    return evidence_dir() / evidence.stored_as
