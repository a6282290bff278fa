"""Writes and side effects owned by the storefront."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import translation

from hubs.selectors import public_hubs

from .models import WelcomeEmail


def welcome_email_send(*, user_id: int, language: str = "en") -> bool:
    """Send the welcome e-mail, in `language`, exactly once; returns whether it was sent now.

    The claim row makes the task idempotent: a duplicated or retried task finds it and stops.
    """
    user = get_user_model().objects.filter(pk=user_id, is_active=True).first()
    if user is None or not user.email:
        return False
    with transaction.atomic():
        claim, created = WelcomeEmail.objects.get_or_create(user=user)
        if not created and claim.sent_at is not None:
            return False
        context = {"user": user, "hubs": list(public_hubs()[:5])}
        with translation.override(language):
            subject = render_to_string("cms/email/welcome_subject.txt", context).strip()
            body = render_to_string("cms/email/welcome_body.txt", context)
            html = render_to_string("cms/email/welcome_body.html", context)
        message = EmailMultiAlternatives(subject=subject, body=body, to=[user.email])
        message.attach_alternative(html, "text/html")
        message.send()
        claim.mark_sent()
    return True
