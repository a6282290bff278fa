"""Hub settings, places, payment methods and relationships pages; producer-side pages."""

import pytest

from hubs.models import HubProducer, PaymentMethod
from hubs.services import hub_manager_add
from producers.services import producer_member_add
from tests.hubs.factories import HubFactory
from tests.producers.factories import ProducerFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def manager(client, hub):
    user = UserFactory(email="manager@example.com")
    hub_manager_add(hub=hub, user=user)
    client.force_login(user)
    return user


def test_settings_validate_siret_vat_and_time_zone(client, manager, hub):
    response = client.post("/hub/marche/settings/", {
        "action": "profile", "hub-name": "Marché", "hub-time_zone": "Mars/Olympus",
        "hub-language": "fr", "hub-company_number": "123", "hub-vat_number": "FR00",
        "hub-minimum_order": "10",
    })
    html = response.content.decode()
    assert "not a known time zone" in html and "not a valid SIRET" in html
    assert "not a valid EU VAT number" in html
    client.post("/hub/marche/settings/", {
        "action": "profile", "hub-name": "Marché", "hub-time_zone": "Europe/Paris",
        "hub-language": "fr", "hub-company_number": "73282932000074",
        "hub-minimum_order": "10", "hub-guest_checkout": "on",
    })
    hub.refresh_from_db()
    assert hub.guest_checkout and hub.company_number == "73282932000074"


def test_bank_transfer_needs_a_valid_iban(client, manager, hub):
    response = client.post("/hub/marche/settings/", {
        "action": "payment", "payment-kind": "bank_transfer", "payment-name": "Transfer",
        "payment-iban": "FR76 3000 6000 0112 3456 7890 180",
        "payment-reference_pattern": "FH-{order_number}",
    })
    assert "is not a valid IBAN" in response.content.decode()
    client.post("/hub/marche/settings/", {
        "action": "payment", "payment-kind": "bank_transfer", "payment-name": "Transfer",
        "payment-iban": "FR76 3000 6000 0112 3456 7890 189",
        "payment-reference_pattern": "FH-{order_number}",
    })
    method = PaymentMethod.objects.get()
    assert method.iban == "FR7630006000011234567890189" and method.bic


def test_zone_and_pickup_point_are_added_and_removed(client, manager, hub):
    client.post("/hub/marche/settings/", {"action": "zone", "zone-name": "East",
                                          "zone-postcodes": "75020, 93*", "zone-fee": "4",
                                          "zone-fee_vat_rate": "20", "zone-minimum_order": "0"})
    zone = hub.delivery_zones.get()
    assert zone.covers("93100") and zone.covers("75020") and not zone.covers("75001")
    bad = client.post("/hub/marche/settings/", {"action": "zone", "zone-name": "Neg",
                                                "zone-postcodes": "1", "zone-fee": "-1",
                                                "zone-fee_vat_rate": "20",
                                                "zone-minimum_order": "0"})
    assert bad.status_code == 200 and hub.delivery_zones.count() == 1
    client.post("/hub/marche/settings/", {"action": "remove-zone", "id": zone.id})
    assert not hub.delivery_zones.exists()


def test_hub_invites_and_ends_relationships(
    client, manager, hub, django_capture_on_commit_callbacks
):
    producer = ProducerFactory(name="Ferme Z")
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/hub/marche/producers/", {"producer": producer.id})
    link = HubProducer.objects.get(hub=hub, producer=producer)
    assert link.status == "invited"
    client.post("/hub/marche/producers/", {"link": link.id, "do": "accept"})  # not theirs
    link.refresh_from_db()
    assert link.status == "invited"
    client.post("/hub/marche/producers/", {"link": link.id, "do": "end"})
    link.refresh_from_db()
    assert link.status == "ended"


def test_producer_accepts_invitation_and_sees_cycles(client, hub, supplier, open_cycle):
    from hubs.cycle_services import cycle_offers_add

    farmer = UserFactory(email="farmer@example.com")
    producer_member_add(producer=supplier, user=farmer)
    client.force_login(farmer)
    cycle_offers_add(cycle=open_cycle, producer=supplier)
    html = client.get(f"/producer/{supplier.slug}/cycles/").content.decode()
    assert "This week" in html and "Marché" in html
    other_hub = HubFactory(name="Other hub")
    link = HubProducer.objects.create(hub=other_hub, producer=supplier, status="invited")
    client.post(f"/producer/{supplier.slug}/hubs/", {"link": link.id, "do": "accept"})
    link.refresh_from_db()
    assert link.status == "active"
    third = HubFactory(name="Third hub")
    client.post(f"/producer/{supplier.slug}/hubs/", {"producer": third.id})
    assert HubProducer.objects.get(hub=third).status == "requested"


@pytest.mark.parametrize("path", ["settings/", "producers/"])
def test_hub_pages_are_404_for_others(client, hub, path):
    for user in (UserFactory(email="x@example.com"), UserFactory(email="y@example.com")):
        client.force_login(user)
        assert client.get(f"/hub/marche/{path}").status_code == 404
        assert client.post(f"/hub/marche/{path}", {"action": "profile"}).status_code == 404


@pytest.mark.parametrize("path", ["hubs/", "cycles/"])
def test_producer_hub_pages_are_404_for_other_producers(client, supplier, path):
    other = UserFactory(email="other@example.com")
    producer_member_add(producer=ProducerFactory(), user=other)
    client.force_login(other)
    assert client.get(f"/producer/{supplier.slug}/{path}").status_code == 404


def test_owner_invites_a_manager_who_accepts(client, manager, hub,
                                             django_capture_on_commit_callbacks):
    from django.core import mail

    from hubs.models import HubInvitation

    with django_capture_on_commit_callbacks(execute=True):
        client.post("/hub/marche/team/", {"email": "New@Example.com", "role": "staff"})
    invitation = HubInvitation.objects.get()
    assert mail.outbox[-1].to == ["new@example.com"] and invitation.token in mail.outbox[-1].body
    client.force_login(UserFactory(email="intruder@example.com"))
    client.post(f"/hub/invitations/{invitation.token}/")
    assert not hub.memberships.filter(user__email="intruder@example.com").exists()
    newcomer = UserFactory(email="new@example.com")
    client.force_login(newcomer)
    response = client.post(f"/hub/invitations/{invitation.token}/")
    assert response["Location"] == "/hub/marche/"
    assert hub.memberships.get(user=newcomer).role == "staff"


def test_cycle_list_shows_order_count_and_revenue(client, manager, cycle_with_offers):
    from orders.services import order_link_cycle
    from tests.orders.factories import order_line_for

    cycle, offers = cycle_with_offers
    for quantity in (2, 3):
        line = order_line_for(offers[0].stockrecord.product, quantity=quantity)
        order_link_cycle(order=line.order, cycle=cycle)
    html = client.get("/hub/marche/").content.decode()
    row = html[html.index("This week"):]
    assert ">2<" in row[:600] and "€12.00" in row[:800]


def test_team_page_is_404_for_others(client, hub):
    client.force_login(UserFactory(email="x@example.com"))
    assert client.get("/hub/marche/team/").status_code == 404
    assert client.post("/hub/marche/team/", {"email": "a@b.c", "role": "owner"}).status_code == 404
