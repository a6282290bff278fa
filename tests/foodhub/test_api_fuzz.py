"""Schemathesis fuzzes every operation of the live OpenAPI schema (`/api/schema/`) as an
anonymous caller, a producer member and a hub manager, and fails on any 5xx or any answer the
schema does not describe (status code, content type, body).

Bounded and repeatable: a fixed seed, derandomized Hypothesis, a few examples per operation,
no example database. Requests go through Django's WSGI handler inside the test's transaction;
each one runs in a savepoint that is rolled back, so every example starts from the same
tenants (tests/foodhub/tenants.py) and a database error cannot poison the next one.

Each operation's schemathesis strategy (positive, then negative data) is driven by Hypothesis
here rather than by `schemathesis.pytest.from_fixture`, whose runner breaks on pytest 9.2
(it renames `Node._nodeid`); failures are collected, so one run names every broken operation.
"""

from __future__ import annotations

import os

import hypothesis
import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, transaction
from oscar.core.loading import get_model
from schemathesis.checks import not_a_server_error
from schemathesis.config import SchemathesisConfig
from schemathesis.core.failures import Failure, FailureGroup
from schemathesis.generation.modes import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.foodhub.tenants import World, api_token, build_world

pytestmark = pytest.mark.django_db

SEED = 20260801
# A few examples per operation and mode keep `make test` bounded; raise it to dig deeper
# locally (FOODHUB_FUZZ_EXAMPLES=200).
MAX_EXAMPLES = int(os.environ.get("FOODHUB_FUZZ_EXAMPLES", "5"))
FUZZED_ROLES = ("anonymous", "producer", "manager")
CHECKS = [
    not_a_server_error, status_code_conformance, content_type_conformance,
    response_schema_conformance,
]
CONFIG = {
    "seed": SEED,
    "generation": {
        "max-examples": MAX_EXAMPLES,
        "deterministic": True,
        "database": "none",
        # Each role sends its own credentials (or none); random ones would only test 401.
        "with-security-parameters": False,
    },
}

Category = get_model("catalogue", "Category")


# --- the auth hook ---------------------------------------------------------------------------


def auth_headers(app, user) -> dict[str, str]:
    """Headers that authenticate `user` (none for anonymous callers), through the suite's
    auth hook (tests.foodhub.tenants.api_token), on the app itself: Django's test client
    would reconnect the signals that close the test's connection."""
    if user is None:
        return {}
    from werkzeug.test import Client

    body = api_token(user, lambda path, data: Client(app).post(path, json=data).get_json())
    return {"Authorization": f"Token {body['token']}"}


# --- aiming generated cases at the tenants' objects -----------------------------------------


def _path_ids(world: World, path: str) -> dict[str, int]:
    team_is_hub = path.startswith("/api/v1/hubs/")
    return {
        "producer_id": world.producer.id,
        "product_id": world.product_id,
        "import_id": world.import_id,
        "hub_id": world.hub.id,
        "cycle_id": world.cycle.id,
        "link_id": world.link.id,
        "team_id": world.hub.id if team_is_hub else world.producer.id,
        "member_id": world.hub_staff.id if team_is_hub else world.producer_staff.id,
        # The producer member's own order (the fuzzed roles do not include the shopper).
        "order_id": world.ids["producer_order_id"],
        # H's invoice of the shopper's order (the manager downloads it; others get 404).
        "invoice_id": world.ids["invoice_id"],
        "purchase_order_id": world.ids["purchase_order_id"],
    }


