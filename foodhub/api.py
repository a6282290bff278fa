"""API wiring: API tokens (log in, list, revoke) and the current user's profile."""

from __future__ import annotations

from django.contrib.auth import authenticate
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, generics, serializers, status
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle
from rest_framework.views import APIView

from foodhub.authentication import ApiTokenAuthentication
from foodhub.client_ip import client_ip
from foodhub.login_throttle import is_locked_out, lockout_message
from foodhub.models import ApiToken
from foodhub.selectors import api_tokens_for_user
from foodhub.services import api_token_create, api_token_revoke
from teams.roles import Role
from teams.selectors import user_profile


def only_foodhub_endpoints(endpoints):
    """drf-spectacular hook: keep /api/ endpoints, leave Wagtail's admin API out of the schema."""
    return [endpoint for endpoint in endpoints if endpoint[0].startswith("/api/")]


class TokenRequestSerializer(serializers.Serializer):
    email = serializers.EmailField()
    password = serializers.CharField(trim_whitespace=False, style={"input_type": "password"})
    name = serializers.CharField(
        required=False, allow_blank=True, max_length=100,
        help_text=_("Optional: the device or script, to tell your tokens apart."),
    )

    def validate(self, attrs):
        # The plain Django request: django-axes flags a lock-out on it (see login_throttle).
        http_request = self.context["request"]._request
        user = authenticate(http_request, username=attrs["email"], password=attrs["password"])
        if is_locked_out(http_request):
            raise LoginLockedOut(lockout_message(http_request))
        if user is None or not user.is_active:
            raise serializers.ValidationError(
                {"non_field_errors": [_("Unable to log in with these credentials.")]}
            )
        attrs["user"] = user
        return attrs


class TokenResponseSerializer(serializers.Serializer):
    token = serializers.CharField(help_text=_("Shown once: send it as `Authorization: Token ...`."))
    id = serializers.IntegerField()
    name = serializers.CharField()
    expires_at = serializers.DateTimeField()


class ApiTokenSerializer(serializers.ModelSerializer):
    current = serializers.SerializerMethodField(
        help_text=_("Whether this request was made with this token.")
    )

    class Meta:
        model = ApiToken
        fields = ["id", "name", "prefix", "created", "expires_at", "last_used_at", "current"]
        read_only_fields = fields

    def get_current(self, token) -> bool:
        used = self.context["request"].auth
        return isinstance(used, ApiToken) and used.pk == token.pk


class DetailSerializer(serializers.Serializer):
    detail = serializers.CharField()


class LoginLockedOut(exceptions.APIException):
    status_code = status.HTTP_429_TOO_MANY_REQUESTS
    default_code = "locked_out"


class ClientAddressThrottleMixin:
    """Throttle on the client's real address (`foodhub.client_ip`), not on a forgeable header.

    DRF's default identity is the whole X-Forwarded-For when present, whoever sent it.
    """

    def get_ident(self, request):
        return client_ip(request)


class TokenThrottle(ClientAddressThrottleMixin, AnonRateThrottle):
    rate = "30/min"


class TokenView(APIView):
    """Log in for an API token (`POST`), or revoke the token of this request (`DELETE`).

    Each login issues a new token (one per device or script), valid for
    `FOODHUB_API_TOKEN_TTL_HOURS`. Failed logins count towards the same lock-out as the web
    logins (django-axes): a locked-out account or address gets 429.
    """

    def _logging_in(self) -> bool:
        # No request while drf-spectacular builds the schema.
        return getattr(self.request, "method", None) == "POST"

    def get_authenticators(self):
        return [] if self._logging_in() else [ApiTokenAuthentication()]

    def get_permissions(self):
        return [AllowAny()] if self._logging_in() else [IsAuthenticated()]

    def get_throttles(self):
        return [TokenThrottle()] if self._logging_in() else []

    @extend_schema(
        description=(
            "Log in: a new token for this e-mail and password (each login issues one). "
            "Repeated failures lock the account and the address out: 429."
        ),
        request=TokenRequestSerializer,
        responses={200: TokenResponseSerializer, 400: OpenApiTypes.OBJECT, 429: DetailSerializer},
        auth=[],
    )
    def post(self, request):
        serializer = TokenRequestSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        token, key = api_token_create(
            user=serializer.validated_data["user"],
            name=serializer.validated_data.get("name", ""),
        )
        body = {"token": key, "id": token.id, "name": token.name, "expires_at": token.expires_at}
        return Response(TokenResponseSerializer(body).data, status=status.HTTP_200_OK)

    @extend_schema(
        description="Revoke the token this request is made with (log out).",
        request=None, responses={204: None, 401: DetailSerializer},
    )
    def delete(self, request):
        api_token_revoke(user=request.user, token_id=request.auth.pk)
        return Response(status=status.HTTP_204_NO_CONTENT)


class TokenListView(generics.ListAPIView):
    """My unexpired API tokens, newest first (never their keys)."""

    serializer_class = ApiTokenSerializer
    permission_classes = [IsAuthenticated]

    @extend_schema(responses={200: ApiTokenSerializer(many=True), 401: DetailSerializer})
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        return api_tokens_for_user(self.request.user)


class TokenDetailView(APIView):
    """Revoke one of my API tokens (another user's id is a 404)."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        request=None, responses={204: None, 401: DetailSerializer, 404: DetailSerializer}
    )
    def delete(self, request, pk: int):
        api_token_revoke(user=request.user, token_id=pk)
        return Response(status=status.HTTP_204_NO_CONTENT)


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
