"""Receiving citizens' reports and handling them. Every report is received (BLTTHS art. 145)
and routed to the commune police of the place (the province when the place is unknown); the
reporter gets a follow-up code shown once (100 random bits; only its keyed hash is stored);
the handling unit classifies, assigns, transfers with a reason, extends the 20-day deadline
(once up to 2 months from receipt, once more by up to 2 months) and decides; the reporter
reads the status and the result notice with the code — a wrong code and an unknown one get
the same answer."""

from __future__ import annotations

import datetime
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from antq.core.audit import AuditContext, record_change, save_versioned, snapshot
from antq.core.models import ChangeRecord
from antq.core.scoping import Action
from antq.core.uploads import sniff, store_file, without_metadata
from antq.core.versioning import lock_current
from antq.movement.classification import check_in_scope
from antq.tipoffs.models import Attachment, Decision, Kind, Tip
from antq.units.models import Unit, UnitKind

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford base 32: 5 bits a character
CODE_CHARS = 20  # 100 bits
MAX_FILES, MAX_IMAGE_BYTES, MAX_VIDEO_BYTES = 5, 10 * 1024 * 1024, 50 * 1024 * 1024
FIRST_DEADLINE_DAYS = 20
EXTENSION_MONTHS = 2
MAX_EXTENSIONS = 2


def new_code() -> str:
    raw = "".join(secrets.choice(ALPHABET) for _ in range(CODE_CHARS))
    return "-".join(raw[i:i + 4] for i in range(0, CODE_CHARS, 4))


def code_hash(code: str) -> str:
    """Keyed hash of a normalised code (spaces, dashes and case ignored; O→0, I/L→1)."""
    normal = code.upper().replace("-", "").replace(" ", "").replace("O", "0").replace("I", "1").replace("L", "1")
    return hmac.new(settings.SECRET_KEY.encode(), f"tip:{normal}".encode(), hashlib.sha256).hexdigest()


def attachment_dir() -> Path:
    return Path(settings.VAR_DIR) / "uploads" / "tips"


@dataclass(frozen=True)
class Upload:
    name: str
    handle: IO[bytes]


