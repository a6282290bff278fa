"""A NUL byte anywhere in the address is a 400, before any view or middleware hands it to the
database (PostgreSQL refuses NUL in text; issue 8, finding 6)."""

import pytest

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("path", [
    "/x%00", "/x%00/", "/%00", "/shop/catalogue/%00/", "/hub/x%00y/", "/api/v1/producers/%00/",
    "/cms/%00/", "/x?q=%00", "/hub/?q=a%00b", "/?page=1&x%00=1",
])
def test_a_nul_byte_in_the_address_is_a_bad_request(client, path):
    response = client.get(path)
    assert response.status_code == 400
    assert "NUL" in response.content.decode()


def test_a_nul_byte_in_a_posted_address_is_a_bad_request(client):
    assert client.post("/hub/x%00/settings/", {"a": "b"}).status_code == 400


def test_ordinary_addresses_still_work(client):
    assert client.get("/healthz").status_code == 200
    assert client.get("/no-such-page/").status_code == 404
    assert client.get("/no-such-page/", {"q": "café²"}).status_code == 404


@pytest.mark.postgres
def test_unknown_paths_with_nul_never_reach_postgresql(client):
    assert client.get("/x%00").status_code == 400


@pytest.mark.parametrize("path", [
    "/api/v1/order-cycles/?hub=%00", "/api/v1/order-cycles/1/reports/fees/?pickup_point=a%00",
    "/api/v1/producers/%00/",
])
def test_a_nul_byte_in_an_api_address_is_a_json_bad_request(client, path):
    """API callers get the API's error shape (JSON `detail`), as the schema documents."""
    response = client.get(path)
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert "NUL" in response.json()["detail"]
