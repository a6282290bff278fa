"""Every shopper page passes axe-core at 1280 px and 360 px: no violation of impact serious or
critical (contrast, labels, names, ARIA...). axe-core is the copy shipped inside the
axe-playwright-python package (never a CDN), run in Debian's Chromium.

To check a new page, add one `Page` to PAGES; a path may name a {placeholder} of
`demo_targets()` (add one there when a page needs an id or slug of the demo data)."""

from __future__ import annotations

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


PAGES = [
    Page("home", "/"),
    Page("product", "{product}"),
    Page("product variant", "{variant}"),
    Page("login", "/shop/accounts/login/"),
    Page("empty basket", "/shop/basket/"),
    Page("basket", "/shop/basket/", shopper=True),
    Page("product, shopping in a cycle", "{variant}", shopper=True),
    Page("checkout", "/shop/checkout/", shopper=True),
    Page("account", "/shop/accounts/profile/", shopper=True),
    Page("account: edit profile", "/shop/accounts/profile/edit/", shopper=True),
    Page("account: orders", "/shop/accounts/orders/", shopper=True),
    # Next: Page("storefront", "/{hub}/"), Page("shop", "/{hub}/shop/"),
    # Page("checkout: pickup", ..., shopper=True), Page("order detail", "{order}", shopper=True).
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
        "product": (variant.parent or variant).get_absolute_url(),
        "variant": variant.get_absolute_url(),
    }


def sign_in_and_fill_basket(page, base: str, targets: dict[str, str]) -> None:
    """As the demo shopper would: log in, enter the hub's open cycle, add one item."""
    from oscar.core.loading import get_model

    page.goto(f"{base}/shop/accounts/login/")
    page.fill("#id_login-username", SHOPPER)
    page.fill("#id_login-password", "foodhub-demo")
    page.click("button[name=login_submit]")
    page.wait_for_load_state()
    page.goto(f"{base}/")
    page.locator(f"form[action='/shop-in/cycles/{targets['cycle']}/shop/'] button").click()
    page.wait_for_load_state()
    page.goto(base + targets["variant"])
    page.locator("#add_to_basket_form [type=submit]").click()
    page.wait_for_load_state()
    basket = get_model("basket", "Basket")
    assert basket.objects.filter(owner__email=SHOPPER, lines__isnull=False).exists(), (
        "the basket is still empty: the pages marked shopper=True would be checked without it"
    )


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
                url = base + entry.path.format(**targets)
                response = page.goto(url)
                assert response.ok, f"{entry.name}: {url} answered {response.status}"
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
