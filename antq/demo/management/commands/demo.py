"""antq demo: Hòa Bình on both maps with its lineage into Phú Thọ, some villages,
agencies and schools, and one demo account per role and level. Idempotent."""

from __future__ import annotations

import datetime
import os
import secrets
import time
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import transaction

from antq.accounts.models import Grant, User
from antq.accounts.services import grant_create, user_create, user_set_password
from antq.core.audit import AuditContext
from antq.demo.awards import load_demo_awards
from antq.demo.movement import load_demo_movement
from antq.demo.national import load_national
from antq.demo.records import load_demo_records
from antq.units.models import Unit, UnitKind
from antq.units.selectors import unit_at
from antq.units.services import unit_create

REFORM = datetime.date(2025, 7, 1)
BEFORE = datetime.date(2024, 6, 1)
# (parent code, date the code is read on, kind, subtype, name)
DEMO_UNITS = [
    ("04795", REFORM, UnitKind.VILLAGE, "Tổ dân phố", "Tổ dân phố Đồng Tiến"),
    ("04795", REFORM, UnitKind.VILLAGE, "Tổ dân phố", "Tổ dân phố Thịnh Minh"),
    ("04795", REFORM, UnitKind.SCHOOL, "Trường THPT", "Trường THPT Công nghiệp Hòa Bình"),
    ("04795", REFORM, UnitKind.AGENCY, "Cơ quan", "Trung tâm Y tế phường Hòa Bình"),
    ("04795", REFORM, UnitKind.ENTERPRISE, "Doanh nghiệp", "Công ty Thủy điện Hòa Bình"),
    ("05266", REFORM, UnitKind.VILLAGE, "Thôn", "Xóm Chiềng"),
    ("05266", REFORM, UnitKind.VILLAGE, "Thôn", "Xóm Vó Mái"),
    ("05266", REFORM, UnitKind.SCHOOL, "Trường THCS", "Trường THCS Vụ Bản"),
    ("04795", BEFORE, UnitKind.VILLAGE, "Tổ dân phố", "Tổ 1 phường Thịnh Lang"),
    ("05266", BEFORE, UnitKind.VILLAGE, "Thôn", "Xóm Thây (xã cũ)"),
]
# (username, full name, unit code, date the code is read on, role)
DEMO_USERS = [
    ("tinh.admin", "Quản trị tỉnh", "25", REFORM, "admin"),
    ("tinh.thuongtruc", "Thường trực BCĐ tỉnh", "25", REFORM, "secretariat"),
    ("tinh.canbo", "Cán bộ nhập liệu tỉnh", "25", REFORM, "officer"),
    ("tinh.lanhdao", "Lãnh đạo tỉnh (xem)", "25", REFORM, "viewer"),
    ("huyen.thuongtruc", "Thường trực BCĐ TP Hòa Bình (cũ)", "148", BEFORE, "secretariat"),
    ("huyen.canbo", "Cán bộ TP Hòa Bình (cũ)", "148", BEFORE, "officer"),
    ("huyen.lanhdao", "Lãnh đạo TP Hòa Bình (cũ)", "148", BEFORE, "viewer"),
    ("xa.hoabinh.canbo", "Công an phường Hòa Bình", "04795", REFORM, "officer"),
    ("xa.hoabinh.lanhdao", "Lãnh đạo phường Hòa Bình", "04795", REFORM, "viewer"),
    ("xa.lacson.canbo", "Công an xã Lạc Sơn", "05266", REFORM, "officer"),
    ("xa.lacson.lanhdao", "Lãnh đạo xã Lạc Sơn", "05266", REFORM, "viewer"),
]
ORG_REP = ("truong.daidien", "Đại diện Trường THPT Công nghiệp Hòa Bình", "Trường THPT Công nghiệp Hòa Bình")


def demo_password_file() -> Path:
    return Path(settings.VAR_DIR) / "demo-logins.txt"


def demo_password() -> str:
    """One random password for all demo accounts, kept under var/ so reruns reuse it."""
    path = demo_password_file()
    if path.exists():
        return path.read_text(encoding="utf-8").splitlines()[0].strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    password = "Demo-" + secrets.token_urlsafe(9)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(password + "\n")
    return password


class Command(BaseCommand):
    help = "Load the demo: Hòa Bình → Phú Thọ, villages, organisations and demo accounts."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--quiet-logins", action="store_true", help="do not print the demo logins")
        parser.add_argument("--national", action="store_true",
                            help="benchmark dataset: full map, 10M cases over 10 years, 1M accidents")
        parser.add_argument("--scale", type=float, default=1.0, help="with --national: fraction of the volume")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["national"]:
            started = time.perf_counter()
            call_command("units", "load", stdout=self.stdout)
            cases, accidents = load_national(scale=options["scale"])
            self.stdout.write(f"{cases} vụ án / cases, {accidents} vụ TNGT / accidents; "
                              f"{time.perf_counter() - started:.0f} s")
            return
        call_command("units", "load", "--province", "17", stdout=self.stdout)
        password = demo_password()
        ctx = AuditContext.cli()
        with transaction.atomic():
            self._units(ctx)
            logins = self._users(ctx, password)
            written = load_demo_records(ctx)
            classified = load_demo_movement(ctx)
            decided = load_demo_awards(ctx)
        self.stdout.write(f"Hồ sơ demo / demo records: {written} mới / new; phân loại phong trào / movement "
                          f"classifications: {classified} mới / new; quyết định khen thưởng / award decisions: "
                          f"{decided} mới / new")
        if not options["quiet_logins"]:
            self.stdout.write(f"\nTài khoản demo / demo logins (mật khẩu / password: {password})")
            for username, role, unit in logins:
                self.stdout.write(f"  {username:<22}{role:<13}{unit}")

    def _units(self, ctx: AuditContext) -> None:
        for parent_code, on, kind, subtype, name in DEMO_UNITS:
            parent = unit_at(parent_code, on)
            assert parent is not None, parent_code
            if not Unit.objects.filter(parent=parent, name=name).exists():
                unit_create(ctx=ctx, parent=parent, kind=kind, subtype=subtype, name=name)

    def _users(self, ctx: AuditContext, password: str) -> list[tuple[str, str, str]]:
        logins = []
        school = Unit.objects.get(name=ORG_REP[2])
        wanted = [(u, n, unit_at(c, d), r) for u, n, c, d, r in DEMO_USERS]
        wanted.append((ORG_REP[0], ORG_REP[1], school, "org_rep"))
        for username, full_name, unit, role in wanted:
            assert unit is not None, username
            user = User.objects.filter(username=username).first()
            if user is None:
                user = user_create(ctx=ctx, username=username, password=password, full_name=full_name)
            elif not user.check_password(password):
                user_set_password(ctx=ctx, user=user, password=password)
            if not Grant.objects.filter(user=user, unit=unit, role=role).exists():
                grant_create(ctx=ctx, user=user, unit=unit, role=role)
            logins.append((username, role, f"{unit.name} ({unit.code})"))
        return logins
