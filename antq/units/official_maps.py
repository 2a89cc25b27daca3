"""Read the official administrative maps and the 2025 crosswalk shipped in `vietnamadminunits`.

Pure reading and checking, no database writes: the loader turns the result into rows.
The package keeps the pre-reform map (63 provinces, 696 districts, 10,035 communes) and the
post-reform map (34 provinces, 3,321 communes) in an SQLite file, and the old→new crosswalk
as JSON keyed by normalised names, which we resolve to official codes here.
"""

from __future__ import annotations

import datetime
import json
import sqlite3
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

REFORM_DATE = datetime.date(2025, 7, 1)
OLD_MAP_VALID_TO = REFORM_DATE - datetime.timedelta(days=1)
OLD_MAP = "2008-2025"
NEW_MAP = "2025"
PROVINCE_BASIS = "Nghị quyết 202/2025/QH15 về sắp xếp đơn vị hành chính cấp tỉnh"
COMMUNE_BASIS = "Nghị quyết của Ủy ban Thường vụ Quốc hội về sắp xếp đơn vị hành chính cấp xã năm 2025"


class MapSourceError(Exception):
    """The source data is missing or inconsistent; the message says what and where."""


@dataclass(frozen=True)
class SourceUnit:
    map: str
    kind: str
    code: str
    name: str
    short_name: str
    subtype: str
    parent: tuple[str, str] | None  # (kind, code) of the parent on the same map
    lat: float | None = None
    lon: float | None = None


@dataclass(frozen=True)
class SourceLink:
    predecessor: tuple[str, str]  # (kind, code) on the old map
    successor: tuple[str, str]  # (kind, code) on the new map
    whole: bool
    is_default: bool


@dataclass
class OfficialMaps:
    old: list[SourceUnit] = field(default_factory=list)
    new: list[SourceUnit] = field(default_factory=list)
    links: list[SourceLink] = field(default_factory=list)

    def restricted_to(self, province_code: str) -> OfficialMaps:
        """The part of the maps around one province: the new province(s) it belongs to
        (or that it is) and every old province merged into them, so lineage is complete."""
        province_links = [link for link in self.links if link.predecessor[0] == "province"]
        new_codes = {
            link.successor[1] for link in province_links if link.predecessor[1] == province_code
        } | {unit.code for unit in self.new if unit.kind == "province" and unit.code == province_code}
        if not new_codes:
            raise MapSourceError(f"Không có tỉnh mã {province_code} / no province with code {province_code}")
        old_codes = {link.predecessor[1] for link in province_links if link.successor[1] in new_codes}
        old_units = _units_under(self.old, old_codes)
        new_units = _units_under(self.new, new_codes)
        old_keys = {(u.kind, u.code) for u in old_units}
        new_keys = {(u.kind, u.code) for u in new_units}
        links = [lk for lk in self.links if lk.predecessor in old_keys and lk.successor in new_keys]
        return OfficialMaps(old=old_units, new=new_units, links=links)


def _units_under(units: list[SourceUnit], province_codes: set[str]) -> list[SourceUnit]:
    by_code = {(u.kind, u.code): u for u in units}

    def province_of(unit: SourceUnit) -> str:
        while unit.parent is not None:
            unit = by_code[unit.parent]
        return unit.code

    return [u for u in units if province_of(u) in province_codes]


def default_data_dir() -> Path:
    try:
        import vietnamadminunits
    except ImportError as exc:  # pragma: no cover - the package is a pinned dependency
        raise MapSourceError("Thiếu gói vietnamadminunits / the vietnamadminunits package is missing") from exc
    return Path(vietnamadminunits.__file__).parent / "data"


def _province_subtype(name: str) -> str:
    return "Thành phố" if name.startswith("Thành phố") else "Tỉnh"


