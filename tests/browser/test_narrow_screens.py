"""At 360 px (a small phone) no producer or hub page is wider than the screen: wide tables
become one card per row, long text wraps, and every button stays within reach."""

import pytest

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

WIDTH = 360


@pytest.fixture
def phone(browser):
    def open_as(email, locale="en-GB"):
        context = browser.new_context(viewport={"width": WIDTH, "height": 740}, locale=locale)
        page = context.new_page()
        page.set_default_timeout(15_000)
        contexts.append(context)
        return page

    contexts = []
    yield open_as
    for context in contexts:
        context.close()


def log_in(page, base, email):
    page.goto(f"{base}/shop/accounts/login/")
    page.fill("#id_login-username", email)
    page.fill("#id_login-password", "foodhub-demo")
    page.click("button[name=login_submit]")
    page.wait_for_load_state()


def assert_fits(page, artifacts, name):
    width = page.evaluate("document.documentElement.scrollWidth")
    page.screenshot(path=str(artifacts / f"phone-{name}.png"), full_page=True)
    assert width <= WIDTH, f"{name} is {width} px wide at {WIDTH} px"


def assert_within_screen(locator):
    assert locator.count() > 0
    for index in range(locator.count()):
        box = locator.nth(index).bounding_box()
        assert box is not None and box["width"] > 0
        assert box["x"] >= 0 and box["x"] + box["width"] <= WIDTH, box


def test_producer_inventory_and_product_form_fit_a_phone(live_server, demo_data, phone, artifacts):
    page = phone("producer@example.org")
    log_in(page, live_server.url, "producer@example.org")
    base = f"{live_server.url}/producer/ferme-des-trois-chenes"

    page.goto(f"{base}/")
    assert_fits(page, artifacts, "producer-inventory")
    assert_within_screen(page.locator("#inventory input[type=number]"))
    assert_within_screen(page.locator("#save-inventory"))

    page.goto(f"{base}/products/new/")
    assert page.locator("#variant-table").is_visible()
    assert_fits(page, artifacts, "producer-product-form")
    assert_within_screen(page.locator("#variant-table input:visible, #variant-table select"))

    for section in ("import", "prepare", "sales", "hubs", "cycles", "history", "profile"):
        page.goto(f"{base}/{section}/")
        assert_fits(page, artifacts, f"producer-{section}")


def test_hub_cycle_editor_and_settings_fit_a_phone(live_server, demo_data, phone, artifacts):
    page = phone("hub@example.org", locale="fr-FR")  # French: the longest labels
    log_in(page, live_server.url, "hub@example.org")
    base = f"{live_server.url}/hub/panier-de-belleville"

    page.goto(f"{base}/")
    assert_fits(page, artifacts, "hub-cycles")
    page.click("#cycle-list >> text=Marché de la semaine")
    page.wait_for_load_state()
    assert page.locator("#cycle-offers tr[data-offer]").count() > 20
    assert_fits(page, artifacts, "hub-cycle-editor")
    assert_within_screen(page.locator("#cycle-suppliers button", has_text="Retirer"))
    assert_within_screen(page.locator("#cycle-offers input[type=checkbox]"))
    assert_within_screen(page.locator("#cycle-offers [data-part=total]"))

    for section in ("settings", "producers", "team", "cycles/new"):
        page.goto(f"{base}/{section}/")
        assert_fits(page, artifacts, f"hub-{section.replace('/', '-')}")
    page.goto(f"{base}/settings/")
    assert_within_screen(page.locator("#payment-methods button"))


def test_storefront_and_producer_pages_fit_a_phone(live_server, demo_data, phone, artifacts):
    page = phone("shopper@example.org", locale="fr-FR")
    for path, name in (("/panier-de-belleville/", "storefront-fr"),
                       ("/riverside-food-hub/", "storefront-en"),
                       ("/producers/", "producers"),
                       ("/producers/ferme-des-trois-chenes/", "producer-page")):
        page.goto(f"{live_server.url}{path}")
        assert page.locator("h1").count() == 1
        assert_fits(page, artifacts, name)
    page.goto(f"{live_server.url}/panier-de-belleville/")
    assert_within_screen(page.locator("#open-cycles .btn"))
