import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from hubs.services import hub_manager_add
from producers.services import producer_member_add
from tests.hubs.factories import HubFactory
from tests.producers.factories import ProducerFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def api():
    from rest_framework.test import APIClient

    return APIClient()


def test_token_for_valid_credentials_then_me(api):
    user = UserFactory(email="ana@example.com")
    response = api.post(
        "/api/v1/auth/token/",
        {"email": "ana@example.com", "password": "correct horse battery"},
        format="json",
    )
    assert response.status_code == 200
    token = response.json()["token"]
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    me = api.get("/api/v1/me/")
    assert me.status_code == 200
    assert me.json() == {
        "id": user.id, "email": "ana@example.com", "roles": ["shopper"],
        "producers": [], "hubs": [],
    }


def test_token_with_wrong_password_is_a_field_error(api):
    UserFactory(email="ana@example.com")
    response = api.post(
        "/api/v1/auth/token/", {"email": "ana@example.com", "password": "nope"}, format="json"
    )
    assert response.status_code == 400
    assert response.json() == {"non_field_errors": ["Unable to log in with these credentials."]}


def test_token_with_missing_fields_names_them(api):
    response = api.post("/api/v1/auth/token/", {"email": "not-an-email"}, format="json")
    assert response.status_code == 400
    body = response.json()
    assert set(body) == {"email", "password"}


def test_me_requires_authentication(api):
    assert api.get("/api/v1/me/").status_code in (401, 403)
    api.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    assert api.get("/api/v1/me/").status_code == 401


def test_me_lists_roles_and_memberships_in_constant_queries(api):
    user = UserFactory()
    for _ in range(3):
        producer_member_add(producer=ProducerFactory(), user=user, role="staff")
        hub_manager_add(hub=HubFactory(), user=user, role="owner")
    api.force_authenticate(user)
    with CaptureQueriesContext(connection) as queries:
        body = api.get("/api/v1/me/").json()
    assert body["roles"] == ["shopper", "producer", "hub_manager"]
    assert len(body["producers"]) == 3 and len(body["hubs"]) == 3
    assert {p["role"] for p in body["producers"]} == {"staff"}
    assert set(body["hubs"][0]) == {"id", "name", "slug", "role"}
    assert len(queries) <= 4


def test_schema_and_docs_are_served_locally(client):
    schema = client.get("/api/schema/")
    assert schema.status_code == 200
    assert b"/api/v1/me/" in schema.content
    docs = client.get("/api/docs/")
    assert docs.status_code == 200
    html = docs.content.decode()
    assert "swagger" in html.lower()
    assert "cdn." not in html and "unpkg" not in html


@pytest.mark.parametrize("method", ["get", "post", "delete"])
def test_an_unknown_api_url_is_a_json_404(api, method):
    """An id that is not a number fell through to the site's HTML 404 page."""
    response = getattr(api, method)("/api/v1/producers/not-a-number/")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": "Not found."}
