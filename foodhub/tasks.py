"""Platform housekeeping tasks (wiring-level: no domain logic)."""

from celery import shared_task
from django.core import management


@shared_task(name="foodhub.tasks.clear_expired_sessions")
def clear_expired_sessions() -> None:
    """Delete expired sessions; idempotent, safe to retry."""
    management.call_command("clearsessions")


@shared_task(name="foodhub.tasks.delete_expired_api_tokens")
def delete_expired_api_tokens() -> int:
    """Delete API tokens past their expiry; idempotent."""
    from foodhub.services import api_tokens_delete_expired

    return api_tokens_delete_expired()
