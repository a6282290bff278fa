from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from pycountry import countries
from stdnum.eu import vat as eu_vat
from stdnum.exceptions import ValidationError as StdnumError
from stdnum.fr import siren, siret

from teams.models import Invitation, Membership
from teams.roles import Role

from .private_files import RandomName, private_storage

PRODUCER_MEMBERS_GROUP = "Producer members"


def validate_company_number(value: str) -> None:
    """A French SIRET (14 digits) or SIREN (9 digits), checked by python-stdnum."""
    compact = siret.compact(value)
    try:
        (siret if len(compact) == 14 else siren).validate(compact)
    except StdnumError:
        raise ValidationError(
            _("%(value)s is not a valid SIRET (14 digits) or SIREN (9 digits) number."),
            params={"value": value},
        ) from None


def validate_vat_number(value: str) -> None:
    """An EU VAT number with its country prefix (FR40303265045), checked by python-stdnum."""
    try:
        eu_vat.validate(value)
    except StdnumError:
        raise ValidationError(
            _("%(value)s is not a valid EU VAT number (e.g. FR40303265045)."),
            params={"value": value},
        ) from None


def validate_country(value: str) -> None:
    """A country's two-letter ISO 3166-1 code (FR, BE), as pycountry lists them."""
    if not (len(value) == 2 and value.isupper() and countries.get(alpha_2=value)):
        raise ValidationError(
            _("%(value)s is not a country code: use two capital letters, e.g. FR or BE."),
            params={"value": value},
        )


class Certification(models.TextChoices):
    ORGANIC = "organic", _("Organic (AB / EU organic)")
    NATURE_PROGRES = "nature_progres", _("Nature & Progrès")
    DEMETER = "demeter", _("Demeter (biodynamic)")
    HVE = "hve", _("High environmental value (HVE)")
    LABEL_ROUGE = "label_rouge", _("Label Rouge")
    AOP = "aop", _("Protected designation of origin (AOP)")


