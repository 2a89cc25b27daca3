"""A small hand-made map with the same shape as the real one, and the test personas.

Old provinces 17 (districts 148, 157; communes 04795, 05266, 04798) and 25 (district 227,
commune 07900) merged on 1/7/2025 into new province 25 — the code 25 is reused — with
communes 04795 ← old 04795 + 04798, 05266 ← old 05266, 07900 ← old 07900. Province 01 is
another province. Villages hang under the new communes and under one old commune.
"""

from __future__ import annotations

from dataclasses import dataclass

from antq.accounts.models import User
from antq.accounts.services import grant_create, user_create
from antq.core.audit import AuditContext
from antq.units.loader import load_official_maps
from antq.units.models import Unit
from antq.units.official_maps import NEW_MAP, OLD_MAP, OfficialMaps, SourceLink, SourceUnit
from antq.units.services import unit_create

PASSWORD = "Fixture-pass-2026"


def _u(map_: str, kind: str, code: str, name: str, subtype: str, parent: tuple[str, str] | None) -> SourceUnit:
    return SourceUnit(map_, kind, code, name, name.split(" ", 1)[1] if " " in name else name, subtype, parent)


def fixture_maps() -> OfficialMaps:
    old = [
        _u(OLD_MAP, "province", "17", "Tỉnh Hòa Bình", "Tỉnh", None),
        _u(OLD_MAP, "district", "148", "Thành phố Hòa Bình", "Thành phố", ("province", "17")),
        _u(OLD_MAP, "district", "157", "Huyện Lạc Sơn", "Huyện", ("province", "17")),
        _u(OLD_MAP, "commune", "04795", "Phường Thịnh Lang", "Phường", ("district", "148")),
        _u(OLD_MAP, "commune", "04798", "Phường Hữu Nghị", "Phường", ("district", "148")),
        _u(OLD_MAP, "commune", "05266", "Thị trấn Vụ Bản", "Thị trấn", ("district", "157")),
        _u(OLD_MAP, "province", "25", "Tỉnh Phú Thọ", "Tỉnh", None),
        _u(OLD_MAP, "district", "227", "Thành phố Việt Trì", "Thành phố", ("province", "25")),
        _u(OLD_MAP, "commune", "07900", "Phường Tiên Cát", "Phường", ("district", "227")),
        _u(OLD_MAP, "province", "01", "Thành phố Hà Nội", "Thành phố", None),
        _u(OLD_MAP, "district", "001", "Quận Ba Đình", "Quận", ("province", "01")),
        _u(OLD_MAP, "commune", "00001", "Phường Phúc Xá", "Phường", ("district", "001")),
    ]
    new = [
        _u(NEW_MAP, "province", "25", "Tỉnh Phú Thọ", "Tỉnh", None),
        _u(NEW_MAP, "commune", "04795", "Phường Hòa Bình", "Phường", ("province", "25")),
        _u(NEW_MAP, "commune", "05266", "Xã Lạc Sơn", "Xã", ("province", "25")),
        _u(NEW_MAP, "commune", "07900", "Phường Việt Trì", "Phường", ("province", "25")),
        _u(NEW_MAP, "province", "01", "Thành phố Hà Nội", "Thành phố", None),
        _u(NEW_MAP, "commune", "00004", "Phường Ba Đình", "Phường", ("province", "01")),
    ]
    links = [
        SourceLink(("province", "17"), ("province", "25"), True, True),
        SourceLink(("province", "25"), ("province", "25"), True, True),
        SourceLink(("commune", "07900"), ("commune", "07900"), True, True),
        SourceLink(("province", "01"), ("province", "01"), True, True),
        SourceLink(("commune", "04795"), ("commune", "04795"), True, True),
        SourceLink(("commune", "04798"), ("commune", "04795"), True, True),
        SourceLink(("commune", "05266"), ("commune", "05266"), True, True),
        SourceLink(("commune", "00001"), ("commune", "00004"), True, True),
    ]
    return OfficialMaps(old=old, new=new, links=links)


