"""The report's sentences, built from the report data by the phrasing rules: what the
Steering Committee would write, with every figure taken from the data object."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from antq.reports.data import AwardLine, ReportData
from antq.reports.phrasing import approximately, change, count_of, fraction, three_criteria, vi_number

NOUN = "vụ phạm pháp hình sự"
AREA_WORD = {"province": "toàn tỉnh", "district": "toàn huyện", "commune": "toàn xã"}


def area_word(data: ReportData) -> str:
    return AREA_WORD.get(data.unit_kind, f"{data.unit_name}")


def _value(data: ReportData, indicator: str) -> Any:
    return data.indicators.get(indicator, {}).get("value")


def _change(data: ReportData, indicator: str) -> Decimal | None:
    raw = data.indicators.get(indicator, {}).get("change_pct")
    return Decimal(str(raw)) if raw is not None else None


def _rate(data: ReportData, indicator: str) -> Decimal | None:
    raw = _value(data, indicator)
    return Decimal(str(raw)) if raw is not None else None


def crime_sentences(data: ReportData) -> list[str]:
    cases, cleared = _value(data, "criminal_cases") or 0, _value(data, "criminal_cases_cleared") or 0
    rate = _rate(data, "clearance_rate")
    first = f"Năm {data.year}, {area_word(data)} đã điều tra, khám phá {fraction(cleared, cases, rate, NOUN)}"
    if rate is not None:
        first += f" ({approximately(rate)})"
    serious, serious_cleared = _value(data, "serious_cases") or 0, _value(data, "serious_cases_cleared") or 0
    serious_rate = _rate(data, "serious_clearance_rate")
    if serious:
        said = fraction(serious_cleared, serious, serious_rate)
        first += f"; án nghiêm trọng và đặc biệt nghiêm trọng khám phá {said}"
        if serious_rate is not None:
            first += f" ({approximately(serious_rate)})"
    sentences = [first + "."]
    moved = change(_change(data, "criminal_cases"))
    if moved:
        sentences.append(f"Số vụ phạm pháp hình sự {moved}.")
    ttxh = next((g for g in data.groups if g.group == "ttxh"), None)
    if ttxh is not None and ttxh.figure.change_pct is not None:
        sentences.append(f"Tội phạm về trật tự xã hội {change(ttxh.figure.change_pct)}.")
    return sentences


def accident_sentence(data: ReportData) -> str:
    changes = {key: _change(data, key) for key in ("accidents", "accident_deaths", "accident_injuries")}
    said = three_criteria(changes)
    detail = (f"xảy ra {count_of(_value(data, 'accidents') or 0, 'vụ')}, làm chết "
              f"{count_of(_value(data, 'accident_deaths') or 0, 'người')}, bị thương "
              f"{count_of(_value(data, 'accident_injuries') or 0, 'người')}")
    if said.startswith(("giảm cả", "tăng cả")):
        return f"Tai nạn giao thông {said} ({detail})."
    return f"Tai nạn giao thông {detail}; {said}."


def movement_sentences(data: ReportData) -> list[str]:
    sentences = []
    levels = [f"{count_of(n, 'đơn vị')} {label}" for label, n in data.levels.items() if n]
    if levels:
        sentences.append("Kết quả phân loại phong trào toàn dân bảo vệ ANTQ: " + ", ".join(levels) + ".")
    if data.standard_evaluated:
        share = Decimal(data.standard_recognised) * 100 / data.standard_evaluated
        sentences.append(f"Có {vi_number(data.standard_recognised, 0)}/{vi_number(data.standard_evaluated, 0)} "
                         f"đơn vị được công nhận đạt tiêu chuẩn \"An toàn về an ninh, trật tự\" "
                         f"({vi_number(share.quantize(Decimal('0.01')))}%).")
    models = data.models
    if models["sites"]:
        sentences.append(f"Duy trì {count_of(models['sites'], 'điểm')} mô hình quần chúng tự quản về ANTT "
                         f"({count_of(models['models'], 'loại mô hình')}) với {count_of(models['teams'], 'tổ')}, "
                         f"{count_of(models['members'], 'thành viên')}.")
    if data.teams:
        sentences.append(f"Lực lượng tham gia bảo vệ ANTT ở cơ sở: {count_of(data.teams, 'tổ')}, "
                         f"{count_of(data.team_members, 'thành viên')}.")
    if data.portal_tips:
        sentences.append(f"Tiếp nhận {count_of(data.portal_tips, 'tin báo, tố giác')} của quần chúng qua cổng tiếp "
                         "nhận trực tuyến.")
    activities = [f"{label.lower()}: {vi_number(n, 0)}" for label, n in data.activities.items() if n]
    if activities:
        sentences.append("Hoạt động trong năm — " + "; ".join(activities) + ".")
    return sentences


RANK_WORDS = {1: "thứ nhất", 2: "thứ nhì"}


def _short(award: str) -> str:
    """"Cờ thi đua của UBND tỉnh" → "cờ thi đua" (the giver is said before)."""
    short = award.split(" của ", 1)[0]
    return short[0].lower() + short[1:]


def award_sentence(line: AwardLine) -> str:
    """"UBND tỉnh tặng bằng khen cho 5 đơn vị xếp thứ nhì, 3 đơn vị xếp thứ 3"."""
    parts = []
    if line.by_rank:
        for rank, n in sorted(line.by_rank.items()):
            if rank == 1:
                parts.append(f"{count_of(n, 'tập thể')} dẫn đầu cụm thi đua")
            else:
                parts.append(f"{count_of(n, 'đơn vị')} xếp {RANK_WORDS.get(rank, f'thứ {rank}')}")
        others = line.collectives - sum(line.by_rank.values())
        if others:
            parts.append(count_of(others, "tập thể"))
    elif line.collectives:
        parts.append(count_of(line.collectives, "tập thể"))
    if line.individuals:
        parts.append(count_of(line.individuals, "đồng chí" if line.category == "medal" else "cá nhân"))
    return f"{line.giver} tặng {_short(line.award)} cho {', '.join(parts)}"


def award_sentences(data: ReportData) -> list[str]:
    if not data.awards:
        return []
    return ["; ".join(award_sentence(line) for line in data.awards) + "."]
