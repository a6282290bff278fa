"""Malformed input never makes a server error (issue 8).

Every field of every form on the producer and hub pages, every parameter their views read,
and every writable field and query parameter of the API receive each malformed value below,
as the tenant that owns the objects; every answer must be below 500.

The targets are generated from the code, so a new page, form, field or endpoint is covered
without touching this file:
- pages: every URL pattern of the producer and hub areas and of the shopper's orders (the URL
  conf), fetched as the owner; the forms and fields come from the HTML (<input>, <select>,
  <textarea>, <button>); each field is sent each value with the other fields as the page
  filled them;
- parameters read outside the HTML forms: the names the views read from `request.GET` /
  `request.POST` and the fields of the forms they build from `request.GET` (their source);
- API: drf-spectacular's schema gives each operation, its path and query parameters and its
  writable fields (nested lists too); each field gets each value over a valid body.
A URL parameter or an API operation this file does not know yet fails the test, naming it.

SQLite accepts what PostgreSQL refuses, so every SQL statement is also checked here for what
PostgreSQL would refuse from these values: a NUL character in text or JSON.
"""

from __future__ import annotations

import copy
import datetime as dt
import inspect
import io
import itertools
import json
import re
from collections import defaultdict
from decimal import Decimal
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from django import forms
from django.db import connection
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from PIL import Image
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db

MALFORMED = [
    "²", "\x00", "a\r\nb", "NaN", "sNaN", "Infinity", "1e999999", "99999999999999999999",
    "x" * 10_000,
]
# JSON values that are not strings: a huge integer, a number no float holds (sent as written),
# and the wrong types.
RAW_1E999999 = object()
API_EXTRA = [99999999999999999999, RAW_1E999999, [], {}, None, True]
# Forms with more fields get one request per value with every field malformed at once, and
# one request per field with a number too large for any column (the other fields valid).
FEW_FIELDS = 3
ONE_AT_A_TIME = ["99999999999999999999"]
API_ONE_AT_A_TIME = [99999999999999999999, RAW_1E999999, {}, []]
AREAS = ("producers", "hubs", "hubs_producer", "orders_producer", "orders_hub",
         "orders_account")
API_PREFIXES = ("/api/v1/producers/", "/api/v1/hubs/", "/api/v1/order-cycles/",
                "/api/v1/relationships/", "/api/v1/orders/", "/api/v1/invoices/",
                "/api/v1/purchase-orders/")
# Forms the walks fill: the producer and hub areas, the shopper's orders and business
# details, the checkout and a hub's shop (its slug in `world`: "marche").
FORM_ACTIONS = ("/producer/", "/hub/", "/shop/accounts/orders/", "/shop/accounts/business/",
                "/shop/checkout/", "/marche/shop/")


# --- the objects, owned by one user -----------------------------------------------------------


def _png():
    from django.core.files.uploadedfile import SimpleUploadedFile

    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "green").save(buffer, format="PNG")
    return SimpleUploadedFile("p.png", buffer.getvalue(), content_type="image/png")


