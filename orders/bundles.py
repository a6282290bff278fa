"""All of a cycle's invoices in one file: one merged PDF or one ZIP of PDFs (`InvoiceBundle`).

A hub manager asks for a bundle (`bundle_request`); the `build_invoice_bundle` task builds it
(`bundle_build`) into a temporary file, then saves it in private storage. The bundle holds the
cycle's first `invoice_count` invoices and credit notes in number order: numbers only grow, so
those are exactly the documents the cycle had when the bundle was asked for, and a bundle is
never stale for the documents it names. A cycle that gains a document (a correction's credit
note and new invoice) gets a new bundle on the next request; an identical request while a
bundle with the same count is ready or on its way gets that one.

Memory stays flat in the number of invoices: the ZIP is written entry by entry from each
invoice's stored PDF, and the merged PDF is written object by object (`StreamingPdf`): each
invoice's PDF is read with pypdf, its pages and what they use are copied to the output file
and dropped before the next one. What grows with the count is a few integers per PDF object
(the cross-reference offsets) and per page, and zipfile's small entry record per file.

A build is safe to run again: a retried task (worker killed, storage hiccup) starts over from
nothing in a new temporary file; two runs of one bundle both finish, the first to save wins
and the other deletes its file. Invoices not rendered yet are rendered first.
"""

from __future__ import annotations

import array
import contextlib
import datetime as dt
import gc
import io
import logging
import shutil
import tempfile
import zipfile
from collections import deque
from collections.abc import Callable, Iterator

from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from pypdf import PdfReader
from pypdf.generic import (
    ArrayObject,
    DictionaryObject,
    IndirectObject,
    NameObject,
    NullObject,
    NumberObject,
    PdfObject,
    StreamObject,
    TextStringObject,
)

from hubs.models import OrderCycle

from . import invoice_documents
from .models import Invoice, InvoiceBundle

logger = logging.getLogger(__name__)

Format = InvoiceBundle.Format
State = InvoiceBundle.State

# `done` is written to the database every this many invoices (and at the end).
PROGRESS_EVERY = 20
# A bundle still waiting or building this long after it was asked for is taken as lost (its
# worker died for good, or the broker lost it): the next request builds a new one.
STALE_AFTER = dt.timedelta(minutes=30)
# Invoice rows loaded at a time.
LOAD_CHUNK = 200
# Bytes copied at a time from storage into the ZIP.
COPY_CHUNK = 256 * 1024


STORAGE_FAILED = gettext_lazy("The file could not be written. Please try again.")


class BundleError(Exception):
    """A bundle that cannot be built (a stored PDF is missing): it fails with this message."""


# --- asking for a bundle ---------------------------------------------------------------------


def cycle_invoices(*, cycle_id: int):
    """The cycle's invoices and credit notes in number order."""
    return Invoice.objects.filter(cycle_id=cycle_id).order_by("year", "sequence")


def _lost(bundle: InvoiceBundle, now: dt.datetime) -> bool:
    return bundle.state in (State.PENDING, State.RUNNING) and (
        bundle.created_at < now - STALE_AFTER)


@transaction.atomic
def bundle_request(*, cycle: OrderCycle, format: str, user=None) -> InvoiceBundle:
    """The bundle of this cycle's invoices in `format` ("pdf" or "zip"): the one ready or on
    its way for the same documents, else a new one, built by Celery once this commits."""
    if format not in Format.values:
        raise ValidationError(_("Choose a merged PDF or a ZIP."))
    # One request at a time per cycle (a double click asks once).
    OrderCycle.objects.select_for_update().filter(pk=cycle.pk).first()
    count = Invoice.objects.filter(cycle_id=cycle.pk).count()
    if not count:
        raise ValidationError(_("This cycle has no invoices yet."))
    now = timezone.now()
    existing = (InvoiceBundle.objects.filter(cycle_id=cycle.pk, format=format,
                                             invoice_count=count)
                .exclude(state=State.FAILED).order_by("-created_at", "-pk").first())
    if existing is not None and not _lost(existing, now):
        return existing
    if existing is not None:
        InvoiceBundle.objects.filter(pk=existing.pk, state=existing.state).update(
            state=State.FAILED, message=_("The build did not finish."), finished_at=now)
    bundle = InvoiceBundle.objects.create(
        cycle_id=cycle.pk, format=format, total=count, invoice_count=count, requested_by=user)
    transaction.on_commit(lambda: _enqueue(bundle.pk))
    return bundle


