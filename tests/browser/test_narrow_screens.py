"""At 360 px (a small phone) no producer or hub page is wider than the screen, nor has an
element reaching past its edge (outside a box that scrolls): wide tables become one card per
row or scroll in their own box, long unbroken names wrap, every button stays within reach.
Each page a producer or a hub manager opens in a week is walked, with 60-letter words in the
names a page shows (products, order lines, customers, pickup points, fees, the farm)."""

import pytest

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

WIDTH = 360
LONG = "Supercalifragilisticexpialidociouscarrotsandbeetrootsfromthe"  # 60 letters, no break

# Elements reaching past the screen's edges, except inside a box that scrolls or clips (a
# table in .table-responsive) and except what is hidden off-screen on purpose (the skip link).
STICKING_OUT = """() => {
  const width = window.innerWidth, out = [];
  const inBox = (el) => {
    for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
      if (['auto', 'scroll', 'hidden', 'clip'].includes(getComputedStyle(p).overflowX)) return true;
    }
    return false;
  };
  for (const el of document.body.querySelectorAll('*')) {
    const r = el.getBoundingClientRect();
    if (r.width <= 1 || r.height <= 1 || r.right <= 0) continue;
    if ((r.left < -0.5 || r.right > width + 0.5) && !inBox(el)) {
      out.push(`${el.tagName.toLowerCase()}#${el.id}.${el.className} ${Math.round(r.left)}..` +
               `${Math.round(r.right)}: ${(el.innerText || '').slice(0, 40)}`);
    }
  }
  return out.slice(0, 5);
}"""


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


def long_names():
    """Give the demo's names the worst shape a phone meets: one unbroken 60-letter word."""
    from django.contrib.auth import get_user_model
    from oscar.core.loading import get_model

    from hubs.models import CycleFee, PickupPoint
    from producers.models import Producer

    product, line = get_model("catalogue", "Product"), get_model("order", "Line")
    Producer.objects.filter(slug="ferme-des-trois-chenes").update(name=f"Ferme {LONG}")
    product.objects.filter(pk__in=list(product.objects.values_list("pk", flat=True)[::3])).update(
        title=LONG)
    line.objects.filter(pk__in=list(line.objects.values_list("pk", flat=True)[::3])).update(
        title=LONG)
    get_user_model().objects.exclude(email__in=["hub@example.org", "producer@example.org"]).update(
        first_name=LONG, last_name=LONG)
    PickupPoint.objects.update(name=LONG)
    CycleFee.objects.update(name=LONG)


def assert_fits(page, artifacts, name):
    width = page.evaluate("document.documentElement.scrollWidth")
    page.screenshot(path=str(artifacts / f"phone-{name}.png"), full_page=True)
    assert width <= WIDTH, f"{name} is {width} px wide at {WIDTH} px"
    assert page.evaluate(STICKING_OUT) == [], name


def assert_within_screen(locator):
    assert locator.count() > 0
    for index in range(locator.count()):
        box = locator.nth(index).bounding_box()
        assert box is not None and box["width"] > 0
        assert box["x"] >= 0 and box["x"] + box["width"] <= WIDTH, box


def test_producer_inventory_and_product_form_fit_a_phone(live_server, demo_data, phone, artifacts):
    long_names()
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

    for section in ("import", "prepare", "sales", "hubs", "cycles", "history", "profile", "team",
                    "reports", "purchase-orders"):
        page.goto(f"{base}/{section}/")
        assert_fits(page, artifacts, f"producer-{section}")
    assert page.locator("#purchase-orders tr[data-purchase-order]").count() > 0


def test_hub_cycle_editor_and_settings_fit_a_phone(live_server, demo_data, phone, artifacts):
    long_names()
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

    for section in ("settings", "producers", "team", "cycles/new", "reports"):
        page.goto(f"{base}/{section}/")
        assert_fits(page, artifacts, f"hub-{section.replace('/', '-')}")
    page.goto(f"{base}/settings/")
    assert_within_screen(page.locator("#payment-methods button"))


def test_a_closed_cycles_pages_fit_a_phone(live_server, demo_data, phone, artifacts):
    """Last week's cycle, closed and processed: its orders, one order, processing (invoices,
    purchase orders), the three packing lists, the pickup checklist and a sheet, bundles."""
    from orders.models import CycleProcessing

    long_names()
    cycle = CycleProcessing.objects.filter(
        cycle__hub__slug="panier-de-belleville", state=CycleProcessing.State.DONE,
    ).order_by("-cycle__closes_at").first().cycle
    page = phone("hub@example.org", locale="fr-FR")
    log_in(page, live_server.url, "hub@example.org")
    base = f"{live_server.url}/hub/panier-de-belleville/cycles/{cycle.pk}"

    page.goto(f"{base}/orders/")
    assert_fits(page, artifacts, "hub-orders")
    page.locator("#cycle-orders a").first.click()
    page.wait_for_load_state()
    assert_fits(page, artifacts, "hub-order")
    for path, name in (("processing/", "processing"), ("packing/", "packing-customer"),
                       ("packing/?by=producer", "packing-producer"),
                       ("packing/?by=product", "packing-product"), ("pickup/", "pickup"),
                       ("invoices/bundles/", "invoice-bundles")):
        page.goto(f"{base}/{path}")
        assert_fits(page, artifacts, f"hub-{name}")
        if name.startswith("packing"):
            assert LONG in page.locator("main").inner_text()  # the long names are there
    page.goto(f"{base}/pickup/")
    page.locator("a[href*='sheet=']").first.click()
    page.wait_for_load_state()
    assert_fits(page, artifacts, "hub-pickup-sheet")
    assert_within_screen(page.locator(".handover-button"))


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
