"""Reads for producer pages, the API and higher packages."""

from __future__ import annotations

from django.apps import apps
from django.db.models import Count, Prefetch, Q, QuerySet
from django.shortcuts import get_object_or_404
from oscar.core.loading import get_model

from teams.selectors import teams_for_user, user_memberships

from .models import Producer, ProducerMembership
from .product_input import ProductInput, VariantInput
from .units import unit_label

Product = get_model("catalogue", "Product")
StockRecord = get_model("partner", "StockRecord")


def memberships_for_user(user) -> QuerySet[ProducerMembership]:
    """The user's producer memberships with their producers, in one query."""
    return user_memberships(ProducerMembership, user)


def producers_for_user(user) -> QuerySet[Producer]:
    """The producers a user may manage: their memberships, or all for platform admins."""
    return teams_for_user(Producer, user)


def producer_for_member(*, user, slug: str) -> Producer:
    """The producer with this slug if the user may manage it; 404 otherwise (tenancy)."""
    qs = producers_for_user(user)
    product_count = Count("partner__stockrecords", distinct=True)
    return get_object_or_404(qs.annotate(product_count=product_count), slug=slug)


def visible_producers() -> QuerySet[Producer]:
    """Producers shown to the public (no aggregate: the storefront lists names only)."""
    return Producer.objects.filter(is_visible=True)


def public_producer(*, producer_id: int) -> Producer | None:
    """A visible producer with its photos (two queries), for its public page; None if hidden."""
    return visible_producers().prefetch_related("photos").filter(pk=producer_id).first()


def featured_products(*, limit: int = 12) -> QuerySet:
    """Public, unarchived products of visible producers, with their public variants and stock
    prefetched so product cards and Oscar's pricing strategy run no per-product query."""
    stock = StockRecord.objects.select_related("partner__producer")
    variants = Product.objects.filter(is_public=True, archived_at=None).prefetch_related(
        Prefetch("stockrecords", queryset=stock)
    ).order_by("unit_value", "id")
    return (
        Product.objects.browsable()
        .filter(
            is_public=True,
            archived_at=None,
            children__stockrecords__partner__producer__is_visible=True,
        )
        .select_related("product_class")
        .prefetch_related(
            Prefetch("children", queryset=variants, to_attr="_prefetched_public_children"),
            "images",
        )
        .distinct()
        .order_by("-date_created", "-id")[:limit]
    )


# --- Inventory dashboard ---------------------------------------------------------------------

LOW_STOCK = 5


def dashboard_variants(*, producer: Producer, q: str = "", category=None) -> QuerySet:
    """A producer's live variants (stock records) for the inventory list: one query a page."""
    qs = (
        StockRecord.objects.filter(
            partner_id=producer.partner_id,
            product__parent__isnull=False,
            product__archived_at__isnull=True,
        )
        .select_related("product__parent")
        .order_by("product__parent__title", "product__unit_value", "id")
    )
    if q:
        qs = qs.filter(
            Q(product__parent__title__icontains=q)
            | Q(product__title__icontains=q)
            | Q(partner_sku__icontains=q)
        )
    if category is not None:
        qs = qs.filter(product__parent__categories=category)
    return qs


def dashboard_summary(*, producer: Producer) -> dict:
    """Counts for the dashboard header, aggregated in one query."""
    return StockRecord.objects.filter(
        partner_id=producer.partner_id,
        product__parent__isnull=False,
        product__archived_at__isnull=True,
    ).aggregate(
        variants=Count("id"),
        products=Count("product__parent", distinct=True),
        on_demand=Count("id", filter=Q(product__on_demand=True)),
        low_stock=Count(
            "id", filter=Q(product__on_demand=False, num_in_stock__lt=LOW_STOCK)
        ),
    )


def producer_product(*, producer: Producer, product_id: int):
    """One of the producer's products (an Oscar parent), or 404 (tenancy)."""
    qs = Product.objects.filter(
        structure=Product.PARENT, children__stockrecords__partner_id=producer.partner_id
    ).distinct()
    return get_object_or_404(qs.prefetch_related("categories", "images"), pk=product_id)


def product_variants(*, producer: Producer, product) -> QuerySet:
    return (
        StockRecord.objects.filter(partner_id=producer.partner_id, product__parent=product)
        .select_related("product")
        .order_by("product__unit_value", "id")
    )


def product_input_for(*, producer: Producer, product) -> ProductInput:
    """A product as it is now, as a ProductInput: the base a partial edit changes (two queries
    at most: categories may be prefetched)."""
    categories = list(product.categories.all())
    variants = []
    for record in product_variants(producer=producer, product=product):
        variant = record.product
        code = {"weight": "g", "volume": "ml"}.get(variant.unit_type, "")
        label = variant.unit_label
        if variant.unit_type != "items" and label == unit_label(variant.unit_type,
                                                               variant.unit_value):
            label = ""  # the default label follows the units
        variants.append(VariantInput(
            sku=record.partner_sku,
            # An unnamed variant is titled by its unit label (see catalogue_upsert).
            display_name="" if variant.title == variant.unit_label else variant.title,
            units=variant.unit_value, unit_type=code, variant_unit_name=label,
            price=record.price, on_hand=record.num_in_stock, on_demand=variant.on_demand,
            available_on=variant.available_on, shipping_category=variant.shipping_category,
        ))
    return ProductInput(
        name=product.title, description=product.description,
        category_id=categories[0].id if categories else None, vat_rate=product.vat_rate,
        variants=tuple(variants),
    )


def stock_history(*, producer: Producer) -> QuerySet:
    """Who changed which variant's price or stock, and when, newest first."""
    history = apps.get_model("producers", "HistoricalStockRecord")
    return (
        history.objects.filter(partner_id=producer.partner_id)
        .select_related("history_user")
        .order_by("-history_date", "-history_id")
    )