def _enqueue(bundle_id: int) -> None:
    from . import tasks

    try:
        tasks.build_invoice_bundle.delay(bundle_id)
    except Exception:  # broker down: say so; the manager asks again later
        logger.exception("could not enqueue the build of invoice bundle %s", bundle_id)
        InvoiceBundle.objects.filter(pk=bundle_id, state=State.PENDING).update(
            state=State.FAILED, finished_at=timezone.now(),
            message=_("The build could not be started. Please try again in a moment."))


# --- reading a bundle ------------------------------------------------------------------------


def bundle_filename(bundle: InvoiceBundle, *, hub_slug: str) -> str:
    """`invoices-<hub>-<cycle id>-<count>.pdf|zip`: what the download is saved as."""
    return f"invoices-{hub_slug}-{bundle.cycle_id}-{bundle.invoice_count}.{bundle.format}"


def bundle_progress(bundle: InvoiceBundle) -> dict:
    """`{id, format, state, done, total, percent, message}` for the progress bar."""
    total = bundle.total or bundle.invoice_count
    done = total if bundle.state == State.DONE else min(bundle.done, total)
    return {"id": bundle.pk, "format": bundle.format, "state": bundle.state, "done": done,
            "total": total, "percent": int(done * 100 / total) if total else 0,
            "message": bundle.message}


def cycle_bundles(*, cycle: OrderCycle) -> dict:
    """The latest bundle of each format (or None) and the cycle's document count: one query
    for the bundles, one count."""
    latest: dict[str, InvoiceBundle | None] = dict.fromkeys(Format.values)
    for bundle in InvoiceBundle.objects.filter(cycle=cycle).order_by("-created_at", "-pk"):
        if latest[bundle.format] is None:
            latest[bundle.format] = bundle
    return {"bundles": latest, "invoice_count": Invoice.objects.filter(cycle=cycle).count()}


# --- building --------------------------------------------------------------------------------


def bundle_build(*, bundle_id: int) -> InvoiceBundle | None:
    """Build the bundle from nothing (the `build_invoice_bundle` task). A bundle already
    ready or failed is left as it is; an error other than a storage hiccup (`OSError`,
    retried by the task) fails the bundle with a message."""
    bundle = InvoiceBundle.objects.filter(pk=bundle_id).select_related("cycle__hub").first()
    if bundle is None or bundle.state in (State.DONE, State.FAILED):
        return bundle  # final: a failed bundle is asked for again as a new one
    started = InvoiceBundle.objects.filter(
        pk=bundle_id, state__in=[State.PENDING, State.RUNNING]).update(
        state=State.RUNNING, done=0, total=bundle.invoice_count, message="")
    if not started:
        return InvoiceBundle.objects.filter(pk=bundle_id).first()
    try:
        # Unlinked at once: a killed worker leaves nothing behind.
        with (tempfile.TemporaryFile() as output, timezone.override(bundle.cycle.hub.tz),
              translation.override(bundle.cycle.hub.language)):
            write = write_merged_pdf if bundle.format == Format.PDF else write_zip
            write(output, _documents(bundle), progress=_progress_writer(bundle_id))
            output.seek(0)
            return _finish(bundle, output)
    except BundleError as refused:
        logger.warning("invoice bundle %s: %s", bundle_id, refused)
        bundle_fail(bundle_id=bundle_id, message=str(refused))
    except OSError:
        raise  # the task retries: the next run starts over
    except Exception:
        logger.exception("invoice bundle %s could not be built", bundle_id)
        bundle_fail(bundle_id=bundle_id, message=gettext_lazy("The file could not be built."))
    return InvoiceBundle.objects.filter(pk=bundle_id).first()


def bundle_fail(*, bundle_id: int, message) -> None:
    """Mark a bundle that is not built as failed, with what the manager is told (in the
    hub's language)."""
    language = (InvoiceBundle.objects.filter(pk=bundle_id)
                .values_list("cycle__hub__language", flat=True).first())
    with translation.override(language or translation.get_language()):
        text = str(message)
    InvoiceBundle.objects.filter(pk=bundle_id).exclude(state=State.DONE).update(
        state=State.FAILED, message=text, finished_at=timezone.now())


