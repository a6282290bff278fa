"""Login throttling: every login path locks an account and an address after repeated failures.

Issue 8, finding 4: the shop, CMS and Django admin logins accepted unlimited wrong passwords, and
the API token endpoint's throttle trusted any X-Forwarded-For.
"""

import datetime as dt

import pytest
import time_machine
from django.conf import settings
from django.core.management import call_command
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from tests.producers.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery"
EMAIL = "ana@example.com"


def _limit() -> int:
    return getattr(settings, "AXES_FAILURE_LIMIT", 5)


def _cool_off() -> dt.timedelta:
    return dt.timedelta(minutes=getattr(settings, "FOODHUB_LOGIN_COOLOFF_MINUTES", 15))


class Login:
    """One login path: how to post credentials and how to tell that they were accepted."""

    def __init__(self, name, url, fields):
        self.name, self.url, self.fields = name, url, fields

    def post(self, client, username, password, **extra):
        data = self.fields(username, password)
        if self.name == "api":
            return client.post(self.url, data, format="json", **extra)
        return client.post(self.url, data, **extra)

    def accepted(self, response) -> bool:
        if self.name == "api":
            return response.status_code == 200 and "token" in response.json()
        return response.status_code == 302 and "_auth_user_id" in response.wsgi_request.session

    def client(self):
        return APIClient() if self.name == "api" else Client()


LOGINS = [
    Login(
        "shop", "/shop/accounts/login/",
        lambda u, p: {"login-username": u, "login-password": p, "login_submit": "1"},
    ),
    Login("cms", "/cms/login/", lambda u, p: {"username": u, "password": p}),
    Login(
        "admin", "/django-admin/login/?next=/django-admin/",
        lambda u, p: {"username": u, "password": p},
    ),
    Login("api", "/api/v1/auth/token/", lambda u, p: {"email": u, "password": p}),
]


@pytest.fixture
def admin_user():
    # A superuser may use every login (the CMS and the Django admin need staff rights).
    user = UserFactory(email=EMAIL, is_staff=True, is_superuser=True)
    return user


@pytest.mark.parametrize("login", LOGINS, ids=lambda login: login.name)
def test_repeated_wrong_passwords_lock_the_account_until_the_cool_off(login, admin_user):
    client = login.client()
    for _ in range(_limit()):
        response = login.post(client, EMAIL, "wrong password")
        assert not login.accepted(response)

    locked = login.post(client, EMAIL, PASSWORD)
    assert not login.accepted(locked)
    assert locked.status_code == 429
    assert "_auth_user_id" not in client.session
    if login.name == "api":
        assert "Too many failed login attempts" in locked.json()["detail"]
        assert "token" not in locked.json()
    else:
        html = locked.content.decode()
        assert "Too many failed login attempts" in html
        assert 'id="top_page"' in html  # our base template, with the site's navigation

    with time_machine.travel(timezone.now() + _cool_off() + dt.timedelta(seconds=5)):
        assert login.accepted(login.post(login.client(), EMAIL, PASSWORD))


@pytest.mark.parametrize("login", LOGINS, ids=lambda login: login.name)
def test_the_account_lock_holds_from_every_address(login, admin_user):
    # One attacker, many addresses (a botnet): the account itself is locked.
    for n in range(_limit()):
        login.post(login.client(), EMAIL, "wrong", REMOTE_ADDR=f"198.51.100.{n + 1}")
    response = login.post(login.client(), EMAIL, PASSWORD, REMOTE_ADDR="192.0.2.77")
    assert not login.accepted(response)
    assert response.status_code == 429


def test_spelling_the_email_differently_does_not_reset_the_count(admin_user):
    login = LOGINS[0]
    spellings = ["ANA@example.com", " ana@EXAMPLE.com", "Ana@Example.Com", EMAIL, "ana@example.COM"]
    for n, spelling in enumerate(spellings[: _limit()]):
        login.post(Client(), spelling, "wrong", REMOTE_ADDR=f"198.51.100.{n + 1}")
    response = login.post(Client(), EMAIL, PASSWORD, REMOTE_ADDR="192.0.2.77")
    assert response.status_code == 429


@pytest.mark.parametrize("login", LOGINS, ids=lambda login: login.name)
def test_an_address_trying_many_accounts_is_locked(login, admin_user):
    for n in range(_limit()):
        login.post(login.client(), f"guess{n}@example.com", "wrong", REMOTE_ADDR="203.0.113.9")
    blocked = login.post(login.client(), EMAIL, PASSWORD, REMOTE_ADDR="203.0.113.9")
    assert blocked.status_code == 429
    # The account itself is not locked: its owner logs in from elsewhere.
    elsewhere = login.post(login.client(), EMAIL, PASSWORD, REMOTE_ADDR="192.0.2.10")
    assert login.accepted(elsewhere)


@pytest.mark.parametrize("login", LOGINS, ids=lambda login: login.name)
def test_rotating_x_forwarded_for_does_not_help_when_no_proxy_is_trusted(login, admin_user):
    for n in range(_limit()):
        login.post(
            login.client(), f"guess{n}@example.com", "wrong",
            REMOTE_ADDR="203.0.113.9", HTTP_X_FORWARDED_FOR=f"10.1.{n}.1",
        )
    response = login.post(
        login.client(), EMAIL, PASSWORD,
        REMOTE_ADDR="203.0.113.9", HTTP_X_FORWARDED_FOR="10.9.9.9",
    )
    assert response.status_code == 429


