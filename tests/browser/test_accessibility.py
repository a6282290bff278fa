"""Every shopper page passes axe-core at 1280 px and 360 px: no violation of impact serious or
critical (contrast, labels, names, ARIA...). axe-core is the copy shipped inside the
axe-playwright-python package (never a CDN), run in Debian's Chromium.

To check a new page, add one `Page` to PAGES; a path may name a {placeholder} of
`demo_targets()` (add one there when a page needs an id or slug of the demo data)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

WIDTHS = {1280: 900, 360: 740}  # width: height, px
FAILING_IMPACTS = {"serious", "critical"}
SHOPPER = "shopper@example.org"
HUB = "panier-de-belleville"  # the French demo hub: its open cycle has the longest labels


@dataclass(frozen=True)
class Page:
    name: str
    path: str  # may name {placeholders} of demo_targets()
    # Signed in as the demo shopper, in the hub's open cycle, with one item in the basket.
    shopper: bool = False
    # Done in the browser before the page loads (a checkout step the page needs done first),
    # as before(page, base, targets); it may add {placeholders} to targets for later pages.
    before: Callable | None = None
    # The path the page must end at (a step done wrong redirects elsewhere), if not `path`.
    lands_on: str | None = None


PAGES = [
    Page("home", "/"),
    Page("product", "{product}"),
    Page("product variant", "{variant}"),
    Page("login", "/shop/accounts/login/"),
    Page("empty basket", "/shop/basket/"),
    Page("basket", "/shop/basket/", shopper=True),
    Page("product, shopping in a cycle", "{variant}", shopper=True),
    Page("storefront", "/{hub}/"),
    Page("shop", "/{hub}/shop/"),
    Page("shop, filtered, grouped by producer", "/{hub}/shop/?group=producer&q=a&in_stock=1"),
    Page("storefront, shopping in a cycle", "/{hub}/", shopper=True),
    Page("shop, shopping in a cycle", "/{hub}/shop/", shopper=True),
    Page("checkout: pickup or delivery", "/shop/checkout/", shopper=True,
         lands_on="/shop/checkout/fulfilment/"),
    Page("checkout: payment", "/shop/checkout/payment-method/", shopper=True,
         before=lambda page, base, targets: choose_pickup(page, base)),
    Page("checkout: review", "/shop/checkout/preview/", shopper=True,
         before=lambda page, base, targets: choose_payment(page, base)),
    Page("checkout: confirmation", "/shop/checkout/thank-you/", shopper=True,
         before=lambda page, base, targets: place_order(page, base, targets)),
    Page("account", "/shop/accounts/profile/", shopper=True),
    Page("account: edit profile", "/shop/accounts/profile/edit/", shopper=True),
    Page("account: orders", "/shop/accounts/orders/", shopper=True),
    Page("account: business details", "/shop/accounts/business/", shopper=True),
    # {order} is the order "checkout: confirmation" placed: open, so with its change form.
    Page("account: order", "/shop/accounts/orders/{order}/", shopper=True),
]


def demo_targets() -> dict[str, str]:
    """Paths and slugs of the demo data that PAGES may name."""
    from hubs.models import CycleStatus, OrderCycle

    cycle = OrderCycle.objects.in_status(CycleStatus.OPEN).get(hub__slug=HUB)
    offer = cycle.offers.select_related("stockrecord__product__parent").order_by("pk").first()
    variant = offer.stockrecord.product
    return {
        "hub": HUB,
        "cycle": str(cycle.pk),
        "offer": str(offer.pk),
        "product": (variant.parent or variant).get_absolute_url(),
        "variant": variant.get_absolute_url(),
    }


def sign_in_and_fill_basket(page, base: str, targets: dict[str, str]) -> None:
    """As the demo shopper would: log in, add one item from the hub's shop."""
    from oscar.core.loading import get_model

    page.goto(f"{base}/shop/accounts/login/")
    page.fill("#id_login-username", SHOPPER)
    page.fill("#id_login-password", "foodhub-demo")
    page.click("button[name=login_submit]")
    page.wait_for_load_state()
    page.goto(f"{base}/{targets['hub']}/shop/?cycle={targets['cycle']}")
    page.locator(f"#offer-{targets['offer']} [type=submit]").click()
    page.wait_for_load_state()
    basket = get_model("basket", "Basket")
    assert basket.objects.filter(owner__email=SHOPPER, lines__isnull=False).exists(), (
        "the basket is still empty: the pages marked shopper=True would be checked without it"
    )


