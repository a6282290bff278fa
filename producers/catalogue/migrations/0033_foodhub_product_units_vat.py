from decimal import Decimal

import django.core.validators
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("catalogue", "0032_category_exclude_from_menu_category_long_description"),
    ]

    operations = [
        migrations.AddField(
            model_name="product",
            name="unit_type",
            field=models.CharField(
                choices=[("weight", "Weight"), ("volume", "Volume"), ("items", "Items")],
                default="items",
                max_length=10,
                verbose_name="unit type",
            ),
        ),
        migrations.AddField(
            model_name="product",
            name="unit_value",
            field=models.DecimalField(
                decimal_places=3,
                default=Decimal("1"),
                max_digits=10,
                validators=[django.core.validators.MinValueValidator(Decimal("0.001"))],
                verbose_name="unit value",
            ),
        ),
        migrations.AddField(
            model_name="product",
            name="unit_label",
            field=models.CharField(blank=True, max_length=40, verbose_name="unit label"),
        ),
        migrations.AddField(
            model_name="product",
            name="vat_rate",
            field=models.DecimalField(
                blank=True,
                decimal_places=2,
                help_text="Blank on a variant means the parent product's rate.",
                max_digits=5,
                null=True,
                verbose_name="VAT rate (%)",
            ),
        ),
    ]
