"""The week after the close, on the demo, on phones (360 px): the hub manager closes this
week's cycle, watches processing finish on the cycle page, downloads an invoice and the
packing list; the shopper then finds their invoice in their account."""

import io

import pytest
from pypdf import PdfReader

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

WIDTH = 360
HUB = "panier-de-belleville"


def fits(page, artifacts, name):
    page.screenshot(path=str(artifacts / f"close-{name}.png"), full_page=True)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= WIDTH, f"{name} is {width} px wide at {WIDTH} px"


def phone(browser):
    context = browser.new_context(viewport={"width": WIDTH, "height": 740}, locale="en-GB")
    page = context.new_page()
    page.set_default_timeout(30_000)
    return context, page


def log_in(page, base, email):
    from producers.demo import DEMO_PASSWORD

    page.goto(f"{base}/shop/accounts/login/")
    page.fill("#id_login-username", email)
    page.fill("#id_login-password", DEMO_PASSWORD)
    page.click("button[name=login_submit]")
    page.wait_for_load_state()


def pdf_text(download) -> str:
    with open(download.path(), "rb") as handle:
        reader = PdfReader(io.BytesIO(handle.read()))
    return "\n".join(p.extract_text() for p in reader.pages)


def test_close_process_download_and_the_shopper_finds_the_invoice(
        live_server, browser, demo_data, artifacts):
    from django.contrib.auth import get_user_model

    from hubs.models import OrderCycle
    from orders.demo import SHOPPER_EMAIL
    from orders.models import Invoice
    from orders.services import LineRequest, order_place

    cycle = OrderCycle.objects.in_status("open").get(hub__slug=HUB)
    shopper = get_user_model().objects.get(email=SHOPPER_EMAIL)
    offers = list(cycle.offers.filter(stockrecord__num_in_stock__gte=5).order_by("id")[:3])
    order = order_place(
        cycle_id=cycle.pk, lines=[LineRequest(o.pk, 2) for o in offers],
        pickup_window_id=cycle.windows.filter(pickup_point__isnull=False).first().pk,
        payment_method_id=cycle.hub.payment_methods.filter(kind="at_pickup").get().pk,
        user=shopper, customer_name="Sam Shopper", phone="+33 6 12 34 56 78", notify=False,
    )
    base = live_server.url

    # The hub manager closes the cycle and watches processing finish.
    context, page = phone(browser)
    log_in(page, base, "hub@example.org")
    page.goto(f"{base}/hub/{HUB}/cycles/{cycle.pk}/")
    page.click("text=Close now")
    page.wait_for_load_state()
    page.wait_for_function(
        "document.getElementById('processing-state').textContent.trim() === 'Done'")
    fits(page, artifacts, "cycle-processed")
    page.click("#processing-link")
    page.wait_for_load_state()
    fits(page, artifacts, "processing")
    invoice = Invoice.objects.get(order=order)
    with page.expect_download() as download:
        page.locator(f"#cycle-invoices tr:has-text('{invoice.number}') a",
                     has_text="Download").first.click()
    assert download.value.suggested_filename == f"{invoice.number}.pdf"
    text = pdf_text(download.value)
    assert invoice.number in text and order.number in text
    assert "Association Le Panier de Belleville" in text

    page.click("#packing-by-customer")
    page.wait_for_load_state()
    fits(page, artifacts, "packing")
    assert order.number in page.text_content("#packing-customer")
    with page.expect_download() as download:
        page.click("#packing-pdf")
    assert order.number in pdf_text(download.value)
    context.close()

    # The shopper finds the invoice on their order page.
    context, page = phone(browser)
    log_in(page, base, SHOPPER_EMAIL)
    page.goto(f"{base}/shop/accounts/orders/")
    page.click(f"#my-orders >> text={order.number}")
    page.wait_for_load_state()
    fits(page, artifacts, "shopper-order")
    row = page.locator(f"#invoice-list tr[data-invoice='{invoice.number}']")
    with page.expect_download() as download:
        row.locator("a").click()
    assert download.value.suggested_filename == f"{invoice.number}.pdf"
    assert invoice.number in pdf_text(download.value)
    context.close()
