"""Product file import (Open Food Network's product list format) and export.

Flow: `import_upload` stores the file (private, under a random name) as a ProductImport
"checking" and enqueues `import_check_stored` (a Celery task), which reads and checks the
whole file and records the counts and every error, writing no product: a hostile file costs
the worker, never a web process. `import_confirm` enqueues the write (a Celery task, one
transaction) for a file with no errors; `import_apply` is that write. Both tasks report
progress through the cache, so the page's progress bar moves (`import_progress`).
The management command checks and writes inline (`import_run_now`).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.core.files import File
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from oscar.core.loading import get_model

from .catalogue_services import UpsertCounts, catalogue_plan, catalogue_upsert
from .importing import (
    MAX_IMPORT_BYTES,
    ImportFileError,
    ValidationResult,
    read_table,
    validate_rows,
)
from .models import Producer, ProductImport, TaxCategory
from .selectors import producers_for_user

Category = get_model("catalogue", "Category")
ProductCategory = get_model("catalogue", "ProductCategory")
StockRecord = get_model("partner", "StockRecord")

MAX_ERRORS_STORED = 1000
logger = logging.getLogger(__name__)


@dataclass
class ImportCheck:
    """The outcome of reading and validating a file, before anything is written."""

    result: ValidationResult | None
    counts: dict
    file_error: str = ""
    producers: dict | None = None

    @property
    def is_valid(self) -> bool:
        return not self.file_error and self.result is not None and self.result.is_valid


def import_lookups(*, user) -> tuple[dict[str, int], dict[str, int], dict]:
    """Name -> id maps the validator needs: the user's producers, categories, tax categories."""
    producers: dict[str, int] = {}
    allowed = list(producers_for_user(user).only("id", "slug", "name"))
    name_counts: dict[str, int] = {}
    for producer in Producer.objects.values("name"):
        key = " ".join(producer["name"].lower().split())
        name_counts[key] = name_counts.get(key, 0) + 1
    for producer in allowed:
        producers[producer.slug.lower()] = producer.id
        key = " ".join(producer.name.lower().split())
        if name_counts.get(key) == 1:  # names only when unique on the platform
            producers[key] = producer.id
    categories: dict[str, int] = {}
    for category in Category.objects.filter(depth=1).only("id", "name", "name_fr"):
        for name in (category.name, category.name_fr):
            if name:
                categories[" ".join(name.lower().split())] = category.id
    tax_categories = {t.name.lower(): t.rate for t in TaxCategory.objects.all()}
    return producers, categories, tax_categories


def import_check(
    *, user, data: bytes, filename: str, producer: Producer | None,
    progress: Callable[[int, int], None] | None = None,
) -> ImportCheck:
    """Read and validate a whole file for this user, and count what it would change.

    `progress(done, total)` hears how many rows were validated.
    """
    if producer is not None and not producers_for_user(user).filter(pk=producer.pk).exists():
        raise PermissionDenied
    try:
        _header, table = read_table(data, filename)
    except ImportFileError as exc:
        return ImportCheck(result=None, counts={}, file_error=str(exc))
    if not table:
        return ImportCheck(result=None, counts={}, file_error=_("The file has no product rows."))
    producer_keys, categories, tax_categories = import_lookups(user=user)
    result = validate_rows(
        table,
        producers=producer_keys,
        categories=categories,
        tax_categories=tax_categories,
        forced_producer_id=producer.pk if producer else None,
        progress=progress,
    )
    producers = Producer.objects.in_bulk({row.producer_id for row in result.rows})
    counts = catalogue_plan(rows=result.rows, producers=producers).as_dict()
    counts["invalid"] = len({error.row for error in result.errors})
    counts["rows"] = len(table)
    return ImportCheck(result=result, counts=counts, producers=producers)


@transaction.atomic
def import_upload(*, user, upload: File, producer: Producer) -> ProductImport:
    """Keep an uploaded file (private, random name) and have a worker check it.

    Returns the ProductImport, "checking" until `import_check_stored` has run; nothing is
    read here, so a hostile file never costs the web process.
    """
    from .tasks import check_product_import

    if not producers_for_user(user).filter(pk=producer.pk).exists():
        raise PermissionDenied
    filename = os.path.basename(upload.name or "")[-255:] or "products"
    product_import = ProductImport(
        producer=producer, uploaded_by=user, filename=filename,
        status=ProductImport.Status.CHECKING, counts={}, errors=[],
    )
    product_import.file.save(filename, upload, save=False)
    product_import.save()

    def enqueue() -> None:
        try:
            check_product_import.delay(product_import.pk)
        except Exception:  # The broker being down must not leave the import "checking".
            logger.exception("Could not enqueue the check of product import %s", product_import.pk)
            _check_failed(product_import.pk, _("The file could not be checked just now. "
                                               "Please upload it again in a moment."))

    transaction.on_commit(enqueue)
    return product_import


