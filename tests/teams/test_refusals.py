"""Trying the team rules as a hostile member would: every path (page, API, admin, services)
refuses the same things, with a message and not an error page, and changes nothing."""

import pytest
from django.contrib.auth.models import Permission
from rest_framework.test import APIClient

from teams.services import invitation_accept, invitation_cancel, invite, member_add
from tests.hubs.factories import HubFactory
from tests.producers.factories import ProducerFactory, UserFactory
from tests.teams.conftest import KINDS
from tests.teams.test_admin import _form_data, _membership_rows
from tests.teams.test_admin import _url as _admin_url

pytestmark = pytest.mark.django_db


def _messages(response) -> str:
    return " ".join(str(m) for m in response.context["messages"])


def _api_url(kind, team, rest: str = "") -> str:
    return f"/api/v1/{kind.prefix}s/{team.pk}/team/{rest}"


def test_staff_cannot_replace_an_owners_pending_owner_invitation(kind, team, owner, staff,
                                                                 client):
    """Inviting an address again replaces its invitation: staff must not use that to turn an
    owner's invitation of an owner into one of staff (they cannot withdraw it either)."""
    invitation = invite(team=team, email="boss@example.com", role="owner", invited_by=owner)
    client.force_login(staff)
    response = client.post(kind.page(team), {"action": "invite", "email": "boss@example.com",
                                             "role": "staff"}, follow=True)
    assert "Only an owner can invite another owner" in _messages(response)
    assert list(team.invitations.values_list("pk", "role")) == [(invitation.pk, "owner")]
    api = APIClient()
    api.force_authenticate(staff)
    response = api.post(_api_url(kind, team, "invitations/"), {"email": "boss@example.com"})
    assert response.status_code == 403
    assert list(team.invitations.values_list("pk", "role")) == [(invitation.pk, "owner")]
    # The owner may replace it.
    invite(team=team, email="boss@example.com", role="staff", invited_by=owner)
    assert list(team.invitations.values_list("role", flat=True)) == ["staff"]


@pytest.mark.parametrize("role", ["superowner", "", None, "Owner", ["owner"]])
def test_a_bogus_role_is_a_clear_400_by_api(kind, team, owner, staff, role):
    api = APIClient()
    api.force_authenticate(owner)
    body = {"email": "a@example.com", "role": role}
    response = api.post(_api_url(kind, team, "invitations/"), body, format="json")
    assert response.status_code == 400 and "role" in response.json()
    staff_id = team.memberships.get(user=staff).pk
    response = api.patch(_api_url(kind, team, f"members/{staff_id}/"), {"role": role},
                         format="json")
    assert response.status_code == 400 and "role" in response.json()
    response = api.patch(_api_url(kind, team, f"members/{staff_id}/"), {}, format="json")
    assert response.status_code == 400 and "role" in response.json()
    assert not team.invitations.exists()
    assert team.memberships.get(user=staff).role == "staff"


@pytest.mark.parametrize("post", [
    {"action": "invite", "email": "a@example.com", "role": "superowner"},
    {"action": "invite", "email": "a@example.com", "role": ""},
    {"action": "invite", "email": "not-an-address", "role": "staff"},
    {"action": "role", "member": "MEMBER", "role": "superowner"},
    {"action": "role", "member": "MEMBER", "role": ""},
    {"action": "role", "member": "abc", "role": "owner"},
    {"action": "role", "role": "owner"},
    {"action": "remove", "member": "99999"},
    {"action": "cancel", "invitation": "x"},
    {"action": "promote-me"},
])
def test_bogus_page_posts_are_refused_without_an_error_page(kind, team, owner, staff, client,
                                                            post):
    client.force_login(owner)
    post = {k: str(team.memberships.get(user=staff).pk) if v == "MEMBER" else v
            for k, v in post.items()}
    response = client.post(kind.page(team), post, follow=True)
    assert response.status_code == 200
    page = response.content.decode()
    shown = _messages(response) + " ".join(
        text for text in ("Select a valid choice", "This field is required", "Enter a valid")
        if text in page)
    assert shown.strip()
    assert not team.invitations.exists()
    assert dict(team.memberships.values_list("user__email", "role")) == {
        "owner@example.com": "owner", "staff@example.com": "staff"}


def test_staff_cannot_raise_themselves(kind, team, owner, staff, client):
    client.force_login(staff)
    mine = team.memberships.get(user=staff).pk
    response = client.post(kind.page(team), {"action": "role", "member": mine,
                                             "role": "owner"}, follow=True)
    assert "Only an owner can change roles" in _messages(response)
    api = APIClient()
    api.force_authenticate(staff)
    assert api.patch(_api_url(kind, team, f"members/{mine}/"), {"role": "owner"}).status_code \
        == 403
    assert team.memberships.get(user=staff).role == "staff"


