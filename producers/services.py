"""Writes for producers. Views, commands and tasks call these; nothing else writes producers."""

from __future__ import annotations

from django.contrib.auth.models import Group
from django.db import transaction
from django.utils.text import slugify
from oscar.core.loading import get_model

from .models import PRODUCER_MEMBERS_GROUP, MemberRole, Producer, ProducerMembership

Partner = get_model("partner", "Partner")


def role_group_sync(*, user, group_name: str, has_role: bool) -> None:
    """Keep a role's group in step with memberships: join when held, leave when the last goes."""
    if has_role:
        user.groups.add(Group.objects.get_or_create(name=group_name)[0])
    else:
        user.groups.remove(*Group.objects.filter(name=group_name))


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
def producer_member_add(
    *, producer: Producer, user, role: str = MemberRole.STAFF
) -> ProducerMembership:
    """Make a user a member of a producer (idempotent) and give them the producer role."""
    membership, created = ProducerMembership.objects.get_or_create(
        producer=producer, user=user, defaults={"role": role}
    )
    if not created and membership.role != role:
        membership.role = role
        membership.save(update_fields=["role"])
    role_group_sync(user=user, group_name=PRODUCER_MEMBERS_GROUP, has_role=True)
    return membership


@transaction.atomic
def producer_member_remove(*, producer: Producer, user) -> None:
    """Remove a membership; the role goes when the user belongs to no producer any more."""
    ProducerMembership.objects.filter(producer=producer, user=user).delete()
    still_member = ProducerMembership.objects.filter(user=user).exists()
    role_group_sync(user=user, group_name=PRODUCER_MEMBERS_GROUP, has_role=still_member)
