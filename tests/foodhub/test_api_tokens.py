"""API tokens: they expire, are kept hashed, listed and revoked, and die with a password change.

Issue 8, finding 5: tokens never expired, logging in again returned the same token, a password
reset left old tokens working, and there was no way to revoke one.
"""

import datetime as dt
import hashlib
import importlib

import pytest
import time_machine
from django.apps import apps
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.contrib.auth.tokens import default_token_generator
from django.db import connection, models
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from rest_framework.test import APIClient

from tests.producers.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery"
NEW_PASSWORD = "another long passphrase 42"


@pytest.fixture
def ana():
    return UserFactory(email="ana@example.com")


@pytest.fixture
def bob():
    return UserFactory(email="bob@example.com")


def log_in(email="ana@example.com", password=PASSWORD, **extra):
    response = APIClient().post(
        "/api/v1/auth/token/", {"email": email, "password": password, **extra}, format="json"
    )
    assert response.status_code == 200, response.content
    return response.json()


def with_token(key):
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return api


def works(key) -> bool:
    status = with_token(key).get("/api/v1/me/").status_code
    assert status in (200, 401)
    return status == 200


def test_logging_in_twice_gives_two_working_tokens(ana):
    first, second = log_in()["token"], log_in()["token"]
    assert first != second
    assert works(first) and works(second)


def test_a_token_expires_after_the_configured_lifetime(ana, settings):
    settings.FOODHUB_API_TOKEN_TTL_HOURS = 2
    issued = log_in()
    expires_at = dt.datetime.fromisoformat(issued["expires_at"])
    assert abs(expires_at - (timezone.now() + dt.timedelta(hours=2))) < dt.timedelta(minutes=1)
    with time_machine.travel(timezone.now() + dt.timedelta(hours=1, minutes=59)):
        assert works(issued["token"])
    with time_machine.travel(timezone.now() + dt.timedelta(hours=2, minutes=1)):
        response = with_token(issued["token"]).get("/api/v1/me/")
        assert response.status_code == 401
        assert response.json()["detail"] == "Token has expired: log in again."


def test_tokens_are_kept_hashed(ana):
    key = log_in()["token"]
    # No text column of any table holds the key itself.
    for model in apps.get_models():
        if not model._meta.managed:
            continue
        for field in model._meta.concrete_fields:
            if isinstance(field, (models.CharField, models.TextField)):
                found = model._default_manager.filter(**{f"{field.attname}__contains": key})
                assert not found.exists(), f"{model._meta.label}.{field.name} holds the key"
    from foodhub.models import ApiToken

    stored = ApiToken.objects.get(user=ana)
    assert stored.key_hash == hashlib.sha256(key.encode()).hexdigest()
    assert key.startswith(stored.prefix)


def test_my_tokens_are_listed_without_their_secret(ana, bob):
    log_in(name="Phone")
    current = log_in(name="Laptop")
    log_in("bob@example.com")
    response = with_token(current["token"]).get("/api/v1/auth/tokens/")
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 2
    rows = body["results"]
    assert [row["name"] for row in rows] == ["Laptop", "Phone"]
    assert set(rows[0]) == {
        "id", "name", "prefix", "created", "expires_at", "last_used_at", "current"
    }
    assert [row["current"] for row in rows] == [True, False]
    assert current["token"] not in response.content.decode()
    assert rows[0]["last_used_at"] is not None


def test_token_list_runs_constant_queries(ana, django_assert_max_num_queries):
    key = log_in()["token"]
    for _ in range(5):
        log_in()
    with django_assert_max_num_queries(4):
        assert with_token(key).get("/api/v1/auth/tokens/").json()["count"] == 6


def test_delete_revokes_the_token_of_the_request(ana):
    used, other = log_in()["token"], log_in()["token"]
    response = with_token(used).delete("/api/v1/auth/token/")
    assert response.status_code == 204
    assert not works(used)
    assert works(other)


def test_delete_without_a_token_is_refused(ana, client):
    assert APIClient().delete("/api/v1/auth/token/").status_code == 401


