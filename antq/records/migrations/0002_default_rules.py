"""Default rules: Penal Code 2015 chapters → reporting groups, and the national targets.

Defaults from the law's chapter structure; a province edits or overrides them as rows.
The 75%/90% targets follow the National Assembly's crime-prevention resolutions
(NQ 96/2019/QH14 and its successors; the number is to be confirmed by the secretariat).
"""

from django.db import migrations

ARTICLE_GROUPS = [
    (108, 122, "an_ninh_quoc_gia", "Chương XIII — xâm phạm an ninh quốc gia"),
    (123, 156, "ttxh", "Chương XIV — tính mạng, sức khỏe, nhân phẩm, danh dự"),
    (157, 167, "ttxh", "Chương XV — quyền tự do của con người, quyền công dân"),
    (168, 180, "ttxh", "Chương XVI — sở hữu"),
    (181, 187, "ttxh", "Chương XVII — chế độ hôn nhân và gia đình"),
    (188, 234, "kinh_te", "Chương XVIII — trật tự quản lý kinh tế"),
    (235, 246, "moi_truong", "Chương XIX — môi trường"),
    (247, 259, "ma_tuy", "Chương XX — ma túy"),
    (260, 329, "ttxh", "Chương XXI — an toàn công cộng, trật tự công cộng"),
    (285, 294, "cong_nghe_cao", "Chương XXI mục 1 — công nghệ thông tin, mạng viễn thông"),
    (317, 318, "moi_truong", "Điều 317–318 — an toàn thực phẩm, vệ sinh"),
    (330, 351, "ttxh", "Chương XXII — trật tự quản lý hành chính"),
    (352, 366, "chuc_vu", "Chương XXIII — chức vụ (tham nhũng và khác)"),
    (367, 391, "ttxh", "Chương XXIV — hoạt động tư pháp"),
]
TARGETS = [
    ("clearance_rate", "75.00", "Chỉ tiêu Quốc hội: tỷ lệ điều tra, khám phá án hình sự trên 75%"),
    ("serious_clearance_rate", "90.00", "Chỉ tiêu Quốc hội: án rất nghiêm trọng, đặc biệt nghiêm trọng trên 90%"),
]


def seed(apps, schema_editor):
    ArticleGroup = apps.get_model("records", "ArticleGroup")
    Target = apps.get_model("records", "Target")
    for start, end, group, note in ARTICLE_GROUPS:
        ArticleGroup.objects.create(article_from=start, article_to=end, group=group,
                                    note=note + " (mặc định, có thể sửa)")
    for indicator, minimum, basis in TARGETS:
        Target.objects.create(indicator=indicator, minimum=minimum, legal_basis=basis)


def unseed(apps, schema_editor):
    apps.get_model("records", "ArticleGroup").objects.filter(province__isnull=True).delete()
    apps.get_model("records", "Target").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("records", "0001_initial")]
    operations = [migrations.RunPython(seed, unseed)]
