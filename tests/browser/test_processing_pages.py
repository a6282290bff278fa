"""A hub manager closes a cycle on a phone (360 px): the cycle page's processing panel,
filled by its script, says processing waits for the hub's legal details; the processing page
names them and fits the screen; after filling them in, "Retry" finishes it and the invoice
and purchase order download."""

import pytest

from hubs.models import Hub
from tests.orders.conftest import cycle_orders, legal_hub  # noqa: F401 (fixtures)

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


@pytest.mark.usefixtures("cycle_orders")
def test_a_manager_follows_processing_retries_and_downloads(live_server, browser, shop,
                                                            artifacts):
    Hub.objects.filter(pk=shop.hub.pk).update(company_number="", vat_number="")
    manager = shop.hub.managers.get()
    context = browser.new_context(viewport={"width": WIDTH, "height": 740}, locale="en-GB")
    page = context.new_page()
    page.set_default_timeout(15_000)
    base = live_server.url
    page.goto(f"{base}/shop/accounts/login/")
    page.fill("#id_login-username", manager.email)
    page.fill("#id_login-password", PASSWORD)
    page.click("button[name=login_submit]")
    page.wait_for_load_state()

    cycle_url = f"{base}/hub/{shop.hub.slug}/cycles/{shop.cycle.pk}/"
    page.goto(cycle_url)
    page.click("text=Close now")
    page.wait_for_load_state()
    # The script polls the status and writes it (the server-rendered text says "being made").
    page.wait_for_function(
        "document.getElementById('processing-state').textContent.includes('legal details')")
    assert page.text_content("#processing-count") == "1 / 4"
    assert page.get_attribute("#processing-bar", "value") == "25"
    fits(page, artifacts, "hub-cycle-closed")

    page.click("#processing-link")
    page.wait_for_load_state()
    assert "SIRET / SIREN" in page.text_content("#processing-blocked")
    fits(page, artifacts, "hub-cycle-processing-blocked")

    Hub.objects.filter(pk=shop.hub.pk).update(company_number="73282932000074")
    page.reload()
    page.click("#processing-retry")
    page.wait_for_load_state()
    assert page.text_content("#processing-state") == "Done"
    assert page.locator("#cycle-invoices tbody tr").count() == 3
    fits(page, artifacts, "hub-cycle-processing-done")
    with page.expect_download() as download:
        page.locator("#cycle-invoices a", has_text="Download").first.click()
    assert download.value.suggested_filename.startswith("LPB-")
    with page.expect_download() as download:
        page.locator("#purchase-orders a", has_text="CSV").click()
    assert download.value.suggested_filename.endswith(".csv")
    context.close()
