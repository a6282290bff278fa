from django.db import migrations
from django.utils.text import slugify

ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def _path(number: int) -> str:
    # treebeard's materialised path for a root node: base 36, four characters.
    digits = ""
    while True:
        number, rest = divmod(number, 36)
        digits = ALPHABET[rest] + digits
        if not number:
            return digits.rjust(4, "0")


def seed(apps, schema_editor):
    from producers.taxonomy import FOOD_TAXONOMY, TAX_CATEGORIES

    Category = apps.get_model("catalogue", "Category")
    TaxCategory = apps.get_model("producers", "TaxCategory")
    for name, rate in TAX_CATEGORIES:
        TaxCategory.objects.get_or_create(name=name, defaults={"rate": rate})
    roots = list(Category.objects.filter(depth=1).order_by("path"))
    last = max((int(root.path, 36) for root in roots), default=0)
    for name, name_fr, rate in FOOD_TAXONOMY:
        category = Category.objects.filter(depth=1, name=name).first()
        if category is None:
            last += 1
            category = Category(
                path=_path(last), depth=1, numchild=0, name=name, slug=slugify(name),
                is_public=True, ancestors_are_public=True,
            )
        category.name_fr = name_fr
        category.default_vat_rate = rate
        category.save()


class Migration(migrations.Migration):
    dependencies = [
        ("producers", "0003_producer_profile_imports_stock_history"),
        ("catalogue", "0034_foodhub_product_stock_fields"),
    ]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