def choose_pickup(page, base: str) -> None:
    """Checkout step 2 as a shopper does it: the first pickup window, a name."""
    page.goto(f"{base}/shop/checkout/fulfilment/")
    page.locator("#fulfilment-form input[name=fulfilment]").first.check()
    if not page.input_value("#id_name"):
        page.fill("#id_name", "Camille Dupont")
    page.locator("#fulfilment-form button[type=submit]").click()
    page.wait_for_load_state()
    assert page.url.endswith("/shop/checkout/payment-method/"), page.url


def choose_payment(page, base: str) -> None:
    page.goto(f"{base}/shop/checkout/payment-method/")
    page.locator("#payment-form input[name=payment_method]").first.check()
    page.locator("#payment-form button[type=submit]").click()
    page.wait_for_load_state()
    assert page.url.endswith("/shop/checkout/preview/"), page.url


def place_order(page, base: str, targets: dict[str, str]) -> None:
    """Enough of the basket's product to pass the hub's minimum order, then place it."""
    from oscar.core.loading import get_model

    page.goto(f"{base}/shop/basket/")
    page.fill("#id_form-0-quantity", "6")
    page.locator("#basket_formset [type=submit]").first.click()
    page.wait_for_load_state()
    page.goto(f"{base}/shop/checkout/preview/")
    assert page.locator("#place-order").count() == 1, "the review withholds the order button"
    page.click("#place-order")
    page.wait_for_load_state()
    assert page.url.endswith("/shop/checkout/thank-you/"), page.url
    order = get_model("order", "Order").objects.filter(user__email=SHOPPER).latest("pk")
    targets["order"] = order.number


def describe(width: int, page: Page, url: str, violations: list[dict]) -> str:
    lines = [f"[{width} px] {page.name}: {url}"]
    for violation in violations:
        lines.append(f"  {violation['id']} ({violation['impact']}): {violation['help']}")
        for node in violation["nodes"]:
            summary = " ".join(node.get("failureSummary", "").split())
            lines.append(f"    - {' '.join(map(str, node['target']))}: {summary[:240]}")
    return "\n".join(lines)


def test_shopper_pages_have_no_serious_accessibility_violation(
    live_server, demo_data, browser, artifacts
):
    from axe_playwright_python.sync_playwright import Axe

    axe = Axe()
    base = live_server.url
    targets = demo_targets()
    failures = []
    for width, height in WIDTHS.items():
        for shopper in (False, True):
            context = browser.new_context(viewport={"width": width, "height": height},
                                          locale="en-GB")
            page = context.new_page()
            page.set_default_timeout(15_000)
            if shopper:
                sign_in_and_fill_basket(page, base, targets)
            for entry in (p for p in PAGES if p.shopper == shopper):
                if entry.before:
                    entry.before(page, base, targets)
                url = base + entry.path.format(**targets)
                response = page.goto(url)
                assert response.ok, f"{entry.name}: {url} answered {response.status}"
                expected = base + (entry.lands_on or entry.path).format(**targets)
                assert page.url.split("?")[0] == expected.split("?")[0], (
                    f"{entry.name}: {url} led to {page.url}")
                results = axe.run(page).response
                serious = [v for v in results["violations"] if v["impact"] in FAILING_IMPACTS]
                if serious:
                    failures.append(describe(width, entry, page.url, serious))
                    name = "".join(c if c.isalnum() else "-" for c in entry.name)
                    page.screenshot(path=str(artifacts / f"a11y-{width}-{name}.png"),
                                    full_page=True)
            context.close()
    if failures:
        pytest.fail(
            f"{len(failures)} page(s) with serious or critical accessibility violations "
            "(axe-core):\n" + "\n".join(failures),
            pytrace=False,
        )


def test_language_skip_link_and_landmarks(live_server, browser):
    """French is announced as French; the first Tab reaches the skip link, which moves the
    keyboard focus into the page's one <main>, between a header, navigation and a footer."""
    context = browser.new_context(viewport={"width": 360, "height": 740}, locale="fr-FR")
    page = context.new_page()
    page.goto(f"{live_server.url}/shop/accounts/login/")
    assert page.locator("html").get_attribute("lang") == "fr"
    page.keyboard.press("Tab")
    skip = page.locator(":focus")
    assert skip.get_attribute("href") == "#main"
    assert skip.is_visible() and skip.inner_text() == "Aller au contenu"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    assert page.locator("main").count() == 1
    for landmark in ("header", "nav[aria-label]", "footer"):
        assert page.locator(landmark).count() >= 1, landmark
    # Every form field has a label a screen reader announces.
    for field in page.locator("main input:not([type=hidden]), main select").all():
        assert field.evaluate("el => el.labels.length > 0 || !!el.getAttribute('aria-label')")
    context.close()
