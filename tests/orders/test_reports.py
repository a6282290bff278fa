"""Reports for hub managers and producers: figures from the stored line breakdowns, filters,
a constant number of queries, the pages, the chart and the CSV, XLSX and PDF downloads."""

import csv
import io
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook
from oscar.core.loading import get_model
from pypdf import PdfReader

from hubs.models import OrderCycle
from orders import reports
from orders.reports import ReportFilters
from tests.orders import report_fixtures
from tests.orders.conftest import place_order
from tests.orders.report_fixtures import FORMULA_NAME, filters_for, oracle
from tests.producers.factories import UserFactory

pytestmark = pytest.mark.django_db
market = report_fixtures.market
other_hub_cycle = report_fixtures.other_hub_cycle
Order = get_model("order", "Order")
D = Decimal


def _orders(cycle):
    return list(Order.objects.filter(cycle=cycle).prefetch_related("lines"))


def _by(rows, key):
    return {row[key]: row for row in rows}


# --- the figures ---------------------------------------------------------------------------------


def test_supplier_totals_add_up_each_producers_stored_lines(market):
    report = reports.supplier_totals(filters=filters_for(market))
    expected = oracle(_orders(market.cycle))["producers"]
    rows = _by(report.rows, "producer")
    assert set(rows) == {"Ferme A", FORMULA_NAME}  # Erin's cancelled leeks are not counted
    for name, figures in expected.items():
        row = rows[name]
        for key, value in figures.items():
            assert row[key] == value, (name, key)
        assert row["excl_tax"] == figures["producer_price"] + figures["markup"] + figures["fees"]
    assert rows[FORMULA_NAME]["quantity"] == 2  # Dave's leeks only
    assert report.totals["incl_tax"] == sum(r["incl_tax"] for r in report.rows)
    assert report.totals["quantity"] == sum(r["quantity"] for r in report.rows)


def test_supplier_totals_by_product(market):
    report = reports.supplier_totals(filters=filters_for(market), by_product=True)
    skus = {(row["producer"], row["sku"]): row["quantity"] for row in report.rows}
    assert skus == {("Ferme A", "SKU-0"): 3, ("Ferme A", "SKU-1"): 4, ("Ferme A", "SKU-2"): 5,
                    (FORMULA_NAME, "SKU-100"): 2}
    whole = reports.supplier_totals(filters=filters_for(market))
    assert report.totals == whole.totals


def test_customer_totals_are_each_orders_total(market):
    report = reports.customer_totals(filters=filters_for(market))
    expected = oracle(_orders(market.cycle))["orders"]
    rows = _by(report.rows, "order")
    orders = market.orders
    assert set(rows) == {orders.alice.number, orders.bob.number, orders.carol.number,
                         market.dave.number}  # not Erin's (cancelled)
    for order in Order.objects.filter(number__in=rows):
        row = rows[order.number]
        assert row["incl_tax"] == order.total_incl_tax
        assert row["excl_tax"] == order.total_excl_tax
        assert row["goods"] + row["fees"] + row["vat"] == row["incl_tax"]
        for key, value in expected[order.number].items():
            assert row[key] == value, (order.number, key)
    assert rows[orders.bob.number]["place"] == "Delivery: Paris 11-12"
    assert rows[market.dave.number]["place"] == "Le Marché"
    assert rows[orders.carol.number]["customer"] == "Carol Petit (Coop SARL)"
    assert rows[orders.alice.number]["email"] == "alice@example.org"
    assert report.totals["orders"] == 4
    assert report.totals["incl_tax"] == sum(o.total_incl_tax for o in Order.objects.filter(
        number__in=rows))


