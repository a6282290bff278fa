from django.urls import path

from . import producer_views

app_name = "hubs_producer"
urlpatterns = [
    path("<slug:slug>/hubs/", producer_views.producer_hubs, name="hubs"),
    path("<slug:slug>/cycles/", producer_views.producer_cycles, name="cycles"),
]
