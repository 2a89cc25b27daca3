"""Chart and map geometry as plain data for server-rendered SVG: works offline, prints, no JS."""

from __future__ import annotations

import math
from dataclasses import dataclass

WIDTH, HEIGHT, PAD = 640, 240, 36
MAP_WIDTH, MAP_HEIGHT, MAP_PAD = 520, 420, 24
PALETTE = ["#fde0dd", "#fbb4b9", "#f768a1", "#c51b8a", "#7a0177"]


@dataclass(frozen=True)
class Line:
    label: str
    points: str  # "x,y x,y ..." for <polyline>
    dots: list[tuple[float, float, int]]


@dataclass(frozen=True)
class TrendChart:
    lines: list[Line]
    y_ticks: list[tuple[float, int]]
    x_ticks: list[tuple[float, str]]
    width: int = WIDTH
    height: int = HEIGHT


def trend_chart(series: list[tuple[str, list[int]]], month_labels: list[str]) -> TrendChart:
    top = max([1, *[v for _label, values in series for v in values]])
    step = 10 ** max(0, int(math.log10(top)))
    top = math.ceil(top / step) * step
    plot_w, plot_h = WIDTH - 2 * PAD, HEIGHT - 2 * PAD

    def xy(index: int, value: int) -> tuple[float, float]:
        return (round(PAD + plot_w * index / 11, 1), round(HEIGHT - PAD - plot_h * value / top, 1))

    lines = []
    for label, values in series:
        coords = [xy(i, v) for i, v in enumerate(values)]
        lines.append(Line(label, " ".join(f"{x},{y}" for x, y in coords),
                          [(x, y, v) for (x, y), v in zip(coords, values, strict=True)]))
    y_ticks = [(xy(0, v)[1], v) for v in range(0, top + 1, max(1, top // 4))]
    x_ticks = [(xy(i, 0)[0], label) for i, label in enumerate(month_labels)]
    return TrendChart(lines, y_ticks, x_ticks)


@dataclass(frozen=True)
class MapPoint:
    x: float
    y: float
    colour: str
    name: str
    value: object
    link: str


@dataclass(frozen=True)
class MapLegend:
    colour: str
    low: float
    high: float


def point_map(items: list[tuple[float, float, float | None, str, str]]) -> tuple[list[MapPoint], list[MapLegend]]:
    """Project (lat, lon, value, name, link) into the SVG box, coloured by quintile of value."""
    if not items:
        return [], []
    lats = [lat for lat, _lon, _v, _n, _l in items]
    lons = [lon for _lat, lon, _v, _n, _l in items]
    mid = math.radians(sum(lats) / len(lats))
    span_x = max((max(lons) - min(lons)) * math.cos(mid), 1e-6)
    span_y = max(max(lats) - min(lats), 1e-6)
    scale = min((MAP_WIDTH - 2 * MAP_PAD) / span_x, (MAP_HEIGHT - 2 * MAP_PAD) / span_y)
    values = sorted(v for _lat, _lon, v, _n, _l in items if v is not None)
    bounds = [values[min(len(values) - 1, int(len(values) * k / 5))] for k in range(1, 5)] if values else []

    def colour(value: float | None) -> str:
        if value is None or not values:
            return "#cccccc"
        return PALETTE[sum(1 for b in bounds if value > b)]

    points = [
        MapPoint(round(MAP_PAD + (lon - min(lons)) * math.cos(mid) * scale, 1),
                 round(MAP_HEIGHT - MAP_PAD - (lat - min(lats)) * scale, 1), colour(value), name, value, link)
        for lat, lon, value, name, link in items
    ]
    edges = [values[0], *bounds, values[-1]] if values else []
    legend = [MapLegend(PALETTE[i], edges[i], edges[i + 1]) for i in range(len(edges) - 1)]
    return points, legend
