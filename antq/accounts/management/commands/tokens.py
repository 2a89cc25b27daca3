"""antq tokens create USERNAME [--name NAME]: prints the token once; only its hash is kept."""

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from antq.accounts.models import User
from antq.accounts.services import token_create
from antq.core.audit import AuditContext


class Command(BaseCommand):
    help = "Create a personal API token."

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create")
        create.add_argument("username")
        create.add_argument("--name", default="cli")

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(username=options["username"], is_active=True).first()
        if user is None:
            raise CommandError(f"Không có người dùng / no active user {options['username']}")
        _token, raw = token_create(ctx=AuditContext.cli(), user=user, name=options["name"])
        self.stdout.write(raw)
