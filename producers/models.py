from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

PRODUCER_MEMBERS_GROUP = "Producer members"
PLATFORM_ADMINS_GROUP = "Platform admins"


class MemberRole(models.TextChoices):
    OWNER = "owner", _("Owner")
    STAFF = "staff", _("Staff")


class Producer(models.Model):
    """A farm or maker selling through hubs; its Oscar partner holds its stock records."""

    name = models.CharField(_("name"), max_length=120)
    slug = models.SlugField(_("slug"), max_length=120, unique=True)
    description = models.TextField(_("description"), blank=True)
    city = models.CharField(_("city"), max_length=80, blank=True)
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


class ProducerMembership(models.Model):
    producer = models.ForeignKey(Producer, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="producer_memberships"
    )
    role = models.CharField(
        _("role"), max_length=10, choices=MemberRole.choices, default=MemberRole.STAFF
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["producer", "user"], name="unique_producer_member")
        ]
        verbose_name = _("producer membership")
        verbose_name_plural = _("producer memberships")

    def __str__(self) -> str:
        return f"{self.user} @ {self.producer} ({self.role})"
