from django.db import models
from django.utils.translation import gettext_lazy as _


class Severity(models.TextChoices):
    """Penal Code art. 9 categories, from the maximum penalty of the charged clause."""

    LESS_SERIOUS = "it_nghiem_trong", _("Less serious")
    SERIOUS = "nghiem_trong", _("Serious")
    VERY_SERIOUS = "rat_nghiem_trong", _("Very serious")
    ESPECIALLY_SERIOUS = "dac_biet_nghiem_trong", _("Especially serious")


class CrimeGroup(models.TextChoices):
    """Reporting groups of the police statistics."""

    TTXH = "ttxh", _("Social order (TTXH)")
    ECONOMIC = "kinh_te", _("Economic")
    OFFICE = "chuc_vu", _("Corruption / position")
    ENVIRONMENT = "moi_truong", _("Environment / food safety")
    DRUGS = "ma_tuy", _("Drugs")
    HIGH_TECH = "cong_nghe_cao", _("High technology")
    NATIONAL_SECURITY = "an_ninh_quoc_gia", _("National security")


GROUP_LABELS_VI = {
    CrimeGroup.TTXH: "trật tự xã hội",
    CrimeGroup.ECONOMIC: "kinh tế",
    CrimeGroup.OFFICE: "tham nhũng, chức vụ",
    CrimeGroup.ENVIRONMENT: "môi trường, an toàn thực phẩm",
    CrimeGroup.DRUGS: "ma túy",
    CrimeGroup.HIGH_TECH: "công nghệ cao",
    CrimeGroup.NATIONAL_SECURITY: "an ninh quốc gia",
}


class TrafficMode(models.TextChoices):
    ROAD = "duong_bo", _("Road")
    RAIL = "duong_sat", _("Rail")
    WATERWAY = "duong_thuy", _("Waterway")


# Vietnamese labels accepted in files, besides the machine keys (compared after fold()).
SEVERITY_WORDS = {
    "it nghiem trong": Severity.LESS_SERIOUS,
    "nghiem trong": Severity.SERIOUS,
    "rat nghiem trong": Severity.VERY_SERIOUS,
    "dac biet nghiem trong": Severity.ESPECIALLY_SERIOUS,
}
GROUP_WORDS = {
    "ttxh": CrimeGroup.TTXH, "trat tu xa hoi": CrimeGroup.TTXH,
    "kinh te": CrimeGroup.ECONOMIC,
    "chuc vu": CrimeGroup.OFFICE, "tham nhung": CrimeGroup.OFFICE, "tham nhung/chuc vu": CrimeGroup.OFFICE,
    "tham nhung, chuc vu": CrimeGroup.OFFICE,
    "moi truong": CrimeGroup.ENVIRONMENT, "moi truong/attp": CrimeGroup.ENVIRONMENT, "attp": CrimeGroup.ENVIRONMENT,
    "ma tuy": CrimeGroup.DRUGS,
    "cong nghe cao": CrimeGroup.HIGH_TECH,
    "an ninh quoc gia": CrimeGroup.NATIONAL_SECURITY,
}
MODE_WORDS = {"duong bo": TrafficMode.ROAD, "duong sat": TrafficMode.RAIL, "duong thuy": TrafficMode.WATERWAY}
