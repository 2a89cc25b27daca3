"""The JSON API under /api/v1/: authentication, scoping (404, never 403), writes, errors, docs."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client

from antq.accounts.models import Grant
from antq.accounts.services import token_create, token_revoke
from antq.api.schemas import INVALID_DATE
from antq.core.audit import AuditContext
from antq.core.models import ChangeRecord
from antq.units.models import Unit
from tests.fixtures import VISIBLE, World

API = "/api/v1"
NEW, OLD = "2025-08-01", "2024-06-01"
# Units loaded from the fixture map but not named in World.units: old Hà Nội (01, 001, 00001),
# whose records passed to the new Hà Nội, so Hà Nội's secretariat sees them too.
UNNAMED_VISIBLE: dict[str, set[tuple[str, str]]] = {
    "oscar": {("01", "old"), ("001", "old"), ("00001", "old")},
}


class Api:
    """A test client speaking as one user through a bearer token."""

    def __init__(self, world: World, username: str | None) -> None:
        headers: dict[str, str] = {}
        if username is not None:
            _, raw = token_create(ctx=AuditContext.system(), user=world.users[username], name="test")
            headers["Authorization"] = f"Bearer {raw}"
        self.client = Client(headers=headers)

    def call(self, method: str, path: str, body: dict[str, Any] | None = None, /, **params: str) -> Any:
        query = "&".join(f"{key}={value}" for key, value in params.items())
        url = f"{API}{path}" + (f"?{query}" if query else "")
        send = getattr(self.client, method.lower())
        if body is None:
            return send(url)
        return send(url, data=body, content_type="application/json")

    def get(self, path: str, **params: str) -> Any:
        return self.call("GET", path, **params)


def as_user(world: World, username: str | None) -> Api:
    return Api(world, username)


def key_of(item: dict[str, Any]) -> tuple[str, str]:
    return item["code"], "old" if item["valid_to"] else "new"


# -- authentication -----------------------------------------------------------------------------


def test_no_token_is_401_json(world: World) -> None:
    response = Client().get(f"{API}/units")
    assert response.status_code == 401
    assert response["Content-Type"].startswith("application/json")
    assert "detail" in response.json()


@pytest.mark.parametrize("header", ["Bearer antq_not-a-real-token", "Bearer ", "Basic YWxpY2U6eA==",
                                    "antq_x"])
def test_bad_credentials_are_401(world: World, header: str) -> None:
    assert Client().get(f"{API}/units", HTTP_AUTHORIZATION=header).status_code == 401


def test_revoked_token_is_401(world: World) -> None:
    token, raw = token_create(ctx=AuditContext.system(), user=world.users["alice"], name="t")
    client = Client()
    assert client.get(f"{API}/units", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 200
    token_revoke(ctx=AuditContext.system(), token=token)
    assert client.get(f"{API}/units", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 401


def test_inactive_user_token_is_401(world: World) -> None:
    api = as_user(world, "alice")
    world.users["alice"].is_active = False
    world.users["alice"].save(update_fields=["is_active"])
    assert api.get("/units").status_code == 401


def test_session_auth_reads_and_enforces_csrf_on_writes(world: World) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.users["alice"])
    assert client.get(f"{API}/units").json()["count"] == len(VISIBLE["alice"])
    body = {"parent_code": "04795", "parent_date": NEW, "kind": "village", "name": "Tổ dân phố Mới"}
    refused = client.post(f"{API}/units", data=body, content_type="application/json")
    assert refused.status_code == 403
    assert not Unit.objects.filter(name="Tổ dân phố Mới").exists()
    client.get(f"{API}/docs")  # sets the CSRF cookie, as any page of the UI does
    token = client.cookies["csrftoken"].value
    created = client.post(f"{API}/units", data=body, content_type="application/json", HTTP_X_CSRFTOKEN=token)
    assert created.status_code == 201, created.content


def test_anonymous_write_is_401_not_csrf_403(world: World) -> None:
    client = Client(enforce_csrf_checks=True)
    response = client.post(f"{API}/units", data={}, content_type="application/json")
    assert response.status_code == 401


# -- scoping ------------------------------------------------------------------------------------


@pytest.mark.parametrize("username", sorted([*VISIBLE, "root"]))
def test_list_count_is_the_persona_scope(world: World, username: str) -> None:
    data = as_user(world, username).get("/units", limit="500")
    keys = {key_of(item) for item in data.json()["items"]}
    if username == "root":
        assert data.json()["count"] == Unit.objects.count() == len(keys)
        return
    named = {(u.code, "old" if u.valid_to else "new"): key for key, u in world.units.items()}
    assert {named[k] for k in keys if k in named} == VISIBLE[username]
    assert {k for k in keys if k not in named} == UNNAMED_VISIBLE.get(username, set())
    assert data.json()["count"] == len(VISIBLE[username]) + len(UNNAMED_VISIBLE.get(username, set()))


def test_list_count_is_computed_on_the_restricted_queryset(world: World) -> None:
    data = as_user(world, "alice").get("/units", kind="village", limit="1").json()
    assert data["count"] == 2 and len(data["items"]) == 1  # her two villages, never bob's


@pytest.mark.parametrize("path", ["/units/05266", "/units/05266/children", "/units/05266/lineage",
                                  "/units/05266/history"])
def test_alice_gets_404_on_bob_commune(world: World, path: str) -> None:
    alice = as_user(world, "alice")
    foreign = alice.get(path, date=NEW)
    missing = alice.get(path.replace("05266", "99999"), date=NEW)
    assert foreign.status_code == missing.status_code == 404
    assert foreign.json() == missing.json()
    assert as_user(world, "bob").get(path, date=NEW).status_code == 200


def test_alice_cannot_patch_or_delete_bob_village(world: World) -> None:
    alice = as_user(world, "alice")
    code = world.units["village_b"].code
    assert alice.call("PATCH", f"/units/{code}", {"version": 1, "name": "Đổi"}, date=NEW).status_code == 404
    assert alice.call("DELETE", f"/units/{code}", date=NEW).status_code == 404
    assert Unit.objects.get(pk=world.units["village_b"].pk).name == "Xóm Chiềng"


def test_viewer_cannot_write_in_scope(world: World) -> None:
    victor = as_user(world, "victor")
    code = world.units["village_b"].code
    assert victor.call("PATCH", f"/units/{code}", {"version": 1, "name": "Đổi"}, date=NEW).status_code == 404
    body = {"parent_code": "05266", "parent_date": NEW, "kind": "village", "name": "Xóm Mới"}
    assert victor.call("POST", "/units", body).status_code == 404


def test_alice_creates_village_audited_as_api(world: World) -> None:
    alice = as_user(world, "alice")
    body = {"parent_code": "04795", "parent_date": NEW, "kind": "village", "name": "Tổ dân phố Hòa Lạc",
            "subtype": "Tổ dân phố"}
    response = alice.call("POST", "/units", body)
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["parent"]["code"] == "04795" and data["valid_from"] == "2025-07-01"
    unit = Unit.objects.get(code=data["code"])
    record = ChangeRecord.objects.for_object(unit).get()
    assert record.source == "api" and record.action == "create" and record.actor_name == "alice"
    assert record.request_id is not None and str(record.request_id) == response["X-Request-ID"]
    history = alice.get(f"/units/{unit.code}/history").json()
    assert history["count"] == 1 and history["items"][0]["request_id"] == response["X-Request-ID"]


def test_alice_updates_and_deletes_her_village(world: World) -> None:
    alice = as_user(world, "alice")
    code = world.units["village_a"].code
    updated = alice.call("PATCH", f"/units/{code}", {"version": 1, "name": "Tổ dân phố Đồng Tiến 2",
                                                      "reason": "đổi tên"})
    assert updated.status_code == 200 and updated.json()["name"] == "Tổ dân phố Đồng Tiến 2"
    assert updated.json()["version"] == 2
    stale = alice.call("PATCH", f"/units/{code}", {"version": 1, "name": "Tổ dân phố Đồng Tiến 3"})
    assert stale.status_code == 409 and stale.json()["current_version"] == 2
    assert alice.call("DELETE", f"/units/{code}", reason="sáp nhập").status_code == 204
    assert not Unit.objects.filter(pk=world.units["village_a"].pk).exists()
    actions = list(ChangeRecord.objects.filter(object_id=str(world.units["village_a"].pk), source="api")
                   .values_list("action", flat=True))
    assert sorted(actions) == ["delete", "update"]


# -- reads --------------------------------------------------------------------------------------


def test_search_folds_diacritics(world: World) -> None:
    data = as_user(world, "victor").get("/units", q="hoa%20binh").json()
    assert "Phường Hòa Bình" in [item["name"] for item in data["items"]]
    assert as_user(world, "bob").get("/units", q="hoa%20binh").json()["count"] == 0


def test_exact_code_comes_first(world: World) -> None:
    items = as_user(world, "root").get("/units", q="05266").json()["items"]
    assert items and all(item["code"] == "05266" for item in items[:2])


def test_list_filters_by_date_kind_and_parent(world: World) -> None:
    victor = as_user(world, "victor")
    communes = victor.get("/units", kind="commune", date=NEW).json()
    assert {item["code"] for item in communes["items"]} == {"04795", "05266", "07900"}
    assert all(item["valid_to"] is None for item in communes["items"])
    children = victor.get("/units", parent="05266", date=NEW).json()
    assert [item["name"] for item in children["items"]] == ["Xóm Chiềng"]


def test_detail_by_code_and_date(world: World) -> None:
    victor = as_user(world, "victor")
    old = victor.get("/units/04795", date=OLD).json()
    assert old["name"] == "Phường Thịnh Lang" and old["valid_to"] == "2025-06-30"
    assert old["parent"]["code"] == "148"
    new = victor.get("/units/04795", date=NEW).json()
    assert new["name"] == "Phường Hòa Bình" and new["valid_from"] == "2025-07-01"
    assert ("04795", "Phường Thịnh Lang") in [(u["code"], u["name"]) for u in new["predecessors"]]
    assert old["successors"][0]["name"] == "Phường Hòa Bình"
    assert new["children"] == 2


def test_detail_lists_only_predecessors_in_scope(world: World) -> None:
    alice = as_user(world, "alice").get("/units/04795", date=NEW).json()
    assert sorted(u["code"] for u in alice["predecessors"]) == ["04795", "04798"]
    assert alice["parent"] is None  # province 25 is outside a commune officer's scope
    bob = as_user(world, "bob")
    for code, on in (("04795", NEW), ("04795", OLD), ("04798", OLD)):
        assert bob.get(f"/units/{code}", date=on).status_code == 404
    assert bob.get("/units", q="04795").json()["count"] == 0
    assert bob.get("/units/05266", date=NEW).json()["predecessors"][0]["code"] == "05266"


def test_lineage_hides_the_other_side_out_of_scope(world: World) -> None:
    dina = as_user(world, "dina").get("/units/04795/lineage", date=OLD)
    assert dina.status_code == 200 and dina.json()["after"] == []  # new 04795 is outside the old district
    victor = as_user(world, "victor").get("/units/04795/lineage", date=OLD).json()
    assert [link["unit"]["name"] for link in victor["after"]] == ["Phường Hòa Bình"]
    link = victor["after"][0]
    assert link["event_kind"] == "merge" and link["effective_date"] == "2025-07-01" and link["whole"] is True


def test_children_are_only_visible_ones(world: World) -> None:
    rita = as_user(world, "rita")
    assert rita.get("/units/04795/children", date=NEW).status_code == 404
    alice = as_user(world, "alice").get("/units/04795/children", date=NEW).json()
    assert {item["name"] for item in alice["items"]} == {"Tổ dân phố Đồng Tiến", "Trường THPT Công nghiệp"}


# -- grants -------------------------------------------------------------------------------------


def test_paula_lists_and_creates_a_viewer_grant(world: World) -> None:
    paula = as_user(world, "paula")
    listed = paula.get("/grants").json()
    assert {g["username"] for g in listed["items"]} >= {"alice", "bob", "victor", "paula", "rita"}
    assert "oscar" not in {g["username"] for g in listed["items"]}
    body = {"username": "oscar", "unit_code": "25", "role": "viewer"}
    created = paula.call("POST", "/grants", body)
    assert created.status_code == 201, created.content
    assert created.json()["unit"]["code"] == "25" and created.json()["role"] == "viewer"
    record = ChangeRecord.objects.filter(object_id=str(created.json()["id"]), source="api").get()
    assert record.actor_name == "paula"
    assert paula.get("/grants", unit="25").json()["count"] == 3  # victor, paula, oscar


def test_dina_cannot_grant_admin(world: World) -> None:
    body = {"username": "bob", "unit_code": "04795", "unit_date": OLD, "role": "admin"}
    response = as_user(world, "dina").call("POST", "/grants", body)
    assert response.status_code == 422
    assert "role" in response.json()["fields"]


def test_grant_outside_scope_or_unknown_is_404(world: World) -> None:
    dina = as_user(world, "dina")
    outside = dina.call("POST", "/grants", {"username": "bob", "unit_code": "05266", "unit_date": OLD,
                                            "role": "viewer"})
    unknown = dina.call("POST", "/grants", {"username": "nobody", "unit_code": "04795", "unit_date": OLD,
                                            "role": "viewer"})
    assert outside.status_code == unknown.status_code == 404
    assert outside.json() == unknown.json()


@pytest.mark.parametrize("username", ["victor", "alice", "bob", "rita", "oscar"])
def test_non_managers_see_no_grants_and_cannot_revoke(world: World, username: str) -> None:
    api = as_user(world, username)
    grant = Grant.objects.get(user=world.users["bob"])
    if username == "oscar":  # manages grants, but only in his own province
        assert [g["username"] for g in api.get("/grants").json()["items"]] == ["oscar"]
    else:
        assert api.get("/grants").json() == {"count": 0, "items": []}
    assert api.call("DELETE", f"/grants/{grant.pk}").status_code == 404
    assert Grant.objects.filter(pk=grant.pk).exists()


def test_paula_revokes_a_grant(world: World) -> None:
    grant = Grant.objects.get(user=world.users["bob"])
    response = as_user(world, "paula").call("DELETE", f"/grants/{grant.pk}", reason="chuyển công tác")
    assert response.status_code == 204
    assert not Grant.objects.filter(pk=grant.pk).exists()


# -- errors -------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/units", "/units/04795", "/units/04795/children", "/grants"])
def test_invalid_date_is_422_bilingual(world: World, path: str) -> None:
    response = as_user(world, "root").get(path, date="2025-02-30")
    assert response.status_code == 422
    assert INVALID_DATE == "Ngày không hợp lệ / invalid date"
    assert any(INVALID_DATE in message for message in response.json()["fields"]["date"])


def test_invalid_date_in_body_is_422(world: World) -> None:
    body = {"parent_code": "04795", "parent_date": "01/08/2025", "kind": "village", "name": "X"}
    response = as_user(world, "alice").call("POST", "/units", body)
    assert response.status_code == 422
    assert INVALID_DATE in response.json()["fields"]["parent_date"][0]


@pytest.mark.parametrize(("method", "path", "body", "field"), [
    ("POST", "/units", {"parent_code": "04795", "parent_date": NEW, "kind": "village", "name": ""}, "name"),
    ("POST", "/units", {"parent_code": "04795", "parent_date": NEW, "kind": "province", "name": "X"}, "kind"),
    ("POST", "/units", {"parent_code": "04795", "parent_date": NEW, "kind": "village", "name": "X",
                        "valid_from": "2020-01-01"}, "valid_from"),
    ("POST", "/units", {"parent_code": "04795", "parent_date": NEW, "kind": "village", "name": "X",
                        "code": "05266"}, "code"),
    ("POST", "/units", {"parent_code": "04795"}, "name"),
    ("PATCH", "/units/04795", {"version": 1, "name": "Phường Mới"}, None),  # official units are not edited by hand
    ("PATCH", "/units/04795", {"name": "Phường Mới"}, "version"),
    ("DELETE", "/units/04795", None, None),
    ("POST", "/grants", {"username": "bob", "unit_code": "04795", "role": "emperor"}, "role"),
])
def test_validation_errors_are_422_not_500(world: World, method: str, path: str, body: dict[str, Any] | None,
                                           field: str | None) -> None:
    response = as_user(world, "root").call(method, path, body, date=NEW)
    assert response.status_code == 422, response.content
    data = response.json()
    assert data["detail"] and all(isinstance(message, str) for message in data["detail"])
    if field is not None:
        assert field in data["fields"], data


def test_deleting_a_unit_with_children_is_422(world: World) -> None:
    root = as_user(world, "root")
    parent = world.units["village_a"]
    Unit.objects.filter(pk=world.units["school_a"].pk).update(parent=parent)
    assert root.call("DELETE", f"/units/{parent.code}").status_code == 422


# -- schema and docs ----------------------------------------------------------------------------


def test_openapi_lists_the_routes(world: World) -> None:
    schema = Client().get(f"{API}/openapi.json").json()
    assert {(path, method) for path, methods in schema["paths"].items() for method in methods} == {
        (f"{API}/units", "get"), (f"{API}/units", "post"),
        (f"{API}/units/{{code}}", "get"), (f"{API}/units/{{code}}", "patch"),
        (f"{API}/units/{{code}}", "delete"),
        (f"{API}/units/{{code}}/children", "get"), (f"{API}/units/{{code}}/lineage", "get"),
        (f"{API}/units/{{code}}/history", "get"),
        (f"{API}/grants", "get"), (f"{API}/grants", "post"), (f"{API}/grants/{{grant_id}}", "delete"),
        (f"{API}/cases", "get"), (f"{API}/cases", "post"), (f"{API}/cases/export.csv", "get"),
        (f"{API}/cases/{{case_id}}", "get"), (f"{API}/cases/{{case_id}}", "patch"),
        (f"{API}/cases/{{case_id}}", "delete"),
        (f"{API}/accidents", "get"), (f"{API}/accidents", "post"), (f"{API}/accidents/export.csv", "get"),
        (f"{API}/accidents/{{accident_id}}", "get"), (f"{API}/accidents/{{accident_id}}", "patch"),
        (f"{API}/accidents/{{accident_id}}", "delete"), (f"{API}/accidents/{{accident_id}}/later-deaths", "post"),
        (f"{API}/indicators", "get"),
        (f"{API}/movement/classifications", "get"), (f"{API}/movement/classifications", "post"),
        (f"{API}/movement/classifications/{{classification_id}}", "get"),
        (f"{API}/movement/classifications/{{classification_id}}/self-score", "post"),
        (f"{API}/movement/classifications/{{classification_id}}/appraisal", "post"),
        (f"{API}/movement/classifications/{{classification_id}}/approval", "post"),
        (f"{API}/movement/standard", "get"), (f"{API}/movement/teams", "get"),
        (f"{API}/awards/decisions", "get"), (f"{API}/awards/clusters/{{cluster_id}}/ranking", "get"),
        (f"{API}/awards/proposals", "get"), (f"{API}/awards/proposals", "post"),
        (f"{API}/awards/proposals/review", "post"), (f"{API}/awards/decisions", "post"),
        (f"{API}/awards/decisions/{{decision_id}}/revocation", "post"), (f"{API}/awards/catalogue", "get"),
        (f"{API}/awards/plans", "get"), (f"{API}/awards/tasks/{{task_id}}/progress", "post"),
        (f"{API}/movement/standard/registrations", "post"), (f"{API}/movement/standard/evaluations", "post"),
        (f"{API}/movement/standard/evaluations/{{evaluation_id}}/checks", "post"),
        (f"{API}/movement/standard/evaluations/{{evaluation_id}}/decision", "post"),
        (f"{API}/movement/teams/{{team_id}}/members", "post"), (f"{API}/movement/sites", "get"),
        (f"{API}/movement/reports/{{unit_code}}/{{spec}}", "get"),
        (f"{API}/movement/reports/{{unit_code}}/{{spec}}", "put"),
    }
    assert {"BearerToken", "BrowserSession"} <= set(schema["components"]["securitySchemes"])


def test_docs_are_served_locally(world: World, settings: Any) -> None:
    # Plain storage: the test must not depend on `collectstatic` having built the manifest.
    settings.STORAGES = {**settings.STORAGES,
                         "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
    response = Client().get(f"{API}/docs")
    assert response.status_code == 200
    html = response.content.decode()
    assert "swagger-ui-bundle" in html
    sources = re.findall(r"""<(?:script|link)[^>]+(?:src|href)=["']([^"']+)""", html)
    assert sources and not [src for src in sources if "http" in src or src.startswith("//")]
    assert "http://" not in html and "https://" not in html
