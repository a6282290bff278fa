"""Processing and purchase orders API (`/api/v1/order-cycles/{id}/processing/`,
`/api/v1/order-cycles/{id}/purchase-orders/`, `/api/v1/purchase-orders/{id}/pdf|csv/`).

A cycle's processing progress is for its hub's managers (and platform admins). Its purchase
orders are theirs too, and each producer's members see their own producer's (the cycle of a
hub they do not supply, or another producer's purchase order, answers 404). The files are
served by the same view helper as the web pages, after the same checks.
"""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, serializers
from rest_framework.exceptions import NotFound
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from hubs.selectors import cycle_for_manager
from producers.parsing import Rfc3339DateTimeField

from .models import CycleProcessing
from .processing import processing_progress
from .processing_selectors import cycle_for_purchase_orders, purchase_orders_for_user
from .processing_views import purchase_order_response

STATES = ["not_started", *CycleProcessing.State.values]


class ProcessingSerializer(serializers.Serializer):
    state = serializers.ChoiceField(choices=STATES, help_text=_(
        "`not_started` (the cycle has not closed), `pending`, `running`, `blocked` (the hub "
        "lacks legal details: `message` names them), `failed` (`message` says what; retried "
        "every few minutes) or `done`."))
    done = serializers.IntegerField(help_text=_(
        "Documents made: invoices rendered, purchase orders rendered and e-mailed."))
    total = serializers.IntegerField(help_text=_(
        "Documents to make: one invoice per order with lines, one purchase order per producer."))
    message = serializers.CharField(help_text=_(
        "Blocked: the missing legal fields; failed: what failed; empty otherwise."))


class PurchaseOrderSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    producer = serializers.IntegerField()
    producer_name = serializers.CharField()
    number = serializers.CharField()
    total_quantity = serializers.IntegerField()
    total_producer_price = serializers.DecimalField(max_digits=14, decimal_places=2)
    currency = serializers.CharField()
    emailed_at = Rfc3339DateTimeField(allow_null=True, help_text=_(
        "When it was e-mailed to the producer; null if not (yet)."))
    email_problem = serializers.CharField(help_text=_(
        "Why it could not be e-mailed (no address); empty otherwise."))
    pdf = serializers.URLField(allow_null=True, help_text=_(
        "Download URL of the PDF; null until it is written."))
    csv = serializers.URLField(allow_null=True, help_text=_(
        "Download URL of the CSV; null until it is written."))


NOT_THEIRS = _("No such cycle, or not one the caller may read: its hub's managers (and "
               "platform admins) see all its purchase orders, a supplier's members their own.")


def _file_url(request, purchase_order, fmt: str) -> str | None:
    if not getattr(purchase_order, fmt):
        return None
    return request.build_absolute_uri(reverse(f"api:purchase-order-{fmt}",
                                              args=[purchase_order.pk]))


def purchase_order_data(request, purchase_order, *, currency: str) -> dict:
    return {
        "id": purchase_order.pk, "producer": purchase_order.producer_id,
        "producer_name": purchase_order.producer.name, "number": purchase_order.number,
        "total_quantity": purchase_order.total_quantity,
        "total_producer_price": purchase_order.total_producer_price, "currency": currency,
        "emailed_at": purchase_order.emailed_at, "email_problem": purchase_order.email_problem,
        "pdf": _file_url(request, purchase_order, "pdf"),
        "csv": _file_url(request, purchase_order, "csv"),
    }


class CycleProcessingView(APIView):
    """How far the processing of a closed cycle has gone, for its hub's managers."""

    permission_classes = [IsAuthenticated]

    @extend_schema(responses={
        200: ProcessingSerializer,
        404: OpenApiResponse(description=_(
            "No such cycle, or not one of the caller's hubs (shoppers, producers and other "
            "hubs' managers too).")),
    })
    def get(self, request, cycle_id: int):
        cycle = cycle_for_manager(user=request.user, cycle_id=cycle_id)
        return Response(ProcessingSerializer(processing_progress(cycle_id=cycle.pk)).data)


class CyclePurchaseOrderList(generics.GenericAPIView):
    """A cycle's purchase orders, one per producer, with links to their PDF and CSV."""

    permission_classes = [IsAuthenticated]

    @extend_schema(responses={200: PurchaseOrderSerializer(many=True),
                              404: OpenApiResponse(description=NOT_THEIRS)})
    def get(self, request, cycle_id: int):
        cycle, purchase_orders = cycle_for_purchase_orders(user=request.user, cycle_id=cycle_id)
        page = self.paginate_queryset(purchase_orders)
        currency = cycle.hub.currency
        return self.get_paginated_response(PurchaseOrderSerializer(
            [purchase_order_data(request, po, currency=currency) for po in page], many=True,
        ).data)


class _PurchaseOrderFile(APIView):
    permission_classes = [IsAuthenticated]
    fmt = ""

    def get(self, request, purchase_order_id: int):
        purchase_order = purchase_orders_for_user(request.user).filter(
            pk=purchase_order_id).first()
        if purchase_order is None:
            raise NotFound
        return purchase_order_response(purchase_order, self.fmt)


FILE_NOT_THEIRS = OpenApiResponse(description=_(
    "No such purchase order, not one the caller may read (its hub's managers and its "
    "producer's members may), or its file is not written yet."))


class PurchaseOrderPdf(_PurchaseOrderFile):
    """A purchase order as PDF (a download)."""

    fmt = "pdf"

    @extend_schema(responses={(200, "application/pdf"): OpenApiTypes.BINARY,
                              404: FILE_NOT_THEIRS})
    def get(self, request, purchase_order_id: int):
        return super().get(request, purchase_order_id)


class PurchaseOrderCsv(_PurchaseOrderFile):
    """A purchase order as CSV (UTF-8, a download)."""

    fmt = "csv"

    @extend_schema(responses={(200, "text/csv"): OpenApiTypes.BINARY, 404: FILE_NOT_THEIRS})
    def get(self, request, purchase_order_id: int):
        return super().get(request, purchase_order_id)
