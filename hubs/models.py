import datetime as dt
import re
import unicodedata
import zoneinfo
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from pycountry import currencies
from schwifty import IBAN
from schwifty.exceptions import SchwiftyException

from producers.models import validate_company_number, validate_vat_number
from teams.models import Invitation, Membership
from teams.roles import Role

MONEY = {"max_digits": 12, "decimal_places": 2}
NON_NEGATIVE = [MinValueValidator(Decimal("0"))]

HUB_MANAGERS_GROUP = "Hub managers"


def validate_time_zone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(_("%(value)s is not a known time zone."), params={"value": value})


# ISO 4217 codes that are not money a shop can price in: funds, precious metals, accounting
# units, the testing code and "no currency".
NOT_CURRENCIES = frozenset({
    "BOV", "CHE", "CHW", "CLF", "COU", "MXV", "USN", "UYI", "UYW",
    "XAG", "XAU", "XPD", "XPT",
    "XAD", "XBA", "XBB", "XBC", "XBD", "XDR", "XSU", "XUA",
    "XTS", "XXX",
})


def validate_currency(value: str) -> None:
    """A real currency's ISO 4217 code (EUR, CHF, XOF), as pycountry lists them."""
    if not (len(value) == 3 and value.isupper() and value not in NOT_CURRENCIES
            and currencies.get(alpha_3=value)):
        raise ValidationError(
            _("%(value)s is not a currency code: use the three capital letters of ISO 4217, "
              "e.g. EUR."),
            params={"value": value},
        )


def validate_iban(value: str) -> None:
    """An IBAN with a correct checksum and bank code, checked by schwifty."""
    try:
        IBAN(value)
    except (SchwiftyException, ValueError):
        raise ValidationError(
            _("%(value)s is not a valid IBAN."), params={"value": value}
        ) from None


def validate_hub_address(slug: str) -> None:
    """A new hub's storefront lives at /<slug>/: refuse a slug one of the site's own pages
    answers at (/hub/, /shop/, /cms/...), which would hide the storefront."""
    from django.urls import Resolver404, resolve

    try:
        match = resolve(f"/{slug}/")
    except Resolver404:
        return
    if match.url_name != "wagtail_serve":
        raise ValidationError(
            {"slug": _("/%(slug)s/ is already an address of the site: choose another slug.")
             % {"slug": slug}}
        )


class Hub(models.Model):
    """A local food hub that runs order cycles for shoppers."""

    name = models.CharField(_("name"), max_length=120)
    slug = models.SlugField(_("slug"), max_length=120, unique=True)
    description = models.TextField(_("description"), blank=True)
    city = models.CharField(_("city"), max_length=80, blank=True)
    time_zone = models.CharField(
        _("time zone"), max_length=64, default="Europe/Paris", validators=[validate_time_zone]
    )
    currency = models.CharField(
        _("currency"), max_length=3, default="EUR", validators=[validate_currency]
    )
    language = models.CharField(
        _("language"), max_length=8, choices=settings.LANGUAGES, default="fr"
    )
    is_visible = models.BooleanField(_("publicly visible"), default=True)
    logo = models.ImageField(_("logo"), upload_to="hubs/logos/", blank=True)
    street = models.CharField(_("street address"), max_length=200, blank=True)
    postcode = models.CharField(_("postcode"), max_length=12, blank=True)
    contact_email = models.EmailField(_("contact e-mail"), blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    legal_name = models.CharField(_("legal name"), max_length=200, blank=True)
    company_number = models.CharField(
        _("SIRET / SIREN"), max_length=20, blank=True, validators=[validate_company_number]
    )
    vat_number = models.CharField(
        _("VAT number"), max_length=20, blank=True, validators=[validate_vat_number]
    )
    registered_address = models.TextField(_("registered address"), blank=True)
    # Invoicing: numbers read `<prefix>-<year>-<000123>`; the prefix is fixed once invoices exist.
    invoice_prefix = models.CharField(
        _("invoice number prefix"), max_length=10, blank=True,
        validators=[RegexValidator(r"^[A-Z0-9]{1,10}$", _(
            "Use 1 to 10 capital letters or digits."))],
        help_text=_("For example LPB gives LPB-2026-000123. Left empty, it is made from the "
                    "hub's name."),
    )
    email_invoices = models.BooleanField(
        _("e-mail invoices to shoppers"), default=True,
        help_text=_("Attach each shopper's invoice to an e-mail when the cycle is processed."),
    )
    payment_terms_days = models.PositiveSmallIntegerField(
        _("payment terms for business customers (days)"), default=0,
        validators=[MaxValueValidator(60)],
        help_text=_("0 means payable on receipt. French law caps terms at 60 days."),
    )
    guest_checkout = models.BooleanField(
        _("guest checkout allowed"), default=False,
        help_text=_("Untick to require shoppers to log in before ordering."),
    )
    order_changes_allowed = models.BooleanField(
        _("orders can be changed while the cycle is open"), default=True
    )
    minimum_order = models.DecimalField(
        _("minimum order amount"), default=Decimal("0"), validators=NON_NEGATIVE, **MONEY
    )
    managers = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="HubMembership", related_name="hubs"
    )
    producers = models.ManyToManyField(
        "producers.Producer", through="HubProducer", related_name="hubs"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("hub")
        verbose_name_plural = _("hubs")

    def __str__(self) -> str:
        return self.name

    @property
    def tz(self) -> zoneinfo.ZoneInfo:
        """The hub's time zone: every date a hub's documents print is local to it."""
        return zoneinfo.ZoneInfo(self.time_zone)

    @property
    def invoice_number_prefix(self) -> str:
        """The prefix invoice numbers use: the chosen one, else the initials of the name."""
        if self.invoice_prefix:
            return self.invoice_prefix
        words = [w for w in re.split(r"[^0-9A-Za-z]+", _ascii(self.name)) if w]
        initials = "".join(w[0] for w in words if len(w) > 2 or w[0].isupper()).upper()
        return (initials or "INV")[:10]


def _ascii(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()


class HubMembership(Membership):
    """A user's role in a hub's team of managers (see teams.models.Membership)."""

    team_field = "hub"
    role_group = HUB_MANAGERS_GROUP
    platform_role = Role.HUB_MANAGER

    hub = models.ForeignKey(Hub, on_delete=models.CASCADE, related_name="memberships")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["hub", "user"], name="unique_hub_member")]
        verbose_name = _("hub membership")
        verbose_name_plural = _("hub memberships")


