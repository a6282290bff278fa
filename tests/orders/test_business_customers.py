"""Business customers: details saved in the account, given (or prefilled) at checkout, sent
through the API, checked by one rule (`orders.business.business_clean`) and stored on the
order for its invoice."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from oscar.core.loading import get_model

from orders import services
from orders.business import Business, business_clean, customer_profile_save
from orders.models import CustomerProfile
from orders.services import LineRequest
from tests.orders.test_checkout import (
    FULFILMENT,
    PAYMENT,
    PREVIEW,
    THANK_YOU,
    as_guest,
    fill_basket,
    messages_of,
    pickup,
)
from tests.orders.test_orders_api import body, token_client
from tests.producers.factories import UserFactory

pytestmark = pytest.mark.django_db
Order = get_model("order", "Order")

ACCOUNT = "/shop/accounts/business/"
SIREN_ERROR = "is not a valid SIRET (14 digits) or SIREN (9 digits) number"
VAT_ERROR = "is not a valid EU VAT number"
COOP = {"company_name": "Coop SARL", "company_number": "732 829 320 00074",
        "vat_number": "fr 44 732829320", "billing_address": "3 place du Marché\n75011 Paris"}


@pytest.fixture
def shopper():
    return UserFactory(email="buyer@example.org", first_name="Carol", last_name="Petit")


def place(shop, user=None, **kwargs):
    options = {"pickup_window_id": shop.window.pk, "payment_method_id": shop.at_pickup.pk,
               "notify": False}
    options.update(kwargs)
    return services.order_place(cycle_id=shop.cycle.pk,
                                lines=[LineRequest(shop.offers[0].pk, 1)], user=user,
                                **options)


# --- the rule ---------------------------------------------------------------------------------


def test_details_are_tidied_and_stored_compact():
    business = business_clean(Business(**{**COOP, "company_name": "  Coop   SARL "}))
    assert business == Business(company_name="Coop SARL", company_number="73282932000074",
                                vat_number="FR44732829320",
                                billing_address="3 place du Marché\n75011 Paris")


@pytest.mark.parametrize(("changes", "field", "message"), [
    ({"company_number": "123456789"}, "company_number", SIREN_ERROR),
    ({"vat_number": "FR00123"}, "vat_number", VAT_ERROR),
    ({"company_name": "  "}, "company_name", "Enter the company name."),
    ({"billing_address": ""}, "billing_address", "Enter the billing address"),
    ({"company_name": "x" * 201}, "company_name", "At most 200 characters."),
    ({"company_name": "Coop\x00"}, "company_name", "not allowed"),
])
def test_each_wrong_field_is_named(changes, field, message):
    with pytest.raises(ValidationError) as error:
        business_clean(Business(**{**COOP, **changes}))
    assert list(error.value.message_dict) == [field]
    assert message in error.value.message_dict[field][0]


def test_the_numbers_are_optional():
    business = business_clean(Business(company_name="Asso des Lilas",
                                       billing_address="1 rue des Lilas"))
    assert business.company_number == "" and business.vat_number == ""


# --- the service ------------------------------------------------------------------------------


def test_order_place_stores_the_business_on_the_order(shop, shopper):
    order = place(shop, shopper, business=Business(**COOP))
    order.refresh_from_db()
    assert order.is_business
    assert order.customer_company == "Coop SARL"
    assert order.customer_company_number == "73282932000074"
    assert order.customer_vat_number == "FR44732829320"
    assert order.customer_address == "3 place du Marché\n75011 Paris"


def test_order_place_refuses_an_invalid_siren_and_writes_nothing(shop, shopper):
    with pytest.raises(ValidationError) as error:
        place(shop, shopper, business=Business(**{**COOP, "company_number": "123 456 789"}))
    assert SIREN_ERROR in error.value.message_dict["company_number"][0]
    assert not Order.objects.exists()


def test_a_guest_may_order_as_a_business(shop):
    shop.hub.guest_checkout = True
    shop.hub.save()
    order = place(shop, guest_email="guest@example.org", business=Business(**COOP))
    assert Order.objects.get(pk=order.pk).customer_company == "Coop SARL"


def test_a_private_order_has_no_business(shop, shopper):
    order = place(shop, shopper)
    assert not order.is_business and order.customer_company_number == ""


def test_the_profile_service_saves_and_clears(shopper):
    profile = customer_profile_save(user=shopper, business=Business(**COOP))
    assert profile.company_number == "73282932000074"
    customer_profile_save(user=shopper, business=None)
    profile.refresh_from_db()
    assert profile.company_name == "" and profile.billing_address == ""


# --- the account page -------------------------------------------------------------------------


def test_the_account_page_saves_the_details(client, shopper):
    client.force_login(shopper)
    page = client.get(ACCOUNT).content.decode()
    assert 'href="/shop/accounts/business/"' in page  # in the account's navigation
    assert "Business details" in page and 'name="company_name"' in page
    response = client.post(ACCOUNT, COOP)
    assert response.status_code == 302 and response.url == ACCOUNT
    assert "Business details saved" in " ".join(messages_of(response))
    profile = CustomerProfile.objects.get(user=shopper)
    assert (profile.company_name, profile.company_number, profile.vat_number) == (
        "Coop SARL", "73282932000074", "FR44732829320")
    page = client.get(ACCOUNT).content.decode()
    assert 'value="Coop SARL"' in page and 'value="73282932000074"' in page


@pytest.mark.parametrize(("changes", "message"), [
    ({"company_number": "12345"}, SIREN_ERROR),
    ({"vat_number": "XX123"}, VAT_ERROR),
    ({"company_name": ""}, "Enter the company name."),
])
def test_the_account_page_names_a_wrong_field_and_saves_nothing(client, shopper, changes,
                                                                message):
    client.force_login(shopper)
    response = client.post(ACCOUNT, {**COOP, **changes})
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not CustomerProfile.objects.exists()


def test_emptying_the_account_form_removes_the_details(client, shopper):
    customer_profile_save(user=shopper, business=Business(**COOP))
    client.force_login(shopper)
    response = client.post(ACCOUNT, dict.fromkeys(COOP, ""))
    assert "Business details removed" in " ".join(messages_of(response))
    assert CustomerProfile.objects.get(user=shopper).company_name == ""


def test_the_account_page_is_for_signed_in_users(client):
    response = client.get(ACCOUNT)
    assert response.status_code == 302 and "/login/" in response.url
    assert client.post(ACCOUNT, COOP).status_code == 302
    assert not CustomerProfile.objects.exists()


def test_a_script_in_the_company_name_is_shown_as_text(client, shopper, shop):
    payload = '<script>alert("x")</script> SARL'
    client.force_login(shopper)
    client.post(ACCOUNT, {**COOP, "company_name": payload})
    page = client.get(ACCOUNT).content.decode()
    assert "<script>alert" not in page and "&lt;script&gt;alert" in page
    order = place(shop, shopper, business=Business(**{**COOP, "company_name": payload}))
    detail = client.get(f"/shop/accounts/orders/{order.number}/").content.decode()
    assert "<script>alert" not in detail and "&lt;script&gt;alert" in detail


# --- the checkout -----------------------------------------------------------------------------


def to_payment(client, shop, user=None):
    fill_basket(client, shop, [(0, 2)], user=user)
    if user is None:
        as_guest(client, shop)
    assert pickup(client, shop).url == PAYMENT


def pay_as_business(client, shop, **fields):
    data = {"payment_method": shop.at_pickup.pk, "is_business": "on", **COOP}
    data.update(fields)
    return client.post(PAYMENT, {k: v for k, v in data.items() if v is not None})


def test_a_shopper_buys_for_a_business_and_saves_the_details(client, shop, shopper):
    client.force_login(shopper)
    to_payment(client, shop, shopper)
    page = client.get(PAYMENT).content.decode()
    assert "I am buying for a business" in page and 'name="save_business"' in page
    assert pay_as_business(client, shop, save_business="on").url == PREVIEW
    review = client.get(PREVIEW).content.decode()
    assert "Invoice made out to" in review and "Coop SARL" in review
    assert "73282932000074" in review and "FR44732829320" in review
    assert client.post(PREVIEW, {"action": "place_order"}).url == THANK_YOU
    order = Order.objects.get()
    assert order.customer_company == "Coop SARL"
    assert order.customer_company_number == "73282932000074"
    assert order.customer_address == "3 place du Marché\n75011 Paris"
    assert CustomerProfile.objects.get(user=shopper).vat_number == "FR44732829320"


def test_the_details_are_not_saved_unless_asked(client, shop, shopper):
    client.force_login(shopper)
    to_payment(client, shop, shopper)
    pay_as_business(client, shop)
    client.post(PREVIEW, {"action": "place_order"})
    assert Order.objects.get().is_business
    assert not CustomerProfile.objects.exists()


def test_the_payment_step_is_prefilled_from_the_account(client, shop, shopper):
    customer_profile_save(user=shopper, business=Business(**COOP))
    client.force_login(shopper)
    to_payment(client, shop, shopper)
    response = client.get(PAYMENT)
    form = response.context["form"]
    assert form.initial["is_business"] is True
    assert form.initial["company_name"] == "Coop SARL"
    assert 'value="73282932000074"' in response.content.decode()
    # A shopper who says they buy privately this time is not asked again.
    assert client.post(PAYMENT, {"payment_method": shop.at_pickup.pk,
                                 **COOP}).url == PREVIEW
    assert "is_business" not in client.get(PAYMENT).context["form"].initial
    assert "Invoice made out to" not in client.get(PREVIEW).content.decode()
    client.post(PREVIEW, {"action": "place_order"})
    assert not Order.objects.get().is_business


@pytest.mark.parametrize(("changes", "field", "message"), [
    ({"company_number": "732 829 321"}, "company_number", SIREN_ERROR),
    ({"vat_number": "FR99999999999"}, "vat_number", VAT_ERROR),
    ({"billing_address": ""}, "billing_address", "Enter the billing address"),
])
def test_invalid_details_at_checkout_are_named_on_the_payment_step(
        client, shop, shopper, changes, field, message):
    client.force_login(shopper)
    to_payment(client, shop, shopper)
    response = pay_as_business(client, shop, **changes)
    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors[field])
    assert message in response.content.decode()
    # Not past the payment step: the review sends the shopper back to it.
    assert client.get(PREVIEW).url == PAYMENT


def test_a_guest_gives_business_details_without_saving_them(client, shop):
    to_payment(client, shop)
    page = client.get(PAYMENT).content.decode()
    assert "I am buying for a business" in page and 'name="save_business"' not in page
    assert pay_as_business(client, shop, save_business="on").url == PREVIEW
    client.post(PREVIEW, {"action": "place_order"})
    order = Order.objects.get()
    assert order.user is None and order.customer_company == "Coop SARL"
    assert not CustomerProfile.objects.exists()


def test_details_left_in_the_fields_without_the_box_are_ignored(client, shop, shopper):
    client.force_login(shopper)
    to_payment(client, shop, shopper)
    response = pay_as_business(client, shop, is_business=None, company_number="nonsense")
    assert response.url == PREVIEW
    client.post(PREVIEW, {"action": "place_order"})
    assert not Order.objects.get().is_business


def test_a_refusal_at_placing_sends_back_to_the_payment_step(client, shop, shopper,
                                                             monkeypatch):
    """Details that became invalid between the steps (the session is the shopper's)."""
    client.force_login(shopper)
    to_payment(client, shop, shopper)
    pay_as_business(client, shop)
    session = client.session
    session["checkout_data"]["business"]["vat_number"] = "FR00"
    session.save()
    response = client.post(PREVIEW, {"action": "place_order"})
    assert response.url == PAYMENT
    assert VAT_ERROR in " ".join(messages_of(response))
    assert not Order.objects.exists()
    assert client.get(FULFILMENT).status_code == 200  # the basket is still there


# --- the API ----------------------------------------------------------------------------------


def test_the_api_places_a_business_order(shop, shopper):
    api = token_client(shopper)
    response = api.post("/api/v1/orders/", body(shop, business=COOP), format="json")
    assert response.status_code == 201, response.content
    assert response.json()["business"] == {
        "company_name": "Coop SARL", "company_number": "73282932000074",
        "vat_number": "FR44732829320", "billing_address": "3 place du Marché\n75011 Paris"}
    assert Order.objects.get().customer_vat_number == "FR44732829320"
    private = api.post("/api/v1/orders/", body(shop), format="json").json()
    assert private["business"] is None


@pytest.mark.parametrize(("changes", "field", "message"), [
    ({"company_number": "123456789"}, "company_number", SIREN_ERROR),
    ({"vat_number": "FR12"}, "vat_number", VAT_ERROR),
    ({"company_name": ""}, "company_name", "This field may not be blank."),
    ({"billing_address": "   "}, "billing_address", "This field may not be blank."),
])
def test_the_api_names_a_wrong_business_field(shop, shopper, changes, field, message):
    response = token_client(shopper).post(
        "/api/v1/orders/", body(shop, business={**COOP, **changes}), format="json")
    assert response.status_code == 400
    assert message in response.json()["business"][field][0]
    assert not Order.objects.exists()
