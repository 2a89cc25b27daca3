"""The same document as HTML (the preview in the UI) and as PDF through WeasyPrint, both
styled by `static/antq/document.css`; fonts come from the machine (Liberation Serif, metric
twin of Times New Roman, from Debian's fonts-liberation2), nothing is fetched."""

from __future__ import annotations

from pathlib import Path

from django.template.loader import render_to_string

from antq.awards.certificates import PdfUnavailable, pdf_available
from antq.reports.document import MOTTO, NATION, Document

STYLESHEET = Path(__file__).resolve().parent.parent / "static" / "antq" / "document.css"


def recipient_lines(doc: Document) -> list[str]:
    """"- X;" per line, the last one ending with a full stop (ND 30/2020)."""
    last = len(doc.recipients) - 1
    return [f"- {r.rstrip(';.')}{'.' if i == last else ';'}" for i, r in enumerate(doc.recipients)]


def document_html(doc: Document, preview: bool = False) -> str:
    return render_to_string("reports/document.html", {"doc": doc, "nation": NATION, "motto": MOTTO,
                                                      "recipients": recipient_lines(doc), "preview": preview})


def document_pdf(doc: Document) -> bytes:
    problem = pdf_available()
    if problem:
        raise PdfUnavailable(problem)
    from weasyprint import CSS, HTML

    page = f'<!DOCTYPE html><html lang="vi"><head><meta charset="utf-8"><title>{doc.type_name}</title></head>' \
           f"<body>{document_html(doc)}</body></html>"
    pdf: bytes = HTML(string=page, base_url=None).write_pdf(stylesheets=[CSS(filename=str(STYLESHEET))])
    return pdf
