import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from hubs.cycle_services import cycle_create, cycle_offers_add
from hubs.services import hub_supplier_link
from producers.catalogue_services import catalogue_upsert
from tests.hubs.factories import HubFactory
from tests.producers.factories import ProducerFactory
from tests.producers.test_dashboard import rows_for


@pytest.fixture
def hub():
    return HubFactory(name="Marché", slug="marche")


@pytest.fixture
def supplier(hub):
    producer = ProducerFactory(name="Ferme A", slug="ferme-a")
    catalogue_upsert(rows=rows_for(producer, 3), producers={producer.id: producer})
    hub_supplier_link(hub=hub, producer=producer)
    return producer


@pytest.fixture
def open_cycle(hub):
    now = timezone.now()
    return cycle_create(
        hub=hub, name="This week", opens_at=now - dt.timedelta(days=1),
        closes_at=now + dt.timedelta(days=2), markup_percent=Decimal("10"), publish=True,
    )


@pytest.fixture
def cycle_with_offers(open_cycle, supplier):
    cycle_offers_add(cycle=open_cycle, producer=supplier)
    return open_cycle, list(open_cycle.offers.order_by("stockrecord__partner_sku"))
