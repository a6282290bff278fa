"""Orders API routes (`/api/v1/`), included by foodhub.urls."""

from django.urls import path

from . import api

urlpatterns = [
    path("orders/", api.OrderList.as_view(), name="order-list"),
    path("orders/<int:order_id>/", api.OrderDetail.as_view(), name="order-detail"),
    path("orders/<int:order_id>/cancel/", api.OrderCancel.as_view(), name="order-cancel"),
    path("order-cycles/<int:cycle_id>/orders/", api.CycleOrderList.as_view(),
         name="order-cycle-orders"),
]
