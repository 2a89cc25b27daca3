"""Citizens' reports (tố giác, tin báo, phản ánh ANTT): what the reporter sent, where it is
handled, its legal deadlines (BLTTHS art. 147) and decision, and the result notice the
reporter reads with the follow-up code. Nothing identifies the reporter unless they chose to
leave a contact, which only the handling unit's secretariat sees. No IP address, no user
agent: throttling keeps only salted hashes that change every day."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from antq.core.scoping import ScopedQuerySet
from antq.units.models import Unit


class Kind(models.TextChoices):
    DENUNCIATION = "to_giac", _("Crime denunciation (tố giác tội phạm)")
    INFORMATION = "tin_bao", _("Crime information (tin báo)")
    SECURITY = "phan_anh", _("Security and order issue (phản ánh ANTT)")


class Decision(models.TextChoices):
    PROSECUTE = "khoi_to", _("Criminal case opened (khởi tố)")
    NO_PROSECUTION = "khong_khoi_to", _("No criminal case (không khởi tố)")
    SUSPENDED = "tam_dinh_chi", _("Suspended (tạm đình chỉ)")
    TRANSFERRED = "chuyen", _("Transferred to the competent authority")
    NOT_A_CRIME = "khong_phai_toi_pham", _("Not a crime: handled administratively")


class Tip(models.Model):
    class Status(models.TextChoices):
        RECEIVED = "received", _("Received")
        HANDLING = "handling", _("Being verified")
        DECIDED = "decided", _("Decided")
        DUPLICATE = "duplicate", _("Duplicate")

    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    channel = models.CharField(_("channel"), max_length=10, default="web")
    # The unit handling it: the commune of the place, or the province when the place is unknown.
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+", verbose_name=_("handling unit"))
    place_known = models.BooleanField(_("place known"), default=True)
    place_detail = models.CharField(_("place (address)"), max_length=300, blank=True)
    occurred = models.CharField(_("when it happened"), max_length=100, blank=True)
    description = models.TextField(_("what happened"))
    contact = models.CharField(_("contact (optional)"), max_length=200, blank=True)
    code_hash = models.CharField(max_length=64, unique=True, editable=False)
    received_at = models.DateTimeField(_("received at"), auto_now_add=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.RECEIVED)
    classification = models.CharField(_("classification"), max_length=100, blank=True)
    assigned_to = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+", verbose_name=_("officer"))
    deadline = models.DateField(_("deadline"))
    extensions = models.PositiveSmallIntegerField(_("extensions"), default=0)
    decision = models.CharField(_("decision"), max_length=20, choices=Decision.choices, blank=True)
    decided_on = models.DateField(_("decided on"), null=True, blank=True)
    result_notice = models.TextField(_("result notice to the reporter"), blank=True)
    duplicate_of = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    version = models.PositiveIntegerField(default=1, editable=False)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-received_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}"


class Attachment(models.Model):
    tip = models.ForeignKey(Tip, on_delete=models.CASCADE, related_name="attachments")
    stored_name = models.CharField(max_length=80, unique=True)
    content_type = models.CharField(max_length=40)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)

    def __str__(self) -> str:
        return self.stored_name


class ThrottleHit(models.Model):
    """Requests per hashed source and action in a window; the hash's salt changes daily, so
    no row can be linked to an address or to the same source on another day."""

    key = models.CharField(max_length=64)
    action = models.CharField(max_length=20)
    window = models.DateTimeField()
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["key", "action", "window"], name="throttle_unique")]

    def __str__(self) -> str:
        return f"{self.action} {self.window:%Y-%m-%d %H:%M} {self.count}"
