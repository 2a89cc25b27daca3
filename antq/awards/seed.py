"""Default award catalogue and base salary, seeded by a data migration. Coefficients from
NĐ 98/2023 where published; bằng khen and giấy khen follow the older NĐ 91/2017 pattern and
are marked as editable defaults (the decree's table for them was not found)."""

from __future__ import annotations

import datetime
from typing import Any

ND98 = "NĐ 98/2023/NĐ-CP"
DEFAULT = "mặc định theo NĐ 91/2017, có thể sửa"
# (code, name, category, authority, collectives, individuals, coefficient collective, individual, basis, default)
CATALOGUE: list[tuple[str, str, str, str, bool, bool, str | None, str | None, str, bool]] = [
    ("co-thi-dua-chinh-phu", "Cờ thi đua của Chính phủ", "title", "government", True, False, "12.0", None, ND98,
     False),
    ("co-thi-dua-tinh", "Cờ thi đua của UBND tỉnh", "title", "province", True, False, "8.0", None, ND98, False),
    ("co-thi-dua-bo-cong-an", "Cờ thi đua của Bộ Công an", "title", "ministry", True, False, "8.0", None, ND98,
     False),
    ("bang-khen-thu-tuong", "Bằng khen của Thủ tướng Chính phủ", "certificate", "prime_minister", True, True,
     "2.0", "1.0", DEFAULT, True),
    ("bang-khen-bo-truong-bca", "Bằng khen của Bộ trưởng Bộ Công an", "certificate", "ministry", True, True,
     "2.0", "1.0", DEFAULT, True),
    ("bang-khen-chu-tich-tinh", "Bằng khen của Chủ tịch UBND tỉnh", "certificate", "province", True, True,
     "2.0", "1.0", DEFAULT, True),
    ("giay-khen-chu-tich-xa", "Giấy khen của Chủ tịch UBND xã", "certificate", "commune", True, True,
     "0.6", "0.3", DEFAULT, True),
    ("tap-the-lao-dong-xuat-sac", "Tập thể lao động xuất sắc", "title", "province", True, False, "1.5", None, ND98,
     False),
    ("tap-the-lao-dong-tien-tien", "Tập thể lao động tiên tiến", "title", "commune", True, False, "0.8", None, ND98,
     False),
    ("chien-si-thi-dua-co-so", "Chiến sĩ thi đua cơ sở", "title", "province", False, True, None, "1.0", ND98, False),
    ("ky-niem-chuong-bvantq", "Kỷ niệm chương \"Bảo vệ an ninh Tổ quốc\"", "medal", "ministry", False, True, None,
     None, "TT 20/2025/TT-BCA", False),
]
# Ranking → proposal (the practice of the provinces' councils; configurable per province).
PROPOSALS = [(1, 1, "co-thi-dua-tinh"), (2, 3, "bang-khen-chu-tich-tinh")]
BASE_SALARY = [
    (1_390_000, datetime.date(2018, 7, 1), "NĐ 72/2018/NĐ-CP"),
    (1_490_000, datetime.date(2019, 7, 1), "NĐ 38/2019/NĐ-CP"),
    (1_800_000, datetime.date(2023, 7, 1), "NĐ 24/2023/NĐ-CP"),
    (2_340_000, datetime.date(2024, 7, 1), "NĐ 73/2024/NĐ-CP"),
]


def seed_awards(apps: Any) -> None:
    AwardType = apps.get_model("awards", "AwardType")
    BaseSalary = apps.get_model("awards", "BaseSalary")
    if AwardType.objects.exists():
        return
    for code, name, category, authority, collectives, individuals, collective, individual, basis, default in CATALOGUE:
        AwardType.objects.create(code=code, name=name, category=category, authority=authority,
                                 for_collectives=collectives, for_individuals=individuals,
                                 coefficient_collective=collective, coefficient_individual=individual, basis=basis,
                                 is_default=default)
    for amount, valid_from, basis in BASE_SALARY:
        BaseSalary.objects.create(amount=amount, valid_from=valid_from, basis=basis)
    ProposalRule = apps.get_model("awards", "ProposalRule")
    for rank_from, rank_to, code in PROPOSALS:
        ProposalRule.objects.create(rank_from=rank_from, rank_to=rank_to, award_type=AwardType.objects.get(code=code))
