"""A shopper's whole week in the browser, on a desktop and on a small phone: the hub's page,
its shop, a filter, two items in the basket, checkout with a pickup window and a payment
method, the confirmation and its e-mail, then the order changed and a line removed from the
account. Each step asserts what the shopper sees; at 360 px no page scrolls sideways."""

import re

import pytest
from django.core import mail

from tests.producers.factories import UserFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

PASSWORD = "correct horse battery"  # UserFactory's


@pytest.fixture
def market(shop):
    """The `shop` fixture's hub with its storefront page, and a second producer whose leeks
    the producer filter must hide."""
    from wagtail.models import Page, Site

    from cms.models import HomePage
    from cms.services import storefronts_backfill
    from hubs.cycle_services import cycle_offers_add
    from hubs.services import hub_supplier_link
    from producers.catalogue_services import catalogue_upsert
    from tests.producers.factories import ProducerFactory
    from tests.producers.test_dashboard import rows_for

    home = HomePage(title="Foodhub", slug="foodhub-home")
    Page.get_first_root_node().add_child(instance=home)
    Site.objects.update_or_create(
        is_default_site=True,
        defaults={"hostname": "localhost", "port": 80, "root_page": home, "site_name": "Foodhub"},
    )
    storefronts_backfill()
    other = ProducerFactory(name="Ferme B", slug="ferme-b")
    catalogue_upsert(rows=rows_for(other, 1, name="Leeks", start=50),
                     producers={other.id: other})
    hub_supplier_link(hub=shop.hub, producer=other)
    cycle_offers_add(cycle=shop.cycle, producer=other)
    return shop


def fits(page, width, name, artifacts):
    """Nothing wider than the screen (the phone's only: a desktop page has room)."""
    page.screenshot(path=str(artifacts / f"journey-{width}-{name}.png"), full_page=True)
    if width > 400:
        return
    scroll, inner = page.evaluate(
        "[document.documentElement.scrollWidth, window.innerWidth]")
    assert scroll <= inner + 1, f"{name} is {scroll} px wide at {inner} px"


def card(page, offer):
    return page.locator(f"#offer-{offer.pk}")


