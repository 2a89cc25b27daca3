from __future__ import annotations

import datetime
import io
import json
import shutil
import sqlite3
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from antq.units import loader
from antq.units.models import LineageLink, Unit
from antq.units.official_maps import (
    NEW_MAP,
    OLD_MAP,
    MapSourceError,
    default_data_dir,
    read_official_maps,
)
from antq.units.selectors import predecessors, successors, unit_at

BEFORE = datetime.date(2024, 6, 1)
AFTER = datetime.date(2025, 8, 1)


@pytest.fixture(scope="module")
def official_maps():
    return read_official_maps()


def counts(source: str) -> dict[str, int]:
    return {kind: Unit.objects.filter(source=source, kind=kind).count() for kind in ("province", "district", "commune")}


@pytest.mark.slow
@pytest.mark.django_db
def test_full_load_matches_the_official_counts_and_crosswalk(official_maps) -> None:
    out = io.StringIO()
    call_command("units", "load", stdout=out)
    assert counts(OLD_MAP) == {"province": 63, "district": 696, "commune": 10035}
    assert counts(NEW_MAP) == {"province": 34, "district": 0, "commune": 3321}
    assert "10.035" in out.getvalue() and "3.321" in out.getvalue()

    orphans = Unit.objects.filter(source=OLD_MAP, kind="commune").exclude(
        pk__in=LineageLink.objects.values("predecessor_id"))
    assert orphans.count() == 0

    old_08, new_08 = unit_at("08", BEFORE), unit_at("08", AFTER)
    assert old_08 is not None and new_08 is not None and old_08.pk != new_08.pk
    assert old_08.name == "Tỉnh Tuyên Quang" and old_08.valid_to == datetime.date(2025, 6, 30)
    assert new_08.valid_from == datetime.date(2025, 7, 1)
    assert {u.name for u in predecessors(new_08)} == {"Tỉnh Hà Giang", "Tỉnh Tuyên Quang"}

    # Idempotent: a second load changes nothing.
    out = io.StringIO()
    call_command("units", "load", stdout=out)
    assert "created 0" in out.getvalue() and "updated 0" in out.getvalue()
    assert Unit.objects.count() == 63 + 696 + 10035 + 34 + 3321


@pytest.mark.django_db
def test_lineage_walk_of_many_siblings_at_once_equals_one_by_one(monkeypatch: pytest.MonkeyPatch) -> None:
    """Siblings looked up through their parent (fewer index ranges) give the same areas."""
    from antq.units import selectors

    call_command("units", "load", "--province", "17", stdout=io.StringIO())
    roots = {u.path for u in Unit.objects.filter(valid_to__isnull=True).exclude(kind="village")}
    monkeypatch.setattr(selectors, "SIBLINGS_BY_PARENT", 10**6)
    one_by_one = selectors.inheriting_predecessor_paths_of(roots, until=AFTER)
    monkeypatch.setattr(selectors, "SIBLINGS_BY_PARENT", 0)
    assert selectors.inheriting_predecessor_paths_of(roots, until=AFTER) == one_by_one
    assert sum(len(area) > 1 for area in one_by_one.values()) > 100  # the merger gave most new units old ones


@pytest.mark.django_db
def test_province_load_brings_the_whole_merged_province() -> None:
    call_command("units", "load", "--province", "17", stdout=io.StringIO())
    assert set(Unit.objects.filter(source=OLD_MAP, kind="province").values_list("code", flat=True)) == {
        "17", "25", "26"}  # Hòa Bình, Phú Thọ, Vĩnh Phúc
    new_25 = unit_at("25", AFTER)
    assert new_25 is not None and new_25.name == "Tỉnh Phú Thọ"
    hoa_binh = unit_at("17", BEFORE)
    assert hoa_binh is not None
    assert [u.code for u in successors(hoa_binh)] == ["25"]
    assert unit_at("17", AFTER) is None
    # 04795 is Thịnh Lang before the reform and Hòa Bình ward after.
    before, after = unit_at("04795", BEFORE), unit_at("04795", AFTER)
    assert before is not None and after is not None
    assert before.name == "Phường Thịnh Lang" and after.name == "Phường Hòa Bình"
    assert before in predecessors(after)
    # Every old commune of the group has a successor, and paths nest under their province.
    olds = Unit.objects.filter(source=OLD_MAP, kind="commune")
    assert not olds.exclude(pk__in=LineageLink.objects.values("predecessor_id")).exists()
    assert all(c.path.startswith(hoa_binh.path) for c in Unit.objects.filter(parent__parent=hoa_binh))


@pytest.mark.django_db
def test_units_show_prints_json_and_table() -> None:
    call_command("units", "load", "--province", "17", stdout=io.StringIO())
    out = io.StringIO()
    call_command("units", "show", "04795", "--date", "2025-08-01", "--format", "json", stdout=out)
    data = json.loads(out.getvalue())
    assert data["name"] == "Phường Hòa Bình" and data["parent"]["code"] == "25"
    assert {"04795", "04798"} <= {p["code"] for p in data["predecessors"]}
    out = io.StringIO()
    call_command("units", "show", "04795", "--date", "2024-06-01", stdout=out)
    assert "Phường Thịnh Lang" in out.getvalue() and "Phường Hòa Bình" in out.getvalue()
    with pytest.raises(CommandError, match="1990-13-01"):
        call_command("units", "show", "04795", "--date", "1990-13-01")
    with pytest.raises(CommandError, match="99999"):
        call_command("units", "show", "99999")


def _copy_source(tmp_path: Path) -> Path:
    target = tmp_path / "data"
    shutil.copytree(default_data_dir(), target, ignore=shutil.ignore_patterns("parser_*"))
    return target


def test_missing_source_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(MapSourceError, match=r"dataset\.db"):
        read_official_maps(tmp_path)


def test_broken_crosswalk_names_the_unknown_unit(tmp_path: Path) -> None:
    data = _copy_source(tmp_path)
    crosswalk = json.loads((data / "converter_2025.json").read_text(encoding="utf-8"))
    province = next(iter(crosswalk["DICT_PROVINCE_WARD_NO_DIVIDED"]))
    ward = next(iter(crosswalk["DICT_PROVINCE_WARD_NO_DIVIDED"][province]))
    crosswalk["DICT_PROVINCE_WARD_NO_DIVIDED"][province][ward].append("tinhkhongco_huyenkhongco_xakhongco")
    (data / "converter_2025.json").write_text(json.dumps(crosswalk), encoding="utf-8")
    with pytest.raises(MapSourceError, match="tinhkhongco_huyenkhongco_xakhongco"):
        read_official_maps(data)


def test_missing_code_names_the_row(tmp_path: Path) -> None:
    data = _copy_source(tmp_path)
    with sqlite3.connect(data / "dataset.db") as connection:
        connection.execute("UPDATE admin_units SET wardCode = NULL WHERE rowid = 7")
    with pytest.raises(MapSourceError, match=r"admin_units, dòng/row 7"):
        read_official_maps(data)


@pytest.mark.django_db(transaction=True)
def test_a_failing_load_leaves_nothing_half_written(monkeypatch: pytest.MonkeyPatch, official_maps) -> None:
    def explode(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(loader, "_load_lineage", explode)
    with pytest.raises(RuntimeError):
        loader.load_official_maps(official_maps.restricted_to("17"))
    assert Unit.objects.count() == 0