def read_official_maps(data_dir: Path | None = None) -> OfficialMaps:
    data_dir = data_dir or default_data_dir()
    db_path = data_dir / "dataset.db"
    crosswalk_path = data_dir / "converter_2025.json"
    for path in (db_path, crosswalk_path):
        if not path.is_file():
            raise MapSourceError(f"Không tìm thấy tệp dữ liệu {path} / source file {path} not found")
    try:
        connection = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
        connection.row_factory = sqlite3.Row
        legacy_rows = connection.execute("SELECT * FROM admin_units_legacy").fetchall()
        new_rows = connection.execute("SELECT * FROM admin_units").fetchall()
        connection.close()
    except sqlite3.DatabaseError as exc:
        raise MapSourceError(f"Tệp {db_path} hỏng hoặc sai cấu trúc / {db_path} is unreadable: {exc}") from exc
    try:
        crosswalk = json.loads(crosswalk_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise MapSourceError(f"Tệp {crosswalk_path} không đọc được / cannot read {crosswalk_path}: {exc}") from exc

    maps = OfficialMaps()
    old_seen: set[tuple[str, str]] = set()
    legacy_keys: dict[str, tuple[str, str]] = {}
    province_keys_old: dict[str, str] = {}
    for number, row in enumerate(legacy_rows, start=1):
        try:
            province_code, district_code, ward_code = row["provinceCode"], row["districtCode"], row["wardCode"]
            if not province_code or not district_code:
                raise MapSourceError("thiếu mã tỉnh hoặc huyện / province or district code missing")
            if ("province", province_code) not in old_seen:
                old_seen.add(("province", province_code))
                maps.old.append(SourceUnit(OLD_MAP, "province", province_code, row["province"],
                                           row["provinceShort"], _province_subtype(row["province"]), None,
                                           row["provinceLat"], row["provinceLon"]))
                province_keys_old[row["provinceKey"]] = province_code
            if ("district", district_code) not in old_seen:
                old_seen.add(("district", district_code))
                maps.old.append(SourceUnit(OLD_MAP, "district", district_code, row["district"],
                                           row["districtShort"], row["districtType"], ("province", province_code),
                                           row["districtLat"], row["districtLon"]))
            key = f"{row['provinceKey']}_{row['districtKey']}_{row['wardKey'] or ''}"
            if ward_code:
                if ("commune", ward_code) in old_seen:
                    raise MapSourceError(f"mã xã {ward_code} lặp lại / commune code {ward_code} repeated")
                old_seen.add(("commune", ward_code))
                maps.old.append(SourceUnit(OLD_MAP, "commune", ward_code, row["ward"], row["wardShort"],
                                           row["wardType"], ("district", district_code), row["wardLat"],
                                           row["wardLon"]))
                legacy_keys[key] = ("commune", ward_code)
            else:
                # Island districts without communes (Bạch Long Vĩ, Cồn Cỏ, Hoàng Sa, Lý Sơn, Côn Đảo):
                # the district itself is what became a special zone.
                legacy_keys[key] = ("district", district_code)
        except (MapSourceError, IndexError, KeyError) as exc:
            raise MapSourceError(f"admin_units_legacy, dòng/row {number}: {exc}") from exc

    new_seen: set[tuple[str, str]] = set()
    new_keys: dict[tuple[str, str], tuple[str, str]] = {}
    province_keys_new: dict[str, str] = {}
    for number, row in enumerate(new_rows, start=1):
        try:
            province_code, ward_code = row["provinceCode"], row["wardCode"]
            if not province_code or not ward_code:
                raise MapSourceError("thiếu mã tỉnh hoặc xã / province or commune code missing")
            if ("province", province_code) not in new_seen:
                new_seen.add(("province", province_code))
                maps.new.append(SourceUnit(NEW_MAP, "province", province_code, row["province"],
                                           row["provinceShort"], _province_subtype(row["province"]), None,
                                           row["provinceLat"], row["provinceLon"]))
                province_keys_new[row["provinceKey"]] = province_code
            if ("commune", ward_code) in new_seen:
                raise MapSourceError(f"mã xã {ward_code} lặp lại / commune code {ward_code} repeated")
            new_seen.add(("commune", ward_code))
            maps.new.append(SourceUnit(NEW_MAP, "commune", ward_code, row["ward"], row["wardShort"],
                                       row["wardType"], ("province", province_code), row["wardLat"], row["wardLon"]))
            new_keys[(row["provinceKey"], row["wardKey"])] = ("commune", ward_code)
        except (MapSourceError, IndexError, KeyError) as exc:
            raise MapSourceError(f"admin_units, dòng/row {number}: {exc}") from exc

    maps.links = _crosswalk_links(crosswalk, legacy_keys, new_keys, province_keys_old, province_keys_new)
    _check_complete(maps)
    return maps


def _crosswalk_links(
    crosswalk: dict,
    legacy_keys: dict[str, tuple[str, str]],
    new_keys: dict[tuple[str, str], tuple[str, str]],
    province_keys_old: dict[str, str],
    province_keys_new: dict[str, str],
) -> list[SourceLink]:
    try:
        provinces = crosswalk["DICT_PROVINCE"]
        whole_moves = crosswalk["DICT_PROVINCE_WARD_NO_DIVIDED"]
        splits = crosswalk["DICT_PROVINCE_WARD_DIVIDED"]
    except (KeyError, TypeError) as exc:
        raise MapSourceError(f"converter_2025.json thiếu khóa / lacks key {exc}") from exc

    def resolve_old(key: str) -> tuple[str, str]:
        if key not in legacy_keys:
            raise MapSourceError(f"converter_2025.json: đơn vị cũ '{key}' không có trong bản đồ / unknown old unit")
        return legacy_keys[key]

    def resolve_new(province_key: str, ward_key: str) -> tuple[str, str]:
        if (province_key, ward_key) not in new_keys:
            raise MapSourceError(
                f"converter_2025.json: đơn vị mới '{province_key}/{ward_key}' không có trong bản đồ / unknown new unit"
            )
        return new_keys[(province_key, ward_key)]

    links: list[SourceLink] = []
    for new_key, old_province_keys in provinces.items():
        if new_key not in province_keys_new:
            raise MapSourceError(f"converter_2025.json: tỉnh mới '{new_key}' không có / unknown new province")
        for old_key in old_province_keys:
            if old_key not in province_keys_old:
                raise MapSourceError(f"converter_2025.json: tỉnh cũ '{old_key}' không có / unknown old province")
            links.append(SourceLink(("province", province_keys_old[old_key]),
                                    ("province", province_keys_new[new_key]), True, True))
    for province_key, wards in whole_moves.items():
        for ward_key, old_keys in wards.items():
            successor = resolve_new(province_key, ward_key)
            links.extend(SourceLink(resolve_old(old), successor, True, True) for old in old_keys)
    for province_key, olds in splits.items():
        for old_key, targets in olds.items():
            predecessor = resolve_old(old_key)
            defaults = [t for t in targets if t.get("isDefaultNewWard")]
            if len(defaults) != 1:
                raise MapSourceError(
                    f"converter_2025.json: '{old_key}' cần đúng một đơn vị mặc định / needs exactly one default"
                )
            links.extend(
                SourceLink(predecessor, resolve_new(province_key, t["newWardKey"]), False, bool(t["isDefaultNewWard"]))
                for t in targets
            )
    return links


def _check_complete(maps: OfficialMaps) -> None:
    with_successor = {link.predecessor for link in maps.links}
    orphans = [u.code for u in maps.old if u.kind == "commune" and ("commune", u.code) not in with_successor]
    if orphans:
        raise MapSourceError(f"{len(orphans)} xã cũ không có đơn vị kế thừa / old communes without successor: "
                             f"{', '.join(orphans[:10])}")
    seen: dict[tuple[tuple[str, str], tuple[str, str]], int] = defaultdict(int)
    for link in maps.links:
        seen[(link.predecessor, link.successor)] += 1
    repeated = [pair for pair, count in seen.items() if count > 1]
    if repeated:
        raise MapSourceError(f"Liên kết lặp / repeated links: {repeated[:5]}")
