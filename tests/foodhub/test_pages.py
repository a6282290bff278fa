from io import StringIO

import pytest
from django.core.management import call_command

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo():
    call_command("foodhub_demo", quiet_roster=True, stdout=StringIO())


def test_home_shows_hubs_and_products(client, demo):
    response = client.get("/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Le Panier de Belleville" in html and "Riverside Food Hub" in html
    assert "incl. VAT" in html
    assert 'lang="en"' in html


def test_home_page_query_count_does_not_grow_with_the_catalogue(client, demo):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from bench.generate import generate

    client.get("/")
    with CaptureQueriesContext(connection) as before:
        client.get("/")
    generate(producers=5, products_per_producer=20)
    client.get("/")  # warm the thumbnail cache for the new (image-less) products
    with CaptureQueriesContext(connection) as after:
        client.get("/")
    assert len(after) == len(before) <= 15


def test_pages_render_in_french(client, demo):
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="fr")
    assert 'lang="fr"' in response.content.decode()
    assert "Hubs locaux" in response.content.decode()


@pytest.mark.parametrize(
    "url", ["/shop/basket/", "/how-it-works/", "/shop/accounts/login/", "/robots.txt",
            "/panier-de-belleville/shop/", "/riverside-food-hub/shop/"]
)
def test_public_pages(client, demo, url):
    assert client.get(url).status_code == 200


def test_unknown_page_is_a_friendly_404(client, demo):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "Page not found" in response.content.decode()


def test_login_required_pages_redirect_to_a_real_login(client, demo):
    response = client.get("/producer/")
    assert response.status_code == 302
    assert response["Location"].startswith("/shop/accounts/login/")
    assert client.get(response["Location"]).status_code == 200


@pytest.mark.parametrize(
    ("email", "landing"),
    [
        ("admin@example.org", "/shop/dashboard/"),
        ("hub@example.org", "/hub/"),
        ("hub-en@example.org", "/hub/"),
        ("producer@example.org", "/producer/"),
        ("shopper@example.org", "/shop/accounts/profile/"),
    ],
)
def test_login_lands_on_the_role_home(client, demo, email, landing):
    response = client.post(
        "/shop/accounts/login/",
        {"login-username": email, "login-password": "foodhub-demo", "login_submit": "1"},
        follow=True,
    )
    assert response.status_code == 200
    assert response.redirect_chain[-1][0] == landing


def test_login_form_shows_errors(client, demo):
    response = client.post(
        "/shop/accounts/login/",
        {"login-username": "shopper@example.org", "login-password": "wrong", "login_submit": "1"},
    )
    assert response.status_code == 200
    assert "Please enter a correct username and password" in response.content.decode()


def test_registration_form_shows_field_errors(client, demo):
    response = client.post(
        "/shop/accounts/login/",
        {
            "registration-email": "not-an-email",
            "registration-password1": "a",
            "registration-password2": "b",
            "registration_submit": "1",
        },
    )
    assert response.status_code == 200
    assert "Enter a valid email address." in response.content.decode()


def test_password_reset_page_works(client, demo):
    response = client.get("/shop/password-reset/")
    assert response.status_code == 200
    response = client.post("/shop/password-reset/", {"email": "shopper@example.org"})
    assert response.status_code == 302


def test_catalogue_index_sends_shoppers_to_the_hubs(client, demo):
    """Shoppers buy in a hub's cycle: the platform-wide list of every product is gone."""
    response = client.get("/shop/catalogue/")
    assert response.status_code == 302 and response["Location"] == "/"


def test_category_pages_list_products_with_unit_prices(client, demo):
    from oscar.core.loading import get_model

    Category = get_model("catalogue", "Category")
    drinks = Category.objects.get(name="Wine, beer & cider")
    html = client.get(drinks.get_absolute_url()).content.decode()
    assert "Amber ale" in html and "€9.09 / L" in html
    vegetables = Category.objects.get(name="Vegetables")
    html = client.get(vegetables.get_absolute_url()).content.decode()
    assert "Carrots" in html and "Amber ale" not in html


def test_shop_query_count_is_constant(client, demo):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    url = "/panier-de-belleville/shop/"
    # Warm both pages first: thumbnails are made (and cached) on the first view only.
    client.get(url)
    client.get(url + "?page=2")
    with CaptureQueriesContext(connection) as first:
        html = client.get(url).content.decode()
    queries = len(first)
    assert "Page 1 of 2" in html
    with CaptureQueriesContext(connection) as later:
        client.get(url + "?page=2")
    assert len(later) == queries <= 25
