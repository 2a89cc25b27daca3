"""What units do and how they are judged: the yearly classification (QĐ 510) and the
"An toàn về ANTT" standard (TT 124/2021). Each row belongs to a unit and is scoped by it."""

from __future__ import annotations

import datetime
from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from antq.core.scoping import ScopedQuerySet
from antq.movement.choices import Level
from antq.movement.rules import (
    LevelRule,
    LevelScheme,
    Rubric,
    RubricItem,
    StandardCriterion,
    StandardRuleSet,
)
from antq.units.models import Unit


class Classification(models.Model):
    """One unit's movement classification for one year: self-score → appraisal by the level
    above → approval and lock by the secretariat."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Self-scored")
        APPRAISED = "appraised", _("Appraised")
        APPROVED = "approved", _("Approved and locked")

    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="classifications", verbose_name=_("unit"))
    year = models.PositiveSmallIntegerField(_("year"))
    rubric = models.ForeignKey(Rubric, on_delete=models.PROTECT, related_name="+", verbose_name=_("rubric"))
    levels = models.ForeignKey(LevelScheme, on_delete=models.PROTECT, related_name="+", verbose_name=_("levels"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    self_total = models.DecimalField(_("self-score"), max_digits=6, decimal_places=1, null=True, blank=True)
    appraised_total = models.DecimalField(_("appraised score"), max_digits=6, decimal_places=1, null=True,
                                          blank=True)
    level = models.CharField(_("level"), max_length=12, choices=Level.choices, blank=True)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")
    appraised_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    submitted_at = models.DateTimeField(null=True, blank=True)
    appraised_at = models.DateTimeField(null=True, blank=True)
    approved_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-year", "unit__path"]
        constraints = [models.UniqueConstraint(fields=["unit", "year"], name="classification_unit_year")]

    def __str__(self) -> str:
        return f"{self.unit} {self.year}"

    @property
    def locked(self) -> bool:
        return self.status == self.Status.APPROVED


class Score(models.Model):
    """One rubric item of one classification: the unit's points, the appraiser's, and for an
    automatic item the figure it was computed from."""

    classification = models.ForeignKey(Classification, on_delete=models.CASCADE, related_name="scores")
    item = models.ForeignKey(RubricItem, on_delete=models.PROTECT, related_name="+")
    self_points = models.DecimalField(_("self-score"), max_digits=5, decimal_places=1, null=True, blank=True)
    appraised_points = models.DecimalField(_("appraised points"), max_digits=5, decimal_places=1, null=True,
                                           blank=True)
    appraisal_reason = models.CharField(_("reason for the change"), max_length=500, blank=True)
    evidence = models.CharField(_("evidence"), max_length=500, blank=True)
    fact = models.JSONField(_("computed fact"), null=True, blank=True)

    class Meta:
        ordering = ["classification", "item__position"]
        constraints = [models.UniqueConstraint(fields=["classification", "item"], name="score_item_unique")]

    def __str__(self) -> str:
        return f"{self.classification} {self.item.code}: {self.self_points}/{self.appraised_points}"


class StandardRegistration(models.Model):
    """Quý I registration to strive for the standard (TT 124 art. 4–7, clause 1)."""

    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="standard_registrations",
                             verbose_name=_("unit"))
    year = models.PositiveSmallIntegerField(_("year"))
    registered_on = models.DateField(_("registered on"))
    households = models.PositiveIntegerField(_("households"), null=True, blank=True)
    households_registered = models.PositiveIntegerField(_("households registered"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-year", "unit__path"]
        constraints = [models.UniqueConstraint(fields=["unit", "year"], name="registration_unit_year")]

    def __str__(self) -> str:
        return f"{self.unit} {self.year}"


class StandardEvaluation(models.Model):
    """The standard's yearly evaluation of one unit, its criteria and the decision."""

    class Result(models.TextChoices):
        PENDING = "pending", _("Being evaluated")
        RECOGNISED = "recognised", _("Recognised (đạt)")
        NOT_MET = "not_met", _("Not met (chưa đạt)")

    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="standard_evaluations",
                             verbose_name=_("unit"))
    year = models.PositiveSmallIntegerField(_("year"))
    rule_set = models.ForeignKey(StandardRuleSet, on_delete=models.PROTECT, related_name="+")
    result = models.CharField(_("result"), max_length=12, choices=Result.choices, default=Result.PENDING)
    decision_no = models.CharField(_("decision number"), max_length=50, blank=True)
    decision_date = models.DateField(_("decision date"), null=True, blank=True)
    signer = models.CharField(_("signed by"), max_length=200, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    version = models.PositiveIntegerField(default=1, editable=False)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-year", "unit__path"]
        constraints = [models.UniqueConstraint(fields=["unit", "year"], name="standard_evaluation_unit_year")]

    def __str__(self) -> str:
        return f"{self.unit} {self.year}: {self.get_result_display()}"


class CriterionCheck(models.Model):
    evaluation = models.ForeignKey(StandardEvaluation, on_delete=models.CASCADE, related_name="checks")
    criterion = models.ForeignKey(StandardCriterion, on_delete=models.PROTECT, related_name="+")
    met = models.BooleanField(_("met"), null=True)
    evidence = models.CharField(_("evidence"), max_length=500, blank=True)
    fact = models.JSONField(_("computed fact"), null=True, blank=True)

    class Meta:
        ordering = ["evaluation", "criterion__position"]
        constraints = [models.UniqueConstraint(fields=["evaluation", "criterion"], name="criterion_check_unique")]

    def __str__(self) -> str:
        return f"{self.evaluation} {self.criterion.code}: {self.met}"


class Evidence(models.Model):
    """A file backing one rubric item or one standard criterion: stored outside the web root
    under a random name, served only to users who see the unit, never executed or inlined."""

    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+", verbose_name=_("unit"))
    score = models.ForeignKey(Score, null=True, blank=True, on_delete=models.CASCADE, related_name="files")
    criterion_check = models.ForeignKey(CriterionCheck, null=True, blank=True, on_delete=models.CASCADE,
                                        related_name="files")
    name = models.CharField(_("file name"), max_length=200)
    stored_as = models.CharField(max_length=80, unique=True, editable=False)
    content_type = models.CharField(max_length=40, editable=False)
    size = models.PositiveIntegerField(editable=False)
    sha256 = models.CharField(max_length=64, editable=False)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["uploaded_at", "pk"]
        constraints = [models.CheckConstraint(
            condition=models.Q(score__isnull=False) | models.Q(criterion_check__isnull=False),
            name="evidence_has_a_target")]

    def __str__(self) -> str:
        return self.name


class SecurityTeam(models.Model):
    """A tổ bảo vệ an ninh, trật tự of one thôn or tổ dân phố (Law 30/2023 art. 14), set up by
    the commune chair's decision."""

    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="security_teams",
                             verbose_name=_("residential area"))
    name = models.CharField(_("name"), max_length=200)
    decision_no = models.CharField(_("establishing decision"), max_length=50)
    decision_date = models.DateField(_("decision date"))
    dissolved_on = models.DateField(_("dissolved on"), null=True, blank=True)
    # Border, island, mountain, extremely difficult or ethnic-minority area: primary education suffices.
    hardship_area = models.BooleanField(_("hardship area"), default=False)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["unit__path", "name"]

    def __str__(self) -> str:
        return self.name