def test_the_sole_owner_cannot_demote_or_remove_themselves_anywhere(kind, team, owner, staff,
                                                                    client):
    mine = team.memberships.get(user=owner).pk
    client.force_login(owner)
    response = client.post(kind.page(team), {"action": "role", "member": mine,
                                             "role": "staff"}, follow=True)
    assert "needs an owner" in _messages(response)
    response = client.post(kind.page(team), {"action": "remove", "member": mine}, follow=True)
    assert "last owner" in _messages(response)
    api = APIClient()
    api.force_authenticate(owner)
    response = api.patch(_api_url(kind, team, f"members/{mine}/"), {"role": "staff"})
    assert response.status_code == 400 and "needs an owner" in str(response.json())
    assert api.delete(_api_url(kind, team, f"members/{mine}/")).status_code == 400
    assert team.memberships.get(user=owner).role == "owner"


def test_a_manager_of_another_team_cannot_see_invite_withdraw_or_remove(kind, team, owner,
                                                                        staff, client):
    """Tenancy: an owner of team B reaches nothing of team A, by page or API, even with
    team A's member and invitation ids posted to team B's own page."""
    invitation = invite(team=team, email="pending@example.com", role="staff", invited_by=owner)
    other_team = kind.factory()
    intruder = UserFactory(email="intruder@example.com")
    member_add(team=other_team, user=intruder, role="owner")
    client.force_login(intruder)
    assert client.get(kind.page(team)).status_code == 404
    assert client.post(kind.page(team), {"action": "invite", "email": "x@example.com",
                                         "role": "owner"}).status_code == 404
    staff_id = team.memberships.get(user=staff).pk
    for post in ({"action": "remove", "member": staff_id},
                 {"action": "role", "member": staff_id, "role": "owner"},
                 {"action": "cancel", "invitation": invitation.pk}):
        response = client.post(kind.page(other_team), post, follow=True)
        assert response.status_code == 200 and _messages(response)
    api = APIClient()
    api.force_authenticate(intruder)
    assert api.patch(_api_url(kind, team, f"members/{staff_id}/"), {"role": "owner"}) \
        .status_code == 404
    assert api.patch(_api_url(kind, other_team, f"members/{staff_id}/"), {"role": "owner"}) \
        .status_code == 404
    assert api.delete(_api_url(kind, other_team, f"members/{staff_id}/")).status_code == 404
    assert list(team.invitations.all()) == [invitation]
    assert dict(team.memberships.values_list("user__email", "role")) == {
        "owner@example.com": "owner", "staff@example.com": "staff"}
    assert not other_team.invitations.exists()


def test_a_producer_member_cannot_reach_a_hubs_team_and_back(client):
    producer, hub = ProducerFactory(), HubFactory()
    farmer, manager = UserFactory(), UserFactory()
    member_add(team=producer, user=farmer, role="owner")
    member_add(team=hub, user=manager, role="owner")
    client.force_login(farmer)
    assert client.get(KINDS["hub"].page(hub)).status_code == 404
    client.force_login(manager)
    assert client.get(KINDS["producer"].page(producer)).status_code == 404


def test_claiming_a_withdrawn_or_other_kinds_invitation_or_twice_is_refused(kind, team, owner,
                                                                           client):
    newcomer = UserFactory(email="new@example.com")
    withdrawn = invite(team=team, email="new@example.com", role="staff", invited_by=owner)
    invitation_cancel(team=team, invitation_id=withdrawn.pk, by=owner)
    client.force_login(newcomer)
    response = client.post(kind.accept(withdrawn), follow=True)
    assert "not valid any more" in _messages(response)
    invitation = invite(team=team, email="new@example.com", role="owner", invited_by=owner)
    other = next(k for k in KINDS.values() if k is not kind)
    wrong_url = f"/{other.prefix}/invitations/{invitation.token}/"
    assert "not valid any more" in _messages(client.post(wrong_url, follow=True))
    assert not team.memberships.filter(user=newcomer).exists()
    client.post(kind.accept(invitation))
    assert team.memberships.get(user=newcomer).role == "owner"
    assert "not valid any more" in _messages(client.post(kind.accept(invitation), follow=True))
    with pytest.raises(Exception, match="not valid any more"):
        invitation_accept(model=kind.invitation_model, token=invitation.token, user=newcomer)


def test_an_invitation_link_needs_a_signed_in_user(kind, team, owner, client):
    invitation = invite(team=team, email="new@example.com", role="staff", invited_by=owner)
    response = client.post(kind.accept(invitation))
    assert response.status_code == 302 and "login" in response["Location"]
    assert team.invitations.get().accepted_at is None


