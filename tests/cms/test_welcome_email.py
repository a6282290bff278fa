import pytest
from django.contrib.auth import get_user_model
from django.core import mail

from cms.models import WelcomeEmail
from cms.tasks import send_welcome_email
from tests.hubs.factories import HubFactory
from tests.producers.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_registration_sends_the_welcome_email_after_commit(
    client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
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
    assert len(callbacks) >= 1
    assert get_user_model().objects.filter(email="new@example.com").exists()
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["new@example.com"]
    assert message.subject == "Welcome to Foodhub"
    assert "new@example.com" in message.body
    assert message.alternatives and message.alternatives[0][1] == "text/html"


def test_welcome_email_is_sent_once_even_if_the_task_runs_twice():
    user = UserFactory(email="twice@example.com")
    assert send_welcome_email.delay(user.pk).get() is True
    assert send_welcome_email.delay(user.pk).get() is False
    assert len(mail.outbox) == 1
    assert WelcomeEmail.objects.get(user=user).sent_at is not None


def test_welcome_email_for_a_deleted_user_does_nothing():
    assert send_welcome_email.delay(999_999).get() is False
    assert mail.outbox == []


def test_registration_succeeds_when_the_broker_is_down(
    client, monkeypatch, django_capture_on_commit_callbacks
):
    def broken_delay(*args, **kwargs):
        raise ConnectionError("broker down")

    monkeypatch.setattr(send_welcome_email, "delay", broken_delay)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/shop/accounts/login/",
            {
                "registration-email": "brokerless@example.com",
                "registration-password1": "a long enough passphrase",
                "registration-password2": "a long enough passphrase",
                "registration_submit": "1",
            },
        )
    assert response.status_code == 302
    assert get_user_model().objects.filter(email="brokerless@example.com").exists()


def test_welcome_email_is_in_the_language_the_user_registered_in(
    client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            "/shop/accounts/login/",
            {
                "registration-email": "nouveau@example.fr",
                "registration-password1": "une phrase de passe assez longue",
                "registration-password2": "une phrase de passe assez longue",
                "registration_submit": "1",
            },
            HTTP_ACCEPT_LANGUAGE="fr",
        )
    assert len(mail.outbox) == 1
    assert mail.outbox[0].subject == "Bienvenue sur Foodhub"
    assert "Bonjour nouveau@example.fr," in mail.outbox[0].body


def test_welcome_text_part_is_plain_text_and_html_part_is_escaped():
    user = UserFactory(email="o'neil@example.com")
    HubFactory(name="Marché d'Été", is_visible=True)
    assert send_welcome_email.delay(user.pk).get() is True
    message = mail.outbox[0]
    assert "Hello o'neil@example.com," in message.body
    assert "- Marché d'Été (" in message.body
    assert "&#x27;" not in message.body
    assert "o&#x27;neil@example.com" in message.alternatives[0][0]
