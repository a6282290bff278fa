from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from oscar.core.loading import get_model

from hubs.models import Hub, HubMembership, HubProducer
from producers.models import Producer
from teams.selectors import user_profile

pytestmark = pytest.mark.django_db
Product = get_model("catalogue", "Product")
StockRecord = get_model("partner", "StockRecord")


def counts():
    return (
        Producer.objects.count(), Product.objects.count(), StockRecord.objects.count(),
        Hub.objects.count(), HubProducer.objects.count(), get_user_model().objects.count(),
    )


def run(*args):
    out = StringIO()
    call_command("foodhub_demo", *args, stdout=out)
    return out.getvalue()


def test_demo_loads_a_realistic_catalogue():
    output = run()
    assert "foodhub-demo" in output and "hub-en@example.org" in output
    assert Producer.objects.count() >= 6
    assert Product.objects.filter(structure="parent").count() >= 60
    assert Hub.objects.count() == 2
    assert set(Hub.objects.values_list("currency", flat=True)) == {"EUR"}
    cider = Product.objects.get(title="Dry cider", structure="parent")
    assert cider.vat_rate == 20 and cider.images.count() == 1
    assert cider.categories.get().name == "Wine, beer & cider"
    bottle = cider.children.get()
    assert (bottle.unit_type, bottle.unit_value, bottle.unit_label) == ("volume", 750, "75 cl")
    assert StockRecord.objects.get(product=bottle).price_currency == "EUR"
    honey = Product.objects.get(title="Wildflower honey", structure="parent")
    assert sorted(honey.children.values_list("unit_value", flat=True)) == [250, 500, 1000]
    assert Product.objects.filter(on_demand=True).count() >= 3
    assert StockRecord.objects.filter(num_in_stock__lt=5).count() >= 5  # low stock


def test_demo_is_idempotent():
    run()
    before = counts()
    run()
    assert counts() == before


def test_demo_reset_rebuilds_the_same_data():
    run()
    before = counts()
    Producer.objects.filter(slug="laiterie-du-val").update(name="Renamed")
    run("--reset")
    assert counts() == before
    assert Producer.objects.get(slug="laiterie-du-val").name == "Laiterie du Val"


def test_demo_roster_roles():
    run()
    users = {u.email: u for u in get_user_model().objects.all()}
    assert "platform_admin" in user_profile(users["admin@example.org"]).roles
    producer_profile = user_profile(users["producer@example.org"])
    assert producer_profile.roles == ["shopper", "producer"]
    assert len(producer_profile.memberships["producer"]) == 1
    producer = producer_profile.memberships["producer"][0].producer
    assert HubProducer.objects.filter(producer=producer).count() == 2  # supplies both hubs
    fr = HubMembership.objects.get(user=users["hub@example.org"])
    en = HubMembership.objects.get(user=users["hub-en@example.org"])
    assert fr.hub.language == "fr" and en.hub.language == "en"
    assert HubMembership.objects.filter(user=users["hub@example.org"]).count() == 1
    assert user_profile(users["shopper@example.org"]).roles == ["shopper"]
    assert all(u.check_password("foodhub-demo") for u in users.values())


def test_demo_hubs_have_past_an_open_and_an_upcoming_cycle():
    from hubs.models import OrderCycle

    run()
    run()  # re-anchored, not duplicated
    for hub in Hub.objects.all():
        cycles = OrderCycle.objects.filter(hub=hub)
        assert sorted(c.status for c in cycles) == ["open"] + ["processed"] * 3 + ["upcoming"]
        current = next(c for c in cycles if c.status == "open")
        assert current.offers.exists() and current.fees.count() == 2
        # A window at each of the hub's two pickup points, and one for deliveries.
        assert current.windows.count() == 3 and current.suppliers.exists()
        assert hub.payment_methods.filter(kind="bank_transfer").get().iban
