from django.urls import path

from teams.api import team_urls

from . import api
from .models import Producer

urlpatterns = [
    path("producers/", api.ProducerList.as_view(), name="producer-list"),
    path("producers/<int:producer_id>/", api.ProducerDetail.as_view(), name="producer-detail"),
    path(
        "producers/<int:producer_id>/products/",
        api.ProductList.as_view(),
        name="producer-products",
    ),
    path(
        "producers/<int:producer_id>/products/<int:product_id>/",
        api.ProductDetail.as_view(),
        name="producer-product",
    ),
    path("producers/<int:producer_id>/stock/", api.StockUpdate.as_view(), name="producer-stock"),
    path(
        "producers/<int:producer_id>/imports/",
        api.ImportCreate.as_view(),
        name="producer-imports",
    ),
    path(
        "producers/<int:producer_id>/imports/<int:import_id>/",
        api.ImportDetail.as_view(),
        name="producer-import",
    ),
    path(
        "producers/<int:producer_id>/imports/<int:import_id>/confirm/",
        api.ImportConfirm.as_view(),
        name="producer-import-confirm",
    ),
    *team_urls("producers", Producer),
]
