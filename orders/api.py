"""Orders API (`/api/v1/orders/`, `/api/v1/order-cycles/{id}/orders/`).

Signed-in shoppers place, read, amend and cancel their own orders through the same services
as the web checkout (`orders.services.order_place` / `order_amend` / `order_cancel`); guest
orders are web-only. A hub's managers list a cycle's orders. Another shopper's order, or
another hub's cycle, answers 404. Too little stock or cap left is a 409 naming the lines.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.exceptions import ValidationError as ApiValidationError
from rest_framework.parsers import JSONParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from hubs.api import PriceBreakdownSerializer, VatLineSerializer
from hubs.models import CycleStatus
from hubs.selectors import cycle_for_manager
from producers.parsing import ApiIdField, Rfc3339DateTimeField

from . import business as business_rules
from . import services, transitions
from .selectors import Order, cycle_named_to, cycle_orders_for_api, shopper_orders

# --- input -----------------------------------------------------------------------------------

NUMBER_ERRORS = ("invalid", "min_value", "max_value", "max_string_length")
# Lazy: the message is translated when it is shown, in the caller's language.
QUANTITY_ERRORS = dict.fromkeys(NUMBER_ERRORS, format_lazy(
    _("Quantities are whole numbers from 1 to {max}."), max=services.MAX_QUANTITY))


def _id_field(message, **kwargs) -> ApiIdField:
    return ApiIdField(error_messages=dict.fromkeys(NUMBER_ERRORS, message), **kwargs)


class OrderLineInputSerializer(serializers.Serializer):
    offer = _id_field(_("Give an offer id (a whole number)."),
                      help_text=_("An offer id from `/api/v1/order-cycles/{id}/products/`."))
    quantity = serializers.IntegerField(
        min_value=1, max_value=services.MAX_QUANTITY, error_messages=QUANTITY_ERRORS
    )


def _lines_field() -> serializers.ListField:
    # A ListField, not `many=True`: its bounds reach the schema (minItems, maxItems).
    return serializers.ListField(
        child=OrderLineInputSerializer(), allow_empty=False, min_length=1,
        max_length=services.MAX_LINES,
        help_text=_("The products and how many of each (an offer given twice is added up)."),
    )


class DeliveryInputSerializer(serializers.Serializer):
    zone = _id_field(_("Give a delivery zone id (a whole number)."))
    address = serializers.CharField(max_length=300)
    postcode = serializers.CharField(max_length=12)


class BusinessSerializer(serializers.Serializer):
    """A business customer's details, for the order's invoice (`orders.business`)."""

    company_name = serializers.CharField(max_length=business_rules.COMPANY_MAX)
    company_number = serializers.CharField(
        max_length=40, required=False, allow_blank=True, default="",
        help_text=_("SIREN (9 digits) or SIRET (14), for a company registered in France."),
    )
    vat_number = serializers.CharField(
        max_length=40, required=False, allow_blank=True, default="",
        help_text=_("EU VAT number with its country prefix: `FR40303265045`."),
    )
    billing_address = serializers.CharField(max_length=business_rules.ADDRESS_MAX)

    def validate(self, attrs):
        try:
            return business_rules.business_clean(business_rules.Business(**attrs)).as_dict()
        except DjangoValidationError as exc:
            raise ApiValidationError(exc.message_dict) from None


class OrderCreateSerializer(serializers.Serializer):
    order_cycle = _id_field(_("Give an order cycle id (a whole number)."))
    lines = _lines_field()
    pickup_window = _id_field(
        _("Give a pickup window id (a whole number)."), allow_null=True, required=False,
        help_text=_("A pickup window of the cycle; null (or left out) for delivery."),
    )
    delivery = DeliveryInputSerializer(
        allow_null=True, required=False,
        help_text=_("Delivery to an address in one of the hub's zones; null for pickup."),
    )
    payment_method = _id_field(_("Give a payment method id (a whole number)."))
    note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")
    phone = serializers.CharField(max_length=30, required=False, allow_blank=True, default="")
    business = BusinessSerializer(
        allow_null=True, required=False,
        help_text=_("For a business customer: the company the invoice is made out to; null "
                    "(or left out) for a private customer."),
    )


class OrderAmendSerializer(serializers.Serializer):
    lines = _lines_field()


class CycleOrderFilterSerializer(serializers.Serializer):
    status = serializers.ChoiceField(
        choices=list(transitions.STATUS_LABELS), required=False,
        error_messages={"invalid_choice": format_lazy(
            _("Use one of: {statuses}."), statuses=", ".join(transitions.STATUS_LABELS))},
    )
    pickup_window = _id_field(_("Give a window id (a whole number)."), required=False)


# --- output ----------------------------------------------------------------------------------


def _money(**kwargs) -> serializers.DecimalField:
    return serializers.DecimalField(max_digits=12, decimal_places=2, **kwargs)


class LinePriceBreakdownSerializer(PriceBreakdownSerializer):
    """The breakdown of one unit as it was charged when the line was written."""

    vat_rate = serializers.CharField(help_text=_("VAT rate of the goods, percent: `5.5`."))
    total_excl_tax = _money()


class OrderLineSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    offer = serializers.IntegerField(
        allow_null=True, help_text=_("The cycle offer; null if it has left the cycle.")
    )
    title = serializers.CharField()
    producer = serializers.CharField()
    quantity = serializers.IntegerField()
    unit_price_incl_tax = _money()
    price_breakdown = LinePriceBreakdownSerializer(allow_null=True)
    total_incl_tax = _money()


class OrderFeeSerializer(serializers.Serializer):
    """A per-order charge (an order fee or the delivery fee) as charged."""

    name = serializers.CharField()
    code = serializers.CharField()
    excl_tax = _money()
    vat_rate = serializers.CharField()
    tax = _money()
    incl_tax = _money()


class OrderWindowSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=["pickup", "delivery"])
    place = serializers.CharField(help_text=_("The pickup point or the delivery zone."))
    address = serializers.CharField(help_text=_("The pickup point's address (pickup only)."))
    date = serializers.DateField()
    # Wall-clock times at the hub (its time zone), not RFC 3339 times with an offset.
    start_time = serializers.CharField(help_text=_("From, hub local time: `17:00`."))
    end_time = serializers.CharField(help_text=_("Until, hub local time: `19:00`."))
    instructions = serializers.CharField()


class OrderDeliverySerializer(serializers.Serializer):
    zone = serializers.IntegerField(allow_null=True)
    zone_name = serializers.CharField()
    address = serializers.CharField()
    postcode = serializers.CharField()


class OrderSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField()
    status = serializers.CharField(
        help_text=_("placed, amended, cancelled, processed or collected.")
    )
    status_label = serializers.CharField(help_text=_("The status in the caller's language."))
    changeable = serializers.BooleanField(
        help_text=_("Whether the shopper may amend or cancel it now.")
    )
    order_cycle = serializers.IntegerField(allow_null=True)
    order_cycle_name = serializers.CharField()
    hub = serializers.IntegerField(allow_null=True)
    hub_name = serializers.CharField()
    fulfilment = serializers.CharField(help_text=_("`pickup` or `delivery`."))
    lines = OrderLineSerializer(many=True)
    fees = OrderFeeSerializer(many=True)
    vat = VatLineSerializer(many=True, help_text=_("VAT per rate, lines and fees together."))
    total_excl_tax = _money()
    total_incl_tax = _money()
    currency = serializers.CharField()
    payment_method = serializers.IntegerField(allow_null=True)
    payment_method_name = serializers.CharField()
    payment_reference = serializers.CharField(
        help_text=_("The reference to quote with a bank transfer (empty otherwise).")
    )
    payment_instructions = serializers.CharField()
    pickup_window = OrderWindowSerializer(
        allow_null=True, help_text=_("The pickup window, or the delivery window if any.")
    )
    delivery = OrderDeliverySerializer(allow_null=True)
    note = serializers.CharField()
    phone = serializers.CharField()
    business = BusinessSerializer(
        allow_null=True, help_text=_("The company the invoice is made out to; null for a "
                                     "private customer."))
    placed_at = Rfc3339DateTimeField()


class CycleOrderSerializer(OrderSerializer):
    """An order as the hub's managers see it: with the customer."""

    customer_email = serializers.CharField()
    customer_name = serializers.CharField()


