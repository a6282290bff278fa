"""Oscar's order, forked so an order carries its cycle, how it is fulfilled and paid, and
per line the price breakdown it was charged (the snapshot every later figure sums)."""

from decimal import Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _
from oscar.apps.order.abstract_models import AbstractLine, AbstractOrder

from producers.models import validate_company_number, validate_vat_number

MONEY = {"max_digits": 12, "decimal_places": 2, "default": Decimal("0.00")}


class Order(AbstractOrder):
    class Fulfilment(models.TextChoices):
        PICKUP = "pickup", _("Pickup")
        DELIVERY = "delivery", _("Delivery")

    cycle = models.ForeignKey(
        "hubs.OrderCycle",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="orders",
        verbose_name=_("order cycle"),
    )
    fulfilment = models.CharField(
        _("fulfilment"), max_length=10, choices=Fulfilment.choices, blank=True
    )
    pickup_window = models.ForeignKey(
        "hubs.CycleWindow",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="orders",
        verbose_name=_("pickup or delivery window"),
    )
    delivery_zone = models.ForeignKey(
        "hubs.DeliveryZone",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="orders",
        verbose_name=_("delivery zone"),
    )
    payment_method = models.ForeignKey(
        "hubs.PaymentMethod",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="orders",
        verbose_name=_("payment method"),
    )
    payment_method_name = models.CharField(_("payment method"), max_length=120, blank=True)
    payment_reference = models.CharField(_("payment reference"), max_length=64, blank=True)
    payment_instructions = models.TextField(_("payment instructions"), blank=True)
    customer_name = models.CharField(_("name"), max_length=120, blank=True)
    contact_phone = models.CharField(_("phone"), max_length=30, blank=True)
    delivery_address = models.TextField(_("delivery address"), max_length=300, blank=True)
    delivery_postcode = models.CharField(_("delivery postcode"), max_length=12, blank=True)
    customer_note = models.CharField(_("note to the hub"), max_length=500, blank=True)
    # Per-order fees and delivery as charged: [{name, code, excl_tax, vat_rate, tax, incl_tax}].
    fees_breakdown = models.JSONField(_("fees as charged"), default=list, blank=True)
    language = models.CharField(_("language"), max_length=10, blank=True)
    # A business customer (a company name given) gets a Factur-X invoice with these details.
    customer_company = models.CharField(_("company name"), max_length=200, blank=True)
    customer_company_number = models.CharField(
        _("SIREN / SIRET"), max_length=20, blank=True, validators=[validate_company_number]
    )
    customer_vat_number = models.CharField(
        _("VAT number"), max_length=20, blank=True, validators=[validate_vat_number]
    )
    customer_address = models.TextField(_("billing address"), max_length=300, blank=True)
    updated_at = models.DateTimeField(_("last changed"), auto_now=True)

    @property
    def is_business(self) -> bool:
        return bool(self.customer_company)


class Line(AbstractLine):
    # Named reverse relations (Oscar's default is `line`): producers' models must not be able
    # to follow a relation declared by orders without it showing (tests/foodhub/test_layers.py).
    stockrecord = models.ForeignKey(
        "partner.StockRecord", on_delete=models.SET_NULL, blank=True, null=True,
        verbose_name=_("Stock record"), related_name="order_lines",
    )
    product = models.ForeignKey(
        "catalogue.Product", on_delete=models.SET_NULL, blank=True, null=True,
        verbose_name=_("Product"), related_name="order_lines",
    )
    offer = models.ForeignKey(
        "hubs.CycleOffer",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="order_lines",
        verbose_name=_("cycle offer"),
    )
    # Per unit, as charged: producer price + markup + item fees + VAT = unit price incl. VAT.
    unit_producer_price = models.DecimalField(_("producer price per unit"), **MONEY)
    unit_markup = models.DecimalField(_("hub markup per unit"), **MONEY)
    unit_fees = models.DecimalField(_("fees per unit"), **MONEY)
    unit_tax = models.DecimalField(_("VAT per unit"), **MONEY)
    vat_rate = models.DecimalField(
        _("VAT rate of the goods"), max_digits=5, decimal_places=2, default=Decimal("0")
    )
    price_breakdown = models.JSONField(_("price breakdown"), default=dict, blank=True)


from oscar.apps.order.models import *  # noqa: E402,F403 - Oscar's fork pattern
