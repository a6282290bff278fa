"""A hub's shop, under `/<hub-slug>/shop/` (the page itself is `orders-shop`, in the root
URL conf, so that templates reverse it without a namespace)."""

from django.urls import path

from . import shop_views

app_name = "shop"
urlpatterns = [
    path("add/", shop_views.add_to_basket, name="add"),
]
