"""Bench data: generated catalogues and product files, through the real services.

- generate(producers=50, products_per_producer=100): producers "bench-producer-<n>" whose
  catalogues are written by `catalogue_upsert` (two variants per product).
- write_import_csv(path, rows=10_000, producer_slug=...): an OFN product file of that many rows.
"""

from __future__ import annotations

import random
from decimal import Decimal
from pathlib import Path

from django.db import transaction
from oscar.core.loading import get_model

from producers.catalogue_services import catalogue_upsert
from producers.importing import COLUMNS, ImportRow
from producers.models import Producer
from producers.services import producer_create
from producers.spreadsheets import csv_lines

Category = get_model("catalogue", "Category")
Partner = get_model("partner", "Partner")
Product = get_model("catalogue", "Product")
StockRecord = get_model("partner", "StockRecord")

WORDS = ["Carrots", "Leeks", "Apples", "Honey", "Cheese", "Bread", "Cider", "Beans", "Kale",
         "Pears", "Butter", "Eggs", "Lamb", "Flour", "Plums", "Squash", "Garlic", "Onions"]
UNITS = [("weight", 500, "g"), ("weight", 1000, "g"), ("volume", 750, "ml"), ("items", 6, "")]
CATEGORIES = ["Vegetables", "Fruit", "Pantry", "Bakery", "Dairy & eggs"]


def _rows(producer: Producer, count: int, rng: random.Random, categories: dict) -> list:
    rows = []
    for index in range(count):
        unit_type, value, _code = rng.choice(UNITS)
        rows.append(ImportRow(
            row=index + 2, producer_id=producer.id, sku=f"B{producer.id}-{index:05d}",
            name=f"{rng.choice(WORDS)} {index // 2}", display_name="",
            category_id=categories[rng.choice(CATEGORIES)], description="Generated.",
            unit_type=unit_type, unit_value=Decimal(value),
            unit_label="box" if unit_type == "items" else "", price=Decimal(rng.randint(100, 2500))
            / 100, on_hand=rng.randint(0, 200), on_demand=False, available_on=None,
            shipping_category="", vat_rate=None,
        ))
    return rows


@transaction.atomic
def generate(*, producers: int = 50, products_per_producer: int = 100, seed: int = 42) -> int:
    """Create the bench catalogue (idempotent: existing bench producers are replaced)."""
    rng = random.Random(seed)
    clear()
    categories = dict(Category.objects.filter(depth=1).values_list("name", "id"))
    total = 0
    for n in range(producers):
        producer = producer_create(name=f"Bench Producer {n}", slug=f"bench-producer-{n}",
                                   city="Benchville")
        rows = _rows(producer, products_per_producer, rng, categories)
        catalogue_upsert(rows=rows, producers={producer.id: producer})
        total += len(rows)
    return total


@transaction.atomic
def clear() -> None:
    bench_producers = Producer.objects.filter(slug__startswith="bench-producer-")
    partner_ids = list(bench_producers.values_list("partner_id", flat=True))
    variants = Product.objects.filter(stockrecords__partner_id__in=partner_ids)
    parent_ids = list(variants.values_list("parent_id", flat=True))
    variant_ids = list(variants.values_list("id", flat=True))
    StockRecord.objects.filter(partner_id__in=partner_ids).delete()
    Product.objects.filter(id__in=variant_ids).delete()
    Product.objects.filter(id__in=parent_ids).delete()
    bench_producers.delete()
    Partner.objects.filter(id__in=partner_ids).delete()


def write_import_csv(path: Path, *, rows: int = 10_000, producer_slug: str, seed: int = 7) -> None:
    """An Open Food Network product file with `rows` variants (two per product)."""
    rng = random.Random(seed)

    def lines():
        yield COLUMNS
        for index in range(rows):
            _unit_type, value, code = rng.choice(UNITS)
            yield [
                producer_slug, f"IMP-{index:06d}", f"{rng.choice(WORDS)} {index // 2}", "",
                rng.choice(CATEGORIES), "Imported.", value, code, "box" if not code else "",
                f"{rng.randint(100, 2500) / 100:.2f}".replace(".", ","), rng.randint(0, 200),
                "", "0", "", "",
            ]

    with open(path, "w", newline="", encoding="utf-8") as handle:
        handle.writelines(csv_lines(lines()))
