from celery import shared_task

from . import emails


@shared_task(name="orders.send_order_email", autoretry_for=(OSError,), retry_backoff=True,
             max_retries=5)
def send_order_email(order_id: int, kind: str) -> bool:
    """E-mail the shopper about their order (placed, amended, cancelled) once per change."""
    return emails.order_email_send(order_id=order_id, kind=kind)
