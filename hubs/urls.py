from django.urls import path

from . import views

app_name = "hubs"
urlpatterns = [
    path("", views.home, name="home"),
    path("invitations/<str:token>/", views.hub_invitation_accept, name="invitation-accept"),
    path("<slug:slug>/", views.detail, name="detail"),
    path("<slug:slug>/settings/", views.hub_settings, name="settings"),
    path("<slug:slug>/team/", views.hub_team, name="team"),
    path("<slug:slug>/producers/", views.hub_producers, name="producers"),
    path("<slug:slug>/cycles/new/", views.cycle_create, name="cycle-create"),
    path("<slug:slug>/cycles/<int:cycle_id>/", views.cycle_edit, name="cycle"),
    path("<slug:slug>/cycles/<int:cycle_id>/<str:action>/do/", views.cycle_action,
         name="cycle-action"),
    path("<slug:slug>/cycles/<int:cycle_id>/producers/", views.cycle_producer_add,
         name="cycle-producer-add"),
    path("<slug:slug>/cycles/<int:cycle_id>/suppliers/<int:supplier_id>/",
         views.cycle_supplier_edit, name="cycle-supplier"),
    path("<slug:slug>/cycles/<int:cycle_id>/offers/", views.cycle_offers_save,
         name="cycle-offers"),
    path("<slug:slug>/cycles/<int:cycle_id>/fees/", views.cycle_fee_add, name="cycle-fees"),
    path("<slug:slug>/cycles/<int:cycle_id>/windows/", views.cycle_window_add,
         name="cycle-windows"),
    path("<slug:slug>/cycles/<int:cycle_id>/preview/", views.cycle_preview,
         name="cycle-preview"),
]
