"""DOCX in the ND 30/2020 layout: A4, Times New Roman, margins 20/20/30/15 mm, the
two-column header with its rules, italic place and date, bold type name and subject,
justified body with a 1,27 cm first-line indent, page numbers centred at the top from page
2, the signature block and "Nơi nhận"."""

from __future__ import annotations

import io

from docx import Document as new_docx
from docx.document import Document as DocxDocument
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Mm, Pt
from docx.table import _Cell
from docx.text.paragraph import Paragraph

from antq.reports.document import MOTTO, NATION, Block, Document
from antq.reports.html_render import recipient_lines

FONT = "Times New Roman"
CONTENT_WIDTH = Mm(210 - 30 - 15)
LEFT_WIDTH = Mm(62)


def _font(document: DocxDocument) -> None:
    style = document.styles["Normal"]
    style.font.name, style.font.size = FONT, Pt(14)
    fonts = style.element.get_or_add_rPr().get_or_add_rFonts()
    for attribute in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(attribute), FONT)
    style.paragraph_format.space_after = Pt(0)


def _page(document: DocxDocument) -> None:
    section = document.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(20), Mm(20)
    section.left_margin, section.right_margin = Mm(30), Mm(15)
    section.different_first_page_header_footer = True  # no number on page 1
    paragraph = section.header.paragraphs[0]
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = paragraph.add_run()
    for tag, text in (("begin", None), (None, "PAGE"), ("end", None)):
        if tag:
            field = OxmlElement("w:fldChar")
            field.set(qn("w:fldCharType"), tag)
            run._r.append(field)
        else:
            instruction = OxmlElement("w:instrText")
            instruction.set(qn("xml:space"), "preserve")
            instruction.text = text
            run._r.append(instruction)
    run.font.size = Pt(14)


def _line(container: DocxDocument | _Cell, text: str, *, size: float = 14, bold: bool = False,
          italic: bool = False, align: WD_ALIGN_PARAGRAPH = WD_ALIGN_PARAGRAPH.CENTER) -> Paragraph:
    paragraph = container.add_paragraph()
    paragraph.alignment = align
    run = paragraph.add_run(text)
    run.bold, run.italic, run.font.size = bold, italic, Pt(size)
    return paragraph


def _rule(container: DocxDocument | _Cell, width: int, container_width: int) -> None:
    """A solid rule, centred, `width` long: an empty 2 pt paragraph with a bottom border and indents."""
    paragraph = container.add_paragraph()
    paragraph.paragraph_format.space_after = Pt(4)
    paragraph.add_run("").font.size = Pt(2)
    paragraph.paragraph_format.line_spacing = Pt(2)
    indent = int((container_width - width) / 2)
    paragraph.paragraph_format.left_indent = indent
    paragraph.paragraph_format.right_indent = indent
    borders = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for key, value in (("w:val", "single"), ("w:sz", "6"), ("w:space", "1"), ("w:color", "000000")):
        bottom.set(qn(key), value)
    borders.append(bottom)
    paragraph._p.get_or_add_pPr().append(borders)


def _first_paragraph(cell: _Cell) -> None:
    cell.paragraphs[0]._p.getparent().remove(cell.paragraphs[0]._p)


def _two_columns(document: DocxDocument, left_width: int) -> tuple[_Cell, _Cell]:
    """A borderless two-column table of fixed widths (the header, the signature block)."""
    table = document.add_table(rows=1, cols=2)
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    widths = (left_width, CONTENT_WIDTH - left_width)
    for column, width in zip(table.columns, widths, strict=True):
        column.width = width
        for cell in column.cells:
            cell.width = width
    left, right = table.rows[0].cells
    for cell in (left, right):
        _first_paragraph(cell)
    return left, right


def _header(document: DocxDocument, doc: Document) -> None:
    left, right = _two_columns(document, LEFT_WIDTH)
    if doc.parent_body:
        _line(left, doc.parent_body, size=13)
    _line(left, doc.issuing_body, size=13, bold=True)
    _rule(left, Mm(25), LEFT_WIDTH)
    _line(left, doc.number, size=13)
    if doc.secret:
        _line(left, "MẬT", size=14, bold=True)
    _line(right, NATION, size=13, bold=True)
    _line(right, MOTTO, size=14, bold=True)
    _rule(right, Mm(62), CONTENT_WIDTH - LEFT_WIDTH)
    _line(right, doc.place_date, size=14, italic=True)


def _body(document: DocxDocument, block: Block) -> None:
    if block.kind == "image":
        document.add_picture(io.BytesIO(block.image), width=Mm(150))
        document.paragraphs[-1].alignment = WD_ALIGN_PARAGRAPH.CENTER
        _line(document, block.text, size=12, italic=True)
        return
    if block.kind == "table":
        table = document.add_table(rows=1, cols=len(block.header))
        table.style = "Table Grid"
        for cell, text in zip(table.rows[0].cells, block.header, strict=True):
            cell.text = text
            cell.paragraphs[0].runs[0].bold = True
        for row in block.rows:
            cells = table.add_row().cells
            for cell, text in zip(cells, row, strict=True):
                cell.text = text
        for row in table.rows:
            for cell in row.cells:
                for paragraph in cell.paragraphs:
                    for run in paragraph.runs:
                        run.font.size = Pt(13)
        return
    paragraph = document.add_paragraph()
    paragraph.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
    layout = paragraph.paragraph_format
    layout.first_line_indent, layout.space_before, layout.space_after = Cm(1.27), Pt(6), Pt(0)
    layout.line_spacing = 1.15
    run = paragraph.add_run(block.text)
    run.bold = block.kind in ("heading", "subheading")


def _signature(document: DocxDocument, doc: Document) -> None:
    left, right = _two_columns(document, CONTENT_WIDTH // 2)
    if doc.recipients:
        label = _line(left, "Nơi nhận:", size=12, bold=True, italic=True, align=WD_ALIGN_PARAGRAPH.LEFT)
        label.paragraph_format.space_before = Pt(12)
    else:
        left.add_paragraph()  # a cell holds at least one paragraph (OOXML)
    for line in recipient_lines(doc):
        _line(left, line, size=11, align=WD_ALIGN_PARAGRAPH.LEFT)
    for index, title in enumerate(t for t in (doc.signer_prefix, doc.signer_title) if t):
        _line(right, title, size=14, bold=True).paragraph_format.space_before = Pt(0 if index else 12)
    for _ in range(3):
        _line(right, "", size=14)
    _line(right, doc.signer_name, size=14, bold=True)


def docx_bytes(doc: Document) -> bytes:
    document = new_docx()
    _font(document)
    _page(document)
    _header(document, doc)
    _line(document, doc.type_name, size=14, bold=True).paragraph_format.space_before = Pt(18)
    _line(document, doc.subject, size=14, bold=True)
    _rule(document, Mm(50), CONTENT_WIDTH)
    for block in doc.blocks:
        _body(document, block)
    _signature(document, doc)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()
