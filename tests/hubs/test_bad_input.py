"""Malformed input on the hub pages and the hub API answers 400 (API, JSON) or the page with a
clear message, never a server error; numbers and dates are bounded by what the database
holds (issue 8, findings 6 and 9)."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from hubs.cycle_services import cycle_create, cycle_fee_save, cycle_window_save
from hubs.models import CycleFee, CycleOffer, Hub, HubProducer, OrderCycle, PickupPoint
from hubs.services import hub_create, hub_manager_add
from producers.services import producer_member_add
from tests.producers.factories import ProducerFactory, UserFactory

pytestmark = pytest.mark.django_db

BAD_NUMBERS = ["NaN", "sNaN", "Infinity", "-Infinity", "1e999999", "99999999999999999999"]
RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")


@pytest.fixture
def manager(client, hub):
    user = UserFactory(email="manager@example.com")
    hub_manager_add(hub=hub, user=user)
    client.force_login(user)
    return user


@pytest.fixture
def api(manager):
    client = APIClient()
    client.force_authenticate(manager)
    return client


def url(cycle, suffix=""):
    return f"/hub/{cycle.hub.slug}/cycles/{cycle.id}/{suffix}"


def shown(response) -> list[str]:
    """The messages this request added (earlier ones wait in the session, unread)."""
    return [str(m) for m in response.wsgi_request._messages._queued_messages]


# --- ids -------------------------------------------------------------------------------------


def test_api_cycle_list_refuses_a_hub_id_that_is_not_a_number(hub, open_cycle):
    for bad in ["²", "abc", "-1", "99999999999999999999", "1.5"]:
        response = APIClient().get("/api/v1/order-cycles/", {"hub": bad})
        assert response.status_code == 400, bad
        assert response.json() == {"hub": ["A hub id is a whole number."]}
    assert APIClient().get("/api/v1/order-cycles/", {"hub": hub.id}).json()["count"] == 1


def test_settings_remove_with_a_bad_id_says_so(client, manager, hub):
    point = PickupPoint.objects.create(hub=hub, name="Barn", address="1 rue")
    for bad in ["²", "abc", "", "99999999999999999999"]:
        response = client.post("/hub/marche/settings/", {"action": "remove-pickup", "id": bad})
        assert response.status_code == 302, bad
        assert shown(response) == ["Nothing was removed: unknown item."]
    assert PickupPoint.objects.filter(pk=point.pk).exists()
    response = client.post("/hub/marche/settings/", {"action": "remove-pickup", "id": point.pk})
    assert shown(response) == ["Removed."]


def test_hub_producers_with_a_bad_link_id_says_so(client, manager, hub):
    producer = ProducerFactory()
    link = HubProducer.objects.create(hub=hub, producer=producer)
    for bad in ["²", "x", "99999999999999999999"]:
        response = client.post("/hub/marche/producers/", {"link": bad, "do": "end"})
        assert response.status_code == 302, bad
        assert shown(response) == ["Unknown relationship."]
    link.refresh_from_db()
    assert link.status == HubProducer.Status.ACTIVE


def test_producer_hubs_with_a_bad_link_id_says_so(client, hub):
    user = UserFactory()
    producer = ProducerFactory(slug="ferme")
    producer_member_add(producer=producer, user=user)
    link = HubProducer.objects.create(hub=hub, producer=producer)
    client.force_login(user)
    response = client.post("/producer/ferme/hubs/", {"link": "²", "do": "end"})
    assert response.status_code == 302
    assert shown(response) == ["Unknown relationship."]
    link.refresh_from_db()
    assert link.status == HubProducer.Status.ACTIVE


def test_preview_refuses_offer_ids_that_are_not_numbers(client, manager, cycle_with_offers):
    cycle, offers = cycle_with_offers
    response = client.get(url(cycle, "preview/"), {"offers": f"{offers[0].id},²"})
    assert response.status_code == 400
    assert response.json() == {"offers": ["Give ids as whole numbers, separated by commas."]}
    ok = client.get(url(cycle, "preview/"), {"offers": f"{offers[0].id},{offers[1].id}"})
    assert set(ok.json()) == {str(offers[0].id), str(offers[1].id)}


def test_fee_and_window_delete_with_a_bad_id_says_so(client, manager, open_cycle, hub):
    fee = cycle_fee_save(cycle=open_cycle, name="Packing", kind=CycleFee.Kind.PER_ITEM_FLAT,
                         amount=Decimal("1"), vat_rate=Decimal("20"))
    point = PickupPoint.objects.create(hub=hub, name="Barn", address="1 rue")
    window = cycle_window_save(cycle=open_cycle, pickup_point=point,
                               date=timezone.localdate() + dt.timedelta(days=1),
                               start_time=dt.time(17), end_time=dt.time(19))
    for suffix in ("fees/", "windows/"):
        for bad in ["abc", "²", "99999999999999999999"]:
            response = client.post(url(open_cycle, suffix), {"delete": bad})
            assert response.status_code == 302
            assert shown(response) == ["Nothing was removed: unknown item."]
    assert CycleFee.objects.filter(pk=fee.pk).exists()
    assert open_cycle.windows.filter(pk=window.pk).exists()


# --- search, redirects -------------------------------------------------------------------------


def test_cycle_editor_search_ignores_nothing_and_refuses_nul(client, manager, cycle_with_offers):
    cycle, _offers = cycle_with_offers
    assert client.get(url(cycle), {"q": "x" * 10_000}).status_code == 200
    response = client.get(url(cycle), {"q": "carr\x00ots"})
    assert response.status_code == 400


def test_next_query_keeps_only_page_and_search(client, manager, cycle_with_offers):
    cycle, offers = cycle_with_offers
    data = {
        "offers-TOTAL_FORMS": "1", "offers-INITIAL_FORMS": "1",
        "offers-0-offer_id": offers[0].id, "offers-0-cap": "5",
        "next_query": "page=2\r\nSet-Cookie: stolen=1&q=carrots&evil=1",
    }
    response = client.post(url(cycle, "offers/"), data)
    assert response.status_code == 302
    location = response["Location"]
    assert "\r" not in location and "\n" not in location
    assert location == url(cycle) + "?q=carrots"  # "2\r\nSet-Cookie..." is not a page number
    data["next_query"] = "page=2&q=new+potatoes&next=https://evil.example"
    response = client.post(url(cycle, "offers/"), data)
    assert response["Location"] == url(cycle) + "?page=2&q=new+potatoes"


# --- markups ------------------------------------------------------------------------------------


@pytest.mark.parametrize("bad", BAD_NUMBERS)
def test_preview_refuses_a_markup_that_is_not_a_number(client, manager, cycle_with_offers, bad):
    cycle, offers = cycle_with_offers
    response = client.get(url(cycle, "preview/"), {"markup_percent": bad,
                                                   "offers": str(offers[0].id)})
    assert response.status_code == 400
    assert list(response.json()) == ["markup_percent"]


@pytest.mark.parametrize("bad", BAD_NUMBERS)
def test_cycle_form_and_api_refuse_a_markup_that_is_not_a_number(client, api, open_cycle, bad):
    response = client.post(url(open_cycle), {
        "cycle-name": "x", "cycle-markup_percent": bad,
        "cycle-opens_at": "", "cycle-closes_at": "",
    })
    assert response.status_code == 200
    assert "markup_percent" in response.context["form"].errors
    response = api.patch(f"/api/v1/order-cycles/{open_cycle.id}/", {"markup_percent": bad},
                         format="json")
    assert response.status_code == 400 and "markup_percent" in response.json()
    open_cycle.refresh_from_db()
    assert open_cycle.markup_percent == Decimal("10")


@pytest.mark.parametrize("bad", BAD_NUMBERS)
def test_offer_and_dropoff_markups_refuse_non_numbers(client, manager, cycle_with_offers, bad):
    cycle, offers = cycle_with_offers
    response = client.post(url(cycle, "offers/"), {
        "offers-TOTAL_FORMS": "1", "offers-INITIAL_FORMS": "1",
        "offers-0-offer_id": offers[0].id, "offers-0-markup_percent": bad,
    })
    assert response.status_code == 302
    assert shown(response)[0].startswith("Nothing was saved")
    supplier = cycle.suppliers.get()
    response = client.post(url(cycle, f"suppliers/{supplier.pk}/"),
                           {f"s{supplier.pk}-markup_percent": bad})
    assert response.status_code == 302
    supplier.refresh_from_db()
    assert supplier.markup_percent is None


def test_offer_cap_is_bounded_by_the_column(client, manager, cycle_with_offers):
    cycle, offers = cycle_with_offers
    response = client.post(url(cycle, "offers/"), {
        "offers-TOTAL_FORMS": "1", "offers-INITIAL_FORMS": "1",
        "offers-0-offer_id": offers[0].id, "offers-0-cap": "2147483648",
    })
    assert shown(response)[0].startswith("Nothing was saved")
    assert CycleOffer.objects.get(pk=offers[0].pk).cap is None


# --- dates ------------------------------------------------------------------------------------


@pytest.mark.parametrize("opens_at", ["0001-01-01T00:00:00+01:00", "9999-12-31T23:59:00-05:00",
                                      "1999-12-31T12:00:00Z", "2100-01-01T00:00:00Z"])
def test_api_refuses_cycle_dates_out_of_range(api, hub, open_cycle, opens_at):
    response = api.post("/api/v1/order-cycles/", {
        "hub": hub.id, "name": "Far", "opens_at": opens_at, "closes_at": opens_at,
    }, format="json")
    assert response.status_code == 400
    assert "opens_at" in response.json()
    response = api.patch(f"/api/v1/order-cycles/{open_cycle.id}/", {"closes_at": opens_at},
                         format="json")
    assert response.status_code == 400
    assert "closes_at" in response.json()
    assert OrderCycle.objects.count() == 1


def test_cycle_form_refuses_dates_out_of_range(client, manager):
    response = client.post("/hub/marche/cycles/new/", {
        "name": "Far", "opens_at": "9999-12-31T09:00", "closes_at": "9999-12-31T20:00",
        "markup_percent": "0",
    })
    assert response.status_code == 200
    assert "Choose a date between 2000 and 2099." in response.content.decode()
    response = client.post("/hub/marche/cycles/new/", {
        "name": "Old", "opens_at": "0001-01-01T00:00", "closes_at": "0001-01-02T00:00",
        "markup_percent": "0",
    })
    assert response.status_code == 200
    assert "Choose a date between 2000 and 2099." in response.content.decode()
    assert not OrderCycle.objects.exists()


def test_clone_to_year_9999_is_refused_on_the_page_and_the_api(client, api, open_cycle):
    response = client.post(url(open_cycle, "clone/do/"), {"clone-opens_at": "9999-12-31T23:00"})
    assert response.status_code == 302
    assert shown(response) == ["Choose a date before 2099."]
    response = api.post(f"/api/v1/order-cycles/{open_cycle.id}/clone/",
                        {"opens_at": "9999-12-31T23:00:00-10:00"}, format="json")
    assert response.status_code == 400 and "opens_at" in response.json()
    assert OrderCycle.objects.count() == 1


def test_api_times_are_rfc3339_even_for_an_old_stored_cycle(api, open_cycle):
    # Written before the bounds existed; Paris had a +00:09:21 offset then.
    OrderCycle.objects.filter(pk=open_cycle.pk).update(
        opens_at=dt.datetime(1890, 1, 1, tzinfo=dt.UTC)
    )
    body = api.get(f"/api/v1/order-cycles/{open_cycle.id}/").json()
    assert RFC3339.match(body["opens_at"]), body["opens_at"]
    assert RFC3339.match(body["closes_at"]), body["closes_at"]


# --- currency -----------------------------------------------------------------------------------


@pytest.mark.parametrize("bad", ["XXX", "XTS", "ZZZ", "eur", "EURO", "€"])
def test_hub_currency_is_a_real_iso_4217_currency(api, hub, bad):
    response = api.patch(f"/api/v1/hubs/{hub.id}/", {"currency": bad}, format="json")
    assert response.status_code == 400
    assert "currency" in response.json()
    hub.refresh_from_db()
    assert hub.currency == "EUR"
    with pytest.raises(Exception, match="currency"):
        hub_create(name="Elsewhere", currency=bad)


def test_hub_currency_accepts_real_ones(api, hub):
    for code in ("CHF", "XOF", "GBP"):
        response = api.patch(f"/api/v1/hubs/{hub.id}/", {"currency": code}, format="json")
        assert response.status_code == 200, response.json()
    assert Hub.objects.get(pk=hub.pk).currency == "GBP"


def test_cycle_create_service_accepts_the_bounds():
    hub = hub_create(name="Bounds")
    cycle = cycle_create(hub=hub, name="Last", opens_at=dt.datetime(2099, 12, 1, tzinfo=dt.UTC),
                         closes_at=dt.datetime(2099, 12, 2, tzinfo=dt.UTC))
    assert cycle.pk


def test_window_and_dropoff_dates_stay_within_the_cycle_years(client, manager, open_cycle, hub,
                                                               supplier):
    # A clone shifts them by days: 9999-12-31 plus a day was a server error.
    point = PickupPoint.objects.create(hub=hub, name="Barn", address="1 rue")
    response = client.post(url(open_cycle, "windows/"), {
        "window-pickup_point": point.pk, "window-date": "9999-12-31",
        "window-start_time": "17:00", "window-end_time": "19:00",
    })
    assert shown(response) == ["Choose a date between 2000 and 2099."]
    assert not open_cycle.windows.exists()
    from hubs.cycle_services import cycle_supplier_add

    row = cycle_supplier_add(cycle=open_cycle, producer=supplier)
    response = client.post(url(open_cycle, f"suppliers/{row.pk}/"),
                           {f"s{row.pk}-dropoff_date": "9999-12-31"})
    assert shown(response) == ["Choose a date between 2000 and 2099."]
    row.refresh_from_db()
    assert row.dropoff_date is None