def _progress_writer(bundle_id: int) -> Callable[[int], None]:
    def progress(done: int) -> None:
        InvoiceBundle.objects.filter(pk=bundle_id, state=State.RUNNING).update(done=done)

    return progress


def _documents(bundle: InvoiceBundle) -> Iterator[tuple[Invoice, io.BufferedIOBase]]:
    """Each of the bundle's invoices in number order with its PDF opened for reading,
    rendered first when it is not yet. Rows are loaded `LOAD_CHUNK` at a time, without the
    snapshot (the template's data) unless an invoice needs rendering."""
    ids = list(cycle_invoices(cycle_id=bundle.cycle_id)
               .values_list("pk", flat=True)[:bundle.invoice_count])
    for start in range(0, len(ids), LOAD_CHUNK):
        chunk = ids[start:start + LOAD_CHUNK]
        rows = (Invoice.objects.filter(pk__in=chunk)
                .only("pk", "number", "issued_at", "pdf", "pdf_rendered_at")
                .order_by("year", "sequence"))
        for invoice in rows:
            if not invoice.pdf_rendered_at or not invoice.pdf:
                invoice = invoice_documents.invoice_render(invoice_id=invoice.pk)
            try:
                handle = invoice.pdf.open("rb")
            except FileNotFoundError:
                raise BundleError(_("The PDF of invoice %(number)s is missing from storage.")
                                  % {"number": invoice.number}) from None
            with handle:
                yield invoice, handle


def _finish(bundle: InvoiceBundle, output) -> InvoiceBundle:
    """Save the file and mark the bundle ready, unless another run did first."""
    name = bundle.file.field.generate_filename(bundle, bundle.file.name or "bundle")
    name = bundle.file.storage.save(name, File(output), max_length=200)
    with transaction.atomic():
        saved = InvoiceBundle.objects.filter(pk=bundle.pk, state=State.RUNNING).update(
            file=name, state=State.DONE, done=bundle.invoice_count,
            total=bundle.invoice_count, message="", finished_at=timezone.now())
        if saved:
            transaction.on_commit(lambda: _prune(bundle.pk))
    if not saved:  # another run saved first: keep its file, drop ours
        bundle.file.storage.delete(name)
    return InvoiceBundle.objects.get(pk=bundle.pk)


def _prune(bundle_id: int) -> None:
    """Delete the older bundles of the same cycle and format, and their files: the new one
    holds all they held."""
    bundle = InvoiceBundle.objects.get(pk=bundle_id)
    older = InvoiceBundle.objects.filter(
        cycle_id=bundle.cycle_id, format=bundle.format, state__in=[State.DONE, State.FAILED],
        created_at__lte=bundle.created_at).exclude(pk=bundle_id)
    for old in older:
        if old.file:
            old.file.storage.delete(old.file.name)
        old.delete()


# --- the files -------------------------------------------------------------------------------


@contextlib.contextmanager
def _collected():
    """Free each batch of documents as the build goes. A parsed PDF (pypdf's objects point
    back at their reader) and a model row with its file are reference cycles, which only a
    full collection frees: without one every PROGRESS_EVERY documents memory grew by about
    3 KB per invoice. What existed before the build (Django, the apps) is frozen meanwhile,
    so those collections only walk what the build allocated: cheap."""
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def _report(progress, done: int) -> None:
    if done % PROGRESS_EVERY == 0:
        gc.collect()
        if progress:
            progress(done)


def write_zip(output, documents, *, progress: Callable[[int], None] | None = None) -> int:
    """Write a ZIP of the documents to `output` (a seekable binary file), entry by entry,
    each named by its invoice number. Returns the number of entries."""
    count = 0
    with _collected(), zipfile.ZipFile(output, "w", compression=zipfile.ZIP_DEFLATED,
                                       compresslevel=1) as archive:
        for invoice, handle in documents:
            issued = timezone.localtime(invoice.issued_at) if invoice.issued_at else None
            stamp = issued.timetuple()[:6] if issued and issued.year >= 1980 else (
                1980, 1, 1, 0, 0, 0)
            entry = zipfile.ZipInfo(invoice.filename, date_time=stamp)
            entry.compress_type = zipfile.ZIP_DEFLATED
            with archive.open(entry, "w") as target:
                shutil.copyfileobj(handle, target, COPY_CHUNK)
            count += 1
            _report(progress, count)
    if progress:
        progress(count)
    return count


