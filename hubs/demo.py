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
            "vat_number": "FR40303265045", "invoice_prefix": "LPB",
            "registered_address": "12 rue Ramponeau, 75020 Paris",
            "contact_email": "contact@panier-belleville.example.org",
            "minimum_order": Decimal("10"),
        },
        # (name, address, opening hours, days after the cycle opens, start hour, end hour)
        "pickup": [
            ("Local associatif", "12 rue Ramponeau, 75020 Paris", "Jeudi 17 h - 20 h", 7, 17, 20),
            ("Épicerie solidaire des Envierges", "18 rue des Envierges, 75020 Paris",
             "Vendredi 18 h - 20 h", 8, 18, 20),
        ],
        "zone": ("Paris 19e-20e", "75019, 75020", Decimal("4.50")),
        "iban": "FR7630006000011234567890189",
        "payments": ("Paiement au retrait", "Espèces, chèque ou carte.", "Virement bancaire"),
        # Deliveries also pay the zone's fee (hubs.pricing.order_fees): the zone-bound cycle
        # fee is the insulated crate, not the delivery itself.
        "fees": ("Frais de fonctionnement du hub", "Caisse isotherme (livraisons)"),
        "notes": ("Merci d'indiquer le numéro de commande du client sur chaque cagette.",
                  "Sonnez à la porte de derrière."),
        "markup": Decimal("12"),
        "cycle_names": ("Marché de la semaine", "Marché de la semaine prochaine",
                        "Marché de la semaine dernière"),
        "older_cycle_names": ("Marché d'il y a deux semaines", "Marché d'il y a trois semaines"),
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
            "vat_number": "IE6388047V", "invoice_prefix": "RFH",
            "contact_email": "hello@riverside.example.org", "minimum_order": Decimal("15"),
        },
        "pickup": [
            ("Community hall", "Riverside Community Hall, Cork", "Saturday 10:00-12:00",
             7, 10, 12),
            ("Douglas farmers' market stall", "Douglas Village car park, Douglas, Cork",
             "Sunday 10:00-13:00", 8, 10, 13),
        ],
        "zone": ("Cork city", "T12*, T23*", Decimal("5.00")),
        "iban": "IE29AIBK93115212345678",
        "payments": ("Pay at pickup", "Cash, cheque or card.", "Bank transfer"),
        "fees": ("Hub running costs", "Insulated crate (deliveries)"),
        "notes": ("Please label each crate with the customer's order number.",
                  "Ring at the back door."),
        "markup": Decimal("15"),
        "cycle_names": ("Weekly market", "Next week's market", "Last week's market"),
        "older_cycle_names": ("Market two weeks ago", "Market three weeks ago"),
        "suppliers": [
            "greenfield-farm", "ferme-des-trois-chenes", "vergers-de-la-vallee",
            "rucher-du-bocage",
        ],
    },
]


def _seed_places(hub: Hub, spec: dict) -> None:
    for name, address, hours, *_window in spec["pickup"]:
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


# Days from today (09:00, hub time) each cycle opens; every cycle stays open five days and
# eleven hours (until 20:00), deliveries come two days after the close.
PAST_OPENS = (-23, -16, -9)
CURRENT_OPENS, UPCOMING_OPENS = -2, 5


def _seed_cycles(hub: Hub, spec: dict) -> None:
    """Three past cycles, an open and an upcoming one, re-anchored to now on every run.

    The past ones are published but their close is left unclaimed: `orders.demo` places last
    weeks' orders in them (as of when they were open), then closes them through
    `hubs.transitions`, so the close handlers see those orders."""
    OrderCycle.objects.filter(hub=hub).delete()
    zone = ZoneInfo(hub.time_zone)
    today = timezone.now().astimezone(zone).replace(hour=9, minute=0, second=0, microsecond=0)
    current, upcoming, past = spec["cycle_names"]
    two_weeks, three_weeks = spec["older_cycle_names"]
    running_costs, crate_fee = spec["fees"]
    note, dropoff_instructions = spec["notes"]
    points = {p.name: p for p in hub.pickup_points.filter(is_active=True)}
    main_point = points[spec["pickup"][0][0]]
    delivery = hub.delivery_zones.get(name=spec["zone"][0])
    producers = list(Producer.objects.filter(slug__in=spec["suppliers"]))
    schedule = [*zip((three_weeks, two_weeks, past), PAST_OPENS, strict=True),
                (current, CURRENT_OPENS), (upcoming, UPCOMING_OPENS)]
    for name, opens in schedule:
        cycle = cycle_create(
            hub=hub, name=name, opens_at=today + dt.timedelta(days=opens),
            closes_at=today + dt.timedelta(days=opens + 5, hours=11),
            markup_percent=spec["markup"],  # a draft while it is filled, then published
            note_to_producers=note,
        )
        for producer in producers:
            cycle_supplier_add(
                cycle=cycle, producer=producer,
                dropoff_date=(today + dt.timedelta(days=opens + 6)).date(),
                dropoff_time=dt.time(14, 0), dropoff_place=main_point.name,
                dropoff_instructions=dropoff_instructions,
            )
            cycle_offers_add(cycle=cycle, producer=producer)
        cycle_fee_save(cycle=cycle, name=running_costs,
                       kind=CycleFee.Kind.PER_ITEM_PERCENT, amount=Decimal("5"))
        cycle_fee_save(cycle=cycle, name=crate_fee, kind=CycleFee.Kind.PER_ORDER_FLAT,
                       amount=Decimal("1.00"), delivery_zone=delivery)
        for point_name, _address, _hours, days, start, end in spec["pickup"]:
            cycle_window_save(cycle=cycle, pickup_point=points[point_name],
                              date=(today + dt.timedelta(days=opens + days)).date(),
                              start_time=dt.time(start), end_time=dt.time(end))
        cycle_window_save(cycle=cycle, delivery_zone=delivery,
                          date=(today + dt.timedelta(days=opens + 7)).date(),
                          start_time=dt.time(9), end_time=dt.time(12))
        # Published the day before it opened, as a hub would have done.
        published = min(timezone.now(), cycle.opens_at - dt.timedelta(days=1))
        transitions.cycle_publish(cycle=cycle, now=published)


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
        stdout.write(f"  hubs: {len(hubs)} hubs, 5 order cycles each (3 past, open, upcoming)")
    return {"hubs": hubs}


@transaction.atomic
def reset() -> None:
    hubs = Hub.objects.filter(slug__in=[spec["slug"] for spec in HUBS])
    OrderCycle.objects.filter(hub__in=hubs).delete()  # windows protect pickup points and zones
    hubs.delete()
    get_user_model().objects.filter(email__in=[HUB_FR_EMAIL, HUB_EN_EMAIL]).delete()
