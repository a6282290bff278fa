"""Writes for hubs."""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import partial

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import ProtectedError
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.text import slugify
from django.utils.translation import gettext as _

from teams import services as team_services
from teams.roles import TeamRole

from .models import Hub, HubMembership, HubProducer, validate_hub_address

logger = logging.getLogger(__name__)

HubCreatedHandler = Callable[[Hub], None]
_hub_created_handlers: list[HubCreatedHandler] = []


def register_hub_created_handler(handler: HubCreatedHandler) -> None:
    """Run `handler(hub)` in the transaction that creates a hub (the storefront makes its page
    from its AppConfig.ready(): hubs may not import it). Idempotent registration."""
    if handler not in _hub_created_handlers:
        _hub_created_handlers.append(handler)


def hub_created(*, hub: Hub) -> None:
    """What follows a new hub (its storefront page...): for hub_create and the Django admin.
    A handler's ValidationError rolls the creation back."""
    for handler in list(_hub_created_handlers):
        handler(hub)


@transaction.atomic
def hub_create(
    *, name: str, slug: str | None = None, description: str = "", city: str = "",
    time_zone: str = "Europe/Paris", currency: str = "EUR", language: str = "fr",
) -> Hub:
    """Create a hub after validating its fields (time zone, slug, an address of its own)."""
    hub = Hub(
        name=name, slug=slug or slugify(name), description=description, city=city,
        time_zone=time_zone, currency=currency, language=language,
    )
    hub.full_clean()
    validate_hub_address(hub.slug)
    hub.save()
    hub_created(hub=hub)
    return hub


@transaction.atomic
def hub_update(*, hub: Hub, **fields) -> Hub:
    """Update a hub's profile after validating it as a whole (time zone, slug, language)."""
    for key, value in fields.items():
        setattr(hub, key, value)
    hub.full_clean()
    hub.save()
    return hub


def hub_manager_add(*, hub: Hub, user, role: str = TeamRole.STAFF, by=None) -> HubMembership:
    """Make a user a manager of a hub (see teams.services.member_add)."""
    return team_services.member_add(team=hub, user=user, role=role, by=by)


@transaction.atomic
def hub_supplier_link(*, hub: Hub, producer) -> HubProducer:
    """Record that a producer supplies a hub (idempotent; reactivates an ended link)."""
    link, created = HubProducer.objects.get_or_create(hub=hub, producer=producer)
    if not created and link.status != HubProducer.Status.ACTIVE:
        link.status = HubProducer.Status.ACTIVE
        link.save(update_fields=["status"])
    return link


# --- producer relationships ------------------------------------------------------------------


def _notify(*, hub: Hub, recipients: list[str], template: str, context: dict) -> None:
    """E-mail the other side of a relationship change, after the transaction commits.

    In the hub's language: the hub's managers speak it, and a producer supplying the hub
    deals with it in that language.
    """
    recipients = sorted({r for r in recipients if r})
    if not recipients:
        return
    with translation.override(hub.language):
        subject = render_to_string(f"hubs/email/{template}_subject.txt", context)
        subject = " ".join(subject.split())  # a name with a line break stays one header line
        body = render_to_string(f"hubs/email/{template}_body.txt", context)
    transaction.on_commit(partial(_enqueue_email, subject, body, recipients))


def _enqueue_email(subject: str, body: str, recipients: list[str]) -> None:
    # By Celery, like every e-mail a page causes: a slow or failing mail server must not
    # hold or break the page (the change is already committed).
    from .tasks import send_relationship_email

    try:
        send_relationship_email.delay(subject, body, recipients)
    except Exception:  # The broker being down must not break the page either.
        logger.exception("Could not enqueue a relationship e-mail to %s", recipients)


def _hub_emails(hub: Hub) -> list[str]:
    return [m.user.email for m in hub.memberships.select_related("user")] + [hub.contact_email]


def _producer_emails(producer) -> list[str]:
    return [m.user.email for m in producer.memberships.select_related("user")] + [
        producer.contact_email
    ]


