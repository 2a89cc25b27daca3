"""Emulation awards (Luật Thi đua, khen thưởng 06/2022; NĐ 98/2023): the catalogue of titles
and forms with who may award them and their reward coefficients, the dated base salary,
numbered decisions (one register per issuer per year) and the awards they carry."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from antq.core.scoping import ScopedQuerySet
from antq.units.models import Unit


class Authority(models.TextChoices):
    """Who may award a form (Luật 2022 art. 78–80)."""

    COMMUNE = "commune", _("Commune chair")
    DISTRICT = "district", _("District chair (before 1/7/2025)")
    PROVINCE = "province", _("Provincial chair")
    MINISTRY = "ministry", _("Minister of Public Security")
    PRIME_MINISTER = "prime_minister", _("Prime Minister")
    GOVERNMENT = "government", _("Government")


class Category(models.TextChoices):
    TITLE = "title", _("Emulation title")
    CERTIFICATE = "certificate", _("Certificate of merit")
    MEDAL = "medal", _("Commemorative medal")


class AwardType(models.Model):
    """One title or form of the catalogue, dated (a change is a new row from a date)."""

    code = models.SlugField(_("code"), max_length=40)
    name = models.CharField(_("name"), max_length=200)
    category = models.CharField(_("category"), max_length=12, choices=Category.choices)
    authority = models.CharField(_("awarded by"), max_length=16, choices=Authority.choices)
    for_collectives = models.BooleanField(_("for collectives"), default=True)
    for_individuals = models.BooleanField(_("for individuals"), default=False)
    coefficient_collective = models.DecimalField(_("coefficient (collective)"), max_digits=5, decimal_places=2,
                                                 null=True, blank=True)
    coefficient_individual = models.DecimalField(_("coefficient (individual)"), max_digits=5, decimal_places=2,
                                                 null=True, blank=True)
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    basis = models.CharField(_("legal basis"), max_length=200, blank=True)
    is_default = models.BooleanField(_("editable default"), default=False)

    class Meta:
        ordering = ["category", "authority", "name"]

    def __str__(self) -> str:
        return self.name


class BaseSalary(models.Model):
    """Lương cơ sở from a date (the reward money is a multiple of it on the decision date)."""

    amount = models.PositiveIntegerField(_("amount (VND)"))
    valid_from = models.DateField(_("valid from"), unique=True)
    basis = models.CharField(_("legal basis"), max_length=200)

    class Meta:
        ordering = ["valid_from"]

    def __str__(self) -> str:
        return f"{self.amount} ({self.valid_from})"


class IssuerQuerySet(ScopedQuerySet):
    scope_path_field: ClassVar[str] = "issuer__path"


class Decision(models.Model):
    """A numbered award decision; numbers run per issuer and restart each 1 January."""

    issuer = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+", verbose_name=_("issuer"))
    authority = models.CharField(_("authority"), max_length=16, choices=Authority.choices)
    year = models.PositiveSmallIntegerField(_("year"), editable=False)
    number = models.PositiveIntegerField(_("number"), editable=False)
    symbol = models.CharField(_("symbol"), max_length=40, default="QĐ-UBND")
    decided_on = models.DateField(_("date"))
    signer = models.CharField(_("signed by"), max_length=200)
    title = models.CharField(_("subject"), max_length=300)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")

    objects = IssuerQuerySet.as_manager()

    class Meta:
        ordering = ["-year", "-number"]
        constraints = [models.UniqueConstraint(fields=["issuer", "year", "number"], name="decision_number_unique")]

    def __str__(self) -> str:
        return f"{self.number:02d}/{self.symbol}"


class Award(models.Model):
    """An award of a decision to a collective (the unit) or an individual of that unit."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("Awarded")
        REVOKED = "revoked", _("Revoked")

    decision = models.ForeignKey(Decision, on_delete=models.PROTECT, related_name="awards")
    award_type = models.ForeignKey(AwardType, on_delete=models.PROTECT, related_name="+", verbose_name=_("award"))
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+", verbose_name=_("collective or unit"))
    person_name = models.CharField(_("individual"), max_length=120, blank=True)
    person_birth_year = models.PositiveSmallIntegerField(_("year of birth"), null=True, blank=True)
    # What the award is for: a cluster's key ("cluster:12:345") or the words of the proposal.
    achievement = models.CharField(_("achievement"), max_length=120)
    amount = models.PositiveIntegerField(_("reward (VND)"))
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.ACTIVE)
    revoked_reason = models.CharField(_("reason for revocation"), max_length=300, blank=True)
    revoked_by = models.ForeignKey(Decision, null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["decision", "pk"]
        # One achievement earns one award (Luật 2022 art. 6): the same achievement of the same recipient.
        constraints = [models.UniqueConstraint(fields=["achievement", "unit", "person_name"],
                                               condition=Q(status="active"), name="one_award_per_achievement")]

    def __str__(self) -> str:
        return f"{self.award_type} — {self.person_name or self.unit}"

    @property
    def individual(self) -> bool:
        return bool(self.person_name)


class Source(models.TextChoices):
    """Where a cluster criterion's value comes from."""

    MANUAL = "manual", _("Scored by hand")
    CLEARANCE_RATE = "clearance_rate", _("Clearance rate")
    CRIME_CHANGE = "crime_change", _("Change in criminal cases (lower is better)")
    ACCIDENT_CHANGE = "accident_change", _("Change in traffic accidents (lower is better)")
    CLASSIFICATION = "classification", _("Movement classification score")
    STANDARD = "standard", _("Share recognised for the 'safe for security and order' standard")
    TIMELINESS = "timeliness", _("Monthly reports sent on time")


class ClusterQuerySet(ScopedQuerySet):
    scope_path_field: ClassVar[str] = "province__path"


class Cluster(models.Model):
    """An emulation cluster or block (cụm, khối thi đua) of one province and year."""

    province = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+", verbose_name=_("province"))
    year = models.PositiveSmallIntegerField(_("year"))
    name = models.CharField(_("name"), max_length=200)
    vote_record = models.TextField(_("record of the cluster's vote"), blank=True)
    # Members, criteria and manual scores are edited through the cluster: one version for all.
    version = models.PositiveIntegerField(default=1, editable=False)

    objects = ClusterQuerySet.as_manager()

    class Meta:
        ordering = ["-year", "name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.year})"


class ClusterMember(models.Model):
    cluster = models.ForeignKey(Cluster, on_delete=models.CASCADE, related_name="members")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+", verbose_name=_("member"))

    class Meta:
        constraints = [models.UniqueConstraint(fields=["cluster", "unit"], name="cluster_member_unique")]

    def __str__(self) -> str:
        return str(self.unit)


class ClusterCriterion(models.Model):
    cluster = models.ForeignKey(Cluster, on_delete=models.CASCADE, related_name="criteria")
    position = models.PositiveSmallIntegerField(_("position"))
    name = models.CharField(_("criterion"), max_length=200)
    weight = models.DecimalField(_("weight"), max_digits=5, decimal_places=1)
    source = models.CharField(_("source"), max_length=20, choices=Source.choices, default=Source.MANUAL)

    class Meta:
        ordering = ["cluster", "position"]

    def __str__(self) -> str:
        return self.name


class ManualScore(models.Model):
    criterion = models.ForeignKey(ClusterCriterion, on_delete=models.CASCADE, related_name="scores")
    member = models.ForeignKey(ClusterMember, on_delete=models.CASCADE, related_name="scores")
    value = models.DecimalField(_("value"), max_digits=8, decimal_places=2)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["criterion", "member"], name="manual_score_unique")]

    def __str__(self) -> str:
        return f"{self.criterion}: {self.value}"


