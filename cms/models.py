from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel
from wagtail.fields import RichTextField
from wagtail.models import Page

from hubs.selectors import open_cycles_by_hub, public_hubs
from producers.selectors import featured_products, visible_producers


class HomePage(Page):
    """The storefront home: the hubs near you and what their producers offer this week."""

    intro = models.CharField(_("introduction"), max_length=250, blank=True)
    body = RichTextField(_("body"), blank=True)

    content_panels = [*Page.content_panels, FieldPanel("intro"), FieldPanel("body")]
    parent_page_types = ["wagtailcore.Page"]
    subpage_types = ["cms.ContentPage"]
    max_count = 1

    class Meta:
        verbose_name = _("home page")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        hubs = list(public_hubs())
        cycles = open_cycles_by_hub()
        for hub in hubs:
            hub.open_cycles = cycles.get(hub.id, [])
        context["hubs"] = hubs
        context["producers"] = visible_producers()[:12]
        context["products"] = featured_products(limit=12)
        return context


class ContentPage(Page):
    """A plain content page: about, how it works, FAQ."""

    body = RichTextField(_("body"), blank=True)

    content_panels = [*Page.content_panels, FieldPanel("body")]
    parent_page_types = ["cms.HomePage", "cms.ContentPage"]
    subpage_types = ["cms.ContentPage"]

    class Meta:
        verbose_name = _("content page")


class WelcomeEmail(models.Model):
    """One row per user once their welcome e-mail is claimed: makes sending idempotent."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="welcome_email"
    )
    sent_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Welcome e-mail for {self.user}"

    def mark_sent(self) -> None:
        self.sent_at = timezone.now()
        self.save(update_fields=["sent_at"])