@pytest.fixture
def world():
    """A producer and a hub owned by one user, with every kind of row their pages list."""
    from django.core.files.base import ContentFile

    from hubs import services as hub_services
    from hubs.cycle_services import (
        cycle_create,
        cycle_fee_save,
        cycle_offers_add,
        cycle_supplier_add,
        cycle_window_save,
    )
    from hubs.models import CycleFee, DeliveryZone, HubInvitation, PaymentMethod, PickupPoint
    from orders.models import InvoiceBundle
    from orders.services import LineRequest, order_place
    from producers import services as producer_services
    from producers.catalogue_services import catalogue_upsert
    from producers.models import ProducerInvitation, ProductImport
    from teams import services as team_services
    from tests.hubs.factories import HubFactory, past_cycle
    from tests.producers.factories import ProducerFactory, UserFactory
    from tests.producers.test_dashboard import rows_for

    owner = UserFactory(email="owner@example.com")
    helper = UserFactory(email="helper@example.com")
    producer = ProducerFactory(name="Ferme", slug="ferme")
    catalogue_upsert(rows=rows_for(producer, 3), producers={producer.id: producer})
    producer_services.producer_member_add(producer=producer, user=owner, role="owner")
    producer_services.producer_member_add(producer=producer, user=helper)
    producer_services.producer_photo_add(producer=producer, image=_png(), caption="Field")
    team_services.invite(team=producer, email="new@example.com", role="staff",
                         invited_by=owner)
    product_import = ProductImport.objects.create(
        producer=producer, uploaded_by=owner, filename="p.csv", file="imports/p.csv",
        status=ProductImport.Status.INVALID,
        errors=[{"row": 2, "column": "price", "message": "Not a number: x."}],
    )

    hub = HubFactory(name="Marché", slug="marche")
    hub_services.hub_manager_add(hub=hub, user=owner, role="owner")
    hub_services.hub_manager_add(hub=hub, user=helper)
    team_services.invite(team=hub, email="new@example.com", role="staff", invited_by=owner)
    point = PickupPoint.objects.create(hub=hub, name="Barn", address="1 rue")
    zone = DeliveryZone.objects.create(hub=hub, name="East", postcodes="75020", fee=4)
    cash = PaymentMethod.objects.create(hub=hub, kind="at_pickup", name="Cash")
    hub_services.hub_supplier_link(hub=hub, producer=producer)
    asking = ProducerFactory(name="Ferme B", slug="ferme-b")
    hub_services.relationship_request(hub=hub, producer=asking, by="producer")
    other_hub = HubFactory(name="Autre", slug="autre")
    invited = hub_services.relationship_request(hub=other_hub, producer=producer, by="hub")

    now = timezone.now()
    cycle = cycle_create(hub=hub, name="This week", opens_at=now - dt.timedelta(days=1),
                         closes_at=now + dt.timedelta(days=2), markup_percent=Decimal("10"),
                         publish=True, note_to_producers="Back door.")
    supplier = cycle_supplier_add(cycle=cycle, producer=producer, dropoff_place="Barn")
    cycle_offers_add(cycle=cycle, producer=producer)
    cycle_fee_save(cycle=cycle, name="Packing", kind=CycleFee.Kind.PER_ITEM_FLAT,
                   amount=Decimal("0.5"), vat_rate=Decimal("20"))
    window = cycle_window_save(cycle=cycle, pickup_point=point,
                               date=now.date() + dt.timedelta(days=3),
                               start_time=dt.time(17), end_time=dt.time(19))
    offer = cycle.offers.order_by("id").first()
    order = order_place(cycle_id=cycle.pk, lines=[LineRequest(offer.pk, 1)], user=owner,
                        pickup_window_id=window.pk, payment_method_id=cash.pk)
    draft = cycle_create(hub=hub, name="Next week", opens_at=now + dt.timedelta(days=6),
                         closes_at=now + dt.timedelta(days=8))
    closed = past_cycle(hub, name="Last week", opens_at=now - dt.timedelta(days=6),
                        closes_at=now - dt.timedelta(days=4))
    parent = producer.partner.stockrecords.first().product.parent
    bundle = InvoiceBundle.objects.create(
        cycle=closed, format="zip", state="done", total=1, done=1, invoice_count=1,
        file=ContentFile(b"PK\x05\x06" + b"\x00" * 18, name="bundle.zip"))
    return {
        "owner": owner, "producer": producer, "hub": hub, "cycle": cycle, "draft": draft,
        "closed": closed,
        "supplier": supplier, "product": parent, "import": product_import, "zone": zone,
        "link": invited, "other_hub": other_hub,
        "producer_invitation": ProducerInvitation.objects.get(producer=producer),
        "hub_invitation": HubInvitation.objects.get(hub=hub),
        "producer_helper": producer.memberships.get(user=helper),
        "hub_helper": hub.memberships.get(user=helper),
        "order": order, "offer": offer, "window": window, "cash": cash, "bundle": bundle,
        "invoice": _invoice(hub, order),
    }


