from django.urls import path

from . import producer_views, report_views

app_name = "orders_producer"
urlpatterns = [
    path("<slug:slug>/sales/", producer_views.sales, name="sales"),
    path("<slug:slug>/prepare/", producer_views.prepare, name="prepare"),
    path("<slug:slug>/reports/", report_views.producer_reports, name="reports"),
    path("<slug:slug>/purchase-orders/", producer_views.purchase_orders,
         name="purchase-orders"),
    path("<slug:slug>/purchase-orders/<int:purchase_order_id>/<str:fmt>/",
         producer_views.purchase_order_file, name="purchase-order-file"),
]