@pytest.mark.parametrize("login", LOGINS, ids=lambda login: login.name)
def test_the_forwarded_address_is_honoured_from_the_trusted_proxy(login, admin_user, settings):
    settings.FOODHUB_TRUSTED_PROXIES = ["10.0.0.0/8"]
    proxy = {"REMOTE_ADDR": "10.0.0.2"}
    for n in range(_limit()):
        # The attacker also forges a header: the proxy appends the address it saw.
        login.post(
            login.client(), f"guess{n}@example.com", "wrong",
            HTTP_X_FORWARDED_FOR=f"192.0.2.{n + 1}, 203.0.113.9", **proxy,
        )
    blocked = login.post(
        login.client(), EMAIL, PASSWORD, HTTP_X_FORWARDED_FOR="203.0.113.9", **proxy
    )
    assert blocked.status_code == 429
    # Other shoppers behind the same proxy are not locked out with the attacker.
    neighbour = login.post(
        login.client(), EMAIL, PASSWORD, HTTP_X_FORWARDED_FOR="198.51.100.20", **proxy
    )
    assert login.accepted(neighbour)


def test_token_throttle_ignores_a_rotating_forwarded_header():
    api = APIClient()
    statuses = [
        api.post(
            "/api/v1/auth/token/", {"email": "x"}, format="json",
            REMOTE_ADDR="203.0.113.9", HTTP_X_FORWARDED_FOR=f"10.2.{n}.1",
        ).status_code
        for n in range(31)
    ]
    assert statuses[:30] == [400] * 30
    assert statuses[30] == 429


def test_token_throttle_counts_each_client_behind_the_trusted_proxy(settings):
    settings.FOODHUB_TRUSTED_PROXIES = ["10.0.0.2"]
    api = APIClient()

    def post(client_address):
        return api.post(
            "/api/v1/auth/token/", {"email": "x"}, format="json",
            REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=client_address,
        ).status_code

    assert [post("203.0.113.9") for _ in range(30)] == [400] * 30
    assert post("203.0.113.9") == 429
    assert post("198.51.100.20") == 400


def test_an_admin_unlocks_an_account_with_a_command(admin_user):
    login = LOGINS[0]
    for n in range(_limit()):
        login.post(Client(), EMAIL, "wrong", REMOTE_ADDR=f"198.51.100.{n + 1}")
    assert login.post(Client(), EMAIL, PASSWORD, REMOTE_ADDR="192.0.2.1").status_code == 429
    call_command("axes_reset_username", EMAIL)
    assert login.accepted(login.post(Client(), EMAIL, PASSWORD, REMOTE_ADDR="192.0.2.1"))


def test_a_few_typos_then_the_right_password_log_in_and_reset_the_count(admin_user):
    login = LOGINS[0]
    for _ in range(_limit() - 1):
        login.post(Client(), EMAIL, "typo")
    assert login.accepted(login.post(Client(), EMAIL, PASSWORD))
    for _ in range(_limit() - 1):
        login.post(Client(), EMAIL, "typo")
    assert login.accepted(login.post(Client(), EMAIL, PASSWORD))


def test_registration_still_logs_the_new_shopper_in(client):
    response = client.post(
        "/shop/accounts/login/",
        {
            "registration-email": "new@example.com",
            "registration-password1": "a long enough passphrase",
            "registration-password2": "a long enough passphrase",
            "registration_submit": "1",
        },
    )
    assert response.status_code == 302
    assert "_auth_user_id" in client.session


def test_the_test_clients_login_still_works(client):
    UserFactory(email=EMAIL)
    assert client.login(username=EMAIL, password=PASSWORD)


def test_logging_into_my_account_does_not_reset_my_guesses_at_another(admin_user):
    login = LOGINS[0]
    mine = UserFactory(email="mallory@example.com")
    address = {"REMOTE_ADDR": "203.0.113.9"}
    for _ in range(_limit() - 1):
        login.post(Client(), EMAIL, "guess", **address)
        assert login.accepted(login.post(Client(), mine.email, PASSWORD, **address))
    login.post(Client(), EMAIL, "guess", **address)
    response = login.post(Client(), EMAIL, PASSWORD, REMOTE_ADDR="192.0.2.50")
    assert response.status_code == 429


def test_failed_logins_keep_no_typed_password():
    from axes.models import AccessAttempt

    Client().post("/shop/accounts/login/", {
        "login-username": "ana@example.com", "login-password": "Hunter2-secret",
        "login_submit": "1",
    })
    Client().post("/cms/login/", {"username": "ana@example.com", "password": "Hunter2-secret"})
    attempts = list(AccessAttempt.objects.values("post_data", "get_data", "username"))
    assert attempts
    assert not any("Hunter2-secret" in str(attempt) for attempt in attempts)


def test_api_lockout_says_when_to_retry(admin_user):
    login = LOGINS[3]
    for _ in range(_limit()):
        login.post(APIClient(), EMAIL, "wrong")
    response = login.post(APIClient(), EMAIL, PASSWORD)
    assert response.status_code == 429
    assert response["Retry-After"] == str(int(_cool_off().total_seconds()))
    assert response.json() == {
        "detail": "Too many failed login attempts: please wait 15 minutes before trying again."
    }


def test_lockout_page_offers_a_password_reset(admin_user):
    login = LOGINS[0]
    for _ in range(_limit()):
        response = login.post(Client(), EMAIL, "wrong")
    assert response.status_code == 429
    assert 'href="/shop/password-reset/"' in response.content.decode()
