"""Bench data generator: N producers × M products with stock, in bulk (seconds, not minutes).

Usage (inside Django): generate(producers=50, products_per_producer=100).
Generated producers have slugs "bench-producer-<n>" so they can be removed again.
"""

from __future__ import annotations

import random
from decimal import Decimal

from django.db import transaction
from oscar.core.loading import get_model

from producers.models import Producer

Partner = get_model("partner", "Partner")
Product = get_model("catalogue", "Product")
ProductClass = get_model("catalogue", "ProductClass")
StockRecord = get_model("partner", "StockRecord")

WORDS = ["Carrots", "Leeks", "Apples", "Honey", "Cheese", "Bread", "Cider", "Beans", "Kale",
         "Pears", "Butter", "Eggs", "Lamb", "Flour", "Plums", "Squash", "Garlic", "Onions"]
UNITS = [("weight", 500, "500 g"), ("weight", 1000, "1 kg"), ("volume", 750, "75 cl"),
         ("items", 6, "box of 6"), ("items", 1, "each")]


@transaction.atomic
def generate(*, producers: int = 50, products_per_producer: int = 100, seed: int = 42) -> int:
    """Create the bench catalogue (idempotent: existing bench producers are replaced)."""
    rng = random.Random(seed)
    clear()
    product_class, _ = ProductClass.objects.get_or_create(
        slug="food", defaults={"name": "Food", "track_stock": True}
    )
    partners = Partner.objects.bulk_create(
        [Partner(name=f"Bench Producer {n}", code=f"bench-{n}") for n in range(producers)]
    )
    Producer.objects.bulk_create(
        [Producer(name=p.name, slug=f"bench-producer-{n}", partner=p, city="Benchville")
         for n, p in enumerate(partners)]
    )
    products, records = [], []
    for partner in partners:
        for index in range(products_per_producer):
            unit_type, unit_value, unit_label = rng.choice(UNITS)
            products.append(Product(
                title=f"{rng.choice(WORDS)} {partner.id}-{index}", product_class=product_class,
                structure="standalone", unit_type=unit_type, unit_value=unit_value,
                unit_label=unit_label, vat_rate=Decimal("5.5"), is_public=True,
                slug=f"bench-{partner.id}-{index}",
            ))
    Product.objects.bulk_create(products, batch_size=1000)
    created = Product.objects.filter(slug__startswith="bench-").order_by("id")
    by_partner = {p.id: p for p in partners}
    for product in created.only("id", "slug"):
        partner_id = int(product.slug.split("-")[1])
        records.append(StockRecord(
            product_id=product.id, partner=by_partner[partner_id],
            partner_sku=f"B-{product.slug}", price=Decimal(rng.randint(100, 2500)) / 100,
            price_currency="EUR", num_in_stock=rng.randint(0, 200),
        ))
    StockRecord.objects.bulk_create(records, batch_size=1000)
    return len(records)


@transaction.atomic
def clear() -> None:
    bench_producers = Producer.objects.filter(slug__startswith="bench-producer-")
    partner_ids = list(bench_producers.values_list("partner_id", flat=True))
    StockRecord.objects.filter(partner_id__in=partner_ids).delete()
    Product.objects.filter(slug__startswith="bench-").delete()
    Producer.objects.filter(slug__startswith="bench-producer-").delete()
    Partner.objects.filter(id__in=partner_ids).delete()
