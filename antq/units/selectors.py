"""Reads over the versioned map: as of a date, subtrees, successors and predecessors."""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import Case, Count, IntegerField, Q, Value, When

from antq.units.models import LineageLink, Unit, UnitQuerySet, valid_on_q


def unit_at(code: str, on: datetime.date, queryset: UnitQuerySet | None = None) -> Unit | None:
    """The unit carrying `code` on date `on` (codes are reused across periods)."""
    qs = queryset if queryset is not None else Unit.objects.all()
    return qs.filter(valid_on_q(on), code=code).select_related("parent").first()


def map_as_of(on: datetime.date) -> UnitQuerySet:
    return Unit.objects.valid_on(on)


def subtree(unit: Unit, include_self: bool = True) -> UnitQuerySet:
    return Unit.objects.subtree_of(unit, include_self=include_self)


def children_with_counts(unit: Unit, queryset: UnitQuerySet) -> UnitQuerySet:
    return queryset.filter(parent=unit).annotate(child_count=Count("children")).order_by("kind", "name")


def _walk(start: Unit, forward: bool, on: datetime.date | None) -> list[Unit]:
    """Follow lineage links transitively (several reforms in a row), stopping at units
    valid on `on` when a date is given, else returning the direct neighbours."""
    frontier = {start.pk}
    seen: set[int] = set()
    found: dict[int, Unit] = {}
    while frontier:
        if forward:
            links = LineageLink.objects.filter(predecessor_id__in=frontier).select_related("successor")
            neighbours = [link.successor for link in links]
        else:
            links = LineageLink.objects.filter(successor_id__in=frontier).select_related("predecessor")
            neighbours = [link.predecessor for link in links]
        seen |= frontier
        frontier = set()
        for unit in neighbours:
            if unit.pk in seen:
                continue
            if on is None or unit.is_valid_on(on):
                found[unit.pk] = unit
            elif (forward and unit.valid_to is not None and unit.valid_to < on) or (
                not forward and unit.valid_from is not None and unit.valid_from > on
            ):
                frontier.add(unit.pk)
        if on is None:
            break
    return sorted(found.values(), key=lambda u: (u.kind, u.code))


def successors(unit: Unit, on: datetime.date | None = None) -> list[Unit]:
    return _walk(unit, forward=True, on=on)


def predecessors(unit: Unit, on: datetime.date | None = None) -> list[Unit]:
    return _walk(unit, forward=False, on=on)


def lineage_links(unit: Unit) -> tuple[list[LineageLink], list[LineageLink]]:
    """(links to predecessors, links to successors) with the event and the other side loaded."""
    before = list(
        LineageLink.objects.filter(successor=unit).select_related("predecessor", "event").order_by("predecessor__code")
    )
    after = list(
        LineageLink.objects.filter(predecessor=unit).select_related("successor", "event").order_by("successor__code")
    )
    return before, after


def _links_into(paths: set[str], after: datetime.date | None, until: datetime.date | None) -> Any:
    condition = Q(pk__in=[])
    for path in paths:
        condition |= Q(successor__path__startswith=path)
    links = LineageLink.objects.filter(condition)
    if after is not None:
        links = links.filter(event__effective_date__gt=after)
    if until is not None:
        links = links.filter(event__effective_date__lte=until)
    return links


def inheriting_predecessor_paths(paths: set[str], after: datetime.date | None = None,
                                 until: datetime.date | None = None) -> set[str]:
    """Paths of units whose records pass to a unit inside `paths` (whole moves and the
    default successor of a split), transitively; optionally only through changes that took
    effect in (after, until]. Used to widen a grant to old units and to sum old records."""
    areas = inheriting_predecessor_paths_of(paths, after, until)
    return minimal_prefixes(set().union(*areas.values())) if areas else set()


