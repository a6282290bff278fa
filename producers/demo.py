"""Demo data for producers: the platform admin, producers, members and their catalogues.

Idempotent: keyed by e-mail, slug and (producer, SKU). `reset()` removes exactly what `seed()`
creates. Higher packages call `demo_user()` for their own roster.
"""

from __future__ import annotations

import functools
import io
from decimal import Decimal
from pathlib import Path

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils.text import slugify
from oscar.core.loading import get_model

from teams.roles import PLATFORM_ADMINS_GROUP, TeamRole

from .catalogue_services import catalogue_upsert
from .importing import ImportRow
from .models import Producer
from .services import producer_create, producer_member_add, producer_update

Product = get_model("catalogue", "Product")
Category = get_model("catalogue", "Category")
ProductImage = get_model("catalogue", "ProductImage")
StockRecord = get_model("partner", "StockRecord")
Partner = get_model("partner", "Partner")

DEMO_PASSWORD = "foodhub-demo"  # noqa: S105 - demo accounts only, printed by `make demo`
ADMIN_EMAIL = "admin@example.org"
PRODUCER_EMAIL = "producer@example.org"

# Category (from the seeded taxonomy) -> image colour.
CATEGORIES = {
    "Wine, beer & cider": "#7b2d26",
    "Vegetables": "#3f7d3a",
    "Fruit": "#c0392b",
    "Dairy & eggs": "#5d6d7e",
    "Meat": "#8e3b2f",
    "Bakery": "#a0672b",
    "Drinks": "#6c3483",
    "Pantry": "#b7950b",
}

W, V, N = "weight", "volume", "items"  # unit types: weight, volume, number of items
D = Decimal

