"""Import and export end to end: upload -> preview -> confirm -> written; the command line."""

import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.test import TestCase
from oscar.core.loading import get_model

from producers.importing import MAX_IMPORT_BYTES
from producers.models import ProductImport
from producers.services import producer_member_add
from tests.producers.factories import ProducerFactory, UserFactory

pytestmark = pytest.mark.django_db
Product = get_model("catalogue", "Product")
StockRecord = get_model("partner", "StockRecord")

HEADER = (
    "producer,sku,name,display_name,category,description,units,unit_type,variant_unit_name,"
    "price,on_hand,available_on,on_demand,shipping_category,tax_category\n"
)
GOOD = HEADER + (
    ",C-500,Carrots,Small bag,Légumes,Sweet carrots,500,g,,\"2,40\",30,,0,,\n"
    ",C-1K,Carrots,Big bag,Vegetables,Sweet carrots,1,kg,,4.20,10,,0,,5.5\n"
    ",E-6,Eggs,,Dairy & eggs,,6,,box of 6,2.30,,,1,,Reduced (food)\n"
    ",CID-75,Cider,,Wine beer & cider,,75,cl,,4.50,5,,0,,20%\n"
)


def upload(client, content: bytes | str, name="products.csv", slug="ferme-a", check=True):
    """Upload a file; with `check`, the worker's check runs (on commit) before the page shows."""
    data = content.encode("utf-8") if isinstance(content, str) else content
    with TestCase.captureOnCommitCallbacks(execute=check):
        response = client.post(
            f"/producer/{slug}/import/", {"file": SimpleUploadedFile(name, data)}
        )
    return client.get(response.url) if response.status_code == 302 else response


@pytest.fixture
def member(client):
    user = UserFactory(email="farmer@example.com")
    producer = ProducerFactory(name="Ferme A", slug="ferme-a")
    producer_member_add(producer=producer, user=user, role="owner")
    client.force_login(user)
    return producer


def test_file_with_errors_shows_them_by_row_and_column_and_writes_nothing(client, member):
    response = upload(client, GOOD)  # cl is not a unit, "Wine beer & cider" is not a category
    html = response.content.decode()
    assert "Nothing was written" in html
    assert "Unknown unit type: cl" in html
    assert "Unknown category: Wine beer &amp; cider" in html
    assert ProductImport.objects.get().status == "invalid"
    assert Product.objects.count() == 0


def test_valid_file_preview_then_confirm_writes_everything(
    client, member, django_capture_on_commit_callbacks
):
    fixed = GOOD.replace("75,cl", "75,ml").replace("Wine beer & cider", "Wine, beer & cider")
    response = upload(client, fixed.replace("Wine, beer & cider", '"Wine, beer & cider"'))
    html = response.content.decode()
    assert "The file is valid" in html and "4 new" in html
    assert Product.objects.count() == 0  # preview writes nothing
    product_import = ProductImport.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/producer/ferme-a/imports/{product_import.id}/")
    product_import.refresh_from_db()
    assert product_import.status == "done"
    assert product_import.counts["new"] == 4
    carrots = Product.objects.get(title="Carrots", structure="parent")
    assert carrots.children.count() == 2 and carrots.vat_rate == Decimal("5.5")
    assert StockRecord.objects.get(partner_sku="C-500").price == Decimal("2.40")
    eggs = StockRecord.objects.get(partner_sku="E-6").product
    assert eggs.on_demand and eggs.unit_label == "box of 6"
    progress = client.get(f"/producer/ferme-a/imports/{product_import.id}/progress/").json()
    assert progress["status"] == "done" and progress["percent"] == 100


def test_confirming_twice_imports_once(client, member, django_capture_on_commit_callbacks):
    upload(client, HEADER + ",A-1,Apples,,Fruit,,1,kg,,2.90,10,,0,,\n")
    product_import = ProductImport.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/producer/ferme-a/imports/{product_import.id}/")
        client.post(f"/producer/ferme-a/imports/{product_import.id}/")
    assert StockRecord.objects.filter(partner_sku="A-1").count() == 1


def test_export_then_reimport_changes_nothing(client, member, django_capture_on_commit_callbacks):
    upload(client, HEADER + (
        ",A-1,Apples,,Fruit,Crisp,1,kg,,2.90,10,,0,,\n"
        ",A-2,Apples,,Fruit,Crisp,2.5,kg,,6.50,4,2026-12-01,0,chilled,\n"
        ",H-1,Honey,Small jar,Pantry,,250,g,jar,4.60,3,,0,,10\n"
    ))
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/producer/ferme-a/imports/{ProductImport.objects.get().id}/")
    exported = b"".join(client.get("/producer/ferme-a/export.csv").streaming_content)
    assert exported.decode().splitlines()[0] == HEADER.strip()
    response = upload(client, exported, name="export.csv")
    assert "3 unchanged" in response.content.decode()
    xlsx = client.get("/producer/ferme-a/export.xlsx").content
    response = upload(client, xlsx, name="export.xlsx")
    assert "3 unchanged" in response.content.decode()


