"""The fair share of a cycle: of everything shoppers paid, what reached the producers, the
hub's markup, fees and VAT; the same numbers as the breakdowns they were charged."""

from decimal import Decimal

import pytest

from cms.services import storefront_ensure
from hubs import transitions
from hubs.cycle_services import cycle_fee_save
from orders import services
from orders.selectors import _shares, cycle_fair_share, hub_last_processed_fair_share
from orders.services import Delivery, LineRequest
from tests.producers.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def orders(shop):
    """Three orders: pickup, delivery (zone fee), and a cancelled one."""
    cycle_fee_save(cycle=shop.cycle, name="Packing", kind="item_flat", amount=Decimal("0.50"))
    cycle_fee_save(cycle=shop.cycle, name="Basket", kind="order_flat", amount=Decimal("1.00"))
    first, second, third = shop.offers
    shopper = UserFactory(email="shopper@example.org")

    def place(lines, **kwargs):
        options = {"pickup_window_id": shop.window.pk}
        options.update(kwargs)
        return services.order_place(
            cycle_id=shop.cycle.pk, lines=[LineRequest(o.pk, q) for o, q in lines],
            user=shopper, payment_method_id=shop.at_pickup.pk, **options)

    pickup = place([(first, 2)])
    delivered = place([(second, 1), (third, 3)], pickup_window_id=None,
                      delivery=Delivery(zone_id=shop.zone.pk, address="3 rue X", postcode="75011"))
    cancelled = place([(first, 5)])
    services.order_cancel(order=cancelled, user=shopper)
    return pickup, delivered, cancelled


def test_the_amounts_are_the_charged_breakdowns_summed(shop, orders):
    pickup, delivered, cancelled = orders
    share = cycle_fair_share(cycle=shop.cycle)
    kept = [pickup, delivered]
    lines = [line for order in kept for line in order.lines.all()]
    charges = [c for order in kept for c in order.surcharges.all()]
    assert share["amounts"] == {
        "producers": sum(ln.unit_producer_price * ln.quantity for ln in lines),
        "markup": sum(ln.unit_markup * ln.quantity for ln in lines),
        "fees": sum(ln.unit_fees * ln.quantity for ln in lines) + sum(c.excl_tax for c in charges),
        "vat": sum(ln.unit_tax * ln.quantity for ln in lines)
        + sum(c.incl_tax - c.excl_tax for c in charges),
    }
    # What shoppers paid, the cancelled order left out.
    assert share["total"] == pickup.total_incl_tax + delivered.total_incl_tax
    assert share["order_count"] == 2
    # Worked by hand: 6 items at 2.40; 10 % markup 0.24 each; packing 0.50 each, and per
    # order the basket fee 1.00 (twice) and the delivery 4.00; VAT 5.5 % of 2.64 = 0.15 and
    # 20 % of 0.50 = 0.10 per item, 20 % of the order charges (0.20 + 0.20 + 0.80).
    assert share["amounts"]["producers"] == Decimal("14.40")
    assert share["amounts"]["markup"] == Decimal("1.44")
    assert share["amounts"]["fees"] == Decimal("3.00") + Decimal("6.00")
    assert share["amounts"]["vat"] == Decimal("1.50") + Decimal("1.20")
    assert share["total"] == Decimal("27.54")


def test_the_shares_add_up_to_100_percent(shop, orders):
    share = cycle_fair_share(cycle=shop.cycle)
    assert sum(share["shares"].values()) == Decimal("100.0")
    # 14.40 / 27.54 = 52.29 %
    assert share["shares"]["producers"] == Decimal("52.3")
    assert [part["key"] for part in share["parts"]] == ["producers", "markup", "fees", "vat"]


def test_rounding_never_loses_a_tenth():
    thirds = _shares({"a": Decimal("1"), "b": Decimal("1"), "c": Decimal("1")}, Decimal("3"))
    assert sum(thirds.values()) == Decimal("100.0")
    assert sorted(thirds.values()) == [Decimal("33.3"), Decimal("33.3"), Decimal("33.4")]
    assert set(_shares({"a": Decimal("0")}, Decimal("0")).values()) == {Decimal("0.0")}
    halves = _shares({"a": Decimal("1"), "b": Decimal("1")}, Decimal("2"))
    assert [str(value) for value in halves.values()] == ["50.0", "50.0"]  # one decimal always


def test_a_cycle_without_orders_has_nothing_to_share(shop):
    share = cycle_fair_share(cycle=shop.cycle)
    assert share["total"] == Decimal("0.00") and share["order_count"] == 0


def test_the_hub_shows_its_last_processed_cycle(home, shop, orders, client):
    storefront_ensure(hub=shop.hub)
    assert hub_last_processed_fair_share(hub=shop.hub) is None
    assert 'id="fair-share"' not in client.get("/marche/").content.decode()
    transitions.cycle_close_now(cycle=shop.cycle)
    assert hub_last_processed_fair_share(hub=shop.hub) is None  # closed, not processed
    assert transitions.cycle_mark_processed(cycle=shop.cycle)
    share = hub_last_processed_fair_share(hub=shop.hub)
    assert share["cycle"] == shop.cycle and share["total"] == Decimal("27.54")
    html = client.get("/marche/").content.decode()
    assert 'id="fair-share"' in html
    assert "Of everything shoppers paid in “This week” (€27.54, 2 orders)" in html
    assert "<strong>Producers</strong>: 52.3 % (€14.40)" in html
    assert 'style="width: 52.3%"' in html
    assert "<strong>VAT</strong>: 9.8 % (€2.70)" in html


def test_the_bar_stays_valid_css_in_french(home, shop, orders, client):
    storefront_ensure(hub=shop.hub)
    transitions.cycle_close_now(cycle=shop.cycle)
    transitions.cycle_mark_processed(cycle=shop.cycle)
    html = client.get("/marche/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert 'style="width: 52.3%"' in html  # not "52,3"
    assert "52,3" in html