def _invoice(hub, order):
    """An invoice of the order, so its download page is fetched too."""
    from hubs.models import Hub
    from orders.invoicing import invoice_issue

    Hub.objects.filter(pk=hub.pk).update(
        legal_name="Marché SAS", registered_address="1 rue\n75001 Paris",
        company_number="73282932000074")
    return invoice_issue(order_id=order.pk)


# --- what PostgreSQL would refuse ----------------------------------------------------------


class _Refused(Exception):
    pass


def _like_postgresql(execute, sql, params, many, context):
    """Refuse the statements PostgreSQL would refuse from these values (SQLite takes them)."""
    for param in (p for row in (params if many else [params]) or [] for p in (row or [])):
        if isinstance(param, str) and ("\x00" in param or "\\u0000" in param):
            raise _Refused(f"PostgreSQL refuses NUL in text: {sql[:120]}")
    return execute(sql, params, many, context)


class Findings:
    """Answers of 500 or more, and exceptions, collected so one run lists them all."""

    def __init__(self):
        self.items: list[str] = []
        self.requests = 0

    def send(self, call, label: str):
        self.requests += 1
        try:
            with connection.execute_wrapper(_like_postgresql):
                response = call()
        except Exception as exc:  # the view raised: a server error
            self.items.append(f"{label} -> {type(exc).__name__}: {str(exc)[:200]}")
            return None
        if response.status_code >= 500:
            self.items.append(f"{label} -> {response.status_code}")
        return response

    def check(self):
        assert not self.items, f"{len(self.items)} server errors:\n" + "\n".join(
            self.items[:40])


def _shown(value) -> str:
    if value is RAW_1E999999:
        return "1e999999 (JSON number)"
    text = repr(value)
    return text if len(text) < 40 else text[:30] + f"...({len(text)} chars)"


# --- pages ------------------------------------------------------------------------------------


def _area_patterns():
    """(namespace, pattern) of every page of the producer and hub areas."""
    found = []

    def walk(resolver, namespace):
        for entry in resolver.url_patterns:
            if isinstance(entry, URLResolver):
                walk(entry, entry.namespace or namespace)
            elif isinstance(entry, URLPattern) and namespace in AREAS:
                found.append((namespace, entry))

    walk(get_resolver(), None)
    return found


PATTERNS = _area_patterns()


def _kwargs(namespace: str, pattern: URLPattern, world) -> list[dict]:
    """Values for the pattern's parameters, taken from the owner's objects: one dict per page
    to try (an open cycle and a closed one show different forms)."""
    team = "hub" if namespace in ("hubs", "orders_hub") else "producer"
    values = {
        "slug": world[team].slug,
        "cycle_id": [world["cycle"].pk, world["closed"].pk],
        "supplier_id": world["supplier"].pk,
        "product_id": world["product"].pk,
        "import_id": world["import"].pk,
        "token": world[f"{team}_invitation"].token,
        "fmt": "csv",
        "action": "clone",
        "number": world["order"].number,
        "line_id": world["order"].lines.get().pk,
        "invoice_id": world["invoice"].pk,
        "purchase_order_id": 1,
        "bundle_id": world["bundle"].pk,
    }
    names = list(pattern.pattern.converters)
    unknown = [name for name in names if name not in values]
    assert not unknown, (
        f"{namespace}:{pattern.name} takes {unknown}: give it a value in _kwargs"
    )
    choices = [v if isinstance(v, list) else [v] for v in (values[n] for n in names)]
    return [dict(zip(names, combo, strict=True)) for combo in itertools.product(*choices)]


