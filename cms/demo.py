"""Demo data for the storefront: the Wagtail home page and both Site records."""

from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.sites.models import Site as DjangoSite
from django.db import transaction
from wagtail.models import Page, Site

from .models import ContentPage, HomePage

HOME_SLUG = "foodhub-home"


@transaction.atomic
def seed(*, stdout=None) -> dict:
    root = Page.get_first_root_node()
    home = HomePage.objects.filter(slug=HOME_SLUG).first()
    if home is None:
        home = HomePage(
            title="Foodhub",
            slug=HOME_SLUG,
            intro="Fresh food from the producers near you, gathered by your local hub.",
            body="<p>Order before the market closes, then pick up your basket at the hub. "
            "Every price shows what the producer gets and what the hub adds.</p>",
        )
        root.add_child(instance=home)
    if not ContentPage.objects.child_of(home).filter(slug="how-it-works").exists():
        home.add_child(
            instance=ContentPage(
                title="How it works",
                slug="how-it-works",
                body="<p>Producers list what they grow and make. Hubs gather it into weekly "
                "order cycles. You order online, then collect at a pickup point.</p>",
            )
        )
    # Wagtail's own welcome page is replaced by ours as the default site's root.
    # Both sites carry the address the demo is served on (links in Oscar's and Wagtail's
    # e-mails); the default Wagtail site answers on any host anyway.
    address = urlsplit(settings.FOODHUB_BASE_URL)
    port = address.port or (443 if address.scheme == "https" else 80)
    Site.objects.update_or_create(
        is_default_site=True,
        defaults={"hostname": address.hostname, "port": port, "root_page": home,
                  "site_name": "Foodhub"},
    )
    Page.objects.filter(depth=2).exclude(pk=home.pk).filter(slug="home").delete()
    DjangoSite.objects.update_or_create(
        pk=settings.SITE_ID, defaults={"domain": address.netloc, "name": "Foodhub"}
    )
    if stdout:
        stdout.write("  cms: home page and sites")
    return {"home": home}


@transaction.atomic
def reset() -> None:
    for page in HomePage.objects.filter(slug=HOME_SLUG):
        Site.objects.filter(root_page=page).update(root_page=Page.get_first_root_node())
        page.delete()
