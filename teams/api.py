"""Team API, mounted by producers (`/api/v1/producers/<id>/team/`) and hubs
(`/api/v1/hubs/<id>/team/`) with their team model: the same services and permission rules as
the team pages. A team the caller may not open answers 404; a refused action 403, with why."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.shortcuts import get_object_or_404
from django.urls import path
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from . import services
from .roles import TeamRole
from .selectors import pending_invitations, team_members, teams_for_user


class MemberSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    email = serializers.EmailField(source="user.email", read_only=True)
    role = serializers.ChoiceField(choices=TeamRole.choices)


class InvitationSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    email = serializers.EmailField()
    role = serializers.ChoiceField(choices=TeamRole.choices, default=TeamRole.STAFF)
    created_at = serializers.DateTimeField(read_only=True)
    sent_at = serializers.DateTimeField(read_only=True, allow_null=True,
                                        help_text="Null until the e-mail is sent.")
    expires_at = serializers.DateTimeField(
        read_only=True,
        help_text="When the e-mailed link stops working; invite again for a new one.",
    )


class TeamSerializer(serializers.Serializer):
    members = MemberSerializer(many=True)
    invitations = InvitationSerializer(many=True)


# The error body's schema is added by the project's schema class (foodhub/api_schema.py).
REFUSED = OpenApiResponse(description="Refused by the caller's role in the team (`detail` says "
                                      "why), or a session caller without a CSRF token.")
LAST_OWNER = OpenApiResponse(description="Refused: the team would be left without an owner.")


ROLE_CHANGE = {
    "type": "object",
    "properties": {"role": {"type": "string", "enum": list(TeamRole.values)}},
    "required": ["role"],
}


def _api_errors(call, *args, **kwargs):
    """Run a service, turning its refusals into API errors that keep their message."""
    try:
        return call(*args, **kwargs)
    except PermissionDenied as exc:
        raise exceptions.PermissionDenied(str(exc)) from None
    except DjangoValidationError as exc:
        detail = exc.message_dict if hasattr(exc, "error_dict") else exc.messages
        raise exceptions.ValidationError(detail) from None


class _TeamView(APIView):
    permission_classes = [IsAuthenticated]
    team_model = None  # set by the URLconf: as_view(team_model=Producer)

    def team(self, team_id: int):
        return get_object_or_404(teams_for_user(self.team_model, self.request.user), pk=team_id)


class TeamDetail(_TeamView):
    """The team's members and pending invitations."""

    @extend_schema(responses=TeamSerializer)
    def get(self, request, team_id: int):
        team = self.team(team_id)
        data = {"members": team_members(team), "invitations": pending_invitations(team)}
        return Response(TeamSerializer(data).data)


class TeamInvitationCreate(_TeamView):
    """Invite someone by e-mail (staff invite staff; owners invite owners too)."""

    @extend_schema(request=InvitationSerializer,
                   responses={201: InvitationSerializer, 403: REFUSED})
    def post(self, request, team_id: int):
        team = self.team(team_id)
        serializer = InvitationSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        invitation = _api_errors(services.invite, team=team, invited_by=request.user,
                                 **serializer.validated_data)
        return Response(InvitationSerializer(invitation).data, status=status.HTTP_201_CREATED)


class TeamMemberDetail(_TeamView):
    """Change a member's role (owners), or remove a member (owners; anyone for themselves)."""

    def member(self, team, member_id: int):
        return get_object_or_404(team.memberships.select_related("user"), pk=member_id)

    # A role change needs the role, even as a PATCH (the schema would make it optional).
    @extend_schema(request={"application/json": ROLE_CHANGE},
                   responses={200: MemberSerializer, 400: LAST_OWNER, 403: REFUSED})
    def patch(self, request, team_id: int, member_id: int):
        team = self.team(team_id)
        member = self.member(team, member_id)
        serializer = MemberSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        member = _api_errors(services.member_role_change, team=team, user=member.user,
                             role=serializer.validated_data["role"], by=request.user)
        return Response(MemberSerializer(member).data)

    @extend_schema(responses={204: None, 400: LAST_OWNER, 403: REFUSED})
    def delete(self, request, team_id: int, member_id: int):
        team = self.team(team_id)
        member = self.member(team, member_id)
        _api_errors(services.member_remove, team=team, user=member.user, by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


def team_urls(prefix: str, team_model) -> list:
    """URL patterns of a team API under `<prefix>/<team_id>/team/`, named `<prefix>-team*`."""
    name = prefix.rstrip("s")
    base = f"{prefix}/<int:team_id>/team/"
    return [
        path(base, TeamDetail.as_view(team_model=team_model), name=f"{name}-team"),
        path(f"{base}invitations/", TeamInvitationCreate.as_view(team_model=team_model),
             name=f"{name}-team-invitations"),
        path(f"{base}members/<int:member_id>/", TeamMemberDetail.as_view(team_model=team_model),
             name=f"{name}-team-member"),
    ]
