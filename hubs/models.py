import zoneinfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

HUB_MANAGERS_GROUP = "Hub managers"


def validate_time_zone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(_("%(value)s is not a known time zone."), params={"value": value})


class ManagerRole(models.TextChoices):
    OWNER = "owner", _("Owner")
    STAFF = "staff", _("Staff")


class Hub(models.Model):
    """A local food hub that runs order cycles for shoppers."""

    name = models.CharField(_("name"), max_length=120)
    slug = models.SlugField(_("slug"), max_length=120, unique=True)
    description = models.TextField(_("description"), blank=True)
    city = models.CharField(_("city"), max_length=80, blank=True)
    time_zone = models.CharField(
        _("time zone"), max_length=64, default="Europe/Paris", validators=[validate_time_zone]
    )
    currency = models.CharField(_("currency"), max_length=3, default="EUR")
    language = models.CharField(
        _("language"), max_length=8, choices=settings.LANGUAGES, default="fr"
    )
    is_visible = models.BooleanField(_("publicly visible"), default=True)
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


class HubMembership(models.Model):
    hub = models.ForeignKey(Hub, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="hub_memberships"
    )
    role = models.CharField(
        _("role"), max_length=10, choices=ManagerRole.choices, default=ManagerRole.STAFF
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["hub", "user"], name="unique_hub_member")]
        verbose_name = _("hub membership")
        verbose_name_plural = _("hub memberships")

    def __str__(self) -> str:
        return f"{self.user} @ {self.hub} ({self.role})"


class HubProducer(models.Model):
    """A producer supplying a hub. The relationships issue adds requests and endings."""

    class Status(models.TextChoices):
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

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["hub", "producer"], name="unique_hub_producer")
        ]
        verbose_name = _("hub supplier")
        verbose_name_plural = _("hub suppliers")

    def __str__(self) -> str:
        return f"{self.producer} → {self.hub}"