# (slug, name, city, description, owner e-mail or None, [products])
# product: (title, category, unit type, unit value, unit label, price excl. VAT, VAT %, stock)
PRODUCERS = [
    ("ferme-des-trois-chenes", "Ferme des Trois Chênes", "Montreuil",
     "Organic market garden on two hectares at the edge of Paris: seasonal vegetables "
     "picked the day before the market.", PRODUCER_EMAIL, [
        ("Carrots", "Vegetables", W, 1000, "1 kg", D("2.40"), D("5.5"), 120),
        ("Carrots", "Vegetables", W, 5000, "5 kg sack", D("10.50"), D("5.5"), 15),
        ("Leeks", "Vegetables", W, 1000, "1 kg", D("3.10"), D("5.5"), 60),
        ("Potatoes (Charlotte)", "Vegetables", W, 2500, "2.5 kg bag", D("5.20"), D("5.5"), 80),
        ("Butternut squash", "Vegetables", N, 1, "each (about 1.2 kg)", D("2.80"), D("5.5"), 45),
        ("Mixed salad leaves", "Vegetables", W, 250, "250 g", D("2.60"), D("5.5"), 8),
        ("Beetroot", "Vegetables", W, 500, "500 g bunch", D("1.90"), D("5.5"), 50),
        ("Onions", "Vegetables", W, 1000, "1 kg", D("2.20"), D("5.5"), 90),
        ("Garlic", "Vegetables", W, 250, "250 g", D("3.50"), D("5.5"), 40),
        ("Curly kale", "Vegetables", N, 1, "bunch", D("2.10"), D("5.5"), 3),
        ("Vegetable box (small)", "Vegetables", N, 1, "box, about 4 kg", D("14.22"), D("5.5"), 25),
    ]),
    ("laiterie-du-val", "Laiterie du Val", "Gournay-en-Bray",
     "Family dairy with forty Normandy cows grazing outdoors eight months a year.", None, [
        ("Whole milk", "Dairy & eggs", V, 1000, "1 L bottle", D("1.35"), D("5.5"), 60),
        ("Crème fraîche", "Dairy & eggs", V, 500, "50 cl", D("3.20"), D("5.5"), 30),
        ("Salted butter", "Dairy & eggs", W, 250, "250 g", D("3.60"), D("5.5"), 40),
        ("Plain yoghurt", "Dairy & eggs", W, 500, "4 × 125 g", D("2.40"), D("5.5"), 36),
        ("Neufchâtel cheese", "Dairy & eggs", W, 200, "200 g heart", D("4.30"), D("5.5"), 20),
        ("Fromage blanc", "Dairy & eggs", W, 500, "500 g", D("2.90"), D("5.5"), 2),
        ("Free-range eggs", "Dairy & eggs", N, 6, "box of 6", D("2.30"), D("5.5"), 70),
        ("Free-range eggs", "Dairy & eggs", N, 12, "box of 12", D("4.40"), D("5.5"), 30),
        ("Camembert", "Dairy & eggs", W, 250, "250 g", D("4.80"), D("5.5"), 25),
    ]),
    ("boulangerie-levain", "Boulangerie Levain & Co", "Paris 20e",
     "Sourdough bakery milling organic heritage wheat from the Beauce.", None, [
        ("Country sourdough loaf", "Bakery", W, 1000, "1 kg loaf", D("5.40"), D("5.5"), 30),
        ("Rye bread", "Bakery", W, 500, "500 g", D("3.80"), D("5.5"), 20),
        ("Baguette tradition", "Bakery", W, 250, "250 g", D("1.20"), D("5.5"), 50),
        ("Seeded spelt loaf", "Bakery", W, 750, "750 g", D("4.90"), D("5.5"), 15),
        ("Brioche", "Bakery", W, 400, "400 g", D("5.10"), D("5.5"), 12),
        ("Butter croissants", "Bakery", N, 4, "pack of 4", D("4.60"), D("5.5"), 24),
        ("Buckwheat crackers", "Bakery", W, 200, "200 g", D("3.30"), D("5.5"), 4),
        ("Wholemeal flour", "Pantry", W, 1000, "1 kg", D("2.70"), D("5.5"), 40),
    ]),
    ("vergers-de-la-vallee", "Vergers de la Vallée", "Vallée de Chevreuse",
     "Low-spray orchards: forty apple and pear varieties, pressed into juice on the farm.",
     None, [
        ("Apples (Reine des Reinettes)", "Fruit", W, 1000, "1 kg", D("2.90"), D("5.5"), 100),
        ("Pears (Conférence)", "Fruit", W, 1000, "1 kg", D("3.20"), D("5.5"), 70),
        ("Apple juice", "Drinks", V, 1000, "1 L bottle", D("3.10"), D("5.5"), 60),
        ("Apple juice", "Drinks", V, 250, "25 cl bottle", D("1.20"), D("5.5"), 90),
        ("Apple and pear juice", "Drinks", V, 1000, "1 L bottle", D("3.40"), D("5.5"), 40),
        ("Quince", "Fruit", W, 1000, "1 kg", D("4.10"), D("5.5"), 6),
        ("Apple compote", "Pantry", W, 350, "350 g jar", D("3.60"), D("5.5"), 30),
        ("Dry cider", "Wine, beer & cider", V, 750, "75 cl", D("4.50"), D("20"), 36),
        ("Cider vinegar", "Pantry", V, 500, "50 cl", D("3.90"), D("5.5"), 25),
        ("Apples (Cox)", "Fruit", W, 2000, "2 kg bag", D("5.40"), D("5.5"), 35),
    ]),
    ("bergerie-des-collines", "Bergerie des Collines", "Vexin",
     "Sheep and beef reared on grass; butchered and packed at the farm.", None, [
        ("Lamb shoulder", "Meat", W, 1200, "about 1.2 kg", D("21.50"), D("5.5"), 10),
        ("Lamb chops", "Meat", W, 500, "500 g", D("13.80"), D("5.5"), 16),
        ("Beef mince", "Meat", W, 500, "500 g", D("7.90"), D("5.5"), 30),
        ("Beef stew (paleron)", "Meat", W, 1000, "1 kg", D("16.40"), D("5.5"), 12),
        ("Merguez sausages", "Meat", W, 400, "6 sausages, 400 g", D("7.20"), D("5.5"), 20),
        ("Sheep's milk tomme", "Dairy & eggs", W, 300, "300 g", D("7.50"), D("5.5"), 14),
        ("Sheep's yoghurt", "Dairy & eggs", W, 500, "4 × 125 g", D("3.40"), D("5.5"), 5),
        ("Beef burgers", "Meat", W, 300, "2 × 150 g", D("6.10"), D("5.5"), 22),
    ]),
    ("rucher-du-bocage", "Rucher du Bocage", "Perche",
     "Two hundred hives moved between hedgerows, lime trees and buckwheat fields.", None, [
        ("Wildflower honey", "Pantry", W, 500, "500 g jar", D("8.50"), D("5.5"), 40),
        ("Wildflower honey", "Pantry", W, 1000, "1 kg jar", D("15.90"), D("5.5"), 12),
        ("Wildflower honey", "Pantry", W, 250, "250 g jar", D("4.60"), D("5.5"), 2),
        ("Lime blossom honey", "Pantry", W, 250, "250 g jar", D("5.90"), D("5.5"), 30),
        ("Buckwheat honey", "Pantry", W, 500, "500 g jar", D("9.20"), D("5.5"), 3),
        ("Honey gingerbread", "Bakery", W, 300, "300 g", D("6.40"), D("5.5"), 18),
        ("Beeswax wraps", "Pantry", N, 3, "set of 3", D("12.50"), D("20"), 15),
        ("Mead", "Wine, beer & cider", V, 500, "50 cl", D("11.00"), D("20"), 12),
        ("Propolis honey", "Pantry", W, 250, "250 g jar", D("7.80"), D("5.5"), 10),
        ("Honey mustard", "Pantry", W, 200, "200 g jar", D("4.20"), D("5.5"), 25),
    ]),
    ("brasserie-du-canal", "Brasserie du Canal", "Pantin",
     "Small brewery by the Ourcq canal, brewing with French organic malt and hops.", None, [
        ("Pale ale", "Wine, beer & cider", V, 330, "33 cl bottle", D("2.40"), D("20"), 120),
        ("Amber ale", "Wine, beer & cider", V, 330, "33 cl bottle", D("2.50"), D("20"), 90),
        ("Stout", "Wine, beer & cider", V, 330, "33 cl bottle", D("2.70"), D("20"), 60),
        ("Lager, 6-pack", "Wine, beer & cider", V, 1980, "6 × 33 cl", D("12.90"), D("20"), 20),
        ("Hop lemonade", "Drinks", V, 330, "33 cl bottle", D("1.90"), D("5.5"), 48),
        ("Spent-grain crackers", "Bakery", W, 150, "150 g", D("3.20"), D("5.5"), 7),
        ("Ginger beer (alcohol-free)", "Drinks", V, 330, "33 cl bottle", D("2.10"), D("5.5"), 40),
    ]),
    ("greenfield-farm", "Greenfield Farm", "Midleton",
     "Mixed organic farm in East Cork: vegetables, free-range hens and heritage potatoes.",
     None, [
        ("Rooster potatoes", "Vegetables", W, 2500, "2.5 kg bag", D("4.60"), D("5.5"), 60),
        ("Parsnips", "Vegetables", W, 1000, "1 kg", D("2.90"), D("5.5"), 40),
        ("Swede", "Vegetables", N, 1, "each", D("1.60"), D("5.5"), 30),
        ("Savoy cabbage", "Vegetables", N, 1, "each", D("2.20"), D("5.5"), 25),
        ("Free-range eggs (dozen)", "Dairy & eggs", N, 12, "dozen", D("4.50"), D("5.5"), 50),
        ("Soda bread", "Bakery", W, 600, "600 g loaf", D("3.90"), D("5.5"), 20),
        ("Rhubarb", "Fruit", W, 500, "500 g bunch", D("2.80"), D("5.5"), 4),
        ("Strawberry jam", "Pantry", W, 340, "340 g jar", D("4.40"), D("5.5"), 30),
        ("Chicken, whole", "Meat", W, 1800, "about 1.8 kg", D("16.90"), D("5.5"), 12),
    ]),
]