class _Forms(HTMLParser):
    """The forms of a page: method, action, and each field's name with its filled value(s)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[dict] = []
        self._form = None
        self._select = None
        self._textarea = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self._form = {"method": (attrs.get("method") or "get").lower(),
                          "action": attrs.get("action") or "", "fields": defaultdict(list),
                          "names": []}
            self.forms.append(self._form)
            return
        if self._form is None:
            return
        if tag == "option" and self._select is not None:
            self._option(attrs)
            return
        name = attrs.get("name")
        if not name:
            return
        if name not in self._form["names"]:
            self._form["names"].append(name)
        fields = self._form["fields"]
        if tag == "input":
            kind = (attrs.get("type") or "text").lower()
            if kind in ("checkbox", "radio"):
                if "checked" in attrs:
                    fields[name].append(attrs.get("value") or "on")
            elif kind not in ("file", "submit", "button", "image", "reset"):
                fields[name].append(attrs.get("value") or "")
        elif tag == "button" and not fields.get(name):
            fields[name].append(attrs.get("value") or "")
        elif tag == "select":
            self._select = {"name": name, "first": None, "chosen": False}
        elif tag == "textarea":
            self._textarea = name
            fields[name].append("")

    def _option(self, attrs):
        value = attrs.get("value") or ""
        if self._select["first"] is None:
            self._select["first"] = value
        if "selected" in attrs:
            self._form["fields"][self._select["name"]].append(value)
            self._select["chosen"] = True

    def handle_data(self, data):
        if self._textarea is not None and self._form is not None:
            self._form["fields"][self._textarea][-1] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "textarea":
            self._textarea = None
        elif tag == "select" and self._select is not None:
            if not self._select["chosen"] and self._select["first"] is not None:
                self._form["fields"][self._select["name"]].append(self._select["first"])
            self._select = None


def page_forms(html: str, page_url: str) -> list[dict]:
    """The page's forms that submit to the producer or hub areas, one of each kind (a list of
    identical "Remove" forms is tried once), with the fields of a formset's first row only."""
    parser = _Forms()
    parser.feed(html)
    kept, seen = [], set()
    for form in parser.forms:
        action = urlsplit(form["action"]).path or page_url
        if not action.startswith(FORM_ACTIONS):
            continue  # the language switcher, the shop's search: not these areas
        names = [n for n in form["names"] if n != "csrfmiddlewaretoken"]
        key = (form["method"], action, tuple(sorted(names)))
        if not names or key in seen:
            continue
        seen.add(key)
        fuzzed = [n for n in names if not re.search(r"-[1-9]\d*-", n)]
        kept.append({"method": form["method"], "action": action,
                     "fields": dict(form["fields"]), "fuzzed": fuzzed})
    return kept


_READ = re.compile(
    r"request\.(GET|POST)(?:\.get\(|\[|\.getlist\()\s*[\"'](\w+)[\"']"
    r"|[\"'](\w+)[\"']\s+(?:not\s+)?in\s+request\.(GET|POST)"
)
_FORM_ON_GET = re.compile(r"(\w+)\(\s*request\.GET\b")
_FORM_ON_POST = re.compile(r"(\w+)\(\s*request\.POST\b")
FIRST_PARTY = ("producers.", "hubs.", "orders.", "teams.", "foodhub.", "cms.")


def _functions(function, seen: set) -> list:
    """The view function and the first-party functions it calls by name, recursively."""
    function = inspect.unwrap(function)
    if function in seen or not inspect.isfunction(function):
        return []
    seen.add(function)
    found = [function]
    module = inspect.getmodule(function)
    codes, names = [function.__code__], set()
    while codes:
        code = codes.pop()
        names.update(code.co_names)
        codes += [c for c in code.co_consts if inspect.iscode(c)]
    for name in names:
        helper = getattr(module, name, None)
        if inspect.isfunction(helper) and helper.__module__.startswith(FIRST_PARTY):
            found += _functions(helper, seen)
    return found


