import datetime as dt

import pytest
from django.core import mail
from django.core.exceptions import ValidationError

from hubs.cycle_services import cycle_offers_add
from hubs.models import HubProducer
from hubs.services import (
    hub_manager_add,
    relationship_accept,
    relationship_end,
    relationship_request,
)
from producers.services import producer_member_add
from tests.hubs.factories import HubFactory, past_cycle
from tests.producers.factories import ProducerFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def sides():
    hub, producer = HubFactory(name="Marché"), ProducerFactory(name="Ferme A")
    hub_manager_add(hub=hub, user=UserFactory(email="manager@example.com"))
    producer_member_add(producer=producer, user=UserFactory(email="farmer@example.com"))
    return hub, producer


def test_hub_invites_producer_accepts(sides, django_capture_on_commit_callbacks):
    hub, producer = sides
    with django_capture_on_commit_callbacks(execute=True):
        link = relationship_request(hub=hub, producer=producer, by="hub")
    assert link.status == "invited" and mail.outbox[-1].to == ["farmer@example.com"]
    with pytest.raises(ValidationError):
        relationship_accept(link=link, by="hub")  # the inviter cannot accept for the other
    with django_capture_on_commit_callbacks(execute=True):
        relationship_accept(link=link, by="producer")
    assert link.status == "active" and mail.outbox[-1].to == ["manager@example.com"]


def test_producer_asks_hub_accepts(sides, django_capture_on_commit_callbacks):
    hub, producer = sides
    with django_capture_on_commit_callbacks(execute=True):
        link = relationship_request(hub=hub, producer=producer, by="producer")
    assert link.status == "requested" and mail.outbox[-1].to == ["manager@example.com"]
    relationship_accept(link=link, by="hub")
    assert HubProducer.objects.get().status == "active"
    with pytest.raises(ValidationError, match="already supplies"):
        relationship_request(hub=hub, producer=producer, by="hub")


def test_ending_removes_the_producer_from_future_cycles_only(
    hub, supplier, open_cycle, django_capture_on_commit_callbacks
):
    past = past_cycle(hub, name="Last week", opens_at=open_cycle.opens_at -
                      dt.timedelta(days=8), closes_at=open_cycle.opens_at -
                      dt.timedelta(days=6))
    cycle_offers_add(cycle=open_cycle, producer=supplier)
    past_supplier = past.suppliers.create(producer=supplier)
    record = open_cycle.offers.first().stockrecord
    past.offers.create(supplier=past_supplier, stockrecord=record)
    link = HubProducer.objects.get(hub=hub, producer=supplier)
    with django_capture_on_commit_callbacks(execute=True):
        relationship_end(link=link, by="producer")
    assert not open_cycle.offers.exists() and past.offers.count() == 1
    with pytest.raises(ValidationError, match="does not supply"):
        cycle_offers_add(cycle=open_cycle, producer=supplier)


def test_relationship_e_mails_go_by_celery_after_commit(sides, monkeypatch,
                                                        django_capture_on_commit_callbacks):
    """A hub inviting a producer (and every answer) is e-mailed by a Celery task once the
    change is committed, not by the page itself: a slow mail server cannot hold the page."""
    from hubs import tasks

    hub, producer = sides
    enqueued = []
    monkeypatch.setattr(tasks.send_relationship_email, "delay",
                        lambda *args: enqueued.append(args))
    with django_capture_on_commit_callbacks() as callbacks:
        relationship_request(hub=hub, producer=producer, by="hub")
    assert enqueued == [] and mail.outbox == []
    for callback in callbacks:
        callback()
    (subject, body, recipients), = enqueued
    assert recipients == ["farmer@example.com"] and "Marché" in subject + body
    assert mail.outbox == []  # sent by the worker, not here
