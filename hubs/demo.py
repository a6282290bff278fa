"""Demo data for hubs: a French hub and an English-speaking hub, their managers and suppliers."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from producers.demo import demo_user
from producers.models import Producer
from teams.roles import TeamRole

from . import transitions
from .cycle_services import (
    cycle_create,
    cycle_fee_save,
    cycle_offers_add,
    cycle_supplier_add,
    cycle_window_save,
)
from .models import CycleFee, DeliveryZone, Hub, OrderCycle, PaymentMethod, PickupPoint
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
        "profile": {
            "legal_name": "Association Le Panier de Belleville", "street": "12 rue Ramponeau",
            "postcode": "75020", "company_number": "73282932000074",
            "vat_number": "FR40303265045",
            "registered_address": "12 rue Ramponeau, 75020 Paris",
            "contact_email": "contact@panier-belleville.example.org",
            "minimum_order": Decimal("10"),
        },
        "pickup": ("Local associatif", "12 rue Ramponeau, 75020 Paris", "Jeudi 17 h - 20 h"),
        "zone": ("Paris 19e-20e", "75019, 75020", Decimal("4.50")),
        "iban": "FR7630006000011234567890189",
        "payments": ("Paiement au retrait", "Espèces, chèque ou carte.", "Virement bancaire"),
        "fees": ("Frais de fonctionnement du hub", "Livraison"),
        "notes": ("Merci d'indiquer le numéro de commande du client sur chaque cagette.",
                  "Sonnez à la porte de derrière."),
        "markup": Decimal("12"),
        "cycle_names": ("Marché de la semaine", "Marché de la semaine prochaine",
                        "Marché de la semaine dernière"),
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
        "profile": {
            "legal_name": "Riverside Food Hub CLG", "street": "Riverside Community Hall",
            "postcode": "T12 X2Y3", "registered_address": "Riverside Community Hall, Cork",
            "contact_email": "hello@riverside.example.org", "minimum_order": Decimal("15"),
        },
        "pickup": ("Community hall", "Riverside Community Hall, Cork", "Saturday 10:00-12:00"),
        "zone": ("Cork city", "T12*, T23*", Decimal("5.00")),
        "iban": "IE29AIBK93115212345678",
        "payments": ("Pay at pickup", "Cash, cheque or card.", "Bank transfer"),
        "fees": ("Hub running costs", "Delivery"),
        "notes": ("Please label each crate with the customer's order number.",
                  "Ring at the back door."),
        "markup": Decimal("15"),
        "cycle_names": ("Weekly market", "Next week's market", "Last week's market"),
        "suppliers": [
            "greenfield-farm", "ferme-des-trois-chenes", "vergers-de-la-vallee",
            "rucher-du-bocage",
        ],
    },
]


def _seed_places(hub: Hub, spec: dict) -> None:
    name, address, hours = spec["pickup"]
    PickupPoint.objects.update_or_create(
        hub=hub, name=name, defaults={"address": address, "opening_hours": hours}
    )
    zone_name, postcodes, fee = spec["zone"]
    DeliveryZone.objects.update_or_create(
        hub=hub, name=zone_name,
        defaults={"postcodes": postcodes, "fee": fee, "minimum_order": Decimal("25")},
    )
    at_pickup, instructions, transfer_name = spec["payments"]
    PaymentMethod.objects.update_or_create(
        hub=hub, kind=PaymentMethod.Kind.AT_PICKUP,
        defaults={"name": at_pickup, "instructions": instructions},
    )
    transfer = PaymentMethod(hub=hub, kind=PaymentMethod.Kind.BANK_TRANSFER,
                             name=transfer_name, iban=spec["iban"])
    transfer.full_clean()
    PaymentMethod.objects.update_or_create(
        hub=hub, kind=PaymentMethod.Kind.BANK_TRANSFER,
        defaults={"name": transfer.name, "iban": transfer.iban, "bic": transfer.bic},
    )


def _seed_cycles(hub: Hub, spec: dict) -> None:
    """A past, an open and an upcoming cycle, re-anchored to now on every run."""
    OrderCycle.objects.filter(hub=hub, processed_at=None).delete()
    zone = ZoneInfo(hub.time_zone)
    today = timezone.now().astimezone(zone).replace(hour=9, minute=0, second=0, microsecond=0)
    current, upcoming, past = spec["cycle_names"]
    running_costs, delivery_fee = spec["fees"]
    note, dropoff_instructions = spec["notes"]
    point = hub.pickup_points.first()
    delivery = hub.delivery_zones.first()
    cycles = []
    for name, opens in ((past, -9), (current, -2), (upcoming, 5)):
        cycle = cycle_create(
            hub=hub, name=name, opens_at=today + dt.timedelta(days=opens),
            closes_at=today + dt.timedelta(days=opens + 5, hours=11),
            markup_percent=spec["markup"],  # a draft while it is filled, then published
            note_to_producers=note,
        )
        for producer in Producer.objects.filter(slug__in=spec["suppliers"]):
            cycle_supplier_add(
                cycle=cycle, producer=producer,
                dropoff_date=(today + dt.timedelta(days=opens + 6)).date(),
                dropoff_time=dt.time(14, 0), dropoff_place=point.name,
                dropoff_instructions=dropoff_instructions,
            )
            cycle_offers_add(cycle=cycle, producer=producer)
        cycle_fee_save(cycle=cycle, name=running_costs,
                       kind=CycleFee.Kind.PER_ITEM_PERCENT, amount=Decimal("5"))
        cycle_fee_save(cycle=cycle, name=delivery_fee, kind=CycleFee.Kind.PER_ORDER_FLAT,
                       amount=delivery.fee, delivery_zone=delivery)
        window_day = (today + dt.timedelta(days=opens + 7)).date()
        cycle_window_save(cycle=cycle, pickup_point=point, date=window_day,
                          start_time=dt.time(17), end_time=dt.time(20))
        cycle_window_save(cycle=cycle, delivery_zone=delivery, date=window_day,
                          start_time=dt.time(9), end_time=dt.time(12))
        # Published the day before it opened, as a hub would have done.
        published = min(timezone.now(), cycle.opens_at - dt.timedelta(days=1))
        cycles.append(transitions.cycle_publish(cycle=cycle, now=published))
    # The past cycle has closed: its close was handled (no orders yet to process).
    transitions.cycles_close_due()


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
        hub_manager_add(hub=hub, user=manager, role=TeamRole.OWNER)
        hub = hub_update(hub=hub, **spec["profile"])
        for producer in Producer.objects.filter(slug__in=spec["suppliers"]):
            hub_supplier_link(hub=hub, producer=producer)
        _seed_places(hub, spec)
        _seed_cycles(hub, spec)
        hubs[spec["slug"]] = hub
    if stdout:
        stdout.write(f"  hubs: {len(hubs)} hubs, 3 order cycles each (past, open, upcoming)")
    return {"hubs": hubs}


@transaction.atomic
def reset() -> None:
    hubs = Hub.objects.filter(slug__in=[spec["slug"] for spec in HUBS])
    OrderCycle.objects.filter(hub__in=hubs).delete()  # windows protect pickup points and zones
    hubs.delete()
    get_user_model().objects.filter(email__in=[HUB_FR_EMAIL, HUB_EN_EMAIL]).delete()
