"""A hub manager on a phone asks for a cycle's invoices as one ZIP and downloads it; a bundle
being built shows its progress bar, which the page's script follows until the file is
ready."""

import io
import zipfile

import pytest

from orders import bundles
from orders.models import Invoice, InvoiceBundle
from tests.browser.test_order_pages import WIDTH, fits, log_in, within_screen

# The close-processing fixtures of tests/orders/conftest.py, shared with this test.
from tests.orders.conftest import cycle_orders, legal_hub, processed_cycle  # noqa: F401

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_a_manager_downloads_the_invoices_and_watches_a_build(
        live_server, browser, processed_cycle, artifacts):  # noqa: F811
    from django.contrib.auth import get_user_model

    cycle = processed_cycle.cycle
    manager = get_user_model().objects.get(email="manager@example.org")
    context = browser.new_context(viewport={"width": WIDTH, "height": 740}, locale="en-GB",
                                  accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(15_000)
    base = live_server.url
    url = f"{base}/hub/{cycle.hub.slug}/cycles/{cycle.pk}/invoices/bundles/"
    log_in(page, base, manager.email)
    page.goto(url)
    fits(page, artifacts, "hub-invoice-bundles")
    within_screen(page.locator("#bundle-request button"))

    page.click("text=All invoices as a ZIP")  # built on commit (Celery is eager in tests)
    page.wait_for_load_state()
    link = page.locator("#bundle-zip-download")
    assert "Download invoices-" in link.inner_text()
    fits(page, artifacts, "hub-invoice-bundles-ready")
    with page.expect_download() as info:
        link.click()
    with zipfile.ZipFile(io.BytesIO(open(info.value.path(), "rb").read())) as archive:
        assert archive.namelist() == [
            f"{n}.pdf" for n in Invoice.objects.filter(cycle=cycle)
            .order_by("sequence").values_list("number", flat=True)]

    # A bundle waiting for a worker: the bar shows 0 of 3; when the build is done, the
    # script sees it and the page reloads with the download link.
    waiting = InvoiceBundle.objects.create(cycle=cycle, format="pdf", total=3, invoice_count=3)
    page.goto(url)
    bar = page.locator("#bundle-pdf-progress")
    assert bar.get_attribute("max") == "3" and bar.get_attribute("value") == "0"
    assert "0 of 3 invoices" in page.locator("#bundle-pdf-text").inner_text()
    fits(page, artifacts, "hub-invoice-bundles-building")
    bundles.bundle_build(bundle_id=waiting.pk)
    page.locator("#bundle-pdf-download").wait_for()
    assert InvoiceBundle.objects.get(pk=waiting.pk).state == "done"
    context.close()
