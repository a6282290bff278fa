"""A hub's storefront page: made with the hub, at /<hub slug>/, showing how to order now."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from wagtail.models import Page

from cms.models import ContentPage, HubStorefrontPage
from cms.services import storefront_ensure, storefronts_backfill
from hubs import transitions
from hubs.cycle_services import cycle_create, cycle_window_save
from hubs.models import Hub, PickupPoint
from hubs.services import hub_create, hub_supplier_link, hub_update
from teams.services import team_delete
from tests.hubs.factories import HubFactory
from tests.producers.factories import ProducerFactory

pytestmark = pytest.mark.django_db


def test_creating_a_hub_makes_its_page_at_its_address(home, client):
    hub = hub_create(name="Le Marché du Coin", slug="marche-du-coin", city="Lyon")
    page = HubStorefrontPage.objects.get(hub=hub)
    assert page.get_parent().specific == home
    assert (page.title, page.slug, page.live) == ("Le Marché du Coin", "marche-du-coin", True)
    assert page.url == "/marche-du-coin/"
    response = client.get("/marche-du-coin/")
    assert response.status_code == 200
    assert "<h1>Le Marché du Coin</h1>" in response.content.decode()
    # Idempotent: asking again changes nothing.
    assert storefront_ensure(hub=hub) == page
    assert HubStorefrontPage.objects.count() == 1


def test_a_hub_made_before_the_home_page_gets_its_page_by_the_backfill(client):
    hub = hub_create(name="Early", slug="early")
    assert not HubStorefrontPage.objects.exists()
    from wagtail.models import Site

    from cms.models import HomePage

    home = HomePage(title="Foodhub", slug="foodhub-home")
    Page.get_first_root_node().add_child(instance=home)
    Site.objects.filter(is_default_site=True).update(root_page=home)
    made = storefronts_backfill()
    assert made["hubs"] == 1
    assert HubStorefrontPage.objects.get(hub=hub).url == "/early/"
    assert storefronts_backfill()["hubs"] == 0


@pytest.mark.parametrize("slug", ["hub", "shop", "cms", "producer", "me", "api"])
def test_a_hub_cannot_take_an_address_of_the_site(home, slug):
    with pytest.raises(ValidationError) as error:
        hub_create(name="Sneaky", slug=slug)
    assert "already an address of the site" in str(error.value)
    assert not Hub.objects.filter(slug=slug).exists()


def test_a_hub_cannot_take_the_address_of_another_page(home):
    home.add_child(instance=ContentPage(title="How it works", slug="how-it-works"))
    with pytest.raises(ValidationError) as error:
        hub_create(name="How it works", slug="how-it-works")
    assert "already taken by the page “How it works”" in str(error.value)
    assert not Hub.objects.filter(slug="how-it-works").exists()  # rolled back


def test_a_deleted_hubs_page_is_gone_and_its_address_goes_to_the_next_hub(home, client):
    hub = hub_create(name="Old", slug="old-hub")
    page = HubStorefrontPage.objects.get(hub=hub)
    team_delete(team=hub)
    assert client.get("/old-hub/").status_code == 404
    new = hub_create(name="New", slug="old-hub")
    page.refresh_from_db()
    assert page.hub == new
    assert client.get("/old-hub/").status_code == 200


def test_a_hidden_hub_has_no_public_page(storefront, hub, client):
    hub_update(hub=hub, is_visible=False)
    assert client.get("/marche/").status_code == 404


def test_the_page_keeps_its_hubs_address(storefront):
    storefront.slug = "elsewhere"
    storefront.save()
    storefront.refresh_from_db()
    assert storefront.url == "/marche/"


# --- what the page shows -------------------------------------------------------------------


def test_an_open_cycle_with_its_shop_link_closing_time_and_pickup_windows(storefront, shop,
                                                                          client):
    response = client.get("/marche/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "This week" in html
    assert f'href="/marche/shop/?cycle={shop.cycle.id}"' in html
    closes = shop.cycle.closes_at.astimezone(ZoneInfo("Europe/Paris"))
    assert f"Order until {closes.day} {closes:%B %Y %H:%M}" in html
    assert "La Halle" in html and "1 rue de la Halle" in html
    day = shop.window.date
    assert f"{day.strftime('%A')} {day.day} {day.strftime('%B')}, 17:00–19:00" in html
    # A delivery window is not a pickup point's.
    assert "09:00" not in html
    assert 'id="next-cycle"' not in html and 'id="no-cycle"' not in html


def test_times_are_the_hubs_own(home, client):
    hub = HubFactory(name="Auckland", slug="auckland", time_zone="Pacific/Auckland")
    storefront_ensure(hub=hub)
    opens = dt.datetime(2040, 3, 2, 8, 30, tzinfo=dt.UTC)  # 21:30 in Auckland
    transitions.cycle_publish(cycle=cycle_create(
        hub=hub, name="Autumn", opens_at=opens, closes_at=opens + dt.timedelta(days=3)))
    html = client.get("/auckland/").content.decode()
    assert "The next one, “Autumn”, opens on 2 March 2040 21:30." in html


def test_several_open_cycles_make_a_chooser_soonest_closing_first(storefront, shop, client):
    now = timezone.now()
    late = cycle_create(hub=shop.hub, name="Big market", opens_at=now - dt.timedelta(hours=1),
                        closes_at=now + dt.timedelta(days=9), publish=True)
    cycle_window_save(cycle=late, pickup_point=shop.point, date=(now + dt.timedelta(days=10))
                      .date(), start_time=dt.time(10), end_time=dt.time(12))
    html = client.get("/marche/").content.decode()
    assert "Several markets are open" in html
    assert html.index(f"/marche/shop/?cycle={shop.cycle.id}") < html.index(
        f"/marche/shop/?cycle={late.id}")
    assert "(Big market)" in html and "(This week)" in html  # windows say their cycle


def test_with_no_open_cycle_the_next_published_one_is_announced(storefront, hub, client):
    now = timezone.now()
    cycle_create(hub=hub, name="Draft", opens_at=now + dt.timedelta(days=1),
                 closes_at=now + dt.timedelta(days=2))  # a draft is not announced
    html = client.get("/marche/").content.decode()
    assert 'id="no-cycle"' in html and "No market is planned yet" in html
    transitions.cycle_publish(cycle=cycle_create(
        hub=hub, name="Next week", opens_at=now + dt.timedelta(days=5),
        closes_at=now + dt.timedelta(days=7)))
    transitions.cycle_publish(cycle=cycle_create(
        hub=hub, name="Later", opens_at=now + dt.timedelta(days=12),
        closes_at=now + dt.timedelta(days=14)))
    html = client.get("/marche/").content.decode()
    assert "The next one, “Next week”, opens on" in html
    assert "Later" not in html and 'id="open-cycles"' not in html


def test_past_windows_and_inactive_points_are_left_out(storefront, shop, client):
    yesterday = (timezone.now() - dt.timedelta(days=1)).date()
    cycle_window_save(cycle=shop.cycle, pickup_point=shop.point, date=yesterday,
                      start_time=dt.time(8), end_time=dt.time(9))
    PickupPoint.objects.create(hub=shop.hub, name="Closed barn", address="x", is_active=False)
    html = client.get("/marche/").content.decode()
    assert "08:00" not in html and "Closed barn" not in html


def test_the_hubs_profile_and_suppliers(storefront, hub, supplier, client):
    hidden = ProducerFactory(name="Hidden farm", slug="hidden-farm", is_visible=False)
    hub_supplier_link(hub=hub, producer=hidden)
    hub_update(hub=hub, description="Every Thursday.\nBring bags.", contact_email="hi@marche.fr",
               phone="+33 1 23 45 67 89", street="1 place du Marché", postcode="69001")
    html = client.get("/marche/").content.decode()
    assert "<p>Every Thursday.<br>Bring bags.</p>" in html
    assert 'href="mailto:hi@marche.fr"' in html and 'href="tel:+33123456789"' in html
    assert "1 place du Marché" in html and "69001" in html
    assert "Ferme A" in html and "Hidden farm" not in html


def test_the_page_costs_the_same_queries_whatever_the_cycles_points_and_windows(
        storefront, shop, client, django_assert_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get("/marche/")  # warm the site's root paths cache
    with CaptureQueriesContext(connection) as small:
        assert client.get("/marche/").status_code == 200
    now = timezone.now()
    for n in range(3):
        point = PickupPoint.objects.create(hub=shop.hub, name=f"Point {n}", address="x")
        cycle = cycle_create(hub=shop.hub, name=f"Extra {n}", opens_at=now - dt.timedelta(hours=1),
                             closes_at=now + dt.timedelta(days=3 + n), publish=True)
        for day in range(2):
            cycle_window_save(cycle=cycle, pickup_point=point,
                              date=(now + dt.timedelta(days=4 + day)).date(),
                              start_time=dt.time(10), end_time=dt.time(11))
    with django_assert_num_queries(len(small.captured_queries)):
        assert client.get("/marche/").status_code == 200


def test_the_home_page_links_each_hub_to_its_page(storefront, client):
    html = client.get("/").content.decode()
    assert '<a href="/marche/">Marché</a>' in html


def test_spotlight_only_the_hubs_own_producers(storefront, hub, supplier, client):
    stranger = ProducerFactory(name="Stranger farm", slug="stranger")
    storefront.body = [("producer_spotlight", {"producer": stranger, "text": None})]
    with pytest.raises(ValidationError) as error:
        storefront.save()
    assert "Stranger farm" in error.value.message_dict["body"][0]
    storefront.body = [("producer_spotlight", {"producer": supplier, "text": None})]
    storefront.save()
    html = client.get("/marche/").content.decode()
    assert "Producer spotlight" in html and "Ferme A" in html


def test_a_spotlight_on_a_producer_who_left_disappears(storefront, hub, supplier, client):
    from hubs.models import HubProducer
    from hubs.services import relationship_end

    storefront.body = [("producer_spotlight", {"producer": supplier, "text": None})]
    storefront.save()
    relationship_end(link=HubProducer.objects.get(hub=hub, producer=supplier), by="hub")
    html = client.get("/marche/").content.decode()
    assert "Producer spotlight" not in html


def test_opening_hours_and_questions(storefront, client):
    from wagtail.rich_text import RichText

    storefront.body = [
        ("opening_hours", {"title": "", "rows": [{"days": "Thursday", "hours": "17:00–20:00"}],
                           "note": "Closed in August"}),
        ("faq", {"title": "", "questions": [
            {"question": "Can I pay by card?", "answer": RichText("<p>Yes.</p>")}]}),
        ("text", RichText("<h2>About us</h2><p>Since <b>2019</b>.</p>")),
    ]
    storefront.save()
    html = client.get("/marche/").content.decode()
    assert "<h2>Opening hours</h2>" in html and "Thursday" in html and "Closed in August" in html
    assert "<h2>Frequently asked questions</h2>" in html
    assert "<summary>Can I pay by card?</summary>" in html
    assert "<h2>About us</h2><p>Since <b>2019</b>.</p>" in html


def test_headings_go_in_order(storefront, shop, client):
    import re

    html = client.get("/marche/").content.decode()
    levels = [int(level) for level in re.findall(r"<h([1-6])", html.split('id="main"')[1])]
    assert levels[0] == 1 and levels.count(1) == 1
    assert all(b <= a + 1 for a, b in zip(levels, levels[1:], strict=False))


def test_the_page_shows_the_hubs_facts_as_they_are_now(storefront, hub, client):
    hub_update(hub=hub, name="Marché Neuf")
    assert "<h1>Marché Neuf</h1>" in client.get("/marche/").content.decode()
