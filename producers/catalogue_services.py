"""Writes for producers' catalogues: upsert from rows (import, forms, API, demo), saving one
product from a `ProductInput`, bulk stock edits, archiving. One row is one variant; rows of
one producer with the same name form one product.

Products are Oscar parent products; each variant is an Oscar child product with one stock
record (the producer's partner, SKU = `partner_sku`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import ProtectedError, RestrictedError
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from oscar.core.loading import get_model
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from .descriptions import clean_description
from .models import Producer
from .product_input import InputError, ProductInput, shown, validate_product

Product = get_model("catalogue", "Product")
ProductClass = get_model("catalogue", "ProductClass")
ProductCategory = get_model("catalogue", "ProductCategory")
ProductImage = get_model("catalogue", "ProductImage")
Category = get_model("catalogue", "Category")
StockRecord = get_model("partner", "StockRecord")

# Whether products were ever ordered: orders (a higher layer) registers the answer, producers
# never reads order models. Each check gets product ids and says whether any is in use.
ProductsInUse = Callable[[list[int]], bool]
_products_in_use_checks: list[ProductsInUse] = []


def register_products_in_use_check(check: ProductsInUse) -> None:
    """Keep (archive) rather than delete products for which `check(product_ids)` is true."""
    if check not in _products_in_use_checks:
        _products_in_use_checks.append(check)

BATCH = 500
PARENT_FIELDS = ["title", "description", "vat_rate"]
CHILD_FIELDS = [
    "title", "unit_type", "unit_value", "unit_label", "on_demand", "available_on",
    "shipping_category", "parent_id", "structure", "product_class_id",
]
STOCK_FIELDS = ["price", "num_in_stock"]


@dataclass
class UpsertCounts:
    new: int = 0
    updated: int = 0
    unchanged: int = 0

    def as_dict(self) -> dict:
        return {"new": self.new, "updated": self.updated, "unchanged": self.unchanged}


@dataclass
class _Plan:
    counts: UpsertCounts = field(default_factory=UpsertCounts)
    new_parents: dict = field(default_factory=dict)  # (producer_id, name) -> Product
    parents_to_update: dict = field(default_factory=dict)  # id -> Product
    existing_parents: dict = field(default_factory=dict)  # (producer_id, name) -> Product
    categories: dict = field(default_factory=dict)  # parent key -> (Product, category_id)
    vacated_parent_ids: set = field(default_factory=set)
    new_children: list = field(default_factory=list)  # (parent key, child, stockrecord)
    children_to_update: list = field(default_factory=list)
    stock_to_update: list = field(default_factory=list)


def food_product_class():
    product_class, _created = ProductClass.objects.get_or_create(
        slug="food", defaults={"name": "Food", "track_stock": True, "requires_shipping": False}
    )
    return product_class


def _resolved_vat(row, default_rates: dict) -> Decimal:
    return row.vat_rate if row.vat_rate is not None else default_rates[row.category_id]


def _plan(rows: list, *, producers: dict[int, Producer]) -> _Plan:
    """Work out what an upsert would change, without writing (3 queries whatever the size)."""
    plan = _Plan()
    partner_to_producer = {p.partner_id: p.id for p in producers.values()}
    records = {
        (partner_to_producer[r.partner_id], r.partner_sku): r
        for r in StockRecord.objects.filter(partner_id__in=partner_to_producer)
        .select_related("product__parent")
    }
    parents = plan.existing_parents
    parent_categories: dict[int, int] = {}
    for record in records.values():
        parent = record.product.parent
        if parent is not None:
            producer_id = partner_to_producer[record.partner_id]
            parents.setdefault((producer_id, parent.title), parent)
    for link in ProductCategory.objects.filter(product_id__in=[p.id for p in parents.values()]):
        parent_categories.setdefault(link.product_id, link.category_id)
    default_rates = dict(Category.objects.values_list("id", "default_vat_rate"))
    seen_parents: set = set()

    for row in rows:
        key = (row.producer_id, row.name)
        vat = _resolved_vat(row, default_rates)
        # The validator cleaned it already; cleaning is idempotent, and keeps rows built
        # elsewhere (the demo, later callers) from storing HTML as is.
        description = clean_description(row.description)
        parent = parents.get(key) or plan.new_parents.get(key)
        parent_changed = False
        if parent is None:
            parent = Product(
                structure=Product.PARENT, title=row.name, slug=slugify(row.name)[:255] or "product",
                description=description, vat_rate=vat, is_public=True,
            )
            plan.new_parents[key] = parent
            plan.categories[key] = (parent, row.category_id)
        elif key not in seen_parents:
            # The first row of a product decides its shared fields.
            target = {"title": row.name, "description": description, "vat_rate": vat}
            if any(getattr(parent, k) != v for k, v in target.items()):
                for k, v in target.items():
                    setattr(parent, k, v)
                plan.parents_to_update[parent.pk] = parent
                parent_changed = True
            if parent_categories.get(parent.pk) != row.category_id:
                plan.categories[key] = (parent, row.category_id)
                parent_changed = True
        seen_parents.add(key)
        child_values = {
            # Shoppers choose among variants by this title: the unit label when unnamed.
            "title": row.display_name or row.unit_label, "unit_type": row.unit_type,
            "unit_value": row.unit_value, "unit_label": row.unit_label,
            "on_demand": row.on_demand, "available_on": row.available_on,
            "shipping_category": row.shipping_category,
            # Whether a variant is active is the producer's choice on the inventory page: an
            # import or an edit leaves it as it is. A standalone product (made in Oscar's
            # dashboard) becomes a variant.
            "structure": Product.CHILD, "product_class_id": None,
        }
        stock_values = {"price": row.price, "num_in_stock": row.on_hand or 0}
        record = records.get((row.producer_id, row.sku))
        if record is None:
            slug = slugify(f"{row.name} {child_values['title']}")[:255] or "variant"
            child = Product(slug=slug, is_public=True, **child_values)
            stock = StockRecord(
                partner_id=producers[row.producer_id].partner_id, partner_sku=row.sku,
                price_currency=settings.FOODHUB_DEFAULT_CURRENCY, **stock_values,
            )
            plan.new_children.append((key, child, stock))
            plan.counts.new += 1
            continue
        child = record.product
        moved = parent.pk is None or child.parent_id != parent.pk
        child_changed = moved or any(getattr(child, k) != v for k, v in child_values.items())
        stock_changed = any(getattr(record, k) != v for k, v in stock_values.items())
        if child_changed:
            for k, v in child_values.items():
                setattr(child, k, v)
            if moved:
                plan.vacated_parent_ids.add(child.parent_id)
            child._new_parent_key = key if moved else None
            plan.children_to_update.append(child)
        if stock_changed:
            for k, v in stock_values.items():
                setattr(record, k, v)
            plan.stock_to_update.append(record)
        if child_changed or stock_changed or parent_changed:
            plan.counts.updated += 1
        else:
            plan.counts.unchanged += 1
    return plan


def catalogue_plan(*, rows: list, producers: dict[int, Producer]) -> UpsertCounts:
    """Counts of new / updated / unchanged variants an upsert of these rows would give."""
    return _plan(rows, producers=producers).counts


@transaction.atomic
def catalogue_upsert(
    *, rows: list, producers: dict[int, Producer], user=None,
    progress: Callable[[int, int], None] | None = None,
) -> UpsertCounts:
    """Create or update products and variants from validated rows, keyed by (producer, SKU).

    All or nothing (one transaction); stock changes are recorded in the stock history.
    """
    plan = _plan(rows, producers=producers)
    total = len(rows)
    product_class = food_product_class()
    new_parents = list(plan.new_parents.values())
    for parent in new_parents:
        parent.product_class = product_class
    Product.objects.bulk_create(new_parents, batch_size=BATCH)
    if plan.parents_to_update:
        Product.objects.bulk_update(
            plan.parents_to_update.values(), PARENT_FIELDS, batch_size=BATCH
        )
    _set_categories(plan)
    if progress:
        progress(min(total, len(new_parents)), total)

    all_parents = {**plan.existing_parents, **plan.new_parents}
    for child in plan.children_to_update:
        if child._new_parent_key is not None:
            child.parent_id = all_parents[child._new_parent_key].pk
    new_children = []
    for key, child, _stock in plan.new_children:
        child.parent_id = all_parents[key].pk
        new_children.append(child)
    Product.objects.bulk_create(new_children, batch_size=BATCH)
    new_stock = []
    for (_key, child, stock) in plan.new_children:
        stock.product_id = child.pk
        new_stock.append(stock)
    for start in range(0, len(new_stock), BATCH):
        bulk_create_with_history(
            new_stock[start:start + BATCH], StockRecord, batch_size=BATCH, default_user=user
        )
        if progress:
            progress(min(total, start + BATCH), total)
    if plan.children_to_update:
        Product.objects.bulk_update(plan.children_to_update, CHILD_FIELDS, batch_size=BATCH)
    if plan.stock_to_update:
        bulk_update_with_history(
            plan.stock_to_update, StockRecord, STOCK_FIELDS, batch_size=BATCH, default_user=user
        )
    _drop_empty_parents(plan.vacated_parent_ids)
    if progress:
        progress(total, total)
    return plan.counts


@transaction.atomic
def product_save(
    *, producer: Producer, product: ProductInput, user=None, parent=None, image=None
) -> tuple[object | None, list[InputError]]:
    """Create a product, or edit ``parent``, from the product form or the API.

    Checked by the same validator as files; variants are matched by SKU (variants not listed
    are left as they are). ``image`` (a file) becomes the product's first photo. Returns
    (parent, []) or (None, errors keyed by field and variant index); nothing is written then.
    """
    check = validate_product(product, producer_id=producer.pk)
    if not check.is_valid:
        return None, check.errors
    taken = _skus_of_other_products(producer=producer, parent=parent, rows=check.rows)
    if taken:
        return None, taken
    name = check.rows[0].name
    if parent is not None and parent.title != name:
        # Rename in place so the product keeps its photos and order history.
        parent.title = name
        parent.save(update_fields=["title"])
    catalogue_upsert(rows=check.rows, producers={producer.pk: producer}, user=user)
    if parent is None:
        parent = (
            Product.objects.filter(
                structure=Product.PARENT, title=name,
                children__stockrecords__partner_id=producer.partner_id,
                children__stockrecords__partner_sku=check.rows[0].sku,
            )
            .distinct()
            .get()
        )
    if image is not None:
        ProductImage.objects.create(product=parent, original=image, display_order=0)
    return parent, []


def _skus_of_other_products(*, producer: Producer, parent, rows: list) -> list[InputError]:
    """A form or API call names the variants of one product: a SKU of another product of the
    producer is refused (files upsert by SKU and may move a variant; a form must not)."""
    records = StockRecord.objects.filter(
        partner_id=producer.partner_id, partner_sku__in=[row.sku for row in rows]
    ).select_related("product__parent")
    if parent is not None:
        records = records.exclude(product__parent_id=parent.pk)
    owners = {
        record.partner_sku: (record.product.parent or record.product).title for record in records
    }
    return [
        InputError("sku", _("SKU %(sku)s is already used by another product (%(product)s): "
                            "choose another SKU, or edit that product.")
                   % {"sku": shown(row.sku), "product": shown(owners[row.sku])}, row.row)
        for row in rows if row.sku in owners
    ]


def _set_categories(plan: _Plan) -> None:
    existing_ids = [parent.pk for parent, _c in plan.categories.values() if parent.pk]
    ProductCategory.objects.filter(product_id__in=existing_ids).delete()
    ProductCategory.objects.bulk_create(
        [ProductCategory(product_id=p.pk, category_id=c) for p, c in plan.categories.values()],
        batch_size=BATCH,
    )


def _drop_empty_parents(parent_ids: set) -> None:
    # A variant renamed into another product can leave its old product with no variants.
    if parent_ids:
        Product.objects.filter(id__in=parent_ids, children__isnull=True).delete()


# --- Bulk stock and price edits (dashboard inline edit, API stock endpoint) ---------------


@dataclass
class VariantChange:
    stockrecord_id: int
    price: Decimal
    num_in_stock: int
    on_demand: bool
    is_active: bool


@transaction.atomic
def variants_bulk_update(*, producer: Producer, changes: Iterable[VariantChange], user=None) -> int:
    """Apply price/stock/on-demand/active edits to a producer's variants, all or nothing;
    returns how many variants changed.

    Raises ValidationError keyed by stock record id when any change is invalid or names a
    variant of another producer; nothing is written then.
    """
    changes = list(changes)
    errors: dict[str, list[str]] = {}
    records = {
        r.id: r
        for r in StockRecord.objects.select_related("product").filter(
            partner_id=producer.partner_id, id__in=[c.stockrecord_id for c in changes]
        )
    }
    for change in changes:
        messages = []
        if change.stockrecord_id not in records:
            messages.append(_("No such product variant."))
        if change.price is None or change.price < 0:
            messages.append(_("Price cannot be negative."))
        elif change.price.as_tuple().exponent < -2:
            messages.append(_("Price has more than 2 decimals."))
        if change.num_in_stock is None or change.num_in_stock < 0:
            messages.append(_("Stock cannot be negative."))
        if messages:
            errors[str(change.stockrecord_id)] = messages
    if errors:
        raise ValidationError(errors)
    stock_changed, products_changed, changed_ids = [], [], set()
    for change in changes:
        record = records[change.stockrecord_id]
        if record.price != change.price or record.num_in_stock != change.num_in_stock:
            record.price, record.num_in_stock = change.price, change.num_in_stock
            stock_changed.append(record)
            changed_ids.add(record.id)
        product = record.product
        if product.on_demand != change.on_demand or product.is_public != change.is_active:
            product.on_demand, product.is_public = change.on_demand, change.is_active
            products_changed.append(product)
            changed_ids.add(record.id)
    if stock_changed:
        bulk_update_with_history(
            stock_changed, StockRecord, STOCK_FIELDS, batch_size=BATCH, default_user=user
        )
    if products_changed:
        Product.objects.bulk_update(products_changed, ["on_demand", "is_public"])
    return len(changed_ids)


# --- Archive -------------------------------------------------------------------------------


@transaction.atomic
def product_archive(*, producer: Producer, product) -> str:
    """Remove a product: archived (hidden, kept) if ever ordered or still referred to (an
    order cycle's offer), deleted otherwise.

    Returns "archived" or "deleted".
    """
    variant_ids = list(
        Product.objects.filter(parent=product, stockrecords__partner_id=producer.partner_id)
        .values_list("id", flat=True)
    )
    if not variant_ids:
        raise ValidationError(_("This product does not belong to this producer."))
    ids = [product.id, *variant_ids]
    if not any(check(ids) for check in list(_products_in_use_checks)):
        try:
            with transaction.atomic():
                StockRecord.objects.filter(product_id__in=variant_ids).delete()
                Product.objects.filter(id__in=variant_ids).delete()
                product.delete()
            return "deleted"
        except (ProtectedError, RestrictedError):
            # A higher layer keeps a reference (an order cycle offers a variant): keep it.
            pass
    Product.objects.filter(id__in=[product.id, *variant_ids]).update(
        is_public=False, archived_at=timezone.now()
    )
    return "archived"
