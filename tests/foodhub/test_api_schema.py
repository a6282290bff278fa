"""The OpenAPI schema (drf-spectacular) is valid, warning-free and says what the API answers:
paginated lists, and every error a caller can get. tests/foodhub/test_api_fuzz.py checks the
answers themselves against it."""

import pytest
from django.core.management import call_command
from drf_spectacular.drainage import GENERATOR_STATS
from drf_spectacular.generators import SchemaGenerator

METHODS = ("get", "post", "put", "patch", "delete")


@pytest.fixture(scope="module")
def openapi() -> dict:
    return SchemaGenerator().get_schema(request=None, public=True)


def operations(openapi):
    for path, item in openapi["paths"].items():
        for method in METHODS:
            if method in item:
                yield path, method, item[method]


def test_spectacular_validates_the_schema_and_fails_on_no_warning(tmp_path):
    GENERATOR_STATS.reset()  # warnings of earlier generations in this process are not ours
    call_command(
        "spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yml")
    )
    assert (tmp_path / "schema.yml").read_text().startswith("openapi: 3")


def test_every_list_is_documented_as_the_paginated_object_it_answers(openapi):
    lists = {
        path: op["responses"]["200"]["content"]["application/json"]["schema"]
        for path, method, op in operations(openapi)
        if method == "get" and any(p["name"] == "page" for p in op.get("parameters", []))
    }
    assert set(lists) >= {
        "/api/v1/producers/", "/api/v1/producers/{producer_id}/products/", "/api/v1/hubs/",
        "/api/v1/order-cycles/", "/api/v1/order-cycles/{cycle_id}/products/",
        "/api/v1/relationships/", "/api/v1/orders/", "/api/v1/order-cycles/{cycle_id}/orders/",
        "/api/v1/order-cycles/{cycle_id}/purchase-orders/",
    }
    schemas = openapi["components"]["schemas"]
    for path, schema in lists.items():
        assert "$ref" in schema, f"{path} is documented as {schema}"
        page = schemas[schema["$ref"].rsplit("/", 1)[1]]
        assert set(page["properties"]) == {"count", "next", "previous", "results"}, path
        assert page["properties"]["results"]["type"] == "array", path
    for path, method, op in operations(openapi):
        for code, response in op["responses"].items():
            schema = response.get("content", {}).get("application/json", {}).get("schema", {})
            # Every list is a page (an array body would be a list without pagination).
            assert schema.get("type") != "array", (method, path, code)


def test_every_operation_documents_its_errors_with_a_json_body(openapi):
    for path, method, op in operations(openapi):
        codes = set(op["responses"])
        label = f"{method.upper()} {path}"
        if "{" in path:
            assert "404" in codes, label
        if method in ("post", "put", "patch"):
            assert "400" in codes, label
        if path != "/api/v1/auth/token/":
            assert "401" in codes, label
        for code, response in op["responses"].items():
            if code >= "400":
                schema = response["content"]["application/json"]["schema"]
                assert {"$ref", "type", "oneOf"} & set(schema), (label, code, schema)



def test_token_endpoint_documents_throttling_and_team_actions_their_refusals(openapi):
    paths = openapi["paths"]
    assert "429" in paths["/api/v1/auth/token/"]["post"]["responses"]
    member = paths["/api/v1/producers/{team_id}/team/members/{member_id}/"]
    assert {"400", "403", "404"} <= set(member["delete"]["responses"])
    assert "role" in member["patch"]["responses"]["403"]["description"]


def test_public_reads_are_documented_as_open_to_anonymous_callers(openapi):
    for path in ("/api/v1/producers/", "/api/v1/hubs/", "/api/v1/order-cycles/{cycle_id}/products/",
                 "/api/v1/producers/{producer_id}/products/"):
        assert {} in openapi["paths"][path]["get"]["security"], path
    assert {} not in openapi["paths"]["/api/v1/relationships/"]["get"]["security"]


def test_orders_document_the_shortage_answer(openapi):
    orders = openapi["paths"]["/api/v1/orders/"]["post"]["responses"]
    amend = openapi["paths"]["/api/v1/orders/{order_id}/"]["patch"]["responses"]
    for responses in (orders, amend):
        schema = responses["409"]["content"]["application/json"]["schema"]
        assert schema == {"$ref": "#/components/schemas/OrderShort"}
    short = openapi["components"]["schemas"]["OrderShort"]
    assert set(short["properties"]) == {"detail", "lines"}


def test_cycle_products_say_what_is_left_to_order(openapi):
    """`available` per offer: an integer, or null when unlimited (on demand, no cap)."""
    schemas = openapi["components"]["schemas"]
    ok = openapi["paths"]["/api/v1/order-cycles/{cycle_id}/products/"]["get"]["responses"]["200"]
    page = schemas[ok["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]]
    offer = schemas[page["properties"]["results"]["items"]["$ref"].rsplit("/", 1)[1]]
    assert "available" in offer["required"]
    assert offer["properties"]["available"]["type"] == "integer"
    assert offer["properties"]["available"]["nullable"] is True
