"""The packing list and the pickup checklist on a 360 px phone: nothing wider than the
screen, the toggles within reach, and a tap on "Collected" recorded without a reload."""

import pytest

from tests.orders.conftest import cycle_orders, legal_hub, processed_cycle  # noqa: F401

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

WIDTH = 360
PASSWORD = "correct horse battery"  # UserFactory's


def fits(page, artifacts, name):
    page.screenshot(path=str(artifacts / f"phone-{name}.png"), full_page=True)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= WIDTH, f"{name} is {width} px wide at {WIDTH} px"


def serious_violations(page) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page).response
    return [f"{page.url}: {v['id']} ({v['impact']}) {v['help']}"
            for v in results["violations"] if v["impact"] in ("serious", "critical")]


def within_screen(locator):
    assert locator.count() > 0
    for index in range(locator.count()):
        box = locator.nth(index).bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= WIDTH, box


def test_the_checklist_works_on_a_phone(live_server, browser, processed_cycle,  # noqa: F811
                                        artifacts):
    from orders.models import OrderHandover

    shop, alice = processed_cycle.shop, processed_cycle.orders.alice
    context = browser.new_context(viewport={"width": WIDTH, "height": 740}, locale="en-GB")
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{live_server.url}/shop/accounts/login/")
    page.fill("#id_login-username", "manager@example.org")
    page.fill("#id_login-password", PASSWORD)
    page.click("button[name=login_submit]")
    page.wait_for_load_state()
    base = f"{live_server.url}/hub/{shop.hub.slug}/cycles/{shop.cycle.pk}"

    violations = []
    for by in ("customer", "producer", "product"):
        page.goto(f"{base}/packing/?by={by}")
        fits(page, artifacts, f"packing-{by}")
        violations += serious_violations(page)
    within_screen(page.locator("#packing-pdf"))
    assert page.locator("[data-print]").first.is_visible()  # shown by the script

    page.goto(f"{base}/pickup/?sheet=window-{shop.window.pk}")
    fits(page, artifacts, "pickup-sheet")
    violations += serious_violations(page)
    within_screen(page.locator(".handover-button"))
    page.evaluate("window.notReloaded = true")
    button = page.locator(f"#collected-{alice.pk}")
    assert button.get_attribute("aria-pressed") == "false"
    button.click()
    page.wait_for_function(
        f"document.getElementById('collected-{alice.pk}').getAttribute('aria-pressed') === "
        "'true'")
    assert page.evaluate("window.notReloaded") is True
    row = page.locator(f"#order-{alice.pk}")
    assert "manager@example.org" in row.inner_text()
    assert "Collected" in row.locator("[data-status]").inner_text()
    handover = OrderHandover.objects.get(order=alice)
    assert handover.collected_at is not None and handover.collected_by.email == \
        "manager@example.org"
    fits(page, artifacts, "pickup-sheet-ticked")
    violations += serious_violations(page)
    page.goto(f"{base}/pickup/")
    violations += serious_violations(page)
    context.close()
    assert violations == []
