"""The price selector: the worked example of docs/pricing.md, overrides, and that the parts
always add up to the total."""

import random
from decimal import Decimal as D
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from hubs.models import CycleFee
from hubs.pricing import cycle_prices, price_breakdown

DOC = Path(__file__).resolve().parents[2] / "docs" / "pricing.md"


def fees():
    return [
        CycleFee(name="Hub running costs", kind="item_percent", amount=D("3"), vat_rate=D("20")),
        CycleFee(name="Packing", kind="item_flat", amount=D("0.25"), vat_rate=D("20")),
        CycleFee(name="Delivery", kind="order_flat", amount=D("5"), vat_rate=D("20")),
    ]


def test_worked_example_of_the_pricing_doc():
    breakdown = price_breakdown(
        producer_price=D("14.22"), vat_rate=D("5.5"), markup_percent=D("12"), hub_price=None,
        item_fees=fees(),
    )
    expected = {
        "producer_price": "14.22", "markup": "1.71",
        "fees": [
            {"name": "Hub running costs", "type": "item_percent", "amount": "0.43",
             "vat_rate": "20"},
            {"name": "Packing", "type": "item_flat", "amount": "0.25", "vat_rate": "20"},
        ],
        "vat": [{"rate": "5.5", "amount": "0.88"}, {"rate": "20", "amount": "0.14"}],
        "total_incl_tax": "17.63",
    }
    assert breakdown.as_dict() == expected
    assert breakdown.total_excl_tax == D("16.61")
    doc = DOC.read_text()
    for figure in ("14.22", "1.71", "0.43", "0.25", "16.61", "0.88", "0.14", "17.63"):
        assert figure in doc


def test_hub_price_override_sets_the_markup():
    breakdown = price_breakdown(
        producer_price=D("2.40"), vat_rate=D("5.5"), markup_percent=D("50"),
        hub_price=D("3.00"), item_fees=[],
    )
    assert breakdown.markup == D("0.60")
    assert breakdown.total_incl_tax == D("3.00") + D("0.17")


@pytest.mark.parametrize("seed", range(5))
def test_parts_always_add_up_to_the_total(seed):
    rng = random.Random(seed)
    for _ in range(200):
        price = D(rng.randint(1, 100_000)) / 100
        item_fees = [
            CycleFee(name="a", kind="item_percent", amount=D(rng.randint(0, 1500)) / 100,
                     vat_rate=D("20")),
            CycleFee(name="b", kind="item_flat", amount=D(rng.randint(0, 300)) / 100,
                     vat_rate=rng.choice([D("5.5"), D("20")])),
        ]
        b = price_breakdown(
            producer_price=price, vat_rate=rng.choice([D("2.1"), D("5.5"), D("10"), D("20")]),
            markup_percent=D(rng.randint(0, 4000)) / 100, hub_price=None, item_fees=item_fees,
        )
        parts = b.producer_price + b.markup + sum(f.amount for f in b.fees) + sum(b.vat.values())
        assert parts == b.total_incl_tax
        assert all(x == x.quantize(D("0.01")) for x in [b.markup, *b.vat.values()])


@pytest.mark.django_db
def test_cycle_prices_use_override_order_and_two_queries(cycle_with_offers):
    cycle, offers = cycle_with_offers
    first, second, third = offers
    assert cycle_prices(cycle=cycle)[first.id].markup == D("0.24")  # cycle markup 10 % of 2.40
    second.markup_percent = D("50")
    second.save()
    third.hub_price = D("3.00")
    third.save()
    first.supplier.markup_percent = D("20")
    first.supplier.save()
    with CaptureQueriesContext(connection) as queries:
        prices = cycle_prices(cycle=cycle)
    assert len(queries) == 2
    assert prices[first.id].markup == D("0.48")  # the producer's markup in this cycle, 20 %
    assert prices[second.id].markup == D("1.20")  # offer override 50 %
    assert prices[third.id].markup == D("0.60")  # hub price override 3.00
