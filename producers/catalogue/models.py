from decimal import Decimal

from django.core.validators import MinValueValidator
from django.db import models
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from oscar.apps.catalogue.abstract_models import AbstractCategory, AbstractProduct


class UnitType(models.TextChoices):
    WEIGHT = "weight", _("Weight")
    VOLUME = "volume", _("Volume")
    ITEMS = "items", _("Items")


class Product(AbstractProduct):
    """An Oscar product with the sale unit ("500 g", "bunch") and the VAT rate the buyer pays."""

    unit_type = models.CharField(
        _("unit type"), max_length=10, choices=UnitType.choices, default=UnitType.ITEMS
    )
    # Grams for weight, millilitres for volume, a count for items.
    unit_value = models.DecimalField(
        _("unit value"),
        max_digits=10,
        decimal_places=3,
        default=Decimal("1"),
        validators=[MinValueValidator(Decimal("0.001"))],
    )
    unit_label = models.CharField(_("unit label"), max_length=40, blank=True)
    vat_rate = models.DecimalField(
        _("VAT rate (%)"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("Blank on a variant means the parent product's rate."),
    )

    on_demand = models.BooleanField(
        _("on demand"), default=False, help_text=_("Always available: made or picked to order.")
    )
    available_on = models.DateField(_("available from"), null=True, blank=True)
    shipping_category = models.CharField(_("shipping category"), max_length=100, blank=True)
    archived_at = models.DateTimeField(_("archived"), null=True, blank=True)

    def get_vat_rate(self) -> Decimal:
        """The VAT rate in percent, inherited from the parent for variants."""
        if self.vat_rate is not None:
            return self.vat_rate
        if self.parent_id and self.parent.vat_rate is not None:
            return self.parent.vat_rate
        return Decimal("0")

    def get_title(self) -> str:
        """What a shopper reads on a basket or order line: "Carrots – 1 kg" for a variant
        (a variant's own title is only its unit)."""
        title = super().get_title()
        if self.is_child and self.parent_id and self.title and self.title != self.parent.title:
            return f"{self.parent.title} – {self.title}"
        return title


class Category(AbstractCategory):
    """Oscar's category with a French name and the VAT rate its products use by default."""

    name_fr = models.CharField(_("French name"), max_length=255, blank=True)
    default_vat_rate = models.DecimalField(
        _("default VAT rate (%)"), max_digits=5, decimal_places=2, default=Decimal("5.5")
    )

    @property
    def local_name(self) -> str:
        """The name in the active language: the French name when French is active."""
        if self.name_fr and (translation.get_language() or "").startswith("fr"):
            return self.name_fr
        return self.name

    def __str__(self) -> str:
        # Form choices and lists show top-level categories (the food taxonomy) localised.
        return self.local_name if self.depth == 1 else super().__str__()


from oscar.apps.catalogue.models import *  # noqa: E402, F403 - must follow our Product (Oscar's rule)
