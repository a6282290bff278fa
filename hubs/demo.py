"""Demo data for hubs: a French hub and an English-speaking hub, their managers and suppliers."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db import transaction

from producers.demo import demo_user
from producers.models import Producer

from .models import Hub, ManagerRole
from .services import hub_create, hub_manager_add, hub_supplier_link, hub_update

HUB_FR_EMAIL = "hub@example.org"
HUB_EN_EMAIL = "hub-en@example.org"

HUBS = [
    {
        "slug": "panier-de-belleville",
        "name": "Le Panier de Belleville",
        "city": "Paris 20e",
        "time_zone": "Europe/Paris",
        "language": "fr",
        "description": "Marché de producteurs chaque semaine à Belleville : commandez en ligne "
        "jusqu'au mardi soir, retirez vos produits le jeudi au local associatif.",
        "manager": (HUB_FR_EMAIL, "Hélène", "Hubert"),
        "suppliers": [
            "ferme-des-trois-chenes", "laiterie-du-val", "boulangerie-levain",
            "vergers-de-la-vallee", "bergerie-des-collines", "rucher-du-bocage",
            "brasserie-du-canal",
        ],
    },
    {
        "slug": "riverside-food-hub",
        "name": "Riverside Food Hub",
        "city": "Cork",
        "time_zone": "Europe/Dublin",
        "language": "en",
        "description": "A community food hub on the river Lee: order by Wednesday night, "
        "collect on Saturday morning at the Riverside community hall.",
        "manager": (HUB_EN_EMAIL, "Harriet", "Hubbard"),
        "suppliers": [
            "greenfield-farm", "ferme-des-trois-chenes", "vergers-de-la-vallee",
            "rucher-du-bocage",
        ],
    },
]


@transaction.atomic
def seed(*, stdout=None) -> dict:
    hubs = {}
    for spec in HUBS:
        fields = {k: spec[k] for k in ("name", "city", "time_zone", "language", "description")}
        hub = Hub.objects.filter(slug=spec["slug"]).first()
        if hub is None:
            hub = hub_create(slug=spec["slug"], currency="EUR", **fields)
        else:
            hub = hub_update(hub=hub, is_visible=True, currency="EUR", **fields)
        email, first, last = spec["manager"]
        manager = demo_user(email, first_name=first, last_name=last)
        hub_manager_add(hub=hub, user=manager, role=ManagerRole.OWNER)
        for producer in Producer.objects.filter(slug__in=spec["suppliers"]):
            hub_supplier_link(hub=hub, producer=producer)
        hubs[spec["slug"]] = hub
    if stdout:
        stdout.write(f"  hubs: {len(hubs)} hubs")
    return {"hubs": hubs}


@transaction.atomic
def reset() -> None:
    Hub.objects.filter(slug__in=[spec["slug"] for spec in HUBS]).delete()
    get_user_model().objects.filter(email__in=[HUB_FR_EMAIL, HUB_EN_EMAIL]).delete()
