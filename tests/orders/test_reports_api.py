"""The reports API: `GET /api/v1/order-cycles/{id}/reports/{report}/` for the cycle's hub
managers, JSON rows with a totals row, or the file with `?format=csv|xlsx|pdf`."""

import csv
import io
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from openpyxl import load_workbook
from pypdf import PdfReader
from rest_framework.test import APIClient

from orders import reports
from teams.roles import PLATFORM_ADMINS_GROUP
from tests.orders import report_fixtures
from tests.orders.report_fixtures import FORMULA_NAME, filters_for
from tests.producers.factories import UserFactory

pytestmark = pytest.mark.django_db
market = report_fixtures.market
other_hub_cycle = report_fixtures.other_hub_cycle

KINDS = ("supplier-totals", "customer-totals", "fees", "vat")


def _url(cycle, kind):
    return f"/api/v1/order-cycles/{cycle.pk}/reports/{kind}/"


@pytest.fixture
def api(market):
    client = APIClient()
    client.force_authenticate(get_user_model().objects.get(email="manager@example.org"))
    return client


def test_each_report_answers_rows_and_a_totals_row_in_decimal_strings(api, market):
    for kind in KINDS:
        body = api.get(_url(market.cycle, kind)).json()
        report = reports.build_report(kind, filters=filters_for(market))
        assert body["report"] == kind and body["currency"] == "EUR"
        assert len(body["rows"]) == len(report.rows)
        assert Decimal(body["totals"]["incl_tax"]) == report.totals["incl_tax"], kind
        assert body["totals"]["incl_tax"] == f"{report.totals['incl_tax']:.2f}"


def test_supplier_and_customer_rows(api, market):
    supplier = api.get(_url(market.cycle, "supplier-totals")).json()
    a = next(row for row in supplier["rows"] if row["producer"] == "Ferme A")
    assert a["producer_id"] == market.ferme_a.pk and isinstance(a["quantity"], int)
    assert set(a) == {"producer_id", "producer", "quantity", "producer_price", "markup",
                      "fees", "excl_tax", "vat", "incl_tax"}
    customers = api.get(_url(market.cycle, "customer-totals")).json()
    dave = next(row for row in customers["rows"] if row["order"] == market.dave.number)
    market.dave.refresh_from_db()
    assert dave["incl_tax"] == f"{market.dave.total_incl_tax:.2f}"
    assert dave["customer"] == "=1+2" and dave["place"] == "Le Marché"
    assert customers["totals"]["orders"] == 4


def test_fees_and_vat_rows(api, market):
    fees = api.get(_url(market.cycle, "fees")).json()
    assert {(r["fee"], r["charged"], r["vat_rate"]) for r in fees["rows"]} == {
        ("Packing", "item", "20"), ("Bag deposit", "item", "5.5"),
        ("Running costs", "order", "20"), ("Paris 11-12", "delivery", "20")}
    assert fees["totals"] == {"excl_tax": "9.55", "vat": "1.88", "incl_tax": "11.43"}
    vat = api.get(_url(market.cycle, "vat")).json()
    assert [row["vat_rate"] for row in vat["rows"]] == ["5.5", "20"]


def test_filters_as_query_parameters(api, market):
    body = api.get(_url(market.cycle, "customer-totals"),
                   {"pickup_point": market.marche.pk}).json()
    assert [row["order"] for row in body["rows"]] == [market.dave.number]
    body = api.get(_url(market.cycle, "customer-totals"), {"pickup_point": "delivery"}).json()
    assert [row["order"] for row in body["rows"]] == [market.orders.bob.number]
    body = api.get(_url(market.cycle, "fees"), {"producer": market.ferme_b.pk}).json()
    assert {row["charged"] for row in body["rows"]} == {"item"} and body["notes"]


@pytest.mark.parametrize(("params", "field", "message"), [
    ({"format": "docx"}, "format", "Use one of: json, csv, xlsx, pdf."),
    ({"producer": "abc"}, "producer", "Give a producer id (a whole number)."),
    ({"producer": "99999999999999999999"}, "producer", "Give a producer id (a whole number)."),
    ({"pickup_point": "somewhere"}, "pickup_point",
     "Give a pickup point id of the hub, or `delivery`."),
    ({"pickup_point": "99999999999999999999"}, "pickup_point",
     "Give a pickup point id of the hub, or `delivery`."),
])
def test_bad_parameters_are_400s_naming_the_field(api, market, params, field, message):
    response = api.get(_url(market.cycle, "vat"), params)
    assert response.status_code == 400
    assert response.json() == {field: [message]}


def test_another_hubs_producer_or_pickup_point_is_refused(api, market, other_hub_cycle):
    from hubs.models import PickupPoint
    from tests.producers.factories import ProducerFactory

    stranger = ProducerFactory(name="Elsewhere", slug="elsewhere")
    response = api.get(_url(market.cycle, "vat"), {"producer": stranger.pk})
    assert response.status_code == 400
    assert response.json() == {"producer": ["This producer does not supply this hub."]}
    point = PickupPoint.objects.create(hub=other_hub_cycle.hub, name="Theirs", address="x")
    response = api.get(_url(market.cycle, "vat"), {"pickup_point": point.pk})
    assert response.status_code == 400


def test_files_csv_xlsx_and_pdf(api, market):
    report = reports.supplier_totals(filters=filters_for(market))
    total = f"{report.totals['incl_tax']:.2f}"
    response = api.get(_url(market.cycle, "supplier-totals"), {"format": "csv"})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"].startswith('attachment; filename="supplier-totals-')
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[-1][0] == "Total" and rows[-1][-1] == total
    assert any(row[0] == "'" + FORMULA_NAME for row in rows)  # escaped formula
    response = api.get(_url(market.cycle, "supplier-totals"), {"format": "xlsx"})
    sheet = load_workbook(io.BytesIO(response.content)).active
    cells = [[c.value for c in row] for row in sheet.iter_rows()]
    assert cells[-1][-1] == total
    assert next(row for row in sheet.iter_rows() if row[0].value == FORMULA_NAME)[0].quotePrefix
    response = api.get(_url(market.cycle, "customer-totals"), {"format": "pdf"})
    assert response["Content-Type"] == "application/pdf"
    text = PdfReader(io.BytesIO(response.content)).pages[0].extract_text()
    customers = reports.customer_totals(filters=filters_for(market))
    assert "Customer totals" in text and f"{customers.totals['incl_tax']:.2f}" in text


def test_only_the_hubs_managers_and_platform_admins(market, other_hub_cycle):
    client = APIClient()
    url = _url(market.cycle, "vat")
    assert client.get(url).status_code == 401
    for email in ("other@example.org", "farmer-b@example.org", "alice@example.org"):
        client.force_authenticate(get_user_model().objects.get(email=email))
        assert client.get(url).status_code == 404, email
        assert client.get(url, {"format": "csv"}).status_code == 404, email
    client.force_authenticate(get_user_model().objects.get(email="manager@example.org"))
    assert client.get(_url(other_hub_cycle, "vat")).status_code == 404
    admin = UserFactory(email="admin@example.org")
    admin.groups.add(Group.objects.get_or_create(name=PLATFORM_ADMINS_GROUP)[0])
    client.force_authenticate(admin)
    assert client.get(url).status_code == 200


def test_a_constant_number_of_queries(api, market, django_assert_max_num_queries):
    # cycle and hub, the producers' choices (with a filter), the report's own (at most 4)
    for kind in KINDS:
        with django_assert_max_num_queries(7):
            assert api.get(_url(market.cycle, kind),
                           {"producer": market.ferme_b.pk}).status_code == 200
