"""Default movement rules, seeded nationally (province empty) by a data migration.

Known from the texts: the standard's criteria (TT 124/2021 art. 4–7; TT 23/2012 art. 6 for
communes up to 2021), the 100-point scale and the first agency/enterprise items of QĐ 510
(1: 3 points, 2: 3, 3: 5, 4a: 1). Not published: the other point values and the level
thresholds. Those are sensible defaults marked `is_default` and "(mặc định, có thể sửa)",
for the secretariat to review; every number is a row it can change for its province.
"""

from __future__ import annotations

from typing import Any

DEFAULT_MARK = " (mặc định, có thể sửa)"
QD_510 = "QĐ 510/QĐ-BCA-V05 (20/01/2022)"
TT_124 = "TT 124/2021/TT-BCA"
TT_23 = "TT 23/2012/TT-BCA"
FIRST_YEAR_TT124 = 2022  # TT 124/2021 took effect in 2022; years up to 2021 were judged by TT 23/2012
FIRST_YEAR_BEFORE = 2012

# (code, text, max points, evidence required, automatic source)
Item = tuple[str, str, str, bool, str]

ADMINISTRATIVE_ITEMS: list[Item] = [
    ("1", "Nghị quyết của cấp ủy, kế hoạch của chính quyền về phong trào ban hành trong Quý I; "
          "chỉ đạo, hướng dẫn, sơ kết, tổng kết", "12", True, ""),
    ("2", "Tuyên truyền, phổ biến pháp luật, nâng cao ý thức cảnh giác của quần chúng", "12", True, ""),
    ("3", "Tổ chức \"Ngày hội toàn dân bảo vệ an ninh Tổ quốc\" (19/8) và các hoạt động theo chủ đề", "12", True, ""),
    ("4", "Xây dựng, củng cố, nhân rộng mô hình quần chúng tự quản hoạt động hiệu quả", "12", True, ""),
    ("5", "Lực lượng tham gia bảo vệ an ninh, trật tự ở cơ sở hoạt động hiệu quả", "12", False, ""),
    ("6", "Không xảy ra tội phạm từ nghiêm trọng trở lên", "10", False, "no_serious_crime"),
    ("7", "Tội phạm giảm so với năm trước", "10", False, "crime_decreased"),
    ("8", "Đạt tiêu chuẩn \"An toàn về an ninh, trật tự\"", "10", False, "standard_passed"),
    ("9", "Phối hợp, huy động các ban, ngành, đoàn thể tham gia phong trào", "5", False, ""),
    ("10", "Chế độ thông tin, báo cáo định kỳ đầy đủ, đúng hạn", "5", False, "reporting_on_time"),
]
ORGANISATION_ITEMS: list[Item] = [
    ("1", "Ban hành nghị quyết, kế hoạch trong Quý I; phổ biến, quán triệt; chế độ báo cáo", "3", True, ""),
    ("2", "Có từ 90% cán bộ, công nhân viên, người lao động trở lên tham gia phong trào", "3", False, ""),
    ("3", "Tổ chức \"Ngày hội toàn dân bảo vệ an ninh Tổ quốc\" và các hoạt động theo chủ đề", "5", True, ""),
    ("4a", "Có quy chế hoặc kế hoạch phối hợp với chính quyền, Công an địa phương", "1", True, ""),
    ("4b", "Thực hiện quy chế, kế hoạch phối hợp; cung cấp thông tin cho Công an", "4", False, ""),
    ("5", "Nội quy, quy chế bảo vệ cơ quan, bảo vệ bí mật nhà nước, phòng cháy, chữa cháy", "14", True, ""),
    ("6", "Xây dựng, duy trì ít nhất 1 mô hình tự quản hoạt động hiệu quả", "10", True, ""),
    ("7", "Không xảy ra tội phạm từ nghiêm trọng trở lên", "20", False, "no_serious_crime"),
    ("8", "Không xảy ra đình công trái pháp luật, cháy nổ, tai nạn lao động chết người", "15", False, ""),
    ("9", "Đạt tiêu chuẩn \"An toàn về an ninh, trật tự\"", "15", False, "standard_passed"),
    ("10", "Lực lượng bảo vệ và các đơn vị trực thuộc hoàn thành tốt nhiệm vụ", "10", False, ""),
]
RUBRICS: dict[str, list[Item]] = {
    "residential": ADMINISTRATIVE_ITEMS, "commune": ADMINISTRATIVE_ITEMS, "district": ADMINISTRATIVE_ITEMS,
    "agency": ORGANISATION_ITEMS, "enterprise": ORGANISATION_ITEMS, "school": ORGANISATION_ITEMS,
}
# (level, minimum points, requires the standard passed): common practice, unverified.
LEVELS = [("xuat_sac", "90", True), ("kha", "70", False), ("trung_binh", "50", False), ("yeu", "0", False)]

