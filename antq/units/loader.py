"""Write the official maps into units and lineage rows: idempotent, in one transaction."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass

from django.db import transaction

from antq.units.models import LineageEvent, LineageKind, LineageLink, Unit, path_segment, search_key_for
from antq.units.official_maps import (
    COMMUNE_BASIS,
    NEW_MAP,
    OLD_MAP,
    OLD_MAP_VALID_TO,
    PROVINCE_BASIS,
    REFORM_DATE,
    OfficialMaps,
    SourceLink,
    SourceUnit,
)
from antq.units.signals import paths_changed

KIND_ORDER = {"province": 0, "district": 1, "commune": 2}


@dataclass
class LoadSummary:
    counts: dict[str, Counter[str]]
    created: int
    updated: int
    links_created: int


@transaction.atomic
def load_official_maps(maps: OfficialMaps) -> LoadSummary:
    """Upsert both maps keyed by (map, kind, code), then their lineage, then paths."""
    existing = {
        (u.source, u.kind, u.code): u
        for u in Unit.objects.filter(source__in=[OLD_MAP, NEW_MAP]).only(
            "id", "source", "kind", "code", "name", "short_name", "subtype", "parent_id", "path", "depth", "lat", "lon"
        )
    }
    created = updated = 0
    rows: dict[tuple[str, str, str], Unit] = {}
    changed: list[Unit] = []
    sources = maps.old + maps.new
    # Level by level, so each level's parents already have ids when it is inserted.
    for level in sorted({KIND_ORDER[s.kind] for s in sources}):
        fresh: list[Unit] = []
        for source in (s for s in sources if KIND_ORDER[s.kind] == level):
            parent = rows[(source.map, *source.parent)] if source.parent else None
            unit = existing.get((source.map, source.kind, source.code))
            if unit is None:
                unit = _new_unit(source, parent)
                fresh.append(unit)
            elif _apply(unit, source, parent):
                changed.append(unit)
            rows[(source.map, source.kind, source.code)] = unit
        Unit.objects.bulk_create(fresh, batch_size=2000)
        created += len(fresh)
    updated = len(changed)
    Unit.objects.bulk_update(changed, ["name", "short_name", "subtype", "parent", "search_key", "lat", "lon"],
                             batch_size=1000)
    _refresh_paths(list(rows.values()))

    links_created = _load_lineage(maps.links, rows)
    counts: dict[str, Counter[str]] = {OLD_MAP: Counter(), NEW_MAP: Counter()}
    for (source_map, kind, _code) in rows:
        counts[source_map][kind] += 1
    return LoadSummary(counts=counts, created=created, updated=updated, links_created=links_created)


def _new_unit(source: SourceUnit, parent: Unit | None) -> Unit:
    return Unit(
        code=source.code,
        name=source.name,
        short_name=source.short_name,
        kind=source.kind,
        subtype=source.subtype,
        parent=parent,
        valid_from=None if source.map == OLD_MAP else REFORM_DATE,
        valid_to=OLD_MAP_VALID_TO if source.map == OLD_MAP else None,
        source=source.map,
        search_key=search_key_for(source.name, source.short_name, source.code),
        path="",
        lat=source.lat,
        lon=source.lon,
    )


def _apply(unit: Unit, source: SourceUnit, parent: Unit | None) -> bool:
    wanted = {
        "name": source.name,
        "short_name": source.short_name,
        "subtype": source.subtype,
        "search_key": search_key_for(source.name, source.short_name, source.code),
        "lat": source.lat,
        "lon": source.lon,
    }
    dirty = any(getattr(unit, field) != value for field, value in wanted.items())
    dirty = dirty or unit.parent_id != (parent.pk if parent else None)
    for field, value in wanted.items():
        setattr(unit, field, value)
    unit.parent = parent
    return dirty


def _refresh_paths(units: list[Unit]) -> None:
    """Parents come before children in `units`, so one pass computes every path."""
    by_id = {u.pk: u for u in units}
    stale = []
    moves = []
    for unit in units:
        parent = by_id.get(unit.parent_id) if unit.parent_id else None
        if unit.parent_id and parent is None:
            parent = Unit.objects.get(pk=unit.parent_id)
        path = (parent.path if parent else "") + path_segment(unit.pk)
        depth = parent.depth + 1 if parent else 0
        if unit.path != path or unit.depth != depth:
            moves.append((unit.pk, unit.path, path))
            unit.path, unit.depth = path, depth
            stale.append(unit)
    Unit.objects.bulk_update(stale, ["path", "depth"], batch_size=1000)
    paths_changed.send(sender=Unit, moves=moves)
    _refresh_descendants_of_user_units(stale)


def _refresh_descendants_of_user_units(moved: list[Unit]) -> None:
    """Villages and organisations hang under official units; keep their paths in step."""
    from antq.units.services import refresh_subtree_paths

    moved_ids = {u.pk for u in moved}
    for child in Unit.objects.filter(parent_id__in=moved_ids).exclude(source__in=[OLD_MAP, NEW_MAP]):
        refresh_subtree_paths(child)


def _event_kind(predecessors: int, successors: int) -> str:
    if predecessors == 1 and successors == 1:
        return LineageKind.RENAME
    if successors == 1:
        return LineageKind.MERGE
    if predecessors == 1:
        return LineageKind.SPLIT
    return LineageKind.TRANSFER


def _load_lineage(links: list[SourceLink], rows: dict[tuple[str, str, str], Unit]) -> int:
    """One event per connected group of the crosswalk: the units before and after a change."""
    existing = set(
        LineageLink.objects.filter(event__effective_date=REFORM_DATE).values_list("predecessor_id", "successor_id")
    )
    pending = []
    for link in links:
        predecessor = rows[(OLD_MAP, *link.predecessor)]
        successor = rows[(NEW_MAP, *link.successor)]
        if (predecessor.pk, successor.pk) not in existing:
            pending.append((link, predecessor, successor))
    if not pending:
        return 0
    kinds = {p.pk: p.kind for _, p, _ in pending}
    groups = _connected_groups([(p.pk, s.pk) for _, p, s in pending])
    events = [
        LineageEvent(
            kind=_event_kind(len(olds), len(news)),
            effective_date=REFORM_DATE,
            legal_basis=PROVINCE_BASIS if kinds[next(iter(olds))] == "province" else COMMUNE_BASIS,
        )
        for olds, news in groups
    ]
    LineageEvent.objects.bulk_create(events, batch_size=2000)
    event_of = {old: event for event, (olds, _news) in zip(events, groups, strict=True) for old in olds}
    LineageLink.objects.bulk_create(
        [
            LineageLink(event=event_of[p.pk], predecessor=p, successor=s, whole=link.whole, is_default=link.is_default)
            for link, p, s in pending
        ],
        batch_size=2000,
    )
    return len(pending)


def _connected_groups(edges: list[tuple[int, int]]) -> list[tuple[set[int], set[int]]]:
    """Connected groups of the old→new graph (union-find; new ids negated to share one space)."""
    parent: dict[int, int] = {}

    def find(node: int) -> int:
        parent.setdefault(node, node)
        while parent[node] != node:
            parent[node] = parent[parent[node]]
            node = parent[node]
        return node

    for old, new in edges:
        parent[find(-new)] = find(old)
    groups: dict[int, tuple[set[int], set[int]]] = defaultdict(lambda: (set(), set()))
    for old, new in edges:
        olds, news = groups[find(old)]
        olds.add(old)
        news.add(new)
    return list(groups.values())
