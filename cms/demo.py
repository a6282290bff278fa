"""Demo data for the storefront: the Wagtail home page and both Site records."""

from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.sites.models import Site as DjangoSite
from django.db import transaction
from wagtail.models import Page, Site
from wagtail.rich_text import RichText

from hubs.selectors import hub_suppliers

from .models import ContentPage, HomePage, HubStorefrontPage
from .services import storefronts_backfill

HOME_SLUG = "foodhub-home"

SPOTLIGHT_PRODUCER = "ferme-des-trois-chenes"
# What the demo hubs' managers wrote on their storefront pages (in their hub's language).
STOREFRONT_TEXT = {
    "panier-de-belleville": {
        "text": "<h2>Bienvenue au Panier</h2><p>Une association de quartier qui rassemble "
                "les producteurs à moins de 150 km de Belleville. Chaque prix affiche ce que "
                "reçoit le producteur et ce que le hub ajoute.</p>",
        "hours": ("Horaires du local", [("Jeudi", "17 h – 20 h"), ("Samedi", "10 h – 12 h")]),
        "faq": [("Faut-il être adhérent ?", "<p>Non : tout le monde peut commander.</p>"),
                ("Comment payer ?", "<p>Au retrait (espèces, chèque, carte) ou par "
                 "virement.</p>")],
        "spotlight": "<p>Nos légumes de saison, cultivés en bio à 80 km d'ici.</p>",
    },
    "riverside-food-hub": {
        "text": "<h2>Welcome to Riverside</h2><p>A community food hub on the river Lee, run by "
                "volunteers: local food, fair prices, and every price shows what the producer "
                "gets.</p>",
        "hours": ("Hall opening hours", [("Saturday", "10:00–12:00")]),
        "faq": [("Do I need to be a member?", "<p>No: anyone can order.</p>"),
                ("How do I pay?", "<p>At pickup (cash, cheque or card) or by bank "
                 "transfer.</p>")],
        "spotlight": "<p>Our vegetables, grown organically a short drive away.</p>",
    },
}


def _storefront_body(page: HubStorefrontPage, text: dict) -> list:
    title, rows = text["hours"]
    body = [
        ("text", RichText(text["text"])),
        ("opening_hours", {"title": title, "rows": [{"days": d, "hours": h} for d, h in rows],
                           "note": ""}),
        ("faq", {"title": "", "questions": [{"question": q, "answer": RichText(a)}
                                            for q, a in text["faq"]]}),
    ]
    # The vegetable farm both demo hubs buy from (the text speaks of vegetables).
    supplier = hub_suppliers(hub=page.hub).filter(producer__slug=SPOTLIGHT_PRODUCER).first()
    if supplier is not None:
        body.insert(1, ("producer_spotlight", {"producer": supplier.producer,
                                               "text": RichText(text["spotlight"])}))
    return body


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
    # Hubs and producers seeded before the home page existed get their pages now.
    made = storefronts_backfill()
    for page in HubStorefrontPage.objects.filter(hub__slug__in=STOREFRONT_TEXT).select_related(
            "hub"):
        if not page.body:  # the managers' own edits are kept
            page.body = _storefront_body(page, STOREFRONT_TEXT[page.hub.slug])
            page.save_revision().publish()
    if stdout:
        stdout.write(f"  cms: home page, sites, {made['hubs']} hub and {made['producers']} "
                     "producer pages")
    return {"home": home}


@transaction.atomic
def reset() -> None:
    for page in HomePage.objects.filter(slug=HOME_SLUG):
        Site.objects.filter(root_page=page).update(root_page=Page.get_first_root_node())
        page.delete()
