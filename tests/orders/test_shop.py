"""A hub's shop (/<hub-slug>/shop/): browse a cycle's offers, grouped, searched, filtered and
paginated in SQL, priced per page; its cost does not grow with the cycle."""

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.files.base import ContentFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from oscar.core.loading import get_model

from hubs import transitions
from hubs.cycle_services import cycle_create, cycle_offers_add
from hubs.models import CycleOffer
from hubs.services import hub_supplier_link
from producers.catalogue_services import catalogue_upsert
from tests.hubs.factories import HubFactory
from tests.producers.factories import ProducerFactory, UserFactory
from tests.producers.test_dashboard import rows_for

pytestmark = pytest.mark.django_db
Category = get_model("catalogue", "Category")
StockRecord = get_model("partner", "StockRecord")
ProductImage = get_model("catalogue", "ProductImage")
Product = get_model("catalogue", "Product")


def offer_more(cycle, n, *, name="Beans", slug="ferme-x", start=1000, **row):
    """Another producer of the hub offering `n` variants in the cycle."""
    producer = ProducerFactory(name=name.title() + " farm", slug=slug)
    rows = rows_for(producer, n, name=name, start=start)
    for r in rows:
        for key, value in row.items():
            object.__setattr__(r, key, value)
    catalogue_upsert(rows=rows, producers={producer.id: producer})
    hub_supplier_link(hub=cycle.hub, producer=producer)
    cycle_offers_add(cycle=cycle, producer=producer)
    return producer


def shop_url(of, **params):
    from urllib.parse import urlencode

    query = urlencode(params)
    return f"/{of.hub.slug}/shop/" + (f"?{query}" if query else "")


def html_of(response):
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def cards(html):
    return html.count('class="card shop-card"')


# --- browsing -----------------------------------------------------------------------------


def test_shop_lists_the_cycles_offers_with_prices_per_kg_and_breakdown(client, shop):
    html = html_of(client.get(shop_url(shop.cycle)))
    assert cards(html) == 3
    assert "Shop at Marché" in html and "This week" in html
    # 2.40 producer price + 10 % markup + 5.5 % VAT = 2.79 for 500 g: 5.58 per kg.
    assert "€2.79" in html and "€5.58 / kg" in html
    assert "<details" in html and "Price breakdown" in html
    assert "€0.24" in html  # the hub's markup, in the breakdown
    assert '<h2 id="group-1" class="h4">Vegetables</h2>' in html
    assert 'name="quantity"' in html and 'for="qty-' in html and 'min="1"' in html
    assert 'max="10"' in html


def test_low_stock_and_sold_out_are_shown(client, shop):
    first, second, _third = shop.offers
    StockRecord.objects.filter(pk=first.stockrecord_id).update(num_in_stock=3)
    CycleOffer.objects.filter(pk=second.pk).update(cap=4, num_allocated=4)
    html = html_of(client.get(shop_url(shop.cycle)))
    assert "Only 3 left" in html and 'max="3"' in html
    assert "Sold out" in html
    assert cards(html) == 3
    html = html_of(client.get(shop_url(shop.cycle, in_stock="1")))
    assert cards(html) == 2 and "Sold out" not in html


def test_search_producer_category_and_grouping(client, shop):
    other = offer_more(shop.cycle, 2, name="Honey")
    pantry = Category.objects.get(name="Pantry")
    honey_parent = Product.objects.distinct().get(children__stockrecords__partner=other.partner,
                                       title="Honey 500")
    honey_parent.categories.set([pantry])

    html = html_of(client.get(shop_url(shop.cycle, q="honey")))
    assert cards(html) == 2 and "Carrots" not in html
    html = html_of(client.get(shop_url(shop.cycle, q="ferme a carrots")))
    assert cards(html) == 3
    html = html_of(client.get(shop_url(shop.cycle, producer=other.pk)))
    assert cards(html) == 2 and "Honey farm" in html
    html = html_of(client.get(shop_url(shop.cycle, category=pantry.pk)))
    assert cards(html) == 2 and "Honey" in html
    # Grouped by category, in the taxonomy's order; then by producer.
    html = html_of(client.get(shop_url(shop.cycle)))
    assert html.index(">Vegetables</h2>") < html.index(">Pantry</h2>")
    html = html_of(client.get(shop_url(shop.cycle, group="producer")))
    assert html.index(">Ferme A</h2>") < html.index(">Honey farm</h2>")


