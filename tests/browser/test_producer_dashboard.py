"""The demo producer edits stock inline, imports a file with a bad row, fixes it, imports."""

import pytest
from oscar.core.loading import get_model

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]
StockRecord = get_model("partner", "StockRecord")

HEADER = (
    "producer,sku,name,display_name,category,description,units,unit_type,variant_unit_name,"
    "price,on_hand,available_on,on_demand,shipping_category,tax_category\n"
)
ROWS = (
    ",NEW-1,Radishes,,Vegetables,Pink and crunchy,1,,bunch,\"1,50\",40,,0,,\n"
    ",NEW-2,Spinach,,Légumes,,500,g,,3.20,{stock},,0,,\n"
)


def test_inline_stock_edit_and_import_with_a_fix(live_server, demo_data, page, artifacts, tmp_path):
    base = live_server.url
    page.goto(f"{base}/shop/accounts/login/")
    page.fill("#id_login-username", "producer@example.org")
    page.fill("#id_login-password", "foodhub-demo")
    page.click("button[name=login_submit]")
    page.wait_for_load_state()
    assert page.url == f"{base}/producer/"
    page.click("text=Ferme des Trois Chênes")

    # Inline edit: the stock of curly kale goes from 3 to 25, saved in one go.
    row = page.locator("#row-FDTC-010")
    row.locator("input[type=number]").fill("25")
    page.click("#save-inventory")
    page.wait_for_load_state()
    assert "variants updated" in page.content()
    assert StockRecord.objects.get(partner_sku="FDTC-010").num_in_stock == 25
    page.screenshot(path=str(artifacts / "producer-inventory.png"), full_page=True)

    # Import a file with one bad row: the error is shown and nothing is written.
    bad = tmp_path / "products.csv"
    bad.write_text(HEADER + ROWS.format(stock="-5"))
    page.click("text=Import / export")
    page.set_input_files("input[type=file]", str(bad))
    page.click("text=Check the file")
    page.wait_for_load_state()
    errors = page.locator("#import-errors").inner_text()
    assert "3" in errors and "on_hand" in errors and "Stock cannot be negative." in errors
    page.screenshot(path=str(artifacts / "producer-import-errors.png"), full_page=True)
    assert not StockRecord.objects.filter(partner_sku__startswith="NEW-").exists()

    # The fixed file previews as valid, then imports.
    good = tmp_path / "products-fixed.csv"
    good.write_text(HEADER + ROWS.format(stock="12"))
    page.click("text=Upload a corrected file")
    page.set_input_files("input[type=file]", str(good))
    page.click("text=Check the file")
    page.wait_for_load_state()
    assert "2 new" in page.locator("#import-counts").inner_text()
    page.click("#confirm-import button")
    page.wait_for_load_state()
    page.wait_for_selector("text=Back to the inventory")
    assert StockRecord.objects.get(partner_sku="NEW-2").num_in_stock == 12
    page.screenshot(path=str(artifacts / "producer-import-done.png"), full_page=True)

    # The export gives the rows back; importing it again changes nothing.
    page.click("text=Import / export")
    with page.expect_download() as download:
        page.click("#export-csv")
    exported = tmp_path / "export.csv"
    download.value.save_as(exported)
    text = exported.read_text()
    assert "NEW-1,Radishes,,Vegetables,Pink and crunchy,1,,bunch,1.50,40" in text
    page.set_input_files("input[type=file]", str(exported))
    page.click("text=Check the file")
    page.wait_for_load_state()
    counts = page.locator("#import-counts").inner_text()
    assert "0 new" in counts and "0 updated" in counts
