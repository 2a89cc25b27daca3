"""Printed certificates of awards, as PDF: one A4 landscape page in the national format,
Vietnamese glyphs from the installed fonts embedded, nothing fetched from anywhere."""

from __future__ import annotations

from django.template.loader import render_to_string
from django.utils import translation

from antq.awards.exports import citation
from antq.awards.models import Award


class PdfUnavailable(RuntimeError):
    """WeasyPrint cannot run here (Debian's pango is missing)."""


def pdf_available() -> str | None:
    """None when PDFs can be made, else why not."""
    try:
        import weasyprint  # noqa: F401  (loads pango)
    except (ImportError, OSError) as exc:
        return f"WeasyPrint/pango: {exc}"
    return None


def certificate_pdf(award: Award) -> bytes:
    problem = pdf_available()
    if problem:
        raise PdfUnavailable(problem)
    from weasyprint import HTML

    with translation.override("vi"):
        html = render_to_string("awards/certificate.html", {"award": award, "decision": award.decision,
                                                                "citation": citation(award)})
    pdf: bytes = HTML(string=html, base_url=None).write_pdf()
    return pdf
