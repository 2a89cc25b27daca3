"""antq units load [--province CODE] | antq units show CODE [--date YYYY-MM-DD] [--format json|table]"""

from __future__ import annotations

import datetime
import json
import time
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from antq.core.audit import AuditContext
from antq.units.imports import import_units, template
from antq.units.loader import load_official_maps
from antq.units.models import Unit
from antq.units.official_maps import NEW_MAP, OLD_MAP, MapSourceError, read_official_maps
from antq.units.selectors import predecessors, successors, unit_at

KIND_LABELS = {"province": "tỉnh/provinces", "district": "huyện/districts", "commune": "xã/communes"}


def _date(value: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"Ngày không hợp lệ / invalid date {value!r} (YYYY-MM-DD)") from exc


def _brief(unit: Unit) -> dict[str, Any]:
    return {
        "code": unit.code,
        "name": unit.name,
        "kind": unit.kind,
        "valid_from": unit.valid_from.isoformat() if unit.valid_from else None,
        "valid_to": unit.valid_to.isoformat() if unit.valid_to else None,
    }


def unit_summary(unit: Unit, on: datetime.date) -> dict[str, Any]:
    return {
        **_brief(unit),
        "subtype": unit.subtype,
        "date": on.isoformat(),
        "parent": _brief(unit.parent) if unit.parent else None,
        "children": unit.children.count(),
        "predecessors": [_brief(u) for u in predecessors(unit)],
        "successors": [_brief(u) for u in successors(unit)],
    }


class Command(BaseCommand):
    help = "Load the official administrative maps, or show one unit."

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        load = sub.add_parser("load", help="load both maps and the 2025 crosswalk from vietnamadminunits")
        load.add_argument("--province", help="only this province with its predecessors/successors")
        load_file = sub.add_parser("import", help="create villages, agencies, enterprises, schools from an XLSX file")
        load_file.add_argument("file")
        load_file.add_argument("--dry-run", action="store_true", help="check everything, write nothing")
        load_file.add_argument("--template", action="store_true", help="write an empty template to FILE instead")
        show = sub.add_parser("show", help="show the unit with this code on a date")
        show.add_argument("code")
        show.add_argument("--date", type=_date, default=None)
        show.add_argument("--format", choices=["json", "table"], default="table")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "load":
            self._load(options["province"])
        elif options["action"] == "import":
            self._import(options["file"], options["dry_run"], options["template"])
        else:
            self._show(options["code"], options["date"] or datetime.date.today(), options["format"])

    def _load(self, province: str | None) -> None:
        started = time.perf_counter()
        try:
            maps = read_official_maps()
            if province:
                maps = maps.restricted_to(province.strip())
        except MapSourceError as exc:
            raise CommandError(str(exc)) from exc
        summary = load_official_maps(maps)
        elapsed = time.perf_counter() - started
        for source_map, title in ((OLD_MAP, "Bản đồ trước 01/7/2025 / map before 1/7/2025"),
                                  (NEW_MAP, "Bản đồ từ 01/7/2025 / map from 1/7/2025")):
            counts = summary.counts[source_map]
            parts = [f"{counts.get(kind, 0):,} {label}".replace(",", ".") for kind, label in KIND_LABELS.items()
                     if kind in counts or kind != "district"]
            self.stdout.write(f"{title}: " + ", ".join(parts))
        self.stdout.write(
            f"Tạo mới/created {summary.created}, cập nhật/updated {summary.updated}, "
            f"liên kết kế thừa mới/new lineage links {summary.links_created}; {elapsed:.1f} s"
        )

    def _import(self, file_name: str, dry_run: bool, write_template: bool) -> None:
        if write_template:
            Path(file_name).write_bytes(template())
            self.stdout.write(f"Đã ghi mẫu / template written: {file_name}")
            return
        try:
            handle = open(file_name, "rb")  # noqa: SIM115 - closed below
        except OSError as exc:
            raise CommandError(f"Không mở được tệp / cannot open {file_name}: {exc}") from exc
        with handle:
            result = import_units(ctx=AuditContext.cli(), handle=handle, dry_run=dry_run)
        if not result.ok:
            raise CommandError("Không nhập dòng nào / nothing imported:\n" + "\n".join(str(e) for e in result.errors))
        verb = "Kiểm tra xong, sẽ tạo / checked, would create" if dry_run else "Đã tạo / created"
        self.stdout.write(f"{verb} {len(result.created)} đơn vị / units")

    def _show(self, code: str, on: datetime.date, fmt: str) -> None:
        unit = unit_at(code, on)
        if unit is None:
            raise CommandError(f"Không có đơn vị mã {code} vào ngày {on:%d/%m/%Y} / no unit {code} on {on}")
        data = unit_summary(unit, on)
        if fmt == "json":
            self.stdout.write(json.dumps(data, ensure_ascii=False, indent=2))
            return
        validity = f"{data['valid_from'] or '…'} → {data['valid_to'] or '…'}"
        lines = [
            f"{'Mã / code':<22}{unit.code}",
            f"{'Tên / name':<22}{unit.name}",
            f"{'Loại / kind':<22}{unit.kind} ({unit.subtype})",
            f"{'Hiệu lực / validity':<22}{validity}",
            f"{'Cấp trên / parent':<22}{unit.parent.name + ' (' + unit.parent.code + ')' if unit.parent else '—'}",
            f"{'Đơn vị con / children':<22}{data['children']}",
        ]
        for title, items in (("Tiền thân / predecessors", data["predecessors"]),
                             ("Kế thừa / successors", data["successors"])):
            lines.append(f"{title}: {len(items)}")
            lines.extend(
                f"  {u['code']:<8}{u['name']:<40}{u['valid_from'] or '…'} → {u['valid_to'] or '…'}" for u in items
            )
        self.stdout.write("\n".join(lines))
