"""antq users create USERNAME [--unit CODE --role ROLE] [--date YYYY-MM-DD] [--password-stdin] [--superuser]"""

from __future__ import annotations

import datetime
import sys
from argparse import ArgumentParser
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from antq.accounts.models import User
from antq.accounts.roles import Role
from antq.accounts.services import grant_create, user_create
from antq.core.audit import AuditContext
from antq.units.selectors import unit_at


def validation_text(exc: ValidationError) -> str:
    if hasattr(exc, "message_dict"):
        return "; ".join(f"{field}: {' '.join(msgs)}" for field, msgs in exc.message_dict.items())
    return " ".join(exc.messages)


class Command(BaseCommand):
    help = "Create users and give them a role on a unit."

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create")
        create.add_argument("username")
        create.add_argument("--unit", help="unit code")
        create.add_argument("--role", choices=Role.values)
        create.add_argument("--date", help="date the unit code is valid on (default today)")
        create.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
        create.add_argument("--superuser", action="store_true")
        create.add_argument("--full-name", default="")
        grant = sub.add_parser("grant", help="give an existing user a role on a unit")
        grant.add_argument("username")
        grant.add_argument("--unit", required=True)
        grant.add_argument("--role", required=True, choices=Role.values)
        grant.add_argument("--date")

    def handle(self, *args: Any, **options: Any) -> None:
        on = datetime.date.fromisoformat(options["date"]) if options.get("date") else datetime.date.today()
        ctx = AuditContext.cli()
        try:
            with transaction.atomic():
                if options["action"] == "create":
                    self._create(ctx, options, on)
                else:
                    user = User.objects.filter(username=options["username"]).first()
                    if user is None:
                        raise CommandError(f"Không có người dùng / no user {options['username']}")
                    self._grant(ctx, user, options["unit"], options["role"], on)
        except ValidationError as exc:
            raise CommandError(validation_text(exc)) from exc

    def _create(self, ctx: AuditContext, options: dict[str, Any], on: datetime.date) -> None:
        if bool(options["unit"]) != bool(options["role"]):
            raise CommandError("--unit và --role đi cùng nhau / --unit and --role go together")
        password = None
        if options["password_stdin"]:
            password = sys.stdin.readline().rstrip("\n")
            if not password:
                raise CommandError("Mật khẩu trống / empty password on standard input")
        user = user_create(ctx=ctx, username=options["username"], password=password, full_name=options["full_name"])
        if options["superuser"]:
            user.is_superuser = True
            user.is_staff = True
            user.save(update_fields=["is_superuser", "is_staff"])
        if options["unit"]:
            self._grant(ctx, user, options["unit"], options["role"], on)
        self.stdout.write(f"Đã tạo / created {user.username}")

    def _grant(self, ctx: AuditContext, user: User, code: str, role: str, on: datetime.date) -> None:
        unit = unit_at(code, on)
        if unit is None:
            raise CommandError(f"Không có đơn vị mã {code} vào ngày {on:%d/%m/%Y} / no unit {code} on {on}")
        grant_create(ctx=ctx, user=user, unit=unit, role=role)
        self.stdout.write(f"{user.username}: {role} @ {unit.name} ({unit.code})")