def test_revoke_one_of_my_tokens_by_id(ana):
    keep, drop = log_in(), log_in()
    response = with_token(keep["token"]).delete(f"/api/v1/auth/tokens/{drop['id']}/")
    assert response.status_code == 204
    assert not works(drop["token"])
    assert works(keep["token"])


def test_another_users_token_id_is_404(ana, bob):
    mine, theirs = log_in(), log_in("bob@example.com")
    response = with_token(mine["token"]).delete(f"/api/v1/auth/tokens/{theirs['id']}/")
    assert response.status_code == 404
    assert works(theirs["token"])


def test_account_page_lists_and_revokes_my_tokens(ana, bob, client):
    phone, laptop = log_in(name="Phone"), log_in(name="Laptop")
    theirs = log_in("bob@example.com", name="Bob's script")
    client.force_login(ana)
    page = client.get("/shop/accounts/api-tokens/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Phone" in html and "Laptop" in html and "Bob&#x27;s script" not in html
    assert phone["token"] not in html
    assert phone["token"][:10] in html  # the prefix, to tell tokens apart

    response = client.post(f"/shop/accounts/api-tokens/{phone['id']}/revoke/", follow=True)
    assert response.redirect_chain[-1][0] == "/shop/accounts/api-tokens/"
    assert "Token revoked" in response.content.decode()
    assert not works(phone["token"])
    assert works(laptop["token"])

    assert client.post(f"/shop/accounts/api-tokens/{theirs['id']}/revoke/").status_code == 404
    assert works(theirs["token"])

    client.post("/shop/accounts/api-tokens/revoke-all/")
    assert not works(laptop["token"])
    assert works(theirs["token"])


def test_account_navigation_links_to_the_tokens_page(ana, client):
    client.force_login(ana)
    html = client.get("/shop/accounts/profile/").content.decode()
    assert 'href="/shop/accounts/api-tokens/"' in html


def test_tokens_page_needs_a_login(client):
    response = client.get("/shop/accounts/api-tokens/")
    assert response.status_code == 302
    assert response["Location"].startswith("/shop/accounts/login/")


def test_changing_the_password_on_the_account_page_revokes_every_token(ana, bob, client):
    mine, theirs = [log_in()["token"], log_in()["token"]], log_in("bob@example.com")["token"]
    client.force_login(ana)
    response = client.post(
        "/shop/accounts/change-password/",
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response.status_code == 302
    assert not any(works(key) for key in mine)
    assert works(theirs)


def test_a_password_reset_revokes_every_token(ana, client):
    key = log_in()["token"]
    uid = urlsafe_base64_encode(force_bytes(ana.pk))
    link = f"/shop/password-reset/confirm/{uid}/{default_token_generator.make_token(ana)}/"
    form = client.get(link, follow=True)
    assert form.status_code == 200
    set_password_url = form.redirect_chain[-1][0]
    response = client.post(
        set_password_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    )
    assert response.status_code == 302
    assert not works(key)


def test_an_admin_setting_a_password_revokes_every_token(ana, client):
    key = log_in()["token"]
    admin = UserFactory(email="root@example.com", is_staff=True, is_superuser=True)
    client.force_login(admin)
    response = client.post(
        f"/django-admin/auth/user/{ana.pk}/password/",
        {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "usable_password": "true"},
    )
    assert response.status_code == 302
    assert not works(key)


class FastPBKDF2Hasher(PBKDF2PasswordHasher):
    iterations = 1


def test_a_password_hash_upgrade_on_login_keeps_the_tokens(ana, settings):
    key = log_in()["token"]
    settings.PASSWORD_HASHERS = [
        "tests.foodhub.test_api_tokens.FastPBKDF2Hasher",
        "django.contrib.auth.hashers.MD5PasswordHasher",
    ]
    log_in()  # the MD5 hash is upgraded on this login
    ana.refresh_from_db()
    assert ana.password.startswith("pbkdf2")
    assert works(key)


def test_other_profile_changes_keep_the_tokens(ana):
    key = log_in()["token"]
    ana.first_name = "Ana"
    ana.save()
    assert works(key)


def test_expired_tokens_are_deleted_by_the_housekeeping_task(ana, settings):
    from foodhub.models import ApiToken
    from foodhub.tasks import delete_expired_api_tokens

    settings.FOODHUB_API_TOKEN_TTL_HOURS = 1
    log_in()
    with time_machine.travel(timezone.now() + dt.timedelta(hours=2)):
        fresh = log_in()
        delete_expired_api_tokens()
    assert list(ApiToken.objects.values_list("id", flat=True)) == [fresh["id"]]


def test_tokens_issued_before_the_upgrade_keep_working_until_their_expiry(ana, settings):
    """The data migration moves DRF's plain tokens to hashed ones with an expiry."""
    from foodhub.models import ApiToken

    migration = importlib.import_module("foodhub.migrations.0002_auth_legacy_tokens")
    settings.FOODHUB_API_TOKEN_TTL_HOURS = 24
    legacy_key = "0123456789abcdef0123456789abcdef01234567"
    with connection.cursor() as cursor:
        if "authtoken_token" not in connection.introspection.table_names(cursor):
            cursor.execute(
                "CREATE TABLE authtoken_token (key varchar(40) PRIMARY KEY, "
                "created timestamp with time zone NOT NULL, user_id integer NOT NULL)"
            )
        cursor.execute(
            "INSERT INTO authtoken_token (key, created, user_id) VALUES (%s, %s, %s)",
            [legacy_key, timezone.now() - dt.timedelta(days=400), ana.pk],
        )
    migration.import_legacy_tokens(apps, connection.schema_editor())

    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM authtoken_token")
        assert cursor.fetchone()[0] == 0  # no plain key left behind
    imported = ApiToken.objects.get(user=ana)
    assert imported.key_hash == hashlib.sha256(legacy_key.encode()).hexdigest()
    assert works(legacy_key)
    with time_machine.travel(timezone.now() + dt.timedelta(hours=25)):
        assert not works(legacy_key)


def test_the_django_admin_lists_tokens_without_keys_and_revokes_them(ana, client):
    issued = log_in(name="Phone")
    admin = UserFactory(email="root@example.com", is_staff=True, is_superuser=True)
    client.force_login(admin)
    page = client.get("/django-admin/foodhub/apitoken/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Phone" in html and issued["token"] not in html
    assert client.get("/django-admin/foodhub/apitoken/add/").status_code == 403
    client.post(
        f"/django-admin/foodhub/apitoken/{issued['id']}/delete/", {"post": "yes"}
    )
    assert not works(issued["token"])


def test_a_wagtail_password_reset_revokes_every_token(ana, client):
    key = log_in()["token"]
    ana.is_staff = True  # Wagtail resets passwords of editors (hub managers in /cms/)
    ana.save(update_fields=["is_staff"])
    uid = urlsafe_base64_encode(force_bytes(ana.pk))
    link = f"/cms/password_reset/confirm/{uid}/{default_token_generator.make_token(ana)}/"
    form = client.get(link, follow=True)
    assert form.status_code == 200
    response = client.post(
        form.redirect_chain[-1][0], {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    )
    assert response.status_code == 302
    ana.refresh_from_db()
    assert ana.check_password(NEW_PASSWORD)
    assert not works(key)


def test_changing_the_password_in_wagtail_revokes_every_token(ana, client):
    key = log_in()["token"]
    ana.is_staff = ana.is_superuser = True  # may use /cms/
    ana.save(update_fields=["is_staff", "is_superuser"])
    client.force_login(ana)
    response = client.post("/cms/account/", {
        "name_email-first_name": "Ana", "name_email-last_name": "A",
        "name_email-email": "ana@example.com", "locale-preferred_language": "en",
        "locale-current_time_zone": "", "theme-theme": "system", "theme-contrast": "system",
        "theme-density": "default",
        "password-old_password": PASSWORD, "password-new_password1": NEW_PASSWORD,
        "password-new_password2": NEW_PASSWORD,
    })
    assert response.status_code == 302, response.content.decode()[:500]
    ana.refresh_from_db()
    assert ana.check_password(NEW_PASSWORD)
    assert not works(key)
