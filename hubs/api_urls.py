from django.urls import path

from teams.api import team_urls

from . import api
from .models import Hub

urlpatterns = [
    path("hubs/", api.HubList.as_view(), name="hub-list"),
    path("hubs/<int:hub_id>/", api.HubDetail.as_view(), name="hub-detail"),
    path("order-cycles/", api.OrderCycleList.as_view(), name="order-cycle-list"),
    path("order-cycles/<int:cycle_id>/", api.OrderCycleDetail.as_view(), name="order-cycle"),
    path("order-cycles/<int:cycle_id>/clone/", api.OrderCycleClone.as_view(),
         name="order-cycle-clone"),
    path("order-cycles/<int:cycle_id>/close/", api.OrderCycleClose.as_view(),
         name="order-cycle-close"),
    path("order-cycles/<int:cycle_id>/reopen/", api.OrderCycleReopen.as_view(),
         name="order-cycle-reopen"),
    path("order-cycles/<int:cycle_id>/products/", api.OrderCycleProducts.as_view(),
         name="order-cycle-products"),
    path("relationships/", api.RelationshipList.as_view(), name="relationship-list"),
    path("relationships/<int:link_id>/accept/", api.RelationshipAccept.as_view(),
         name="relationship-accept"),
    path("relationships/<int:link_id>/end/", api.RelationshipEnd.as_view(),
         name="relationship-end"),
    *team_urls("hubs", Hub),
]