def _read_uploads(files: list[Upload]) -> list[tuple[bytes, str, str]]:
    """(clean bytes, content type, extension) of each file, or a ValidationError naming the file."""
    if len(files) > MAX_FILES:
        raise ValidationError({"files": _("At most %(n)s files.") % {"n": MAX_FILES}})
    accepted = []
    for upload in files:
        data = upload.handle.read(MAX_VIDEO_BYTES + 1)
        kind = sniff(data[:16], allow_video=True)
        if kind is None:
            raise ValidationError({"files": _("%(name)s: only images (JPEG, PNG), PDF and MP4 video are accepted "
                                              "(checked by their content).") % {"name": upload.name}})
        content_type, extension = kind
        limit = MAX_VIDEO_BYTES if content_type == "video/mp4" else MAX_IMAGE_BYTES
        if len(data) > limit:
            raise ValidationError({"files": _("%(name)s is larger than %(mb)s MB.") % {
                "name": upload.name, "mb": limit // (1024 * 1024)}})
        try:
            accepted.append((without_metadata(data, content_type), content_type, extension))
        except ValueError as exc:
            raise ValidationError({"files": _("%(name)s is not a readable image.") % {"name": upload.name}}) from exc
    return accepted


def route(province: Unit, commune: Unit | None) -> Unit:
    """The commune of the place on today's map, or the province when the place is unknown."""
    today = timezone.localdate()
    if province.kind != UnitKind.PROVINCE or not province.is_valid_on(today):
        raise ValidationError({"province": _("Choose a province on today's map.")})
    if commune is None:
        return province
    if commune.kind != UnitKind.COMMUNE or commune.parent_id != province.pk or not commune.is_valid_on(today):
        raise ValidationError({"commune": _("Choose a commune of that province on today's map.")})
    return commune


def tip_submit(*, kind: str, province: Unit, commune: Unit | None, place_detail: str, occurred: str,
               description: str, contact: str, files: list[Upload]) -> tuple[Tip, str]:
    """Record a report; returns it and its follow-up code (shown once, never stored)."""
    if kind not in Kind.values:
        raise ValidationError({"kind": _("Choose what you are reporting.")})
    if len(description.strip()) < 10:
        raise ValidationError({"description": _("Describe what happened (at least a few words).")})
    unit = route(province, commune)
    accepted = _read_uploads(files)
    code = new_code()
    written: list[Path] = []
    try:
        with transaction.atomic():
            tip = Tip.objects.create(
                kind=kind, unit=unit, place_known=commune is not None, place_detail=place_detail.strip()[:300],
                occurred=occurred.strip()[:100], description=description.strip(), contact=contact.strip()[:200],
                code_hash=code_hash(code),
                deadline=timezone.localdate() + datetime.timedelta(days=FIRST_DEADLINE_DAYS))
            for data, content_type, extension in accepted:
                path = store_file(attachment_dir(), extension, data)
                written.append(path)
                Attachment.objects.create(tip=tip, stored_name=path.name, content_type=content_type, size=len(data),
                                          sha256=hashlib.sha256(data).hexdigest())
            record_change(AuditContext.system(), action=ChangeRecord.Action.CREATE, obj=tip, scope_path=unit.path,
                          before=None, after=_public_fields(tip))
    except BaseException:
        for path in written:
            path.unlink(missing_ok=True)  # nothing half-written
        raise
    return tip, code


def _public_fields(tip: Tip) -> dict[str, object]:
    """What the audit keeps of a report: never the contact."""
    values = snapshot(tip)
    values.pop("contact", None)
    values.pop("code_hash", None)
    return values


def tip_by_code(code: str) -> Tip | None:
    """The report a code opens, or None — for a wrong code exactly as for an unknown one."""
    return Tip.objects.select_related("unit").filter(code_hash=code_hash(code)).first()


def _months_after(day: datetime.date, months: int) -> datetime.date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    for last in (31, 30, 29, 28):
        try:
            return datetime.date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise AssertionError("unreachable")


def _changed(ctx: AuditContext, tip: Tip, before: dict[str, object], reason: str = "") -> Tip:
    save_versioned(ctx, tip, scope_path=tip.unit.path, before=before, after=_public_fields, reason=reason)
    return tip


def _current(ctx: AuditContext, tip: Tip, expected_version: int | None) -> tuple[Tip, dict[str, object]]:
    current = lock_current(Tip.objects.select_related("unit"), tip.pk, expected_version)
    check_in_scope(ctx, current.unit)
    if current.status == Tip.Status.DECIDED:
        raise ValidationError(_("The report is decided; it is closed."))
    return current, _public_fields(current)


def officers_of(unit: Unit) -> QuerySet[Any]:
    """The users who hold a role that changes records on the unit itself (its own officers)."""
    from antq.accounts.models import User
    from antq.accounts.roles import roles_allowing

    return User.objects.filter(grants__unit=unit, grants__role__in=roles_allowing(Action.CHANGE),
                               is_active=True).distinct().order_by("username")


@transaction.atomic
def tip_triage(*, ctx: AuditContext, tip: Tip, classification: str | None = None, assigned_to: object = None,
               duplicate_of: Tip | None = None, expected_version: int | None = None) -> Tip:
    """Classify, assign to an officer of the unit, or mark as a duplicate of another report it handles."""
    current, before = _current(ctx, tip, expected_version)
    if classification is not None:
        current.classification = classification.strip()[:100]
    if assigned_to is not None:
        if assigned_to != ctx.user and not officers_of(current.unit).filter(pk=getattr(assigned_to, "pk", None)
                                                                             ).exists():
            raise ValidationError({"assigned_to": _("Assign the report to an officer of the handling unit.")})
        current.assigned_to = assigned_to  # type: ignore[assignment]
    if duplicate_of is not None:
        if duplicate_of.pk == current.pk or not ctx.restrict(Tip.objects.all(), Action.VIEW).filter(
                pk=duplicate_of.pk).exists():
            raise ValidationError({"duplicate_of": _("Choose another report your unit handles.")})
        current.duplicate_of, current.status = duplicate_of, Tip.Status.DUPLICATE
    elif current.status == Tip.Status.RECEIVED:
        current.status = Tip.Status.HANDLING
    return _changed(ctx, current, before)


@transaction.atomic
def tip_transfer(*, ctx: AuditContext, tip: Tip, to: Unit, reason: str, expected_version: int | None = None) -> Tip:
    """Send the report to the unit competent for it, with the reason; the deadline keeps running."""
    current, before = _current(ctx, tip, expected_version)
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the report is transferred.")})
    if to.pk == current.unit_id or to.kind not in (UnitKind.COMMUNE, UnitKind.PROVINCE) or not to.is_current:
        raise ValidationError({"to": _("Choose another commune or province on today's map.")})
    current.unit, current.assigned_to = to, None
    return _changed(ctx, current, before, reason=reason.strip())


@transaction.atomic
def tip_extend(*, ctx: AuditContext, tip: Tip, until: datetime.date, reason: str,
               expected_version: int | None = None) -> Tip:
    """Extend the deadline: first up to 2 months from receipt, then once more by up to 2 months."""
    current, before = _current(ctx, tip, expected_version)
    if current.extensions >= MAX_EXTENSIONS:
        raise ValidationError({"until": _("The deadline was already extended twice.")})
    received = timezone.localtime(current.received_at).date()
    limit = _months_after(received if current.extensions == 0 else current.deadline, EXTENSION_MONTHS)
    if not current.deadline < until <= limit:
        raise ValidationError({"until": _("The new deadline must fall after %(now)s and no later than %(limit)s.")
                               % {"now": current.deadline.strftime("%d/%m/%Y"), "limit": limit.strftime("%d/%m/%Y")}})
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the deadline is extended.")})
    current.deadline, current.extensions = until, current.extensions + 1
    return _changed(ctx, current, before, reason=reason.strip())


@transaction.atomic
def tip_decide(*, ctx: AuditContext, tip: Tip, decision: str, notice: str, decided_on: datetime.date | None = None,
               expected_version: int | None = None) -> Tip:
    """The decision and the notice the reporter will read with the code (BLTTHS art. 145)."""
    current, before = _current(ctx, tip, expected_version)
    if decision not in Decision.values:
        raise ValidationError({"decision": _("Choose the decision.")})
    if not notice.strip():
        raise ValidationError({"notice": _("Write the result notice the reporter will read.")})
    current.decision, current.result_notice = decision, notice.strip()
    current.decided_on, current.status = decided_on or timezone.localdate(), Tip.Status.DECIDED
    return _changed(ctx, current, before)


def overdue(tips: QuerySet[Tip], today: datetime.date | None = None) -> QuerySet[Tip]:
    """Open reports past their deadline."""
    today = today or timezone.localdate()
    return tips.exclude(status__in=[Tip.Status.DECIDED, Tip.Status.DUPLICATE]).filter(deadline__lt=today)


def tips_received(unit: Unit, start: datetime.date, end: datetime.date) -> int:
    """Reports from the people received through antq for the unit's area in a period (duplicates
    not counted): what the movement report's "tin báo của quần chúng" includes."""
    return (Tip.objects.filter(unit__path__startswith=unit.path, received_at__date__gte=start,
                               received_at__date__lte=end).exclude(status=Tip.Status.DUPLICATE).count())