def test_export_escapes_formulas_and_reimports_unchanged(
    client, member, django_capture_on_commit_callbacks
):
    upload(client, HEADER + (
        ',-A-1,"=HYPERLINK(""http://evil.example"",""Apples"")",@x,Fruit,'
        '"+33 <b>ring</b> <img src=x onerror=alert(1)>",1,kg,,2.90,10,,0,=cmd,\n'
    ))
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/producer/ferme-a/imports/{ProductImport.objects.get().id}/")
    product = Product.objects.get(structure="parent")
    assert product.title == '=HYPERLINK("http://evil.example","Apples")'
    assert product.description == "+33 <b>ring</b>"  # allow-listed rich text
    exported = b"".join(client.get("/producer/ferme-a/export.csv").streaming_content).decode()
    row = exported.splitlines()[1]
    assert row.startswith("ferme-a,'-A-1,\"'=HYPERLINK(") and ",'@x," in row and ",'=cmd," in row
    response = upload(client, exported.encode(), name="export.csv")
    assert "1 unchanged" in response.content.decode()
    xlsx = client.get("/producer/ferme-a/export.xlsx").content
    response = upload(client, xlsx, name="export.xlsx")
    assert "1 unchanged" in response.content.decode()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "file is empty."),
        (b"\x00\x01\x02binary\x00", "not a CSV or XLSX"),
        (b"PK\x03\x04broken zip", "XLSX"),
        (b"sku,name\nA,B\n", "Missing columns"),
        (HEADER.encode(), "no product rows"),
    ],
)
def test_bad_files_get_one_clear_message(client, member, content, message):
    response = upload(client, content)
    assert message in response.content.decode()
    assert Product.objects.count() == 0


def test_a_100_mb_file_is_refused_before_reading(client, member):
    big = io.BytesIO(b"a" * (100 * 1024 * 1024))
    response = client.post(
        "/producer/ferme-a/import/",
        {"file": SimpleUploadedFile("big.csv", big.getvalue())},
    )
    assert response.status_code == 200
    assert f"larger than {MAX_IMPORT_BYTES // 2**20} MB" in response.content.decode()
    assert ProductImport.objects.count() == 0


def test_file_naming_another_producer_is_rejected(client, member):
    ProducerFactory(name="Ferme B", slug="ferme-b")
    response = upload(client, HEADER + "ferme-b,A-1,Apples,,Fruit,,1,kg,,2.90,10,,0,,\n")
    assert "This file is for one producer only" in response.content.decode()


def test_another_producers_import_is_404(client, member):
    other = ProducerFactory(slug="ferme-b")
    foreign = ProductImport.objects.create(
        producer=other, filename="x.csv", status="invalid", counts={}, errors=[]
    )
    assert client.get(f"/producer/ferme-a/imports/{foreign.id}/").status_code == 404
    assert client.get(f"/producer/ferme-b/imports/{foreign.id}/").status_code == 404
    assert client.post(f"/producer/ferme-a/imports/{foreign.id}/").status_code == 404
    assert client.get(f"/producer/ferme-a/imports/{foreign.id}/progress/").status_code == 404


# --- management command ----------------------------------------------------------------------


@pytest.fixture
def admin():
    return UserFactory(email="root@example.com", is_superuser=True, is_staff=True)


def write(tmp_path, text: str, encoding="utf-8"):
    path = tmp_path / "products.csv"
    path.write_bytes(text.encode(encoding))
    return str(path)


def test_command_imports_semicolon_latin1_file(tmp_path, member, admin):
    text = (HEADER.replace(",", ";") + "ferme-a;P-1;Pâté;;Épicerie;;200;g;;5,90;8;;0;;\n")
    out = io.StringIO()
    call_command("foodhub_import_products", write(tmp_path, text, "latin-1"), stdout=out)
    assert "new 1" in out.getvalue()
    assert StockRecord.objects.get(partner_sku="P-1").price == Decimal("5.90")


def test_command_dry_run_writes_nothing(tmp_path, member, admin):
    path = write(tmp_path, HEADER + ",A-1,Apples,,Fruit,,1,kg,,2.90,10,,0,,\n")
    out = io.StringIO()
    call_command("foodhub_import_products", path, "--producer", "ferme-a", "--dry-run",
                 stdout=out)
    assert "Dry run" in out.getvalue() and "new 1" in out.getvalue()
    assert StockRecord.objects.count() == 0


def test_command_fails_and_writes_nothing_on_one_bad_row(tmp_path, member, admin):
    path = write(tmp_path, HEADER + (
        "ferme-a,A-1,Apples,,Fruit,,1,kg,,2.90,10,,0,,\n"
        "ferme-a,A-2,Apples,,Fruit,,0,kg,,2.90,10,,0,,\n"
    ))
    err = io.StringIO()
    with pytest.raises(CommandError, match="1 errors; nothing written"):
        call_command("foodhub_import_products", path, stderr=err)
    assert "row 3, units: Unit value must be greater than 0." in err.getvalue()
    assert StockRecord.objects.count() == 0


