"""Every invitation e-mail (producer and hub) goes by a Celery task after commit, once."""

import pytest
from django.core import mail
from django.utils import translation

from teams import tasks
from teams.services import invitation_accept, invitation_email_send, invite
from tests.producers.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def enqueued(monkeypatch):
    """The invitation tasks enqueued, run as the (eager) worker would run them."""
    calls = []
    delay = tasks.send_team_invitation.delay

    def spy(*args):
        calls.append(args)
        return delay(*args)

    monkeypatch.setattr(tasks.send_team_invitation, "delay", spy)
    return calls


def test_the_e_mail_goes_by_celery_only_after_commit(
    kind, team, owner, enqueued, django_capture_on_commit_callbacks, settings
):
    settings.WAGTAILADMIN_BASE_URL = "https://food.example.org/"
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        invitation = invite(team=team, email="new@example.com", role="staff", invited_by=owner)
        assert mail.outbox == [] and enqueued == []
    assert mail.outbox == [] and enqueued == []  # still nothing: not committed yet
    for callback in callbacks:
        callback()
    assert enqueued == [(kind.invitation_model._meta.label, invitation.pk)]
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["new@example.com"] and team.name in message.subject
    link = f"https://food.example.org/{kind.prefix}/invitations/{invitation.token}/"
    assert link in message.body


def test_a_rolled_back_invitation_sends_nothing(team, owner, enqueued,
                                                django_capture_on_commit_callbacks):
    from django.db import transaction

    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        invite(team=team, email="new@example.com", role="staff", invited_by=owner)
        transaction.set_rollback(True)
    assert enqueued == [] and mail.outbox == []


def test_the_e_mail_is_sent_once_and_never_for_an_accepted_invitation(kind, team, owner):
    model = kind.invitation_model
    first = invite(team=team, email="a@example.com", role="staff", invited_by=owner)
    assert invitation_email_send(model=model, invitation_id=first.pk, base_url="http://x")
    assert not invitation_email_send(model=model, invitation_id=first.pk, base_url="http://x")
    second = invite(team=team, email="b@example.com", role="staff", invited_by=owner)
    invitation_accept(model=model, token=second.token, user=UserFactory(email="b@example.com"))
    assert not invitation_email_send(model=model, invitation_id=second.pk, base_url="http://x")
    assert [m.to for m in mail.outbox] == [["a@example.com"]]


def test_a_failed_send_is_retried_and_then_sent(kind, team, owner, monkeypatch):
    model = kind.invitation_model
    invitation = invite(team=team, email="a@example.com", role="staff", invited_by=owner)

    def refuse(*args, **kwargs):
        raise OSError("SMTP down")

    monkeypatch.setattr("teams.services.send_mail", refuse)
    with pytest.raises(OSError):
        invitation_email_send(model=model, invitation_id=invitation.pk, base_url="http://x")
    monkeypatch.undo()
    assert invitation_email_send(model=model, invitation_id=invitation.pk, base_url="http://x")
    assert len(mail.outbox) == 1


def test_the_e_mail_is_in_the_language_of_the_invitation(kind, team, owner,
                                                          django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True), translation.override("fr"):
        invitation = invite(team=team, email="a@example.com", role="staff",
                            invited_by=owner)
    assert invitation.language == "fr"
    assert translation.get_language() == "en"
    assert "invit" in mail.outbox[0].subject and "Vous" in mail.outbox[0].subject


def test_a_broker_failure_does_not_break_the_invitation(team, owner, monkeypatch,
                                                       django_capture_on_commit_callbacks):
    def down(*args):
        raise OSError("broker down")

    monkeypatch.setattr(tasks.send_team_invitation, "delay", down)
    with django_capture_on_commit_callbacks(execute=True):
        invitation = invite(team=team, email="a@example.com", role="staff", invited_by=owner)
    assert team.invitations.get() == invitation and invitation.sent_at is None