class Producer(models.Model):
    """A farm or maker selling through hubs; its Oscar partner holds its stock records."""

    name = models.CharField(_("name"), max_length=120)
    slug = models.SlugField(_("slug"), max_length=120, unique=True)
    description = models.TextField(_("description"), blank=True)
    practices = models.TextField(_("farming practices"), blank=True)
    certifications = models.JSONField(_("certifications"), default=list, blank=True)
    street = models.CharField(_("street address"), max_length=200, blank=True)
    postcode = models.CharField(_("postcode"), max_length=12, blank=True)
    city = models.CharField(_("city"), max_length=80, blank=True)
    country = models.CharField(
        _("country"), max_length=2, default="FR", validators=[validate_country],
        help_text=_("Two-letter ISO code, e.g. FR."),
    )
    latitude = models.DecimalField(
        _("latitude"), max_digits=9, decimal_places=6, null=True, blank=True,
        validators=[MinValueValidator(Decimal("-90")), MaxValueValidator(Decimal("90"))],
    )
    longitude = models.DecimalField(
        _("longitude"), max_digits=9, decimal_places=6, null=True, blank=True,
        validators=[MinValueValidator(Decimal("-180")), MaxValueValidator(Decimal("180"))],
    )
    contact_email = models.EmailField(_("contact e-mail"), blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    website = models.URLField(_("website"), blank=True)
    logo = models.ImageField(_("logo"), upload_to="producers/logos/", blank=True)
    legal_name = models.CharField(_("legal name"), max_length=200, blank=True)
    company_number = models.CharField(
        _("SIRET / SIREN"), max_length=20, blank=True, validators=[validate_company_number]
    )
    vat_number = models.CharField(
        _("VAT number"), max_length=20, blank=True, validators=[validate_vat_number]
    )
    vat_registered = models.BooleanField(
        _("registered for VAT"),
        default=True,
        help_text=_("Untick for a producer under the French VAT exemption (franchise en base)."),
    )
    is_visible = models.BooleanField(_("publicly visible"), default=True)
    partner = models.OneToOneField(
        "partner.Partner",
        on_delete=models.PROTECT,
        related_name="producer",
        verbose_name=_("Oscar partner"),
    )
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="ProducerMembership", related_name="producers"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("producer")
        verbose_name_plural = _("producers")

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        certifications = self.certifications or []
        if not isinstance(certifications, list) or not all(
            isinstance(code, str) for code in certifications
        ):
            raise ValidationError({"certifications": _("Give a list of certification codes.")})
        if set(certifications) - set(Certification.values):
            raise ValidationError({"certifications": _("Unknown certification.")})
        # Stored compact once valid; clean() also runs after a field error, on the raw text.
        if self.company_number:
            self.company_number = siret.compact(self.company_number)
        if self.vat_number and eu_vat.is_valid(self.vat_number):
            self.vat_number = eu_vat.compact(self.vat_number)


class ProducerPhoto(models.Model):
    producer = models.ForeignKey(Producer, on_delete=models.CASCADE, related_name="photos")
    image = models.ImageField(_("photo"), upload_to="producers/photos/")
    caption = models.CharField(_("caption"), max_length=200, blank=True)
    display_order = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["display_order", "id"]

    def __str__(self) -> str:
        return self.caption or f"Photo of {self.producer}"


class ProducerInvitation(Invitation):
    """An invitation to join a producer's team (see teams.models.Invitation)."""

    team_field = "producer"
    accept_url_name = "producers:invitation-accept"
    email_template = "producers/email/invitation"

    producer = models.ForeignKey(Producer, on_delete=models.CASCADE, related_name="invitations")

    class Meta(Invitation.Meta):
        pass


class TaxCategory(models.Model):
    """A named VAT rate a product can use ("Food (reduced rate)" = 5.5 %); configurable."""

    name = models.CharField(_("name"), max_length=60, unique=True)
    rate = models.DecimalField(
        _("VAT rate (%)"), max_digits=5, decimal_places=2,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
    )

    class Meta:
        ordering = ["rate", "name"]
        verbose_name = _("tax category")
        verbose_name_plural = _("tax categories")

    def __str__(self) -> str:
        return f"{self.name} ({self.rate} %)"


class ProductImport(models.Model):
    """One uploaded product file: checked first (a Celery task), written only when confirmed.

    The file is private (`producers.private_files`): stored under a random name, downloaded
    only through the producer's import page; `filename` is the name the user uploaded.
    """

    class Status(models.TextChoices):
        CHECKING = "checking", _("Checking the file")
        INVALID = "invalid", _("Has errors")
        READY = "ready", _("Ready to import")
        RUNNING = "running", _("Importing")
        DONE = "done", _("Imported")
        FAILED = "failed", _("Failed")

    producer = models.ForeignKey(
        Producer, on_delete=models.CASCADE, related_name="imports", null=True, blank=True
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    filename = models.CharField(max_length=255)
    # Empty when the file has errors (it is not kept) or was lost before it became private.
    file = models.FileField(
        storage=private_storage, upload_to=RandomName("imports"), max_length=255, blank=True
    )
    status = models.CharField(max_length=10, choices=Status.choices)
    counts = models.JSONField(default=dict)
    errors = models.JSONField(default=list)
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    message = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.filename} ({self.status})"


class ProducerMembership(Membership):
    """A user's role in a producer's team (see teams.models.Membership)."""

    team_field = "producer"
    role_group = PRODUCER_MEMBERS_GROUP
    platform_role = Role.PRODUCER

    producer = models.ForeignKey(Producer, on_delete=models.CASCADE, related_name="memberships")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["producer", "user"], name="unique_producer_member")
        ]
        verbose_name = _("producer membership")
        verbose_name_plural = _("producer memberships")


def _register_stock_history() -> None:
    # Who changed a stock record's price or stock, and when (django-simple-history). The
    # history model lives in this app: stock is the producer's concern.
    from oscar.core.loading import get_model
    from simple_history import register

    register(
        get_model("partner", "StockRecord"),
        app="producers",
        excluded_fields=["date_updated"],
        custom_model_name="HistoricalStockRecord",
    )


_register_stock_history()