# Made or picked to order: always available, whatever the stock figure.
ON_DEMAND = {"Vegetable box (small)", "Country sourdough loaf", "Brioche", "Lamb shoulder"}


@functools.cache
def _demo_password_hash() -> str:
    # Hashed once per process: a dozen demo accounts would otherwise cost seconds per load.
    return make_password(DEMO_PASSWORD)


def demo_user(email: str, *, superuser: bool = False, first_name: str = "", last_name: str = ""):
    """Create or refresh a demo account with the shared demo password."""
    user, _created = get_user_model().objects.get_or_create(
        email=email, defaults={"username": email[:150]}
    )
    user.username = email[:150]
    user.first_name, user.last_name = first_name, last_name
    user.is_active = True
    user.is_staff = user.is_superuser = superuser
    user.password = _demo_password_hash()
    user.save()
    return user


def _font(size: int):
    from PIL import ImageFont

    for path in (
        "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
        "/usr/share/fonts/dejavu/DejaVuSans-Bold.ttf",
    ):
        if Path(path).exists():
            return ImageFont.truetype(path, size)
    return ImageFont.load_default(size=size)


def product_image(title: str, colour: str) -> bytes:
    """A generated 600×600 PNG tile for a product (no downloads): colour by category."""
    import textwrap

    from PIL import Image, ImageDraw

    image = Image.new("RGB", (600, 600), colour)
    draw = ImageDraw.Draw(image)
    draw.ellipse((150, 90, 450, 390), fill="#fbf7ee")
    initials = "".join(word[0] for word in title.split()[:2]).upper()
    draw.text((300, 240), initials, font=_font(120), fill=colour, anchor="mm")
    lines = textwrap.wrap(title, width=18)[:2]
    for index, line in enumerate(lines):
        draw.text((300, 460 + index * 50), line, font=_font(40), fill="#ffffff", anchor="mm")
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