def test_fees_summary_names_item_fees_order_fees_and_delivery(market):
    report = reports.fees_summary(filters=filters_for(market))
    rows = {(row["fee"], row["charged"]): row for row in report.rows}
    assert set(rows) == {("Packing", "item"), ("Bag deposit", "item"),
                         ("Running costs", "order"), ("Paris 11-12", "delivery")}
    # Packing: 0.10 on every item but Erin's (cancelled): 11 + Dave's 3.
    packing = rows[("Packing", "item")]
    assert (packing["count"], packing["excl_tax"], packing["vat"]) == (14, D("1.40"), D("0.28"))
    # The bag deposit came after the first orders: only Dave's 3 items paid it (at 5.5 %).
    bag = rows[("Bag deposit", "item")]
    assert (bag["count"], bag["vat_rate"], bag["excl_tax"], bag["vat"]) == (
        3, D("5.5"), D("0.15"), D("0.00"))
    running = rows[("Running costs", "order")]
    assert (running["count"], running["excl_tax"], running["vat"], running["incl_tax"]) == (
        4, D("4.00"), D("0.80"), D("4.80"))
    delivery = rows[("Paris 11-12", "delivery")]
    assert (delivery["count"], delivery["incl_tax"]) == (1, D("4.80"))
    assert report.totals == {"excl_tax": D("9.55"), "vat": D("1.88"), "incl_tax": D("11.43")}


def test_vat_by_rate_splits_goods_and_fees_per_rate(market):
    report = reports.vat_by_rate(filters=filters_for(market))
    rows = _by(report.rows, "vat_rate")
    assert sorted(rows) == [D("5.5"), D("20")]
    orders = _orders(market.cycle)
    live = [o for o in orders if o.status != "cancelled"]
    expected_vat = sum((line.unit_tax * line.quantity for o in live for line in o.lines.all()),
                       D("0")) + sum((D(f["tax"]) for o in live for f in o.fees_breakdown),
                                     D("0"))
    assert report.totals["vat"] == expected_vat
    assert report.totals["incl_tax"] == sum(o.total_incl_tax for o in live)
    # Leeks are the only goods at 20 %; the bag deposit is the only fee at 5.5 %.
    assert rows[D("20")]["goods_base"] == sum(
        (ln.unit_producer_price + ln.unit_markup) * ln.quantity for ln in market.dave.lines.all()
        if ln.partner_id == market.ferme_b.partner_id)
    assert rows[D("5.5")]["fees_base"] == D("0.15")
    for row in report.rows:
        assert row["base"] == row["goods_base"] + row["fees_base"]
        assert row["vat"] == row["goods_vat"] + row["fees_vat"]
        assert row["incl_tax"] == row["base"] + row["vat"]


def test_revenue_per_producer_shares_and_orders(market):
    report = reports.revenue_per_producer(filters=filters_for(market))
    assert [row["producer"] for row in report.rows] == ["Ferme A", FORMULA_NAME]  # largest first
    a, b = report.rows
    assert (a["orders"], b["orders"]) == (4, 1)
    assert report.totals["orders"] == 4  # Dave's order counts once
    assert a["share"] + b["share"] == D("100.0")
    supplier = reports.supplier_totals(filters=filters_for(market))
    assert report.totals["incl_tax"] == supplier.totals["incl_tax"]
    assert report.totals["producer_price"] == supplier.totals["producer_price"]


def test_figures_are_those_charged_not_todays_prices(market):
    before = {kind: reports.build_report(kind, filters=filters_for(market)).totals
              for kind in reports.REPORTS}
    OrderCycle.objects.filter(pk=market.cycle.pk).update(markup_percent=D("50"))
    market.cycle.fees.update(amount=D("9.99"), vat_rate=D("10"))
    get_model("partner", "StockRecord").objects.update(price=D("99.00"))
    after = {kind: reports.build_report(kind, filters=filters_for(market)).totals
             for kind in reports.REPORTS}
    assert after == before


# --- filters -------------------------------------------------------------------------------------


def test_a_producer_filter_keeps_its_lines_and_leaves_per_order_fees_out(market):
    filters = filters_for(market, producer=market.ferme_b)
    supplier = reports.supplier_totals(filters=filters)
    assert [row["producer"] for row in supplier.rows] == [FORMULA_NAME]
    customers = reports.customer_totals(filters=filters)
    assert [row["order"] for row in customers.rows] == [market.dave.number]
    expected = oracle(_orders(market.cycle), producer=market.ferme_b)
    assert customers.rows[0]["incl_tax"] == expected["incl_tax"] == supplier.totals["incl_tax"]
    fees = reports.fees_summary(filters=filters)
    assert {row["charged"] for row in fees.rows} == {"item"}
    assert fees.notes  # says per-order fees are left out
    vat = reports.vat_by_rate(filters=filters)
    assert vat.totals["incl_tax"] == supplier.totals["incl_tax"]


