from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Page

from hubs.selectors import (
    hub_storefront,
    hub_supplier_ids,
    hubs_supplied_by,
    open_cycles_by_hub,
    public_hubs,
)
from orders.selectors import hub_last_processed_fair_share
from producers.selectors import featured_products, public_producer, visible_producers

from .blocks import StorefrontBlocks


class HomePage(Page):
    """The storefront home: the hubs near you and what their producers offer this week."""

    intro = models.CharField(_("introduction"), max_length=250, blank=True)
    body = RichTextField(_("body"), blank=True)

    content_panels = [*Page.content_panels, FieldPanel("intro"), FieldPanel("body")]
    parent_page_types = ["wagtailcore.Page"]
    subpage_types = ["cms.ContentPage", "cms.HubStorefrontPage", "cms.ProducersIndexPage"]
    max_count = 1

    class Meta:
        verbose_name = _("home page")

    def get_context(self, request, *args, **kwargs):
        from .selectors import producer_page_urls, storefront_urls

        context = super().get_context(request, *args, **kwargs)
        hubs = list(public_hubs())
        cycles = open_cycles_by_hub()
        urls = storefront_urls(hub_ids=[hub.id for hub in hubs], request=request)
        for hub in hubs:
            hub.open_cycles = cycles.get(hub.id, [])
            hub.storefront_url = urls.get(hub.id)
        context["hubs"] = hubs
        producers = list(visible_producers()[:12])
        producer_urls = producer_page_urls(producer_ids=[p.pk for p in producers], request=request)
        for producer in producers:
            producer.page_url = producer_urls.get(producer.pk)
        context["producers"] = producers
        context["products"] = featured_products(limit=12)
        return context


class ContentPage(Page):
    """A plain content page: about, how it works, FAQ."""

    body = RichTextField(_("body"), blank=True)

    content_panels = [*Page.content_panels, FieldPanel("body")]
    parent_page_types = ["cms.HomePage", "cms.ContentPage", "cms.HubStorefrontPage"]
    subpage_types = ["cms.ContentPage"]

    class Meta:
        verbose_name = _("content page")


class HubStorefrontPage(Page):
    """A hub's public page at /<hub slug>/, made when the hub is (cms.services), edited by
    the hub's managers in /cms/. Ordering facts (cycles, pickup windows, the fair share) come
    from the hub's data; the body is the managers' own words and pictures."""

    hub = models.OneToOneField(
        "hubs.Hub", on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("hub"),
    )
    body = StreamField(StorefrontBlocks(), blank=True, verbose_name=_("page content"))
    # Where the hub's managers upload their pictures (their group may use only this one).
    collection = models.ForeignKey(
        "wagtailcore.Collection", on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+", editable=False,
    )

    content_panels = [
        *Page.content_panels, FieldPanel("hub", permission="superuser"), FieldPanel("body"),
    ]
    # No slug field: the page's address is its hub's (see clean()).
    promote_panels = [
        MultiFieldPanel([FieldPanel("seo_title"), FieldPanel("search_description")],
                        heading=_("For search engines")),
    ]
    parent_page_types = ["cms.HomePage"]
    subpage_types = ["cms.ContentPage"]
    # A copy would be a second page for the same hub.
    exclude_fields_in_copy = ["hub", "collection"]

    class Meta:
        verbose_name = _("hub storefront")

    def full_clean(self, *args, **kwargs):
        # The page lives at its hub's address, whatever else asked for: before Wagtail checks
        # that no sibling holds the slug.
        if self.hub_id is not None:
            self.slug = self.hub.slug
        super().full_clean(*args, **kwargs)

    def clean(self):
        super().clean()
        if self.hub_id is None:
            return
        errors = {}
        chosen = {
            block.value["producer"].pk: block.value["producer"].name
            for block in self.body or []
            if block.block_type == "producer_spotlight" and block.value["producer"] is not None
        }
        if chosen:
            strangers = sorted(name for pk, name in chosen.items()
                               if pk not in hub_supplier_ids(hub=self.hub))
            if strangers:
                errors["body"] = _("Spotlight only producers who supply %(hub)s: %(names)s "
                                   "do not.") % {"hub": self.hub.name,
                                                 "names": ", ".join(strangers)}
        if errors:
            raise ValidationError(errors)

    def serve(self, request, *args, **kwargs):
        # A hub that was deleted or hidden has no public page (its managers can preview it).
        if not getattr(request, "is_preview", False) and (
            self.hub is None or not self.hub.is_visible
        ):
            raise Http404
        return super().serve(request, *args, **kwargs)

    def get_context(self, request, *args, **kwargs):
        from .selectors import producer_page_urls

        context = super().get_context(request, *args, **kwargs)
        hub = self.hub
        if hub is None:
            return context
        storefront = hub_storefront(hub=hub)
        context.update(
            hub=hub,
            storefront=storefront,
            several_open=len(storefront.open_cycles) > 1,
            supplier_ids={producer.pk for producer in storefront.suppliers},
            producer_urls=producer_page_urls(
                producer_ids=[producer.pk for producer in storefront.suppliers],
                request=request,
            ),
            fair_share=hub_last_processed_fair_share(hub=hub),
        )
        return context


class ProducersIndexPage(Page):
    """/producers/: every visible producer, each linking to their page."""

    intro = models.CharField(_("introduction"), max_length=250, blank=True)

    content_panels = [*Page.content_panels, FieldPanel("intro")]
    parent_page_types = ["cms.HomePage"]
    subpage_types = ["cms.ProducerPage"]
    max_count = 1

    class Meta:
        verbose_name = _("producers index")

    def get_context(self, request, *args, **kwargs):
        from .selectors import producer_page_urls

        context = super().get_context(request, *args, **kwargs)
        producers = list(visible_producers().order_by("name"))
        urls = producer_page_urls(producer_ids=[p.pk for p in producers], request=request)
        context["producers"] = [(p, urls[p.pk]) for p in producers if p.pk in urls]
        return context


class ProducerPage(Page):
    """A producer's public page at /producers/<producer slug>/, made when the producer is:
    their profile, photos and the hubs they supply, read from the producer's own data."""

    producer = models.OneToOneField(
        "producers.Producer", on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+", verbose_name=_("producer"),
    )

    content_panels = [*Page.content_panels, FieldPanel("producer", permission="superuser")]
    parent_page_types = ["cms.ProducersIndexPage"]
    subpage_types = []
    exclude_fields_in_copy = ["producer"]

    class Meta:
        verbose_name = _("producer page")

    def get_context(self, request, *args, **kwargs):
        from .selectors import storefront_urls

        context = super().get_context(request, *args, **kwargs)
        producer = public_producer(producer_id=self.producer_id) if self.producer_id else None
        if producer is None:
            raise Http404  # deleted or hidden: no public page
        hubs = list(hubs_supplied_by(producer=producer))
        urls = storefront_urls(hub_ids=[hub.pk for hub in hubs], request=request)
        context.update(producer=producer, hubs=[(hub, urls.get(hub.pk)) for hub in hubs])
        return context


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