@pytest.mark.parametrize("width", [1280, 360])
def test_shopper_journey(live_server, browser, market, artifacts, width):
    from orders.order.models import Order

    shopper = UserFactory(email="anne@example.org", first_name="Anne", last_name="Martin")
    first, second, third = market.offers
    leeks = market.cycle.offers.get(stockrecord__partner__name="Ferme B")
    base = live_server.url
    hub = market.hub
    context = browser.new_context(viewport={"width": width, "height": 800}, locale="en-GB")
    page = context.new_page()
    page.set_default_timeout(15_000)

    page.goto(f"{base}/shop/accounts/login/")
    page.fill("#id_login-username", shopper.email)
    page.fill("#id_login-password", PASSWORD)
    page.click("button[name=login_submit]")
    page.wait_for_load_state()

    # The hub's page: its open cycle, its pickup window, its "Shop" link.
    page.goto(f"{base}/{hub.slug}/")
    assert page.locator("h1").inner_text() == hub.name
    assert "This week" in page.locator("#open-cycles").inner_text()
    assert "La Halle" in page.locator("#pickup-points").inner_text()
    fits(page, width, "storefront", artifacts)
    page.locator("#open-cycles a", has_text="Shop").click()
    page.wait_for_load_state()
    assert page.url == f"{base}/{hub.slug}/shop/?cycle={market.cycle.pk}"
    assert f"Shop at {hub.name}" in page.locator("h1").inner_text()
    assert card(page, leeks).is_visible()
    fits(page, width, "shop", artifacts)

    # Filter by producer: Ferme B's leeks go, Ferme A's carrots stay.
    page.select_option("#shop-producer", label="Ferme A")
    page.locator("form.shop-filters button[type=submit]").click()
    page.wait_for_load_state()
    assert "producer=" in page.url
    assert card(page, leeks).count() == 0
    assert "3 products" in page.locator(".shop-summary").inner_text()
    fits(page, width, "shop-filtered", artifacts)

    # Two items: 2 of the first, 1 of the second; the mini-basket counts them.
    card(page, first).locator("input[name=quantity]").fill("2")
    card(page, first).locator("button[type=submit]").click()
    page.wait_for_load_state()
    assert "added to your basket (2 in it)" in page.locator(".alert-success").first.inner_text()
    assert card(page, leeks).count() == 0, "the filter is kept after adding"
    card(page, second).locator("button[type=submit]").click()
    page.wait_for_load_state()
    assert "Basket: 3 items" in page.locator("#mini-basket").inner_text()

    # Basket → checkout.
    page.locator("#mini-basket a.btn").click()
    page.wait_for_load_state()
    assert page.url == f"{base}/shop/basket/"
    assert page.locator("#basket_formset input[type=number]").count() == 2
    fits(page, width, "basket", artifacts)
    page.get_by_role("link", name="Proceed to checkout").click()
    page.wait_for_load_state()

    # Pickup or delivery: the window at La Halle.
    assert page.url.endswith("/shop/checkout/fulfilment/")
    fits(page, width, "checkout-fulfilment", artifacts)
    page.get_by_label(re.compile(r"Pickup: La Halle")).check()
    page.fill("#id_name", "Anne Martin")
    page.fill("#id_phone", "06 12 34 56 78")
    page.get_by_role("button", name="Continue to payment").click()
    page.wait_for_load_state()

    # Payment: bank transfer, whose IBAN is shown before choosing.
    assert page.url.endswith("/shop/checkout/payment-method/")
    assert "FR7630006000011234567890189" in page.locator("#payment-form").inner_text()
    fits(page, width, "checkout-payment", artifacts)
    page.get_by_label(re.compile(r"Bank transfer")).check()
    page.get_by_role("button", name="Review your order").click()
    page.wait_for_load_state()

    # Review: both lines, then place the order.
    assert page.url.endswith("/shop/checkout/preview/")
    review = page.locator("main").inner_text()
    assert "La Halle" in review and "Bank transfer" in review
    fits(page, width, "checkout-review", artifacts)
    page.click("#place-order")
    page.wait_for_load_state()

    # Confirmation: the number, the pickup, the transfer reference.
    order = Order.objects.get(user=shopper)
    assert page.url.endswith("/shop/checkout/thank-you/")
    assert f"order {order.number} is placed" in page.locator("h1").inner_text()
    assert "La Halle" in page.locator("#order-fulfilment").inner_text()
    assert order.payment_reference in page.locator("#payment-reference").inner_text()
    assert page.locator("#order-lines tbody tr").count() == 2
    fits(page, width, "checkout-thank-you", artifacts)

    # The confirmation e-mail, sent on commit by the (eager) Celery task in the live server's
    # thread of this process: the locmem outbox is this process's.
    sent = [m for m in mail.outbox if shopper.email in m.to]
    assert len(sent) == 1, [m.subject for m in mail.outbox]
    assert order.number in sent[0].subject
    assert "La Halle" in sent[0].body and order.payment_reference in sent[0].body
    assert any(kind == "text/html" for _body, kind in sent[0].alternatives)

    # The account: the order in the list, then its page.
    page.click("#account-orders")
    page.wait_for_load_state()
    row = page.locator(f"#my-orders tr[data-order='{order.number}']")
    assert "Placed" in row.inner_text() and hub.name in row.inner_text()
    fits(page, width, "account-orders", artifacts)
    row.get_by_role("link").click()
    page.wait_for_load_state()
    assert page.url.endswith(f"/shop/accounts/orders/{order.number}/")
    fits(page, width, "account-order", artifacts)

    # Amend: 3 of the first product instead of 2.
    line_a = order.lines.get(offer=first)
    line_b = order.lines.get(offer=second)
    page.fill(f"#id_line-{line_a.pk}", "3")
    page.click("#amend-submit")
    page.wait_for_load_state()
    assert page.locator("#order-status").inner_text() == "Amended"
    quantities = page.locator("#order-lines tbody tr td:nth-child(3)").all_inner_texts()
    assert sorted(q.strip() for q in quantities) == ["1", "3"]
    fits(page, width, "account-order-amended", artifacts)

    # Remove the second line: quantity 0.
    total_before = page.locator("#order-total").inner_text()
    page.fill(f"#id_line-{line_b.pk}", "0")
    page.click("#amend-submit")
    page.wait_for_load_state()
    assert page.locator("#order-lines tbody tr").count() == 1
    assert line_a.title in page.locator("#order-lines tbody").inner_text()
    assert page.locator("#order-lines tbody tr td:nth-child(3)").inner_text().strip() == "3"
    assert page.locator("#order-total").inner_text() != total_before
    fits(page, width, "account-order-line-removed", artifacts)
    assert list(order.lines.values_list("offer", "quantity")) == [(first.pk, 3)]
    # Each change was e-mailed too.
    assert len([m for m in mail.outbox if shopper.email in m.to]) == 3
    context.close()
