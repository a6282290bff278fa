"""Orders API routes (`/api/v1/`), included by foodhub.urls."""

from django.urls import path

from . import api, api_invoices, api_processing, api_reports

urlpatterns = [
    path("orders/", api.OrderList.as_view(), name="order-list"),
    path("orders/<int:order_id>/", api.OrderDetail.as_view(), name="order-detail"),
    path("orders/<int:order_id>/cancel/", api.OrderCancel.as_view(), name="order-cancel"),
    path("order-cycles/<int:cycle_id>/orders/", api.CycleOrderList.as_view(),
         name="order-cycle-orders"),
    path("order-cycles/<int:cycle_id>/invoices/", api_invoices.CycleInvoiceList.as_view(),
         name="order-cycle-invoices"),
    path("invoices/<int:invoice_id>/pdf/", api_invoices.InvoicePdf.as_view(),
         name="invoice-pdf"),
    path("order-cycles/<int:cycle_id>/reports/supplier-totals/",
         api_reports.SupplierTotalsReport.as_view(), name="order-cycle-report-supplier-totals"),
    path("order-cycles/<int:cycle_id>/reports/customer-totals/",
         api_reports.CustomerTotalsReport.as_view(), name="order-cycle-report-customer-totals"),
    path("order-cycles/<int:cycle_id>/reports/fees/", api_reports.FeesReport.as_view(),
         name="order-cycle-report-fees"),
    path("order-cycles/<int:cycle_id>/reports/vat/", api_reports.VatReport.as_view(),
         name="order-cycle-report-vat"),
    path("order-cycles/<int:cycle_id>/processing/", api_processing.CycleProcessingView.as_view(),
         name="order-cycle-processing"),
    path("order-cycles/<int:cycle_id>/purchase-orders/",
         api_processing.CyclePurchaseOrderList.as_view(), name="order-cycle-purchase-orders"),
    path("purchase-orders/<int:purchase_order_id>/pdf/",
         api_processing.PurchaseOrderPdf.as_view(), name="purchase-order-pdf"),
    path("purchase-orders/<int:purchase_order_id>/csv/",
         api_processing.PurchaseOrderCsv.as_view(), name="purchase-order-csv"),
]
