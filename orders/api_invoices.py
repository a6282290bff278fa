"""Invoices API (`/api/v1/order-cycles/{id}/invoices/`, `/api/v1/invoices/{id}/pdf/`).

A cycle's invoices and credit notes are listed for its hub's managers (and platform admins);
an invoice's PDF is sent to them and to the order's own shopper. Anyone else gets 404, as
for every other tenant's object (docs/api.md).
"""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.views import APIView

from hubs.selectors import cycle_for_manager
from producers.parsing import Rfc3339DateTimeField
from producers.private_files import private_file_response

from .invoice_selectors import cycle_invoices, invoice_for_download
from .models import Invoice


class InvoiceSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField(help_text=_("The hub's gapless number: `LPB-2026-000123`."))
    kind = serializers.ChoiceField(choices=Invoice.Kind.values,
                                   help_text=_("`invoice` or `credit_note`."))
    corrects = serializers.CharField(
        allow_null=True, help_text=_("For a credit note: the number of the invoice it "
                                     "cancels; null for an invoice."))
    order = serializers.IntegerField(help_text=_("The order's id."))
    order_number = serializers.CharField()
    customer = serializers.CharField(
        help_text=_("The company for a business customer, else the shopper's name."))
    is_business = serializers.BooleanField()
    total_excl_tax = serializers.DecimalField(max_digits=14, decimal_places=2)
    total_incl_tax = serializers.DecimalField(
        max_digits=14, decimal_places=2,
        help_text=_("Negative for a credit note."))
    issued_at = Rfc3339DateTimeField()
    pdf = serializers.URLField(
        allow_null=True,
        help_text=_("Where to download the PDF (`/api/v1/invoices/{id}/pdf/`); null while it "
                    "is being rendered."))


def invoice_data(invoice: Invoice, *, request) -> dict:
    """One invoice as the API shows it (no query: `cycle_invoices` fetched the rest)."""
    pdf = None
    if invoice.pdf_rendered_at:
        pdf = request.build_absolute_uri(
            reverse("api:invoice-pdf", kwargs={"invoice_id": invoice.pk}))
    return {
        "id": invoice.pk,
        "number": invoice.number,
        "kind": invoice.kind,
        "corrects": invoice.corrects.number if invoice.corrects_id else None,
        "order": invoice.order_id,
        "order_number": invoice.order.number,
        "customer": invoice.customer_name,
        "is_business": invoice.is_business,
        "total_excl_tax": invoice.total_excl_tax,
        "total_incl_tax": invoice.total_incl_tax,
        "issued_at": invoice.issued_at,
        "pdf": pdf,
    }


class CycleInvoiceList(generics.GenericAPIView):
    """A cycle's invoices and credit notes in number order, for its hub's managers."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        responses={
            200: InvoiceSerializer(many=True),
            404: OpenApiResponse(description=_(
                "No such cycle, or not one of the caller's hubs (shoppers, producers and "
                "other hubs' managers too).")),
        },
    )
    def get(self, request, cycle_id: int):
        cycle = cycle_for_manager(user=request.user, cycle_id=cycle_id)
        page = self.paginate_queryset(cycle_invoices(cycle=cycle))
        return self.get_paginated_response(InvoiceSerializer(
            [invoice_data(invoice, request=request) for invoice in page], many=True).data)


class InvoicePdf(APIView):
    """An invoice's or credit note's PDF, for the hub's managers and the order's shopper."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        responses={
            (200, "application/pdf"): OpenApiResponse(
                response=OpenApiTypes.BINARY,
                description=_("The PDF, as an attachment named after the invoice's number.")),
            404: OpenApiResponse(description=_(
                "No such invoice, one the caller may not read (only the order's shopper, the "
                "hub's managers and platform admins may), or its PDF is not rendered yet.")),
        },
    )
    def get(self, request, invoice_id: int):
        invoice = invoice_for_download(user=request.user, invoice_id=invoice_id)
        return private_file_response(invoice.pdf, invoice.filename)
