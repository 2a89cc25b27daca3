"""antq report annual --unit CODE --year YEAR [--scheme mps|calendar] --format docx|pdf|xlsx|html -o FILE
antq report brief --conference ID [--format docx|txt|html] -o FILE"""

from __future__ import annotations

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils.html import escape

from antq.awards.certificates import PdfUnavailable
from antq.awards.models import Conference
from antq.core.audit import AuditContext
from antq.core.periods import SCHEMES, PeriodError, period_from_spec
from antq.indicators.engine import IndicatorError, resolve_unit
from antq.reports.brief import brief_docx, brief_of
from antq.reports.services import FORMATS, annual_generate, report_number


class Command(BaseCommand):
    help = "Generate the annual review report, its statistics annex, or the conference news brief."

    def add_arguments(self, parser: ArgumentParser) -> None:
        commands = parser.add_subparsers(dest="document", required=True)
        annual = commands.add_parser("annual", help="the annual review report (báo cáo tổng kết)")
        annual.add_argument("--unit", required=True, help="unit code, as it was in the year reported")
        annual.add_argument("--year", required=True, type=int)
        annual.add_argument("--scheme", choices=SCHEMES, default="mps")
        annual.add_argument("--format", choices=sorted(FORMATS), default="docx")
        annual.add_argument("--secret", action="store_true", help='mark the document "MẬT" (logged)')
        annual.add_argument("--issue", action="store_true", help="give the report its number in the register")
        annual.add_argument("-o", "--output", required=True)
        brief = commands.add_parser("brief", help="the conference news brief")
        brief.add_argument("--conference", required=True, type=int)
        brief.add_argument("--format", choices=["docx", "txt", "html"], default=None)
        brief.add_argument("-o", "--output", required=True)

    def handle(self, *args: Any, **options: Any) -> None:
        output = Path(options["output"])
        try:
            content = self._annual(options) if options["document"] == "annual" else self._brief(options, output)
        except (PeriodError, IndicatorError, PdfUnavailable) as exc:
            raise CommandError(str(exc)) from exc
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        output.write_bytes(content)
        self.stdout.write(f"{output} ({len(content)} bytes)")

    def _annual(self, options: dict[str, Any]) -> bytes:
        period = period_from_spec(str(options["year"]), options["scheme"])
        unit = resolve_unit(options["unit"].strip(), period, "time")
        ctx = AuditContext.cli()
        if options["issue"]:
            report_number(ctx=ctx, unit=unit, year=options["year"], scheme=options["scheme"])
        generated = annual_generate(ctx=ctx, unit=unit, year=options["year"], scheme=options["scheme"],
                                    fmt=options["format"], secret=options["secret"])
        self.stderr.write(f"data version {generated.data.version}, {generated.record.number or 'chưa cấp số'}")
        return generated.content

    def _brief(self, options: dict[str, Any], output: Path) -> bytes:
        conference = Conference.objects.select_related("unit").filter(pk=options["conference"]).first()
        if conference is None:
            raise CommandError(f"Không có hội nghị {options['conference']} / no such conference")
        fmt = options["format"] or output.suffix.lstrip(".") or "docx"
        brief = brief_of(conference)
        if fmt == "docx":
            return brief_docx(brief)
        if fmt == "html":
            body = "".join(f"<p>{escape(p)}</p>" for p in brief.paragraphs)
            return (f'<!DOCTYPE html><html lang="vi"><head><meta charset="utf-8"><title>{escape(brief.title)}'
                    f"</title></head><body><h1>{escape(brief.title)}</h1>{body}</body></html>").encode()
        if fmt == "txt":
            return f"{brief.title}\n\n{brief.text}\n".encode()
        raise CommandError(f"Định dạng không hỗ trợ / unsupported format: {fmt}")
