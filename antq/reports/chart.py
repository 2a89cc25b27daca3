"""The report's chart, drawn once as PNG so the DOCX, the PDF and the HTML show the same
picture: each reporting group's cases this year beside last year. Fonts come from the
machine (Liberation Serif or DejaVu); without one the chart is left out and the table,
which holds the same figures, stands alone."""

from __future__ import annotations

import io
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from antq.reports.data import ReportData

FONTS = [Path("/usr/share/fonts/truetype/liberation2/LiberationSerif-Regular.ttf"),
         Path("/usr/share/fonts/truetype/liberation/LiberationSerif-Regular.ttf"),
         Path("/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf"),
         Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")]
WIDTH, HEIGHT, LEFT, BOTTOM, TOP = 1500, 760, 60, 200, 130
THIS_YEAR, LAST_YEAR = (40, 40, 40), (170, 170, 170)


def font_file() -> Path | None:
    return next((path for path in FONTS if path.exists()), None)


def groups_chart_png(data: ReportData) -> bytes | None:
    """Bars per crime group (this year dark, last year light), or None without groups or a font."""
    path = font_file()
    groups = data.groups
    if path is None or not groups:
        return None
    font, small = ImageFont.truetype(str(path), 40), ImageFont.truetype(str(path), 34)
    image = Image.new("RGB", (WIDTH, HEIGHT), "white")
    draw = ImageDraw.Draw(image)
    top = max(max(int(g.figure.value or 0), int(g.figure.previous or 0)) for g in groups) or 1
    plot_height = HEIGHT - BOTTOM - TOP
    slot = (WIDTH - LEFT - 20) / len(groups)
    draw.line([(LEFT, HEIGHT - BOTTOM), (WIDTH - 20, HEIGHT - BOTTOM)], fill="black", width=2)
    for index, group in enumerate(groups):
        x = LEFT + index * slot + slot * 0.15
        bar = slot * 0.32
        for offset, value, colour in ((0, group.figure.value or 0, THIS_YEAR), (bar, group.figure.previous or 0,
                                                                                 LAST_YEAR)):
            height = plot_height * int(value) / top
            y = HEIGHT - BOTTOM - height
            draw.rectangle([x + offset, y, x + offset + bar - 4, HEIGHT - BOTTOM], fill=colour)
            draw.text((x + offset + bar / 2 - 2, y - 6), str(value), fill="black", font=small, anchor="md")
        label = group.label[0].upper() + group.label[1:]
        for line, text in enumerate(_wrap(label, 14)):
            draw.text((x + bar, HEIGHT - BOTTOM + 12 + line * 40), text, fill="black", font=small, anchor="ma")
    draw.text((LEFT, 20), f"Số vụ phạm pháp hình sự theo nhóm: năm {data.year} (đậm), năm {data.year - 1} (nhạt)",
              fill="black", font=font)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


def _wrap(text: str, width: int) -> list[str]:
    lines: list[str] = []
    for word in text.split():
        if lines and len(lines[-1]) + 1 + len(word) <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return lines[:3]