def test_pickup_point_and_delivery_filters(market):
    orders = market.orders
    at_halle = reports.customer_totals(filters=filters_for(market, pickup_point=market.halle))
    assert {r["order"] for r in at_halle.rows} == {orders.alice.number, orders.carol.number}
    at_marche = reports.customer_totals(filters=filters_for(market, pickup_point=market.marche))
    assert [r["order"] for r in at_marche.rows] == [market.dave.number]
    delivered = reports.customer_totals(filters=filters_for(market, delivery=True))
    assert [r["order"] for r in delivered.rows] == [orders.bob.number]
    fees = reports.fees_summary(filters=filters_for(market, delivery=True))
    assert ("Paris 11-12", "delivery") in {(r["fee"], r["charged"]) for r in fees.rows}
    whole = reports.customer_totals(filters=filters_for(market)).totals["incl_tax"]
    assert whole == sum(r.totals["incl_tax"] for r in (at_halle, at_marche, delivered))


def test_several_cycles_add_up_and_another_hubs_cycle_counts_for_nothing(
        market, other_hub_cycle):
    import datetime as dt

    from tests.hubs.factories import past_cycle

    opens = market.cycle.opens_at - dt.timedelta(days=10)
    later = past_cycle(market.hub, opens_at=opens, closes_at=opens + dt.timedelta(days=2))
    one = reports.customer_totals(filters=filters_for(market)).totals["incl_tax"]
    both = reports.customer_totals(filters=ReportFilters(
        hub=market.hub, cycle_ids=(market.cycle.pk, later.pk, other_hub_cycle.pk)))
    assert both.totals["incl_tax"] == one  # the past cycle has no orders; the other hub's
    assert both.totals["orders"] == 4  # is ignored
    with pytest.raises(ValueError):
        ReportFilters(hub=market.hub, cycle_ids=())


# --- a constant number of queries -------------------------------------------------------------


def _query_counts(market) -> dict:
    counts = {}
    for kind in reports.REPORTS:
        with CaptureQueriesContext(connection) as queries:
            reports.build_report(kind, filters=filters_for(market))
        counts[kind] = len(queries)
    return counts


def test_reports_run_the_same_queries_for_5_or_25_orders(market, django_assert_max_num_queries):
    small = _query_counts(market)
    assert small == {"supplier-totals": 1, "supplier-products": 1, "customer-totals": 3,
                     "fees": 2, "vat": 4, "revenue": 2}
    get_model("partner", "StockRecord").objects.update(num_in_stock=1000)
    shoppers = [UserFactory(email=f"shopper{n}@example.org") for n in range(20)]
    for n, user in enumerate(shoppers):
        lines = [(market.shop.offers[n % 3], 1), (market.leeks[n % 2], 1 + n % 3)]
        place_order(market.shop, user, lines)
    assert _query_counts(market) == small
    with django_assert_max_num_queries(4):
        reports.vat_by_rate(filters=filters_for(market))


# --- the hub's pages ----------------------------------------------------------------------------


@pytest.fixture
def manager(client, market):
    from django.contrib.auth import get_user_model

    client.force_login(get_user_model().objects.get(email="manager@example.org"))
    return client


def _url(market):
    return f"/hub/{market.hub.slug}/reports/"


def test_the_page_shows_a_report_with_its_totals_row(manager, market):
    page = manager.get(_url(market), {"report": "customer-totals", "cycle": market.cycle.pk})
    html = page.content.decode()
    assert page.status_code == 200
    assert 'id="report-table"' in html and 'data-report="customer-totals"' in html
    report = reports.customer_totals(filters=filters_for(market))
    totals = html.split('id="report-totals"')[1].split("</tr>")[0]
    assert "Total" in totals and f"{report.totals['incl_tax']}" in totals
    assert f'/hub/{market.hub.slug}/cycles/{market.cycle.pk}/orders/{market.dave.number}/' in html
    assert "=1+2" in html  # Dave's name, escaped text, not a formula
    assert 'aria-current="page" href="/hub/marche/reports/"' in html  # the hub's tab