def test_pagination_48_per_page(client, shop):
    offer_more(shop.cycle, 57)
    html = html_of(client.get(shop_url(shop.cycle)))
    assert cards(html) == 48 and "Page 1 of 2" in html and "60 products" in html
    html = html_of(client.get(shop_url(shop.cycle, page=2)))
    assert cards(html) == 12
    assert client.get(shop_url(shop.cycle, page=3)).status_code == 404


def test_the_same_queries_at_10_and_at_60_offers(client, shop, django_assert_num_queries):
    offer_more(shop.cycle, 7, name="Beans", slug="ferme-b")
    url = shop_url(shop.cycle)
    client.get(url)
    with CaptureQueriesContext(connection) as small:
        html = html_of(client.get(url))
    queries = len(small)  # now: the next request empties Django's query log
    assert cards(html) == 10 and queries > 5
    offer_more(shop.cycle, 50, name="Kale", slug="ferme-k", start=2000)
    client.get(url)
    with django_assert_num_queries(queries):
        html = html_of(client.get(url))
    assert cards(html) == 48
    with django_assert_num_queries(queries):
        client.get(url)


def test_signed_in_shopper_with_a_basket_same_queries_whatever_the_cycle_size(client, shop):
    client.force_login(UserFactory(email="shopper@example.com"))
    client.post(f"/{shop.hub.slug}/shop/add/", {"offer": shop.offers[0].pk, "quantity": 2})
    url = shop_url(shop.cycle)
    client.get(url)
    with CaptureQueriesContext(connection) as small:
        client.get(url)
    queries = len(small)
    offer_more(shop.cycle, 60, name="Kale", slug="ferme-k", start=2000)
    client.get(url)
    with CaptureQueriesContext(connection) as big:
        html = html_of(client.get(url))
    assert len(big) == queries > 5
    assert "Basket: 2 items" in html


def test_the_order_is_reused_but_offers_added_show_at_once(client, shop):
    url = shop_url(shop.cycle)
    with CaptureQueriesContext(connection) as cold:
        assert cards(html_of(client.get(url))) == 3
    sorted_cold = len(cold)
    with CaptureQueriesContext(connection) as warm:
        client.get(url)
    assert len(warm) == sorted_cold - 1  # the order of the offers came from the cache
    offer_more(shop.cycle, 2)
    assert cards(html_of(client.get(url))) == 5
    variant = shop.offers[0].stockrecord.product
    Product.objects.filter(pk=variant.pk).update(archived_at=timezone.now())
    html = html_of(client.get(url))
    assert cards(html) == 4  # left out of the page at once, though sorted before


def test_photos_are_lazy_thumbnails_with_their_size(client, shop, settings, tmp_path):
    from PIL import Image

    settings.MEDIA_ROOT = tmp_path
    buffer = io.BytesIO()
    Image.new("RGB", (640, 480), "green").save(buffer, format="PNG")
    parent = shop.offers[0].stockrecord.product.parent
    image = ProductImage(product=parent, display_order=0)
    image.original.save("carrots.png", ContentFile(buffer.getvalue()), save=True)
    html = html_of(client.get(shop_url(shop.cycle)))
    assert 'loading="lazy"' in html and 'width="300" height="300"' in html
    assert html.count("<img class=\"card-img-top\"") == 2  # both sizes of that product
    with CaptureQueriesContext(connection) as first:
        client.get(shop_url(shop.cycle))
    queries = len(first)
    with CaptureQueriesContext(connection) as again:
        client.get(shop_url(shop.cycle))
    assert len(again) == queries


def test_several_open_cycles_the_soonest_closing_first_and_a_chooser(client, shop):
    now = timezone.now()
    later = cycle_create(hub=shop.hub, name="Christmas", opens_at=now - dt.timedelta(hours=1),
                         closes_at=now + dt.timedelta(days=9), publish=True)
    html = html_of(client.get(shop_url(shop.cycle)))
    assert "This hub has several open cycles" in html
    assert f'href="?cycle={later.pk}"' in html
    assert cards(html) == 3  # This week closes first
    html = html_of(client.get(shop_url(shop.cycle, cycle=later.pk)))
    assert cards(html) == 0 and "No product matches" in html


def test_with_no_open_cycle_the_page_says_when_the_next_opens(client, hub, supplier):
    now = timezone.now()
    upcoming = cycle_create(hub=hub, name="Next week", opens_at=now + dt.timedelta(days=2),
                            closes_at=now + dt.timedelta(days=4), publish=True)
    cycle_offers_add(cycle=upcoming, producer=supplier)
    html = html_of(client.get(f"/{hub.slug}/shop/"))
    assert "This cycle opens on" in html
    assert cards(html) == 3 and 'name="quantity"' not in html  # browsable, not buyable
    upcoming.delete()
    html = html_of(client.get(f"/{hub.slug}/shop/"))
    assert "No order cycle is open or planned" in html


