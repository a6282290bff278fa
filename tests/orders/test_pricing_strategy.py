from decimal import Decimal

import pytest
from oscar.core.loading import get_class

from producers.money import round_money
from tests.producers.factories import StockRecordFactory

pytestmark = pytest.mark.django_db
Selector = get_class("partner.strategy", "Selector")


@pytest.mark.parametrize(
    ("amount", "expected"),
    [("2.345", "2.35"), ("2.344", "2.34"), ("-2.345", "-2.35"), ("0.005", "0.01"), ("7", "7.00")],
)
def test_round_money_rounds_half_up_to_the_cent(amount, expected):
    assert round_money(Decimal(amount)) == Decimal(expected)


def test_round_money_refuses_floats():
    with pytest.raises(TypeError):
        round_money(2.345)


def test_shop_price_adds_the_products_vat_rate():
    record = StockRecordFactory(price=Decimal("14.22"), product__vat_rate=Decimal("5.5"))
    info = Selector().strategy().fetch_for_product(record.product)
    # 14.22 × 5.5 % = 0.7821 -> 0.78 ; total 15.00
    assert info.price.excl_tax == Decimal("14.22")
    assert info.price.tax == Decimal("0.78")
    assert info.price.incl_tax == Decimal("15.00")
    # Shown, not sold: products are bought in a hub's open order cycle.
    assert not info.availability.is_available_to_buy


def test_shop_price_at_twenty_percent():
    record = StockRecordFactory(price=Decimal("4.50"), product__vat_rate=Decimal("20"))
    info = Selector().strategy().fetch_for_product(record.product)
    assert info.price.incl_tax == Decimal("5.40")


def test_out_of_stock_product_cannot_be_bought():
    record = StockRecordFactory(num_in_stock=0)
    info = Selector().strategy().fetch_for_product(record.product)
    assert not info.availability.is_available_to_buy
