"""Writes for producers. Views, commands and tasks call these; nothing else writes producers."""

from __future__ import annotations

from django.db import transaction
from django.utils.text import slugify
from oscar.core.loading import get_model

from teams import services as team_services
from teams.roles import TeamRole

from .models import Producer, ProducerMembership, ProducerPhoto

Partner = get_model("partner", "Partner")


@transaction.atomic
def producer_create(
    *, name: str, slug: str | None = None, description: str = "", city: str = "",
    is_visible: bool = True,
) -> Producer:
    """Create a producer with its Oscar partner (same name), so its stock works in checkout."""
    partner = Partner.objects.create(name=name)
    return Producer.objects.create(
        name=name,
        slug=slug or slugify(name),
        description=description,
        city=city,
        is_visible=is_visible,
        partner=partner,
    )


@transaction.atomic
def producer_update(*, producer: Producer, **fields) -> Producer:
    """Update a producer's profile; the partner's name follows the producer's."""
    for key, value in fields.items():
        setattr(producer, key, value)
    producer.full_clean()
    producer.save()
    if producer.partner.name != producer.name:
        producer.partner.name = producer.name
        producer.partner.save(update_fields=["name"])
    return producer


@transaction.atomic
def producer_photo_add(*, producer: Producer, image, caption: str = "") -> ProducerPhoto:
    """Add a photo to a producer's public profile (after the last one)."""
    last = producer.photos.order_by("-display_order").values_list("display_order", flat=True)
    return ProducerPhoto.objects.create(
        producer=producer, image=image, caption=caption, display_order=(last.first() or 0) + 1
    )


@transaction.atomic
def producer_photo_remove(*, producer: Producer, photo_id: int) -> None:
    photo = producer.photos.filter(pk=photo_id).first()
    if photo is not None:
        photo.image.delete(save=False)
        photo.delete()


def producer_member_add(
    *, producer: Producer, user, role: str = TeamRole.STAFF, by=None
) -> ProducerMembership:
    """Make a user a member of a producer's team (see teams.services.member_add)."""
    return team_services.member_add(team=producer, user=user, role=role, by=by)
