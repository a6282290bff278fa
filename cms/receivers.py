"""Signal receivers: they only enqueue work (the work itself lives in services)."""

import logging

from django.db import transaction
from django.utils import translation

logger = logging.getLogger(__name__)


def enqueue_welcome_email(sender, user, **kwargs):
    from .tasks import send_welcome_email

    # The worker has no request: pass the language the user registered in.
    language = translation.get_language() or "en"

    def _enqueue():
        try:
            send_welcome_email.delay(user.pk, language)
        except Exception:  # The broker being down must not break registration.
            logger.exception("Could not enqueue the welcome e-mail for user %s", user.pk)

    transaction.on_commit(_enqueue)


def backfill_storefronts(sender, apps=None, using="default", **kwargs):
    """After `migrate`: pages for the hubs and producers that existed before storefront pages
    did (or before the home page). Skipped while cms is migrated back before its pages."""
    from .services import storefronts_backfill

    if using != "default" or apps is None:
        return
    try:
        apps.get_model("cms", "HubStorefrontPage")
    except LookupError:
        return
    storefronts_backfill()
