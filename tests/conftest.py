import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone


def pytest_collection_modifyitems(config, items):
    """Skip PostgreSQL-only tests on SQLite, with the reason shown in the summary."""
    from django.conf import settings

    engine = settings.DATABASES["default"]["ENGINE"]
    if "postgresql" in engine:
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL (set DATABASE_URL=postgres://...)")
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)


@pytest.fixture
def is_postgres():
    return connection.vendor == "postgresql"


@pytest.fixture(scope="session", autouse=True)
def _keep_migration_data(django_db_setup, django_db_blocker):
    """Keep data made by migrations (Wagtail root page, role groups) across --reuse-db runs.

    Transactional tests flush the database when they end; the next session would then reuse
    an empty database. Tests that commit are marked serialized_rollback, and the database is
    put back as it was once the session ends.
    """
    from django.db import connection, connections
    from wagtail.models import Page

    if connection.settings_dict["NAME"] != connection.creation._get_test_db_name():
        # No test of this session uses the database: none was set up, nothing to keep.
        yield
        return
    with django_db_blocker.unblock():
        if not Page.objects.exists():
            pytest.exit(
                "The reused test database lost its migration data (an interrupted run?): "
                "run again with --create-db.",
                returncode=3,
            )
    yield
    from django.core.management import call_command

    with django_db_blocker.unblock():
        if not Page.objects.exists():
            for conn in connections.all():
                contents = getattr(conn, "_test_serialized_contents", None)
                if contents:
                    # Empty every table (content types included) before restoring them.
                    call_command(
                        "flush", database=conn.alias, interactive=False,
                        inhibit_post_migrate=True, verbosity=0,
                    )
                    conn.creation.deserialize_db_from_string(contents)


# --- shared domain fixtures (hubs, cycles) ---------------------------------------------


@pytest.fixture
def hub():
    from tests.hubs.factories import HubFactory

    return HubFactory(name="Marché", slug="marche")


@pytest.fixture
def supplier(hub):
    from hubs.services import hub_supplier_link
    from producers.catalogue_services import catalogue_upsert
    from tests.producers.factories import ProducerFactory
    from tests.producers.test_dashboard import rows_for

    producer = ProducerFactory(name="Ferme A", slug="ferme-a")
    catalogue_upsert(rows=rows_for(producer, 3), producers={producer.id: producer})
    hub_supplier_link(hub=hub, producer=producer)
    return producer


@pytest.fixture
def open_cycle(hub):
    from hubs.cycle_services import cycle_create

    now = timezone.now()
    return cycle_create(
        hub=hub, name="This week", opens_at=now - dt.timedelta(days=1),
        closes_at=now + dt.timedelta(days=2), markup_percent=Decimal("10"), publish=True,
    )


@pytest.fixture
def cycle_with_offers(open_cycle, supplier):
    from hubs.cycle_services import cycle_offers_add

    cycle_offers_add(cycle=open_cycle, producer=supplier)
    return open_cycle, list(open_cycle.offers.order_by("stockrecord__partner_sku"))


@pytest.fixture(autouse=True)
def _fresh_throttles(monkeypatch):
    """Each test has its own API throttle counts, whatever cache is configured (Redis in CI)."""
    import uuid

    from django.core.cache.backends.locmem import LocMemCache
    from rest_framework.throttling import SimpleRateThrottle

    monkeypatch.setattr(SimpleRateThrottle, "cache", LocMemCache(f"throttle-{uuid.uuid4()}", {}))


@pytest.fixture(autouse=True)
def _english_by_default():
    """Requests in French leave French active in the thread; each test starts in English."""
    from django.utils import translation

    translation.activate("en")
    yield
    translation.deactivate()


@pytest.fixture
def shop(cycle_with_offers):
    """An open cycle ready for orders: 3 offers (10 in stock each), a pickup window, a
    delivery zone (75011, 75012) with a 4.00 fee, pay-at-pickup and bank transfer."""
    from types import SimpleNamespace

    from hubs.cycle_services import cycle_window_save
    from hubs.models import DeliveryZone, PaymentMethod, PickupPoint

    cycle, offers = cycle_with_offers
    hub = cycle.hub
    point = PickupPoint.objects.create(hub=hub, name="La Halle", address="1 rue de la Halle")
    zone = DeliveryZone.objects.create(
        hub=hub, name="Paris 11-12", postcodes="75011, 75012", fee=Decimal("4.00"),
        fee_vat_rate=Decimal("20"),
    )
    day = (timezone.now() + dt.timedelta(days=3)).date()
    window = cycle_window_save(cycle=cycle, pickup_point=point, date=day,
                               start_time=dt.time(17), end_time=dt.time(19))
    delivery_window = cycle_window_save(cycle=cycle, delivery_zone=zone, date=day,
                                        start_time=dt.time(9), end_time=dt.time(12))
    at_pickup = PaymentMethod.objects.create(hub=hub, kind="at_pickup", name="Pay at pickup")
    transfer = PaymentMethod.objects.create(
        hub=hub, kind="bank_transfer", name="Bank transfer", iban="FR7630006000011234567890189",
    )
    return SimpleNamespace(cycle=cycle, hub=hub, offers=offers, point=point, zone=zone,
                           window=window, delivery_window=delivery_window,
                           at_pickup=at_pickup, transfer=transfer)
