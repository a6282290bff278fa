"""Hub and order-cycle API (`/api/v1/hubs/`, `/api/v1/order-cycles/`, `/api/v1/relationships/`).

Same services and tenancy as the pages: anyone reads visible hubs and their upcoming and
open cycles; managers read and write their own hubs' cycles; producers read the cycles that
offer their products. Another tenant's objects answer 404.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.db.models import Q
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.exceptions import ValidationError as ApiValidationError
from rest_framework.permissions import SAFE_METHODS, AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from producers.models import Producer
from producers.parsing import (
    ApiIdField,
    ModelSerializer,
    PrimaryKeyRelatedField,
    Rfc3339DateTimeField,
)
from producers.selectors import producers_for_user
from teams.selectors import user_is_platform_admin

from . import cycle_services, services, transitions
from .models import (
    CycleFee,
    CycleStatus,
    DeliveryZone,
    Hub,
    HubProducer,
    OrderCycle,
    PaymentMethod,
    PickupPoint,
)
from .pricing import available_quantity, cycle_offers, cycle_prices
from .selectors import (
    cycle_for_manager,
    cycles_visible_to,
    cycles_with_note_for,
    cycles_with_status,
    hubs_for_user,
)


def _public_read(request) -> list:
    """Anyone reads; writing needs a signed-in caller (then tenancy decides)."""
    return [AllowAny()] if request.method in SAFE_METHODS else [IsAuthenticated()]


def _drf_errors(exc: DjangoValidationError) -> ApiValidationError:
    if hasattr(exc, "error_dict"):
        return ApiValidationError(exc.message_dict)
    return ApiValidationError({"non_field_errors": exc.messages})


class PickupPointSerializer(ModelSerializer):
    class Meta:
        model = PickupPoint
        fields = ["id", "name", "address", "opening_hours", "instructions"]


class DeliveryZoneSerializer(ModelSerializer):
    class Meta:
        model = DeliveryZone
        fields = ["id", "name", "postcodes", "fee", "minimum_order"]


class PaymentMethodSerializer(ModelSerializer):
    class Meta:
        model = PaymentMethod
        fields = ["id", "kind", "name", "instructions", "iban", "bic", "reference_pattern"]


class HubSerializer(ModelSerializer):
    pickup_points = PickupPointSerializer(many=True, read_only=True)
    delivery_zones = DeliveryZoneSerializer(many=True, read_only=True)
    payment_methods = PaymentMethodSerializer(many=True, read_only=True)

    class Meta:
        model = Hub
        fields = [
            "id", "name", "slug", "description", "street", "postcode", "city", "time_zone",
            "currency", "language", "contact_email", "phone", "legal_name", "company_number",
            "vat_number", "registered_address", "guest_checkout", "order_changes_allowed",
            "minimum_order", "pickup_points", "delivery_zones", "payment_methods",
        ]
        read_only_fields = ["id", "slug"]


class OrderCycleSerializer(ModelSerializer):
    """A cycle. `note_to_producers` is written by managers and read only by them and the
    cycle's producers: it is left out unless the cycle's id is in the `note_readers` context."""

    status = serializers.SerializerMethodField()
    hub = PrimaryKeyRelatedField(queryset=Hub.objects.all())
    publish = serializers.BooleanField(write_only=True, required=False, default=False)

    class Meta:
        model = OrderCycle
        fields = ["id", "hub", "name", "status", "opens_at", "closes_at", "markup_percent",
                  "note_to_producers", "publish"]
        read_only_fields = ["id", "status"]

    def get_status(self, cycle) -> str:
        return cycle.status

    def to_representation(self, cycle):
        data = super().to_representation(cycle)
        if cycle.pk not in self.context.get("note_readers", ()):
            data.pop("note_to_producers", None)
        return data


def _cycles_data(request, cycles, *, many: bool = False):
    """Cycles as the caller may read them (the note only for its readers, one query)."""
    items = list(cycles) if many else [cycles]
    readers = cycles_with_note_for(request.user, cycle_ids=[c.pk for c in items])
    return OrderCycleSerializer(cycles, many=many, context={"note_readers": readers}).data


class CycleFilterSerializer(serializers.Serializer):
    """The cycle list's query parameters."""

    hub = ApiIdField(required=False, error_messages={
        key: _("A hub id is a whole number.")
        for key in ("invalid", "min_value", "max_value", "max_string_length")
    })
    status = serializers.ChoiceField(
        choices=CycleStatus.choices, required=False,
        error_messages={"invalid_choice": _("Use one of: %(statuses)s.")
                        % {"statuses": ", ".join(CycleStatus.values)}},
    )


