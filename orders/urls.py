from django.urls import path

from . import views

app_name = "orders"
urlpatterns = [
    path("cycles/<int:cycle_id>/shop/", views.shop_cycle, name="shop-cycle"),
]
