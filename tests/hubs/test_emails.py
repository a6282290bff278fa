"""Hub e-mails: plain text (no HTML entities), in the hub's language and time zone."""

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.utils import timezone

from hubs.cycle_services import cycle_create, cycle_supplier_add, notify_opened_cycles
from hubs.services import hub_manager_add, hub_supplier_link, relationship_request
from producers.services import producer_member_add
from tests.hubs.factories import HubFactory
from tests.producers.factories import ProducerFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def atelier():
    producer = ProducerFactory(name="L'Atelier d'Anne", contact_email="")
    producer_member_add(producer=producer, user=UserFactory(email="anne@example.com"))
    return producer


def hub_with_manager(**fields):
    hub = HubFactory(contact_email="", **fields)
    hub_manager_add(hub=hub, user=UserFactory(email=f"manager@{hub.slug}.example.com"))
    return hub


def test_a_french_hub_is_told_in_french_without_html_entities(
    atelier, django_capture_on_commit_callbacks
):
    hub = hub_with_manager(name="Marché d'Été", language="fr")
    with django_capture_on_commit_callbacks(execute=True):
        relationship_request(hub=hub, producer=atelier, by="producer")
    message = mail.outbox[-1]
    assert message.subject == "L'Atelier d'Anne demande à fournir votre hub"
    assert message.body.startswith("L'Atelier d'Anne demande à fournir Marché d'Été.")
    assert "&#x27;" not in message.subject + message.body


def test_an_english_hub_is_told_in_english(atelier, django_capture_on_commit_callbacks):
    hub = hub_with_manager(name="Riverside", language="en")
    with django_capture_on_commit_callbacks(execute=True):
        relationship_request(hub=hub, producer=atelier, by="producer")
    assert mail.outbox[-1].subject == "L'Atelier d'Anne asks to supply your hub"


def test_cycle_opened_e_mail_is_plain_text_in_the_hubs_language_and_time_zone(atelier):
    hub = hub_with_manager(name="Riverside", language="en", time_zone="America/New_York")
    closes = timezone.now().replace(microsecond=0) + dt.timedelta(days=2)
    cycle = cycle_create(
        hub=hub, name="Farmers' week", opens_at=timezone.now() - dt.timedelta(hours=1),
        closes_at=closes, markup_percent=Decimal("10"), publish=True,
        note_to_producers="Please label each crate with the customer's order number.",
    )
    hub_supplier_link(hub=hub, producer=atelier)
    cycle_supplier_add(
        cycle=cycle, producer=atelier, dropoff_date=closes.date(), dropoff_time=dt.time(14),
        dropoff_place="Hall", dropoff_instructions="Use the <back> door & ring.",
    )
    assert notify_opened_cycles() == 1
    message = mail.outbox[-1]
    assert message.subject == "Riverside: \"Farmers' week\" is open for orders"
    assert "the customer's order number" in message.body
    assert "Use the <back> door & ring." in message.body
    local = closes.astimezone(ZoneInfo("America/New_York"))
    assert f"Orders close on {local:%-d %B %Y %H:%M}." in message.body
    assert "&#x27;" not in message.body and "&lt;" not in message.body


def test_names_with_line_breaks_make_one_line_subjects(atelier,
                                                       django_capture_on_commit_callbacks):
    """A hub or cycle named with CR/LF (typed or sent through the API) must not break the
    e-mail header, nor let the name add headers of its own."""
    hub = hub_with_manager(name="River\r\nBcc: evil@example.com", language="en")
    with django_capture_on_commit_callbacks(execute=True):
        relationship_request(hub=hub, producer=atelier, by="producer")
    assert mail.outbox[-1].subject == "L'Atelier d'Anne asks to supply your hub"
    closes = timezone.now().replace(microsecond=0) + dt.timedelta(days=2)
    cycle = cycle_create(
        hub=hub, name="Week\n49", opens_at=timezone.now() - dt.timedelta(hours=1),
        closes_at=closes, markup_percent=Decimal("10"), publish=True,
    )
    hub_supplier_link(hub=hub, producer=atelier)
    cycle_supplier_add(cycle=cycle, producer=atelier, dropoff_date=closes.date(),
                       dropoff_time=dt.time(14), dropoff_place="Hall")
    assert notify_opened_cycles() == 1
    message = mail.outbox[-1]
    assert message.subject == 'River Bcc: evil@example.com: "Week 49" is open for orders'
    assert message.message()["Bcc"] is None
    assert message.recipients() == ["anne@example.com"]
