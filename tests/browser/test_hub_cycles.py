"""A hub manager clones a cycle, adds a producer's products, sets a fee and sees prices move."""

import pytest

from hubs.models import OrderCycle

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def totals(page):
    return page.locator("#cycle-offers tr[data-offer] [data-part=total]").all_inner_texts()


def test_clone_add_products_fee_and_preview(live_server, demo_data, page, artifacts):
    base = live_server.url
    page.goto(f"{base}/shop/accounts/login/")
    page.fill("#id_login-username", "hub@example.org")
    page.fill("#id_login-password", "foodhub-demo")
    page.click("button[name=login_submit]")
    page.wait_for_load_state()
    assert page.url == f"{base}/hub/"
    page.click("text=Le Panier de Belleville")
    page.click("#cycle-list >> text=Marché de la semaine")
    page.wait_for_load_state()
    source = OrderCycle.objects.get(name="Marché de la semaine")

    # Clone it one week later: the copy is a draft with the same products.
    page.fill("#id_clone-opens_at", "2030-01-07T09:00")
    page.fill("#id_clone-name", "Marché de janvier")
    page.click("text=Copy this cycle")
    page.wait_for_load_state()
    clone = OrderCycle.objects.get(name="Marché de janvier")
    assert page.url.endswith(f"/cycles/{clone.id}/")
    assert "Draft" in page.locator("#cycle-status").inner_text()
    assert clone.offers.count() == source.offers.count()

    # Take one producer out, then add all of its products back in one action.
    row = page.locator("#cycle-suppliers tr", has_text="Rucher du Bocage")
    row.locator("text=Remove").click()
    page.wait_for_load_state()
    without = clone.offers.count()
    page.select_option("#add-producer-form select", label="Rucher du Bocage")
    page.click("text=Add products")
    page.wait_for_load_state()
    assert "products added" in page.content()
    assert clone.offers.count() > without

    # A per-item fee raises every shopper price.
    before = totals(page)
    page.fill("#id_fee-name", "Packing")
    page.select_option("#id_fee-kind", "item_flat")
    page.fill("#id_fee-amount", "0.50")
    page.fill("#id_fee-vat_rate", "20")
    page.click("text=Add fee")
    page.wait_for_load_state()
    after_fee = totals(page)
    assert after_fee != before and len(after_fee) == len(before)

    # The live preview follows the markup typed, before saving.
    page.fill("#preview-markup", "40")
    page.wait_for_function(
        "(old) => document.querySelector('#cycle-offers tr[data-offer] [data-part=total]')"
        ".textContent !== old",
        arg=after_fee[0],
    )
    assert totals(page)[0] != after_fee[0]
    page.screenshot(path=str(artifacts / "hub-cycle-editor.png"), full_page=True)
