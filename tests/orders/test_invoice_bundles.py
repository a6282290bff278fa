"""All of a cycle's invoices as one merged PDF or one ZIP, for the hub's managers: built by
Celery with its progress, read back page by page and entry by entry in number order, reused
while nothing changed, rebuilt after a correction, restarted cleanly after a crash; nobody but
the hub's managers sees the page, the progress or the file."""

import datetime as dt
import io
import tempfile
import zipfile

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone
from pypdf import PdfReader

from hubs.services import hub_manager_add
from orders import bundles, invoicing, tasks
from orders.models import Invoice, InvoiceBundle
from producers.services import producer_member_add
from tests.hubs.factories import HubFactory
from tests.producers.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def manager(processed_cycle):
    return get_user_model().objects.get(email="manager@example.org")


def page_url(cycle):
    return f"/hub/{cycle.hub.slug}/cycles/{cycle.pk}/invoices/bundles/"


def numbers(cycle):
    return list(Invoice.objects.filter(cycle=cycle).order_by("year", "sequence")
                .values_list("number", flat=True))


def ask(client, cycle, fmt, capture):
    """Press a button of the page (the build runs on commit, eagerly in tests)."""
    with capture(execute=True):
        response = client.post(page_url(cycle), {"format": fmt})
    assert response.status_code == 302
    assert response["Location"] == page_url(cycle)
    return InvoiceBundle.objects.filter(cycle=cycle, format=fmt).order_by("-created_at").first()


def download(client, cycle, bundle):
    response = client.get(f"{page_url(cycle)}{bundle.pk}/download/")
    assert response.status_code == 200
    return response, b"".join(response.streaming_content)


def test_the_merged_pdf_holds_every_invoice_in_number_order(
        client, processed_cycle, manager, django_capture_on_commit_callbacks):
    cycle = processed_cycle.cycle
    client.force_login(manager)
    page = client.get(page_url(cycle)).content.decode()
    assert "All invoices as one PDF" in page and "All invoices as a ZIP" in page
    assert "This cycle has 3 invoices and credit notes." in page

    bundle = ask(client, cycle, "pdf", django_capture_on_commit_callbacks)
    assert (bundle.state, bundle.done, bundle.total, bundle.invoice_count) == ("done", 3, 3, 3)
    response, data = download(client, cycle, bundle)
    assert response["Content-Type"] == "application/pdf"
    assert f'filename="invoices-{cycle.hub.slug}-{cycle.pk}-3.pdf"' in (
        response["Content-Disposition"])
    assert response["Cache-Control"] == "private, no-store"

    reader = PdfReader(io.BytesIO(data), strict=True)
    expected = numbers(cycle)
    separate = [PdfReader(io.BytesIO(Invoice.objects.get(number=n).pdf.read()))
                for n in expected]
    assert len(reader.pages) == sum(len(r.pages) for r in separate)
    first_pages, index = [], 0  # each invoice's pages, one after the other
    for invoice_reader in separate:
        first_pages.append(reader.pages[index].extract_text())
        for offset, page in enumerate(invoice_reader.pages):  # same text, page for page
            assert reader.pages[index + offset].extract_text() == page.extract_text()
        index += len(invoice_reader.pages)
    for number, text in zip(expected, first_pages, strict=True):
        assert f"Invoice {number}" in text
    assert "Alice Martin" in first_pages[[i.order_id for i in Invoice.objects.filter(
        cycle=cycle).order_by("sequence")].index(processed_cycle.orders.alice.pk)]
    # One bookmark per invoice, in number order, each opening on the invoice's first page.
    assert [item.title for item in reader.outline] == expected
    firsts = [sum(len(r.pages) for r in separate[:i]) for i in range(len(separate))]
    assert [reader.get_destination_page_number(item) for item in reader.outline] == firsts

    page = client.get(page_url(cycle)).content.decode()
    assert f"{page_url(cycle)}{bundle.pk}/download/" in page
    assert "Ready since" in page


