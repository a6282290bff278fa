from celery import shared_task

from . import services


@shared_task(
    name="cms.send_welcome_email",
    autoretry_for=(OSError,),
    retry_backoff=True,
    max_retries=5,
)
def send_welcome_email(user_id: int, language: str = "en") -> bool:
    """Send the welcome e-mail once; a retry after success sends nothing."""
    return services.welcome_email_send(user_id=user_id, language=language)
