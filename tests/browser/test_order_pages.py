"""The shopper's and the hub manager's order pages at 360 px: nothing wider than the screen,
every quantity input and button within reach; and a change made in the browser."""

import pytest

from tests.producers.factories import UserFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

WIDTH = 360
PASSWORD = "correct horse battery"  # UserFactory's


def log_in(page, base, email):
    page.goto(f"{base}/shop/accounts/login/")
    page.fill("#id_login-username", email)
    page.fill("#id_login-password", PASSWORD)
    page.click("button[name=login_submit]")
    page.wait_for_load_state()


def fits(page, artifacts, name):
    page.screenshot(path=str(artifacts / f"phone-{name}.png"), full_page=True)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= WIDTH, f"{name} is {width} px wide at {WIDTH} px"


def within_screen(locator):
    assert locator.count() > 0
    for index in range(locator.count()):
        box = locator.nth(index).bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= WIDTH, box


def test_order_pages_fit_a_phone_and_a_change_goes_through(live_server, browser, shop,
                                                           artifacts):
    from hubs.services import hub_manager_add
    from orders.services import LineRequest, order_place

    shopper = UserFactory(email="shopper@example.org", first_name="Anne-Sophie",
                          last_name="de La Fontaine-Beaulieu")
    manager = UserFactory(email="manager@example.org")
    hub_manager_add(hub=shop.hub, user=manager, role="owner")
    first, second, _third = shop.offers
    order = order_place(
        cycle_id=shop.cycle.pk, lines=[LineRequest(first.pk, 2), LineRequest(second.pk, 1)],
        pickup_window_id=shop.window.pk, payment_method_id=shop.transfer.pk, user=shopper,
        note="Je passerai vers 18 h 30, merci de garder les œufs au frais",
    )

    context = browser.new_context(viewport={"width": WIDTH, "height": 740}, locale="fr-FR")
    page = context.new_page()
    page.set_default_timeout(15_000)
    base = live_server.url
    log_in(page, base, shopper.email)
    page.goto(f"{base}/shop/accounts/orders/")
    fits(page, artifacts, "account-orders")
    page.click(f"#my-orders >> text={order.number}")
    page.wait_for_load_state()
    fits(page, artifacts, "account-order")
    within_screen(page.locator("#amend-form input[type=number], #amend-form select"))
    within_screen(page.locator("#amend-form button, #cancel-form button"))
    page.fill(f"#id_line-{order.lines.get(offer=first).pk}", "3")
    page.click("#amend-submit")
    page.wait_for_load_state()
    assert order.lines.get(offer=first).quantity == 3
    context.close()

    context = browser.new_context(viewport={"width": WIDTH, "height": 740}, locale="fr-FR")
    page = context.new_page()
    page.set_default_timeout(15_000)
    log_in(page, base, manager.email)
    page.goto(f"{base}/hub/{shop.hub.slug}/cycles/{shop.cycle.pk}/orders/")
    fits(page, artifacts, "hub-cycle-orders")
    page.click(f"#cycle-orders >> text={order.number}")
    page.wait_for_load_state()
    fits(page, artifacts, "hub-order")
    assert page.locator("#audit-trail").is_visible()
    context.close()