def test_admin_staff_who_is_team_staff_cannot_add_an_owner(kind, team, owner, staff, client):
    """A Django staff user given the team models' permissions by hand, but only staff of the
    team and not a platform admin, cannot add an owner nor promote through the inline."""
    staff.is_staff = True
    staff.save()
    model = kind.factory._meta.model
    membership = type(team).memberships.rel.related_model
    for m in (model, membership):
        for action in ("view", "change", "add", "delete"):
            staff.user_permissions.add(Permission.objects.get(
                content_type__app_label=m._meta.app_label,
                codename=f"{action}_{m._meta.model_name}"))
    client.force_login(staff)
    page = client.get(_admin_url(team))
    assert page.status_code == 200
    data = _form_data(page)
    newcomer = UserFactory(email="new@example.com")
    total = int(data["memberships-TOTAL_FORMS"])
    data["memberships-TOTAL_FORMS"] = str(total + 1)
    data[f"memberships-{total}-user"] = str(newcomer.pk)
    data[f"memberships-{total}-role"] = "owner"
    for row in _membership_rows(data, team).values():
        data[f"{row}-role"] = "owner"
    client.post(_admin_url(team), data)
    assert dict(team.memberships.values_list("user__email", "role")) == {
        "owner@example.com": "owner", "staff@example.com": "staff"}


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.parametrize("step_down", ["leave", "demote"])
def test_two_owners_stepping_down_at_once_leave_one_owner(kind, step_down):
    """The owners' rows are locked while one steps down: two owners leaving (or demoting each
    other) at the same moment on PostgreSQL leave the team one owner, never none."""
    import threading

    from django.core.exceptions import ValidationError
    from django.db import connection

    from teams import services

    team = kind.factory()
    first, second = UserFactory(), UserFactory()
    member_add(team=team, user=first, role="owner")
    member_add(team=team, user=second, role="owner")
    start, outcome = threading.Barrier(2), []
    real_keep = services._keep_an_owner

    def slow_keep(*args, **kwargs):
        real_keep(*args, **kwargs)
        threading.Event().wait(0.3)  # both read the owners before either writes, if unlocked

    def act(user, other):
        try:
            start.wait(timeout=10)
            try:
                if step_down == "leave":
                    services.member_remove(team=team, user=user, by=user)
                else:
                    services.member_role_change(team=team, user=other, role="staff", by=user)
                outcome.append("done")
            except ValidationError:
                outcome.append("refused")
        finally:
            connection.close()

    services._keep_an_owner = slow_keep
    try:
        threads = [threading.Thread(target=act, args=(first, second)),
                   threading.Thread(target=act, args=(second, first))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
    finally:
        services._keep_an_owner = real_keep
    assert sorted(outcome) == ["done", "refused"]
    assert team.memberships.filter(role="owner").count() == 1


def test_an_expired_invitation_is_refused_and_marked_on_the_team_page(
    kind, team, owner, client, mailoutbox, django_capture_on_commit_callbacks
):
    import time_machine

    with (time_machine.travel("2026-11-01 09:00 +00:00", tick=False),
          django_capture_on_commit_callbacks(execute=True)):
        invitation = invite(team=team, email="late@example.com", role="staff", invited_by=owner)
    assert "This link works until" in mailoutbox[-1].body
    newcomer = UserFactory(email="late@example.com")
    with time_machine.travel("2026-11-14 09:00 +00:00", tick=False):
        client.force_login(newcomer)
        assert "Accept the invitation" in client.get(kind.accept(invitation)).content.decode()
    with time_machine.travel("2026-11-15 09:01 +00:00", tick=False):
        client.force_login(newcomer)
        response = client.post(kind.accept(invitation), follow=True)
        assert "expired" in _messages(response)
        assert not team.memberships.filter(user=newcomer).exists()
        client.force_login(owner)
        assert "expired: invite again" in client.get(kind.page(team)).content.decode()
        api = APIClient()
        api.force_authenticate(owner)
        listed = api.get(_api_url(kind, team)).json()["invitations"]
        assert listed[0]["expires_at"].startswith("2026-11-15")
        # Inviting again gives a fresh link that works.
        fresh = invite(team=team, email="late@example.com", role="staff", invited_by=owner)
        client.force_login(newcomer)
        client.post(kind.accept(fresh))
    assert team.memberships.get(user=newcomer).role == "staff"


def test_an_owner_invitation_dies_when_its_sender_is_no_longer_an_owner(kind, team, owner):
    from teams.services import member_role_change

    second = UserFactory(email="second@example.com")
    member_add(team=team, user=second, role="owner")
    invitation = invite(team=team, email="heir@example.com", role="owner", invited_by=second)
    member_role_change(team=team, user=second, role="staff", by=owner)
    heir = UserFactory(email="heir@example.com")
    with pytest.raises(Exception, match="can no longer invite with this role"):
        invitation_accept(model=kind.invitation_model, token=invitation.token, user=heir)
    assert not team.memberships.filter(user=heir).exists()