class OrderShortLineSerializer(serializers.Serializer):
    offer = serializers.IntegerField()
    title = serializers.CharField()
    requested = serializers.IntegerField(
        help_text=_("How many were asked for (when amending: how many more than the order "
                    "holds).")
    )
    available = serializers.IntegerField(
        help_text=_("How many are left (when amending: besides what the order holds).")
    )


class OrderShortSerializer(serializers.Serializer):
    detail = serializers.CharField()
    lines = OrderShortLineSerializer(many=True)


SHORT = OpenApiResponse(
    response=OrderShortSerializer,
    description=_("Not enough stock or cap left for some lines: nothing was changed."),
)


def _window(window) -> dict | None:
    if window is None:
        return None
    point = window.pickup_point
    return {
        "id": window.pk,
        "kind": "pickup" if point else "delivery",
        "place": point.name if point else (window.delivery_zone.name if window.delivery_zone
                                           else ""),
        "address": point.address if point else "",
        "date": window.date, "start_time": window.start_time.strftime("%H:%M"),
        "end_time": window.end_time.strftime("%H:%M"),
        "instructions": window.instructions,
    }


def _changeable(order, now) -> bool:
    cycle = order.cycle
    return bool(
        cycle is not None and order.status in transitions.CHANGEABLE
        and cycle.hub.order_changes_allowed and cycle.status_at(now) == CycleStatus.OPEN
    )


