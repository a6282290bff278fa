"""Mounted at /hub/ beside hubs.urls, for the hub's managers: a cycle's orders, its
processing, documents and invoice bundles, packing lists and pickup sheets; the hub's
reports."""

from django.urls import path

from . import bundle_views, hub_views, packing_views, processing_views, report_views

app_name = "orders_hub"
urlpatterns = [
    path("<slug:slug>/cycles/<int:cycle_id>/orders/", hub_views.cycle_orders_page,
         name="cycle-orders"),
    path("<slug:slug>/cycles/<int:cycle_id>/orders/<str:number>/", hub_views.order_detail,
         name="order"),
    path("<slug:slug>/cycles/<int:cycle_id>/orders/<str:number>/amend/", hub_views.order_amend,
         name="order-amend"),
    path("<slug:slug>/cycles/<int:cycle_id>/orders/<str:number>/cancel/",
         hub_views.order_cancel, name="order-cancel"),
    path("<slug:slug>/cycles/<int:cycle_id>/orders/<str:number>/correct/",
         hub_views.order_correct, name="order-correct"),
    path("<slug:slug>/cycles/<int:cycle_id>/orders/<str:number>/invoices/<int:invoice_id>/",
         hub_views.invoice_download, name="invoice-download"),
    path("<slug:slug>/cycles/<int:cycle_id>/packing/", packing_views.packing, name="packing"),
    path("<slug:slug>/cycles/<int:cycle_id>/pickup/", packing_views.pickup, name="pickup"),
    path("<slug:slug>/cycles/<int:cycle_id>/pickup/mark/", packing_views.pickup_mark,
         name="pickup-mark"),
    path("<slug:slug>/reports/", report_views.hub_reports, name="reports"),
    path("<slug:slug>/cycles/<int:cycle_id>/processing/", processing_views.cycle_processing,
         name="cycle-processing"),
    path("<slug:slug>/cycles/<int:cycle_id>/processing/status/",
         processing_views.cycle_processing_status, name="cycle-processing-status"),
    path("<slug:slug>/cycles/<int:cycle_id>/processing/retry/",
         processing_views.cycle_processing_retry, name="cycle-processing-retry"),
    path("<slug:slug>/cycles/<int:cycle_id>/invoices/<int:invoice_id>/pdf/",
         processing_views.invoice_pdf, name="invoice-pdf"),
    path("<slug:slug>/cycles/<int:cycle_id>/purchase-orders/<int:purchase_order_id>/<str:fmt>/",
         processing_views.purchase_order_file, name="purchase-order-file"),
    path("<slug:slug>/cycles/<int:cycle_id>/invoices/bundles/", bundle_views.invoice_bundles,
         name="invoice-bundles"),
    path("<slug:slug>/cycles/<int:cycle_id>/invoices/bundles/<int:bundle_id>/status/",
         bundle_views.invoice_bundle_status, name="invoice-bundle-status"),
    path("<slug:slug>/cycles/<int:cycle_id>/invoices/bundles/<int:bundle_id>/download/",
         bundle_views.invoice_bundle_download, name="invoice-bundle-download"),
]
