"""Clean the product descriptions stored before descriptions went through the allow-list
(producers.descriptions): scripts, event handlers and `javascript:` links are removed, plain
text is left as it is."""

from django.db import migrations

BATCH = 500


def clean_descriptions(apps, schema_editor):
    from producers.descriptions import clean_description, is_rich_text

    Product = apps.get_model("catalogue", "Product")
    changed = []
    rows = Product.objects.exclude(description="").only("id", "description").iterator(BATCH)
    for product in rows:
        if not is_rich_text(product.description):
            continue
        cleaned = clean_description(product.description)
        if cleaned != product.description:
            product.description = cleaned
            changed.append(product)
        if len(changed) >= BATCH:
            Product.objects.bulk_update(changed, ["description"])
            changed = []
    Product.objects.bulk_update(changed, ["description"])


class Migration(migrations.Migration):

    dependencies = [
        ("catalogue", "0034_foodhub_product_stock_fields"),
    ]

    operations = [
        migrations.RunPython(clean_descriptions, migrations.RunPython.noop, elidable=True),
    ]
