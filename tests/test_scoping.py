from __future__ import annotations

import pytest

from antq.accounts.services import grant_create
from antq.core.audit import AuditContext
from antq.core.errors import OutOfScope
from antq.core.models import ChangeRecord
from antq.core.scoping import Action
from antq.units.models import Unit
from antq.units.services import unit_create, unit_update
from tests.fixtures import VISIBLE, World


def visible_keys(world: World, username: str, action: str = Action.VIEW) -> set[str]:
    ids = set(Unit.objects.restrict(world.users[username], action).values_list("pk", flat=True))
    return {key for key, unit in world.units.items() if unit.pk in ids}


@pytest.mark.parametrize("username", sorted(VISIBLE))
def test_each_persona_sees_exactly_its_subtree(world: World, username: str) -> None:
    assert visible_keys(world, username) == VISIBLE[username]


def test_superuser_sees_everything(world: World) -> None:
    assert Unit.objects.restrict(world.users["root"]).count() == Unit.objects.count()


def test_anonymous_sees_nothing(world: World) -> None:
    from django.contrib.auth.models import AnonymousUser

    assert not Unit.objects.restrict(AnonymousUser()).exists()


def test_viewer_cannot_change(world: World) -> None:
    assert visible_keys(world, "victor", Action.CHANGE) == set()
    assert visible_keys(world, "alice", Action.CHANGE) == VISIBLE["alice"]


def test_counts_obey_scope(world: World) -> None:
    """No aggregate may include another commune's units."""
    alice = world.users["alice"]
    count = Unit.objects.restrict(alice).filter(kind="village").count()
    assert count == 2  # her new-ward village and the old commune's one, not bob's


def test_split_predecessor_goes_only_to_default_successor(world: World) -> None:
    from antq.units.models import LineageEvent, LineageLink

    old_b = world.units["old_commune_b"]
    commune_a = world.units["commune_a"]
    event = LineageEvent.objects.create(kind="split", effective_date="2025-07-01")
    # Part of old commune B also went to commune A, but B stays its default successor.
    LineageLink.objects.filter(predecessor=old_b).update(whole=False, is_default=True)
    LineageLink.objects.create(event=event, predecessor=old_b, successor=commune_a, whole=False, is_default=False)
    world.users["alice"].forget_scope()
    assert "old_commune_b" not in visible_keys(world, "alice")
    assert "old_commune_b" in visible_keys(world, "bob")


def test_create_outside_scope_is_404(world: World) -> None:
    ctx = AuditContext(actor=world.users["alice"], source="web")
    with pytest.raises(OutOfScope):
        unit_create(ctx=ctx, parent=world.units["commune_b"], kind="village", name="Xóm lạ")
    assert not Unit.objects.filter(name="Xóm lạ").exists()


def test_move_into_foreign_scope_is_refused_and_rolled_back(world: World) -> None:
    ctx = AuditContext(actor=world.users["alice"], source="web")
    village = world.units["village_a"]
    with pytest.raises(OutOfScope):
        unit_update(ctx=ctx, unit=village, parent=world.units["commune_b"])
    village.refresh_from_db()
    assert village.parent_id == world.units["commune_a"].pk


def test_every_change_is_audited_with_before_and_after(world: World) -> None:
    alice = world.users["alice"]
    ctx = AuditContext(actor=alice, source="web")
    village = unit_update(ctx=ctx, unit=world.units["village_a"], name="Tổ dân phố Đồng Tiến 2", reason="đổi tên")
    record = ChangeRecord.objects.for_object(village).first()
    assert record is not None
    assert record.actor == alice and record.actor_name == "alice"
    assert record.action == "update" and record.reason == "đổi tên"
    assert record.before["name"] == "Tổ dân phố Đồng Tiến"
    assert record.after["name"] == "Tổ dân phố Đồng Tiến 2"
    # The trail obeys scoping too.
    assert ChangeRecord.objects.restrict(world.users["bob"]).filter(pk=record.pk).count() == 0
    assert ChangeRecord.objects.restrict(alice).filter(pk=record.pk).count() == 1


def test_change_records_are_append_only_in_the_database(world: World) -> None:
    from django.db import DatabaseError, connection, transaction

    record = ChangeRecord.objects.first()
    assert record is not None
    with pytest.raises(ValueError):
        record.save()
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE core_changerecord SET reason = 'x' WHERE id = %s", [record.pk])
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM core_changerecord WHERE id = %s", [record.pk])


def test_secretariat_cannot_grant_admin_or_outside(world: World) -> None:
    from django.core.exceptions import ValidationError

    ctx = AuditContext(actor=world.users["dina"], source="web")
    with pytest.raises(ValidationError):
        grant_create(ctx=ctx, user=world.users["bob"], unit=world.units["old_commune_a"], role="admin")
    with pytest.raises(OutOfScope):
        grant_create(ctx=ctx, user=world.users["bob"], unit=world.units["old_commune_b"], role="viewer")
    grant = grant_create(ctx=ctx, user=world.users["bob"], unit=world.units["old_commune_a"], role="viewer")
    assert grant.pk
