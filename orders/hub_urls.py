"""Mounted at /hub/ beside hubs.urls: a cycle's orders and invoice bundles for the hub's
managers."""

from django.urls import path

from . import bundle_views, hub_views

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
    path("<slug:slug>/cycles/<int:cycle_id>/invoices/bundles/", bundle_views.invoice_bundles,
         name="invoice-bundles"),
    path("<slug:slug>/cycles/<int:cycle_id>/invoices/bundles/<int:bundle_id>/status/",
         bundle_views.invoice_bundle_status, name="invoice-bundle-status"),
    path("<slug:slug>/cycles/<int:cycle_id>/invoices/bundles/<int:bundle_id>/download/",
         bundle_views.invoice_bundle_download, name="invoice-bundle-download"),
]
