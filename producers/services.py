"""Writes for producers. Views, commands and tasks call these; nothing else writes producers."""

from __future__ import annotations

from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from oscar.core.loading import get_model

from .models import (
    PRODUCER_MEMBERS_GROUP,
    MemberRole,
    Producer,
    ProducerInvitation,
    ProducerMembership,
    ProducerPhoto,
)

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


@transaction.atomic
def producer_invite(*, producer: Producer, email: str, role: str, invited_by) -> ProducerInvitation:
    """Invite someone by e-mail to join a producer's team; the e-mail goes after commit."""
    from .tasks import send_producer_invitation

    if role not in MemberRole.values:
        raise ValidationError({"role": _("Unknown role.")})
    invitation = ProducerInvitation.objects.create(
        producer=producer, email=email.strip().lower(), role=role, invited_by=invited_by
    )
    transaction.on_commit(lambda: send_producer_invitation.delay(invitation.pk))
    return invitation


def producer_invitation_email(*, invitation_id: int, base_url: str) -> bool:
    """Send an invitation e-mail (idempotent for accepted invitations: nothing is sent)."""
    invitation = (
        ProducerInvitation.objects.select_related("producer", "invited_by")
        .filter(pk=invitation_id, accepted_at=None)
        .first()
    )
    if invitation is None:
        return False
    context = {"invitation": invitation, "accept_url": f"{base_url}/producer/invitations/"
               f"{invitation.token}/"}
    send_mail(
        subject=render_to_string("producers/email/invitation_subject.txt", context).strip(),
        message=render_to_string("producers/email/invitation_body.txt", context),
        from_email=None,
        recipient_list=[invitation.email],
    )
    return True


@transaction.atomic
def invitation_claim(*, model, token: str, user):
    """Claim an unaccepted invitation (of any team) for the signed-in user, or explain why not.

    Locks the row and marks it accepted; the caller adds the membership in the same
    transaction.
    """
    invitation = model.objects.select_for_update().filter(token=token, accepted_at=None).first()
    if invitation is None:
        raise ValidationError(_("This invitation is not valid any more."))
    if invitation.email.lower() != (user.email or "").lower():
        raise ValidationError(
            _("This invitation was sent to %(email)s: sign in with that address."),
            params={"email": invitation.email},
        )
    invitation.accepted_at = timezone.now()
    invitation.save(update_fields=["accepted_at"])
    return invitation


@transaction.atomic
def producer_invitation_accept(*, token: str, user) -> ProducerMembership:
    """Accept a producer team invitation as the signed-in user (once; the e-mail must match)."""
    invitation = invitation_claim(model=ProducerInvitation, token=token, user=user)
    return producer_member_add(producer=invitation.producer, user=user, role=invitation.role)