@transaction.atomic
def relationship_request(*, hub: Hub, producer, by: str) -> HubProducer:
    """A hub invites a producer (by="hub") or a producer asks to join a hub (by="producer").

    The other side is e-mailed and must accept. An ended relationship can be asked again.
    """
    if by not in ("hub", "producer"):
        raise ValidationError(_("Unknown side."))
    link = HubProducer.objects.select_for_update().filter(hub=hub, producer=producer).first()
    if link is not None and link.status == HubProducer.Status.ACTIVE:
        raise ValidationError(_("%(producer)s already supplies %(hub)s."),
                              params={"producer": producer.name, "hub": hub.name})
    status = HubProducer.Status.INVITED if by == "hub" else HubProducer.Status.REQUESTED
    if link is None:
        link = HubProducer(hub=hub, producer=producer)
    link.status, link.ended_at, link.accepted_at = status, None, None
    link.save()
    recipients = _producer_emails(producer) if by == "hub" else _hub_emails(hub)
    _notify(hub=hub, recipients=recipients, template=f"relationship_{status}",
            context={"hub": hub, "producer": producer})
    return link


@transaction.atomic
def relationship_accept(*, link: HubProducer, by: str) -> HubProducer:
    """The invited side accepts: a producer accepts a hub's invitation, a hub a request."""
    expected = HubProducer.Status.INVITED if by == "producer" else HubProducer.Status.REQUESTED
    if link.status != expected:
        raise ValidationError(_("There is nothing to accept."))
    link.status, link.accepted_at = HubProducer.Status.ACTIVE, timezone.now()
    link.save(update_fields=["status", "accepted_at"])
    recipients = _hub_emails(link.hub) if by == "producer" else _producer_emails(link.producer)
    _notify(hub=link.hub, recipients=recipients, template="relationship_accepted",
            context={"hub": link.hub, "producer": link.producer})
    return link


@transaction.atomic
def relationship_end(*, link: HubProducer, by: str) -> HubProducer:
    """Either side ends a relationship: the producer leaves the hub's future cycles (offers
    in cycles that have not closed are removed); past orders are untouched."""
    from .models import CycleOffer, CycleStatus, CycleSupplier, OrderCycle

    if link.status == HubProducer.Status.ENDED:
        return link
    link.status, link.ended_at = HubProducer.Status.ENDED, timezone.now()
    link.save(update_fields=["status", "ended_at"])
    future = OrderCycle.objects.filter(hub=link.hub).in_status(
        CycleStatus.DRAFT, CycleStatus.UPCOMING, CycleStatus.OPEN
    )
    CycleOffer.objects.filter(cycle__in=future, supplier__producer=link.producer).delete()
    CycleSupplier.objects.filter(cycle__in=future, producer=link.producer).delete()
    recipients = _producer_emails(link.producer) if by == "hub" else _hub_emails(link.hub)
    _notify(hub=link.hub, recipients=recipients, template="relationship_ended",
            context={"hub": link.hub, "producer": link.producer, "by": by})
    return link


# --- places and payment methods --------------------------------------------------------------


@transaction.atomic
def hub_place_save(*, hub: Hub, model, instance=None, **fields):
    """Create or update a hub's pickup point, delivery zone or payment method, validated."""
    instance = instance or model(hub=hub)
    if instance.hub_id != hub.pk:
        raise ValidationError(_("This belongs to another hub."))
    for key, value in fields.items():
        setattr(instance, key, value)
    instance.full_clean()
    instance.save()
    return instance


@transaction.atomic
def hub_place_remove(*, hub: Hub, instance) -> str:
    """Remove a place or payment method; one used by a cycle is deactivated instead."""
    if instance.hub_id != hub.pk:
        raise ValidationError(_("This belongs to another hub."))
    try:
        with transaction.atomic():
            instance.delete()
    except ProtectedError:
        instance.is_active = False
        instance.save(update_fields=["is_active"])
        return "deactivated"
    return "deleted"


def offer_allocate(*, offer_id: int, quantity: int) -> bool:
    """Count `quantity` more units ordered against a cycle offer; False when its cap is reached.

    A conditional UPDATE (see `producers.services.stock_allocate`): concurrent orders can
    never exceed the cap. A negative quantity gives units back (never below zero).
    """
    from django.db.models import F, Q
    from django.db.models.functions import Greatest

    from .models import CycleOffer

    rows = CycleOffer.objects.filter(pk=offer_id)
    if quantity <= 0:
        rows.update(num_allocated=Greatest(F("num_allocated") + quantity, 0))
        return True
    updated = rows.filter(
        Q(cap__isnull=True) | Q(cap__gte=F("num_allocated") + quantity)
    ).update(num_allocated=F("num_allocated") + quantity)
    return updated == 1
