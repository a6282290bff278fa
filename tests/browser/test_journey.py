"""Home page, then log in as each demo role and land on that role's home."""

import pytest

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

ROLES = [
    ("admin@example.org", "/shop/dashboard/", "Dashboard"),
    ("producer@example.org", "/producer/", "Ferme des Trois Chênes"),
    ("hub@example.org", "/hub/", "Le Panier de Belleville"),
    ("hub-en@example.org", "/hub/", "Riverside Food Hub"),
    ("shopper@example.org", "/shop/accounts/profile/", "shopper@example.org"),
]


def log_in(page, base, email):
    page.goto(f"{base}/shop/accounts/login/")
    page.fill("#id_login-username", email)
    page.fill("#id_login-password", "foodhub-demo")
    page.click("button[name=login_submit]")
    page.wait_for_load_state()


def test_home_then_each_role_lands_on_its_home(live_server, demo_data, page, artifacts):
    base = live_server.url
    page.goto(f"{base}/")
    assert page.locator("#hub-list").inner_text().count("producer") >= 2
    assert page.locator("#product-list article").count() == 12
    page.screenshot(path=str(artifacts / "home.png"), full_page=True)

    for email, landing, expected_text in ROLES:
        log_in(page, base, email)
        assert page.url == f"{base}{landing}", email
        assert expected_text in page.content(), email
        page.screenshot(path=str(artifacts / f"home-{email.split('@')[0]}.png"), full_page=True)
        page.goto(f"{base}/shop/accounts/logout/")

    # The hub manager of the French hub cannot open the English hub's page.
    log_in(page, base, "hub@example.org")
    response = page.goto(f"{base}/hub/riverside-food-hub/")
    assert response.status == 404


def test_home_on_a_phone_switches_to_french(live_server, demo_data, browser, artifacts):
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    page = context.new_page()
    page.goto(f"{live_server.url}/")
    # The account bar collapses behind the toggler on a phone.
    page.click("button.navbar-toggler")
    page.select_option("#language_select", "fr")
    page.click("#language_selector button[type=submit]")
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "fr"
    assert "Hubs locaux" in page.content()
    page.screenshot(path=str(artifacts / "home-phone-fr.png"), full_page=True)
    context.close()