class CloneSerializer(serializers.Serializer):
    opens_at = Rfc3339DateTimeField()
    name = serializers.CharField(max_length=120, required=False, allow_blank=True, default="")


class ReopenSerializer(serializers.Serializer):
    closes_at = Rfc3339DateTimeField()


class HubList(generics.ListAPIView):
    """Visible hubs with their pickup points, delivery zones and payment methods."""

    serializer_class = HubSerializer
    permission_classes = [AllowAny]
    queryset = Hub.objects.filter(is_visible=True).prefetch_related(
        "pickup_points", "delivery_zones", "payment_methods"
    ).order_by("name")


class HubDetail(APIView):
    def get_permissions(self):
        return _public_read(self.request)

    @extend_schema(responses=HubSerializer)
    def get(self, request, hub_id: int):
        hub = Hub.objects.filter(pk=hub_id, is_visible=True).first()
        if hub is None and request.user.is_authenticated:
            hub = hubs_for_user(request.user).filter(pk=hub_id).first()
        if hub is None:
            raise NotFound
        return Response(HubSerializer(hub).data)

    @extend_schema(request=HubSerializer, responses=HubSerializer)
    def patch(self, request, hub_id: int):
        hub = get_object_or_404(hubs_for_user(request.user), pk=hub_id)
        serializer = HubSerializer(hub, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        try:
            services.hub_update(hub=hub, **serializer.validated_data)
        except DjangoValidationError as exc:
            raise _drf_errors(exc) from None
        return Response(HubSerializer(hub).data)


class OrderCycleList(generics.GenericAPIView):
    """Cycles the caller may read (filter with ?hub= and ?status=); managers create."""

    def get_permissions(self):
        return _public_read(self.request)

    @extend_schema(
        parameters=[
            OpenApiParameter("hub", int, required=False),
            OpenApiParameter("status", str, required=False, enum=CycleStatus.values),
        ],
        responses={
            200: OrderCycleSerializer(many=True),
            400: OpenApiResponse(description="`hub` or `status` is not one of the values."),
        },
    )
    def get(self, request):
        qs = cycles_visible_to(request.user).select_related("hub").order_by("-opens_at", "id")
        filters = CycleFilterSerializer(data={
            k: v for k, v in request.query_params.items() if k in ("hub", "status") and v
        })
        filters.is_valid(raise_exception=True)
        if "hub" in filters.validated_data:
            qs = qs.filter(hub_id=filters.validated_data["hub"])
        if "status" in filters.validated_data:
            qs = cycles_with_status(qs, filters.validated_data["status"])
        page = self.paginate_queryset(qs)
        return self.get_paginated_response(_cycles_data(request, page, many=True))

    @extend_schema(
        request=OrderCycleSerializer,
        responses={
            201: OrderCycleSerializer,
            404: OpenApiResponse(description="`hub` is not one the caller manages."),
        },
    )
    def post(self, request):
        serializer = OrderCycleSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        if not hubs_for_user(request.user).filter(pk=data["hub"].pk).exists():
            raise NotFound
        try:
            cycle = cycle_services.cycle_create(**data)
        except DjangoValidationError as exc:
            raise _drf_errors(exc) from None
        return Response(_cycles_data(request, cycle), status=status.HTTP_201_CREATED)


class OrderCycleDetail(APIView):
    def get_permissions(self):
        return _public_read(self.request)

    @extend_schema(responses=OrderCycleSerializer)
    def get(self, request, cycle_id: int):
        cycle = get_object_or_404(cycles_visible_to(request.user), pk=cycle_id)
        return Response(_cycles_data(request, cycle))

    @extend_schema(request=OrderCycleSerializer, responses=OrderCycleSerializer)
    def patch(self, request, cycle_id: int):
        cycle = cycle_for_manager(user=request.user, cycle_id=cycle_id)
        serializer = OrderCycleSerializer(cycle, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        fields = dict(serializer.validated_data)
        fields.pop("hub", None)
        publish = fields.pop("publish", False)
        try:
            with transaction.atomic():  # a refused publish leaves the edit unsaved too
                cycle_services.cycle_update(cycle=cycle, **fields)
                if publish:
                    transitions.cycle_publish(cycle=cycle)
        except DjangoValidationError as exc:
            raise _drf_errors(exc) from None
        return Response(_cycles_data(request, cycle))


class _CycleAction(APIView):
    """A manager's action on one cycle; subclasses define `act(request, cycle)`."""

    permission_classes = [IsAuthenticated]

    def post(self, request, cycle_id: int):
        cycle = cycle_for_manager(user=request.user, cycle_id=cycle_id)
        try:
            result = self.act(request, cycle)
        except DjangoValidationError as exc:
            raise _drf_errors(exc) from None
        return Response(_cycles_data(request, result))


class OrderCycleClone(_CycleAction):
    """Copy the cycle to a later date: offers, fees, suppliers and windows shifted."""

    @extend_schema(request=CloneSerializer, responses={201: OrderCycleSerializer})
    def post(self, request, cycle_id: int):
        response = super().post(request, cycle_id)
        response.status_code = status.HTTP_201_CREATED
        return response

    def act(self, request, cycle):
        serializer = CloneSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return cycle_services.cycle_clone(cycle=cycle, **serializer.validated_data)


class OrderCycleClose(_CycleAction):
    """Close an open cycle now; its close side effects run once."""

    @extend_schema(request=None, responses=OrderCycleSerializer)
    def post(self, request, cycle_id: int):
        return super().post(request, cycle_id)

    def act(self, request, cycle):
        return transitions.cycle_close_now(cycle=cycle)


class OrderCycleReopen(_CycleAction):
    """Reopen a closed (not processed) cycle until `closes_at`."""

    @extend_schema(request=ReopenSerializer, responses=OrderCycleSerializer)
    def post(self, request, cycle_id: int):
        return super().post(request, cycle_id)

    def act(self, request, cycle):
        serializer = ReopenSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return transitions.cycle_reopen(cycle=cycle, **serializer.validated_data)


class FeeLineSerializer(serializers.Serializer):
    name = serializers.CharField()
    type = serializers.ChoiceField(choices=CycleFee.Kind.choices)
    amount = serializers.DecimalField(max_digits=12, decimal_places=2)
    vat_rate = serializers.CharField(help_text="Percent, as written: `5.5`, `20`.")


class VatLineSerializer(serializers.Serializer):
    rate = serializers.CharField(help_text="Percent, as written: `5.5`, `20`.")
    amount = serializers.DecimalField(max_digits=12, decimal_places=2)


class PriceBreakdownSerializer(serializers.Serializer):
    """`hubs.pricing.PriceBreakdown.as_dict()`: the shopper price of one item."""

    producer_price = serializers.DecimalField(max_digits=12, decimal_places=2)
    markup = serializers.DecimalField(max_digits=12, decimal_places=2)
    fees = FeeLineSerializer(many=True)
    vat = VatLineSerializer(many=True)
    total_incl_tax = serializers.DecimalField(max_digits=12, decimal_places=2)


class OfferSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    producer = serializers.CharField()
    product = serializers.CharField()
    variant = serializers.CharField()
    sku = serializers.CharField()
    unit_label = serializers.CharField()
    cap = serializers.IntegerField(allow_null=True)
    available = serializers.IntegerField(
        allow_null=True,
        help_text="Units a shopper can still order: stock left and the cap left, whichever is "
                  "lower; `null` when unlimited (on demand, no cap).",
    )
    price_breakdown = PriceBreakdownSerializer()


class OrderCycleProducts(generics.GenericAPIView):
    """The cycle's offered products, each with its `price_breakdown` from the price selector."""

    permission_classes = [AllowAny]

    @extend_schema(responses=OfferSerializer(many=True))
    def get(self, request, cycle_id: int):
        cycle = get_object_or_404(cycles_visible_to(request.user), pk=cycle_id)
        offers = cycle_offers(cycle=cycle)
        if not (request.user.is_authenticated and (
            user_is_platform_admin(request.user)
            or cycle.hub.memberships.filter(user=request.user).exists()
        )):
            producers = producers_for_user(request.user) if request.user.is_authenticated else []
            if cycle.status not in (CycleStatus.UPCOMING, CycleStatus.OPEN):
                # Producers see closed cycles' offers of their own products only.
                offers = offers.filter(supplier__producer__in=producers)
        page = self.paginate_queryset(offers)
        prices = cycle_prices(cycle=cycle, offers=page)
        data = [
            {
                "id": offer.id,
                "producer": offer.supplier.producer.name,
                "product": offer.stockrecord.product.parent.title,
                "variant": offer.stockrecord.product.title,
                "sku": offer.stockrecord.partner_sku,
                "unit_label": offer.stockrecord.product.unit_label,
                "cap": offer.cap,
                "available": available_quantity(offer),
                "price_breakdown": prices[offer.id].as_dict(),
            }
            for offer in page
        ]
        return self.get_paginated_response(data)


class RelationshipSerializer(ModelSerializer):
    hub = PrimaryKeyRelatedField(queryset=Hub.objects.all())
    producer = PrimaryKeyRelatedField(queryset=Producer.objects.all())

    class Meta:
        model = HubProducer
        fields = ["id", "hub", "producer", "status", "created_at", "accepted_at", "ended_at"]
        read_only_fields = ["id", "status", "created_at", "accepted_at", "ended_at"]
        # The service decides what may be asked again; a unique-together error here would
        # tell strangers that a relationship exists.
        validators = []


def _relationships_for(user):
    if user_is_platform_admin(user):
        return HubProducer.objects.all()
    return HubProducer.objects.filter(
        Q(hub__memberships__user=user) | Q(producer__in=producers_for_user(user))
    ).distinct()


def _side(user, link_or_data) -> str | None:
    hub, producer = link_or_data["hub"], link_or_data["producer"]
    if hubs_for_user(user).filter(pk=hub.pk).exists():
        return "hub"
    if producers_for_user(user).filter(pk=producer.pk).exists():
        return "producer"
    return None


class RelationshipList(generics.GenericAPIView):
    """The caller's hub-producer relationships; POST {hub, producer} invites or asks."""

    permission_classes = [IsAuthenticated]

    @extend_schema(responses=RelationshipSerializer(many=True))
    def get(self, request):
        qs = _relationships_for(request.user).order_by("-created_at")
        page = self.paginate_queryset(qs)
        return self.get_paginated_response(RelationshipSerializer(page, many=True).data)

    @extend_schema(
        request=RelationshipSerializer,
        responses={
            201: RelationshipSerializer,
            404: OpenApiResponse(description="Neither `hub` nor `producer` is the caller's."),
        },
    )
    def post(self, request):
        serializer = RelationshipSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        side = _side(request.user, serializer.validated_data)
        if side is None:
            raise NotFound
        try:
            link = services.relationship_request(by=side, **serializer.validated_data)
        except DjangoValidationError as exc:
            raise _drf_errors(exc) from None
        return Response(RelationshipSerializer(link).data, status=status.HTTP_201_CREATED)


class _RelationshipAction(APIView):
    permission_classes = [IsAuthenticated]
    service = None

    @extend_schema(request=None, responses=RelationshipSerializer)
    def post(self, request, link_id: int):
        link = get_object_or_404(
            _relationships_for(request.user).select_related("hub", "producer"), pk=link_id
        )
        side = _side(request.user, {"hub": link.hub, "producer": link.producer})
        try:
            link = type(self).service(link=link, by=side)
        except DjangoValidationError as exc:
            raise _drf_errors(exc) from None
        return Response(RelationshipSerializer(link).data)


class RelationshipAccept(_RelationshipAction):
    """Accept an invitation (producer side) or a request (hub side)."""

    service = staticmethod(services.relationship_accept)


class RelationshipEnd(_RelationshipAction):
    """End a relationship (either side): the producer leaves the hub's future cycles."""

    service = staticmethod(services.relationship_end)