def _check_failed(import_id: int, message: str) -> None:
    product_import = ProductImport.objects.filter(
        pk=import_id, status=ProductImport.Status.CHECKING
    ).first()
    if product_import is None:
        return
    ProductImport.objects.filter(pk=import_id, status=ProductImport.Status.CHECKING).update(
        status=ProductImport.Status.FAILED, message=message, file="",
        finished_at=timezone.now(),
    )
    if product_import.file:
        product_import.file.delete(save=False)
    cache.delete(_check_key(import_id))


def import_check_stored(*, import_id: int) -> ProductImport | None:
    """Check an uploaded file (the Celery task): record its counts and every error.

    Idempotent: only an import still "checking" is checked, and only one check records its
    result. A file with errors is not kept (the user uploads a corrected one).
    """
    product_import = (
        ProductImport.objects.filter(pk=import_id, status=ProductImport.Status.CHECKING)
        .select_related("uploaded_by", "producer")
        .first()
    )
    if product_import is None:
        return None

    def report(done: int, total: int) -> None:
        cache.set(_check_key(import_id), (done, total), timeout=3600)

    try:
        report(0, 0)
        with product_import.file.open("rb") as handle:
            data = handle.read(MAX_IMPORT_BYTES + 1)
        check = import_check(
            user=product_import.uploaded_by, data=data, filename=product_import.filename,
            producer=product_import.producer, progress=report,
        )
    except Exception:
        logger.exception("Checking product import %s failed", import_id)
        _check_failed(import_id, _("The file could not be checked. Please upload it again."))
        return ProductImport.objects.get(pk=import_id)
    errors = []
    if check.file_error:
        errors = [{"row": None, "column": "", "message": check.file_error}]
    elif check.result is not None:
        errors = [
            {"row": e.row, "column": e.column, "message": e.message}
            for e in check.result.errors[:MAX_ERRORS_STORED]
        ]
    status = ProductImport.Status.READY if check.is_valid else ProductImport.Status.INVALID
    claimed = ProductImport.objects.filter(
        pk=import_id, status=ProductImport.Status.CHECKING
    ).update(
        status=status, counts=check.counts, errors=errors,
        total=len(check.result.rows) if check.result else 0,
        # Only files that can be imported are kept: the write reads them again.
        file=product_import.file.name if check.is_valid else "",
    )
    if claimed and not check.is_valid:
        product_import.file.delete(save=False)
    cache.delete(_check_key(import_id))
    return ProductImport.objects.get(pk=import_id)


def _progress_key(import_id: int) -> str:
    return f"product-import-progress:{import_id}"


def _check_key(import_id: int) -> str:
    return f"product-import-check:{import_id}"


def import_progress(product_import: ProductImport) -> dict:
    """Where an import stands: status, rows done, total and percentage (for the progress bar).

    While the file is checked, `done` and `total` count the rows validated so far (0 of 0
    while it is being read).
    """
    done, total = product_import.done, product_import.total
    if product_import.status == ProductImport.Status.CHECKING:
        done, total = cache.get(_check_key(product_import.pk), (0, 0))
    elif product_import.status == ProductImport.Status.RUNNING:
        done = cache.get(_progress_key(product_import.pk), done)
    percent = 100 if not total else min(100, round(100 * done / total))
    if product_import.status == ProductImport.Status.CHECKING and not total:
        percent = 0
    if product_import.status == ProductImport.Status.DONE:
        done, percent = total, 100
    return {
        "id": product_import.pk,
        "status": product_import.status,
        "done": done,
        "total": total,
        "percent": percent,
        "counts": product_import.counts,
        "message": product_import.message,
    }