def order_data(order, *, now, customer: bool = False) -> dict:
    """One order as the API shows it, from what the selectors fetched (no further query)."""
    cycle = order.cycle
    lines = order.lines.all()
    data = {
        "id": order.pk,
        "number": order.number,
        "status": order.status,
        "status_label": transitions.status_label(order.status),
        "changeable": _changeable(order, now),
        "order_cycle": order.cycle_id,
        "order_cycle_name": cycle.name if cycle else "",
        "hub": cycle.hub_id if cycle else None,
        "hub_name": cycle.hub.name if cycle else "",
        "fulfilment": order.fulfilment,
        "lines": [
            {
                "id": line.pk, "offer": line.offer_id, "title": line.title,
                "producer": line.partner_name, "quantity": line.quantity,
                "unit_price_incl_tax": line.unit_price_incl_tax,
                "price_breakdown": line.price_breakdown or None,
                "total_incl_tax": line.line_price_incl_tax,
            }
            for line in sorted(lines, key=lambda ln: (ln.title, ln.pk))
        ],
        "fees": order.fees_breakdown,
        "vat": [{"rate": rate, "amount": amount}
                for rate, amount in services.order_totals_by_rate(order).items()],
        "total_excl_tax": order.total_excl_tax,
        "total_incl_tax": order.total_incl_tax,
        "currency": order.currency,
        "payment_method": order.payment_method_id,
        "payment_method_name": order.payment_method_name,
        "payment_reference": order.payment_reference,
        "payment_instructions": order.payment_instructions,
        "pickup_window": _window(order.pickup_window),
        "delivery": None,
        "note": order.customer_note,
        "phone": order.contact_phone,
        "business": {
            "company_name": order.customer_company,
            "company_number": order.customer_company_number,
            "vat_number": order.customer_vat_number,
            "billing_address": order.customer_address,
        } if order.is_business else None,
        "placed_at": order.date_placed,
    }
    if order.fulfilment == Order.Fulfilment.DELIVERY:
        data["delivery"] = {
            "zone": order.delivery_zone_id,
            "zone_name": order.delivery_zone.name if order.delivery_zone else "",
            "address": order.delivery_address, "postcode": order.delivery_postcode,
        }
    if customer:
        data["customer_email"] = order.email or ""
        data["customer_name"] = order.customer_name
    return data


def _order_response(order, *, code=status.HTTP_200_OK) -> Response:
    return Response(OrderSerializer(order_data(order, now=timezone.now())).data, status=code)


# --- errors ----------------------------------------------------------------------------------


def _field_errors(exc: DjangoValidationError) -> ApiValidationError:
    if hasattr(exc, "error_dict"):
        errors = exc.message_dict
        business = {k: errors.pop(k) for k in business_rules.FIELDS if k in errors}
        if business:  # the service names the fields; the API nests them as it reads them
            errors["business"] = business
        return ApiValidationError(errors)
    return ApiValidationError({"non_field_errors": exc.messages})


def _short(exc: services.OrderShort) -> Response:
    body = {"detail": exc.message, "lines": exc.lines}
    return Response(OrderShortSerializer(body).data, status=status.HTTP_409_CONFLICT)


def _line_requests(lines) -> list[services.LineRequest]:
    return [services.LineRequest(line["offer"], line["quantity"]) for line in lines]


def _own_order(request, order_id: int):
    order = shopper_orders(user=request.user).filter(pk=order_id).first()
    if order is None:
        raise NotFound
    return order


def _reread(request, order):
    return shopper_orders(user=request.user).get(pk=order.pk)


# --- views -----------------------------------------------------------------------------------


