"""One layout for every format: a document is its ND 30/2020 header, title, body blocks,
signature and recipients. The DOCX, PDF, HTML renderers and the brief all read this."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from antq.reports.chart import groups_chart_png
from antq.reports.data import ReportData
from antq.reports.phrasing import vi_long_date, vi_number
from antq.reports.text import accident_sentence, award_sentences, crime_sentences, movement_sentences

STEERING_BODY = "BAN CHỈ ĐẠO PHONG TRÀO TOÀN DÂN BẢO VỆ ANTQ"
NATION = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
MOTTO = "Độc lập - Tự do - Hạnh phúc"
TO_FILL = "…"


@dataclass(frozen=True)
class Block:
    kind: str  # "heading", "subheading", "paragraph", "table", "image" (PNG in `image`, caption in `text`)
    text: str = ""
    header: tuple[str, ...] = ()
    rows: tuple[tuple[str, ...], ...] = ()
    image: bytes = b""


@dataclass(frozen=True)
class Document:
    parent_body: str
    issuing_body: str
    number: str  # "Số: 05/BC-BCĐ" (or "Số:      /BC-BCĐ" before a number is taken)
    place_date: str
    type_name: str
    subject: str
    blocks: list[Block]
    signer_prefix: str
    signer_title: str
    signer_name: str
    recipients: list[str] = field(default_factory=list)
    secret: bool = False


@dataclass(frozen=True)
class Prose:
    """What people write and the header details, as a report draft holds them."""

    situation: str = ""
    shortcomings: str = ""
    parent_body: str = ""
    issuing_body: str = ""
    place: str = ""
    issued_on: datetime.date | None = None
    signer_title: str = "TRƯỞNG BAN"
    signer_name: str = ""
    recipients: str = ""


def number_text(number: int | None, symbol: str = "BC-BCĐ") -> str:
    return f"Số: {number:02d}/{symbol}" if number else f"Số:      /{symbol}"


def _paragraphs(text: str) -> list[Block]:
    return [Block("paragraph", line.strip()) for line in text.splitlines() if line.strip()]


def default_recipients(data: ReportData) -> list[str]:
    committee = "Thành ủy" if data.province_is_city else "Tỉnh ủy"
    return ["Bộ Công an (Cục Xây dựng phong trào BVANTQ);", f"Thường trực {committee} {data.province_name};",
            "Các thành viên Ban Chỉ đạo;", "Lưu: VT, BCĐ."]


def annual_document(data: ReportData, prose: Prose, number: int | None, secret: bool = False) -> Document:
    """The annual review report (báo cáo tổng kết) of the data's unit and year."""
    year = data.year
    blocks = [Block("heading", "I. TÌNH HÌNH VÀ KẾT QUẢ THỰC HIỆN"),
              Block("subheading", "1. Tình hình an ninh, trật tự"),
              *(_paragraphs(prose.situation) or [Block("paragraph", TO_FILL)]),
              Block("subheading", "2. Công tác phòng ngừa, đấu tranh với tội phạm"),
              *[Block("paragraph", s) for s in crime_sentences(data)],
              crime_table(data),
              *_chart(data),
              Block("subheading", "3. Công tác bảo đảm trật tự an toàn giao thông"),
              Block("paragraph", accident_sentence(data)),
              Block("subheading", "4. Xây dựng phong trào toàn dân bảo vệ an ninh Tổ quốc"),
              *[Block("paragraph", s) for s in movement_sentences(data) or [TO_FILL]],
              Block("subheading", "5. Công tác thi đua, khen thưởng"),
              *[Block("paragraph", s) for s in award_sentences(data) or [TO_FILL]],
              Block("heading", "II. TỒN TẠI, HẠN CHẾ"),
              *(_paragraphs(prose.shortcomings) or [Block("paragraph", TO_FILL)]),
              Block("heading", f"III. PHƯƠNG HƯỚNG, NHIỆM VỤ NĂM {year + 1}"),
              *([Block("paragraph", f"{n}. {task}") for n, task in enumerate(data.tasks, start=1)]
                or [Block("paragraph", TO_FILL)])]
    issued_on = prose.issued_on or datetime.date.today()
    place = prose.place or data.province_name
    recipients = [line.strip().lstrip("-").strip() for line in prose.recipients.splitlines() if line.strip()]
    return Document(
        parent_body=prose.parent_body or f"UBND {data.unit_name}".upper(),
        issuing_body=prose.issuing_body or STEERING_BODY, number=number_text(number),
        place_date=vi_long_date(place, issued_on), type_name="BÁO CÁO",
        subject=(f"Tổng kết phong trào toàn dân bảo vệ an ninh Tổ quốc năm {year}, phương hướng, nhiệm vụ năm "
                 f"{year + 1}"),
        blocks=blocks, signer_prefix="TM. BAN CHỈ ĐẠO", signer_title=prose.signer_title or "TRƯỞNG BAN",
        signer_name=prose.signer_name, recipients=recipients or default_recipients(data), secret=secret)


def _chart(data: ReportData) -> list[Block]:
    png = groups_chart_png(data)
    return [Block("image", "Biểu đồ: số vụ phạm pháp hình sự theo nhóm tội phạm", image=png)] if png else []


def crime_table(data: ReportData) -> Block:
    """Cases by reporting group with the same period of the previous year."""
    rows = []
    for group in data.groups:
        change = group.figure.change_pct
        rows.append((group.label[0].upper() + group.label[1:], vi_number(group.figure.value or 0, 0),
                     vi_number(group.figure.previous or 0, 0),
                     f"{vi_number(change)}%" if change is not None else "—"))
    return Block("table", header=("Nhóm tội phạm", f"Năm {data.year}", f"Năm {data.year - 1}", "Tăng, giảm"),
                 rows=tuple(rows))
