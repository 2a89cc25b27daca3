"""The movement's vocabulary: who is judged (subjects), by what (automatic sources), with
which outcome (levels), and in which window of the year."""

from __future__ import annotations

import datetime

from django.db import models
from django.utils.translation import gettext_lazy as _


class Subject(models.TextChoices):
    """Who is scored and recognised (TT 124/2021 art. 1; QĐ 510 adds the district, historical)."""

    RESIDENTIAL = "residential", _("Residential area")
    COMMUNE = "commune", _("Commune / ward / special zone")
    DISTRICT = "district", _("District (before 1/7/2025)")
    AGENCY = "agency", _("Agency")
    ENTERPRISE = "enterprise", _("Enterprise")
    SCHOOL = "school", _("Educational institution")


SUBJECT_OF_KIND: dict[str, str] = {
    "village": Subject.RESIDENTIAL,
    "commune": Subject.COMMUNE,
    "district": Subject.DISTRICT,
    "agency": Subject.AGENCY,
    "enterprise": Subject.ENTERPRISE,
    "school": Subject.SCHOOL,
}
# Units a commune manages for the standard's 70% rule (TT 124 art. 5(4)).
MANAGED_KINDS = ("village", "agency", "enterprise", "school")


class AutoSource(models.TextChoices):
    """Facts antq computes itself, so an item or criterion is pre-filled from the records."""

    NONE = "", _("Scored by hand")
    NO_SERIOUS_CRIME = "no_serious_crime", _("No crime of category 'serious' or above")
    SERIOUS_CRIME_HANDLED = "serious_crime_handled", _("No crime of category 'serious' or above, or each one cleared")
    CRIME_DECREASED = "crime_decreased", _("Crime lower than in the previous year")
    STANDARD_PASSED = "standard_passed", _("'Safe for security and order' standard passed")
    SEVENTY_PERCENT = "seventy_percent", _("All managed units registered and at least 70% recognised")
    REPORTING_ON_TIME = "reporting_on_time", _("Every monthly movement report submitted on time")


class Level(models.TextChoices):
    EXCELLENT = "xuat_sac", _("Excellent")
    GOOD = "kha", _("Good")
    AVERAGE = "trung_binh", _("Average")
    WEAK = "yeu", _("Weak")


def evaluation_window(subject: str, year: int) -> tuple[datetime.date, datetime.date]:
    """The standard's year (TT 124 art. 8(2)): 1/11–31/10 for residential areas,
    16/11–15/11 for everyone else; the movement is classified over the same window."""
    if subject == Subject.RESIDENTIAL:
        return datetime.date(year - 1, 11, 1), datetime.date(year, 10, 31)
    return datetime.date(year - 1, 11, 16), datetime.date(year, 11, 15)


def classification_deadline(subject: str, year: int) -> datetime.date:
    """QĐ 510 art. 11: residential areas finish before 20/11, the others before 30/11
    (districts 15/12, historical)."""
    if subject == Subject.RESIDENTIAL:
        return datetime.date(year, 11, 20)
    if subject == Subject.DISTRICT:
        return datetime.date(year, 12, 15)
    return datetime.date(year, 11, 30)
