"""Hub pages show times on the hub's clock, day first and on 24 hours, in English too."""

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from hubs.cycle_services import cycle_create, cycle_window_save
from hubs.models import PickupPoint
from hubs.services import hub_manager_add
from tests.hubs.factories import HubFactory
from tests.producers.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def new_york(client):
    hub = HubFactory(slug="nyc", time_zone="America/New_York", language="en")
    user = UserFactory(email="nyc@example.com")
    hub_manager_add(hub=hub, user=user)
    client.force_login(user)
    return hub


def test_cycle_times_are_day_first_on_the_hubs_clock(client, new_york):
    opens = dt.datetime(2030, 11, 30, 19, 0, tzinfo=ZoneInfo("America/New_York"))
    cycle = cycle_create(hub=new_york, name="Winter", opens_at=opens,
                         closes_at=opens + dt.timedelta(days=2), markup_percent=Decimal("10"))
    point = PickupPoint.objects.create(hub=new_york, name="Hall", address="1 Main St")
    cycle_window_save(cycle=cycle, pickup_point=point, date=dt.date(2030, 12, 3),
                      start_time=dt.time(17), end_time=dt.time(20))

    cycles = client.get("/hub/nyc/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "30/11/2030 19:00" in cycles and "02/12/2030 19:00" in cycles
    assert "Nov." not in cycles and "p.m." not in cycles

    editor = client.get(f"/hub/nyc/cycles/{cycle.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Hall · 3 December 2030 17:00–20:00" in editor
    assert 'value="2030-11-30T19:00"' in editor  # the form too, on the hub's clock


def test_french_dates_when_french_is_active(client, new_york):
    opens = dt.datetime(2030, 11, 30, 19, 0, tzinfo=ZoneInfo("America/New_York"))
    cycle_create(hub=new_york, name="Hiver", opens_at=opens,
                 closes_at=opens + dt.timedelta(days=2), markup_percent=Decimal("10"))
    cycles = client.get("/hub/nyc/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "30/11/2030 19:00" in cycles
