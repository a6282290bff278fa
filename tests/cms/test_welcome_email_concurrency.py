"""Two workers racing on the same welcome e-mail: exactly one is sent (PostgreSQL only)."""

import threading

import pytest
from django.core import mail
from django.db import connection

from cms.services import welcome_email_send
from tests.producers.factories import UserFactory


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_sends_deliver_one_email():
    user = UserFactory(email="race@example.com")
    barrier = threading.Barrier(2)
    results, errors = [], []

    def send():
        try:
            barrier.wait(timeout=10)
            results.append(welcome_email_send(user_id=user.pk))
        except Exception as exc:  # surfaced below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=send) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    assert sorted(results) == [False, True]
    assert len(mail.outbox) == 1