def write_merged_pdf(output, documents, *,
                     progress: Callable[[int], None] | None = None) -> int:
    """Write the documents' pages one after the other as one PDF to `output`, with a
    bookmark per invoice number. Returns the number of documents."""
    pdf = StreamingPdf(output)
    count = 0
    with _collected():
        for invoice, handle in documents:
            pdf.add_document(handle.read(), title=invoice.number)
            count += 1
            _report(progress, count)
    pdf.close()
    if progress:
        progress(count)
    return count


# Page attributes a page may inherit from its parents in the page tree.
INHERITED = ("/Resources", "/MediaBox", "/CropBox", "/Rotate")


class StreamingPdf:
    """A PDF written as it goes: each added document's pages (and the fonts, images and
    streams they use) are copied to the file at once and forgotten; the page tree, the
    bookmarks, the catalogue and the cross-reference table are written by `close`.

    Objects are copied as pypdf reads them: streams keep their encoded bytes (nothing is
    decoded or re-compressed), references are renumbered. Links to other documents' catalogues
    (named destinations, forms, attachments) are dropped: only pages are merged (the ZIP
    keeps each invoice's file whole, Factur-X attachment included)."""

    def __init__(self, output) -> None:
        self.output = output
        self.start = output.tell()
        self.offsets = array.array("Q")  # object n's offset at index n - 1
        self.kids = array.array("Q")  # page object numbers, in order
        output.write(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
        self.pages_num = self._reserve()
        self.outlines_num = self._reserve()
        self.catalog_num = self._reserve()
        self.first_item = self.last_item = 0
        self.pending_item: tuple[int, int, str, int] | None = None  # (num, prev, title, page)
        self.items = 0

    # objects

    def _reserve(self) -> int:
        self.offsets.append(0)
        return len(self.offsets)

    def _write(self, number: int, obj: PdfObject) -> None:
        self.offsets[number - 1] = self.output.tell() - self.start
        self.output.write(f"{number} 0 obj\n".encode())
        obj.write_to_stream(self.output)
        self.output.write(b"\nendobj\n")

    @staticmethod
    def _ref(number: int) -> IndirectObject:
        return IndirectObject(number, 0, None)

    # documents

    def add_document(self, data: bytes, *, title: str) -> None:
        reader = PdfReader(io.BytesIO(data))
        numbers: dict[tuple[int, int], int] = {}
        queue: deque[IndirectObject] = deque()
        skipped: set[tuple[int, int]] = set()

        def renumber(ref: IndirectObject) -> PdfObject:
            key = (ref.idnum, ref.generation)
            if key in skipped:
                return NullObject()
            if key not in numbers:
                target = ref.get_object()
                if isinstance(target, DictionaryObject) and target.get("/Type") in (
                        "/Pages", "/Catalog"):
                    skipped.add(key)
                    return NullObject()
                numbers[key] = self._reserve()
                queue.append(ref)
            return self._ref(numbers[key])

        pages = []
        for page in reader.pages:
            ref = page.indirect_reference
            renumber(ref)
            pages.append((ref.idnum, ref.generation))
        page_keys = set(pages)
        while queue:
            ref = queue.popleft()
            source = ref.get_object()
            if source is None:  # a reference to nothing: PDF readers take it as null
                source = NullObject()
            key = (ref.idnum, ref.generation)
            if key in page_keys:
                source = self._page_dict(source)
            self._write(numbers[key], _copy(source, renumber))
        first_page = numbers[pages[0]] if pages else 0
        for key in pages:
            self.kids.append(numbers[key])
        if first_page:
            self._add_bookmark(title, first_page)

    def _page_dict(self, page: DictionaryObject) -> DictionaryObject:
        """The page with what it inherits, pointing at our page tree."""
        result = DictionaryObject({key: value for key, value in page.items()
                                   if key != "/Parent"})
        parent = page.get("/Parent")
        while parent is not None:
            node = parent.get_object()
            for name in INHERITED:
                if name not in result and name in node:
                    result[NameObject(name)] = node[name]
            parent = node.get("/Parent")
        result[NameObject("/Parent")] = _Fixed(self._ref(self.pages_num))
        return result

    def _add_bookmark(self, title: str, page: int) -> None:
        number = self._reserve()
        if self.pending_item:
            self._write_item(*self.pending_item, following=number)
        previous = self.pending_item[0] if self.pending_item else 0
        self.pending_item = (number, previous, title, page)
        if not self.first_item:
            self.first_item = number
        self.last_item = number
        self.items += 1

    def _write_item(self, number: int, previous: int, title: str, page: int, *,
                    following: int = 0) -> None:
        item = DictionaryObject({
            NameObject("/Title"): TextStringObject(title),
            NameObject("/Parent"): self._ref(self.outlines_num),
            NameObject("/Dest"): ArrayObject([self._ref(page), NameObject("/Fit")]),
        })
        if previous:
            item[NameObject("/Prev")] = self._ref(previous)
        if following:
            item[NameObject("/Next")] = self._ref(following)
        self._write(number, item)

    # the end

    def close(self) -> None:
        if self.pending_item:
            self._write_item(*self.pending_item)
            self.pending_item = None
        self._write(self.pages_num, _PageTree(self.kids))
        outlines = DictionaryObject({NameObject("/Type"): NameObject("/Outlines"),
                                     NameObject("/Count"): NumberObject(self.items)})
        if self.items:
            outlines[NameObject("/First")] = self._ref(self.first_item)
            outlines[NameObject("/Last")] = self._ref(self.last_item)
        self._write(self.outlines_num, outlines)
        self._write(self.catalog_num, DictionaryObject({
            NameObject("/Type"): NameObject("/Catalog"),
            NameObject("/Pages"): self._ref(self.pages_num),
            NameObject("/Outlines"): self._ref(self.outlines_num),
            NameObject("/PageMode"): NameObject("/UseOutlines" if self.items else "/UseNone"),
        }))
        xref = self.output.tell() - self.start
        size = len(self.offsets) + 1
        self.output.write(f"xref\n0 {size}\n0000000000 65535 f \n".encode())
        lines = []
        for offset in self.offsets:
            lines.append(b"%010d 00000 n \n" % offset)
            if len(lines) >= 4096:
                self.output.write(b"".join(lines))
                lines.clear()
        self.output.write(b"".join(lines))
        self.output.write(
            f"trailer\n<< /Size {size} /Root {self.catalog_num} 0 R >>\n"
            f"startxref\n{xref}\n%%EOF\n".encode())


class _Fixed(PdfObject):
    """A value `_copy` passes through as it is (our own reference)."""

    def __init__(self, value: PdfObject) -> None:
        self.value = value

    def write_to_stream(self, stream) -> None:
        self.value.write_to_stream(stream)


class _PageTree(PdfObject):
    """The one /Pages node, its /Kids written straight from the array of page numbers."""

    def __init__(self, kids: array.array) -> None:
        self.kids = kids

    def write_to_stream(self, stream) -> None:
        stream.write(b"<< /Type /Pages /Count %d /Kids [" % len(self.kids))
        for start in range(0, len(self.kids), 4096):
            stream.write(b" ".join(b"%d 0 R" % n for n in self.kids[start:start + 4096]))
            stream.write(b" ")
        stream.write(b"] >>")


def _copy(obj, renumber: Callable[[IndirectObject], PdfObject]):
    """`obj` with every reference renumbered for the output file (streams keep their bytes)."""
    if isinstance(obj, _Fixed):
        return obj
    if isinstance(obj, IndirectObject):
        return renumber(obj)
    if isinstance(obj, StreamObject):
        result = StreamObject()
        result.update({key: _copy(value, renumber) for key, value in obj.items()})
        result._data = obj._data  # the encoded bytes, as read
        return result
    if isinstance(obj, DictionaryObject):
        return DictionaryObject({key: _copy(value, renumber) for key, value in obj.items()})
    if isinstance(obj, ArrayObject):
        return ArrayObject(_copy(value, renumber) for value in obj)
    return obj