def test_the_first_visit_shows_supplier_totals_of_the_latest_cycle(manager, market):
    page = manager.get(_url(market))
    assert page.status_code == 200
    assert 'data-report="supplier-totals"' in page.content.decode()


def test_bad_choices_are_form_errors_not_reports(manager, market, other_hub_cycle):
    page = manager.get(_url(market), {"report": "nope", "cycle": other_hub_cycle.pk,
                                      "producer": "x", "point": "99", "format": "doc"})
    html = page.content.decode()
    assert page.status_code == 200
    assert "report-table" not in html
    for message in ("Choose order cycles of this hub.", "Choose one of this hub&#x27;s producers",
                    "Choose one of this hub&#x27;s pickup points", "Choose CSV, XLSX or PDF."):
        assert message in html, message
    assert "The report could not be made" in html
    page = manager.get(_url(market), {"report": "vat"})
    assert "Choose at least one order cycle." in page.content.decode()


def test_the_revenue_chart_is_an_accessible_svg_with_the_table(manager, market):
    html = manager.get(_url(market), {"report": "revenue", "cycle": market.cycle.pk}
                       ).content.decode()
    chart = html.split('id="revenue-chart"')[1].split("</figure>")[0]
    assert 'role="img"' in chart and 'aria-labelledby="revenue-chart-title revenue-chart-desc"' \
        in chart
    assert chart.count("<rect") == 2
    assert "Ferme A" in chart and "=HYPERLINK(&quot;" in chart  # escaped
    assert 'data-report="revenue"' in html  # the figures, as a table


def test_filters_narrow_the_page(manager, market):
    page = manager.get(_url(market), {"report": "supplier-totals", "cycle": market.cycle.pk,
                                      "producer": market.ferme_b.pk, "point": "delivery"})
    html = page.content.decode()
    assert 'id="report-empty"' in html  # Ferme B delivered nothing
    page = manager.get(_url(market), {"report": "customer-totals", "cycle": market.cycle.pk,
                                      "point": market.marche.pk})
    html = page.content.decode()
    assert market.dave.number in html and market.orders.alice.number not in html


def test_csv_download_escapes_formulas(manager, market):
    response = manager.get(_url(market), {"report": "customer-totals", "cycle": market.cycle.pk,
                                          "format": "csv"})
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"] == (
        f'attachment; filename="customer-totals-marche-{market.cycle.pk}.csv"')
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][:2] == ["Order", "Customer"]
    assert rows[-1][0] == "Total"
    assert [row[1] for row in rows if row[0] == market.dave.number] == ["'=1+2"]
    report = reports.customer_totals(filters=filters_for(market))
    assert rows[-1][-1] == f"{report.totals['incl_tax']:.2f}"
    supplier = manager.get(_url(market), {"report": "supplier-totals",
                                          "cycle": market.cycle.pk, "format": "csv"})
    assert "'" + FORMULA_NAME.replace('"', '""') in supplier.content.decode()


def test_xlsx_download_reads_back_as_text_cells(manager, market):
    response = manager.get(_url(market), {"report": "supplier-totals", "cycle": market.cycle.pk,
                                          "format": "xlsx"})
    assert response["Content-Type"] == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    sheet = load_workbook(io.BytesIO(response.content)).active
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert values[0][0] == "Producer" and values[-1][0] == "Total"
    report = reports.supplier_totals(filters=filters_for(market))
    assert values[-1][-1] == f"{report.totals['incl_tax']:.2f}"
    formula = next(row for row in sheet.iter_rows() if row[0].value == FORMULA_NAME)
    assert formula[0].data_type == "s" and formula[0].quotePrefix


