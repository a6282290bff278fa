"""Reports API (`/api/v1/order-cycles/{id}/reports/…/`), for the cycle's hub managers (and
platform admins); anyone else gets 404, as for the cycle's orders.

`GET …/supplier-totals/`, `…/customer-totals/`, `…/fees/`, `…/vat/` answer
`{report, currency, rows, totals, notes}` (amounts as decimal strings), the same figures as
the report pages (`orders.reports`); `?format=csv|xlsx|pdf` answers the file instead.
Filters: `?producer=<id>` (a producer of the hub), `?pickup_point=<id>|delivery`.
"""

from __future__ import annotations

import re
from decimal import Decimal

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from hubs.models import PickupPoint
from hubs.selectors import cycle_for_manager
from producers.parsing import MAX_ID, ApiIdField

from .report_files import FORMATS, describe, report_response
from .reports import (
    CUSTOMER_TOTALS,
    FEES,
    SUPPLIER_TOTALS,
    VAT,
    Report,
    ReportFilters,
    build_report,
    hub_report_producers,
    rate_text,
)

API_FORMATS = ("json", *FORMATS)
DELIVERY = "delivery"
FORMAT_ERROR = _("Use one of: json, csv, xlsx, pdf.")
POINT_ERROR = _("Give a pickup point id of the hub, or `delivery`.")


# --- input -------------------------------------------------------------------------------------


class ReportQuerySerializer(serializers.Serializer):
    format = serializers.ChoiceField(
        choices=API_FORMATS, required=False, default="json",
        error_messages={"invalid_choice": FORMAT_ERROR},
    )
    producer = ApiIdField(
        required=False,
        error_messages=dict.fromkeys(("invalid", "min_value", "max_value",
                                      "max_string_length"),
                                     _("Give a producer id (a whole number).")),
    )
    pickup_point = serializers.CharField(
        required=False, max_length=20, error_messages={"max_length": POINT_ERROR},
    )

    def validate_pickup_point(self, value: str):
        value = value.strip()
        if value == DELIVERY:
            return DELIVERY
        if not re.fullmatch(r"[0-9]{1,10}", value) or not 0 < int(value) <= MAX_ID:
            raise serializers.ValidationError(POINT_ERROR)
        point = PickupPoint.objects.filter(hub=self.context["hub"], pk=int(value)).first()
        if point is None:
            raise serializers.ValidationError(POINT_ERROR)
        return point

    def validate_producer(self, value: int):
        producer = next((p for p in hub_report_producers(hub=self.context["hub"])
                         if p.pk == value), None)
        if producer is None:
            raise serializers.ValidationError(_("This producer does not supply this hub."))
        return producer


# --- output (the schema; answers are built as plain data, see `report_data`) -------------------


def _money(**kwargs) -> serializers.DecimalField:
    return serializers.DecimalField(max_digits=16, decimal_places=2, **kwargs)


class _ReportSerializer(serializers.Serializer):
    report = serializers.CharField(help_text=_("Which report."))
    currency = serializers.CharField()
    notes = serializers.ListField(child=serializers.CharField(),
                                  help_text=_("What the figures leave out, if anything."))


class ReportSupplierTotalsRowSerializer(serializers.Serializer):
    producer_id = serializers.IntegerField(allow_null=True)
    producer = serializers.CharField()
    quantity = serializers.IntegerField()
    producer_price = _money(help_text=_("What the producer is paid (producer price x qty)."))
    markup = _money(help_text=_("The hub's markup."))
    fees = _money(help_text=_("Item fees (per-order fees are in `fees`)."))
    excl_tax = _money()
    vat = _money()
    incl_tax = _money()


class ReportSupplierTotalsSumSerializer(serializers.Serializer):
    quantity = serializers.IntegerField()
    producer_price = _money()
    markup = _money()
    fees = _money()
    excl_tax = _money()
    vat = _money()
    incl_tax = _money()


class ReportSupplierTotalsSerializer(_ReportSerializer):
    rows = ReportSupplierTotalsRowSerializer(many=True)
    totals = ReportSupplierTotalsSumSerializer()


class ReportCustomerTotalsRowSerializer(serializers.Serializer):
    order_id = serializers.IntegerField()
    order = serializers.CharField(help_text=_("The order number."))
    cycle_id = serializers.IntegerField()
    cycle = serializers.CharField()
    customer = serializers.CharField()
    email = serializers.CharField()
    place = serializers.CharField(help_text=_("The pickup point, or the delivery zone."))
    goods = _money(help_text=_("Products excl. VAT (producer price and markup)."))
    fees = _money(help_text=_("Item fees, per-order fees and delivery, excl. VAT."))
    excl_tax = _money()
    vat = _money()
    incl_tax = _money(help_text=_("The order's total, as on its invoice."))


class ReportCustomerTotalsSumSerializer(serializers.Serializer):
    orders = serializers.IntegerField()
    goods = _money()
    fees = _money()
    excl_tax = _money()
    vat = _money()
    incl_tax = _money()


class ReportCustomerTotalsSerializer(_ReportSerializer):
    rows = ReportCustomerTotalsRowSerializer(many=True)
    totals = ReportCustomerTotalsSumSerializer()


class ReportFeeRowSerializer(serializers.Serializer):
    fee = serializers.CharField()
    charged = serializers.ChoiceField(choices=["item", "order", "delivery"],
                                      help_text=_("Per item, per order, or the delivery fee."))
    charged_label = serializers.CharField()
    vat_rate = serializers.CharField(help_text=_("VAT rate, percent: `5.5`."))
    count = serializers.IntegerField(help_text=_("Items or orders charged."))
    excl_tax = _money()
    vat = _money()
    incl_tax = _money()