class OrderList(generics.GenericAPIView):
    """My orders across hubs, newest first (`GET`); place an order (`POST`)."""

    permission_classes = [IsAuthenticated]
    parser_classes = [JSONParser]  # nested lines: JSON only

    @extend_schema(responses=OrderSerializer(many=True))
    def get(self, request):
        page = self.paginate_queryset(shopper_orders(user=request.user))
        now = timezone.now()
        return self.get_paginated_response(
            OrderSerializer([order_data(order, now=now) for order in page], many=True).data
        )

    @extend_schema(
        description=_(
            "Place an order in an open cycle: pickup (`pickup_window`) or delivery "
            "(`delivery`), and a payment method of the hub. Every price is computed on the "
            "server. Signed-in shoppers only: guest orders are made on the web."
        ),
        request=OrderCreateSerializer,
        responses={201: OrderSerializer, 409: SHORT},
    )
    def post(self, request):
        serializer = OrderCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        if not cycle_named_to(user=request.user, cycle_id=data["order_cycle"]):
            raise ApiValidationError({"order_cycle": [_("This order cycle does not exist.")]})
        delivery = data.get("delivery")
        try:
            order = services.order_place(
                cycle_id=data["order_cycle"],
                lines=_line_requests(data["lines"]),
                payment_method_id=data["payment_method"],
                pickup_window_id=data.get("pickup_window"),
                delivery=services.Delivery(
                    zone_id=delivery["zone"], address=delivery["address"],
                    postcode=delivery["postcode"],
                ) if delivery else None,
                user=request.user,
                phone=data["phone"],
                note=data["note"],
                business=business_rules.Business(**data["business"])
                if data.get("business") else None,
            )
        except services.OrderShort as exc:
            return _short(exc)
        except DjangoValidationError as exc:
            raise _field_errors(exc) from None
        return _order_response(_reread(request, order), code=status.HTTP_201_CREATED)


class OrderDetail(APIView):
    """One of my orders (`GET`); change its lines while the cycle is open (`PATCH`)."""

    permission_classes = [IsAuthenticated]
    parser_classes = [JSONParser]

    @extend_schema(responses=OrderSerializer)
    def get(self, request, order_id: int):
        return _order_response(_own_order(request, order_id))

    @extend_schema(
        description=_(
            "Replace the order's lines (add, change, remove: `lines` is the whole order) "
            "while its cycle is open and the hub allows changes. Kept lines keep their price."
        ),
        request=OrderAmendSerializer,
        responses={
            200: OrderSerializer, 409: SHORT,
            400: OpenApiResponse(description=_(
                "Invalid lines, or the order can no longer be changed (the cycle closed, "
                "the order was cancelled, or the hub does not allow changes): "
                "`non_field_errors`.")),
        },
    )
    def patch(self, request, order_id: int):
        order = _own_order(request, order_id)
        serializer = OrderAmendSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            order = services.order_amend(
                order=order, lines=_line_requests(serializer.validated_data["lines"]),
                user=request.user,
            )
        except services.OrderShort as exc:
            return _short(exc)
        except DjangoValidationError as exc:
            raise _field_errors(exc) from None
        return _order_response(_reread(request, order))


class OrderCancel(APIView):
    """Cancel one of my orders while its cycle is open: its stock is given back."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        request=None,
        responses={
            200: OrderSerializer,
            400: OpenApiResponse(description=_(
                "The order can no longer be changed (already cancelled, the cycle closed, or "
                "the hub does not allow changes): `non_field_errors`.")),
        },
    )
    def post(self, request, order_id: int):
        order = _own_order(request, order_id)
        try:
            order = services.order_cancel(order=order, user=request.user)
        except DjangoValidationError as exc:
            raise _field_errors(exc) from None
        return _order_response(_reread(request, order))


class CycleOrderList(generics.GenericAPIView):
    """A cycle's orders, for its hub's managers (newest first; filter with ?status= and
    ?pickup_window=), each with its customer, lines and totals."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        parameters=[
            OpenApiParameter("status", str, required=False, enum=list(transitions.STATUS_LABELS)),
            OpenApiParameter("pickup_window", int, required=False,
                             description=_("A pickup or delivery window of the cycle.")),
        ],
        responses={
            200: CycleOrderSerializer(many=True),
            400: OpenApiResponse(description=_("`status` or `pickup_window` is not valid.")),
            404: OpenApiResponse(description=_(
                "No such cycle, or not one of the caller's hubs (shoppers and other hubs' "
                "managers too).")),
        },
    )
    def get(self, request, cycle_id: int):
        cycle = cycle_for_manager(user=request.user, cycle_id=cycle_id)
        filters = CycleOrderFilterSerializer(data={
            k: v for k, v in request.query_params.items() if k in ("status", "pickup_window")
        })
        filters.is_valid(raise_exception=True)
        qs = cycle_orders_for_api(
            cycle=cycle, status=filters.validated_data.get("status", ""),
            window_id=filters.validated_data.get("pickup_window"),
        )
        page = self.paginate_queryset(qs)
        now = timezone.now()
        return self.get_paginated_response(CycleOrderSerializer(
            [order_data(order, now=now, customer=True) for order in page], many=True
        ).data)