class ProposalRule(models.Model):
    """Ranks → award proposed (default: rank 1 the province's flag, ranks 2–3 a certificate)."""

    province = models.ForeignKey(Unit, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    rank_from = models.PositiveSmallIntegerField(_("from rank"))
    rank_to = models.PositiveSmallIntegerField(_("to rank"))
    award_type = models.ForeignKey(AwardType, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["rank_from"]

    def __str__(self) -> str:
        return f"{self.rank_from}–{self.rank_to} → {self.award_type}"


class Proposal(models.Model):
    """A proposed award, from a cluster's ranking (it follows the ranking until its decision)
    or by hand, carried through review to a decision of its issuer."""

    class Status(models.TextChoices):
        PROPOSED = "proposed", _("Proposed")
        SUBMITTED = "submitted", _("Submitted for review")
        APPROVED = "approved", _("Approved by the council")
        RETURNED = "returned", _("Returned")
        DECIDED = "decided", _("Decided")

    cluster = models.ForeignKey(Cluster, null=True, blank=True, on_delete=models.CASCADE, related_name="proposals")
    # The unit whose register will carry the decision (the recipient's commune, district or province).
    issuer = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+", verbose_name=_("issuer"))
    year = models.PositiveSmallIntegerField(_("year"))
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+", verbose_name=_("collective or unit"))
    person_name = models.CharField(_("individual"), max_length=120, blank=True)
    person_birth_year = models.PositiveSmallIntegerField(_("year of birth"), null=True, blank=True)
    holds_police_medal = models.BooleanField(_("holds an excluding police medal"), default=False)
    pending_review = models.BooleanField(_("discipline or complaint not concluded"), default=False)
    achievement = models.CharField(_("achievement"), max_length=120)
    rank = models.PositiveSmallIntegerField(_("rank"), null=True, blank=True)
    award_type = models.ForeignKey(AwardType, on_delete=models.PROTECT, related_name="+", verbose_name=_("award"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PROPOSED)
    review_note = models.CharField(_("review note"), max_length=300, blank=True)
    proposed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    decision = models.ForeignKey(Decision, null=True, blank=True, on_delete=models.PROTECT, related_name="proposals")

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-year", "cluster", "rank", "pk"]

    def __str__(self) -> str:
        prefix = f"{self.cluster}: {self.rank}. " if self.cluster_id else ""
        return f"{prefix}{self.person_name or self.unit} → {self.award_type}"

    @property
    def frozen(self) -> bool:
        return self.decision_id is not None


class Plan(models.Model):
    """The Steering Committee's plan of one unit for one year (next year's tasks)."""

    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+", verbose_name=_("unit"))
    year = models.PositiveSmallIntegerField(_("year"))
    title = models.CharField(_("title"), max_length=300)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-year", "unit__path"]
        constraints = [models.UniqueConstraint(fields=["unit", "year"], name="plan_unit_year")]

    def __str__(self) -> str:
        return f"{self.title} ({self.year})"


class TaskQuerySet(ScopedQuerySet):
    """Tasks as their lead unit sees them (the plan itself may be a level above)."""

    scope_path_field: ClassVar[str] = "lead__path"


class Task(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", _("Under way")
        DONE = "done", _("Done")
        DROPPED = "dropped", _("Dropped")

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="tasks")
    position = models.PositiveSmallIntegerField(_("position"))
    text = models.CharField(_("task"), max_length=500)
    lead = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+", verbose_name=_("lead unit"))
    coordinating = models.ManyToManyField(Unit, related_name="+", blank=True, verbose_name=_("coordinating units"))
    deadline = models.DateField(_("deadline"))
    # A measurable target: "≥ 80% of communes meet the standard" = (standard_share, 80).
    target_kind = models.CharField(_("target"), max_length=30, blank=True)
    target_value = models.DecimalField(_("target value"), max_digits=8, decimal_places=2, null=True, blank=True)
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.OPEN)
    version = models.PositiveIntegerField(default=1, editable=False)

    objects = TaskQuerySet.as_manager()

    class Meta:
        ordering = ["plan", "position"]

    def __str__(self) -> str:
        return self.text


class TaskProgress(models.Model):
    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="progress")
    on = models.DateField(_("date"))
    percent = models.PositiveSmallIntegerField(_("progress (%)"))
    note = models.CharField(_("note"), max_length=500)
    evidence = models.CharField(_("evidence"), max_length=300, blank=True)

    class Meta:
        ordering = ["task", "on", "pk"]

    def __str__(self) -> str:
        return f"{self.task}: {self.percent}%"


class Conference(models.Model):
    """The review conference (hội nghị tổng kết): who chaired and attended, the agenda and
    the decisions whose awards were presented."""

    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+", verbose_name=_("unit"))
    year = models.PositiveSmallIntegerField(_("year reviewed"))
    held_on = models.DateField(_("held on"))
    place = models.CharField(_("place"), max_length=200)
    chair = models.CharField(_("chaired by"), max_length=200)
    attendees = models.JSONField(_("attendees"), default=list)  # [{"name", "title", "organisation"}]
    agenda = models.TextField(_("agenda"), blank=True)
    documents = models.TextField(_("documents (one per line)"), blank=True)
    decisions = models.ManyToManyField(Decision, related_name="conferences", blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-held_on"]

    def __str__(self) -> str:
        return f"{self.unit} {self.year}"
