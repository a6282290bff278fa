from celery import shared_task

from . import import_services


@shared_task(name="producers.run_product_import", acks_late=True)
def run_product_import(import_id: int) -> str | None:
    """Write a confirmed product import; a duplicate or retried task finds nothing to do."""
    product_import = import_services.import_apply(import_id=import_id)
    return product_import.status if product_import else None


@shared_task(name="producers.send_producer_invitation", autoretry_for=(OSError,), max_retries=5)
def send_producer_invitation(invitation_id: int) -> bool:
    from django.conf import settings

    from .services import producer_invitation_email

    return producer_invitation_email(
        invitation_id=invitation_id, base_url=settings.WAGTAILADMIN_BASE_URL.rstrip("/")
    )