# (code, text, automatic source)
Criterion = tuple[str, str, str]
_PEACE = ("Không xảy ra hoạt động chống Đảng, chính quyền, phá hoại khối đại đoàn kết; phá hoại mục tiêu "
          "trọng điểm; tà đạo; lợi dụng tôn giáo, dân tộc, khiếu kiện; ly khai; tranh chấp phức tạp kéo dài; "
          "kích động tập trung đông người")
RESIDENTIAL_CRITERIA: list[Criterion] = [
    ("1", "Quý I: chi bộ ra nghị quyết; khu dân cư đăng ký phấn đấu; 100% hộ gia đình đăng ký tham gia", ""),
    ("2", "Thực hiện đầy đủ chủ trương, chính sách, pháp luật, quy định của địa phương về an ninh, trật tự", ""),
    ("3", _PEACE, ""),
    ("4a", "Tội phạm, tệ nạn xã hội và vi phạm pháp luật khác được kiềm chế, giảm so với năm trước", "crime_decreased"),
    ("4b", "Không xảy ra tội phạm từ nghiêm trọng trở lên (hoặc được phát hiện, xử lý kịp thời)",
     "serious_crime_handled"),
    ("4c", "Không phát sinh tụ điểm phức tạp, người mắc tệ nạn mới; quản lý, giáo dục tốt đối tượng", ""),
    ("4d", "Không xảy ra cháy, nổ nghiêm trọng, tai nạn lao động chết người, sự cố nghiêm trọng", ""),
    ("5", "Lực lượng tham gia bảo vệ ANTT ở cơ sở hoàn thành nhiệm vụ trở lên, không có thành viên bị kỷ luật",
     ""),
]
COMMUNE_CRITERIA: list[Criterion] = [
    ("1", "Quý I: Đảng ủy ra nghị quyết; UBND có kế hoạch và đăng ký; có ít nhất 1 mô hình hoạt động hiệu quả",
     ""),
    ("2", "Thực hiện đầy đủ chủ trương, chính sách, pháp luật về an ninh, trật tự", ""),
    ("3", _PEACE, ""),
    ("4a", "Tội phạm, tệ nạn xã hội được kiềm chế, giảm so với năm trước", "crime_decreased"),
    ("4b", "Không xảy ra tội phạm từ nghiêm trọng trở lên (hoặc được phát hiện, xử lý kịp thời)",
     "serious_crime_handled"),
    ("5", "Công an xã nắm chắc tình hình, tham mưu hiệu quả; không có cán bộ, chiến sĩ bị kỷ luật", ""),
    ("6", "100% khu dân cư, cơ quan, doanh nghiệp, cơ sở giáo dục đăng ký và ít nhất 70% được công nhận",
     "seventy_percent"),
]
ORGANISATION_CRITERIA: list[Criterion] = [
    ("1", "Quý I: nghị quyết (nếu có tổ chức đảng), kế hoạch, đăng ký; nội quy, quy chế; 100% cán bộ, người lao "
          "động được phổ biến; ít nhất 1 mô hình", ""),
    ("2", "Thực hiện chủ trương, chính sách, pháp luật và kế hoạch phối hợp với Công an", ""),
    ("3", "Không xảy ra tà đạo, lợi dụng tôn giáo, dân tộc, khiếu kiện, kích động; đình công trái pháp luật; "
          "lộ bí mật nhà nước; cháy nổ, tai nạn lao động chết người; vi phạm nghiêm trọng về môi trường, ATTP",
     ""),
    ("3đ", "Không xảy ra tội phạm từ nghiêm trọng trở lên (hoặc được phát hiện, xử lý kịp thời)",
     "serious_crime_handled"),
    ("4", "Lực lượng bảo vệ đạt tập thể lao động tiên tiến hoặc hoàn thành tốt nhiệm vụ trở lên", ""),
    ("5", "Ít nhất 70% đơn vị trực thuộc đạt tập thể lao động tiên tiến hoặc hoàn thành tốt nhiệm vụ trở lên", ""),
]
SCHOOL_CRITERIA: list[Criterion] = [
    *ORGANISATION_CRITERIA[:4],
    ("3a", "Không xảy ra bạo lực học đường; không có cán bộ, giáo viên, người học phạm tội", ""),
    *ORGANISATION_CRITERIA[4:],
]
TT124_CRITERIA: dict[str, list[Criterion]] = {
    "residential": RESIDENTIAL_CRITERIA, "commune": COMMUNE_CRITERIA, "agency": ORGANISATION_CRITERIA,
    "enterprise": ORGANISATION_CRITERIA, "school": SCHOOL_CRITERIA,
}
TT23_COMMUNE_CRITERIA: list[Criterion] = [
    ("1", "Đảng ủy ra nghị quyết; UBND có kế hoạch và đăng ký", ""),
    ("2", "Đáp ứng các tiêu chí về an ninh, trật tự tương ứng (Điều 5 khoản 2–4)", ""),
    ("2b", "Không xảy ra tội phạm từ nghiêm trọng trở lên (hoặc được phát hiện, xử lý kịp thời)",
     "serious_crime_handled"),
    ("3", "Công an xã và Bảo vệ dân phố đạt danh hiệu \"Đơn vị tiên tiến\" trở lên, không có thành viên bị kỷ "
          "luật từ cảnh cáo trở lên", ""),
    ("4", "Ít nhất 70% khu dân cư được công nhận đạt tiêu chuẩn", "seventy_percent"),
]