class ReportMoneySumSerializer(serializers.Serializer):
    excl_tax = _money()
    vat = _money()
    incl_tax = _money()


class ReportFeesSerializer(_ReportSerializer):
    rows = ReportFeeRowSerializer(many=True)
    totals = ReportMoneySumSerializer()


class ReportVatRowSerializer(serializers.Serializer):
    vat_rate = serializers.CharField(help_text=_("VAT rate, percent: `5.5`."))
    goods_base = _money()
    goods_vat = _money()
    fees_base = _money()
    fees_vat = _money()
    base = _money()
    vat = _money()
    incl_tax = _money()


class ReportVatSumSerializer(serializers.Serializer):
    goods_base = _money()
    goods_vat = _money()
    fees_base = _money()
    fees_vat = _money()
    base = _money()
    vat = _money()
    incl_tax = _money()


class ReportVatSerializer(_ReportSerializer):
    rows = ReportVatRowSerializer(many=True)
    totals = ReportVatSumSerializer()


def _value(key: str, value):
    if isinstance(value, Decimal):
        return rate_text(value) if key == "vat_rate" else f"{value:.2f}"
    return value


def report_data(report: Report) -> dict:
    """The JSON answer: amounts as decimal strings, rates as on invoices (`5.5`)."""
    return {
        "report": report.kind,
        "currency": report.currency,
        "notes": [str(note) for note in report.notes],
        "rows": [{key: _value(key, value) for key, value in row.items()}
                 for row in report.rows],
        "totals": {key: _value(key, value) for key, value in report.totals.items()},
    }


# --- views -------------------------------------------------------------------------------------

PARAMETERS = [
    OpenApiParameter("format", str, required=False, enum=list(API_FORMATS),
                     description=_("`json` (the default) or a file: `csv`, `xlsx`, `pdf`.")),
    OpenApiParameter("producer", int, required=False,
                     description=_("Only this producer's lines (per-order fees and delivery, "
                                   "which belong to no producer, are then left out).")),
    OpenApiParameter("pickup_point", str, required=False,
                     description=_("Only orders collected at this pickup point (its id), or "
                                   "`delivery` for deliveries.")),
]
FILES = {
    (200, "text/csv"): OpenApiResponse(OpenApiTypes.STR, description=_("`?format=csv`")),
    (200, FORMATS["xlsx"]): OpenApiResponse(OpenApiTypes.BINARY,
                                            description=_("`?format=xlsx`")),
    (200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY,
                                              description=_("`?format=pdf`")),
}
ERRORS = {
    400: OpenApiResponse(description=_(
        "A filter or the format is not valid (`format`, `producer`, `pickup_point`).")),
    404: OpenApiResponse(description=_(
        "No such cycle, or not one of the caller's hubs (shoppers, producers and other hubs' "
        "managers too).")),
}


class _CycleReport(APIView):
    permission_classes = [IsAuthenticated]
    kind = ""

    def perform_content_negotiation(self, request, force=False):
        # `?format=` names the file to answer with, not one of DRF's renderers: errors and
        # the JSON answer are always JSON.
        return super().perform_content_negotiation(request, force=True)

    def get(self, request, cycle_id: int):
        cycle = cycle_for_manager(user=request.user, cycle_id=cycle_id)
        query = ReportQuerySerializer(data=request.query_params, context={"hub": cycle.hub})
        query.is_valid(raise_exception=True)
        data = query.validated_data
        point = data.get("pickup_point")
        filters = ReportFilters(
            hub=cycle.hub, cycle_ids=(cycle.pk,), producer=data.get("producer"),
            pickup_point=point if isinstance(point, PickupPoint) else None,
            delivery=point == DELIVERY,
        )
        report = build_report(self.kind, filters=filters)
        if data["format"] != "json":
            return report_response(report, data["format"], hub=cycle.hub,
                                   cycle_ids=(cycle.pk,),
                                   description=describe(filters, cycles=[cycle]))
        return Response(report_data(report))


def _schema(serializer, summary):
    return extend_schema(summary=summary, parameters=PARAMETERS, responses={
        (200, "application/json"): OpenApiResponse(serializer, description=_(
            "The report: its rows and a totals row (JSON), or the file asked for with "
            "`format`.")),
        **FILES, **ERRORS})


class SupplierTotalsReport(_CycleReport):
    """Per producer: quantity, producer price, hub markup, item fees, VAT, totals."""

    kind = SUPPLIER_TOTALS

    @_schema(ReportSupplierTotalsSerializer, _("Supplier totals of a cycle"))
    def get(self, request, cycle_id: int):
        return super().get(request, cycle_id)


class CustomerTotalsReport(_CycleReport):
    """Per order: customer, goods, fees, VAT and total (the order's and its invoice's)."""

    kind = CUSTOMER_TOTALS

    @_schema(ReportCustomerTotalsSerializer, _("Customer totals of a cycle"))
    def get(self, request, cycle_id: int):
        return super().get(request, cycle_id)


class FeesReport(_CycleReport):
    """Per fee: item fees, per-order fees and delivery, with their VAT."""

    kind = FEES

    @_schema(ReportFeesSerializer, _("Fees of a cycle"))
    def get(self, request, cycle_id: int):
        return super().get(request, cycle_id)


class VatReport(_CycleReport):
    """Per VAT rate: base and VAT of goods and of fees (what the invoices add up to)."""

    kind = VAT

    @_schema(ReportVatSerializer, _("VAT by rate of a cycle"))
    def get(self, request, cycle_id: int):
        return super().get(request, cycle_id)