def _rows(producer: Producer, entries: list, categories: dict) -> list[ImportRow]:
    prefix = "".join(part[0] for part in producer.slug.split("-")).upper()
    rows = []
    for index, entry in enumerate(entries, start=1):
        title, category, unit_type, unit_value, label, price, vat, stock = entry
        rows.append(ImportRow(
            row=index, producer_id=producer.id, sku=f"{prefix}-{index:03d}", name=title,
            display_name=label, category_id=categories[category],
            description=f"{title} from {producer.name}, {producer.city}.",
            unit_type=unit_type, unit_value=Decimal(unit_value), unit_label=label, price=price,
            on_hand=stock, on_demand=title in ON_DEMAND, available_on=None,
            shipping_category="", vat_rate=vat,
        ))
    return rows


def _add_missing_images(producer: Producer, colours: dict) -> None:
    parents = (
        Product.objects.filter(
            structure=Product.PARENT, children__stockrecords__partner_id=producer.partner_id,
            images__isnull=True,
        )
        .prefetch_related("categories")
        .distinct()
    )
    for parent in parents:
        category = parent.categories.all()[0].name
        ProductImage.objects.create(
            product=parent,
            display_order=0,
            original=ContentFile(
                product_image(parent.title, colours.get(category, "#3f7d3a")),
                name=f"{slugify(parent.title)}.png",
            ),
        )


@transaction.atomic
def seed(*, stdout=None) -> dict:
    """Create or refresh the admin, producers, the demo producer login and the catalogues."""
    admin = demo_user(ADMIN_EMAIL, superuser=True, first_name="Ada", last_name="Admin")
    admin.groups.add(Group.objects.get_or_create(name=PLATFORM_ADMINS_GROUP)[0])
    categories = {
        c.name: c.id for c in Category.objects.filter(depth=1, name__in=CATEGORIES)
    }
    producers, variant_count = {}, 0
    for slug, name, city, description, owner_email, rows in PRODUCERS:
        producer = Producer.objects.filter(slug=slug).select_related("partner").first()
        if producer is None:
            producer = producer_create(name=name, slug=slug, city=city, description=description)
        else:
            producer = producer_update(
                producer=producer, name=name, city=city, description=description, is_visible=True
            )
        if owner_email:
            owner = demo_user(owner_email, first_name="Paul", last_name="Producteur")
            producer_member_add(producer=producer, user=owner, role=TeamRole.OWNER)
        rows = _rows(producer, rows, categories)
        catalogue_upsert(rows=rows, producers={producer.id: producer})
        _add_missing_images(producer, CATEGORIES)
        variant_count += len(rows)
        producers[slug] = producer
    if stdout:
        products = Product.objects.filter(
            structure=Product.PARENT,
            children__stockrecords__partner__producer__in=producers.values(),
        ).distinct().count()
        stdout.write(
            f"  producers: {len(producers)} producers, {products} products, "
            f"{variant_count} variants"
        )
    return {"producers": producers}


@transaction.atomic
def reset() -> None:
    """Remove everything `seed()` created (products, producers, partners, demo accounts)."""
    slugs = [entry[0] for entry in PRODUCERS]
    producers = list(Producer.objects.filter(slug__in=slugs).select_related("partner"))
    partner_ids = [producer.partner_id for producer in producers]
    variants = Product.objects.filter(stockrecords__partner_id__in=partner_ids)
    product_ids = list(variants.values_list("id", flat=True)) + list(
        variants.exclude(parent=None).values_list("parent_id", flat=True)
    )
    for image in ProductImage.objects.filter(product_id__in=product_ids):
        image.delete()
    StockRecord.objects.filter(partner_id__in=partner_ids).delete()
    Product.objects.filter(id__in=product_ids).delete()
    Producer.objects.filter(id__in=[p.id for p in producers]).delete()
    Partner.objects.filter(id__in=partner_ids).delete()
    get_user_model().objects.filter(email__in=[ADMIN_EMAIL, PRODUCER_EMAIL]).delete()