def inheriting_predecessor_paths_of(roots: set[str], after: datetime.date | None = None,
                                    until: datetime.date | None = None) -> dict[str, set[str]]:
    """`inheriting_predecessor_paths` of each root on its own, for many roots at once: one
    lineage query per generation for all of them (a province's children after the 2025
    merger are all touched by it: one walk each was hundreds of queries)."""
    areas = {root: {root} for root in roots}
    frontier = {root: {root} for root in roots}
    while frontier:
        waiting: dict[str, list[str]] = {}
        for root, paths in frontier.items():
            for path in paths:
                waiting.setdefault(path, []).append(root)
        rows = (
            _links_into(_covering(set(waiting)), after, until)
            .filter(Q(whole=True) | Q(is_default=True))
            .values_list("successor__path", "predecessor__path")
        )
        found: dict[str, set[str]] = {}
        for successor, predecessor in rows:
            for prefix in path_and_ancestors(successor):
                for root in waiting.get(prefix, ()):
                    found.setdefault(root, set()).add(predecessor)
        frontier = {}
        for root, predecessors in found.items():
            widened = minimal_prefixes(areas[root] | predecessors)
            if widened - areas[root]:
                frontier[root] = widened - areas[root]
            areas[root] = widened
    return areas


# More siblings than this are looked up through their parent (one index range, not one each).
SIBLINGS_BY_PARENT = 8


def _covering(paths: set[str]) -> set[str]:
    """Fewer prefixes that cover `paths`: many siblings are replaced by their parent. A query
    on them may return rows outside `paths`; the caller keeps only its own."""
    by_parent: dict[str, set[str]] = {}
    for path in paths:
        by_parent.setdefault(path[:path.rstrip("/").rfind("/") + 1], set()).add(path)
    covering: set[str] = set()
    for parent, children in by_parent.items():
        covering |= {parent} if parent and len(children) > SIBLINGS_BY_PARENT else children
    return minimal_prefixes(covering)


def province_of(unit: Unit) -> Unit:
    """The province at the top of the unit's path (the unit itself for a province)."""
    ids = unit.ancestor_ids()
    return Unit.objects.get(pk=ids[0]) if ids else unit


def path_and_ancestors(path: str) -> list[str]:
    """"0001/0005/0009/" → ["0001/", "0001/0005/", "0001/0005/0009/"]: the path and its ancestors'."""
    ends = [i + 1 for i, char in enumerate(path) if char == "/"]
    return [path[:end] for end in ends]


def has_partial_lineage(paths: set[str], after: datetime.date | None = None,
                        until: datetime.date | None = None) -> bool:
    """Whether a unit in `paths` gained or lost part of a territory (a split or transfer):
    then old records summed through lineage are not fully comparable."""
    return _links_into(paths, after, until).filter(whole=False).exists()


def minimal_prefixes(paths: set[str]) -> set[str]:
    ordered = sorted(paths)
    kept: list[str] = []
    for path in ordered:
        if not kept or not path.startswith(kept[-1]):
            kept.append(path)
    return set(kept)


def search_units(queryset: UnitQuerySet, query: str, on: datetime.date | None = None) -> UnitQuerySet:
    """Diacritic- and case-insensitive search, best first: exact code, then current units,
    then shallower (province before commune), then by name. A blank query filters nothing."""
    qs = queryset.search(query) if query.strip() else queryset
    if on is not None:
        qs = qs.filter(valid_on_q(on))
    return qs.annotate(
        rank=Case(
            When(code=query.strip(), then=Value(0)),
            When(valid_to__isnull=True, then=Value(1)),
            default=Value(2),
            output_field=IntegerField(),
        )
    ).order_by("rank", "depth", "name", "-valid_from")


def scope_roots(queryset: UnitQuerySet, paths: tuple[str, ...] | None) -> UnitQuerySet:
    """Top units of a scope: the granted units and inherited predecessors (all roots for None)."""
    if paths is None:
        return queryset.filter(parent__isnull=True)
    return queryset.filter(path__in=paths)


def home_unit(user: Any) -> Unit | None:
    """The unit a user's pages open on: the highest unit of the scope on today's map, else
    the highest of the older ones."""
    from antq.core.scoping import Action, user_scope_paths

    roots = scope_roots(Unit.objects.restrict(user), user_scope_paths(user, Action.VIEW))
    return roots.filter(valid_to__isnull=True).order_by("depth", "name").first() or roots.order_by("depth").first()