@dataclass
class World:
    units: dict[str, Unit]
    users: dict[str, User]


def official(code: str, source: str) -> Unit:
    return Unit.objects.get(code=code, source=source)


def build_world() -> World:
    load_official_maps(fixture_maps())
    ctx = AuditContext.system()
    units = {
        "province": official("25", NEW_MAP),
        "old_province": official("17", OLD_MAP),
        "district_a": official("148", OLD_MAP),
        "district_b": official("157", OLD_MAP),
        "commune_a": official("04795", NEW_MAP),
        "commune_b": official("05266", NEW_MAP),
        "old_commune_a": official("04795", OLD_MAP),
        "old_commune_a2": official("04798", OLD_MAP),
        "old_commune_b": official("05266", OLD_MAP),
        "old_province_pt": official("25", OLD_MAP),
        "old_district_pt": official("227", OLD_MAP),
        "old_commune_pt": official("07900", OLD_MAP),
        "commune_pt": official("07900", NEW_MAP),
        "other_province": official("01", NEW_MAP),
        "other_commune": official("00004", NEW_MAP),
    }
    units["village_a"] = unit_create(ctx=ctx, parent=units["commune_a"], kind="village", subtype="Tổ dân phố",
                                     name="Tổ dân phố Đồng Tiến")
    units["village_b"] = unit_create(ctx=ctx, parent=units["commune_b"], kind="village", subtype="Thôn",
                                     name="Xóm Chiềng")
    units["old_village_a"] = unit_create(ctx=ctx, parent=units["old_commune_a"], kind="village",
                                         subtype="Tổ dân phố", name="Tổ 1 Thịnh Lang")
    units["school_a"] = unit_create(ctx=ctx, parent=units["commune_a"], kind="school", subtype="Trường THPT",
                                    name="Trường THPT Công nghiệp")
    units["other_village"] = unit_create(ctx=ctx, parent=units["other_commune"], kind="village",
                                         subtype="Tổ dân phố", name="Tổ dân phố Phúc Xá")
    personas = {
        "alice": ("commune_a", "officer"),  # commune A officer
        "bob": ("commune_b", "officer"),  # commune B officer, another old district
        "dina": ("district_a", "secretariat"),  # district secretariat (old map)
        "victor": ("province", "viewer"),  # province viewer
        "paula": ("province", "secretariat"),  # province secretariat
        "oscar": ("other_province", "secretariat"),  # another province's secretariat
        "rita": ("school_a", "org_rep"),  # a school's representative
    }
    users = {}
    for username, (unit_key, role) in personas.items():
        user = user_create(ctx=ctx, username=username, password=PASSWORD)
        grant_create(ctx=ctx, user=user, unit=units[unit_key], role=role)
        users[username] = user
    admin = user_create(ctx=ctx, username="root", password=PASSWORD)
    admin.is_superuser = True
    admin.save(update_fields=["is_superuser"])
    users["root"] = admin
    return World(units=units, users=users)


# Which fixture units each persona must see — and nothing else.
VISIBLE: dict[str, set[str]] = {
    "alice": {"commune_a", "old_commune_a", "old_commune_a2", "village_a", "old_village_a", "school_a"},
    "bob": {"commune_b", "old_commune_b", "village_b"},
    "dina": {"district_a", "old_commune_a", "old_commune_a2", "old_village_a"},
    "victor": {"province", "old_province", "district_a", "district_b", "commune_a", "commune_b", "old_commune_a",
               "old_commune_a2", "old_commune_b", "village_a", "village_b", "old_village_a", "school_a",
               "old_province_pt", "old_district_pt", "old_commune_pt", "commune_pt"},
    "oscar": {"other_province", "other_commune", "other_village"},
    "rita": {"school_a"},
}
VISIBLE["paula"] = VISIBLE["victor"]


def acting(world: World, username: str) -> AuditContext:
    """The audit context of a persona acting from the web."""
    return AuditContext(actor=world.users[username], source="web")