class TeamScopedQuerySet(ScopedQuerySet):
    scope_path_field: ClassVar[str] = "team__unit__path"


class Education(models.TextChoices):
    NONE = "none", _("No schooling")
    PRIMARY = "primary", _("Primary")
    LOWER_SECONDARY = "lower_secondary", _("Lower secondary")
    UPPER_SECONDARY = "upper_secondary", _("Upper secondary")
    HIGHER = "higher", _("Vocational or higher")


class TeamMember(models.Model):
    """A member, with the least personal data the law's checks need (no ID number, no address)."""

    class Role(models.TextChoices):
        LEADER = "leader", _("Team leader")
        DEPUTY = "deputy", _("Deputy leader")
        MEMBER = "member", _("Member")

    class Sex(models.TextChoices):
        MALE = "male", _("Male")
        FEMALE = "female", _("Female")

    team = models.ForeignKey(SecurityTeam, on_delete=models.PROTECT, related_name="members")
    full_name = models.CharField(_("full name"), max_length=120)
    birth_year = models.PositiveSmallIntegerField(_("year of birth"))
    sex = models.CharField(_("sex"), max_length=6, choices=Sex.choices)
    role = models.CharField(_("role"), max_length=8, choices=Role.choices, default=Role.MEMBER)
    education = models.CharField(_("education"), max_length=16, choices=Education.choices)
    resident_since = models.DateField(_("resident since"))
    joined_on = models.DateField(_("recognised on"))
    left_on = models.DateField(_("left on"), null=True, blank=True)
    leave_reason = models.CharField(_("reason for leaving"), max_length=300, blank=True)
    # Over 70 is allowed when health permits, by the commune chair's decision (art. 13).
    age_override = models.CharField(_("decision allowing over 70"), max_length=100, blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    objects = TeamScopedQuerySet.as_manager()

    class Meta:
        ordering = ["team", "role", "full_name"]

    def __str__(self) -> str:
        return f"{self.full_name} ({self.birth_year})"


class Performance(models.TextChoices):
    """Yearly rating of grassroots teams and members (HD 01/HD-BCA-V05), best first."""

    EXCELLENT = "xuat_sac", _("Excellently completed the tasks")
    GOOD = "tot", _("Well completed the tasks")
    DONE = "hoan_thanh", _("Completed the tasks")
    NOT_DONE = "khong_hoan_thanh", _("Did not complete the tasks")


PERFORMANCE_ORDER = [Performance.EXCELLENT, Performance.GOOD, Performance.DONE, Performance.NOT_DONE]


class TeamRating(models.Model):
    team = models.ForeignKey(SecurityTeam, on_delete=models.CASCADE, related_name="ratings")
    year = models.PositiveSmallIntegerField(_("year"))
    level = models.CharField(_("rating"), max_length=16, choices=Performance.choices)

    objects = TeamScopedQuerySet.as_manager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["team", "year"], name="team_rating_unique")]

    def __str__(self) -> str:
        return f"{self.team} {self.year}: {self.get_level_display()}"