def view_parameters(callback) -> dict[str, set[str]]:
    """The parameters a view reads outside the HTML forms (itself and the helpers it calls):
    names read from request.GET / request.POST, and the fields of forms built on request.GET."""
    found: dict[str, set[str]] = {"GET": {"page"}, "POST": set()}
    for function in _functions(callback, set()):
        source = inspect.getsource(function)
        for match in _READ.finditer(source):
            method, name = (match.group(1), match.group(2)) if match.group(1) else (
                match.group(4), match.group(3))
            found[method].add(name)
        module = inspect.getmodule(function)
        for method, pattern in (("GET", _FORM_ON_GET), ("POST", _FORM_ON_POST)):
            for name in pattern.findall(source):
                form_class = getattr(module, name, None)
                if isinstance(form_class, type) and issubclass(form_class, forms.BaseForm):
                    found[method].update(form_class.base_fields)
    return found


def attempts(names: list, values: list, one_at_a_time: list) -> list[dict]:
    """{name: value} changes to send: each name with each value when there are few names;
    otherwise each value in every name at once, then each name alone with `one_at_a_time`."""
    if len(names) <= FEW_FIELDS:
        return [{name: value} for name in names for value in values]
    return [dict.fromkeys(names, value) for value in values] + [
        {name: value} for name in names for value in one_at_a_time
    ]


def _label(changes: dict) -> str:
    if len(changes) == 1:
        (name, value), = changes.items()
        return f"{'.'.join(map(str, name)) if isinstance(name, tuple) else name}={_shown(value)}"
    return f"{len(changes)} fields={_shown(next(iter(changes.values())))}"


def _page_targets(namespace, pattern, world, client, findings):
    """What to send to a page: its HTML forms, and the parameters its view reads."""
    targets = []
    for kwargs in _kwargs(namespace, pattern, world):
        url = reverse(f"{namespace}:{pattern.name}", kwargs=kwargs)
        page = findings.send(lambda url=url: client.get(url), f"GET {url}")
        if page is None:
            continue
        if page.status_code == 200 and "html" in page.get("Content-Type", ""):
            targets += page_forms(page.content.decode(), url)
        for method, names in view_parameters(pattern.callback).items():
            if names and not (method == "GET" and page.status_code == 405):
                targets.append({"method": method.lower(), "action": url, "fields": {},
                                "fuzzed": sorted(names)})
    return targets


@pytest.mark.parametrize(("namespace", "pattern"), PATTERNS,
                         ids=[f"{ns}:{p.name}" for ns, p in PATTERNS])
def test_pages_answer_malformed_input_without_server_errors(namespace, pattern, world):
    client = Client()
    client.force_login(world["owner"])
    findings = Findings()
    _fuzz(client, _page_targets(namespace, pattern, world, client, findings), findings)
    findings.check()


def test_the_page_walk_reaches_every_form_and_area():
    """The walk sees the areas (a renamed namespace would silently test nothing)."""
    assert {ns for ns, _p in PATTERNS} == set(AREAS)
    assert len(PATTERNS) >= 25


# --- API --------------------------------------------------------------------------------------


def _schema():
    from drf_spectacular.generators import SchemaGenerator

    return SchemaGenerator().get_schema(request=None, public=True)


SCHEMA = None


def _operations():
    global SCHEMA
    SCHEMA = _schema()
    found = []
    for path, item in SCHEMA["paths"].items():
        if not path.startswith(API_PREFIXES):
            continue
        for method, operation in item.items():
            if method in ("get", "post", "put", "patch"):
                found.append((path, method, operation))
    return found