def test_command_as_a_member_cannot_import_for_another_producer(tmp_path, member):
    ProducerFactory(slug="ferme-b")
    path = write(tmp_path, HEADER + "ferme-b,A-1,Apples,,Fruit,,1,kg,,2.90,10,,0,,\n")
    with pytest.raises(CommandError):
        call_command("foodhub_import_products", path, "--as", "farmer@example.com",
                     stderr=io.StringIO())
    assert StockRecord.objects.count() == 0


def test_command_rejects_rows_for_another_producer_with_producer_option(tmp_path, member, admin):
    ProducerFactory(slug="ferme-b")
    path = write(tmp_path, HEADER + "ferme-b,A-1,Apples,,Fruit,,1,kg,,2.90,10,,0,,\n")
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("foodhub_import_products", path, "--producer", "ferme-a", stderr=err)
    assert "one producer only" in err.getvalue()


def test_a_failing_write_is_reported_and_leaves_nothing(
    client, member, monkeypatch, django_capture_on_commit_callbacks
):
    from producers import import_services

    upload(client, HEADER + ",A-1,Apples,,Fruit,,1,kg,,2.90,10,,0,,\n")
    product_import = ProductImport.objects.get()

    def broken(**kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(import_services, "catalogue_upsert", broken)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/producer/ferme-a/imports/{product_import.id}/")
    product_import.refresh_from_db()
    assert product_import.status == "failed" and "nothing was written" in product_import.message
    assert StockRecord.objects.count() == 0


# --- the check runs in a worker, not in the request (issue 8, finding 2) -----------------------


def test_the_upload_request_stores_the_file_without_reading_it(client, member, monkeypatch):
    from producers import import_services

    reads = []
    real = import_services.read_table
    monkeypatch.setattr(import_services, "read_table", lambda *a: reads.append(1) or real(*a))
    page = upload(client, HEADER + ",A-1,Apples,,Fruit,,1,kg,,2.90,10,,0,,\n", check=False)
    assert reads == []  # the web process never parses the file
    product_import = ProductImport.objects.get()
    assert product_import.status == "checking" and product_import.file
    html = page.content.decode()
    assert "Checking the file…" in html and "Import now" not in html
    progress = client.get(f"/producer/ferme-a/imports/{product_import.id}/progress/").json()
    assert progress["status"] == "checking" and progress["percent"] == 0

    from producers.tasks import check_product_import

    assert check_product_import(product_import.id) == "ready"
    assert reads == [1]
    assert check_product_import(product_import.id) is None  # a duplicate task does nothing
    assert "The file is valid" in client.get(page.request["PATH_INFO"]).content.decode()


def test_checking_reports_progress_through_the_cache(member, monkeypatch):
    from producers import import_services

    seen = []
    real = import_services.validate_rows

    def spy(*args, progress=None, **kwargs):
        def record(done, total):
            seen.append((done, total))
            progress(done, total)
            product_import = ProductImport.objects.get()
            assert import_services.import_progress(product_import)["total"] == total

        return real(*args, progress=record, **kwargs)

    monkeypatch.setattr(import_services, "validate_rows", spy)
    rows = "".join(f",S-{i},Soup {i},,Pantry,,1,kg,,2.90,10,,0,,\n" for i in range(1200))
    with TestCase.captureOnCommitCallbacks(execute=True):
        import_services.import_upload(
            user=member.memberships.get().user, producer=member,
            upload=SimpleUploadedFile("soup.csv", (HEADER + rows).encode()),
        )
    assert seen == [(0, 1200), (500, 1200), (1000, 1200), (1200, 1200)]
    assert ProductImport.objects.get().status == "ready"


def test_a_hostile_xlsx_gets_its_message_on_the_preview_page(client, member):
    from bench.hostile import xlsx_empty_rows

    html = upload(client, xlsx_empty_rows(10_000), name="empty.xlsx").content.decode()
    assert "The file has no product rows." in html
    product_import = ProductImport.objects.get()
    assert product_import.status == "invalid" and not product_import.file  # not kept


def test_a_broker_outage_fails_the_check_with_a_message(client, member, monkeypatch):
    from producers.tasks import check_product_import

    def down(*args, **kwargs):
        raise OSError("broker unreachable")

    monkeypatch.setattr(check_product_import, "delay", down)
    html = upload(client, HEADER + ",A-1,Apples,,Fruit,,1,kg,,2.90,10,,0,,\n").content.decode()
    product_import = ProductImport.objects.get()
    assert product_import.status == "failed" and not product_import.file
    assert "could not be checked just now" in html


def test_a_file_cannot_be_confirmed_while_it_is_checked(client, member):
    upload(client, HEADER + ",A-1,Apples,,Fruit,,1,kg,,2.90,10,,0,,\n", check=False)
    product_import = ProductImport.objects.get()
    client.post(f"/producer/ferme-a/imports/{product_import.id}/")
    assert ProductImport.objects.get().status == "checking"
    assert StockRecord.objects.count() == 0
