"""API wiring: authentication token and the current user's profile."""

from __future__ import annotations

from django.contrib.auth import authenticate
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.authtoken.models import Token
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle
from rest_framework.views import APIView

from teams.roles import Role
from teams.selectors import user_profile


def only_foodhub_endpoints(endpoints):
    """drf-spectacular hook: keep /api/ endpoints, leave Wagtail's admin API out of the schema."""
    return [endpoint for endpoint in endpoints if endpoint[0].startswith("/api/")]


class TokenRequestSerializer(serializers.Serializer):
    email = serializers.EmailField()
    password = serializers.CharField(trim_whitespace=False, style={"input_type": "password"})

    def validate(self, attrs):
        user = authenticate(
            self.context["request"], username=attrs["email"], password=attrs["password"]
        )
        if user is None or not user.is_active:
            raise serializers.ValidationError(
                {"non_field_errors": [_("Unable to log in with these credentials.")]}
            )
        attrs["user"] = user
        return attrs


class TokenResponseSerializer(serializers.Serializer):
    token = serializers.CharField()


class TokenThrottle(AnonRateThrottle):
    rate = "30/min"


class TokenView(APIView):
    """Exchange an e-mail and password for an API token (header `Authorization: Token ...`)."""

    authentication_classes = []
    permission_classes = [AllowAny]
    throttle_classes = [TokenThrottle]

    @extend_schema(request=TokenRequestSerializer, responses={200: TokenResponseSerializer})
    def post(self, request):
        serializer = TokenRequestSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        token, _created = Token.objects.get_or_create(user=serializer.validated_data["user"])
        return Response({"token": token.key}, status=status.HTTP_200_OK)


class ProducerMembershipSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="producer.id")
    name = serializers.CharField(source="producer.name")
    slug = serializers.CharField(source="producer.slug")
    role = serializers.CharField()


class HubMembershipSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="hub.id")
    name = serializers.CharField(source="hub.name")
    slug = serializers.CharField(source="hub.slug")
    role = serializers.CharField()


class MeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    email = serializers.EmailField()
    roles = serializers.ListField(child=serializers.CharField())
    producers = ProducerMembershipSerializer(many=True)
    hubs = HubMembershipSerializer(many=True)


class MeView(APIView):
    """The signed-in user: roles and the producers and hubs they belong to."""

    permission_classes = [IsAuthenticated]

    @extend_schema(responses={200: MeSerializer})
    def get(self, request):
        profile = user_profile(request.user)
        data = {
            "id": request.user.id,
            "email": request.user.email,
            "roles": profile.roles,
            "producers": profile.memberships[Role.PRODUCER],
            "hubs": profile.memberships[Role.HUB_MANAGER],
        }
        return Response(MeSerializer(data).data)
