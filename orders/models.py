"""What closing a cycle produces: invoices and credit notes (numbered per hub, gapless,
immutable), purchase orders per producer, the processing progress, bulk invoice files, the
pickup checklist, and a shopper's business details.

Oscar's order and basket models live in the forks (orders/order, orders/basket).
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from producers.models import validate_company_number, validate_vat_number
from producers.private_files import RandomName, private_storage

MONEY = {"max_digits": 14, "decimal_places": 2, "default": Decimal("0.00")}


class InvoiceCounter(models.Model):
    """The last number a hub gave in a year. Its row is locked (`select_for_update`) in the
    transaction that creates an invoice, so a number is used only by an invoice that commits:
    the sequence has no gap and no duplicate, whatever runs at the same time."""

    hub = models.ForeignKey("hubs.Hub", on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField()
    last_number = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["hub", "year"], name="orders_invoicecounter_hub_year"),
        ]

    def __str__(self) -> str:
        return f"{self.hub_id}/{self.year}: {self.last_number}"


class InvoiceQuerySet(models.QuerySet):
    def update(self, **kwargs):
        frozen = set(kwargs) & Invoice.FROZEN
        if frozen:
            raise ValidationError(_("An issued invoice cannot be changed: issue a credit note."))
        return super().update(**kwargs)

    def delete(self):
        raise ValidationError(_("An issued invoice cannot be deleted: issue a credit note."))

    def purge_demo_data(self):
        """Delete these invoices: only for the demo, whose data is rebuilt on every run
        (orders.demo.clear); the product itself never deletes an invoice."""
        return super().delete()


class Invoice(models.Model):
    """An invoice or a credit note. Everything printed is in `data` (a snapshot taken at
    issue); the row is never edited afterwards (`save` and `update` refuse), only its PDF and
    e-mail marks are filled in."""

    class Kind(models.TextChoices):
        INVOICE = "invoice", _("Invoice")
        CREDIT_NOTE = "credit_note", _("Credit note")

    hub = models.ForeignKey("hubs.Hub", on_delete=models.PROTECT, related_name="+")
    cycle = models.ForeignKey("hubs.OrderCycle", on_delete=models.PROTECT, related_name="+")
    order = models.ForeignKey("order.Order", on_delete=models.PROTECT, related_name="invoices")
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices,
                            default=Kind.INVOICE)
    # The n-th invoice of this order (1 at close, 2 after a first correction...).
    revision = models.PositiveSmallIntegerField(default=1)
    corrects = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="credit_note",
        help_text=_("For a credit note: the invoice it cancels."),
    )
    year = models.PositiveSmallIntegerField()
    sequence = models.PositiveIntegerField()
    number = models.CharField(_("number"), max_length=32)
    issued_at = models.DateTimeField(_("issued at"))
    is_business = models.BooleanField(_("business customer"), default=False)
    customer_name = models.CharField(_("customer"), max_length=200)
    total_excl_tax = models.DecimalField(_("total excl. VAT"), **MONEY)
    total_tax = models.DecimalField(_("VAT"), **MONEY)
    total_incl_tax = models.DecimalField(_("total incl. VAT"), **MONEY)
    data = models.JSONField(_("snapshot"), default=dict)
    # Filled after issue (not part of the document's content).
    pdf = models.FileField(storage=private_storage, upload_to=RandomName("invoices"),
                           blank=True, max_length=200)
    pdf_rendered_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)

    FROZEN = frozenset({
        "hub", "hub_id", "cycle", "cycle_id", "order", "order_id", "kind", "revision",
        "corrects", "corrects_id", "year", "sequence", "number", "issued_at", "is_business",
        "customer_name", "total_excl_tax", "total_tax", "total_incl_tax", "data",
    })

    objects = InvoiceQuerySet.as_manager()

    class Meta:
        ordering = ["hub", "year", "sequence"]
        verbose_name = _("invoice")
        verbose_name_plural = _("invoices")
        constraints = [
            models.UniqueConstraint(fields=["hub", "year", "sequence"],
                                    name="orders_invoice_hub_year_sequence"),
            models.UniqueConstraint(fields=["hub", "number"], name="orders_invoice_hub_number"),
            models.UniqueConstraint(fields=["order", "kind", "revision"],
                                    name="orders_invoice_order_kind_revision"),
            models.CheckConstraint(
                condition=Q(kind="invoice", corrects__isnull=True)
                | Q(kind="credit_note", corrects__isnull=False),
                name="orders_invoice_credit_note_corrects",
            ),
        ]
        indexes = [models.Index(fields=["cycle", "kind"])]

    def __str__(self) -> str:
        return self.number

    def save(self, *args, **kwargs):
        if self.pk and not self._state.adding:
            fields = kwargs.get("update_fields")
            if fields is None or set(fields) & self.FROZEN:
                raise ValidationError(
                    _("An issued invoice cannot be changed: issue a credit note."))
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValidationError(_("An issued invoice cannot be deleted: issue a credit note."))

    @property
    def is_credit_note(self) -> bool:
        return self.kind == self.Kind.CREDIT_NOTE

    @property
    def filename(self) -> str:
        return f"{self.number}.pdf"


class CycleProcessing(models.Model):
    """Where the processing of a closed cycle stands: read by the cycle page's progress bar
    and the API. `done`/`total` count orders invoiced and producers sent a purchase order."""

    class State(models.TextChoices):
        PENDING = "pending", _("Waiting to start")
        RUNNING = "running", _("In progress")
        BLOCKED = "blocked", _("Waiting for the hub's legal details")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    cycle = models.OneToOneField("hubs.OrderCycle", on_delete=models.CASCADE,
                                 related_name="+")
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    message = models.TextField(blank=True)
    started_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    summary_sent_at = models.DateTimeField(null=True, blank=True)
    # The last "blocked" notice sent to the managers, so each is sent once.
    summary_note = models.CharField(max_length=300, blank=True)

    class Meta:
        verbose_name = _("cycle processing")

    def __str__(self) -> str:
        return f"{self.cycle_id}: {self.state} {self.done}/{self.total}"


class PurchaseOrder(models.Model):
    """What a producer brings for a cycle: a snapshot of the lines ordered, with PDF and CSV."""

    cycle = models.ForeignKey("hubs.OrderCycle", on_delete=models.PROTECT, related_name="+")
    producer = models.ForeignKey("producers.Producer", on_delete=models.PROTECT,
                                 related_name="+")
    number = models.CharField(_("number"), max_length=40)
    created_at = models.DateTimeField(_("created at"))
    total_quantity = models.PositiveIntegerField(default=0)
    total_producer_price = models.DecimalField(_("total to the producer"), **MONEY)
    data = models.JSONField(_("snapshot"), default=dict)
    pdf = models.FileField(storage=private_storage, upload_to=RandomName("purchase-orders"),
                           blank=True, max_length=200)
    csv = models.FileField(storage=private_storage, upload_to=RandomName("purchase-orders"),
                           blank=True, max_length=200)
    emailed_at = models.DateTimeField(null=True, blank=True)
    email_problem = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["cycle", "number"]
        verbose_name = _("purchase order")
        verbose_name_plural = _("purchase orders")
        constraints = [
            models.UniqueConstraint(fields=["cycle", "producer"],
                                    name="orders_purchaseorder_cycle_producer"),
        ]

    def __str__(self) -> str:
        return self.number


class InvoiceBundle(models.Model):
    """All of a cycle's invoices as one merged PDF or one ZIP, built by a Celery task."""

    class Format(models.TextChoices):
        PDF = "pdf", _("One PDF")
        ZIP = "zip", _("ZIP of PDFs")

    class State(models.TextChoices):
        PENDING = "pending", _("Waiting")
        RUNNING = "running", _("Building")
        DONE = "done", _("Ready")
        FAILED = "failed", _("Failed")

    cycle = models.ForeignKey("hubs.OrderCycle", on_delete=models.CASCADE, related_name="+")
    format = models.CharField(max_length=3, choices=Format.choices)
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    # The invoices included: a bundle is rebuilt when a cycle has invoices it lacks.
    invoice_count = models.PositiveIntegerField(default=0)
    file = models.FileField(storage=private_storage, upload_to=RandomName("invoice-bundles"),
                            blank=True, max_length=200)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                     null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    message = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.cycle_id}.{self.format}: {self.state}"


class OrderHandover(models.Model):
    """The pickup checklist: when an order was collected and paid, and who ticked it."""

    order = models.OneToOneField("order.Order", on_delete=models.CASCADE,
                                 related_name="handover")
    collected_at = models.DateTimeField(_("collected at"), null=True, blank=True)
    collected_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                     null=True, blank=True, related_name="+")
    paid_at = models.DateTimeField(_("paid at"), null=True, blank=True)
    paid_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                null=True, blank=True, related_name="+")

    def __str__(self) -> str:
        return f"handover of {self.order_id}"


class CustomerProfile(models.Model):
    """A shopper's business details, offered at checkout: a company name makes them a
    business customer, invoiced with Factur-X."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                related_name="customer_profile")
    company_name = models.CharField(_("company name"), max_length=200, blank=True)
    company_number = models.CharField(_("SIREN / SIRET"), max_length=20, blank=True,
                                      validators=[validate_company_number])
    vat_number = models.CharField(_("VAT number"), max_length=20, blank=True,
                                  validators=[validate_vat_number])
    billing_address = models.TextField(_("billing address"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("customer profile")

    def __str__(self) -> str:
        return self.company_name or str(self.user_id)
