from celery import shared_task
from django.core.mail import send_mail

from . import cycle_services, transitions


@shared_task(name="hubs.close_due_order_cycles")
def close_due_order_cycles() -> list[int]:
    """Every minute: close the cycles whose time has come, each exactly once."""
    return transitions.cycles_close_due()


@shared_task(name="hubs.notify_opened_order_cycles")
def notify_opened_order_cycles() -> int:
    """Every minute: tell producers that a cycle offering their products has opened."""
    return cycle_services.notify_opened_cycles()


@shared_task(name="hubs.send_relationship_email", autoretry_for=(OSError,), retry_backoff=True,
             max_retries=5)
def send_relationship_email(subject: str, body: str, recipients: list[str]) -> None:
    """E-mail the other side of a hub-producer relationship change (rendered by the service,
    in the hub's language)."""
    send_mail(subject=subject, message=body, from_email=None, recipient_list=recipients)
