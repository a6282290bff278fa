from celery import shared_task


@shared_task(name="teams.send_team_invitation", autoretry_for=(OSError,), retry_backoff=True,
             max_retries=5)
def send_team_invitation(model_label: str, invitation_id: int) -> bool:
    """E-mail a producer's or hub's team invitation once; a retry after success sends nothing."""
    from django.apps import apps
    from django.conf import settings

    from .services import invitation_email_send

    return invitation_email_send(
        model=apps.get_model(model_label), invitation_id=invitation_id,
        base_url=settings.WAGTAILADMIN_BASE_URL.rstrip("/"),
    )
