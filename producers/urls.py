from django.urls import path

from . import views

app_name = "producers"
urlpatterns = [
    path("", views.home, name="home"),
    path("invitations/<str:token>/", views.invitation_accept, name="invitation-accept"),
    path("<slug:slug>/", views.dashboard, name="dashboard"),
    path("<slug:slug>/products/new/", views.product_edit, name="product-create"),
    path("<slug:slug>/products/<int:product_id>/", views.product_edit, name="product-edit"),
    path(
        "<slug:slug>/products/<int:product_id>/archive/",
        views.product_archive,
        name="product-archive",
    ),
    path("<slug:slug>/history/", views.history, name="history"),
    path("<slug:slug>/import/", views.import_upload, name="import"),
    path("<slug:slug>/imports/<int:import_id>/", views.import_detail, name="import-detail"),
    path(
        "<slug:slug>/imports/<int:import_id>/file/", views.import_file, name="import-file"
    ),
    path(
        "<slug:slug>/imports/<int:import_id>/progress/",
        views.import_progress,
        name="import-progress",
    ),
    path("<slug:slug>/export.<str:fmt>", views.export, name="export"),
    path("<slug:slug>/profile/", views.profile, name="profile"),
    path("<slug:slug>/team/", views.team, name="team"),
]