class HubProducer(models.Model):
    """A producer supplying a hub: invited by the hub or requested by the producer, accepted by
    the other side, ended by either. Only active links let a hub offer the producer's goods."""

    class Status(models.TextChoices):
        INVITED = "invited", _("Invited by the hub")
        REQUESTED = "requested", _("Requested by the producer")
        ACTIVE = "active", _("Active")
        ENDED = "ended", _("Ended")

    hub = models.ForeignKey(Hub, on_delete=models.CASCADE, related_name="supplier_links")
    producer = models.ForeignKey(
        "producers.Producer", on_delete=models.CASCADE, related_name="hub_links"
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.ACTIVE
    )
    created_at = models.DateTimeField(auto_now_add=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["hub", "producer"], name="unique_hub_producer")
        ]
        verbose_name = _("hub supplier")
        verbose_name_plural = _("hub suppliers")

    def __str__(self) -> str:
        return f"{self.producer} → {self.hub}"


class PickupPoint(models.Model):
    hub = models.ForeignKey(Hub, on_delete=models.CASCADE, related_name="pickup_points")
    name = models.CharField(_("name"), max_length=120)
    address = models.TextField(_("address"))
    opening_hours = models.CharField(_("opening hours"), max_length=200, blank=True)
    instructions = models.TextField(_("instructions"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class DeliveryZone(models.Model):
    """Where a hub delivers: postcodes ("75011, 75020") or prefixes ("93*"), a fee, a minimum."""

    hub = models.ForeignKey(Hub, on_delete=models.CASCADE, related_name="delivery_zones")
    name = models.CharField(_("name"), max_length=120)
    postcodes = models.TextField(
        _("postcodes"), help_text=_("Comma-separated postcodes or prefixes ending in *.")
    )
    fee = models.DecimalField(_("delivery fee"), validators=NON_NEGATIVE, **MONEY)
    fee_vat_rate = models.DecimalField(
        _("VAT rate of the fee (%)"), max_digits=5, decimal_places=2, default=Decimal("20"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
    )
    minimum_order = models.DecimalField(
        _("minimum order"), default=Decimal("0"), validators=NON_NEGATIVE, **MONEY
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def patterns(self) -> list[str]:
        return [p.strip().upper() for p in self.postcodes.split(",") if p.strip()]

    def covers(self, postcode: str) -> bool:
        code = postcode.replace(" ", "").upper()
        return any(
            code.startswith(p[:-1]) if p.endswith("*") else code == p for p in self.patterns()
        )

    def clean(self) -> None:
        if not self.patterns():
            raise ValidationError({"postcodes": _("Give at least one postcode or prefix.")})


class PaymentMethod(models.Model):
    """How shoppers pay a hub. Online providers will be further kinds."""

    class Kind(models.TextChoices):
        AT_PICKUP = "at_pickup", _("Pay at pickup (cash, cheque or card on site)")
        BANK_TRANSFER = "bank_transfer", _("Bank transfer")

    hub = models.ForeignKey(Hub, on_delete=models.CASCADE, related_name="payment_methods")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    name = models.CharField(_("name shown to shoppers"), max_length=120)
    instructions = models.TextField(_("instructions"), blank=True)
    iban = models.CharField(_("IBAN"), max_length=42, blank=True, validators=[validate_iban])
    bic = models.CharField(_("BIC"), max_length=11, blank=True)
    reference_pattern = models.CharField(
        _("transfer reference"), max_length=60, blank=True, default="FH-{order_number}",
        help_text=_("What shoppers write as the transfer reference; {order_number} is replaced."),
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["kind", "name"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.kind == self.Kind.BANK_TRANSFER and not self.iban:
            raise ValidationError({"iban": _("A bank transfer needs the hub's IBAN.")})
        if self.iban:
            iban = IBAN(self.iban, allow_invalid=True)
            self.iban = iban.compact
            if not self.bic and iban.bic:
                self.bic = str(iban.bic)
        if self.reference_pattern and "{order_number}" not in self.reference_pattern:
            raise ValidationError(
                {"reference_pattern": _("The reference must contain {order_number}.")}
            )


class CycleStatus(models.TextChoices):
    """The one status of an order cycle. Only `draft` and `processed` are facts stored as
    times (`published_at`, `processed_at`); `upcoming`, `open` and `closed` follow the clock and
    the close claim, so the storefront is right even if no worker ran."""

    DRAFT = "draft", _("Draft")
    UPCOMING = "upcoming", _("Upcoming")
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")
    PROCESSED = "processed", _("Processed")


# Cycles are bounded so that clone shifts and date arithmetic never overflow.
CYCLE_YEARS = (2000, 2100)
CYCLE_MAX_LENGTH = dt.timedelta(days=366)


def _out_of_cycle_years(instance, *names: str) -> dict:
    """{field: message} for the dates of `instance` outside CYCLE_YEARS."""
    message = _("Choose a date between %(start)s and %(end)s.") % {
        "start": CYCLE_YEARS[0], "end": CYCLE_YEARS[1] - 1}
    return {
        name: message for name in names
        if (value := getattr(instance, name)) and not CYCLE_YEARS[0] <= value.year < CYCLE_YEARS[1]
    }


def cycle_status(*, published_at, processed_at, close_handled_at, opens_at, closes_at,
                 now: dt.datetime) -> CycleStatus:
    """Derive a cycle's status. `OrderCycleQuerySet.with_status` is its SQL twin; a test
    checks that both agree on every status."""
    if published_at is None:
        return CycleStatus.DRAFT
    if processed_at is not None:
        return CycleStatus.PROCESSED
    if close_handled_at is not None or closes_at <= now:
        return CycleStatus.CLOSED
    if opens_at > now:
        return CycleStatus.UPCOMING
    return CycleStatus.OPEN


class OrderCycleQuerySet(models.QuerySet):
    def with_status(self, *, now: dt.datetime | None = None):
        """Annotate `status_db` with the status `cycle_status` derives, in SQL."""
        now = now or timezone.now()
        return self.annotate(status_db=models.Case(
            models.When(published_at__isnull=True, then=models.Value(CycleStatus.DRAFT)),
            models.When(processed_at__isnull=False, then=models.Value(CycleStatus.PROCESSED)),
            models.When(models.Q(close_handled_at__isnull=False) | models.Q(closes_at__lte=now),
                        then=models.Value(CycleStatus.CLOSED)),
            models.When(opens_at__gt=now, then=models.Value(CycleStatus.UPCOMING)),
            default=models.Value(CycleStatus.OPEN),
            output_field=models.CharField(max_length=10),
        ))

    def in_status(self, *statuses: str, now: dt.datetime | None = None):
        """Cycles whose derived status is one of `statuses` (a plain WHERE, index-friendly)."""
        now = now or timezone.now()
        published = models.Q(published_at__isnull=False, processed_at__isnull=True)
        conditions = {
            CycleStatus.DRAFT: models.Q(published_at__isnull=True),
            CycleStatus.PROCESSED: models.Q(published_at__isnull=False,
                                            processed_at__isnull=False),
            CycleStatus.CLOSED: published & (models.Q(close_handled_at__isnull=False)
                                             | models.Q(closes_at__lte=now)),
            CycleStatus.UPCOMING: published & models.Q(
                close_handled_at__isnull=True, closes_at__gt=now, opens_at__gt=now),
            CycleStatus.OPEN: published & models.Q(
                close_handled_at__isnull=True, closes_at__gt=now, opens_at__lte=now),
        }
        condition = models.Q(pk__in=[])
        for status in statuses:
            condition |= conditions[CycleStatus(status)]
        return self.filter(condition)


class OrderCycle(models.Model):
    """One market: drafted, published (upcoming, open, closed by the clock), processed.

    Every write of `published_at`, `opens_at`, `closes_at`, `close_handled_at`,
    `opening_notified_at` and `processed_at` goes through `hubs.transitions`."""

    hub = models.ForeignKey(Hub, on_delete=models.CASCADE, related_name="order_cycles")
    name = models.CharField(_("name"), max_length=120)
    opens_at = models.DateTimeField(_("opens at"))
    closes_at = models.DateTimeField(_("closes at"))
    markup_percent = models.DecimalField(
        _("hub markup (%)"), max_digits=6, decimal_places=2, default=Decimal("0"),
        validators=NON_NEGATIVE,
    )
    note_to_producers = models.TextField(_("note to producers"), blank=True)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    # Set once by the conditional UPDATE that claims the close (exactly-once side effects).
    close_handled_at = models.DateTimeField(null=True, blank=True)
    processed_at = models.DateTimeField(_("processed at"), null=True, blank=True)
    opening_notified_at = models.DateTimeField(null=True, blank=True)
    cloned_from = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="clones"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = OrderCycleQuerySet.as_manager()

    class Meta:
        ordering = ["-opens_at", "id"]
        indexes = [
            models.Index(fields=["closes_at", "close_handled_at"], name="hubs_cycle_due_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(closes_at__gt=models.F("opens_at")),
                name="order_cycle_closes_after_opening",
            ),
            models.CheckConstraint(
                condition=models.Q(processed_at__isnull=True)
                | models.Q(published_at__isnull=False, close_handled_at__isnull=False),
                name="order_cycle_processed_after_close",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.hub}: {self.name}"

    def status_at(self, now: dt.datetime) -> CycleStatus:
        return cycle_status(
            published_at=self.published_at, processed_at=self.processed_at,
            close_handled_at=self.close_handled_at, opens_at=self.opens_at,
            closes_at=self.closes_at, now=now,
        )

    @property
    def status(self) -> CycleStatus:
        return self.status_at(timezone.now())

    @property
    def status_label(self) -> str:
        return self.status.label

    @property
    def is_locked(self) -> bool:
        """Closed (or claimed for closing) or processed: nothing in it can change."""
        return self.status in (CycleStatus.CLOSED, CycleStatus.PROCESSED)

    def clean(self) -> None:
        errors = _out_of_cycle_years(self, "opens_at", "closes_at")
        if not errors and self.opens_at and self.closes_at:
            if self.closes_at <= self.opens_at:
                errors["closes_at"] = _("The cycle must close after it opens.")
            elif self.closes_at - self.opens_at > CYCLE_MAX_LENGTH:
                errors["closes_at"] = _("A cycle cannot stay open longer than a year.")
        if errors:
            raise ValidationError(errors)


class CycleWindow(models.Model):
    """When and where shoppers collect (a pickup point) or receive (a delivery zone)."""

    cycle = models.ForeignKey(OrderCycle, on_delete=models.CASCADE, related_name="windows")
    pickup_point = models.ForeignKey(
        PickupPoint, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    delivery_zone = models.ForeignKey(
        DeliveryZone, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    date = models.DateField(_("date"))
    start_time = models.TimeField(_("from"))
    end_time = models.TimeField(_("until"))
    instructions = models.TextField(_("instructions"), blank=True)

    class Meta:
        ordering = ["date", "start_time"]

    def __str__(self) -> str:
        place = self.pickup_point or self.delivery_zone
        return f"{place} {self.date} {self.start_time}-{self.end_time}"

    def clean(self) -> None:
        if errors := _out_of_cycle_years(self, "date"):  # a clone shifts it by days
            raise ValidationError(errors)
        if bool(self.pickup_point_id) == bool(self.delivery_zone_id):
            raise ValidationError(_("Choose either a pickup point or a delivery zone."))
        if self.start_time and self.end_time and self.end_time <= self.start_time:
            raise ValidationError({"end_time": _("The window must end after it starts.")})


class CycleSupplier(models.Model):
    """A producer taking part in a cycle, with its drop-off at the hub and its markup."""

    cycle = models.ForeignKey(OrderCycle, on_delete=models.CASCADE, related_name="suppliers")
    producer = models.ForeignKey(
        "producers.Producer", on_delete=models.PROTECT, related_name="cycle_supplies"
    )
    dropoff_date = models.DateField(_("drop-off date"), null=True, blank=True)
    dropoff_time = models.TimeField(_("drop-off time"), null=True, blank=True)
    dropoff_place = models.CharField(_("drop-off place"), max_length=200, blank=True)
    dropoff_instructions = models.TextField(_("drop-off instructions"), blank=True)
    markup_percent = models.DecimalField(
        _("markup override (%)"), max_digits=6, decimal_places=2, null=True, blank=True,
        validators=NON_NEGATIVE,
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["cycle", "producer"], name="unique_cycle_supplier")
        ]

    def __str__(self) -> str:
        return f"{self.producer} in {self.cycle}"

    def clean(self) -> None:
        if errors := _out_of_cycle_years(self, "dropoff_date"):  # a clone shifts it by days
            raise ValidationError(errors)


class CycleOffer(models.Model):
    """A variant offered in a cycle, with its cap and price rules."""

    cycle = models.ForeignKey(OrderCycle, on_delete=models.CASCADE, related_name="offers")
    supplier = models.ForeignKey(CycleSupplier, on_delete=models.CASCADE, related_name="offers")
    stockrecord = models.ForeignKey(
        "partner.StockRecord", on_delete=models.PROTECT, related_name="cycle_offers"
    )
    cap = models.PositiveIntegerField(
        _("maximum quantity in this cycle"), null=True, blank=True
    )
    # Units ordered in this cycle, kept by `hubs.services.offer_allocate` with a conditional
    # UPDATE so the cap holds under concurrent orders.
    num_allocated = models.PositiveIntegerField(_("ordered in this cycle"), default=0)
    markup_percent = models.DecimalField(
        _("markup override (%)"), max_digits=6, decimal_places=2, null=True, blank=True,
        validators=NON_NEGATIVE,
    )
    hub_price = models.DecimalField(
        _("hub price excl. VAT (override)"), null=True, blank=True, validators=NON_NEGATIVE,
        **MONEY,
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["cycle", "stockrecord"], name="unique_cycle_offer")
        ]

    def __str__(self) -> str:
        return f"{self.stockrecord.partner_sku} in {self.cycle}"


class CycleFee(models.Model):
    """A fee the hub adds: per item (percentage or flat) or per order (packing, delivery)."""

    class Kind(models.TextChoices):
        PER_ITEM_PERCENT = "item_percent", _("Per item, percentage of the producer price")
        PER_ITEM_FLAT = "item_flat", _("Per item, flat amount")
        PER_ORDER_FLAT = "order_flat", _("Per order, flat amount")

    cycle = models.ForeignKey(OrderCycle, on_delete=models.CASCADE, related_name="fees")
    name = models.CharField(_("name"), max_length=80)
    kind = models.CharField(_("type"), max_length=15, choices=Kind.choices)
    amount = models.DecimalField(
        _("amount (% or EUR excl. VAT)"), validators=NON_NEGATIVE, **MONEY
    )
    vat_rate = models.DecimalField(
        _("VAT rate (%)"), max_digits=5, decimal_places=2, default=Decimal("20"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
    )
    delivery_zone = models.ForeignKey(
        DeliveryZone, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        help_text=_("Per-order fees only: charge it for deliveries to this zone."),
    )

    class Meta:
        ordering = ["kind", "name"]

    def __str__(self) -> str:
        return self.name


class HubInvitation(Invitation):
    """An invitation to manage a hub (see teams.models.Invitation)."""

    team_field = "hub"
    accept_url_name = "hubs:invitation-accept"
    email_template = "hubs/email/manager_invitation"

    hub = models.ForeignKey(Hub, on_delete=models.CASCADE, related_name="invitations")

    class Meta(Invitation.Meta):
        pass