def _resolve(schema: dict) -> dict:
    while "$ref" in schema:
        schema = SCHEMA["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    if "allOf" in schema and len(schema["allOf"]) == 1:
        return _resolve(schema["allOf"][0])
    return schema


def writable_paths(schema: dict, prefix: tuple = ()) -> list[tuple]:
    """Paths to every writable field of a request body: ("variants", 0, "price")..."""
    schema = _resolve(schema)
    if schema.get("type") == "array":
        items = _resolve(schema.get("items", {}))
        if items.get("type") == "object" or "properties" in items:
            return writable_paths(items, (*prefix, 0))
        return [prefix] if prefix else []
    paths = []
    for name, field in (schema.get("properties") or {}).items():
        if field.get("readOnly"):
            continue
        resolved = _resolve(field)
        if resolved.get("readOnly"):
            continue
        paths.append((*prefix, name))
        if resolved.get("type") in ("array", "object") and (
            "properties" in _resolve(resolved.get("items", {})) or "properties" in resolved
        ):
            paths += writable_paths(resolved, (*prefix, name))
    return paths


def _later(days: int) -> str:
    return (timezone.now() + dt.timedelta(days=days)).isoformat()


def _bases(world) -> dict:
    """A valid body for each operation that creates or replaces (PATCH starts from {})."""
    from oscar.core.loading import get_model

    pantry = get_model("catalogue", "Category").objects.get(name="Pantry").id
    product = {"name": "Honey", "category": pantry, "description": "Wildflower.",
               "variants": [{"sku": "H-250", "units": "250", "unit_type": "g",
                             "price": "4.60", "on_hand": "12"}]}
    return {
        ("post", "/api/v1/producers/{producer_id}/products/"): product,
        ("put", "/api/v1/producers/{producer_id}/products/{product_id}/"): product,
        ("post", "/api/v1/producers/{producer_id}/stock/"): [
            {"sku": "SKU-0", "price": "3.00", "on_hand": 5}],
        ("post", "/api/v1/producers/{producer_id}/imports/"): {},
        ("post", "/api/v1/producers/{team_id}/team/invitations/"): {
            "email": "someone@example.com", "role": "staff"},
        ("post", "/api/v1/hubs/{team_id}/team/invitations/"): {
            "email": "someone@example.com", "role": "staff"},
        ("post", "/api/v1/order-cycles/"): {
            "hub": world["hub"].pk, "name": "Later", "opens_at": _later(10),
            "closes_at": _later(12)},
        ("post", "/api/v1/order-cycles/{cycle_id}/clone/"): {"opens_at": _later(20)},
        ("post", "/api/v1/order-cycles/{cycle_id}/reopen/"): {"closes_at": _later(3)},
        ("post", "/api/v1/relationships/"): {
            "hub": world["other_hub"].pk, "producer": world["producer"].pk},
        ("post", "/api/v1/orders/"): {
            "order_cycle": world["cycle"].pk,
            "lines": [{"offer": world["offer"].pk, "quantity": 1}],
            "pickup_window": world["window"].pk, "payment_method": world["cash"].pk,
            "delivery": None, "note": "", "phone": ""},
    }


def _path_values(path: str, world) -> dict:
    team = "hub" if path.startswith("/api/v1/hubs/") else "producer"
    return {
        "producer_id": world["producer"].pk, "product_id": world["product"].pk,
        "import_id": world["import"].pk, "hub_id": world["hub"].pk,
        "cycle_id": world["cycle"].pk, "link_id": world["link"].pk,
        "team_id": world[team].pk, "member_id": world[f"{team}_helper"].pk,
        "order_id": world["order"].pk, "invoice_id": world["invoice"].pk,
        "purchase_order_id": 0,
    }


def _set(body, path: tuple, value):
    body = copy.deepcopy(body)
    if body is None:
        body = [] if isinstance(path[0], int) else {}
    target = body
    for step, following in zip(path, path[1:], strict=False):
        if isinstance(step, int):
            while len(target) <= step:
                target.append({} if not isinstance(following, int) else [])
        elif step not in target or not isinstance(target[step], list | dict):
            target[step] = [] if isinstance(following, int) else {}
        target = target[step]
    last = path[-1]
    if isinstance(last, int):
        while len(target) <= last:
            target.append(None)
    target[last] = value
    return body


_MARK = "__raw_1e999999__"


def _encode(body) -> str:
    return json.dumps(body).replace(f'"{_MARK}"', "1e999999")


OPERATIONS = _operations()


@pytest.mark.parametrize(("path", "method", "operation"), OPERATIONS,
                         ids=[f"{m.upper()} {p}" for p, m, _o in OPERATIONS])
def test_api_answers_malformed_input_without_server_errors(path, method, operation, world):
    api = APIClient()
    api.force_authenticate(world["owner"])
    values = _path_values(path, world)
    names = re.findall(r"{(\w+)}", path)
    unknown = [n for n in names if n not in values]
    assert not unknown, f"{method.upper()} {path} takes {unknown}: give it a value here"
    url = path.format(**{n: values[n] for n in names})
    findings = Findings()
    query = [p["name"] for p in operation.get("parameters", []) if p["in"] == "query"]
    for changes in attempts(query, MALFORMED, ONE_AT_A_TIME):
        findings.send(lambda c=changes: api.get(url, c), f"GET {url} ?{_label(changes)}")
    content = (operation.get("requestBody") or {}).get("content", {})
    if method == "get" or not content:
        findings.check()
        return
    base = {} if method == "patch" else _bases(world).get((method, path))
    assert base is not None, f"{method.upper()} {path}: give a valid body in _bases"
    if "application/json" not in content:  # a file upload: each field as a form value
        schema = next(iter(content.values()))["schema"]
        fields = list(_resolve(schema).get("properties") or {})
        for changes in attempts(fields, MALFORMED, ONE_AT_A_TIME):
            findings.send(lambda c=changes: api.post(url, c), f"POST {url} {_label(changes)}")
        findings.check()
        return
    send = getattr(api, method)
    paths = writable_paths(content["application/json"]["schema"])
    # Set together, a list and its items would overwrite each other: lists go one at a time.
    leaves = [p for p in paths if not any(o[:len(p)] == p and o != p for o in paths)]
    plans = attempts(leaves, [*MALFORMED, *API_EXTRA], API_ONE_AT_A_TIME)
    plans += [{p: v} for p in paths if p not in leaves for v in [*MALFORMED, *API_EXTRA]]
    for changes in plans:
        body = base
        for field, value in changes.items():
            body = _set(body, field, _MARK if value is RAW_1E999999 else value)
        findings.send(lambda b=_encode(body): send(url, b, content_type="application/json"),
                      f"{method.upper()} {url} {_label(changes)}")
    findings.check()


def test_the_api_walk_reaches_every_area():
    paths = {path for path, _m, _o in OPERATIONS}
    assert any(p.startswith("/api/v1/producers/") for p in paths)
    assert any(p.startswith("/api/v1/order-cycles/") for p in paths)
    writes = [(p, m) for p, m, o in OPERATIONS if m != "get" and o.get("requestBody")]
    assert len(writes) >= 10


# --- the shopper's side: shop, checkout, business details; a processed order's correction ----


def _fuzz(client, targets, findings):
    for target in targets:
        send = client.get if target["method"] == "get" else client.post
        for changes in attempts(target["fuzzed"], MALFORMED, ONE_AT_A_TIME):
            data = {k: list(v) for k, v in target["fields"].items()}
            data.update({name: [value] for name, value in changes.items()})
            findings.send(lambda send=send, data=data: send(target["action"], data),
                          f"{target['method'].upper()} {target['action']} {_label(changes)}")


def _targets(client, url, findings, *, view=None):
    """The forms of the page at `url` and the parameters its view reads."""
    page = findings.send(lambda: client.get(url), f"GET {url}")
    if page is None:
        return []
    targets = []
    if page.status_code == 200 and "html" in page.get("Content-Type", ""):
        targets += page_forms(page.content.decode(), url)
    view = view or get_resolver().resolve(urlsplit(url).path).func
    for method, names in view_parameters(view).items():
        if names:
            targets.append({"method": method.lower(), "action": url, "fields": {},
                            "fuzzed": sorted(names)})
    return targets


def _basket(world, user):
    """A basket of the world's open cycle with one item, as the shop would leave it."""
    from oscar.core.loading import get_model

    from orders.strategy import CycleStrategy

    basket = get_model("basket", "Basket").objects.create(owner=user, cycle=world["cycle"])
    basket.strategy = CycleStrategy(None, cycle=world["cycle"])
    basket.add_product(world["offer"].stockrecord.product, 1)
    return basket


def test_shop_checkout_and_business_forms_answer_malformed_input(world):
    """Every step of the checkout (each reached with valid answers to the one before), a
    hub's shop and its add-to-basket form, the thank-you page and the business details."""
    from django.conf import settings
    from django.core.signing import Signer

    from hubs.models import Hub

    Hub.objects.filter(pk=world["hub"].pk).update(guest_checkout=True)
    findings = Findings()
    guest = Client()
    basket = _basket(world, None)
    guest.cookies[settings.OSCAR_BASKET_COOKIE_OPEN] = Signer().sign(basket.pk)
    _fuzz(guest, _targets(guest, "/shop/checkout/", findings), findings)

    client = Client()
    client.force_login(world["owner"])
    _basket(world, world["owner"])
    hub = world["hub"].slug
    pages = [
        (f"/{hub}/shop/", None),
        (reverse("orders:shop-cycle", kwargs={"cycle_id": world["cycle"].pk}), None),
        ("/shop/accounts/business/", None),
        (f"/shop/checkout/thank-you/?order_number={world['order'].number}", None),
        ("/shop/checkout/fulfilment/",
         {"fulfilment": f"pickup-{world['window'].pk}", "name": "Sam", "phone": "",
          "note": ""}),
        ("/shop/checkout/payment-method/", {"payment_method": world["cash"].pk}),
        ("/shop/checkout/preview/", None),
    ]
    reached = set()
    for url, answer in pages:
        targets = _targets(client, url, findings)
        reached.update(t["action"] for t in targets)
        _fuzz(client, targets, findings)
        if answer is not None:  # on to the next step
            assert client.post(url, answer).status_code == 302, url
    # The shop's add form and every checkout step that takes input were fuzzed.
    assert {f"/{hub}/shop/add/", "/shop/accounts/business/", "/shop/checkout/fulfilment/",
            "/shop/checkout/payment-method/", "/shop/checkout/preview/"} <= reached
    findings.check()


def test_a_processed_orders_correction_and_the_pickup_ticks_answer_malformed_input(world):
    """The correction form (quantities per line) shows once an order is processed and
    invoiced; the pickup sheet's ticks post to pickup-mark."""
    from oscar.core.loading import get_model

    from orders.transitions import PROCESSED

    get_model("order", "Order").objects.filter(pk=world["order"].pk).update(status=PROCESSED)
    client = Client()
    client.force_login(world["owner"])
    findings = Findings()
    hub, cycle = world["hub"].slug, world["cycle"].pk
    order_url = f"/hub/{hub}/cycles/{cycle}/orders/{world['order'].number}/"
    targets = _targets(client, order_url, findings)
    mark = reverse("orders_hub:pickup-mark", kwargs={"slug": hub, "cycle_id": cycle})
    targets += [{"method": "post", "action": mark, "fields": {"order": [world["order"].pk]},
                 "fuzzed": sorted(view_parameters(get_resolver().resolve(mark).func)["POST"])}]
    assert any(t["action"].endswith("/correct/") and any(
        n.startswith("correct-") for n in t["fuzzed"]) for t in targets), targets
    assert {"order", "collected", "paid"} <= set(targets[-1]["fuzzed"])
    _fuzz(client, targets, findings)
    findings.check()