def test_pdf_download_prints_the_table_and_what_it_covers(manager, market):
    response = manager.get(_url(market), {"report": "vat", "cycle": market.cycle.pk,
                                          "point": market.marche.pk, "format": "pdf"})
    assert response["Content-Type"] == "application/pdf"
    text = PdfReader(io.BytesIO(response.content)).pages[0].extract_text()
    report = reports.vat_by_rate(filters=filters_for(market, pickup_point=market.marche))
    assert "VAT by rate" in text and "Le Marché" in text and "This week" in text
    assert f"{report.totals['incl_tax']:.2f}" in text
    revenue = manager.get(_url(market), {"report": "revenue", "cycle": market.cycle.pk,
                                         "format": "pdf"})
    text = PdfReader(io.BytesIO(revenue.content)).pages[0].extract_text()
    assert "Revenue per producer" in text and "Ferme A" in text


def test_the_page_runs_a_constant_number_of_queries(manager, market,
                                                    django_assert_max_num_queries):
    # The layout's own (session, user, basket, categories, notifications) are about 13; the
    # form's choices 4; a report at most 4.
    for kind in reports.REPORTS:
        with django_assert_max_num_queries(24):
            assert manager.get(_url(market), {"report": kind, "cycle": market.cycle.pk}
                               ).status_code == 200


def test_only_the_hubs_managers_and_platform_admins_see_its_reports(client, market,
                                                                   other_hub_cycle):
    from django.contrib.auth.models import Group

    from teams.roles import PLATFORM_ADMINS_GROUP

    url = _url(market)
    assert client.get(url).status_code == 302  # to the login page
    client.force_login(UserFactory(email="someone@example.org"))
    assert client.get(url).status_code == 404
    client.force_login(market.farmer_b)
    assert client.get(url).status_code == 404
    from django.contrib.auth import get_user_model

    client.force_login(get_user_model().objects.get(email="other@example.org"))
    assert client.get(url).status_code == 404
    assert client.get(url, {"format": "csv", "cycle": market.cycle.pk}).status_code == 404
    admin = UserFactory(email="admin@example.org")
    admin.groups.add(Group.objects.get_or_create(name=PLATFORM_ADMINS_GROUP)[0])
    client.force_login(admin)
    assert client.get(url, {"cycle": market.cycle.pk}).status_code == 200


# --- the producer's own supplier totals ------------------------------------------------------


def test_a_producer_sees_its_own_supplier_totals_only(client, market):
    client.force_login(market.farmer_b)
    url = f"/producer/{market.ferme_b.slug}/reports/"
    html = client.get(url).content.decode()
    assert 'data-report="supplier-products"' in html
    assert "SKU-100" in html
    assert "SKU-0" not in html and "Ferme A" not in html  # nothing of Ferme A's
    response = client.get(url, {"cycle": market.cycle.pk, "format": "csv"})
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert {row[2] for row in rows[1:-1]} == {"SKU-100"}
    dave_b = oracle(_orders(market.cycle), producer=market.ferme_b)["incl_tax"]
    assert rows[-1][-1] == f"{dave_b:.2f}"
    pdf = client.get(url, {"cycle": market.cycle.pk, "format": "pdf"})
    text = PdfReader(io.BytesIO(pdf.content)).pages[0].extract_text()
    assert "SKU-100" in text and "Ferme A" not in text


def test_a_producer_cannot_ask_for_another_producers_page_or_cycle(client, market,
                                                                   other_hub_cycle):
    client.force_login(market.farmer_b)
    assert client.get("/producer/ferme-a/reports/").status_code == 404
    page = client.get(f"/producer/{market.ferme_b.slug}/reports/",
                      {"cycle": other_hub_cycle.pk, "format": "csv"})
    assert page.status_code == 200 and "Choose an order cycle you sold in." in \
        page.content.decode()


def test_a_producer_without_sales_is_told_so(client, shop):
    from producers.services import producer_member_add
    from tests.producers.factories import ProducerFactory

    user = UserFactory(email="new-farmer@example.org")
    producer = ProducerFactory(name="Ferme C", slug="ferme-c")
    producer_member_add(producer=producer, user=user, role="owner")
    client.force_login(user)
    page = client.get("/producer/ferme-c/reports/")
    assert page.status_code == 200 and 'id="no-cycles"' in page.content.decode()