class MemberRatingQuerySet(ScopedQuerySet):
    scope_path_field: ClassVar[str] = "member__team__unit__path"


class MemberRating(models.Model):
    member = models.ForeignKey(TeamMember, on_delete=models.CASCADE, related_name="ratings")
    year = models.PositiveSmallIntegerField(_("year"))
    level = models.CharField(_("rating"), max_length=16, choices=Performance.choices)
    transferred_in = models.BooleanField(_("newly transferred in"), default=False)

    objects = MemberRatingQuerySet.as_manager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["member", "year"], name="member_rating_unique")]

    def __str__(self) -> str:
        return f"{self.member} {self.year}: {self.get_level_display()}"


class ModelType(models.Model):
    """A named self-managed mass model (mô hình quần chúng tự quản), e.g. "Camera an ninh"."""

    province = models.ForeignKey(Unit, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                 verbose_name=_("province (empty: national)"))
    name = models.CharField(_("name"), max_length=200)
    description = models.CharField(_("description"), max_length=500, blank=True)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["province", "name"], name="model_type_name_unique")]

    def __str__(self) -> str:
        return self.name


class ModelSite(models.Model):
    """A site (điểm) where a model runs in one area; a replication points to its original."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        STOPPED = "stopped", _("Stopped")

    model_type = models.ForeignKey(ModelType, on_delete=models.PROTECT, related_name="sites",
                                   verbose_name=_("model"))
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="model_sites", verbose_name=_("area"))
    started_on = models.DateField(_("started on"))
    stopped_on = models.DateField(_("stopped on"), null=True, blank=True)
    replicated_from = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT,
                                        related_name="replications", verbose_name=_("replicated from"))
    advanced_example_on = models.DateField(_("recognised as advanced example on"), null=True, blank=True)
    advanced_example_decision = models.CharField(_("recognition decision"), max_length=50, blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["unit__path", "model_type__name"]

    def __str__(self) -> str:
        return f"{self.model_type} — {self.unit}"

    def active_on(self, day: datetime.date) -> bool:
        return self.started_on <= day and (self.stopped_on is None or self.stopped_on > day)


class SiteQuerySet(ScopedQuerySet):
    scope_path_field: ClassVar[str] = "site__unit__path"


class ModelTeam(models.Model):
    """A team (tổ) running a model at one site, with its member count."""

    site = models.ForeignKey(ModelSite, on_delete=models.CASCADE, related_name="teams")
    name = models.CharField(_("name"), max_length=200)
    members = models.PositiveIntegerField(_("members"))
    started_on = models.DateField(_("started on"))
    stopped_on = models.DateField(_("stopped on"), null=True, blank=True)

    objects = SiteQuerySet.as_manager()

    class Meta:
        ordering = ["site", "name"]

    def __str__(self) -> str:
        return self.name


class MovementReport(models.Model):
    """A unit's declared movement figures for one period of the Ministry's scheme (the data
    set is `reports.REPORT_FIELDS`); submitted, then approved and locked by the level above."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted")
        APPROVED = "approved", _("Approved and locked")

    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="movement_reports",
                             verbose_name=_("unit"))
    spec = models.CharField(_("period"), max_length=12)
    period_start = models.DateField()
    period_end = models.DateField()
    due_on = models.DateField(_("due on"))
    figures = models.JSONField(_("figures"), default=dict)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    submitted_on = models.DateField(_("submitted on"), null=True, blank=True)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    reopen_reason = models.CharField(_("reason for reopening"), max_length=300, blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-period_start", "unit__path"]
        constraints = [models.UniqueConstraint(fields=["unit", "spec"], name="movement_report_unit_period")]

    def __str__(self) -> str:
        return f"{self.unit} {self.spec}"

    @property
    def on_time(self) -> bool:
        return self.submitted_on is not None and self.submitted_on <= self.due_on


__all__ = [
    "Classification",
    "CriterionCheck",
    "Education",
    "Evidence",
    "LevelRule",
    "LevelScheme",
    "MemberRating",
    "ModelSite",
    "ModelTeam",
    "ModelType",
    "MovementReport",
    "Performance",
    "Rubric",
    "RubricItem",
    "Score",
    "SecurityTeam",
    "StandardCriterion",
    "StandardEvaluation",
    "StandardRegistration",
    "StandardRuleSet",
    "TeamMember",
    "TeamRating",
]
