"""Mounted at /hub/ beside hubs.urls: a cycle's orders, its processing and documents for
the hub's managers."""

from django.urls import path

from . import hub_views, processing_views

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
]