def test_closed_drafts_and_other_hubs_cycles_are_not_shown(client, shop):
    other_hub = HubFactory(name="Autre", slug="autre")
    now = timezone.now()
    foreign = cycle_create(hub=other_hub, name="Foreign", opens_at=now - dt.timedelta(days=1),
                           closes_at=now + dt.timedelta(days=1), publish=True)
    draft = cycle_create(hub=shop.hub, name="Draft", opens_at=now - dt.timedelta(days=1),
                         closes_at=now + dt.timedelta(days=1))
    assert client.get(shop_url(shop.cycle, cycle=foreign.pk)).status_code == 404
    assert client.get(shop_url(shop.cycle, cycle=draft.pk)).status_code == 404
    transitions.cycle_close_now(cycle=shop.cycle)
    assert client.get(shop_url(shop.cycle, cycle=shop.cycle.pk)).status_code == 404
    assert client.get("/no-such-hub/shop/").status_code == 404


def test_hidden_hub_shop_is_404_except_for_its_managers(client, shop):
    from hubs.services import hub_manager_add

    shop.hub.is_visible = False
    shop.hub.save()
    assert client.get(shop_url(shop.cycle)).status_code == 404
    manager = UserFactory(email="boss@example.com")
    hub_manager_add(hub=shop.hub, user=manager)
    client.force_login(manager)
    assert client.get(shop_url(shop.cycle)).status_code == 200


@pytest.mark.parametrize(
    ("query", "status"),
    [
        ("cycle=%C2%B2", 404), ("cycle=abc", 404), ("cycle=0", 404), ("cycle=-1", 404),
        ("cycle=99999999999999999999999", 404), ("page=abc", 404), ("page=0", 404),
        ("page=%C2%B2", 404), ("page=99999999999", 404),
        ("q=car%00rots", 400), ("q=" + "x" * 500, 200), ("producer=abc", 200),
        ("producer=%C2%B2", 200), ("category=99999999", 200), ("group=<script>", 200),
        ("in_stock=maybe", 200), ("producer=1&producer=2", 200),
    ],
)
def test_malformed_query_strings_never_fail(client, shop, query, status):
    response = client.get(f"/{shop.hub.slug}/shop/?{query}")
    assert response.status_code == status


def test_product_names_are_escaped(client, shop):
    variant = shop.offers[0].stockrecord.product
    Product.objects.filter(pk=variant.parent_id).update(title="<script>alert(1)</script>")
    shop.offers[0].supplier.producer.__class__.objects.filter(
        pk=shop.offers[0].supplier.producer_id).update(name="<b>Ferme</b>")
    html = html_of(client.get(shop_url(shop.cycle, q="<script>")))
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<b>Ferme</b>" not in html and "&lt;b&gt;Ferme&lt;/b&gt;" in html


def test_archived_products_are_not_listed(client, shop):
    variant = shop.offers[0].stockrecord.product
    Product.objects.filter(pk=variant.pk).update(archived_at=timezone.now())
    html = html_of(client.get(shop_url(shop.cycle)))
    assert cards(html) == 2


def test_unit_prices_only_where_they_help(shop):
    from orders.shop_views import _per_unit

    variant = shop.offers[0].stockrecord.product
    assert _per_unit(variant, Decimal("2.79")) == (Decimal("5.58"), "kg")
    variant.unit_type, variant.unit_value = "items", Decimal("1")
    assert _per_unit(variant, Decimal("2.79")) is None
    variant.unit_value = Decimal("6")
    assert _per_unit(variant, Decimal("3.00")) == (Decimal("0.50"), "item")


@pytest.mark.parametrize("language", ["en", "fr"])
@pytest.mark.parametrize("currency", ["EUR", "GBP", "CHF", "JPY", "USD"])
def test_the_shops_money_filter_writes_what_oscars_currency_filter_writes(language, currency):
    from django.utils import translation
    from oscar.templatetags.currency_filters import currency as oscar_currency

    from orders.templatetags.shop_tags import money

    with translation.override(language):
        for text in ("0.00", "0.5", "2.79", "1234.56", "1234567.89", "-3.20", "2.345", "7"):
            amount = Decimal(text)
            assert money(amount, currency) == oscar_currency(amount, currency), (text, currency)