def import_confirm(*, product_import: ProductImport, user) -> ProductImport:
    """Start writing a validated import (once: a second confirm does nothing)."""
    from .tasks import run_product_import

    claimed = ProductImport.objects.filter(
        pk=product_import.pk, status=ProductImport.Status.READY
    ).update(status=ProductImport.Status.RUNNING, done=0)
    product_import.refresh_from_db()
    if claimed:
        transaction.on_commit(lambda: run_product_import.delay(product_import.pk))
    return product_import


def import_apply(*, import_id: int) -> ProductImport | None:
    """The write of a confirmed import, in one transaction; idempotent (only RUNNING runs).

    The file is validated again: the catalogue may have changed since the preview.
    """
    product_import = (
        ProductImport.objects.filter(pk=import_id, status=ProductImport.Status.RUNNING)
        .select_related("uploaded_by", "producer")
        .first()
    )
    if product_import is None:
        return None
    product_import.file.open("rb")
    try:
        data = product_import.file.read()
    finally:
        product_import.file.close()
    check = import_check(
        user=product_import.uploaded_by, data=data, filename=product_import.filename,
        producer=product_import.producer,
    )
    if not check.is_valid:
        ProductImport.objects.filter(pk=import_id).update(
            status=ProductImport.Status.FAILED,
            message=_("The file no longer validates; upload it again to see why."),
            finished_at=timezone.now(),
        )
        return ProductImport.objects.get(pk=import_id)

    def report(done: int, total: int) -> None:
        cache.set(_progress_key(import_id), done, timeout=3600)

    try:
        counts = catalogue_upsert(
            rows=check.result.rows, producers=check.producers,
            user=product_import.uploaded_by, progress=report,
        )
    except Exception:
        # The transaction rolled back: nothing was written. Say so instead of "running".
        logger.exception("Product import %s failed", import_id)
        ProductImport.objects.filter(pk=import_id).update(
            status=ProductImport.Status.FAILED,
            message=_("The import failed and nothing was written. Please try again."),
            finished_at=timezone.now(),
        )
        cache.delete(_progress_key(import_id))
        return ProductImport.objects.get(pk=import_id)
    ProductImport.objects.filter(pk=import_id).update(
        status=ProductImport.Status.DONE,
        counts={**product_import.counts, **counts.as_dict()},
        done=len(check.result.rows),
        finished_at=timezone.now(),
    )
    cache.delete(_progress_key(import_id))
    return ProductImport.objects.get(pk=import_id)


def import_run_now(
    *, user, data: bytes, filename: str, producer: Producer | None,
    progress: Callable[[int, int], None] | None = None, dry_run: bool = False,
) -> tuple[ImportCheck, UpsertCounts | None]:
    """Validate and (unless dry_run or invalid) write at once: the management command's path."""
    check = import_check(user=user, data=data, filename=filename, producer=producer)
    if not check.is_valid or dry_run:
        return check, None
    counts = catalogue_upsert(
        rows=check.result.rows, producers=check.producers, user=user, progress=progress
    )
    return check, counts


# --- Export ----------------------------------------------------------------------------------


def catalogue_export_items(*, producer: Producer) -> Iterator[dict]:
    """A producer's variants as export items (same format as the import), streamed in chunks."""
    records = (
        StockRecord.objects.filter(
            partner_id=producer.partner_id,
            product__parent__isnull=False,
            product__archived_at__isnull=True,
        )
        .select_related("product__parent")
        .order_by("product__parent__title", "product__unit_value", "partner_sku")
    )
    parent_categories = dict(
        ProductCategory.objects.filter(
            product__children__stockrecords__partner_id=producer.partner_id
        ).values_list("product_id", "category__name")
    )
    for record in records.iterator(chunk_size=2000):
        variant, parent = record.product, record.product.parent
        yield {
            "producer": producer.slug,
            "sku": record.partner_sku,
            "name": parent.title,
            # An unnamed variant is titled by its unit label: export it unnamed again.
            "display_name": "" if variant.title == variant.unit_label else variant.title,
            "category": parent_categories.get(parent.id, ""),
            "description": parent.description,
            "unit_type": variant.unit_type,
            "unit_value": variant.unit_value,
            "unit_label": variant.unit_label,
            "price": record.price,
            "on_hand": record.num_in_stock,
            "available_on": variant.available_on,
            "on_demand": variant.on_demand,
            "shipping_category": variant.shipping_category,
            "vat_rate": parent.vat_rate,
        }