def test_the_zip_holds_one_pdf_per_invoice_named_by_its_number(
        client, processed_cycle, manager, django_capture_on_commit_callbacks):
    cycle = processed_cycle.cycle
    client.force_login(manager)
    bundle = ask(client, cycle, "zip", django_capture_on_commit_callbacks)
    assert bundle.state == "done"
    response, data = download(client, cycle, bundle)
    assert response["Content-Type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert archive.testzip() is None
        assert archive.namelist() == [f"{n}.pdf" for n in numbers(cycle)]
        for number in numbers(cycle):
            content = archive.read(f"{number}.pdf")
            assert content == Invoice.objects.get(number=number).pdf.read()
            assert number in PdfReader(io.BytesIO(content)).pages[0].extract_text()


def test_progress_is_written_as_the_build_goes_and_served_as_json(
        client, processed_cycle, manager, monkeypatch):
    cycle = processed_cycle.cycle
    monkeypatch.setattr(bundles, "PROGRESS_EVERY", 1)
    seen = []
    writer = bundles._progress_writer

    def spying(bundle_id):
        write = writer(bundle_id)

        def progress(done):
            write(done)
            row = InvoiceBundle.objects.get(pk=bundle_id)
            seen.append((row.state, row.done, row.total))
        return progress

    monkeypatch.setattr(bundles, "_progress_writer", spying)
    bundle = bundles.bundle_request(cycle=cycle, format="pdf", user=manager)
    client.force_login(manager)
    status_url = f"{page_url(cycle)}{bundle.pk}/status/"
    assert client.get(status_url).json() == {
        "id": bundle.pk, "format": "pdf", "state": "pending", "done": 0, "total": 3,
        "percent": 0, "message": "", "download": None}
    page = client.get(page_url(cycle)).content.decode()
    assert 'max="3" value="0"' in page and f'data-status-url="{status_url}"' in page
    assert "bundle-progress.js" in page and 'http-equiv="refresh"' in page  # no-JS: reloads

    tasks.build_invoice_bundle.delay(bundle.pk)
    assert seen[:3] == [("running", 1, 3), ("running", 2, 3), ("running", 3, 3)]
    data = client.get(status_url).json()
    assert (data["state"], data["done"], data["total"], data["percent"]) == ("done", 3, 3, 100)
    assert data["download"] == f"{page_url(cycle)}{bundle.pk}/download/"
    page = client.get(page_url(cycle)).content.decode()
    assert "bundle-progress.js" not in page and 'http-equiv="refresh"' not in page


def test_a_ready_bundle_is_reused_and_a_correction_builds_a_new_one(
        client, processed_cycle, manager, django_capture_on_commit_callbacks):
    cycle = processed_cycle.cycle
    client.force_login(manager)
    first = ask(client, cycle, "zip", django_capture_on_commit_callbacks)
    name = first.file.name
    again = ask(client, cycle, "zip", django_capture_on_commit_callbacks)
    assert again.pk == first.pk and InvoiceBundle.objects.count() == 1
    again.refresh_from_db()
    assert again.file.name == name
    response = client.get(page_url(cycle))
    assert "already holds every invoice" in response.content.decode()

    # While a bundle is on its way, asking again waits for it (no second build).
    pending = bundles.bundle_request(cycle=cycle, format="pdf", user=manager)
    assert bundles.bundle_request(cycle=cycle, format="pdf", user=manager).pk == pending.pk
    assert InvoiceBundle.objects.filter(format="pdf").count() == 1

    # A correction: a credit note and a new invoice; the page says the file is outdated.
    alice_invoice = Invoice.objects.get(order=processed_cycle.orders.alice, revision=1)
    credit, new = invoicing.invoice_correct(invoice=alice_invoice)
    page = client.get(page_url(cycle)).content.decode()
    assert "This cycle has 5 invoices and credit notes." in page
    assert "new invoices or credit notes since" in page
    rebuilt = ask(client, cycle, "zip", django_capture_on_commit_callbacks)
    assert rebuilt.pk != first.pk and rebuilt.invoice_count == 5 and rebuilt.state == "done"
    _response, data = download(client, cycle, rebuilt)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert archive.namelist()[-2:] == [f"{credit.number}.pdf", f"{new.number}.pdf"]
        assert "Credit note" in PdfReader(io.BytesIO(
            archive.read(f"{credit.number}.pdf"))).pages[0].extract_text()
    # The older file is gone (the new one holds everything it held).
    assert not InvoiceBundle.objects.filter(pk=first.pk).exists()
    assert not first.file.storage.exists(name)
    assert client.get(f"{page_url(cycle)}{first.pk}/download/").status_code == 404


def test_a_retried_build_starts_over_cleanly(processed_cycle, manager, monkeypatch):
    cycle = processed_cycle.cycle
    bundle = bundles.bundle_request(cycle=cycle, format="zip", user=manager)
    monkeypatch.setattr(bundles, "PROGRESS_EVERY", 1)
    documents = bundles._documents
    failures = []

    def crashing_once(bundle):
        for count, item in enumerate(documents(bundle), 1):
            if count == 3 and not failures:
                failures.append(count)
                raise OSError("storage went away")
            yield item

    monkeypatch.setattr(bundles, "_documents", crashing_once)
    with pytest.raises(OSError):
        bundles.bundle_build(bundle_id=bundle.pk)
    bundle.refresh_from_db()
    assert (bundle.state, bundle.done, bundle.file.name) == ("running", 2, "")

    # The retry (as the task's autoretry or a redelivery runs it) starts from nothing.
    assert tasks.build_invoice_bundle.delay(bundle.pk).get() == "done"
    bundle.refresh_from_db()
    assert (bundle.state, bundle.done, bundle.total) == ("done", 3, 3)
    with zipfile.ZipFile(bundle.file.open("rb")) as archive:
        assert archive.namelist() == [f"{n}.pdf" for n in numbers(cycle)]
    # Running it again changes nothing.
    name = bundle.file.name
    assert tasks.build_invoice_bundle.delay(bundle.pk).get() == "done"
    bundle.refresh_from_db()
    assert bundle.file.name == name


def test_storage_errors_are_retried_then_fail_the_bundle(processed_cycle, manager,
                                                          monkeypatch):
    bundle = bundles.bundle_request(cycle=processed_cycle.cycle, format="pdf", user=manager)
    calls = []

    def broken(*, bundle_id):
        calls.append(bundle_id)
        raise OSError("disk full")

    monkeypatch.setattr(bundles, "bundle_build", broken)
    monkeypatch.setattr(tasks.build_invoice_bundle, "max_retries", 2)
    monkeypatch.setattr(tasks.build_invoice_bundle, "retry_backoff", False)
    # Eager retries run in turn when errors do not propagate (as on a worker).
    monkeypatch.setitem(tasks.build_invoice_bundle.app.conf, "task_eager_propagates", False)
    assert tasks.build_invoice_bundle.apply(args=[bundle.pk]).get() == "failed"
    assert len(calls) == 3
    bundle.refresh_from_db()
    assert bundle.state == "failed" and "could not be written" in bundle.message


def test_two_runs_of_one_bundle_keep_one_file(processed_cycle, manager):
    bundle = bundles.bundle_request(cycle=processed_cycle.cycle, format="pdf", user=manager)
    loaded = InvoiceBundle.objects.select_related("cycle__hub").get(pk=bundle.pk)
    bundles.bundle_build(bundle_id=bundle.pk)
    bundle.refresh_from_db()
    # A second run that was already writing when the first finished: its file is dropped.
    storage = bundle.file.storage
    before = set(storage.listdir("invoice-bundles")[1])
    with tempfile.TemporaryFile() as output:
        output.write(b"%PDF-1.7 late")
        output.seek(0)
        kept = bundles._finish(loaded, output)
    assert kept.file.name == bundle.file.name
    assert set(storage.listdir("invoice-bundles")[1]) == before


def test_invoices_not_rendered_yet_are_rendered_first(processed_cycle, manager):
    cycle = processed_cycle.cycle
    invoice = Invoice.objects.filter(cycle=cycle).order_by("sequence")[1]
    Invoice.objects.filter(pk=invoice.pk).update(pdf="", pdf_rendered_at=None)
    bundle = bundles.bundle_request(cycle=cycle, format="zip", user=manager)
    bundles.bundle_build(bundle_id=bundle.pk)
    invoice.refresh_from_db()
    assert invoice.pdf_rendered_at is not None and invoice.pdf
    bundle.refresh_from_db()
    with zipfile.ZipFile(bundle.file.open("rb")) as archive:
        assert archive.read(invoice.filename) == invoice.pdf.read()


def test_a_missing_stored_pdf_fails_the_bundle_naming_the_invoice(
        client, processed_cycle, manager):
    cycle = processed_cycle.cycle
    invoice = Invoice.objects.filter(cycle=cycle).order_by("sequence").last()
    invoice.pdf.storage.delete(invoice.pdf.name)
    bundle = bundles.bundle_request(cycle=cycle, format="pdf", user=manager)
    bundles.bundle_build(bundle_id=bundle.pk)
    bundle.refresh_from_db()
    assert bundle.state == "failed" and not bundle.file
    assert bundle.message == f"The PDF of invoice {invoice.number} is missing from storage."
    client.force_login(manager)
    page = client.get(page_url(cycle)).content.decode()
    assert invoice.number in page and "Press the button above to try again." in page
    assert client.get(f"{page_url(cycle)}{bundle.pk}/download/").status_code == 404
    # A redelivered task leaves it failed; asking again builds a new bundle.
    assert tasks.build_invoice_bundle.delay(bundle.pk).get() == "failed"
    assert bundles.bundle_request(cycle=cycle, format="pdf", user=manager).pk != bundle.pk


def test_a_broker_outage_fails_the_request_with_a_message(
        client, processed_cycle, manager, monkeypatch, django_capture_on_commit_callbacks):
    def down(*args, **kwargs):
        raise ConnectionError("no broker")

    monkeypatch.setattr(tasks.build_invoice_bundle, "delay", down)
    client.force_login(manager)
    bundle = ask(client, processed_cycle.cycle, "pdf", django_capture_on_commit_callbacks)
    assert bundle.state == "failed" and "try again in a moment" in bundle.message


def test_a_bundle_lost_for_long_is_built_again(processed_cycle, manager):
    cycle = processed_cycle.cycle
    lost = bundles.bundle_request(cycle=cycle, format="zip", user=manager)
    InvoiceBundle.objects.filter(pk=lost.pk).update(
        state="running", created_at=timezone.now() - bundles.STALE_AFTER - dt.timedelta(1))
    fresh = bundles.bundle_request(cycle=cycle, format="zip", user=manager)
    assert fresh.pk != lost.pk
    lost.refresh_from_db()
    assert lost.state == "failed"


def test_bad_requests_get_a_message(client, processed_cycle, manager, shop):
    client.force_login(manager)
    cycle = processed_cycle.cycle
    for data in ({}, {"format": "docx"}, {"format": "\x00"}):
        response = client.post(page_url(cycle), data, follow=True)
        assert "Choose PDF or ZIP." in response.content.decode()
    assert not InvoiceBundle.objects.exists()
    # A cycle without invoices: nothing to bundle.
    from hubs.cycle_services import cycle_create

    now = timezone.now()
    empty = cycle_create(hub=cycle.hub, name="Next", opens_at=now + dt.timedelta(days=1),
                         closes_at=now + dt.timedelta(days=2))
    page = client.get(page_url(empty)).content.decode()
    assert "Invoices are issued when the cycle is processed" in page
    assert "All invoices as one PDF" not in page
    response = client.post(page_url(empty), {"format": "pdf"}, follow=True)
    assert "This cycle has no invoices yet." in response.content.decode()
    assert not InvoiceBundle.objects.exists()
    assert client.get(f"{page_url(cycle)}999999/status/").status_code == 404


def test_only_the_hubs_managers_see_the_page_the_progress_and_the_file(
        client, processed_cycle, manager, django_capture_on_commit_callbacks):
    cycle = processed_cycle.cycle
    client.force_login(manager)
    bundle = ask(client, cycle, "pdf", django_capture_on_commit_callbacks)
    urls = [page_url(cycle), f"{page_url(cycle)}{bundle.pk}/status/",
            f"{page_url(cycle)}{bundle.pk}/download/"]
    assert [client.get(url).status_code for url in urls] == [200, 200, 200]

    other_hub = HubFactory(name="Autre", slug="autre")
    other_manager = UserFactory(email="other@example.org")
    hub_manager_add(hub=other_hub, user=other_manager)
    producer = UserFactory(email="farmer@example.org")
    producer_member_add(producer=processed_cycle.shop.offers[0].supplier.producer,
                        user=producer)
    shopper = processed_cycle.orders.users.alice
    for user in (other_manager, producer, shopper):
        client.force_login(user)
        assert [client.get(url).status_code for url in urls] == [404, 404, 404], user
        assert client.post(page_url(cycle), {"format": "zip"}).status_code == 404
        # The other hub's manager with their own slug: the cycle is not theirs.
        foreign = page_url(cycle).replace(f"/hub/{cycle.hub.slug}/", "/hub/autre/")
        assert client.get(foreign).status_code == 404
    client.logout()
    for url in urls:
        response = client.get(url)
        assert response.status_code == 302 and "/login/" in response["Location"]
    assert client.post(page_url(cycle), {"format": "zip"}).status_code == 302
    assert not InvoiceBundle.objects.filter(format="zip").exists()
    # Another cycle's bundle id under this cycle's URL: 404 too.
    client.force_login(manager)
    assert client.get(f"/hub/{cycle.hub.slug}/cycles/{cycle.pk + 1000}/invoices/bundles/"
                      f"{bundle.pk}/download/").status_code == 404


def test_the_page_runs_a_few_queries(client, processed_cycle, manager,
                                     django_capture_on_commit_callbacks,
                                     django_assert_max_num_queries):
    cycle = processed_cycle.cycle
    client.force_login(manager)
    ask(client, cycle, "pdf", django_capture_on_commit_callbacks)
    ask(client, cycle, "zip", django_capture_on_commit_callbacks)
    # 4 of the page's own (hub, cycle, bundles, count); the rest is the layout's (session,
    # user, basket, menus), the same on every page.
    with django_assert_max_num_queries(17):
        response = client.get(page_url(cycle))
    assert response.status_code == 200


def test_many_invoices_merge_in_order(tmp_path):
    """The writers on their own: 60 small PDFs of 1-3 pages each, in order, bookmarked."""
    from types import SimpleNamespace

    from orders import pdf

    documents = []
    for n in range(60):
        body = "".join(f"<p style='page-break-before: always'>page {p}</p>"
                       for p in range(1, n % 3 + 1))
        documents.append((SimpleNamespace(number=f"T-{n:03d}", issued_at=None,
                                          filename=f"T-{n:03d}.pdf"),
                          pdf.html_to_pdf(f"<h1>T-{n:03d}</h1>{body}")))
    progress = []
    with open(tmp_path / "all.pdf", "wb+") as output:
        count = bundles.write_merged_pdf(
            output, ((i, io.BytesIO(d)) for i, d in documents), progress=progress.append)
    assert count == 60 and progress == [20, 40, 60, 60]
    reader = PdfReader(tmp_path / "all.pdf", strict=True)
    assert len(reader.pages) == sum(len(PdfReader(io.BytesIO(d)).pages) for _, d in documents)
    assert [o.title for o in reader.outline] == [i.number for i, _ in documents]
    firsts = [reader.get_destination_page_number(o) for o in reader.outline]
    assert [reader.pages[p].extract_text().splitlines()[0] for p in firsts] == [
        i.number for i, _ in documents]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_simultaneous_requests_build_one_bundle(processed_cycle, monkeypatch):
    """Six managers' clicks at the same moment, each on its own connection: one bundle."""
    import threading

    from django.db import connection

    monkeypatch.setattr(bundles, "_enqueue", lambda bundle_id: None)
    cycle = processed_cycle.cycle
    barrier = threading.Barrier(6)
    found, errors = [], []

    def click():
        try:
            barrier.wait()
            found.append(bundles.bundle_request(cycle=cycle, format="zip").pk)
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=click) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == [] and len(found) == 6 and len(set(found)) == 1
    assert InvoiceBundle.objects.filter(cycle=cycle).count() == 1