def aim(case, world: World) -> None:
    """Point a generated case at real objects of the tenant (producer A, hub H), so fuzzed
    bodies reach the services instead of stopping at a 404. Tenancy itself (other tenants'
    ids) is the permission matrix's job."""
    ids = _path_ids(world, case.operation.path)
    for name in list(case.path_parameters or {}):
        if name in ids:  # an id not known here stays generated (mostly a 404): add it above
            case.path_parameters[name] = ids[name]
    if isinstance(case.body, dict):
        references = {"hub": world.hub.id, "producer": world.producer.id,
                      "category": Category.objects.filter(depth=1).order_by("id").first().id,
                      "order_cycle": world.cycle.id, "pickup_window": world.ids["window_id"],
                      "payment_method": world.ids["payment_method_id"]}
        _aim_ids(case.body, references)
        # An order's lines and delivery (nested): the cycle's offer, the hub's zone.
        for line in case.body.get("lines") if isinstance(case.body.get("lines"), list) else []:
            if isinstance(line, dict):
                _aim_ids(line, {"offer": world.ids["offer_id"]})
        if isinstance(case.body.get("delivery"), dict):
            _aim_ids(case.body["delivery"], {"zone": world.ids["zone_id"]})
            if "order_cycle" in case.body and case.body.get("pickup_window") is not None:
                # An order is collected or delivered, not both (the schema cannot say it).
                case.body["delivery"] = None


def _aim_ids(body: dict, references: dict) -> None:
    """Replace the generated whole numbers of these keys by the tenant's ids."""
    for key, value in references.items():
        if isinstance(body.get(key), int) and not isinstance(body[key], bool):
            body[key] = value


# --- fixtures --------------------------------------------------------------------------------


@pytest.fixture
def wsgi_app():
    """Django's WSGI handler, keeping the test's connection open across requests (as Django's
    test client does): closing it would end the test transaction."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield WSGIHandler()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.fixture
def world(db) -> World:
    return build_world()


@pytest.fixture
def api_schema(wsgi_app, db):
    """The schema as served at /api/schema/, calling the app in-process."""
    return schemathesis.openapi.from_wsgi(
        "/api/schema/", wsgi_app, config=SchemathesisConfig.from_dict(CONFIG)
    )


# --- the test --------------------------------------------------------------------------------


def _fuzz(operation, *, mode, world: World, headers: dict, failures: dict) -> int:
    """Run a few generated cases of one operation; record failures instead of stopping, so
    one run reports every operation that breaks. Returns the number of requests sent."""
    sent = 0

    ids = _path_ids(world, operation.path)
    fixed = {p.name: ids[p.name] for p in operation.path_parameters if p.name in ids}

    @hypothesis.settings(
        max_examples=MAX_EXAMPLES, deadline=None, derandomize=True, database=None,
        phases=[hypothesis.Phase.explicit, hypothesis.Phase.generate],
        suppress_health_check=list(hypothesis.HealthCheck),
    )
    @hypothesis.seed(SEED)
    @hypothesis.given(case=operation.as_strategy(generation_mode=mode,
                                                 path_parameters=fixed or None))
    def run(case):
        nonlocal sent
        aim(case, world)
        with transaction.atomic():
            try:
                sent += 1
                case.call_and_validate(headers=headers, checks=CHECKS)
            except FailureGroup as group:
                for failure in group.exceptions:
                    _record(failures, operation, failure, case)
            except Failure as failure:
                _record(failures, operation, failure, case)
            finally:
                transaction.set_rollback(True)

    try:
        run()
    except hypothesis.errors.Unsatisfiable:
        # Nothing of this operation can be made invalid (no body, no query, fixed ids).
        assert mode is GenerationMode.NEGATIVE, operation.label
    return sent


def _record(failures: dict, operation, failure: Failure, case) -> None:
    """Keep the first case of each kind of failure of an operation."""
    summary = failure.message.strip().splitlines()[0] if failure.message.strip() else ""
    failures.setdefault((operation.label, failure.title, summary), (failure, case))


def _report(failures: dict) -> str:
    lines = []
    for (label, title, _summary), (failure, case) in sorted(failures.items(), key=lambda i: i[0]):
        message = failure.message.strip()
        lines.append(f"{label}: {title}\n    {message[:400]}\n    {case.as_curl_command()[:400]}")
    return "\n".join(lines)


@pytest.mark.parametrize("role", FUZZED_ROLES)
def test_api_answers_match_the_schema(api_schema, world, role):
    headers = auth_headers(api_schema.app, world.user(role))
    failures: dict = {}
    sent = 0
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) > 30
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            sent += _fuzz(operation, mode=mode, world=world, headers=headers,
                          failures=failures)
    assert sent >= len(operations) * 2
    assert not failures, f"{len(failures)} failures as {role}:\n" + _report(failures)