def seed_rules(apps: Any) -> None:
    """Create the national defaults (idempotent: skipped when any rubric exists)."""
    Rubric = apps.get_model("movement", "Rubric")
    if Rubric.objects.exists():
        return
    RubricItem = apps.get_model("movement", "RubricItem")
    LevelScheme = apps.get_model("movement", "LevelScheme")
    LevelRule = apps.get_model("movement", "LevelRule")
    StandardRuleSet = apps.get_model("movement", "StandardRuleSet")
    StandardCriterion = apps.get_model("movement", "StandardCriterion")
    for subject, items in RUBRICS.items():
        rubric = Rubric.objects.create(subject=subject, first_year=FIRST_YEAR_BEFORE, basis=QD_510, is_default=True,
                                       note="Điểm các mục chưa công bố: mặc định, có thể sửa")
        for position, (code, text, points, evidence, source) in enumerate(items, start=1):
            RubricItem.objects.create(rubric=rubric, position=position, code=code, text=text, max_points=points,
                                      evidence_required=evidence, auto_source=source)
    scheme = LevelScheme.objects.create(first_year=FIRST_YEAR_BEFORE, basis=QD_510, is_default=True,
                                        note="Ngưỡng điểm theo thông lệ, chưa có văn bản" + DEFAULT_MARK)
    for level, minimum, gate in LEVELS:
        LevelRule.objects.create(scheme=scheme, level=level, min_points=minimum, requires_standard=gate)
    for subject, criteria in TT124_CRITERIA.items():
        _criteria(StandardRuleSet, StandardCriterion, subject, FIRST_YEAR_TT124, None, TT_124, criteria, False)
        before = TT23_COMMUNE_CRITERIA if subject == "commune" else criteria
        _criteria(StandardRuleSet, StandardCriterion, subject, FIRST_YEAR_BEFORE, FIRST_YEAR_TT124 - 1, TT_23, before,
                  subject != "commune")


def _criteria(rule_sets: Any, criteria_model: Any, subject: str, first: int, last: int | None, basis: str,
              criteria: list[Criterion], approximate: bool) -> None:
    rule_set = rule_sets.objects.create(
        subject=subject, first_year=first, last_year=last, basis=basis, is_default=approximate,
        note="Nội dung tương ứng theo TT 124, cần đối chiếu TT 23" + DEFAULT_MARK if approximate else "")
    for position, (code, text, source) in enumerate(criteria, start=1):
        criteria_model.objects.create(rule_set=rule_set, position=position, code=code, text=text,
                                      auto_source=source)
