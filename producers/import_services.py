"""Product file import (Open Food Network's product list format) and export.

Flow: `import_validate` reads and checks the whole file and stores a ProductImport with the
counts and every error, writing no product. `import_confirm` enqueues the write (a Celery
task, one transaction) for a file with no errors; `import_apply` is that write, reporting
progress through the cache so the page's progress bar moves while the transaction runs.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from oscar.core.loading import get_model

from .catalogue_services import UpsertCounts, catalogue_plan, catalogue_upsert
from .importing import (
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


def import_check(*, user, data: bytes, filename: str, producer: Producer | None) -> ImportCheck:
    """Read and validate a whole file for this user, and count what it would change."""
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
    )
    producers = Producer.objects.in_bulk({row.producer_id for row in result.rows})
    counts = catalogue_plan(rows=result.rows, producers=producers).as_dict()
    counts["invalid"] = len({error.row for error in result.errors})
    counts["rows"] = len(table)
    return ImportCheck(result=result, counts=counts, producers=producers)


@transaction.atomic
def import_validate(
    *, user, data: bytes, filename: str, producer: Producer | None = None
) -> ProductImport:
    """Store an uploaded file with its validation report; writes no product."""
    check = import_check(user=user, data=data, filename=filename, producer=producer)
    errors = []
    if check.file_error:
        errors = [{"row": None, "column": "", "message": check.file_error}]
    elif check.result is not None:
        errors = [
            {"row": e.row, "column": e.column, "message": e.message}
            for e in check.result.errors[:MAX_ERRORS_STORED]
        ]
    product_import = ProductImport(
        producer=producer,
        uploaded_by=user,
        filename=filename[:255],
        status=ProductImport.Status.READY if check.is_valid else ProductImport.Status.INVALID,
        counts=check.counts,
        errors=errors,
        total=len(check.result.rows) if check.result else 0,
    )
    if check.is_valid:
        # Only files that can be imported are kept: the write re-reads them.
        product_import.file.save(filename[-100:] or "import.csv", ContentFile(data), save=False)
    product_import.save()
    return product_import


def _progress_key(import_id: int) -> str:
    return f"product-import-progress:{import_id}"


def import_progress(product_import: ProductImport) -> dict:
    """Where an import stands: status, rows done, total and percentage (for the progress bar)."""
    done = product_import.done
    if product_import.status == ProductImport.Status.RUNNING:
        done = cache.get(_progress_key(product_import.pk), done)
    total = product_import.total
    percent = 100 if not total else min(100, round(100 * done / total))
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
